#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Boots the Xen built by adapters/xen/build.sh under QEMU (TCG) with xsm=shype, a binary policy
# as a Multiboot module, and Debian's kernel as PV dom0 with a one-program initramfs
# (test/dom0-init.c: prints a line, powers off). Checks the serial log, not the exit status:
#   - the shype module initialised and loaded the policy (its name, label counts);
#   - dom0 was created by the module (under the bootstrap label) and reached user space.
#   boot.sh [--malformed] SHYPE_TOOL POLICY.xml [EXPECTED-POLICY-NAME [LABEL [LABEL_A,LABEL_B [TE_A,TE_B,TE_C]]]]
# With LABEL, dom0 asks the module for LABEL's ssidref and for an unknown label's through
# xsm_op FLASK_CONTEXT_TO_SID (what libxl does for xl's seclabel=): LABEL must get a shype
# ssidref (0x5348xxxx), the unknown one ENOENT with a console line naming it.
# With LABEL_A,LABEL_B (two labels in one conflict set), dom0 creates empty domains with
# XEN_DOMCTL_createdomain: A is admitted, B refused (EPERM, an AVC line) while A runs and
# admitted once A is destroyed; ssidref 12 (no shype label) EACCES; a tagged ssidref of no
# label EINVAL. With --malformed every create is refused (EACCES: no policy).
# With TE_A,TE_B,TE_C (A shares a type with B, not with C; no conflicts), dom0 creates the three
# and allocates unbound event channels in A for B (permitted) and for C (EPERM, an AVC line
# naming type_enforcement).
# With --malformed the compiled policy is cut in half before the boot: the module must refuse
# it with the library's reason and stay registered (fail closed: dom0 starts, so an
# administrator can see why; every other domain would be refused).
# Environment: SHYPE_XEN_CACHE (as build.sh), SHYPE_XEN_BOOT_TIMEOUT (default 180 s).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=boot-lib.sh
. "$here/boot-lib.sh"
malformed=0
if [[ ${1:-} == --malformed ]]; then malformed=1; shift; fi
tool=${1:?usage: boot.sh SHYPE_TOOL POLICY.xml [EXPECTED-POLICY-NAME]}
xml=${2:?usage: boot.sh SHYPE_TOOL POLICY.xml [EXPECTED-POLICY-NAME]}
name=${3:-}
query=${4:-}
cw=${5:-}
te=${6:-}
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
trap 'stop_boot; rm -rf "$work"' EXIT
trap 'exit 143' INT TERM
mkdir -p "$work/root/dev"
gcc -static -Os -Wall -Wextra -Werror -I"$(dirname "$xen")/include" -o "$work/root/init" "$here/dom0-init.c" || die "compiling dom0-init.c failed"
cp "$privcmd" "$work/root/privcmd.ko"
(cd "$work/root" && printf 'init\nprivcmd.ko\n' | cpio -o -H newc --quiet | gzip -n > "$work/dom0.cpio.gz") || die "cpio failed"
"$tool" compile "$xml" -o "$work/policy.bin" || die "shype compile $xml failed"
ssidref_of() {  # a label's ssidref: the tag | its position in the binary's (sorted) VM label table
  local id
  id=$("$tool" dump "$work/policy.bin" | awk -v q="$1" \
    '/^VM labels/ {f = 1; next} f && /^[^ ]/ {exit} f && /^  [^ ]/ {if ($1 == q) {print n + 0; exit} n++}')
  [[ -n $id ]] || die "label $1 is not in $xml"
  printf '%#x' $((0x53480000 | id))
}
expected_ssidref=
[[ -z $query ]] || expected_ssidref=$(ssidref_of "$query")
cw_a= cw_b=
if [[ -n $cw ]]; then
  cw_a=$(ssidref_of "${cw%%,*}")
  cw_b=$(ssidref_of "${cw#*,}")
fi
te_ssidrefs=
if [[ -n $te ]]; then
  IFS=, read -r te_a te_b te_c <<<"$te"
  te_ssidrefs=$(ssidref_of "$te_a"),,$(ssidref_of "$te_b"),,$(ssidref_of "$te_c")
fi
if [[ $malformed -eq 1 ]]; then
  size=$(stat -c %s "$work/policy.bin")
  truncate -s $((size / 2)) "$work/policy.bin"
fi

log=$work/serial.log
boot_xen "$log" "$xen" "$timeout_s" "console=com1 com1=115200 dom0_mem=512M loglvl=all guest_loglvl=all xsm=shype" \
  "$vmlinuz console=hvc0 panic=-1${query:+ shype_label=$query}${cw:+ shype_cw=$cw_a,,$cw_b}${te:+ shype_te=$te_ssidrefs},$work/dom0.cpio.gz,$work/policy.bin"

