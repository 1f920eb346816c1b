#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The benchmark (not a test): event-channel sends and grant map/unmap round trips per second
# under the null policy and under Chinese Wall + TE, alternating in one QEMU run of the
# production image (dom0 suite "bench").
#   refhv/tests/bench.sh [BUILD_DIR]     (default build/ci/gcc/refhv, what scripts/test.sh builds)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$here/../../build/ci/gcc/refhv}
for f in refhv.elf32 dom0.bin testguest.bin policies/test.bin policies/null.bin; do
  [[ -r $build/$f ]] || { echo "bench: $build/$f missing (build refhv first)" >&2; exit 2; }
done
log=$(mktemp "${TMPDIR:-/tmp}/refhv-bench.XXXXXX.log")
"$here/run-qemu-test.sh" --qemu "$(command -v qemu-system-x86_64)" --kernel "$build/refhv.elf32" --suite bench \
  --cases 2 --timeout 300 --log "$log" \
  -- "$build/dom0.bin suite=bench" "$build/policies/test.bin" "$build/testguest.bin" "$build/policies/null.bin" >/dev/null
grep '^bench:' "$log"
