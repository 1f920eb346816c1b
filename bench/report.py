#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The benchmark suite's reporting (run by scripts/bench.sh; Python standard library only).

  report.py machine                      the machine, as JSON
  report.py compile-time --include DIR   compile times of TUs including the headers, as JSON
  report.py report --results DIR --doc FILE --plots DIR
                                         prints the table, writes docs/performance.md and plots
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    def version(cmd):
        try:
            return subprocess.run([cmd, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return "missing"
    return {"cpu": model, "cores": os.cpu_count(), "loadavg": load, "kernel": platform.release(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "gxx": version("g++-12"), "clang": version("clang++-14"), "valgrind": version("valgrind")}


TUS = {
    "empty": "int shype_bench_tu;\n",
    "include": "#include <shype/monitor.hpp>\n#include <shype/chinese_wall.hpp>\n#include <shype/type_enforcement.hpp>\n"
               "#include <shype/policy_builder.hpp>\nint shype_bench_tu;\n",
    "instantiate": "#include <shype/monitor.hpp>\n#include <shype/chinese_wall.hpp>\n#include <shype/type_enforcement.hpp>\n"
                   "using M = shype::monitor<shype::chinese_wall<64>, shype::type_enforcement<256>>;\n"
                   "bool hook(M& m, shype::byte_view b) {\n  if (!m.load_initial(b)) return false;\n"
                   "  (void)m.domain_create(1, 0);\n  auto r = m.grant_copy(1, 2);\n"
                   "  auto e = m.evtchn_bind(1, 2, 7);\n  auto c = m.change_policy(shype::hypervisor_subject, b);\n"
                   "  return r && e && c;\n}\n",
}


def compile_time(include, reps):
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for name, text in TUS.items():
            with open(os.path.join(d, name + ".cpp"), "w") as f:
                f.write(text)
        for cxx in ("g++-12", "clang++-14"):
            if shutil.which(cxx) is None:
                continue
            for name in TUS:
                times = []
                for _ in range(reps):
                    t = time.perf_counter()
                    subprocess.run([cxx, "-std=c++20", "-O2", "-I", include, "-c", os.path.join(d, name + ".cpp"),
                                    "-o", os.path.join(d, name + ".o")], check=True)
                    times.append(time.perf_counter() - t)
                out[cxx + "/" + name] = {"median": statistics.median(times), "min": min(times), "max": max(times),
                                         "reps": reps}
    return out


# --- the report -----------------------------------------------------------------------------------

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class Runs:
    """Every repetition of every benchmark, by run name."""

    def __init__(self, paths):
        self.runs = {}
        for path in paths:
            with open(path) as f:
                data = json.load(f)
            for b in data["benchmarks"]:
                if b.get("run_type") != "iteration" or b.get("error_occurred"):
                    continue
                self.runs.setdefault(b["run_name"], []).append(b)

    def find(self, prefix):
        for name in self.runs:
            if name == prefix or name.startswith(prefix + "/"):
                return self.runs[name]
        return None

    def stat(self, prefix, metric="cpu_ns"):
        runs = self.find(prefix)
        if not runs:
            return None
        vals = []
        for r in runs:
            if metric == "cpu_ns":
                vals.append(r["cpu_time"] * UNIT_NS[r["time_unit"]])
            elif metric == "real_ns":
                vals.append(r["real_time"] * UNIT_NS[r["time_unit"]])
            else:
                vals.append(r[metric])
        return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals),
                "extra": runs[0]}


def fmt_ns(ns):
    if ns is None:
        return "—"
    if ns < 100:
        return f"{ns:.2f} ns"
    if ns < 1e5:
        return f"{ns:,.0f} ns"
    if ns < 1e8:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e9:.2f} s"


def cell(s, fmt=fmt_ns, scale=1.0):
    if s is None:
        return "—"
    return f"{fmt(s['median'] * scale)} ({fmt(s['min'] * scale)}–{fmt(s['max'] * scale)})"


