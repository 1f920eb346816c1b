#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The benchmark suite (issue 7): shype side by side with Xen's FLASK security server (libsepol),
# an AVC in front of it and the original Xen ACM layout. Installs its Debian packages, builds in
# Release with g++-12, runs bench/shype_bench with repetitions, counts instructions of the
# critical-path kernels with Callgrind, times compiles of the headers, then prints the table and
# writes docs/performance.md and the plots in docs/performance/.
# Environment: SHYPE_BUILD_DIR (default build/bench), SHYPE_BENCH_REPETITIONS (default 5),
# SHYPE_BENCH_MIN_TIME (seconds per repetition, default 0.1), SHYPE_BENCH_FILTER (a Google
# Benchmark regex: only those timed figures; the report then has only them),
# SHYPE_BENCH_NO_CALLGRIND=1 (skip the instruction counts).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${SHYPE_BUILD_DIR:-$root/build/bench}
reps=${SHYPE_BENCH_REPETITIONS:-5}
min_time=${SHYPE_BENCH_MIN_TIME:-0.1}
results=$out/results
python=/usr/bin/python3  # Debian's, with only the standard library: no PyPI here

"$root/scripts/install-deps.sh" bench
mkdir -p "$results"
rm -f "$results"/gbench*.json  # the report merges every gbench*.json here
cmake -S "$root" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++-12 -DSHYPE_WERROR=ON \
  -DSHYPE_BUILD_BENCHMARKS=ON -DSHYPE_BUILD_TESTS=OFF -DSHYPE_BUILD_PROPTESTS=OFF -DSHYPE_BUILD_FUZZERS=OFF \
  -DSHYPE_BUILD_REFHV=OFF -DSHYPE_BUILD_ADAPTERS=OFF >"$out/configure.log" 2>&1 || { cat "$out/configure.log"; exit 1; }
cmake --build "$out" --target shype_bench >"$out/build.log" 2>&1 || { tail -50 "$out/build.log"; exit 1; }
bin=$out/bench/shype_bench

echo "== machine"
"$python" "$root/bench/report.py" machine >"$results/machine-before.json"
cat "$results/machine-before.json"

echo "== timed figures ($reps repetitions, medians; this takes a few minutes)"
"$bin" --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
  ${SHYPE_BENCH_FILTER:+--benchmark_filter="$SHYPE_BENCH_FILTER"} \
  --benchmark_out="$results/gbench.json" --benchmark_out_format=json >"$results/gbench.txt"
"$python" "$root/bench/report.py" machine >"$results/machine-after.json"
"$bin" --facts >"$results/facts.json"

: >"$results/callgrind.tsv"
if [ "${SHYPE_BENCH_NO_CALLGRIND:-0}" != 1 ]; then
  echo "== instructions per operation (Callgrind)"
  ops=20000
  for k in baseline cached/shype/no_locking cached/shype/smp_locking cached/avc cached/acm miss/shype miss/avc \
           te/64/shype/mix te/256/shype/mix te/1024/shype/mix te/64/sepol/mix te/256/sepol/mix te/1024/sepol/mix \
           te/64/acm/mix te/256/acm/mix te/1024/acm/mix te/1024/shype/deny te/1024/acm/deny \
           cw/1024x1/shype cw/1024x64/shype cw/1024x1/acm cw/1024x64/acm cw/64x64/shype cw/64x64/acm; do
    f=$results/callgrind.$(echo "$k" | tr / _).out
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$f" "$bin" --kernel "$k" --ops "$ops" \
      >/dev/null 2>"$f.log" || { echo "callgrind failed for $k (see $f.log)" >&2; continue; }
    printf '%s\t%s\t%s\n' "$k" "$ops" "$(awk '/^totals:/ {print $2}' "$f")" >>"$results/callgrind.tsv"
  done
fi

echo "== compile time of the headers"
"$python" "$root/bench/report.py" compile-time --include "$root/include" --reps "$reps" >"$results/compile.json"

echo "== report"
"$python" "$root/bench/report.py" report --results "$results" --doc "$root/docs/performance.md" --plots "$root/docs/performance"
