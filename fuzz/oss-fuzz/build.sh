#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds every fuzz target the way OSS-Fuzz and ClusterFuzzLite expect (their build.sh calls this):
#
#   CC=... CXX=... CFLAGS=... CXXFLAGS=... LIB_FUZZING_ENGINE=... OUT=... fuzz/oss-fuzz/build.sh
#
# Honours $CC, $CXX, $CFLAGS, $CXXFLAGS (the sanitizer and coverage flags of the build the
# service asks for, with -fsanitize=fuzzer-no-link for libFuzzer) and $LIB_FUZZING_ENGINE (the
# engine's link flags: -fsanitize=fuzzer, or AFL++'s/honggfuzz's driver). Writes to $OUT, for
# each target T (the list and every limit come from fuzz/CMakeLists.txt, through the build's
# fuzz/fuzz-targets.txt manifest):
#   T                    the fuzzer
#   T_seed_corpus.zip    its corpus, crash regressions and extra seeds (flat, one level)
#   T.dict               its dictionary, when it has one
#   T.options            [libfuzzer] rss_limit_mb, malloc_limit_mb, max_len, timeout
# Optional: $WORK (build directory; default $OUT/.work as OSS-Fuzz's $WORK is), $SRC_ROOT (the
# repository; default: this script's), $JOBS (default: CPUs). Without $CC etc. it uses clang-14
# and libFuzzer with ASan + UBSan, as scripts/test.sh's CTest test oss_fuzz_build does.
set -euo pipefail
root=${SRC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
: "${OUT:?OUT must name the output directory}"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CC=${CC:-clang-14}
CXX=${CXX:-clang++-14}
CFLAGS=${CFLAGS:--O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link}
CXXFLAGS=${CXXFLAGS:-$CFLAGS}
LIB_FUZZING_ENGINE=${LIB_FUZZING_ENGINE:--fsanitize=fuzzer}
work=${WORK:-$OUT/.work}/shype-build
jobs=${JOBS:-$(nproc)}
mkdir -p "$OUT" "$work"

echo "oss-fuzz build: CXX=$CXX CXXFLAGS=$CXXFLAGS LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE OUT=$OUT"
# Only what the fuzzers link: the library, the tool's libraries, the adapters. -Werror stays off:
# the service's compiler may be newer than the ones CI holds warnings to.
cmake -S "$root" -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_C_FLAGS_RELEASE="" -DCMAKE_CXX_FLAGS_RELEASE="" \
  -DSHYPE_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DSHYPE_SANITIZE= -DSHYPE_WERROR=OFF \
  -DSHYPE_BUILD_TESTS=OFF -DSHYPE_BUILD_PROPTESTS=OFF -DSHYPE_BUILD_REFHV=OFF -DSHYPE_BUILD_BENCHMARKS=OFF \
  -DSHYPE_BUILD_TOOLS=ON -DSHYPE_BUILD_ADAPTERS=ON -DSHYPE_SYSTEM_TESTS=OFF >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log" >&2; echo "oss-fuzz build: configuring failed" >&2; exit 1; }
cmake --build "$work" -j "$jobs" --target shype_fuzzers >"$work/build.log" 2>&1 ||
  { grep -E -B2 -A12 'error|FAILED' "$work/build.log" | head -100 >&2; echo "oss-fuzz build: building failed ($work/build.log)" >&2; exit 1; }

manifest=$work/fuzz/fuzz-targets.txt
[ -s "$manifest" ] || { echo "oss-fuzz build: no targets in $manifest" >&2; exit 1; }
count=0
while read -r t mem malloc max_len dict seeds; do
  cp "$work/fuzz/fuzz_$t" "$OUT/$t"
  # Seeds: flat (zip -j), no README, named by content so two directories cannot collide.
  stage=$work/seeds/$t
  rm -rf "$stage" "$OUT/${t}_seed_corpus.zip"
  mkdir -p "$stage"
  for d in $seeds; do
    [ -d "$d" ] || continue
    find "$d" -maxdepth 1 -type f ! -name 'README*' ! -name '.*' -print0 |
      while IFS= read -r -d '' f; do cp "$f" "$stage/$(sha1sum "$f" | cut -c1-40)"; done
  done
  n=$(find "$stage" -type f | wc -l)
  [ "$n" -gt 0 ] || { echo "oss-fuzz build: $t has no seeds" >&2; exit 1; }
  (cd "$stage" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  if [ "$dict" != none ]; then cp "$dict" "$OUT/$t.dict"; fi
  # OSS-Fuzz's own timeout (25 s) and memory limit (2560 MB) are looser: these make a blow-up a crash.
  {
    echo "[libfuzzer]"
    echo "rss_limit_mb = $mem"
    echo "malloc_limit_mb = $malloc"
    echo "max_len = $max_len"
    echo "timeout = 25"
  } >"$OUT/$t.options"
  echo "oss-fuzz build: $t: $n seeds, memory $mem MiB, max_len $max_len$([ "$dict" != none ] && echo ", dictionary")"
  count=$((count + 1))
done <"$manifest"
echo "oss-fuzz build: $count fuzzers in $OUT"
