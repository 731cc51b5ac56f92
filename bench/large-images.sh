#!/usr/bin/env bash
# Large images: 20 concurrent 4K-sized Gemini images (about 20 MB of base64 each, one SSE line) from
# a fixed upstream, through the gateway sized as deploy/Dockerfile.jvm sizes a 512 MiB instance
# (serial GC, half the memory as heap, two malloc arenas). Reports no-OOM, peak RSS, and the time
# from the upstream call to the `image` event (p50/p99). Loopback only.
#
#   bench/large-images.sh [streams]      writes bench/results/large-images/result.json and summary.md
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N=${1:-20}
UP_PORT=${UP_PORT:-21091}
GW_PORT=${GW_PORT:-21090}
OUT="$ROOT/bench/results/large-images"
WORK="$ROOT/bench/work/large-images"
mkdir -p "$OUT" "$WORK"
cd "$ROOT"
[[ -f target/quarkus-app/quarkus-run.jar && ${NO_BUILD:-0} == 1 ]] || ./mvnw -B -q -o package -DskipTests
python3 bench/large-images/upstream.py "$UP_PORT" > "$WORK/upstream.log" 2>&1 &
UP=$!
GW=
trap 'kill $UP $GW 2>/dev/null || true' EXIT

# One gateway run: label, then extra JVM options. Prints the driver's JSON line plus the outcome.
run() {
  local label=$1; shift
  MALLOC_ARENA_MAX=2 java -XX:+UseSerialGC -Xmx256m -XX:+ExitOnOutOfMemoryError "$@" \
    -Dquarkus.http.port="$GW_PORT" -Dquarkus.http.host=127.0.0.1 \
    -Dimagen.upstream=vertex -Dimagen.vertex.project=bench -Dimagen.vertex.auth=none \
    -Dimagen.vertex.url="http://127.0.0.1:$UP_PORT" -Dimagen.resilience.bulkhead.max-concurrent=64 \
    -jar target/quarkus-app/quarkus-run.jar > "$WORK/gateway-$label.log" 2>&1 &
  GW=$!
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$GW_PORT/q/health/ready" >/dev/null && break; sleep 0.1; done
  # warm-up: two rounds of 2 streams, not counted
  python3 bench/large-images/driver.py "$GW_PORT" "$GW" 2 gemini-3-pro-image > /dev/null || true
  python3 bench/large-images/driver.py "$GW_PORT" "$GW" 2 gemini-3-pro-image > /dev/null || true
  local line
  line=$(python3 bench/large-images/driver.py "$GW_PORT" "$GW" "$N" gemini-3-pro-image || echo '{"driver":"failed"}')
  local alive=false
  kill -0 "$GW" 2>/dev/null && alive=true
  local ooms
  ooms=$(grep -c "OutOfMemoryError" "$WORK/gateway-$label.log" || true)
  echo "{\"run\": \"$label\", \"result\": $line, \"alive_after\": $alive, \"oom_lines\": $ooms}"
  kill "$GW" 2>/dev/null || true
  wait "$GW" 2>/dev/null || true
  GW=
}

{
  # the gateway as configured: large events arrive under permits (one per 128 MiB of heap: 2 here)
  run permits
  # baseline in the same run: every large event arrives at once (the behaviour without permits)
  run unlimited -Dimagen.vertex.max-large-events=100000
} | tee "$OUT/result.json"
