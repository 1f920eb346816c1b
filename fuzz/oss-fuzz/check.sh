#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CI's check of the OSS-Fuzz build (CTest test <config>.fuzz.oss_fuzz_build): runs build.sh as the
# service would (clang-14, libFuzzer, ASan + UBSan, $OUT a scratch directory), checks what it
# wrote, and runs every fuzzer it produced for SECONDS on its unzipped seed corpus with the
# options of its .options file and its dictionary, as ClusterFuzzLite would. Fails if the script
# fails, a file is missing, a fuzzer is missing from the manifest's list, or a fuzzer crashes.
#
#   check.sh SCRATCH [SECONDS]     (default 4 s per fuzzer)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scratch=${1:?usage: check.sh SCRATCH [SECONDS]}
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
secs=${2:-4}
rm -rf "$scratch/out" "$scratch/run"
mkdir -p "$scratch/out" "$scratch/run" "$scratch/work"
# Flags as OSS-Fuzz's address build passes them (plus UBSan, which it builds separately).
export CC=clang-14 CXX=clang++-14
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export OUT=$scratch/out WORK=$scratch/work JOBS=${JOBS:-2}
start=$(date +%s)
bash "$here/build.sh" || { echo "check: build.sh failed" >&2; exit 1; }
echo "check: build.sh took $(( $(date +%s) - start )) s"

fail=0
targets=$(cut -d' ' -f1 "$WORK/shype-build/fuzz/fuzz-targets.txt")
[ -n "$targets" ] || { echo "check: no targets" >&2; exit 1; }
for t in $targets; do
  bin=$OUT/$t
  for f in "$bin" "$OUT/${t}_seed_corpus.zip" "$OUT/$t.options"; do
    [ -s "$f" ] || { echo "check: $t: $f missing or empty" >&2; fail=1; continue 2; }
  done
  [ -x "$bin" ] || { echo "check: $t: not executable" >&2; fail=1; continue; }
  # The options, as ClusterFuzzLite passes them: "key = value" lines of [libfuzzer].
  opts=()
  while IFS= read -r line; do
    [[ "$line" =~ ^([a-z_]+)\ *=\ *(.*)$ ]] && opts+=("-${BASH_REMATCH[1]}=${BASH_REMATCH[2]}")
  done <"$OUT/$t.options"
  printf '%s\n' "${opts[@]}" | grep -q '^-rss_limit_mb=[0-9]' || { echo "check: $t: no rss_limit_mb in $t.options" >&2; fail=1; }
  [ -f "$OUT/$t.dict" ] && opts+=("-dict=$OUT/$t.dict")
  corpus=$scratch/run/$t
  mkdir -p "$corpus"
  unzip -q -o "$OUT/${t}_seed_corpus.zip" -d "$corpus"
  seeds=$(find "$corpus" -type f | wc -l)
  "$bin" "${opts[@]}" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$scratch/run/$t-" "$corpus" >"$scratch/run/$t.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/run/$t.log" | tail -1)
  echo "check: $t: seeds=$seeds execs=${execs:-0} exit=$rc options: ${opts[*]}"
  if [ "$rc" -ne 0 ] || [ "${execs:-0}" -eq 0 ]; then
    grep -m5 -E '^SUMMARY|ERROR|oracle' "$scratch/run/$t.log" >&2
    fail=1
  fi
done
echo "check: total $(( $(date +%s) - start )) s"
exit "$fail"
