#!/usr/bin/env bash
# Start-up of the gateway against the smallest Quarkus app on the same Quarkus version
# (bench/baseline-app: quarkus-rest + quarkus-smallrye-health, one @Path("/hello") resource).
#
#   bench/startup.sh                      build both, 5 starts of each app per variant, profile
#   bench/startup.sh --runs 2 --no-build  reuse target/quarkus-app and bench/baseline-app/target
#                                         (the baseline is still built if it never was)
#   bench/startup.sh --no-gateway-build   build only the baseline (run.sh has built the gateway)
#   bench/startup.sh --no-profile         only the timed starts
#   bench/startup.sh --out DIR            default bench/results/startup
#
# Each start: exec -> first 200 on /q/health/ready (curl every 10 ms), then VmRSS from /proc/<pid>/status.
# The two apps start alternately (gateway, baseline, gateway, ...) so drifting machine load hits both.
# Variants: JDK 17 with no options; JDK 17 with deploy/Dockerfile.jvm's JAVA_OPTS and MALLOC_ARENA_MAX;
# the same on JDK 25; JDK 25 with those options and an AOT cache per app (what the image runs), each
# cache trained by one run. The JDK 25 rows are skipped, with a message, when no JDK 25 is found.
# The gateway runs on its embedded simulator: no GOOGLE_CLOUD_PROJECT in its environment.
# Profile: one start of each app with -Xlog:class+load and -Dquarkus.debug.print-startup-times=true;
# classes per library and per package, Quarkus's start-up steps, and the classes the gateway loads for
# its first PNG generation (and then a JPEG one) -> profile.md.
#
# Writes OUT/runs.csv (every start), OUT/medians.csv, OUT/startup.md (+ startup.png with matplotlib),
# OUT/profile.md. Scratch (logs, AOT caches, class-load logs): bench/work/startup/.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
RUNS=5
OUT="$BENCH/results/startup"
BUILD_GW=1
BUILD_BL=1
PROFILE=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --no-build) BUILD_GW=0; BUILD_BL=0 ;;
    --no-gateway-build) BUILD_GW=0 ;;
    --no-profile) PROFILE=0 ;;
    -h|--help) sed -n 2,22p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

WORK="$BENCH/work/startup"
mkdir -p "$WORK" "$OUT"
JAVA17=${JAVA17:-java}
PY=${PY:-/usr/bin/python3}
[[ -x "$PY" ]] || PY=python3
GW_JAR="$ROOT/target/quarkus-app/quarkus-run.jar"
BL_JAR="$BENCH/baseline-app/target/quarkus-app/quarkus-run.jar"
READY_TIMEOUT_S=${READY_TIMEOUT_S:-90}

log() { printf '[startup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- JDK 25: $JAVA25, else the first /usr/lib/jvm/*/bin/java that reports version 25 -----------------
java_major() { "$1" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/{print $2; exit}'; }
if [[ -z "${JAVA25:-}" ]]; then
  for j in /usr/lib/jvm/*/bin/java; do
    [[ -x "$j" ]] && [[ "$(java_major "$j")" == 25 ]] && { JAVA25=$j; break; }
  done
fi
if [[ -n "${JAVA25:-}" ]] && [[ "$(java_major "$JAVA25")" != 25 ]]; then
  log "JAVA25=$JAVA25 is not a JDK 25; skipping the JDK 25 rows"; JAVA25=
fi
[[ -n "${JAVA25:-}" ]] || log "no JDK 25 under /usr/lib/jvm (ls: $(ls /usr/lib/jvm 2>/dev/null | tr '\n' ' ')): JDK 25 and AOT-cache rows skipped"

# ---- the image's JVM settings, read from deploy/Dockerfile.jvm --------------------------------------
DOCKERFILE="$ROOT/deploy/Dockerfile.jvm"
IMAGE_JAVA_OPTS=$(sed -n 's/^ENV JAVA_OPTS="\(.*\)"[[:space:]]*$/\1/p' "$DOCKERFILE" | tail -1)
IMAGE_MALLOC=$(sed -n 's/^ENV MALLOC_ARENA_MAX=\([0-9]*\).*/\1/p' "$DOCKERFILE" | tail -1)
[[ -n "$IMAGE_JAVA_OPTS" ]] || { echo "no ENV JAVA_OPTS=\"...\" in $DOCKERFILE" >&2; exit 1; }
log "Dockerfile.jvm: JAVA_OPTS=\"$IMAGE_JAVA_OPTS\" MALLOC_ARENA_MAX=${IMAGE_MALLOC:-unset}"

# ---- processes we start, stopped by pid -------------------------------------------------------------
PIDS=()
alive() { [[ -r /proc/$1/stat ]] && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
stop_pid() { # pid [seconds]: SIGTERM, then SIGKILL after the grace time
  local p=$1 n=$(( ${2:-20} * 10 ))
  kill "$p" 2>/dev/null || true
  for _ in $(seq 1 "$n"); do alive "$p" || break; sleep 0.1; done
  alive "$p" && kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
cleanup() { for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && alive "$p" && stop_pid "$p" 5; done; }
trap cleanup EXIT

free_port() { # a loopback port nothing listens on, from 20000-29999
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 10000 ))
    [[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]] && { echo "$p"; return 0; }
  done
  echo "no free port" >&2; return 1
}
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true; }

# ---- build ------------------------------------------------------------------------------------------
if [[ $BUILD_GW == 1 ]]; then
  log "building the gateway (./mvnw -B -q package -DskipTests)"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests)
