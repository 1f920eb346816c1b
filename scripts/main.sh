#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job: the sHype paper's customer-order scenario (Figure 2) through the monitor.
# Builds the shype tool, compiles the example policy, and runs the scenario's trace through the
# library with `shype simulate`, printing one JSON line per operation; the job fails if any
# decision differs from the expected one. Environment: SHYPE_BUILD_DIR (default build/main).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${SHYPE_BUILD_DIR:-$root/build/main}
example=$root/examples/customer-order

"$root/scripts/install-deps.sh" main
cmake -S "$root" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=g++-12 \
  -DSHYPE_BUILD_TESTS=OFF -DSHYPE_BUILD_PROPTESTS=OFF -DSHYPE_BUILD_FUZZERS=OFF -DSHYPE_BUILD_REFHV=OFF \
  -DSHYPE_BUILD_ADAPTERS=OFF >"$out.configure.log" 2>&1 || { cat "$out.configure.log"; exit 1; }
cmake --build "$out" --target shype_cli >"$out.build.log" 2>&1 || { tail -50 "$out.build.log"; exit 1; }
shype=$out/tools/shype

echo "== policy: $example/policy.xml"
"$shype" compile "$example/policy.xml" -o "$out/customer-order.bin"
"$shype" check "$out/customer-order.bin"
echo "== trace: $example/trace.txt"
"$shype" simulate "$out/customer-order.bin" "$example/trace.txt" | tee "$out/customer-order.jsonl"
if diff -u "$example/expected.jsonl" "$out/customer-order.jsonl"; then
  echo "== every decision as expected"
else
  echo "== decisions differ from $example/expected.jsonl" >&2
  exit 1
fi
