#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# shype graph --flows --svg renders the flow graph through Graphviz, relays marked. Skipped (exit
# 77, the test's SKIP_RETURN_CODE) when `dot` is not installed.
#   graph_flows_svg_test.sh SHYPE POLICY OUT_DIR
set -u
shype=$1 policy=$2 out=$3
if ! command -v dot >/dev/null 2>&1; then
  echo "Graphviz dot is not installed: skipped"
  exit 77
fi
mkdir -p "$out" || exit 1
rm -f "$out/flows.svg"
"$shype" graph --flows "$policy" --svg "$out/flows.svg" || { echo "shype graph --flows failed"; exit 1; }
grep -q "<svg" "$out/flows.svg" || { echo "no <svg> element in $out/flows.svg"; exit 1; }
# The relays of the customer-order policy carry their mark; a plain workload does not.
for label in dom_Management dom_VirtualDisk; do
  grep -A1 ">$label<" "$out/flows.svg" | grep -q ">(relay)<" || { echo "relay $label not marked in the SVG"; exit 1; }
done
grep -A1 ">dom_Order<" "$out/flows.svg" | grep -q ">(relay)<" && { echo "dom_Order marked as a relay"; exit 1; }
grep -q "#ffb347" "$out/flows.svg" || { echo "no relay fill colour in the SVG"; exit 1; }
echo "flow SVG written"