fi
if [[ $BUILD_BL == 1 ]] || [[ ! -f "$BL_JAR" ]]; then
  log "building the baseline (./mvnw -B -q -f bench/baseline-app/pom.xml package -DskipTests)"
  (cd "$ROOT" && ./mvnw -B -q -f bench/baseline-app/pom.xml package -DskipTests)
fi
[[ -f "$GW_JAR" ]] || { echo "no $GW_JAR; run without --no-build" >&2; exit 1; }
[[ -f "$BL_JAR" ]] || { echo "no $BL_JAR; run without --no-build" >&2; exit 1; }
jar_of() { [[ $1 == gateway ]] && echo "$GW_JAR" || echo "$BL_JAR"; }

# ---- one timed start ----------------------------------------------------------------------------------
# start_app app log port env-assignments... -- java-and-options...: starts it, sets APP_PID
APP_PID=
start_app() {
  local app=$1 logf=$2 port=$3; shift 3
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  # env execs java: $! is the JVM's pid. No GOOGLE_CLOUD_PROJECT: the gateway uses its simulator.
  env -u GOOGLE_CLOUD_PROJECT -u JAVA_TOOL_OPTIONS -u JDK_JAVA_OPTIONS "${envs[@]}" "$@" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" -jar "$(jar_of "$app")" > "$logf" 2>&1 &
  APP_PID=$!
  PIDS+=("$APP_PID")
}
# wait_ready port t0: polls every 10 ms; prints the ms from t0 ($EPOCHREALTIME) to the first 200
wait_ready() {
  local url="http://127.0.0.1:$1/q/health/ready" t0=$2 deadline=$((SECONDS + READY_TIMEOUT_S))
  until [[ "$(status "$url")" == 200 ]]; do
    alive "$APP_PID" || { echo "the app exited before it was ready" >&2; return 1; }
    (( SECONDS < deadline )) || { echo "not ready after ${READY_TIMEOUT_S}s" >&2; return 1; }
    sleep 0.01
  done
  local t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }'
}
rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }

RUNS_CSV="$WORK/runs.csv"
echo "variant,app,run,ready_ms,rss_kb,quarkus_started_s,aot_warnings" > "$RUNS_CSV"
# timed variant app run env... -- java options...
timed() {
  local variant=$1 app=$2 run=$3; shift 3
  local port logf t0 ms rss started warn
  port=$(free_port)
  logf="$WORK/$variant-$app-$run.log"
  t0=$EPOCHREALTIME
  start_app "$app" "$logf" "$port" "$@"
  if ! ms=$(wait_ready "$port" "$t0"); then
    tail -20 "$logf" >&2; stop_pid "$APP_PID"; return 1
  fi
  rss=$(rss_kb "$APP_PID")
  stop_pid "$APP_PID"
  started=$(grep -o 'started in [0-9.]*s' "$logf" | head -1 | grep -o '[0-9.]*' || true)
  warn=$(grep -c -E '\[warning\]\[(aot|cds)' "$logf" || true)
  echo "$variant,$app,$run,$ms,$rss,${started:-},${warn:-0}" >> "$RUNS_CSV"
  log "  $variant $app run $run: ready in $ms ms, RSS $((rss / 1024)) MB"
}

