#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# XSM hook overhead in Xen (issue 15, "Measure"): boots the Xen of adapters/xen/build.sh under
# QEMU (TCG) once per module and round — xsm=dummy (Xen's default behaviour, no MAC), xsm=flask
# (FLASK with Xen's built-in default policy), xsm=shype (the customer-order policy) — each time with
# bench/xsm-bench.c as dom0's /init, which times event-channel and grant round trips from dom0
# with raw hypercalls, then prints a markdown table: per operation and module the median time of
# one round trip (each timed alone; the median of each batch, then the median, min–max and
# interquartile range of those), the ratio to dummy, and the same less the floor (two trivial
# hypercalls, median of the same batch: what the XSM hooks and the operation itself add to the
# privcmd round trips), the fastest round trip, and the batches' wall time per round trip (which
# also holds the moments the shared machine did not run QEMU).
# A benchmark, not a test: it fails only when a boot or an operation fails (every round trip must
# succeed; the denied row must be EPERM every time; under shype the module's statistics must
# count exactly one decision per event channel and grant operation), never on a time.
#   adapters/xen/bench/run.sh SHYPE_TOOL [POLICY.xml]
# POLICY.xml: default examples/customer-order/policy.xml; X is labelled dom_Order (it shares the
# type Order with dom0's dom_Management), Y (the denied row, shype only) dom_Computing.
# Environment: SHYPE_XEN_CACHE (as build.sh), SHYPE_XEN_BENCH_ROUNDS (3: boots per module; the
# modules alternate, round by round, so a change of the machine's load spreads over all; the
# batches of all rounds are pooled), SHYPE_XEN_BENCH_BATCHES (5 timed batches per boot, after
# one untimed warm-up batch), SHYPE_XEN_BENCH_OPS (2000 round trips per batch),
# SHYPE_XEN_BENCH_MODULES ("dummy flask shype"; the ratios need dummy), SHYPE_XEN_BOOT_TIMEOUT
# (900 s per boot), SHYPE_XEN_BENCH_LOGS (a folder to keep the serial logs in),
# SHYPE_XEN_BENCH_CHECK_ONLY=1 (the checks without the table: CTest's xen.bench_check; no python3).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=../test/boot-lib.sh
. "$here/../test/boot-lib.sh"
tool=${1:?usage: run.sh SHYPE_TOOL [POLICY.xml]}
xml=${2:-$root/examples/customer-order/policy.xml}
batches=${SHYPE_XEN_BENCH_BATCHES:-5}
ops=${SHYPE_XEN_BENCH_OPS:-2000}
modules=${SHYPE_XEN_BENCH_MODULES:-dummy flask shype}
rounds=${SHYPE_XEN_BENCH_ROUNDS:-3}
timeout_s=${SHYPE_XEN_BOOT_TIMEOUT:-900}
readonly X_LABEL=dom_Order Y_LABEL=dom_Computing
die() { echo "adapters/xen/bench/run.sh: error: $*" >&2; exit 1; }
[[ $batches =~ ^[0-9]+$ && $batches -ge 1 && $batches -le 200 ]] || die "SHYPE_XEN_BENCH_BATCHES=$batches: not in [1, 200]"
[[ $ops =~ ^[0-9]+$ && $ops -ge 1 && $ops -le 1000000 ]] || die "SHYPE_XEN_BENCH_OPS=$ops: not in [1, 1000000]"
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 && $rounds -le 10 ]] || die "SHYPE_XEN_BENCH_ROUNDS=$rounds: not in [1, 10]"
for m in $modules; do [[ $m == dummy || $m == flask || $m == shype ]] || die "unknown module $m (dummy, flask, shype)"; done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (scripts/install-deps.sh test)"
check_only=${SHYPE_XEN_BENCH_CHECK_ONLY:-0}
[[ $check_only == 1 ]] || command -v python3 >/dev/null || die "python3 not found (it computes the table)"

xen=$("$here/../build.sh" | tail -1)
[[ -f $xen ]] || die "build.sh did not produce a hypervisor"
# Debian's kernel and its xen-privcmd module, from the cached dom0 initramfs of the xl tests.
base=$("$here/../dom0-initramfs.sh" | tail -1)
[[ -f $base ]] || die "dom0-initramfs.sh did not produce an initramfs"

