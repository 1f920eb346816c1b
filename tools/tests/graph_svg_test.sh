#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# shype graph --svg renders through Graphviz. Skipped (exit 77, the test's SKIP_RETURN_CODE) when
# `dot` is not installed: a missing renderer must not pass as a rendered picture.
#   graph_svg_test.sh SHYPE POLICY OUT_DIR
set -u
shype=$1 policy=$2 out=$3
if ! command -v dot >/dev/null 2>&1; then
  echo "Graphviz dot is not installed: skipped"
  exit 77
fi
mkdir -p "$out" || exit 1
rm -f "$out/policy.svg" "$out/policy.dot" "$out/flows.svg"
"$shype" graph "$policy" -o "$out/policy.dot" --svg "$out/policy.svg" || { echo "shype graph failed"; exit 1; }
grep -q "<svg" "$out/policy.svg" || { echo "no <svg> element in $out/policy.svg"; exit 1; }
# Every label of the policy is drawn (dot keeps node labels as <text> elements).
for label in dom_Management dom_VirtualDisk dom_Order dom_Ads_Alpha dom_Ads_Beta dom_Computing vdisk_Order; do
  grep -q ">$label<" "$out/policy.svg" || { echo "label $label missing from the SVG"; exit 1; }
done
[ -z "$(ls -A "$out" | grep -v "^policy\.\(svg\|dot\)$")" ] || { echo "temporary file left behind: $(ls -A "$out")"; exit 1; }
# graph --flows (issue 14): the flow graph, its relays marked; a plain workload is not one.
"$shype" graph --flows "$policy" --svg "$out/flows.svg" || { echo "shype graph --flows failed"; exit 1; }
grep -q "<svg" "$out/flows.svg" || { echo "no <svg> element in $out/flows.svg"; exit 1; }
for label in dom_Management dom_VirtualDisk; do
  grep -A1 ">$label<" "$out/flows.svg" | grep -q ">(relay)<" || { echo "relay $label not marked in the flow SVG"; exit 1; }
done
grep -A1 ">dom_Order<" "$out/flows.svg" | grep -q ">(relay)<" && { echo "dom_Order marked as a relay"; exit 1; }
grep -q "#ffb347" "$out/flows.svg" || { echo "no relay fill colour in the flow SVG"; exit 1; }
echo "SVG written"