def ratio(a, b):
    if a is None or b is None or a["median"] == 0:
        return "—"
    r = b["median"] / a["median"]
    return f"{r:,.1f}× faster" if r >= 1 else f"{1 / r:,.1f}× slower"


def load_callgrind(path):
    ir = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2].isdigit():
                    ir[parts[0]] = int(parts[2]) / int(parts[1])
    base = ir.get("baseline", 0.0)
    return {k: v - base for k, v in ir.items() if k != "baseline"}, base


def gnuplot(script, plots):
    if shutil.which("gnuplot") is None:
        print("gnuplot missing: no plots", file=sys.stderr)
        return
    subprocess.run(["gnuplot"], input=script, text=True, check=True, cwd=plots)


def report(results, doc, plots):
    # gbench.json is the run; gbench-*.json, if any, are figures run separately (same format).
    runs = Runs([os.path.join(results, f) for f in sorted(os.listdir(results))
                 if f.startswith("gbench") and f.endswith(".json")])
    with open(os.path.join(results, "facts.json")) as f:
        facts = json.load(f)
    with open(os.path.join(results, "compile.json")) as f:
        compile_ = json.load(f)
    with open(os.path.join(results, "machine-before.json")) as f:
        mach = json.load(f)
    with open(os.path.join(results, "machine-after.json")) as f:
        mach_after = json.load(f)
    ir, ir_base = load_callgrind(os.path.join(results, "callgrind.tsv"))
    k = lambda name: runs.stat("kernel/" + name)

    rows = []  # figure, goal, shype, flask, acm, vs flask, vs acm, met

    def row(figure, goal, s, flask, acm, met, flask_text=None, acm_text=None):
        rows.append([figure, goal, cell(s), flask_text or cell(flask), acm_text or cell(acm),
                     ratio(s, flask) if flask_text is None else "—", ratio(s, acm) if acm_text is None else "—", met])

    def goal_ns(s, limit):
        if s is None:
            return "not run"
        return "yes" if s["median"] <= limit else f"**no** (median {s['median']:.1f} ns > {limit} ns)"

    base = k("baseline")
    rows.append(["Loop + indirect call of the harness (in every kernel figure below)", "—", cell(base), "—", "—", "—", "—", "—"])
    for lock in ("no_locking", "smp_locking"):
        s = k(f"cached/shype/{lock}")
        row(f"Cached hook decision (grant_copy, one hot pair), {lock}; peers: AVC hit, ACM ste_cache", "≤ 2 ns", s,
            k("cached/avc"), k("cached/acm"), goal_ns(s, 2))
    for lock in ("no_locking", "smp_locking"):
        s = k(f"cached256/shype/{lock}")
        row(f"Cached hook decision, 256 hot pairs, {lock}", "≤ 2 ns", s, k("cached256/avc"), k("cached256/acm"), goal_ns(s, 2))
    s = k("miss/shype")
    row("Cache miss: decide + insert (4096 pairs cycling); AVC: security server + node allocation", "—", s, k("miss/avc"),
        None, "—", acm_text="—")
    for types, limit in ((64, 2), (256, 3), (1024, 8)):
        for tag, what in (("mix", "random pairs"), ("deny", "denied pairs")):
            s = k(f"te/{types}/shype_decision/{tag}")
            row(f"Uncached TE decision on two labels of the loaded policy (its te_table, built at load), {types} types, {what}",
                f"≤ {limit} ns", s,
                k(f"te/{types}/sepol/{tag}"), k(f"te/{types}/acm/{tag}"), goal_ns(s, limit))
        s = k(f"te/{types}/shype/mix")
        row(f"Uncached TE hook (monitor::evaluate: checks, domain table, rule, result), {types} types, random pairs", "—", s,
            k(f"te/{types}/sepol/mix"), k(f"te/{types}/acm/mix"), "—")
    for types in (64, 256, 1024):
        for sets in (1, 4, 16, 64):
            s = k(f"cw/{types}x{sets}/shype")
            row(f"Chinese Wall create check, {types} CW types, {sets} conflict sets", "≤ 5 ns", s, None,
                k(f"cw/{types}x{sets}/acm"), goal_ns(s, 5), flask_text="not expressible")
    rev = runs.stat("revocation/shype/part/1/1000000")
    rev_acm = runs.stat("revocation/acm/part/1/1000000")
    rows.append(["Revocation after a policy change, 1,000,000 live channels and grants, "
                 f"{int(rev['extra']['revoked_per_change']) if rev else 0:,} revoked", "≤ 5 ms", cell(rev),
                 "no revocation in FLASK", cell(rev_acm), "—", ratio(rev, rev_acm),
                 "—" if rev is None else ("yes" if rev["median"] <= 5e6 else f"**no** (median {rev['median'] / 1e6:.1f} ms)")])
    rev0 = runs.stat("revocation/shype/none/2/1000000")
    rows.append(["Re-evaluation, 1,000,000 bindings, none revoked", "≤ 5 ms", cell(rev0), "—", "—", "—", "—",
                 "—" if rev0 is None else ("yes" if rev0["median"] <= 5e6 else f"**no** (median {rev0['median'] / 1e6:.1f} ms)")])
    for variant, what in (("part", "part revoked"), ("none", "none revoked")):
        b = runs.stat(f"revocation/shype_big_memo/{variant}/{1 if variant == 'part' else 2}/1000000")
        if b is not None:
            rows.append([f"Same, 1,000,000 bindings, {what}, with `revocation_memo` = 2^18 (a bench-side monitor_limits, "
                         "not the default 4096)", "≤ 5 ms", cell(b), "—", cell(rev_acm) if variant == "part" else "—", "—",
                         ratio(b, rev_acm) if variant == "part" else "—",
                         "yes" if b["median"] <= 5e6 else f"**no** (median {b['median'] / 1e6:.1f} ms)"])
    ls, lf = runs.stat("load/shype"), runs.stat("load/sepol")
    gbps = lambda s: None if s is None else s["extra"]["policy_bytes"] / s["median"]
    rows.append([f"Validate + load the large policy ({facts['large_policy']['shype_binary_bytes']:,} B; FLASK: "
                 f"{facts['large_policy']['selinux_binary_bytes']:,} B)", "≥ 1 GB/s, 0 allocations",
                 f"{cell(ls)} = {gbps(ls):.2f} GB/s, {ls['extra']['allocs_per_op']:.0f} allocations" if ls else "—",
                 f"{cell(lf)} = {gbps(lf):.3f} GB/s, {lf['extra']['allocs_per_op']:,.0f} allocations" if lf else "—",
                 "—", ratio(ls, lf), "—",
                 "—" if ls is None else ("yes" if gbps(ls) >= 1 and ls["extra"]["allocs_per_op"] == 0 else "**no**")])
    lt = runs.stat("load/shype_te_table")
    if lt is not None:  # the TE table is built by the monitor after policy_view::load: counted here
        rows.append(["Same, plus building TE's decision table (te_table<1024, 1024>: 1,000 VM labels x 1,024 types)",
                     "≥ 1 GB/s, 0 allocations",
                     f"{cell(lt)} = {gbps(lt):.2f} GB/s, {lt['extra']['allocs_per_op']:.0f} allocations", "—", "—", "—", "—",
                     "yes" if gbps(lt) >= 1 and lt["extra"]["allocs_per_op"] == 0 else "**no**"])
    cs, cc = runs.stat("compile/shype"), runs.stat("compile/checkpolicy", "real_ns")
    row("Compile the XML policy with 1,000 VM + 1,000 resource labels (FLASK: checkpolicy on the export, wall time)", "—",
        cs, cc, None, "—", acm_text="—")
    for arg, what in ((0, "1-3 TE types a label"), (1, "20-40 TE types a label: most pairs share")):
        an = runs.stat(f"analyze/shype/{arg}")
        if an is None:  # issue 14: the flows of 1,000 labels x 1,000 types in under a second
            continue
        rows.append([f"`shype analyze` of 1,000 VM + 1,000 resource labels, ~1,000 TE types ({what}): flow graph "
                     f"({an['extra'].get('edges', 0):,.0f} edges), closure, relays, summary", "< 1 s", cell(an), "—", "—", "—", "—",
                     "yes" if an["median"] < 1e9 else f"**no** (median {an['median'] / 1e9:.2f} s)"])
    for rate, what in ((0, "back to back"), (50, "50 a second")):
        a, b = runs.stat(f"swap/shype/{rate}", "items_per_second"), runs.stat(f"swap/avc/{rate}", "items_per_second")
        sa, sb = runs.stat(f"swap/shype/{rate}", "swaps_per_s"), runs.stat(f"swap/avc/{rate}", "swaps_per_s")
        mops = lambda v: f"{v / 1e6:,.2f} M/s"
        rows.append([f"Hooks on 2 threads while the policy is reloaded {what} (throughput; loads/s achieved)", "—",
                     (cell(a, mops) + f"; {sa['median']:,.0f} loads/s") if a else "—",
                     (cell(b, mops) + f"; {sb['median']:,.0f} loads/s") if b else "—", "—",
                     "—" if not (a and b) else (f"{a['median'] / b['median']:,.2f}× the throughput"), "—", "—"])

    # --- text ---
    lines = []
    w = lines.append
    w("# Performance: shype side by side with FLASK and the Xen ACM")
    w("")
    w("Generated by `scripts/bench.sh` (issue 7); do not edit by hand. Every figure is the **median of "
      f"{rows and (runs.stat('kernel/baseline') or {'n': '?'})['n']} repetitions** with the spread (min–max) in brackets; "
      "times are **CPU time per operation** (Google Benchmark's `cpu_time`; wall time only where a process or "
      "threads are measured), because the machine is shared and wall time counts the time other jobs held the CPU.")
    w("")
    w("## The machine")
    w("")
    w(f"- CPU: {mach['cpu']}, {mach['cores']} cores (a shared virtual machine); kernel {mach['kernel']}")
    w(f"- Load average before the run: {' '.join(mach['loadavg'])}; after: {' '.join(mach_after['loadavg'])} "
      f"(other jobs were running: expect noise, trust the ratios and the instruction counts more than the nanoseconds)")
    w(f"- Compilers: {mach['gxx']} (Release, -O3); valgrind: {mach['valgrind']}; measured {mach['date']}")
    w("")
    w("## The table")
    w("")
    w("Peers: **FLASK** = libsepol's security server (`sepol_compute_av`, the code of Xen's XSM/FLASK) on the policy "
      "`shype export-selinux` writes from the same XML, with an AVC in front of it where the figure is about a cache "
      "(`bench/avc.hpp`: 512 slots, chains, a heap node per miss, as Xen's `avc.c`); **Xen ACM** = the original sHype "
      "layout in Xen (`bench/xen_acm.hpp`: one 16-bit flag per type per label, scanned linearly; an 8-entry ste_cache "
      "per domain). Ratios say how much faster (or slower) shype is than the peer.")
    w("")
    w("| Figure | Goal | shype | FLASK | Xen ACM | shype vs FLASK | shype vs Xen ACM | Goal met? |")
    w("|---|---|---|---|---|---|---|---|")
    for r in rows:
        w("| " + " | ".join(r) + " |")
    w("")
    if ir:
        w("## Instructions per operation (Callgrind, deterministic)")
        w("")
        w(f"`valgrind --tool=callgrind` counts the instructions of each kernel's loop (20,000 operations after 1,000 warm-up "
          f"ones); the harness's own cost ({ir_base:.1f} per operation, the `baseline` kernel) is subtracted.")
        w("")
        w("| Kernel | instructions / operation |")
        w("|---|---|")
        for name, v in ir.items():
            w(f"| `{name}` | {v:,.1f} |")
        w("")
    w("## Memory")
    w("")
    w("| Configuration | bytes (sizeof, no heap) |")
    w("|---|---|")
    for m in facts["monitor_sizes"]:
        w(f"| `{m['name']}` ({m['config']}) | {m['bytes']:,} |")
    lp = facts["large_policy"]
    w("")
    w(f"The large policy (1024 TE + 1024 CW types, 64 conflict sets, 1000 VM + 1000 resource labels): shype binary "
      f"{lp['shype_binary_bytes']:,} B, used in place (loading allocates {lp['shype_load_allocations']} times); its XML "
      f"{lp['xml_bytes']:,} B; the FLASK export {lp['selinux_conf_bytes']:,} B of policy.conf, "
      f"{lp['selinux_binary_bytes']:,} B compiled, and loading it into libsepol allocates "
      f"{lp.get('sepol_load_allocations', 0):,} times ({lp.get('sepol_load_heap_bytes', 0):,} B requested); the Xen ACM "
      f"layout of the same labels takes {lp['acm_label_array_bytes']:,} B. An AVC node is {facts['avc']['node_bytes']} B, "
      f"a full AVC ({facts['avc']['threshold']} nodes) {facts['avc']['bytes_full']:,} B; Xen ACM's ste_cache is "
      f"{facts['acm_ste_cache_bytes_per_domain']} B per domain.")
    w("")
    w("## Compile time of the headers")
    w("")
    w("Compiling a translation unit (`-std=c++20 -O2 -c`), median (min–max) of the repetitions: an empty one, one that "
      "includes `<shype/monitor.hpp>`, `chinese_wall.hpp`, `type_enforcement.hpp` and `policy_builder.hpp`, and one that "
      "also instantiates a monitor and calls its hooks.")
    w("")
    w("| Compiler | empty TU | + includes | + instantiation | cost of the headers |")
    w("|---|---|---|---|---|")
    for cxx in ("g++-12", "clang++-14"):
        e, i, n = (compile_.get(f"{cxx}/{t}") for t in ("empty", "include", "instantiate"))
        if not e:
            continue
        f = lambda s: f"{s['median']:.2f} s ({s['min']:.2f}–{s['max']:.2f})"
        w(f"| {cxx} | {f(e)} | {f(i)} | {f(n)} | +{i['median'] - e['median']:.2f} s (+{n['median'] - e['median']:.2f} s instantiated) |")
    w("")

    # --- plots ---
    os.makedirs(plots, exist_ok=True)
    with open(os.path.join(plots, "te.dat"), "w") as f:
        f.write("# types shype libsepol xen_acm (median CPU ns, random pairs)\n")
        for t in (64, 256, 1024):
            v = [k(f"te/{t}/{s}/mix") for s in ("shype_decision", "sepol", "acm")]
            f.write(f"{t} " + " ".join(f"{x['median']:.3f}" if x else "NaN" for x in v) + "\n")
    with open(os.path.join(plots, "cw.dat"), "w") as f:
        f.write("# sets shype64 acm64 shype1024 acm1024 (median CPU ns)\n")
        for n in (1, 4, 16, 64):
            v = [k(f"cw/{t}x{n}/{s}") for t in (64, 1024) for s in ("shype", "acm")]
            f.write(f"{n} " + " ".join(f"{x['median']:.3f}" if x else "NaN" for x in v) + "\n")
    with open(os.path.join(plots, "revocation.dat"), "w") as f:
        f.write("# bindings shype_ms acm_ms (median CPU)\n")
        for n in (125000, 250000, 500000, 1000000):
            a, b = runs.stat(f"revocation/shype/part/1/{n}"), runs.stat(f"revocation/acm/part/1/{n}")
            f.write(f"{n} " + " ".join(f"{x['median'] / 1e6:.3f}" if x else "NaN" for x in (a, b)) + "\n")
    with open(os.path.join(plots, "cached.dat"), "w") as f:
        f.write("# system median_ns\n")
        for name, label in (("cached/shype/no_locking", "shype\\nno\\_locking"), ("cached/shype/smp_locking", "shype\\nsmp\\_locking"),
                            ("cached/avc", "FLASK AVC"), ("cached/acm", "Xen ACM\\nste\\_cache"), ("baseline", "harness\\nonly")):
            x = k(name)
            f.write(f"\"{label}\" {x['median'] if x else float('nan'):.3f}\n")
    gnuplot("""set terminal svg size 720,440 dynamic font 'sans,12' background '#ffffff'
set key left top
set grid
set logscale y
set output 'te.svg'
set title 'Uncached Type Enforcement decision (random label pairs)'
set xlabel 'TE types'; set ylabel 'ns per decision (CPU, median)'
set logscale x 2
plot 'te.dat' u 1:2 w lp lw 2 t 'shype', '' u 1:3 w lp lw 2 t 'FLASK (libsepol sepol\\_compute\\_av)', '' u 1:4 w lp lw 2 t 'Xen ACM (16-bit flags)'
set output 'cw.svg'
set title 'Chinese Wall start check'
set xlabel 'conflict sets'
plot 'cw.dat' u 1:2 w lp lw 2 t 'shype, 64 CW types', '' u 1:3 w lp lw 2 t 'Xen ACM, 64 CW types', '' u 1:4 w lp lw 2 t 'shype, 1024 CW types', '' u 1:5 w lp lw 2 t 'Xen ACM, 1024 CW types'
set output 'revocation.svg'
set title 'Re-evaluating live bindings after a policy change (40 % revoked)'
set xlabel 'live event channels and grants'; set ylabel 'ms (CPU, median)'
unset logscale
set logscale x 2
set yrange [0:*]
plot 'revocation.dat' u 1:2 w lp lw 2 t 'shype', '' u 1:3 w lp lw 2 t 'Xen ACM (no memo)', 5 w l dt 2 lc rgb '#888888' t 'goal: 5 ms at 1,000,000'
set output 'cached.svg'
unset logscale
set title 'Cached hook decision (one hot pair)'
set xlabel ''; set ylabel 'ns per decision (CPU, median)'
set style fill solid 0.6
set boxwidth 0.6
set yrange [0:*]
unset key
plot 'cached.dat' u 0:2:xtic(1) w boxes, 2 w l dt 2 lc rgb '#888888'
""", plots)
    w("## Plots")
    w("")
    for name, what in (("cached", "cached hook decision"), ("te", "uncached TE decision against the number of types"),
                       ("cw", "Chinese Wall check against the number of conflict sets"),
                       ("revocation", "revocation time against live bindings")):
        w(f"![{what}](performance/{name}.svg)")
        w("")
    text = "\n".join(lines)
    # The generated part replaces what lies between the markers; the analysis around it is prose.
    begin, end = "<!-- bench.sh: begin generated -->", "<!-- bench.sh: end generated -->"
    old = open(doc).read() if os.path.exists(doc) else begin + "\n" + end + "\n"
    if begin not in old or end not in old:
        old = old + "\n" + begin + "\n" + end + "\n"
    head, rest = old.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(doc, "w") as f:
        f.write(head + begin + "\n" + text + "\n" + end + tail)
    print(text)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("machine")
    c = sub.add_parser("compile-time")
    c.add_argument("--include", required=True)
    c.add_argument("--reps", type=int, default=5)
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("--doc", required=True)
    r.add_argument("--plots", required=True)
    a = p.parse_args()
    if a.cmd == "machine":
        print(json.dumps(machine(), indent=2))
    elif a.cmd == "compile-time":
        print(json.dumps(compile_time(a.include, a.reps), indent=2))
    else:
        report(a.results, a.doc, a.plots)


if __name__ == "__main__":
    main()
