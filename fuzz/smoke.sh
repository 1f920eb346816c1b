#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A bounded fuzz campaign of one target with one engine, for CI. Fails on any crash.
#
#   smoke.sh libfuzzer|afl BINARY SECONDS SCRATCH DICT|none SEED_DIR...
#
# The seeds (corpus and crash regressions) are copied into SCRATCH, which is wiped first: the
# engines write new inputs into their corpus directory, never into the repository. AFL++ exits
# 0 even when it found crashes, so its verdict is `saved_crashes` in fuzzer_stats. Prints one
# line "smoke: <target> <engine> execs=N crashes=N" for the evidence summary.
#
# Limits (fuzz/README.md "Limits"; the CTest test sets them from fuzz/CMakeLists.txt):
#   SHYPE_FUZZ_MEMORY_LIMIT_MB  (2048) libFuzzer -rss_limit_mb; the heap limit of memory_limit.cpp
#                               (both engines: AFL++'s fork server has no libFuzzer watcher)
#   SHYPE_FUZZ_MALLOC_LIMIT_MB  (1024) libFuzzer -malloc_limit_mb; ASan max_allocation_size_mb (AFL++)
#   SHYPE_FUZZ_MAX_LEN          (8192) libFuzzer -max_len (longer seeds are cut to it)
# and time: libFuzzer -max_total_time=SECONDS -timeout=25 per input; AFL++ -V SECONDS -t 5000+
# (seeds slower than 5 s are skipped); the CTest TIMEOUT bounds the whole run.
set -uo pipefail

engine=$1 bin=$2 secs=$3 scratch=$4 dict=$5
shift 5
name=$(basename "$bin")
mem=${SHYPE_FUZZ_MEMORY_LIMIT_MB:-2048} malloc=${SHYPE_FUZZ_MALLOC_LIMIT_MB:-1024} max_len=${SHYPE_FUZZ_MAX_LEN:-8192}
export SHYPE_FUZZ_MEMORY_LIMIT_MB=$mem

rm -rf "$scratch"
mkdir -p "$scratch/in" "$scratch/artifacts"
for d in "$@"; do
  [ -d "$d" ] || continue
  find "$d" -maxdepth 1 -type f ! -name 'README*' ! -name '.*' -exec cp {} "$scratch/in/" \;
done
seeds=$(find "$scratch/in" -type f | wc -l)
if [ "$seeds" -eq 0 ]; then
  echo "smoke: $name: no seeds in $*" >&2
  exit 1
fi

fail() {
  echo "smoke: $name $engine FAILED: $1" >&2
  tail -n 60 "$scratch/log" >&2
  exit 1
}

case "$engine" in
  libfuzzer)
    dictarg=()
    [ "$dict" != none ] && dictarg=(-dict="$dict")
    "$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb="$mem" -malloc_limit_mb="$malloc" -max_len="$max_len" -print_final_stats=1 \
      -artifact_prefix="$scratch/artifacts/" "${dictarg[@]}" "$scratch/in" >"$scratch/log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log" | tail -1)
    crashes=$(find "$scratch/artifacts" -type f | wc -l)
    echo "smoke: $name libfuzzer seeds=$seeds execs=${execs:-0} crashes=$crashes (memory ${mem} MiB, malloc ${malloc} MiB, max_len $max_len)"
    [ "$crashes" -eq 0 ] || grep -m3 -E '^SUMMARY: |^==[0-9]+== ERROR: libFuzzer|fuzz oracle violated' "$scratch/log" >&2
    [ "$rc" -eq 0 ] || fail "libFuzzer exited with $rc (artifacts in $scratch/artifacts)"
    [ "$crashes" -eq 0 ] || fail "$crashes artifacts in $scratch/artifacts"
    [ "${execs:-0}" -gt 0 ] || fail "no executions"
    ;;
  afl)
    export AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
    export AFL_FAST_CAL=1
    # afl-fuzz requires abort_on_error=1 and symbolize=0 whenever ASAN_OPTIONS is set.
    export ASAN_OPTIONS="abort_on_error=1:symbolize=0:detect_leaks=0:allocator_may_return_null=0:max_allocation_size_mb=$malloc"
    dictarg=()
    [ "$dict" != none ] && dictarg=(-x "$dict")
    # -m none: ASan reserves terabytes of address space; -t ...+: skip slow seeds rather than abort.
    afl-fuzz -i "$scratch/in" -o "$scratch/out" -V "$secs" -m none -t 5000+ "${dictarg[@]}" -- "$bin" >"$scratch/log" 2>&1
    rc=$?
    stats="$scratch/out/default/fuzzer_stats"
    [ -f "$stats" ] || fail "afl-fuzz wrote no fuzzer_stats (exit $rc)"
    field() { sed -n "s/^$1 *: *//p" "$stats"; }
    execs=$(field execs_done)
    crashes=$(field saved_crashes)
    hangs=$(field saved_hangs)
    echo "smoke: $name afl seeds=$seeds execs=${execs:-0} crashes=${crashes:-?} hangs=${hangs:-?} (memory ${mem} MiB, malloc ${malloc} MiB)"
    # A seed that crashes (or runs out of memory) or runs past -t in the dry run is skipped with
    # a warning, not counted in saved_crashes: that fails the smoke run too.
    skipped=$(grep -a -o 'Skipped [0-9]* test cases' "$scratch/log" | grep -o '[0-9]*' | head -1)
    if [ -n "$skipped" ] && [ "$skipped" -gt 0 ]; then
      bad_seeds=$(grep -a -o "Test case '[^']*' results in a crash" "$scratch/log" | sed -n "s/.*orig:\([^']*\)'.*/\1/p" | tr '\n' ' ')
      for f in $bad_seeds; do
        echo "--- seed $f" >&2
        "$bin" "$scratch/in/$f" 2>&1 | grep -a -m3 -E '^SUMMARY: |ERROR: |fuzz oracle violated' >&2
      done
      fail "AFL++ skipped $skipped seed(s) that crashed${bad_seeds:+ ($bad_seeds)} or ran past 5 s in its dry run"
    fi
    if [ "${crashes:-1}" != "0" ]; then
      for f in "$scratch"/out/default/crashes/id:*; do
        [ -f "$f" ] || continue
        echo "--- $f" >&2
        "$bin" "$f" 2>&1 | tail -n 30 >&2
      done
      fail "saved_crashes=${crashes:-missing}"
    fi
    [ "$rc" -eq 0 ] || fail "afl-fuzz exited with $rc"
    [ "${execs:-0}" -gt 0 ] || fail "no executions"
    ;;
  *)
    echo "usage: smoke.sh libfuzzer|afl BINARY SECONDS SCRATCH DICT|none SEED_DIR..." >&2
    exit 2
    ;;
esac
