#!/usr/bin/env python3
"""bench/startup.sh's report: runs.csv -> medians.csv, startup.md (+ startup.png with matplotlib);
class-load logs and Quarkus start-up steps -> profile.md.
Usage: startup_report.py WORK_DIR OUT_DIR [profile 0|1]"""
import collections, csv, os, re, statistics, sys

work, out = sys.argv[1], sys.argv[2]
want_profile = len(sys.argv) < 4 or sys.argv[3] == "1"

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # the tables are written, only the PNG is skipped
    plt = None

machine = {}
if os.path.exists(os.path.join(work, "machine.txt")):
    for line in open(os.path.join(work, "machine.txt")):
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            machine[k] = v

ORDER = ["jdk17", "jdk17-image-opts", "jdk25-image-opts", "jdk25-image-opts-aot"]
LABEL = {
    "jdk17": "JDK 17, no options",
    "jdk17-image-opts": "JDK 17, Dockerfile.jvm options",
    "jdk25-image-opts": "JDK 25, Dockerfile.jvm options",
    "jdk25-image-opts-aot": "JDK 25, Dockerfile.jvm options + AOT cache (the image)",
}

rows = list(csv.DictReader(open(os.path.join(work, "runs.csv"))))
by = collections.defaultdict(list)
for r in rows:
    by[(r["variant"], r["app"])].append(r)
variants = [v for v in ORDER if (v, "gateway") in by] + sorted({v for v, _ in by} - set(ORDER))

def med(v, app, key, scale=1.0):
    xs = [float(r[key]) * scale for r in by.get((v, app), []) if r.get(key) not in (None, "")]
    return statistics.median(xs) if xs else None

def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b

def f(v, d=0):
    return "–" if v is None else f"{v:.{d}f}"

agg = {}
for v in variants:
    a = {}
    for app in ("gateway", "baseline"):
        a[app] = {"runs": len(by.get((v, app), [])), "ms": med(v, app, "ready_ms"),
                  "min_ms": min((float(r["ready_ms"]) for r in by.get((v, app), [])), default=None),
                  "rss": med(v, app, "rss_kb", 1 / 1024), "started": med(v, app, "quarkus_started_s"),
                  "aot_warnings": sum(int(r.get("aot_warnings") or 0) for r in by.get((v, app), []))}
    a["ms_ratio"] = ratio(a["gateway"]["ms"], a["baseline"]["ms"])
    a["rss_ratio"] = ratio(a["gateway"]["rss"], a["baseline"]["rss"])
    agg[v] = a

with open(os.path.join(out, "medians.csv"), "w", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["variant", "runs", "gateway_ready_ms", "baseline_ready_ms", "ready_ratio", "gateway_rss_mb",
                "baseline_rss_mb", "rss_ratio", "gateway_quarkus_started_s", "baseline_quarkus_started_s",
                "gateway_best_ms", "baseline_best_ms", "aot_warnings"])
    for v, a in agg.items():
        g, b = a["gateway"], a["baseline"]
        rnd = lambda x, d=1: None if x is None else round(x, d)
        w.writerow([v, min(g["runs"], b["runs"]), rnd(g["ms"]), rnd(b["ms"]), rnd(a["ms_ratio"], 2), rnd(g["rss"]),
                    rnd(b["rss"]), rnd(a["rss_ratio"], 2), g["started"], b["started"], rnd(g["min_ms"]),
                    rnd(b["min_ms"]), g["aot_warnings"] + b["aot_warnings"]])

md = ["# Start-up: the gateway against the smallest Quarkus app", "",
      "Time from exec to the first `200` on `/q/health/ready` (curl every 10 ms, so about ±10 ms of polling "
      "granularity plus a curl fork per poll), and VmRSS right after it. Baseline = `bench/baseline-app` "
      "(quarkus-rest + quarkus-smallrye-health, one `/hello` resource) on the same Quarkus. The gateway runs on "
      "its embedded simulator. Gateway and baseline start alternately; medians of "
      f"{machine.get('runs', '?')} starts each. Produced by `bench/startup.sh`.", "",
      f"Machine: {machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('mem_gib')} GiB, shared with "
      f"other builds (load average before the timed starts: {machine.get('loadavg_at_start')}, at the end: "
      f"{machine.get('loadavg_at_end')}); {machine.get('java17')}"
      + (f"; {machine.get('java25')}" if machine.get("java25") else "") + f"; {machine.get('date')}.", "",
      f"Dockerfile.jvm options: `{machine.get('image_java_opts')}` with `MALLOC_ARENA_MAX="
      f"{machine.get('image_malloc_arena_max')}` (`MaxRAMPercentage` applies to this host's memory here, not to a "
      "512 MiB container).", "",
      "| variant | gateway ms | baseline ms | **time ratio** | gateway RSS MB | baseline RSS MB | **RSS ratio** | "
      "Quarkus \"started in\" s (gw / base) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|"]