work=$(mktemp -d "${TMPDIR:-/tmp}/shype-xen-bench.XXXXXX")
trap 'stop_boot; rm -rf "$work"' EXIT
trap 'exit 143' INT TERM
(cd "$work" && gzip -dc "$base" | cpio -i --quiet -d guest/vmlinuz lib/modules/shype/xen-privcmd.ko) || true
if [[ ! -f $work/guest/vmlinuz || ! -f $work/lib/modules/shype/xen-privcmd.ko ]]; then
  die "no guest/vmlinuz or lib/modules/shype/xen-privcmd.ko in $base"
fi
mkdir -p "$work/root/dev"
gcc -static -O2 -Wall -Wextra -Werror -I"$(dirname "$xen")/include" -o "$work/root/init" "$here/xsm-bench.c" \
  || die "compiling xsm-bench.c failed"
cp "$work/lib/modules/shype/xen-privcmd.ko" "$work/root/privcmd.ko"
(cd "$work/root" && printf 'init\nprivcmd.ko\n' | cpio -o -H newc --quiet | gzip -n > "$work/dom0.cpio.gz") || die "cpio failed"
"$tool" compile "$xml" -o "$work/policy.bin" >/dev/null || die "shype compile $xml failed"
ssidref_of() {  # as test/boot.sh: the tag | the label's position in the binary's VM label table
  local id
  id=$("$tool" dump "$work/policy.bin" | awk -v q="$1" \
    '/^VM labels/ {f = 1; next} f && /^[^ ]/ {exit} f && /^  [^ ]/ {if ($1 == q) {print n + 0; exit} n++}')
  [[ -n $id ]] || die "label $1 is not in $xml"
  printf '%#x' $((0x53480000 | id))
}
x_shype=$(ssidref_of $X_LABEL)
y_shype=$(ssidref_of $Y_LABEL)

: > "$work/batches.tsv"
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for ((r = 1; r <= rounds; r++)); do
  for m in $modules; do
    case $m in
      dummy) params="xsmbench_x=0" mods="" ;;
      flask) params="xsmbench_x=12" mods="" ;;  # SECINITSID_DOMU: domU_t in the default policy
      shype) params="xsmbench_x=$x_shype xsmbench_y=$y_shype xsmbench_stats=1" mods=",$work/policy.bin" ;;
    esac
    log=$work/serial-$m-$r.log
    echo "== round $r: xsm=$m ($(date -u +%H:%M:%S))" >&2
    t0=$(date +%s)
    boot_xen "$log" "$xen" "$timeout_s" "console=com1 com1=115200 dom0_mem=512M loglvl=all xsm=$m" \
      "$work/guest/vmlinuz console=hvc0 panic=-1 xsmbench_batches=$batches xsmbench_ops=$ops $params,$work/dom0.cpio.gz$mods"
    [[ -z ${SHYPE_XEN_BENCH_LOGS:-} ]] || { mkdir -p "$SHYPE_XEN_BENCH_LOGS"; cp "$log" "$SHYPE_XEN_BENCH_LOGS/"; }
    echo "   boot and run: $(( $(date +%s) - t0 )) s, qemu exit $qrc" >&2
    case $m in  # the module Xen really used
      dummy) reject '^\(XEN\) (Flask:|Initialising XSM shype)' "xsm=dummy: neither FLASK nor shype initialised" ;;
      flask) expect '^\(XEN\) Flask:  Starting in enforcing mode' "xsm=flask: FLASK enforcing (built-in policy)" ;;
      shype) expect '^\(XEN\) shype: policy "[^"]+" loaded' "xsm=shype: the policy loaded"
             expect "^\(XEN\) shype: dom[0-9]+ started as \"$X_LABEL\"" "xsm=shype: X runs as $X_LABEL" ;;
    esac
    expect '^xsm-bench: setup: X=d[0-9]+' "xsm=$m: the benchmark's domain, page, grant and port were set up"
    expect '^xsm-bench: done$' "xsm=$m: every round trip succeeded"
    if grep -q '^xsm-bench: FAIL' "$log"; then grep '^xsm-bench: FAIL' "$log" >&2; fail=1; fi
    if [[ $m == shype ]]; then
      expect "^\(XEN\) avc: denied \{ evtchn_unbound \} for source=dom[0-9]+ slabel=\"$X_LABEL\" .*tlabel=\"$Y_LABEL\" policy=type_enforcement" \
        "xsm=shype: the denied row was refused by Type Enforcement"
      # Every timed or warm-up round trip was decided by the monitor: one evtchn decision per
      # unbound, interdomain and denied round trip (+ the setup's port), one grant decision per map.
      n=$(((batches + 1) * ops))
      expect "^\(XEN\) shype: stats evtchn: hits=[0-9]+ misses=[0-9]+ denials=$n errors=0" "xsm=shype: $n event channel denials counted"
      sed -nE 's/^\(XEN\) shype: stats (evtchn|grant): hits=([0-9]+) misses=([0-9]+) .*/\1 \2 \3/p' "$log" > "$work/stats"
      if [[ $(awk '$1 == "evtchn" {print $2 + $3}' "$work/stats") != $((3 * n + 1)) ||
            $(awk '$1 == "grant" {print $2 + $3}' "$work/stats") != "$n" ]]; then
        echo "FAIL: xsm=shype: the module's statistics do not count one decision per operation:" >&2
        cat "$work/stats" >&2
        fail=1
      else
        echo "ok: xsm=shype: the monitor decided every round trip ($((3 * n + 1)) event channel, $n grant decisions)"
      fi
    fi
    if [[ $fail -ne 0 ]]; then
      echo "--- serial log (qemu exit $qrc), last 40 lines:" >&2
      tail -40 "$log" >&2
      exit 1
    fi
    sed -nE "s/^xsm-bench: batch ([a-z]+) ([0-9]+) ([0-9]+) ([0-9]+) ([0-9]+) ([0-9]+)\$/$m\t\1\t$r\t\2\t\3\t\4\t\5\t\6/p" \
      "$log" >> "$work/batches.tsv"
  done
