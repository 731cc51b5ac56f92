#!/usr/bin/env bash
# imagen-gateway benchmark suite: one command runs everything, on loopback only.
#
#   bench/run.sh            full suite   (13 min on 2 cores)
#   bench/run.sh --quick    quick suite  (under 5 min on 2 cores, the build included)
#   bench/run.sh --quick --only proxy,sse      a subset: proxy sse dedup startup jmh plot
#   bench/run.sh --no-build                    reuse target/quarkus-app and the installed artifact
#
# Writes bench/results/<quick|full>/*.json|csv|png and summary.md. See bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
MODE=full
ONLY="proxy,sse,dedup,startup,jmh,plot"
BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) MODE=quick ;;
    --full) MODE=full ;;
    --only) ONLY="$2"; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }

WORK="$BENCH/work"             # scratch (git-ignored): logs, nginx temp, driver classes
OUT="$BENCH/results/$MODE"
mkdir -p "$WORK" "$OUT"

# ---- ports (loopback only; below the ephemeral range 32768-60999, which 10k client sockets sweep through)
UP_PORT=${UP_PORT:-21081}      # nginx: fixed fast upstream
PX_PORT=${PX_PORT:-21082}      # nginx: reverse proxy to it
GW_PORT=${GW_PORT:-21080}      # the gateway
SLOW_PORT=${SLOW_PORT:-21083}  # Java upstream answering after a delay (SSE hold, dedup)
IMG_PORT=${IMG_PORT:-21084}    # Java upstream answering random images (memory per cached image)

