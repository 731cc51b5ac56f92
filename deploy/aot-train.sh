#!/bin/sh
# Training run for the JDK AOT cache (JEP 483/515), run by deploy/Dockerfile.jvm inside the runtime
# image, so the cache matches the JDK build and class path it will be used with.
#
# Starts the gateway on its embedded simulator with -XX:AOTCacheOutput, sends it the requests a
# production instance serves (SSE and JSON generations, a cache hit, the Vertex-compatible :predict,
# an image, a validation error, health, metrics), stops it with SIGTERM, and waits: the JVM writes
# the cache as it exits. Fails when no cache was written.
#
#   usage: aot-train.sh [app-dir]        (default /deployments; writes app-dir/app.aot)
set -eu

APP=${1:-/deployments}
PORT=${AOT_TRAIN_PORT:-18080}
BASE="http://127.0.0.1:$PORT"
LOG="$APP/aot-training.log"
JAVA=${JAVA:-java}

http() { # method path [body [accept]]: prints the body, fails on no answer
  if [ -n "${3:-}" ]; then
    curl -sS -m 30 -X "$1" -H 'Content-Type: application/json' -H "Accept: ${4:-application/json}" -d "$3" "$BASE$2"
  else
    curl -sS -m 30 -X "$1" "$BASE$2"
  fi
}

# shellcheck disable=SC2086
"$JAVA" $JAVA_OPTS -XX:AOTCacheOutput="$APP/app.aot" -Dquarkus.http.port="$PORT" -Dquarkus.http.host=127.0.0.1 \
  -Dimagen.simulator.latency=20ms -jar "$APP/quarkus-run.jar" > "$LOG" 2>&1 &
pid=$!

i=0
until curl -s -o /dev/null "$BASE/q/health/ready"; do
  i=$((i + 1))
  if [ "$i" -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "aot-train: the gateway did not become ready" >&2
    cat "$LOG" >&2
    exit 1
  fi
  sleep 0.1
done

n=0
while [ "$n" -lt 3 ]; do
  n=$((n + 1))
  # a stream, the same seeded request again (a cache hit), an unseeded JSON job and its status and events
  http POST /v1/generations '{"model":"gemini-3-pro-image","prompt":"aot training harbour","sampleCount":2,"seed":7}' \
    text/event-stream > /dev/null
  http POST /v1/generations '{"model":"gemini-3-pro-image","prompt":"aot training harbour","sampleCount":2,"seed":7}' \
    text/event-stream > "$APP/.aot-stream"
  job=$(http POST /v1/generations '{"prompt":"aot training lighthouse","sampleCount":1,"aspectRatio":"16:9"}' \
    | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  sleep 0.2
  http GET "/v1/generations/$job" > /dev/null
  http GET "/v1/generations/$job/events" > /dev/null
  image=$(sed -n 's/.*"url":"\(\/v1\/images\/[^"]*\)".*/\1/p' "$APP/.aot-stream" | head -1)
  [ -n "$image" ] && http GET "$image" > /dev/null
  # Google's :predict (an Imagen model, served by Gemini) and :generateContent, a bad request, the operational endpoints
  http POST /v1/projects/p/locations/us-central1/publishers/google/models/imagen-4.0-fast-generate-001:predict \
    '{"instances":[{"prompt":"aot training fields"}],"parameters":{"sampleCount":1}}' > /dev/null
  http POST /v1/projects/p/locations/global/publishers/google/models/gemini-3.1-flash-image:generateContent \
    '{"contents":[{"role":"user","parts":[{"text":"aot training meadow"}]}]}' > /dev/null
  http GET /v1/models > /dev/null
  http POST /v1/generations '{"prompt":"","sampleCount":9}' > /dev/null || true
  http GET /q/health > /dev/null
  http GET /q/metrics > /dev/null
done
rm -f "$APP/.aot-stream"

kill -TERM "$pid"
wait "$pid" || true
if [ ! -s "$APP/app.aot" ]; then
  echo "aot-train: no AOT cache was written" >&2
  cat "$LOG" >&2
  exit 1
fi
echo "aot-train: $(du -h "$APP/app.aot" | cut -f1) AOT cache written to $APP/app.aot"
