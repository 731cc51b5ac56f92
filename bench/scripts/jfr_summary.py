#!/usr/bin/env python3
"""Summarise JFR execution samples: top self frames, top inclusive frames, and a coarse split by
component (which package the hottest gateway-relevant frame belongs to).
Usage: jfr print --stack-depth 96 --events jdk.ExecutionSample rec.jfr | jfr_summary.py [N]"""
import collections, re, sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 25
self_c, incl_c, comp_c = collections.Counter(), collections.Counter(), collections.Counter()
total = 0
stack, in_stack = [], False
# first matching prefix (searched from the top of the stack down) names the component
COMPONENTS = [
    ("logging (JBoss LogManager / console)", ("org.jboss.logmanager", "org.jboss.logging")),
    ("micrometer metrics", ("io.micrometer",)),
    ("fault tolerance (bulkhead/breaker)", ("io.smallrye.faulttolerance",)),
    ("REST client (outbound call)", ("org.jboss.resteasy.reactive.client", "io.quarkus.rest.client")),
    ("Jackson (JSON)", ("com.fasterxml.jackson",)),
    ("gateway code", ("imagen.gateway",)),
    ("REST server (JAX-RS)", ("org.jboss.resteasy.reactive.server", "org.jboss.resteasy.reactive.common", "io.quarkus.resteasy")),
    ("context propagation / CDI", ("io.smallrye.context", "io.quarkus.arc")),
    ("Mutiny", ("io.smallrye.mutiny",)),
    ("Vert.x / Netty I/O", ("io.vertx", "io.netty")),
]
def flush():
    global total
    if not stack:
        return
    total += 1
    self_c[stack[0]] += 1
    for f in set(stack):
        incl_c[f] += 1
    comp = "other (JDK, JIT'd glue)"
    for f in stack:  # innermost first: the first frame that belongs to a known component wins
        hit = next((name for name, pre in COMPONENTS if f.startswith(pre)), None)
        if hit:
            comp = hit
            break
    comp_c[comp] += 1
for line in sys.stdin:
    s = line.strip()
    if s.startswith("stackTrace = ["):
        stack, in_stack = [], True
    elif in_stack and s == "]":
        in_stack = False
        flush()
        stack = []
    elif in_stack and s and s != "...":
        stack.append(re.sub(r"\s+line:.*", "", s))
print(f"samples: {total}")
print("\n## by component (innermost known frame)")
for k, v in comp_c.most_common():
    print(f"{100.0*v/total:5.1f}%  {k}")
print(f"\n## top {N} self frames")
for k, v in self_c.most_common(N):
    print(f"{100.0*v/total:5.1f}%  {k}")
print(f"\n## top {N} inclusive frames (imagen.gateway, resteasy, smallrye, jboss, micrometer)")
shown = 0
for k, v in incl_c.most_common():
    if k.startswith(("imagen.", "org.jboss", "io.smallrye", "io.quarkus", "io.micrometer", "com.fasterxml")):
        print(f"{100.0*v/total:5.1f}%  {k}")
        shown += 1
        if shown >= N:
            break