for v, a in agg.items():
    g, b = a["gateway"], a["baseline"]
    md.append(f"| {LABEL.get(v, v)} | {f(g['ms'])} | {f(b['ms'])} | **{f(a['ms_ratio'], 2)}×** | {f(g['rss'])} | "
              f"{f(b['rss'])} | **{f(a['rss_ratio'], 2)}×** | {f(g['started'], 3)} / {f(b['started'], 3)} |")
md.append("")
if machine.get("jdk25_skipped"):
    md += [f"JDK 25 rows skipped: {machine['jdk25_skipped']}.", ""]
if "gateway_aot_bytes" in machine:
    md += [f"AOT caches: gateway {int(machine['gateway_aot_bytes']) / 1e6:.0f} MB (trained by `deploy/aot-train.sh`, "
           f"the image's training run), baseline {int(machine.get('baseline_aot_bytes', 0)) / 1e6:.0f} MB (one run: "
           "50 × `/hello` and the health endpoints).", ""]
warn = sum(a["gateway"]["aot_warnings"] + a["baseline"]["aot_warnings"] for a in agg.values())
if warn:
    md += [f"**{warn} JVM AOT/CDS warnings** in the logs of the timed starts: a cache may have been refused "
           "(see bench/work/startup/*.log).", ""]
md += [f"Libraries: gateway {machine.get('gateway_lib_jars')} jars, baseline {machine.get('baseline_lib_jars')} jars "
       "under `target/quarkus-app/lib`.", "", "Every start (ms to ready / RSS MB):", "",
       "| variant | app | " + " | ".join(f"run {i}" for i in range(1, int(machine.get("runs", "0") or 0) + 1)) + " |",
       "|---|---|" + "---:|" * int(machine.get("runs", "0") or 0)]
for v in variants:
    for app in ("gateway", "baseline"):
        cells = [f"{float(r['ready_ms']):.0f} / {float(r['rss_kb']) / 1024:.0f}" for r in by.get((v, app), [])]
        md.append(f"| {v} | {app} | " + " | ".join(cells) + " |")
md.append("")