done

if [[ $check_only == 1 ]]; then
  echo "ok: $(wc -l < "$work/batches.tsv") batches of $ops round trips, each checked (no table: SHYPE_XEN_BENCH_CHECK_ONLY=1)"
  exit 0
fi
python3 - "$work/batches.tsv" "$batches" "$rounds" "$ops" "$started" "$modules" <<'PY'
import statistics, sys
path, batches, rounds, ops, started = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
modules = sys.argv[6].split()
per, floor = {}, {}  # (op, module) -> [(round, batch, median, fastest, wall per round trip)]; ns
for line in open(path):
    m, op, r, b, n, wall, med, fast = line.rstrip("\n").split("\t")
    per.setdefault((op, m), []).append((r, b, float(med), float(fast), int(wall) / int(n)))
    if op == "floor":
        floor[(m, r, b)] = float(med)
rows = {"floor": "floor: 2 × `XENVER_version`",
        "unbound": "`EVTCHNOP_alloc_unbound` (dom0 for X) + `close`",
        "interdomain": "`EVTCHNOP_bind_interdomain` (dom0 ↔ X) + `close`",
        "grant": "`GNTTABOP_map_grant_ref` (X's page) + `unmap_grant_ref`",
        "denied": "denied: `EVTCHNOP_alloc_unbound` (X for Y), EPERM"}
def quart(v):
    return statistics.quantiles(v, n=4, method="inclusive") if len(v) > 1 else (v[0],) * 3
def us(x):
    return f"{x / 1000:.1f}"
print(f"Run of {started}: {rounds} boot(s) × {batches} batches × {ops} round trips per operation and module.")
print("µs per round trip from dom0 under QEMU TCG (emulated, not hardware time). Median: of the batches' medians")
print("(each round trip timed alone); min–max and IQR: of those batch medians; less floor: minus the floor's")
print("median of the same batch; fastest: the fastest round trip of all; wall: batch time / round trips.\n")
print("| round trip | module | median µs | min–max | IQR | ratio to dummy | less floor µs (IQR) | ratio to dummy | fastest µs | wall µs |")
print("|---|---|---|---|---|---|---|---|---|---|")
for op, title in rows.items():
    base = per.get((op, "dummy"))
    for m in modules:
        v = per.get((op, m))
        if not v:
            continue
        meds = [x[2] for x in v]
        med, (q1, _, q3) = statistics.median(meds), quart(meds)
        ratio = f"{med / statistics.median([x[2] for x in base]):.2f}" if base else "—"
        net, net_ratio = "—", "—"
        if op != "floor":
            nets = [x[2] - floor[(m, x[0], x[1])] for x in v]
            nmed, (nq1, _, nq3) = statistics.median(nets), quart(nets)
            net = f"{us(nmed)} ({us(nq1)}–{us(nq3)})"
            if base:
                bmed = statistics.median([x[2] - floor[("dummy", x[0], x[1])] for x in base])
                net_ratio = f"{nmed / bmed:.2f}" if bmed > 0 else "—"
        print(f"| {title} | {m} | {us(med)} | {us(min(meds))}–{us(max(meds))} | {us(q1)}–{us(q3)} | {ratio} "
              f"| {net} | {net_ratio} | {us(min(x[3] for x in v))} | {us(statistics.median(x[4] for x in v))} |")
PY