JAVA17=${JAVA17:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
PY=${PY:-/usr/bin/python3}     # Debian's python3 has python3-matplotlib
# The gateway's memory settings as deploy/Dockerfile.jvm gives a 512 MiB Cloud Run instance: half the
# limit as heap, the serial collector (what the JVM itself picks on one vCPU, and the smallest
# footprint), two malloc arenas. (The image runs JDK 25 with an AOT cache; the startup phase measures it.)
GW_JAVA_OPTS=${GW_JAVA_OPTS:--XX:+UseSerialGC -Xmx256m}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
MODEL=imagen-4.0-fast-generate-001
PREDICT="/v1/projects/bench/locations/us-central1/publishers/google/models/$MODEL:predict"
UNSEEDED='{"instances":[{"prompt":"bench {i}"}],"parameters":{"sampleCount":1}}'
SEEDED='{"instances":[{"prompt":"bench dedup"}],"parameters":{"sampleCount":1,"seed":42,"addWatermark":false}}'
PNG1='iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
FIXED_BODY="{\"predictions\":[{\"bytesBase64Encoded\":\"$PNG1\",\"mimeType\":\"image/png\"}]}"

if [[ $MODE == quick ]]; then
  RATES="500 1000 2000"; RATE_SECS=4; RATE_WARM=2; SAT_SECS=5; GW_WARM_SECS=20; PROFILE_SECS=5
  SSE_LEVELS="10000"; SSE_WARM=1000; DEDUP_N=1000; HIT_SECS=4; HIT_WARM_SECS=8; MEM_IMAGES=300
  STARTUP_RUNS=2; JMH_ARGS="-f 1 -wi 1 -i 1 -w 1s -r 1s"
else
  RATES="500 1000 2000"; RATE_SECS=15; RATE_WARM=3; SAT_SECS=15; GW_WARM_SECS=45; PROFILE_SECS=10
  SSE_LEVELS="1000 5000 10000"; SSE_WARM=5000; DEDUP_N=1000; HIT_SECS=15; HIT_WARM_SECS=20; MEM_IMAGES=1000
  STARTUP_RUNS=5; JMH_ARGS="-f 2 -wi 5 -i 5 -w 1s -r 2s"
fi
SAT_CONNS=${SAT_CONNS:-64}
# connections the open-loop driver may open per target: a load balancer's pool, not one per request
RATE_CONNS=${RATE_CONNS:-128}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- file descriptors: 10k streams need ~10k sockets in the driver and in the gateway ------------
HARD=$(ulimit -Hn)
if ! ulimit -n 65536 2>/dev/null; then ulimit -n "$HARD"; fi
log "mode=$MODE, ulimit -n $(ulimit -n) (hard $HARD), $(nproc) cores"

# ---- processes we start, stopped by pid on exit ---------------------------------------------------
PIDS=()
# alive = exists and is not a zombie (kill -0 succeeds on an unreaped child)
alive() { [[ -r /proc/$1/stat ]] && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
stop_pid() { # pid [seconds]
  local p=$1 n=$(( ${2:-10} * 10 ))
  kill "$p" 2>/dev/null || true
  for _ in $(seq 1 "$n"); do alive "$p" || break; sleep 0.1; done
  alive "$p" && kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
cleanup() {
  for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && stop_pid "$p"; done
  [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT

# ---- build ----------------------------------------------------------------------------------------
if [[ $BUILD == 1 ]]; then
  log "building the gateway (./mvnw -B -q install -DskipTests: jar for the runs, artifact for JMH)"
  (cd "$ROOT" && ./mvnw -B -q install -DskipTests)
fi
[[ -f "$ROOT/target/quarkus-app/quarkus-run.jar" ]] || { echo "no target/quarkus-app; run without --no-build" >&2; exit 1; }
LIBCP="$ROOT/target/quarkus-app/lib/main/*"
mkdir -p "$WORK/driver"
javac -nowarn -d "$WORK/driver" -cp "$LIBCP" "$BENCH/driver/Bench.java"
DRIVER=("$JAVA17" -Xms64m -Xmx1g -XX:+UseParallelGC -cp "$WORK/driver:$LIBCP" Bench)

port_free() { # port: wait up to 20 s until nothing listens on it
  for _ in $(seq 1 200); do
    [[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]] && return 0
    sleep 0.1
  done
  echo "port $1 still in use: $(ss -Hltnp "sport = :$1")" >&2; return 1
}
wait_http() { # url seconds
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null "$1"; do
    (( SECONDS < deadline )) || { echo "timeout waiting for $1" >&2; return 1; }
    sleep 0.1
  done
}

# ---- nginx: fixed fast upstream + reverse proxy ---------------------------------------------------
start_nginx() {
  # a stray server on these ports would answer in nginx's place
  port_free "$UP_PORT"; port_free "$PX_PORT"
  mkdir -p "$WORK/nginx-body" "$WORK/nginx-proxy" "$WORK/nginx-fastcgi" "$WORK/nginx-uwsgi" "$WORK/nginx-scgi"
  sed -e "s#@UPSTREAM_PORT@#$UP_PORT#g; s#@PROXY_PORT@#$PX_PORT#g; s#@WORK@#$WORK#g; s#@WORKERS@#${NGINX_WORKERS:-auto}#g; s#@BODY@#$FIXED_BODY#g" \
    "$BENCH/nginx/nginx.conf.template" > "$WORK/nginx.conf"
  nginx -t -q -p "$WORK" -c "$WORK/nginx.conf"
  nginx -p "$WORK" -c "$WORK/nginx.conf" > "$WORK/nginx.out" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$UP_PORT/" 10
  wait_http "http://127.0.0.1:$PX_PORT/" 10
}

# ---- the gateway ----------------------------------------------------------------------------------
GW_PID=
start_gateway() { # upstream-port log-name extra-opts...
  local up=$1 name=$2; shift 2
  port_free "$GW_PORT"
  # shellcheck disable=SC2086
  "$JAVA17" $GW_JAVA_OPTS "$@" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$GW_PORT -Dquarkus.log.console.json.enabled=false \
    -Dimagen.upstream=vertex -Dimagen.vertex.project=bench -Dimagen.vertex.auth=none \
    "-Dimagen.model.\"$MODEL\".served-by=none" \
    -Dimagen.vertex.url=http://127.0.0.1:$up \
    -Dimagen.resilience.bulkhead.max-concurrent=20000 -Dimagen.resilience.bulkhead.queue=20000 \
    -jar "$ROOT/target/quarkus-app/quarkus-run.jar" > "$WORK/gateway-$name.log" 2>&1 &
  GW_PID=$!
  PIDS+=($GW_PID)
  wait_http "http://127.0.0.1:$GW_PORT/q/health/ready" 60
}
stop_gateway() { [[ -n "$GW_PID" ]] && stop_pid "$GW_PID"; GW_PID=; }

SLOW_PID=
start_slow_upstream() { # delay-ms [image-bytes] [port]
  local port=${3:-$SLOW_PORT}
  port_free "$port"
  "${DRIVER[@]}" upstream --port "$port" --delay-ms "$1" --image-bytes "${2:-0}" > "$WORK/upstream-$port.log" 2>&1 &
  SLOW_PID=$!
  PIDS+=($SLOW_PID)
  wait_http "http://127.0.0.1:$port/count" 20
}
upstream_calls() { curl -s "http://127.0.0.1:$1/count" | sed -E 's/.*"calls":([0-9]+).*/\1/'; }

wrk_lua() { # body -> lua file
  local f="$WORK/post.lua"
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [[%s]]\n' "$1" > "$f"
  echo "$f"
}
wrk_json() { # name url conns secs -> one JSON line (wrk's own latency percentiles, throughput)
  local name=$1 url=$2 c=$3 d=$4 lua
  lua=$(wrk_lua '{"instances":[{"prompt":"bench wrk"}],"parameters":{"sampleCount":1}}')
  wrk -t1 -c"$c" -d"${d}s" --latency -s "$lua" "$url" > "$WORK/wrk-$name.txt" 2>&1 || true
  "$PY" "$BENCH/scripts/wrk_to_json.py" "$name" "$c" < "$WORK/wrk-$name.txt"
}

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

# =================================================================================================
# 1. proxy overhead: direct upstream vs nginx proxy vs gateway :predict (unseeded)
# =================================================================================================
if want proxy; then
  log "phase proxy: rates [$RATES] x ${RATE_SECS}s, saturation ${SAT_SECS}s at $SAT_CONNS connections"
  start_nginx
  start_gateway "$UP_PORT" proxy
  log "warming the gateway's JIT for ${GW_WARM_SECS}s (not measured)"
  wrk_json warmup "http://127.0.0.1:$GW_PORT$PREDICT" 32 "$GW_WARM_SECS" > /dev/null
  : > "$OUT/proxy.jsonl"
  for target in direct nginx gateway; do
    case $target in
      direct) port=$UP_PORT ;; nginx) port=$PX_PORT ;; gateway) port=$GW_PORT ;;
    esac
    # one driver process per target runs every rate in turn: warmed once, no JVM start between rates
    log "  $target @ [$RATES] req/s"
    "${DRIVER[@]}" rate --url "http://127.0.0.1:$port$PREDICT" --body "$UNSEEDED" --rate "${RATES// /,}" \
      --seconds "$RATE_SECS" --warmup-seconds "$RATE_WARM" --conns "$RATE_CONNS" --pid "$GW_PID" \
      | sed -e "s/^{/{\"target\":\"$target\",\"kind\":\"fixed-rate\",/; s/\"pidCpuTicks\"/\"gatewayCpuTicks\"/" >> "$OUT/proxy.jsonl"
  done
  for target in direct nginx gateway; do
    case $target in
      direct) port=$UP_PORT ;; nginx) port=$PX_PORT ;; gateway) port=$GW_PORT ;;
    esac
    log "  $target saturation (wrk -c$SAT_CONNS ${SAT_SECS}s)"
    c0=$(cpu_ticks "$GW_PID")
    res=$(wrk_json "$target" "http://127.0.0.1:$port$PREDICT" "$SAT_CONNS" "$SAT_SECS")
    echo "{\"target\":\"$target\",\"kind\":\"saturation\",\"gatewayCpuTicks\":$(( $(cpu_ticks "$GW_PID") - c0 )),${res#\{}" >> "$OUT/proxy.jsonl"
  done
  if [[ ${PROFILE:-1} == 1 ]]; then
    log "  JFR profile of the gateway at saturation (${PROFILE_SECS} s)"
    jcmd "$GW_PID" JFR.start name=bench settings=profile filename="$WORK/gateway-saturation.jfr" > /dev/null
    wrk_json profile "http://127.0.0.1:$GW_PORT$PREDICT" "$SAT_CONNS" "$PROFILE_SECS" > /dev/null
    jcmd "$GW_PID" JFR.stop name=bench > /dev/null
    jfr print --stack-depth 96 --events jdk.ExecutionSample "$WORK/gateway-saturation.jfr" \
      | "$PY" "$BENCH/scripts/jfr_summary.py" 25 > "$OUT/gateway-profile.txt"
  fi
  stop_gateway
