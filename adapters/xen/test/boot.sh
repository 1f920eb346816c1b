#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Boots the Xen built by adapters/xen/build.sh under QEMU (TCG) with xsm=shype, a binary policy
# as a Multiboot module, and Debian's kernel as PV dom0 with a one-program initramfs
# (test/dom0-init.c: prints a line, powers off). Checks the serial log, not the exit status:
#   - the shype module initialised and loaded the policy (its name, label counts);
#   - dom0 was created by the module (under the bootstrap label) and reached user space.
#   boot.sh [--malformed] SHYPE_TOOL POLICY.xml [EXPECTED-POLICY-NAME [LABEL]]
# With LABEL, dom0 asks the module for LABEL's ssidref and for an unknown label's through
# xsm_op FLASK_CONTEXT_TO_SID (what libxl does for xl's seclabel=): LABEL must get a shype
# ssidref (0x5348xxxx), the unknown one ENOENT with a console line naming it.
# With --malformed the compiled policy is cut in half before the boot: the module must refuse
# it with the library's reason and stay registered (fail closed: dom0 starts, so an
# administrator can see why; every other domain would be refused).
# Environment: SHYPE_XEN_CACHE (as build.sh), SHYPE_XEN_BOOT_TIMEOUT (default 180 s).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
malformed=0
if [[ ${1:-} == --malformed ]]; then malformed=1; shift; fi
tool=${1:?usage: boot.sh SHYPE_TOOL POLICY.xml [EXPECTED-POLICY-NAME]}
xml=${2:?usage: boot.sh SHYPE_TOOL POLICY.xml [EXPECTED-POLICY-NAME]}
name=${3:-}
query=${4:-}
cache=${SHYPE_XEN_CACHE:-$HOME/.cache/shype/xen}
timeout_s=${SHYPE_XEN_BOOT_TIMEOUT:-180}
# Debian 12's kernel (a pinned ABI: bump deliberately, as the Xen version in build.sh).
readonly KERNEL_PKG=linux-image-6.1.0-57-amd64
die() { echo "adapters/xen/test/boot.sh: error: $*" >&2; exit 1; }

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (scripts/install-deps.sh test)"
xen=$("$here/../build.sh" | tail -1)
[[ -f $xen ]] || die "build.sh did not produce a hypervisor"

# dom0 kernel: Debian's package, unpacked once into the cache.
k=$cache/dom0
if ! ls "$k"/boot/vmlinuz-* >/dev/null 2>&1; then
  mkdir -p "$k"
  (cd "$k" && apt-get download -q "$KERNEL_PKG") || die "could not download $KERNEL_PKG"
  dpkg-deb --fsys-tarfile "$k"/"$KERNEL_PKG"_*.deb | tar -x -C "$k" --wildcards './boot/vmlinuz-*' \
    || die "could not unpack the kernel from $KERNEL_PKG"
fi
vmlinuz=$(ls "$k"/boot/vmlinuz-* | head -1)
if ! ls "$k"/lib/modules/*/kernel/drivers/xen/xen-privcmd.ko >/dev/null 2>&1; then
  dpkg-deb --fsys-tarfile "$k"/"$KERNEL_PKG"_*.deb | tar -x -C "$k" --wildcards './lib/modules/*/kernel/drivers/xen/xen-privcmd.ko' \
    || die "could not unpack xen-privcmd.ko from $KERNEL_PKG"
