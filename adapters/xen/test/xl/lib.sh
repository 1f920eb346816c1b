# SPDX-License-Identifier: Apache-2.0
# Helpers of the xl scenarios (sourced by dom0's /init before the scenario).
# guest_cfg NAME [LABEL [EXTRA]]: an xl config for a PV guest (Debian's kernel, a busybox
# initramfs) with seclabel=LABEL, none if LABEL is empty; EXTRA goes to its kernel command line.
guest_cfg() {
  {
    echo "name=\"$1\""
    echo 'kernel="/guest/vmlinuz"'
    echo 'ramdisk="/guest/initrd.gz"'
    echo 'memory=160'
    echo 'vcpus=1'
    echo "extra=\"console=hvc0 quiet shype_guest=$1 $3\""
    echo 'on_crash="destroy"'
    if [ -n "$2" ]; then echo "seclabel=\"$2\""; fi
  } > "/tmp/$1.cfg"
}
# xlrun TAG ARGS...: runs xl, prints each line of its output and its exit status, prefixed.
xlrun() {
  tag=$1
  shift
  out=$(xl "$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" | sed "s/^/shype-xl: $tag: out: /"
  echo "shype-xl: $tag: rc=$rc"
  return $rc
}
# wait_guest NAME: waits (up to 600 s: TCG on a shared machine) for the guest's "up" line.
wait_guest() {
  i=0
  while [ $i -lt 600 ]; do
    if grep -q "shype-guest: $1 up" "/var/log/xen/console/guest-$1.log" 2>/dev/null; then
      echo "shype-xl: guest $1 up"
      return 0
    fi
    sleep 1
    i=$((i + 1))
  done
  echo "shype-xl: guest $1 not up after 600 s"
  ls /var/log/xen/console/ | sed 's/^/shype-xl: console logs: /'
  return 1
}
# wait_console NAME PATTERN: waits (up to 600 s) for a line matching PATTERN in the guest's
# console log, then copies the guest's "shype-guest:" lines to dom0's console.
wait_console() {
  i=0
  while [ $i -lt 600 ]; do
    if grep -q "$2" "/var/log/xen/console/guest-$1.log" 2>/dev/null; then
      grep 'shype-guest:' "/var/log/xen/console/guest-$1.log" | tr -d '\r' | sed "s/^/shype-xl: console $1: /"
      return 0
    fi
    sleep 1
    i=$((i + 1))
  done
  echo "shype-xl: console $1: no line matching $2 after 600 s"
  return 1
}
# run TAG COMMAND...: runs a command, prints its output and exit status, prefixed.
run() {
  tag=$1
  shift
  out=$("$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" | sed "s/^/shype-xl: $tag: out: /"
  echo "shype-xl: $tag: rc=$rc"
  return $rc
}