fi

# =================================================================================================
# 2. open SSE streams with a 10 s upstream
# =================================================================================================
if want sse; then
  log "phase sse: streams [$SSE_LEVELS], upstream answers after 10 s"
  start_slow_upstream 10000
  : > "$OUT/sse.jsonl"
  for n in $SSE_LEVELS; do
    # HTTP/2 (h2c) to the upstream: 10k concurrent upstream calls multiplex on a few sockets instead of
    # 10k, which would not fit the gateway's file-descriptor limit (hard limit here: $HARD).
    start_gateway "$SLOW_PORT" "sse-$n" -Dquarkus.rest-client.http2=true -Dimagen.jobs.max-jobs=50000
    log "  $n streams (after a JIT warm-up of gateway and driver: ${SSE_WARM} streams the upstream answers at once)"
    before=$(upstream_calls "$SLOW_PORT")
    rss0=$(awk '/VmRSS/{print $2}' "/proc/$GW_PID/status")
    "${DRIVER[@]}" sse --url "http://127.0.0.1:$GW_PORT/v1/generations" --streams "$n" --open-rate 2000 \
      --warmup-streams "$SSE_WARM" --warmup-body "{\"model\":\"$MODEL\",\"prompt\":\"warmup {i}\",\"sampleCount\":1}" \
      --body "{\"model\":\"$MODEL\",\"prompt\":\"bench stream {i}\",\"sampleCount\":1}" \
      --pid "$GW_PID" --max-seconds 150 \
      | sed -e "s/^{/{\"idleRssMb\":$((rss0 / 1024)),\"upstreamCalls\":\$UPCALLS,\"upstreamSockets\":\$UPSOCK,/" > "$WORK/sse-$n.json"
    calls=$(( $(upstream_calls "$SLOW_PORT") - before ))
    sockets=$(ss -Htn state established "( dport = :$SLOW_PORT )" 2>/dev/null | wc -l)
    sed -e "s/\$UPCALLS/$calls/; s/\$UPSOCK/$sockets/" "$WORK/sse-$n.json" >> "$OUT/sse.jsonl"
    stop_gateway
  done
  stop_pid "$SLOW_PID"