expect '^\(XEN\) Initialising XSM shype' "the shype XSM module initialised (xsm=shype)"
expect "^\(XEN\) shype: policy module [0-9]+, 0x[0-9a-f]+ bytes" "the policy was found among the boot modules"
if [[ $malformed -eq 0 ]]; then
  expect "^\(XEN\) shype: policy \"${name:-[^\"]+}\" loaded: [0-9]+ VM labels, [0-9]+ resource labels, bootstrap label \"[^\"]+\"" \
    "the policy${name:+ $name} was validated and loaded"
  bootstrap=$(sed -nE 's/^\(XEN\) shype: policy ".*" loaded: .* bootstrap label "([^"]+)".*/\1/p' "$log" | head -1)
  expect "^\(XEN\) shype: dom0 started as \"${bootstrap:-?}\"" "the module admitted dom0 under the bootstrap label (${bootstrap:-?})"
  if [[ -z $cw ]] && grep -qE 'shype: .*(refused|no valid policy)' "$log"; then
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
if [[ -n $cw ]]; then
  if [[ $malformed -eq 0 ]]; then
    first=$(sed -nE "s/^shype-xen-test: create ssidref=$cw_a: domid=([0-9]+)\$/\1/p" "$log" | head -1)
    expect "^shype-xen-test: create ssidref=$cw_a: domid=[1-9][0-9]*\$" "${cw%%,*} ($cw_a) is admitted"
    expect "^\(XEN\) shype: dom${first:-?} started as \"${cw%%,*}\"" "the module started dom${first:-?} as ${cw%%,*}"
    expect "^shype-xen-test: create ssidref=$cw_b: errno=EPERM\$" "${cw#*,} ($cw_b) is refused by the Chinese Wall while ${cw%%,*} runs"
    expect '^\(XEN\) avc: denied \{ create \} for source=dom[0-9]+ .*policy=chinese_wall' "the denial is an AVC line naming the Chinese Wall"
    expect "^shype-xen-test: destroy domid=${first:-?}: ok\$" "${cw%%,*} is destroyed"
    expect "^shype-xen-test: create ssidref=$cw_b: domid=[1-9][0-9]*\$" "${cw#*,} is admitted once ${cw%%,*} is gone"
    expect '^shype-xen-test: create ssidref=0xc: errno=EACCES$' "an ssidref without a shype label (12) is refused"
    expect '^\(XEN\) shype: d[0-9]+ refused: no seclabel= \(ssidref 0xc, libxl.s default for a guest\): unlabelled guests are refused' "... with a console line saying why"
    expect '^shype-xen-test: create ssidref=0x53480fff: errno=EINVAL$' "a tagged ssidref of no label is refused"
    expect '^\(XEN\) shype: d[0-9]+ refused: label id 4095 is not in the policy' "... with a console line naming the id"
  else
    expect "^shype-xen-test: create ssidref=$cw_a: errno=EACCES\$" "without a policy, ${cw%%,*} is refused"
    expect '^\(XEN\) shype: d[0-9]+ refused: no valid policy was loaded at boot' "... with a console line saying why"
    if grep -qE '^shype-xen-test: create .*domid=' "$log"; then echo "FAIL: a domain was created without a policy" >&2; fail=1; fi
  fi
fi
if [[ -n $te && $malformed -eq 0 ]]; then
  da=$(sed -nE "s/^\(XEN\) shype: dom([0-9]+) started as \"$te_a\"\$/\1/p" "$log" | tail -1)
  db=$(sed -nE "s/^\(XEN\) shype: dom([0-9]+) started as \"$te_b\"\$/\1/p" "$log" | tail -1)
  dc=$(sed -nE "s/^\(XEN\) shype: dom([0-9]+) started as \"$te_c\"\$/\1/p" "$log" | tail -1)
  expect "^shype-xen-test: alloc_unbound dom${da:-?} for dom${db:-?}: port=[0-9]+\$" "an event channel $te_a -> $te_b (a shared type) is permitted"
  expect "^shype-xen-test: alloc_unbound dom${da:-?} for dom${dc:-?}: errno=EPERM\$" "an event channel $te_a -> $te_c (no shared type) is refused"
  expect "^\(XEN\) avc: denied \{ evtchn_unbound \} for source=dom${da:-?} slabel=\"$te_a\" target=dom${dc:-?} tlabel=\"$te_c\" policy=type_enforcement" \
    "the denial is an AVC line naming both labels and Type Enforcement"
fi
if [[ -n $query$cw$te ]]; then
  if [[ $malformed -eq 0 ]]; then
    expect '^shype-xen-test: stats: ok$' "dom0 (management label) may ask for the statistics"
    expect '^\(XEN\) shype: stats domain: hits=[0-9]+ misses=[0-9]+ denials=[1-9][0-9]* errors=[0-9]+ revocations=0$' \
      "the statistics count the Chinese Wall denials"
    [[ -z $te ]] || expect '^\(XEN\) shype: stats evtchn: hits=[0-9]+ misses=[0-9]+ denials=1 errors=0 revocations=0$' \
      "the statistics count the event channel denial"
  else
    expect '^shype-xen-test: stats: errno=EPERM$' "without a policy nobody holds the management label: statistics refused"
    expect '^\(XEN\) shype: d0 may not read the statistics' "... with a console line"
  fi
fi
if [[ $fail -ne 0 ]]; then
  echo "--- serial log (qemu exit $qrc), last 60 lines:" >&2
  tail -60 "$log" >&2
fi
exit $fail