fi
privcmd=$(ls "$k"/lib/modules/*/kernel/drivers/xen/xen-privcmd.ko | head -1)

work=$(mktemp -d "${TMPDIR:-/tmp}/shype-xen-boot.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/dev"
gcc -static -Os -Wall -Wextra -Werror -o "$work/root/init" "$here/dom0-init.c" || die "compiling dom0-init.c failed"
cp "$privcmd" "$work/root/privcmd.ko"
(cd "$work/root" && printf 'init\nprivcmd.ko\n' | cpio -o -H newc --quiet | gzip -n > "$work/dom0.cpio.gz") || die "cpio failed"
"$tool" compile "$xml" -o "$work/policy.bin" || die "shype compile $xml failed"
expected_ssidref=
if [[ -n $query ]]; then  # the label's id: its position in the binary's (sorted) VM label table
  id=$("$tool" dump "$work/policy.bin" | awk -v q="$query" \
    '/^VM labels/ {f = 1; next} f && /^[^ ]/ {exit} f && /^  [^ ]/ {if ($1 == q) {print n + 0; exit} n++}')
  [[ -n $id ]] || die "label $query is not in $xml"
  expected_ssidref=$(printf '%#x' $((0x53480000 | id)))
fi
if [[ $malformed -eq 1 ]]; then
  size=$(stat -c %s "$work/policy.bin")
  truncate -s $((size / 2)) "$work/policy.bin"
fi

log=$work/serial.log
set +e
timeout "$timeout_s" qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 1 -m 1536 -display none -no-reboot \
  -serial "file:$log" -monitor none \
  -kernel "$xen" \
  -append "console=com1 com1=115200 dom0_mem=512M loglvl=all guest_loglvl=all xsm=shype" \
  -initrd "$vmlinuz console=hvc0 panic=-1${query:+ shype_label=$query},$work/dom0.cpio.gz,$work/policy.bin"
qrc=$?
set -e
# Console lines from dom0 end in CR CR LF (hvc, then the serial line): compare without CRs.
tr -d '\r' < "$log" > "$log.clean" && mv "$log.clean" "$log"
cp "$log" "${SHYPE_XEN_BOOT_LOG:-/dev/null}" 2>/dev/null || true

fail=0
expect() {  # pattern, what
  if grep -qE "$1" "$log"; then echo "ok: $2"; else echo "FAIL: $2 (no line matching /$1/)" >&2; fail=1; fi
}
expect '^\(XEN\) Initialising XSM shype' "the shype XSM module initialised (xsm=shype)"
expect "^\(XEN\) shype: policy module [0-9]+, 0x[0-9a-f]+ bytes" "the policy was found among the boot modules"
if [[ $malformed -eq 0 ]]; then
  expect "^\(XEN\) shype: policy \"${name:-[^\"]+}\" loaded: [0-9]+ VM labels, [0-9]+ resource labels, bootstrap label \"[^\"]+\"" \
    "the policy${name:+ $name} was validated and loaded"
  bootstrap=$(sed -nE 's/^\(XEN\) shype: policy ".*" loaded: .* bootstrap label "([^"]+)".*/\1/p' "$log" | head -1)
  expect "^\(XEN\) shype: dom0 started as \"${bootstrap:-?}\"" "the module admitted dom0 under the bootstrap label (${bootstrap:-?})"
  if grep -qE 'shype: .*(refused|no valid policy)' "$log"; then
    echo "FAIL: the module refused something during boot:" >&2
    grep -E 'shype: .*(refused|no valid policy)' "$log" >&2
    fail=1
  fi
else
  expect '^\(XEN\) shype: policy refused: [a-z_]+ in [a-z_]+.* at offset [0-9]+' "the malformed policy was refused, with the library's reason"
  expect '^\(XEN\) shype: no valid policy: domains other than dom0 will be refused' "the module stayed registered without a policy"
  if grep -q 'shype: policy ".*" loaded' "$log"; then echo "FAIL: a malformed policy was loaded" >&2; fail=1; fi
fi
expect 'shype-xen-test: dom0 init running' "dom0 reached user space"
if [[ -n $query ]]; then
  if [[ $malformed -eq 0 ]]; then
    expect "^shype-xen-test: context_to_sid $query: ssidref=$expected_ssidref\$" "xsm_op FLASK_CONTEXT_TO_SID gives $query its ssidref ($expected_ssidref)"
  else
    expect "^shype-xen-test: context_to_sid $query: errno=ENOENT\$" "without a policy, $query is unknown (ENOENT)"
  fi
  expect '^shype-xen-test: context_to_sid no_such_label: errno=ENOENT$' "an unknown label is refused (ENOENT)"
  expect '^\(XEN\) shype: d0: seclabel "no_such_label" is not a label of the policy in force' "the refusal names the label on Xen's console"
fi
if [[ $fail -ne 0 ]]; then
  echo "--- serial log (qemu exit $qrc), last 60 lines:" >&2
  tail -60 "$log" >&2
fi
exit $fail