fi

# =================================================================================================
# 3. de-duplication: 1,000 identical seeded requests at once, cache hits at 2,000 req/s, memory per image
# =================================================================================================
if want dedup; then
  log "phase dedup"
  [[ -f "$WORK/nginx.pid" ]] && kill -0 "$(cat "$WORK/nginx.pid")" 2>/dev/null || start_nginx
  start_slow_upstream 1000
  start_gateway "$SLOW_PORT" dedup
  before=$(upstream_calls "$SLOW_PORT")
  log "  burst: $DEDUP_N identical seeded :predict requests released together (upstream answers after 1 s)"
  burst=$("${DRIVER[@]}" burst --url "http://127.0.0.1:$GW_PORT$PREDICT" --body "$SEEDED" --n "$DEDUP_N")
  calls=$(( $(upstream_calls "$SLOW_PORT") - before ))
  echo "{\"kind\":\"burst\",\"upstreamCalls\":$calls,${burst#\{}" > "$OUT/dedup.jsonl"
  log "  cache hits at 2000 req/s (${HIT_SECS}s, after ${HIT_WARM_SECS}s of JIT warm-up on hits) and the direct-nginx baseline"
  wrk -t1 -c32 -d"${HIT_WARM_SECS}s" -s "$(wrk_lua "$(echo "$SEEDED" | sed 's/{i}/0/')")" "http://127.0.0.1:$GW_PORT$PREDICT" > /dev/null
  "${DRIVER[@]}" rate --url "http://127.0.0.1:$GW_PORT$PREDICT" --body "$SEEDED" --rate 2000 \
    --seconds "$HIT_SECS" --warmup-seconds 2 --conns "$RATE_CONNS" | sed -e 's/^{/{"kind":"cache-hit","target":"gateway-hit",/' >> "$OUT/dedup.jsonl"
  "${DRIVER[@]}" rate --url "http://127.0.0.1:$UP_PORT$PREDICT" --body "$SEEDED" --rate 2000 \
    --seconds "$HIT_SECS" --warmup-seconds 2 --conns "$RATE_CONNS" | sed -e 's/^{/{"kind":"cache-hit","target":"direct",/' >> "$OUT/dedup.jsonl"
  echo "{\"kind\":\"burst-total\",\"upstreamCallsAfterHits\":$(( $(upstream_calls "$SLOW_PORT") - before ))}" >> "$OUT/dedup.jsonl"
  stop_gateway
  stop_pid "$SLOW_PID"

  log "  memory per cached image: $MEM_IMAGES distinct seeded results of 64 KiB random images"
  start_slow_upstream 0 65536 "$IMG_PORT"
  start_gateway "$IMG_PORT" memory
  # live heap after a full GC, in KB: the "used" of every generation (serial) or of the G1 heap
  heap_used() { jcmd "$GW_PID" GC.run > /dev/null; sleep 0.5; jcmd "$GW_PID" GC.heap_info \
    | awk '/generation|heap/ && !/Metaspace|class space/ {for(i=1;i<=NF;i++) if($i=="used") {v=$(i+1); sub(/K,?/,"",v); s+=v}} END {print s+0}'; }
  # one seeded request of each kind first, so classes and pools exist before the baseline
  "${DRIVER[@]}" rate --url "http://127.0.0.1:$GW_PORT$PREDICT" \
    --body '{"instances":[{"prompt":"warm {i}"}],"parameters":{"sampleCount":1,"seed":7,"addWatermark":false}}' \
    --rate 100 --seconds 1 --conns 8 > /dev/null
  h0=$(heap_used); r0=$(awk '/VmRSS/{print $2}' "/proc/$GW_PID/status")
  "${DRIVER[@]}" rate --url "http://127.0.0.1:$GW_PORT$PREDICT" \
    --body '{"instances":[{"prompt":"memory {i}"}],"parameters":{"sampleCount":1,"seed":7,"addWatermark":false}}' \
    --rate 200 --seconds "$(awk "BEGIN{print $MEM_IMAGES/200}")" --conns 32 > "$WORK/memory-fill.json"
  h1=$(heap_used); r1=$(awk '/VmRSS/{print $2}' "/proc/$GW_PID/status")
  stored=$(curl -s "http://127.0.0.1:$GW_PORT/q/metrics" | awk '/^imagen_images_bytes/{print $2}' | head -1)
  count=$(curl -s "http://127.0.0.1:$GW_PORT/q/metrics" | awk '/^imagen_images_count/{print $2}' | head -1)
  echo "{\"kind\":\"memory\",\"images\":$MEM_IMAGES,\"imageBytes\":65536,\"heapUsedBeforeKb\":$h0,\"heapUsedAfterKb\":$h1,\"rssBeforeKb\":$r0,\"rssAfterKb\":$r1,\"storeBytesMetric\":${stored:-0},\"storeCountMetric\":${count:-0}}" >> "$OUT/dedup.jsonl"
  stop_gateway
  stop_pid "$SLOW_PID"