read -r -a IMAGE_OPTS <<< "$IMAGE_JAVA_OPTS"
IMAGE_ENV=()
[[ -n "$IMAGE_MALLOC" ]] && IMAGE_ENV=("MALLOC_ARENA_MAX=$IMAGE_MALLOC")

# ---- AOT caches (JDK 25): one training run per app, with the image's options ------------------------
if [[ -n "${JAVA25:-}" ]]; then
  log "JDK 25 AOT training: the gateway through deploy/aot-train.sh (the image's own training run)"
  rm -f "$ROOT/target/quarkus-app/app.aot" "$WORK/gateway.aot"
  env -u GOOGLE_CLOUD_PROJECT -u JAVA_TOOL_OPTIONS -u JDK_JAVA_OPTIONS "${IMAGE_ENV[@]}" \
    JAVA="$JAVA25" JAVA_OPTS="$IMAGE_JAVA_OPTS" AOT_TRAIN_PORT="$(free_port)" \
    sh "$ROOT/deploy/aot-train.sh" "$ROOT/target/quarkus-app" >&2
  # the cache is tied to the class path, not to where the file lies
  mv "$ROOT/target/quarkus-app/app.aot" "$WORK/gateway.aot"
  mv -f "$ROOT/target/quarkus-app/aot-training.log" "$WORK/gateway-aot-training.log" 2>/dev/null || true

  log "JDK 25 AOT training: the baseline (start, 50 x /hello, health, SIGTERM)"
  rm -f "$WORK/baseline.aot"
  port=$(free_port)
  start_app baseline "$WORK/baseline-aot-training.log" "$port" "${IMAGE_ENV[@]}" -- \
    "$JAVA25" "${IMAGE_OPTS[@]}" -XX:AOTCacheOutput="$WORK/baseline.aot"
  wait_ready "$port" "$EPOCHREALTIME" > /dev/null
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/hello"; done
  for path in /q/health /q/health/ready /q/health/live; do curl -s -o /dev/null "http://127.0.0.1:$port$path"; done
  stop_pid "$APP_PID" 120   # the JVM writes the cache as it exits
  [[ -s "$WORK/baseline.aot" ]] || { echo "no baseline AOT cache written" >&2; tail -20 "$WORK/baseline-aot-training.log" >&2; exit 1; }
  log "AOT caches: gateway $(du -h "$WORK/gateway.aot" | cut -f1), baseline $(du -h "$WORK/baseline.aot" | cut -f1)"
fi

# ---- warm-up: one untimed start of each app (page cache, JIT-less first touch of the jars) -----------
for app in gateway baseline; do
  port=$(free_port)
  start_app "$app" "$WORK/warmup-$app.log" "$port" -- "$JAVA17"
  wait_ready "$port" "$EPOCHREALTIME" > /dev/null
  stop_pid "$APP_PID"
done

# ---- the timed starts -----------------------------------------------------------------------------------
VARIANTS=(jdk17 jdk17-image-opts)
[[ -n "${JAVA25:-}" ]] && VARIANTS+=(jdk25-image-opts jdk25-image-opts-aot)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "timed starts: ${VARIANTS[*]}; $RUNS per app per variant, gateway and baseline alternately (load $LOAD_AT_START)"
for run in $(seq 1 "$RUNS"); do
  for variant in "${VARIANTS[@]}"; do
    for app in gateway baseline; do
      case $variant in
        jdk17) timed "$variant" "$app" "$run" -- "$JAVA17" ;;
        jdk17-image-opts) timed "$variant" "$app" "$run" "${IMAGE_ENV[@]}" -- "$JAVA17" "${IMAGE_OPTS[@]}" ;;
        jdk25-image-opts) timed "$variant" "$app" "$run" "${IMAGE_ENV[@]}" -- "$JAVA25" "${IMAGE_OPTS[@]}" ;;
        jdk25-image-opts-aot) timed "$variant" "$app" "$run" "${IMAGE_ENV[@]}" -- \
          "$JAVA25" "${IMAGE_OPTS[@]}" -XX:AOTCache="$WORK/$app.aot" ;;
      esac
    done
  done
