#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What the fuzz corpora reach: `fuzz/run --coverage [--targets "..."] [--corpus DIR] [--out DIR]`
# runs this. Builds build/fuzz-coverage (clang-14 with -fprofile-instr-generate
# -fcoverage-mapping, no sanitizer: the replay binaries), replays each target's seeds (corpus,
# crash regressions, extra seeds; plus DIR/<target>/ of --corpus, e.g. a campaign's minimised
# corpus), merges the profiles with llvm-profdata-14 and reports with llvm-cov-14 over the code
# the targets are there for: include/shype/, the tool's parsers (tools/lib), the libvirt
# adapter (adapters/libvirt/src) and the C ABI (adapters/c). Writes to OUT:
#   summary.txt    per file: code lines, lines some target reached, cover (union of the targets)
#   summary-T.txt  llvm-cov report of target T: regions, functions, lines, branches per file
#   html/T/        llvm-cov show of target T, line by line
#   unreached.txt  per file, the code lines no target executed (ranges), for docs/evidence.md
# Usage: coverage.sh OUT "TARGETS" [CORPUS_DIR]   (TARGETS "": every target of the build's manifest)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$1 targets=$2 extra=${3:-}
build=$root/build/fuzz-coverage
mkdir -p "$out/profiles"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
    -DCMAKE_CXX_FLAGS="-fprofile-instr-generate -fcoverage-mapping" -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
    -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" -DSHYPE_BUILD_TESTS=OFF -DSHYPE_BUILD_PROPTESTS=OFF \
    -DSHYPE_BUILD_REFHV=OFF -DSHYPE_SYSTEM_TESTS=OFF >"$out/configure.log" 2>&1 ||
    { cat "$out/configure.log" >&2; exit 2; }
fi
[ -n "$targets" ] || targets=$(cut -d' ' -f1 "$build/fuzz/fuzz-targets.txt" | tr '\n' ' ')  # empty: all
bins=()
for t in $targets; do bins+=("fuzz_${t}_replay"); done
cmake --build "$build" -j "${JOBS:-2}" --target "${bins[@]}" >"$out/build.log" 2>&1 ||
  { tail -40 "$out/build.log" >&2; echo "coverage: build failed ($out/build.log)" >&2; exit 2; }

declare -A seeds_of
while read -r t _ _ _ _ seeds; do seeds_of[$t]=$seeds; done <"$build/fuzz/fuzz-targets.txt"
for t in $targets; do
  dirs=(${seeds_of[$t]})
  [ -n "$extra" ] && [ -d "$extra/$t" ] && dirs+=("$extra/$t")
  LLVM_PROFILE_FILE="$out/profiles/$t-%p.profraw" SHYPE_FUZZ_MEMORY_LIMIT_MB=0 \
    "$build/fuzz/fuzz_${t}_replay" "${dirs[@]}" >"$out/replay-$t.log" 2>&1 ||
    { tail -5 "$out/replay-$t.log" >&2; echo "coverage: replay of $t failed" >&2; exit 1; }
  echo "coverage: $t: $(tail -1 "$out/replay-$t.log")"
done
# Per target: its own profile and binary (one llvm-cov over all binaries at once drops the
# header functions whose instances differ between binaries as "mismatched data"). The union is
# taken line by line from the targets' lcov exports: a line is reached if any target reached it.
filter=(-ignore-filename-regex='(^/usr/|/fuzz/|/proptests/|/tests/|/build/)')
keep='/include/shype/|/tools/lib/|/adapters/libvirt/src/|/adapters/c/'
mkdir -p "$out/lcov"
for t in $targets; do
  llvm-profdata-14 merge -sparse "$out"/profiles/"$t"-*.profraw -o "$out/$t.profdata"
  bin=$build/fuzz/fuzz_${t}_replay
  llvm-cov-14 report -instr-profile="$out/$t.profdata" "$bin" "${filter[@]}" >"$out/summary-$t.txt"
  llvm-cov-14 show -format=html -output-dir="$out/html/$t" -instr-profile="$out/$t.profdata" "$bin" "${filter[@]}"
  llvm-cov-14 export -format=lcov -instr-profile="$out/$t.profdata" "$bin" "${filter[@]}" >"$out/lcov/$t.info"
  echo "coverage: $t: $(tail -1 "$out/summary-$t.txt" | awk '{print "lines " $10 ", branches " $13}')"
done
# summary.txt: per file (of the code under test), code lines, lines reached by some target, cover;
# unreached.txt: the lines no target reached, as ranges.
cat "$out"/lcov/*.info | awk -v root="$root/" -v keep="$keep" -v unreached="$out/unreached.txt" '
  /^SF:/ { f = substr($0, 4); use = f ~ keep; sub(root, "", f); next }
  /^DA:/ && use { split(substr($0, 4), a, ","); k = f SUBSEP (a[1] + 0); if (!(k in c)) { c[k] = 0; n[f]++; lines[f] = lines[f] " " (a[1] + 0) }
                  if (a[2] > 0 && c[k] == 0) { c[k] = 1; hit[f]++ } next }
  END {
    printf "%-70s %8s %8s %7s\n", "file", "lines", "reached", "cover" > "/dev/stdout"
    for (f in n) {
      printf "%-70s %8d %8d %6.1f%%\n", f, n[f], hit[f], 100 * hit[f] / n[f]
      tl += n[f]; th += hit[f]
      m = split(substr(lines[f], 2), L, " "); cnt = 0
      for (i = 1; i <= m; i++) if (c[f SUBSEP L[i]] == 0) Z[++cnt] = L[i]
      if (cnt == 0) continue
      # sort Z numerically (insertion sort: files are small)
      for (i = 2; i <= cnt; i++) { v = Z[i]; j = i - 1; while (j > 0 && Z[j] > v) { Z[j + 1] = Z[j]; j-- } Z[j + 1] = v }
      s = ""; i = 1
      while (i <= cnt) { j = i; while (j < cnt && Z[j + 1] == Z[j] + 1) j++; s = s (s == "" ? "" : ",") (i == j ? Z[i] : Z[i] "-" Z[j]); i = j + 1 }
      printf "%s (%d lines): %s\n", f, cnt, s > unreached
    }
    printf "%-70s %8d %8d %6.1f%%\n", "TOTAL", tl, th, 100 * th / tl
  }' | { read -r header; echo "$header"; sort; } >"$out/summary.txt"
sort -o "$out/unreached.txt" "$out/unreached.txt"
grep '^TOTAL' "$out/summary.txt" | sed 's/^/coverage: union of all targets: /'
echo "coverage: $out/summary.txt (per file), $out/unreached.txt (lines no target reaches), $out/html/<target>/index.html"