fi

# =================================================================================================
# 4. startup: time from exec to the first 200 of :predict, and RSS; JDK 17 vs JDK 25 vs JDK 25 + AOT cache
# =================================================================================================
if want startup; then
  log "phase startup ($STARTUP_RUNS runs per variant)"
  [[ -f "$WORK/nginx.pid" ]] && kill -0 "$(cat "$WORK/nginx.pid")" 2>/dev/null || start_nginx
  APP_OPTS=(-Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=$GW_PORT -Dquarkus.log.console.json.enabled=false
    -Dimagen.upstream=vertex -Dimagen.vertex.project=bench -Dimagen.vertex.auth=none -Dimagen.vertex.url=http://127.0.0.1:$UP_PORT)
  JAR="$ROOT/target/quarkus-app/quarkus-run.jar"
  AOT="$WORK/app.aot"
  if [[ -x "$JAVA25" ]]; then
    log "  JDK 25 AOT training run (-XX:AOTCacheOutput): start, traffic, SIGTERM"
    rm -f "$AOT"
    port_free "$GW_PORT"
    # shellcheck disable=SC2086
    "$JAVA25" $GW_JAVA_OPTS -XX:AOTCacheOutput="$AOT" "${APP_OPTS[@]}" -jar "$JAR" > "$WORK/aot-training.log" 2>&1 &
    tp=$!; PIDS+=($tp)
    wait_http "http://127.0.0.1:$GW_PORT/q/health/ready" 60
    "${DRIVER[@]}" rate --url "http://127.0.0.1:$GW_PORT$PREDICT" --body "$UNSEEDED" --rate 300 --seconds 3 --conns 32 > /dev/null
    curl -s -N -H 'Accept: text/event-stream' -H 'Content-Type: application/json' \
      -d '{"prompt":"aot training","sampleCount":1,"seed":3,"addWatermark":false}' "http://127.0.0.1:$GW_PORT/v1/generations" > /dev/null
    curl -s -o /dev/null "http://127.0.0.1:$GW_PORT/q/health/ready"; curl -s -o /dev/null "http://127.0.0.1:$GW_PORT/q/metrics"
    stop_pid "$tp" 120   # the JVM writes the cache at exit (a forked assembly step)
    ls -la "$AOT" >&2 || log "  no AOT cache written (see $WORK/aot-training.log)"
  fi
  : > "$OUT/startup.jsonl"
  for run in $(seq 1 "$STARTUP_RUNS"); do
    for variant in jdk17 jdk25 jdk25-aot; do
      case $variant in
        jdk17) cmd=("$JAVA17" $GW_JAVA_OPTS "${APP_OPTS[@]}" -jar "$JAR") ;;
        jdk25) [[ -x "$JAVA25" ]] || continue; cmd=("$JAVA25" $GW_JAVA_OPTS "${APP_OPTS[@]}" -jar "$JAR") ;;
        jdk25-aot) [[ -f "$AOT" ]] || continue; cmd=("$JAVA25" $GW_JAVA_OPTS -XX:AOTCache="$AOT" "${APP_OPTS[@]}" -jar "$JAR") ;;
      esac
      log "  $variant run $run"
      port_free "$GW_PORT"
      "${DRIVER[@]}" startup --url "http://127.0.0.1:$GW_PORT$PREDICT" \
        --body '{"instances":[{"prompt":"startup"}],"parameters":{"sampleCount":1}}' --max-seconds 60 \
        --log "$WORK/startup-$variant-$run.log" -- "${cmd[@]}" \
        | sed -e "s/^{/{\"variant\":\"$variant\",\"run\":$run,/" >> "$OUT/startup.jsonl"
    done
  done
  [[ -f "$AOT" ]] && echo "{\"variant\":\"aot-cache-file\",\"bytes\":$(stat -c %s "$AOT")}" >> "$OUT/startup.jsonl"

  # The gateway against the smallest Quarkus app on the same Quarkus (bench/baseline-app), time to
  # /q/health/ready and RSS, plus a class-loading profile. Full mode: bench/results/startup/.
  SU_OUT="$BENCH/results/startup"
  [[ $MODE == quick ]] && SU_OUT="$OUT/startup"
  log "  gateway vs baseline app: bench/startup.sh ($STARTUP_RUNS starts of each per variant) -> $SU_OUT"
  SU_BUILD=--no-gateway-build
  [[ $BUILD == 1 ]] || SU_BUILD=--no-build
  JAVA17="$JAVA17" PY="$PY" JAVA25="$([[ -x "$JAVA25" ]] && echo "$JAVA25" || true)" \
    "$BENCH/startup.sh" "$SU_BUILD" --runs "$STARTUP_RUNS" --out "$SU_OUT"