if plt and agg:
    ks = list(agg)
    x = range(len(ks))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, title in ((a1, "ms", "ms to first 200 on /q/health/ready (median)"), (a2, "rss", "RSS MB then (median)")):
        gw = [agg[k]["gateway"][key] or 0 for k in ks]
        bl = [agg[k]["baseline"][key] or 0 for k in ks]
        ax.bar([i - 0.2 for i in x], gw, 0.4, label="gateway", color="#2b8cbe")
        ax.bar([i + 0.2 for i in x], bl, 0.4, label="baseline", color="#aaaaaa")
        for i in x:
            ax.text(i - 0.2, gw[i], f"{gw[i]:.0f}", ha="center", va="bottom", fontsize=8)
            ax.text(i + 0.2, bl[i], f"{bl[i]:.0f}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(list(x))
        ax.set_xticklabels(ks, rotation=15, fontsize=8)
        ax.set_title(title, fontsize=10)
    a1.legend()
    fig.suptitle(f"start-up: gateway vs minimal Quarkus REST app ({machine.get('cores')} cores)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "startup.png"), dpi=110)
    plt.close(fig)
    md += ["![start-up](startup.png)", ""]
else:
    md += ["(No chart: matplotlib is not installed for this Python.)", ""]
open(os.path.join(out, "startup.md"), "w").write("\n".join(md))

# ---------------------------------------------------------------------------------------------- profile
if not want_profile:
    sys.exit(0)

LOAD = re.compile(r"\[class,load\] (\S+) source: (.*)$")
GRAPHICS = ("java.awt.", "javax.imageio.", "sun.awt.", "sun.java2d.", "com.sun.imageio.", "sun.font.")

def library(source):
    s = re.sub(r"@[0-9a-f]+$", "", source.strip())
    if s.startswith("shared objects file"):
        return "JDK (CDS archive)"
    if s.startswith("jrt:/"):
        return "JDK " + s[5:] + " (jrt, not in CDS)"
    if s.startswith("__") or ("Lookup" in s and "defineClass" in s):
        return "hidden classes (lambdas, method handles)"
    m = re.search(r"([^/]+)\.jar(!/)?$", s)
    if m:
        name = m.group(1)
        if name == "generated-bytecode":
            return "Quarkus generated bytecode"
        return re.sub(r"-\d[\w.\-]*$", "", name)
    if re.fullmatch(r"[\w$.]+", s):  # Lookup.defineClass: the source is the defining class
        return "defined at run time by " + s
    return s

def package(name):
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else parts[0]

def read(app):
    p = os.path.join(work, f"profile-{app}-classload.log")
    if not os.path.exists(p):
        return None
    loads = []  # (class, library, line number): the marks are line counts of the log at that moment
    for i, line in enumerate(open(p, errors="replace")):
        m = LOAD.search(line)
        if m:
            loads.append((m.group(1), library(m.group(2)), i))
    marks = {}
    for k in ("at-ready", "after-png", "after-jpeg"):
        q = os.path.join(work, f"profile-{app}-lines-{k}")
        if os.path.exists(q):
            marks[k] = int(open(q).read().strip())
    ready_ms = None
    q = os.path.join(work, f"profile-{app}-ready-ms")
    if os.path.exists(q):
        ready_ms = float(open(q).read().strip())
    steps = []
    q = os.path.join(work, f"profile-{app}.log")
    if os.path.exists(q):
        for line in open(q, errors="replace"):
            m = re.search(r"Build step (\S+) completed in: (\d+)ms", line)
            if m:
                steps.append((m.group(1), int(m.group(2))))
    return {"loads": loads, "marks": marks, "ready_ms": ready_ms, "steps": steps}

gw, bl = read("gateway"), read("baseline")
if gw is None:
    sys.exit(0)

def upto(p, mark):
    n = p["marks"].get(mark)
    return [(c, l) for c, l, i in p["loads"] if n is None or i < n]

def between(p, a, b):
    na, nb = p["marks"].get(a), p["marks"].get(b)
    if na is None or nb is None:
        return []
    return [(c, l) for c, l, i in p["loads"] if na <= i < nb]

g_ready, b_ready = upto(gw, "at-ready"), upto(bl, "at-ready") if bl else []
pm = ["# Start-up profile", "",
      "One start of each app on JDK 17 with `-Xlog:class+load` and `-Dquarkus.debug.print-startup-times=true` "
      "(both slow the start a little), by `bench/startup.sh`. Classes counted up to the first `200` on "
      "`/q/health/ready`; for the gateway also what its first generation (PNG, the default type, painted by the "
      "embedded simulator in the same JVM) and then a JPEG generation load. Class counts are stable from run to "
      "run; times are wall-clock and move with the machine's load"
      + (f" (load average when this profile ran: {open(os.path.join(work, 'profile-loadavg')).read().strip()})"
         if os.path.exists(os.path.join(work, "profile-loadavg")) else "") + ".", "",
      "| | gateway | baseline | ratio |", "|---|---:|---:|---:|",
      f"| ms to ready (with logging) | {f(gw['ready_ms'])} | {f(bl['ready_ms'] if bl else None)} | "
      f"{f(ratio(gw['ready_ms'], bl['ready_ms'] if bl else None), 2)} |",
      f"| classes loaded until ready | {len(g_ready)} | {len(b_ready)} | {f(ratio(len(g_ready), len(b_ready)), 2)} |",
      f"| of which from the JDK | {sum(1 for _, l in g_ready if l.startswith('JDK'))} | "
      f"{sum(1 for _, l in b_ready if l.startswith('JDK'))} | |",
      f"| Quarkus start-up steps, sum of ms | {sum(t for _, t in gw['steps'])} | "
      f"{sum(t for _, t in bl['steps']) if bl else '–'} | |", ""]

def graphics(loads):
    return [c for c, _ in loads if c.startswith(GRAPHICS)]

png = between(gw, "at-ready", "after-png")
jpeg = between(gw, "after-png", "after-jpeg")
pm += ["## Java2D / ImageIO classes (`java.awt.*`, `javax.imageio.*`, `sun.awt.*`, `sun.java2d.*`, `com.sun.imageio.*`, `sun.font.*`)", "",
       "| gateway phase | classes loaded | of which Java2D/ImageIO |", "|---|---:|---:|",
       f"| start-up, until ready | {len(g_ready)} | {len(graphics(g_ready))} |",
       f"| first generation, PNG | {len(png)} | {len(graphics(png))} |",
       f"| then a JPEG generation | {len(jpeg)} | {len(graphics(jpeg))} |", ""]
if graphics(g_ready) or graphics(png):
    pm += ["Java2D/ImageIO classes before any non-PNG request: " + ", ".join(graphics(g_ready + png)[:20]), ""]

def counts(loads):
    return collections.Counter(l for _, l in loads), collections.Counter(package(c) for c, _ in loads)

g_lib, g_pkg = counts(g_ready)
b_lib, b_pkg = counts(b_ready)

def table(title, gc, bc, top=30):
    keys = sorted(set(gc) | set(bc), key=lambda k: (-gc.get(k, 0), -bc.get(k, 0), k))
    lines = [f"## {title}", "", "| | gateway | baseline | gateway − baseline |", "|---|---:|---:|---:|"]
    for k in keys[:top]:
        lines.append(f"| {k} | {gc.get(k, 0)} | {bc.get(k, 0)} | {gc.get(k, 0) - bc.get(k, 0):+d} |")
    rest = keys[top:]
    if rest:
        rg, rb = sum(gc.get(k, 0) for k in rest), sum(bc.get(k, 0) for k in rest)
        lines.append(f"| {len(rest)} others | {rg} | {rb} | {rg - rb:+d} |")
    lines.append(f"| **total** | **{sum(gc.values())}** | **{sum(bc.values())}** | "
                 f"**{sum(gc.values()) - sum(bc.values()):+d}** |")
    return lines + [""]

pm += table("Classes loaded until ready, per library (jar, version dropped)", g_lib, b_lib)
pm += table("Classes loaded until ready, per package prefix (first two segments)", g_pkg, b_pkg)

extra = collections.Counter({k: g_lib[k] - b_lib.get(k, 0) for k in g_lib if g_lib[k] - b_lib.get(k, 0) > 0})
pm += ["## Where the gateway's extra classes come from", "",
       "Libraries the gateway loads more classes from than the baseline, largest first:", "",
       "| library | extra classes |", "|---|---:|"]
pm += [f"| {k} | {v} |" for k, v in extra.most_common(20)] + [""]

png_pkg = collections.Counter(package(c) for c, _ in png)
pm += ["## Classes loaded by the first PNG generation, per package prefix", "", "| package | classes |", "|---|---:|"]
pm += [f"| {k} | {v} |" for k, v in png_pkg.most_common(15)] + [""]

def steps_table(title, steps, top=25):
    lines = [f"## {title}", "", "`Build step … completed in` lines printed at run time by "
             "`-Dquarkus.debug.print-startup-times=true`: the recorded start-up tasks, wall-clock ms each, "
             "class loading and interpretation of their code included:", "",
             "| step | ms |", "|---|---:|"]
    for name, t in sorted(steps, key=lambda s: -s[1])[:top]:
        lines.append(f"| {name} | {t} |")
    lines.append(f"| **{len(steps)} steps, total** | **{sum(t for _, t in steps)}** |")
    return lines + [""]

if gw["steps"]:
    pm += steps_table("Quarkus start-up steps: gateway (slowest 25)", gw["steps"])
if bl and bl["steps"]:
    pm += steps_table("Quarkus start-up steps: baseline (slowest 15)", bl["steps"], 15)
open(os.path.join(out, "profile.md"), "w").write("\n".join(pm))
