#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every include/shype header must compile in refhv's environment: the hypervisor's exact
# freestanding flags (-mno-sse -mno-red-zone ...) and warnings, with object code generated,
# since refhv will embed the library for its MAC decisions. This catches what the flags make
# illegal in the headers themselves (e.g. floating point in any function that is emitted, or
# -mgeneral-regs-only rejecting long double); inline code only instantiated by a user is
# checked when refhv itself compiles it. -O0 -g0 are appended to keep it quick; it runs one
# compiler per CPU.
#   check-shype-headers.sh <c++ compiler> <include dir> <flags...>
set -u
cxx=$1 inc=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jobs=$(nproc 2>/dev/null || echo 2)

check() {  # header -> writes $tmp/<id>.fail on failure
  local h=$1 id name out
  name=shype/$(basename "$h")
  id=$(basename "$h" .hpp)
  printf '#include <%s>\n#include <%s>\nint refhv_header_check();\nint refhv_header_check() { return 0; }\n' \
    "$name" "$name" >"$tmp/$id.cpp"
  if ! out=$("$cxx" "${flags[@]}" -O0 -g0 -I"$inc" -c "$tmp/$id.cpp" -o "$tmp/$id.o" 2>&1) || [[ -n $out ]]; then
    { echo "FAIL $name"; echo "$out" | head -20; } >"$tmp/$id.fail"
  fi
}
flags=("$@")
n=0
for h in "$inc"/shype/*.hpp; do
  n=$((n + 1))
  check "$h" &
  while [[ $(jobs -r | wc -l) -ge $jobs ]]; do wait -n; done
done
wait
bad=0
for f in "$tmp"/*.fail; do
  [[ -e $f ]] || continue
  bad=$((bad + 1))
  cat "$f"
done
echo "$n headers, $bad failed in refhv's freestanding environment"
[[ $n -gt 0 && $bad -eq 0 ]]
