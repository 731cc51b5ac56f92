#!/usr/bin/env python3
"""N concurrent unseeded generations through the gateway, each streamed; per stream the time from
the `attempt` event (the upstream call starts; the fixed upstream answers at once) to the `image`
event, and whether it ended with `done`. Samples the gateway's RSS from /proc while it runs."""
import http.client, json, statistics, sys, threading, time

GW_PORT, PID, N, MODEL = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
results, peak = [], [0]
stop = threading.Event()

def rss_mb():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0

def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb())
        time.sleep(0.05)

def one(i):
    conn = http.client.HTTPConnection("127.0.0.1", GW_PORT, timeout=120)
    body = json.dumps({"model": MODEL, "prompt": f"large image {i} {time.time_ns()}", "imageSize": "4K"})
    conn.request("POST", "/v1/generations", body, {"Content-Type": "application/json", "Accept": "text/event-stream"})
    resp = conn.getresponse()
    seen, event = {}, None
    for raw in resp:
        line = raw.decode().rstrip("\r\n")
        if line.startswith("event:"):
            event = line[6:].strip()
            seen.setdefault(event, time.monotonic())
        if event in ("done", "error") and line.startswith("data:"):
            break
    conn.close()
    results.append(seen)

threading.Thread(target=sample, daemon=True).start()
start_rss = rss_mb()
threads = [threading.Thread(target=one, args=(i,)) for i in range(N)]
t0 = time.monotonic()
[t.start() for t in threads]
[t.join() for t in threads]
wall = time.monotonic() - t0
stop.set()
done = [r for r in results if "done" in r]
lat = sorted((r["image"] - r["attempt"]) * 1000 for r in done if "image" in r and "attempt" in r)
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
print(json.dumps({"streams": N, "done": len(done), "errors": N - len(done), "rss_start_mb": round(start_rss),
                  "rss_peak_mb": round(peak[0]), "attempt_to_image_ms": {"p50": round(q(0.5)), "p99": round(q(0.99)),
                  "max": round(lat[-1]) if lat else None}, "wall_s": round(wall, 1)}))