fi

# =================================================================================================
# 5. JMH: hot pure functions (separate Maven project depending on the installed gateway artifact)
# =================================================================================================
if want jmh; then
  log "phase jmh ($JMH_ARGS)"
  (cd "$BENCH/jmh" && "$ROOT/mvnw" -B -q package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt)
  # shellcheck disable=SC2086
  "$JAVA17" -cp "$BENCH/jmh/target/classes:$(cat "$BENCH/jmh/target/classpath.txt")" org.openjdk.jmh.Main \
    $JMH_ARGS -rf json -rff "$OUT/jmh.json" > "$WORK/jmh.txt" 2>&1 || { tail -30 "$WORK/jmh.txt" >&2; exit 1; }
  sed -n '/^Benchmark/,$p' "$WORK/jmh.txt" > "$OUT/jmh.txt"
fi

# =================================================================================================
# 6. machine description, CSV, plots, summary
# =================================================================================================
{
  echo "{\"mode\":\"$MODE\",\"date\":\"$(date -u +%FT%TZ)\",\"cores\":$(nproc),"
  echo "\"cpu\":\"$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)\","
  echo "\"memGiB\":$(awk '/MemTotal/{printf "%.1f", $2/1048576}' /proc/meminfo),"
  echo "\"kernel\":\"$(uname -r)\",\"java17\":\"$("$JAVA17" -version 2>&1 | head -1 | tr -d '"')\","
  echo "\"nginx\":\"$(nginx -v 2>&1 | sed 's/.*: //')\",\"wrk\":\"$(wrk -v 2>&1 | head -1 | awk '{print $2}')\","
  echo "\"gatewayJavaOpts\":\"$GW_JAVA_OPTS\",\"ulimitN\":$(ulimit -n),\"loadavgAtEnd\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
} > "$OUT/machine.json"
if want plot; then
  log "plots and summary"
  "$PY" "$BENCH/scripts/report.py" "$OUT"
fi
log "done: $OUT"
