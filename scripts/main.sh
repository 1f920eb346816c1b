#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job: the sHype paper's customer-order scenario (Figure 2), live.
#  1. Builds the shype tool and the reference hypervisor (its production image, refhv.elf32),
#     compiling examples/customer-order/policy*.xml with `shype compile`.
#  2. Boots refhv in QEMU (TCG, AMD SVM + nested paging) with that policy: dom0, a device
#     domain serving vDisk Order and vDisk Ads, two Order VMs, an Advertising VM and a
#     Computing VM; a competitor refused by the Chinese Wall; a live policy change that
#     revokes a channel and a mapping the guests are using. The serial log is printed: what
#     each guest tried, every decision of the monitor (mac_trace=1), one REFHV-TEST line per
#     step, then the statistics and the denial log. The job fails on any unexpected decision
#     (QEMU exit status other than 33, a FAIL line, a missing step, a timeout). The machine has
#     a TPM (swtpm): refhv measures every policy it puts in force; at the end dom0 quotes with a
#     fresh nonce of this script's test, and `shype attest verify` checks the quote and prints
#     which policy the host enforces (it must be policy-v2, generation 2, both measured).
#  3. Runs the scenario's trace through the library offline (`shype simulate`) against
#     examples/customer-order/expected.jsonl.
# Environment: SHYPE_BUILD_DIR (default build/main).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${SHYPE_BUILD_DIR:-$root/build/main}
example=$root/examples/customer-order

"$root/scripts/install-deps.sh" main
# The build folder may not exist yet on a fresh clone; the logs sit beside it.
mkdir -p "$out"
cmake -S "$root" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++-12 \
  -DSHYPE_BUILD_TESTS=OFF -DSHYPE_BUILD_PROPTESTS=OFF -DSHYPE_BUILD_FUZZERS=OFF -DSHYPE_BUILD_REFHV=ON \
  -DSHYPE_BUILD_ADAPTERS=OFF -DSHYPE_SYSTEM_TESTS=ON >"$out.configure.log" 2>&1 || { cat "$out.configure.log"; exit 1; }
cmake --build "$out" --target shype_cli refhv refhv-image-dom0 refhv-image-testguest refhv-policy-customer-order \
  refhv-policy-customer-order-v2 refhv-policy-customer-order-v3 >"$out.build.log" 2>&1 || { tail -50 "$out.build.log"; exit 1; }

echo "== the customer-order scenario on refhv (QEMU, AMD SVM + NPT), policy $example/policy.xml"
# The registered boot test (refhv.customer_order): one command line, one expected case count.
status=0
ctest --test-dir "$out" -R '^refhv\.customer_order$' -V --timeout 180 >"$out.ctest.log" 2>&1 || status=$?
sed -nE 's/^[0-9]+: //p' "$out.ctest.log" | grep -v '^Test command:' || true
if [ "$status" -ne 0 ] || ! grep -q '^[0-9]*: PASS refhv.customer-order' "$out.ctest.log"; then
  tail -20 "$out.ctest.log" >&2
  echo "== the live scenario did not go as the paper expects" >&2
  exit 1
fi
echo "== every decision of the live scenario as expected; the host's attestation verified (above)"

shype=$out/tools/shype
echo "== offline: the scenario's trace through the library (shype simulate)"
"$shype" compile "$example/policy.xml" -o "$out/customer-order.bin"
"$shype" check "$out/customer-order.bin"
"$shype" simulate "$out/customer-order.bin" "$example/trace.txt" >"$out/customer-order.jsonl"
if diff -u "$example/expected.jsonl" "$out/customer-order.jsonl"; then
  echo "== every simulated decision as expected ($(wc -l <"$out/customer-order.jsonl") operations)"
else
  echo "== simulated decisions differ from $example/expected.jsonl" >&2
  exit 1
fi
