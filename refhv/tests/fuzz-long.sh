#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A long run of the in-guest hypercall fuzzer (the CI test, refhv.fuzz, runs 8 seconds):
#   refhv/tests/fuzz-long.sh SECONDS SEED [BUILD_DIR]
# BUILD_DIR is where refhv was built: the tree's build directory's refhv/ (default
# build/ci/gcc/refhv, what scripts/test.sh builds) or a standalone build of refhv/.
# dom0 and up to four fuzzing domUs issue random hypercalls for SECONDS with SEED; the
# checked image (refhv-test.elf32) verifies every isolation invariant after each one and
# stops with status 37 on a violation. Passes like any boot test; prints the counts.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
seconds=${1:?usage: fuzz-long.sh SECONDS SEED [BUILD_DIR]}
seed=${2:?usage: fuzz-long.sh SECONDS SEED [BUILD_DIR]}
build=${3:-$here/../../build/ci/gcc/refhv}
[[ $seconds =~ ^[0-9]+$ && $seed =~ ^[0-9]+$ ]] || { echo "fuzz-long: SECONDS and SEED are numbers" >&2; exit 2; }
for f in refhv-test.elf32 dom0.bin testguest.bin policies/test.bin policies/test-v2.bin policies/customer-order.bin; do
  [[ -r $build/$f ]] || { echo "fuzz-long: $build/$f missing (build refhv first)" >&2; exit 2; }
done
log=${FUZZ_LOG:-$(mktemp "${TMPDIR:-/tmp}/refhv-fuzz-$seed.XXXXXX.log")}
"$here/run-qemu-test.sh" --qemu "$(command -v qemu-system-x86_64)" --kernel "$build/refhv-test.elf32" \
  --suite fuzz --cases 4 --timeout $((seconds + 180)) --append dom0_mem=4 --log "$log" \
  --expect-line "^refhv: invariants: [0-9]+ checks, all held" \
  -- "$build/dom0.bin suite=fuzz seconds=$seconds seed=$seed" "$build/policies/test.bin" "$build/testguest.bin" \
     "$build/policies/test-v2.bin" "$build/policies/customer-order.bin"
grep -E '^REFHV-TEST v1 CASE (fuzzed|policy_in)|^refhv: invariants:' "$log"
echo "fuzz-long: seed $seed, ${seconds}s; serial log $log"
