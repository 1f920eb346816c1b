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
rm -f "$out/policy.svg" "$out/policy.dot"
"$shype" graph "$policy" -o "$out/policy.dot" --svg "$out/policy.svg" || { echo "shype graph failed"; exit 1; }
grep -q "<svg" "$out/policy.svg" || { echo "no <svg> element in $out/policy.svg"; exit 1; }
# Every label of the policy is drawn (dot keeps node labels as <text> elements).
for label in dom_Management dom_VirtualDisk dom_Order dom_Ads_Alpha dom_Ads_Beta dom_Computing vdisk_Order; do
  grep -q ">$label<" "$out/policy.svg" || { echo "label $label missing from the SVG"; exit 1; }
done
[ -z "$(ls -A "$out" | grep -v "^policy\.\(svg\|dot\)$")" ] || { echo "temporary file left behind: $(ls -A "$out")"; exit 1; }
echo "SVG written"
