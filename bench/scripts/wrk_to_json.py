#!/usr/bin/env python3
"""wrk --latency output (stdin) -> one JSON line: throughput, errors, latency percentiles in ms."""
import json, re, sys

name, conns = sys.argv[1], int(sys.argv[2])
text = sys.stdin.read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    if not m:
        return None
    x, u = float(m.group(1)), m.group(2)
    return round(x / 1000 if u == "us" else x * 1000 if u == "s" else x, 3)
out = {"mode": "wrk", "name": name, "conns": conns}
m = re.search(r"Requests/sec:\s+([\d.]+)", text)
out["rps"] = float(m.group(1)) if m else 0.0
m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
if m:
    out["requests"] = int(m.group(1))
lat = {}
for p in ("50", "75", "90", "99"):
    m = re.search(rf"^\s+{p}%\s+(\S+)", text, re.M)
    if m:
        lat[f"p{p}Ms"] = ms(m.group(1))
m = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", text)
if m:
    lat["meanMs"], lat["maxMs"] = ms(m.group(1)), ms(m.group(3))
out["latency"] = lat
m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
out["non2xx"] = int(m.group(1)) if m else 0
m = re.search(r"Socket errors: (.*)", text)
out["socketErrors"] = m.group(1).strip() if m else ""
print(json.dumps(out))
