# SPDX-License-Identifier: Apache-2.0
# Shared by the QEMU boot tests (boot.sh, xl-boot.sh; sourced): boot Xen and check its serial log.
#
# boot_xen LOG XEN TIMEOUT_S APPEND INITRD: boots XEN under QEMU (TCG, one CPU, 1.5 GB) with Xen's
# command line APPEND and the Multiboot modules INITRD (comma-separated), the serial port in
# LOG; QEMU is killed after TIMEOUT_S seconds or when the calling script exits. Sets qrc to
# QEMU's exit status (124: timed out). The log is then cleaned of CRs (dom0's console lines end
# in CR CR LF: hvc, then the serial line) and copied to SHYPE_XEN_BOOT_LOG if set.
boot_xen() {
  local log=$1 xen=$2 timeout_s=$3 append=$4 initrd=$5
  set +e
  timeout "$timeout_s" qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 1 -m 1536 -display none -no-reboot \
    -serial "file:$log" -monitor none -kernel "$xen" -append "$append" -initrd "$initrd" &
  boot_pid=$!
  wait "$boot_pid"
  qrc=$?
  boot_pid=
  set -e
  tr -d '\r' < "$log" > "$log.clean" && mv "$log.clean" "$log"
  cp "$log" "${SHYPE_XEN_BOOT_LOG:-/dev/null}" 2>/dev/null || true
}
boot_pid=
# For the caller's EXIT trap: stops a QEMU still running (the test was interrupted).
stop_boot() { [[ -z $boot_pid ]] || kill "$boot_pid" 2>/dev/null || true; }

# expect PATTERN WHAT / reject PATTERN WHAT: a line of $log matches (does not match) the
# extended regular expression; prints ok/FAIL and sets fail=1 on a failure.
fail=0
expect() {
  if grep -qE "$1" "$log"; then echo "ok: $2"; else echo "FAIL: $2 (no line matching /$1/)" >&2; fail=1; fi
}
reject() {
  if grep -qE "$1" "$log"; then echo "FAIL: $2 (a line matches /$1/)" >&2; grep -E "$1" "$log" >&2; fail=1; else echo "ok: $2"; fi
}
