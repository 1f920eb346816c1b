#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Boot refhv in QEMU (TCG, AMD SVM + NPT) and judge the run by the REFHV-TEST v1 line
# protocol that dom0 prints on COM1 and by QEMU's isa-debug-exit status.
#
#   run-qemu-test.sh --qemu QEMU --kernel refhv.elf32 --suite NAME --cases N
#                    [--timeout SEC] [--cpu MODEL] [--append CMDLINE] [--memory MB]
#                    [--expect-status N] [--expect-line REGEX]... [--no-protocol]
#                    [--log FILE] [--show-log] [--tpm SOCKET] -- MODULE [MODULE ...]
#
# A MODULE is "path [args]": the first is dom0 (its args are its command line).
# Passes only if: QEMU exits with --expect-status (default 33 = REFHV_QEMU_EXIT_SUCCESS)
# before the timeout; exactly one "BEGIN <suite>" and one "END <suite> cases=N" frame the
# CASE lines; every CASE passed; the END count equals the number of CASE lines and --cases;
# no case name repeats; no protocol line is malformed; no "refhv: PANIC" unless expected;
# and every --expect-line regex matched. A bare exit 0 (triple fault with -no-reboot) fails.
# The serial log is printed on failure, and always with --show-log. --tpm gives the machine a
# TPM 2.0 (tpm-tis) backed by the swtpm listening on SOCKET (the caller starts and stops it).
set -u

qemu=qemu-system-x86_64 kernel= suite= cases= timeout_s=90 cpu="qemu64,+svm,+npt" append= memory=128
expect_status=33 protocol=1 log= show_log=0
expect_lines=() tpm_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --qemu) qemu=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --suite) suite=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    --expect-status) expect_status=$2; shift 2 ;;
    --expect-line) expect_lines+=("$2"); shift 2 ;;
    --no-protocol) protocol=0; shift ;;
    --log) log=$2; shift 2 ;;
    --show-log) show_log=1; shift ;;
    --tpm) tpm_args=(-chardev "socket,id=chrtpm,path=$2" -tpmdev emulator,id=tpm0,chardev=chrtpm
                     -device tpm-tis,tpmdev=tpm0); shift 2 ;;
    --) shift; break ;;
    *) echo "run-qemu-test: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
modules=("$@")
if [[ -z $kernel || -z $suite || ( $protocol == 1 && -z $cases ) || ${#modules[@]} -eq 0 ]]; then
  echo "run-qemu-test: need --kernel, --suite, --cases and at least one module" >&2
  exit 2
fi
for m in "${modules[@]}"; do
  f=${m%% *}
  [[ -r $f ]] || { echo "run-qemu-test: module '$f' not readable" >&2; exit 2; }
  [[ $m != *,* ]] || { echo "run-qemu-test: module '$m' contains a comma" >&2; exit 2; }
done
[[ -r $kernel ]] || { echo "run-qemu-test: kernel '$kernel' not readable" >&2; exit 2; }

initrd=$(IFS=,; echo "${modules[*]}")
[[ -n $log ]] || log=$(mktemp "${TMPDIR:-/tmp}/refhv-${suite}.XXXXXX.log")

start=$(date +%s.%N)
timeout --kill-after=5 "$timeout_s" "$qemu" -accel tcg -machine q35 -cpu "$cpu" -m "${memory}M" \
  -display none -serial stdio -monitor none -no-reboot -nodefaults \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${tpm_args[@]}" \
  -kernel "$kernel" -append "$append" -initrd "$initrd" </dev/null >"$log" 2>&1
status=$?
end=$(date +%s.%N)
elapsed=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')

fail() {
  echo "---- serial log ($log) ----"
  tr -d '\r' <"$log"
  echo "---- end of log ----"
  echo "FAIL refhv.$suite: $*"
  exit 1
}

tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"
if [[ $show_log == 1 ]]; then
  echo "---- serial log ($log) ----"
  cat "$log"
  echo "---- end of log ----"
  fail() { echo "FAIL refhv.$suite: $*"; exit 1; }  # the log is already out
fi

if [[ $status -eq 124 || $status -eq 137 ]]; then fail "timeout after ${timeout_s}s"; fi
if [[ $status -ne $expect_status ]]; then
  fail "QEMU exit status $status, expected $expect_status (33 success, 35 failure, 37 panic, 39 no SVM; 0 = reset/triple fault)"
fi
if [[ $expect_status -ne 37 ]] && grep -q '^refhv: PANIC' "$log"; then fail "hypervisor panic"; fi
for re in "${expect_lines[@]}"; do
  grep -Eq -- "$re" "$log" || fail "no line matches /$re/"
done

if [[ $protocol == 1 ]]; then
  awk -v suite="$suite" -v want="$cases" '
    function bad(msg) { print "protocol: " msg; err = 1 }
    /^REFHV-TEST / {
      if ($2 != "v1") { bad("unknown protocol version: " $0); next }
      if ($3 == "BEGIN") {
        if (NF != 4 || $4 != suite) bad("bad BEGIN: " $0)
        if (begun) bad("second BEGIN: " $0)
        if (ended) bad("BEGIN after END: " $0)
        begun = 1; next
      }
      if ($3 == "CASE") {
        if (!begun || ended) bad("CASE outside BEGIN/END: " $0)
        if (NF < 5 || ($5 != "PASS" && $5 != "FAIL")) { bad("malformed CASE: " $0); next }
        if ($4 in seen) bad("duplicate case " $4)
        seen[$4] = 1; n++
        if ($5 == "FAIL") { failed++; print "failed: " $0 }
        next
      }
      if ($3 == "END") {
        if (!begun || ended) bad("unexpected END: " $0)
        if (NF != 5 || $4 != suite || $5 !~ /^cases=[0-9]+$/) { bad("malformed END: " $0); next }
        ended = 1; declared = substr($5, 7) + 0; next
      }
      bad("unknown protocol line: " $0)
    }
    END {
      if (!begun) bad("no BEGIN line")
      if (!ended) bad("no END line (the run stopped early)")
      if (ended && declared != n) bad("END says cases=" declared " but " n " CASE lines were printed")
      if (n != want) bad(n " cases ran, the test expects " want)
      if (failed) bad(failed " case(s) failed")
      exit err
    }' "$log" >"$log.check" || { cat "$log.check"; rm -f "$log.check"; fail "protocol check"; }
  rm -f "$log.check"
  echo "PASS refhv.$suite: $cases cases in ${elapsed}s (QEMU status $status)"
else
  echo "PASS refhv.$suite: status $status in ${elapsed}s"
fi
grep -E '^refhv: exit:' "$log" || true