done
cp "$RUNS_CSV" "$OUT/runs.csv"

# ---- profile: classes loaded, Quarkus's start-up steps, the first PNG and JPEG generations ----------
if [[ $PROFILE == 1 ]]; then
  log "profile: one start of each app on JDK 17 with -Xlog:class+load and quarkus.debug.print-startup-times"
  cut -d' ' -f1-3 /proc/loadavg > "$WORK/profile-loadavg"
  for app in gateway baseline; do
    port=$(free_port)
    cl="$WORK/profile-$app-classload.log"
    rm -f "$cl"
    t0=$EPOCHREALTIME
    start_app "$app" "$WORK/profile-$app.log" "$port" -- "$JAVA17" \
      -Xlog:class+load=info:file="$cl" -Dquarkus.debug.print-startup-times=true
    ms=$(wait_ready "$port" "$t0")
    echo "$ms" > "$WORK/profile-$app-ready-ms"
    wc -l < "$cl" > "$WORK/profile-$app-lines-at-ready"
    if [[ $app == gateway ]]; then
      # the first generation (PNG, the default type): painted by the embedded simulator in this JVM
      curl -s -N -m 60 -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
        -d '{"prompt":"profile harbour","sampleCount":1}' "http://127.0.0.1:$port/v1/generations" > "$WORK/profile-png.sse"
      grep -q '"url"' "$WORK/profile-png.sse" || { echo "the PNG generation gave no image" >&2; cat "$WORK/profile-png.sse" >&2; exit 1; }
      wc -l < "$cl" > "$WORK/profile-$app-lines-after-png"
      curl -s -N -m 60 -H 'Content-Type: application/json' -H 'Accept: text/event-stream' \
        -d '{"prompt":"profile harbour","sampleCount":1,"outputOptions":{"mimeType":"image/jpeg"}}' \
        "http://127.0.0.1:$port/v1/generations" > "$WORK/profile-jpeg.sse"
      grep -q '"url"' "$WORK/profile-jpeg.sse" || { echo "the JPEG generation gave no image" >&2; cat "$WORK/profile-jpeg.sse" >&2; exit 1; }
      wc -l < "$cl" > "$WORK/profile-$app-lines-after-jpeg"
    fi
    stop_pid "$APP_PID"
  done
fi

# ---- tables, ratios, plot -------------------------------------------------------------------------------
{
  echo "date=$(date -u +%FT%TZ)"
  echo "cores=$(nproc)"
  echo "cpu=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "mem_gib=$(awk '/MemTotal/{printf "%.1f", $2/1048576}' /proc/meminfo)"
  echo "loadavg_at_start=$LOAD_AT_START"
  echo "loadavg_at_end=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java17=$("$JAVA17" -version 2>&1 | head -1 | tr -d '"')"
  [[ -n "${JAVA25:-}" ]] && echo "java25=$("$JAVA25" -version 2>&1 | head -1 | tr -d '"')"
  echo "image_java_opts=$IMAGE_JAVA_OPTS"
  echo "image_malloc_arena_max=${IMAGE_MALLOC:-}"
  echo "runs=$RUNS"
  echo "gateway_lib_jars=$(find "$ROOT/target/quarkus-app/lib" -name '*.jar' | wc -l)"
  echo "baseline_lib_jars=$(find "$BENCH/baseline-app/target/quarkus-app/lib" -name '*.jar' | wc -l)"
  [[ -f "$WORK/gateway.aot" ]] && echo "gateway_aot_bytes=$(stat -c %s "$WORK/gateway.aot")"
  [[ -f "$WORK/baseline.aot" ]] && echo "baseline_aot_bytes=$(stat -c %s "$WORK/baseline.aot")"
  [[ -z "${JAVA25:-}" ]] && echo "jdk25_skipped=no JDK 25 found under /usr/lib/jvm"
} > "$WORK/machine.txt"
cp "$WORK/machine.txt" "$OUT/machine.txt"
"$PY" "$BENCH/scripts/startup_report.py" "$WORK" "$OUT" "$PROFILE"
log "done: $OUT"
