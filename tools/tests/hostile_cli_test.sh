#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The real `shype` binary in a hostile environment (issue 11, 2a, 2e, 2g):
#  - every output file (compile -o, dump -o, export-selinux -o, graph [--flows] -o) written past `ulimit -f`
#    fails with a one-line error and exit 3, and the old file is still there, byte for byte, with
#    no temporary file left beside it;
#  - standard output on a full device (> /dev/full) is a one-line error and exit 3 for every
#    command, not a silent exit code;
#  - a directory where a file is expected is exit 3 with one line, never an abort (SIGABRT, 134);
#  - simulate keeps every answer it made, around a `load` of a directory and when memory runs out.
#   hostile_cli_test.sh SHYPE POLICY.xml OUT_DIR
set -u
shype=$1 policy=$2 out=$3
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

rm -rf "$out" && mkdir -p "$out" || exit 1
"$shype" compile "$policy" -o "$out/old.bin" >/dev/null || { echo "cannot compile $policy"; exit 1; }
trace=$out/trace.txt
printf 'create a dom_Management\ncreate b dom_Idle\nbind a b\n' >"$trace"

# Writes under `ulimit -f 0`: nothing can be written, every old file must survive.
writers="compile:$policy:-o dump:$policy:-o dump:--xml:$policy:-o export-selinux:$policy:-o graph:$policy:-o graph:--flows:$policy:-o"
command -v dot >/dev/null 2>&1 && writers="$writers graph:$policy:--svg"  # Graphviz renders, shype replaces
for writer in $writers; do
  cmd=$(echo "$writer" | tr ':' ' ')
  target=$out/target
  printf 'the old file\n' >"$target"
  # shellcheck disable=SC2086 # $cmd is the words of a command line
  msg=$( (ulimit -f 0; exec "$shype" $cmd "$target") 2>&1 >/dev/null)
  rc=$?
  [ "$rc" -eq 3 ] || fail "$cmd under ulimit -f 0: exit $rc, expected 3"
  case $msg in
    "$target: cannot write: File too large; the old file is unchanged") ;;
    *) fail "$cmd under ulimit -f 0: message '$msg'" ;;
  esac
  [ "$(cat "$target")" = "the old file" ] || fail "$cmd under ulimit -f 0: the old file was changed"
  leftover=$(ls -A "$out" | grep -v -x -e old.bin -e target -e trace.txt)
  [ -z "$leftover" ] || fail "$cmd under ulimit -f 0: left behind: $leftover"
  rm -f "$target"
done

# Standard output on a full device.
for cmd in "check $policy" "dump $policy" "dump --xml $out/old.bin" "diff $policy $out/old.bin" "graph $policy" \
           "export-selinux $policy" "simulate $policy $trace" "analyze $policy" "analyze $policy --json" "graph --flows $policy" "--help"; do
  # shellcheck disable=SC2086
  msg=$("$shype" $cmd 2>&1 >/dev/full)
  rc=$?
  [ "$rc" -eq 3 ] || fail "$cmd > /dev/full: exit $rc, expected 3"
  case $msg in
    "shype"*": cannot write standard output: No space left on device") ;;
    *) fail "$cmd > /dev/full: message '$msg'" ;;
  esac
done

# A directory where a file is expected: one line, exit 3, no abort.
mkdir -p "$out/dir"
for cmd in "check $out/dir" "compile $out/dir -o $out/x.bin" "dump $out/dir" "diff $out/dir $policy" "graph $out/dir" \
           "export-selinux $out/dir" "simulate $out/dir $trace" "simulate $policy $out/dir" "analyze $out/dir" \
           "check $policy --assert $out/dir" "compile $policy -o $out/x.bin --assert $out/dir"; do
  # shellcheck disable=SC2086
  msg=$("$shype" $cmd 2>&1 >/dev/null)
  rc=$?
  [ "$rc" -eq 3 ] || fail "$cmd: exit $rc, expected 3"
  first=$(printf '%s\n' "$msg" | head -n 1)
  [ "$first" = "$out/dir: is a directory, not a file" ] || fail "$cmd: message '$msg'"
done

# simulate keeps every answer, also around a `load` of a directory.
printf 'create a dom_Management\nload dir\ncreate b dom_Idle\n' >"$out/load-dir.txt"
lines=$("$shype" simulate "$policy" "$out/load-dir.txt" | wc -l)
[ "$lines" -eq 3 ] || fail "simulate with 'load dir': $lines lines of output, expected 3"

# Out of memory in the middle of a simulation (40 hosts of 2.5 MB under a 100 MB address space):
# one line, exit 3, and every answer made before it is in the output, whole. Skipped where the
# binary cannot even start under the limit (sanitizers reserve terabytes of address space).
if (ulimit -v 100000; exec "$shype" --help) >/dev/null 2>&1; then
  : >"$out/hosts.txt"
  i=0
  while [ $i -lt 40 ]; do echo "create d$i dom_Idle h$i" >>"$out/hosts.txt"; i=$((i + 1)); done
  msg=$( (ulimit -v 100000; exec "$shype" simulate "$policy" "$out/hosts.txt") 2>&1 >"$out/hosts.jsonl")
  rc=$?
  [ "$rc" -eq 3 ] || fail "simulate out of memory: exit $rc, expected 3"
  [ "$msg" = "shype: out of memory" ] || fail "simulate out of memory: message '$msg'"
  made=$(grep -c '^{"line":[0-9]*,"op":"create","decision":"permit"}$' "$out/hosts.jsonl")
  all=$(wc -l <"$out/hosts.jsonl")
  [ "$made" -ge 1 ] && [ "$made" -eq "$all" ] || fail "simulate out of memory: $made whole answers of $all lines"
else
  echo "skipped the out-of-memory case: the binary does not start under ulimit -v 100000"
fi

[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "all hostile command lines behaved"
