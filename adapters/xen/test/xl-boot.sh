#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Boots the Xen built by adapters/xen/build.sh under QEMU (TCG) with xsm=shype and a binary policy,
# Debian's kernel as PV dom0 with the initramfs of adapters/xen/dom0-initramfs.sh (Xen's own,
# unmodified toolstack from Debian's packages) plus this test's overlay (test/xl/dom0-init.sh,
# the scenario test/xl/scenario-SCENARIO.sh, the guests' initramfs), runs the scenario with `xl`,
# and checks the serial log: Xen's console (the module's lines, AVC denials) and what the
# scenario printed (xl's output and exit status, guests' console lines).
#   xl-boot.sh SCENARIO SHYPE_TOOL POLICY.xml
# Environment: SHYPE_XEN_CACHE (as build.sh), SHYPE_XEN_BOOT_TIMEOUT (default 1500 s),
# SHYPE_XEN_BOOT_LOG (a file to keep the serial log in).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=boot-lib.sh
. "$here/boot-lib.sh"
scenario=${1:?usage: xl-boot.sh SCENARIO SHYPE_TOOL POLICY.xml}
tool=${2:?usage: xl-boot.sh SCENARIO SHYPE_TOOL POLICY.xml}
xml=${3:?usage: xl-boot.sh SCENARIO SHYPE_TOOL POLICY.xml}
timeout_s=${SHYPE_XEN_BOOT_TIMEOUT:-1500}
die() { echo "adapters/xen/test/xl-boot.sh: error: $*" >&2; exit 1; }
[[ -f $here/xl/scenario-$scenario.sh ]] || die "no scenario $scenario (test/xl/scenario-$scenario.sh)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (scripts/install-deps.sh test)"

xen=$("$here/../build.sh" | tail -1)
[[ -f $xen ]] || die "build.sh did not produce a hypervisor"
base=$("$here/../dom0-initramfs.sh" | tail -1)
[[ -f $base ]] || die "dom0-initramfs.sh did not produce an initramfs"
cache=${SHYPE_XEN_CACHE:-$HOME/.cache/shype/xen}
vmlinuz=$(ls "$cache"/initramfs/../dom0/boot/vmlinuz-* 2>/dev/null | head -1 || true)
if [[ -z $vmlinuz ]]; then
  k=$cache/dom0
  dpkg-deb --fsys-tarfile "$(ls "$k"/linux-image-*.deb | head -1)" | tar -x -C "$k" --wildcards './boot/vmlinuz-*' \
    || die "could not unpack the kernel"
  vmlinuz=$(ls "$k"/boot/vmlinuz-* | head -1)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/shype-xen-xl.XXXXXX")
trap 'stop_boot; rm -rf "$work"' EXIT
trap 'exit 143' INT TERM
"$tool" compile "$xml" -o "$work/policy.bin" || die "shype compile $xml failed"
# Policies for live changes (scenario "policy"): the boot policy cut in half, and a valid one.
mkdir -p "$work/overlay/policy"
head -c $(($(stat -c %s "$work/policy.bin") / 2)) "$work/policy.bin" > "$work/overlay/policy/malformed.bin"
"$tool" compile "$here/xl/policy-mgmt-no-ads.xml" -o "$work/overlay/policy/revoke.bin" >/dev/null \
  || die "shype compile test/xl/policy-mgmt-no-ads.xml failed"
"$tool" compile "$here/../../../examples/customer-order/policy-v2.xml" -o "$work/overlay/policy/v2.bin" >/dev/null \
  || die "shype compile examples/customer-order/policy-v2.xml failed"
# The dom0 tool, static (it runs in dom0 and in guests).
mkdir -p "$work/overlay/usr/bin"
gcc -static -O2 -Wall -Wextra -Werror -o "$work/overlay/usr/bin/shype-xen" "$here/../tool/shype-xen.c" \
  || die "compiling tool/shype-xen.c failed"

# The guests' initramfs: the cached busybox base and our /init.
mkdir -p "$work/guest" "$work/overlay/guest"
install -m 755 "$here/xl/guest-init.sh" "$work/guest/init"
cp "$work/overlay/usr/bin/shype-xen" "$work/guest/shype-xen"
gcc -static -O2 -Wall -Wextra -Werror -o "$work/guest/shype-share" "$here/xl/share.c" || die "compiling test/xl/share.c failed"
cp "$work/overlay/policy/revoke.bin" "$work/guest/policy.bin"
(cd "$work/guest" && find . | LC_ALL=C sort | cpio -o -H newc --quiet > "$work/guest-init.cpio")
gzip -dc "$base" | (cd "$work" && cpio -i --quiet guest/base.cpio) || die "no guest/base.cpio in $base"
[[ -s $work/guest/base.cpio ]] || die "no guest/base.cpio in $base"
cat "$work/guest/base.cpio" "$work/guest-init.cpio" | gzip -n > "$work/overlay/guest/initrd.gz"
# dom0's overlay: /init, the helpers and the scenario.
install -m 755 "$here/xl/dom0-init.sh" "$work/overlay/init"
cat "$here/xl/lib.sh" "$here/xl/scenario-$scenario.sh" > "$work/overlay/scenario.sh"
(cd "$work/overlay" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -n > "$work/overlay.cpio.gz")
cat "$base" "$work/overlay.cpio.gz" > "$work/dom0.cpio.gz"

log=$work/serial.log
boot_xen "$log" "$xen" "$timeout_s" "console=com1 com1=115200 dom0_mem=512M loglvl=all guest_loglvl=all xsm=shype" \
  "$vmlinuz console=hvc0 panic=-1,$work/dom0.cpio.gz,$work/policy.bin,$here/xl/resources.map"

expect '^\(XEN\) shype: policy "[^"]+" loaded' "the policy was loaded"
expect '^\(XEN\) shype: resource map: 2 I/O port range\(s\), 1 I/O memory range\(s\), 1 IRQ range\(s\), 1 PCI device\(s\)$' \
  "the resource map (test/xl/resources.map) was loaded, every kind of line parsed"
expect '^\(XEN\) shype: resource map line 13: resource label "res_Retired" is not in the policy in force \(I/O ports 0x3e8-0x3ef refused to every guest\)$' \
  "the map's entry whose label the policy lacks is named at boot"
reject '^\(XEN\) shype: resource map line [0-9]+: resource label "vdisk_Order"' "... and no other"
expect '^shype-xl: toolstack ready$' "dom0 started Xen's toolstack"
[[ $qrc -eq 124 ]] && { echo "FAIL: QEMU timed out after $timeout_s s" >&2; fail=1; }
expect '^shype-xl: scenario done$' "the scenario ran to its end"
reject '^shype-xl: (insmod|mounting|xenstored|xen-init-dom0|xenconsoled) .*failed' "the toolstack started without errors"
domid_of() {  # label: the domain id the module last started under that label
  sed -nE "s/^\(XEN\) shype: dom([0-9]+) started as \"$1\"\$/\1/p" "$log" | tail -1
}

case $scenario in
cw)
  expect '^shype-xl: create-alpha: rc=0$' "xl create of a guest labelled dom_Ads_Alpha succeeds"
  expect '^\(XEN\) shype: dom[1-9][0-9]* started as "dom_Ads_Alpha"$' "... and the module started it under that label"
  expect '^shype-xl: guest alpha up$' "... and the guest runs"
  alpha=$(sed -nE 's/^\(XEN\) shype: dom([0-9]+) started as "dom_Ads_Alpha"$/\1/p' "$log" | head -1)
  expect '^shype-xl: create-beta-refused: rc=[1-9][0-9]*$' "xl create of its competitor dom_Ads_Beta fails while it runs"
  expect '^shype-xl: create-beta-refused: out: .*(Operation not permitted|Permission denied)' "... with xl reporting the hypervisor's refusal"
  expect "^\(XEN\) avc: denied \{ create \} for source=dom[0-9]+ slabel=\"dom_Ads_Beta\" target=host policy=chinese_wall .*conflict_set=\"CompetingOEMs\" with=dom${alpha:-?} wlabel=\"dom_Ads_Alpha\"" \
    "... and the denial line names the Chinese Wall, the conflict set and the running competitor"
  expect '^shype-xl: create-order: rc=0$' "a guest labelled dom_Order (no conflict) starts meanwhile"
  expect '^shype-xl: guest order up$' "... and runs"
  expect '^shype-xl: list-1: out: alpha +[0-9]+ ' "xl list shows alpha"
  reject '^shype-xl: list-1: out: beta ' "xl list does not show the refused beta"
  expect '^shype-xl: destroy-alpha: rc=0$' "alpha is destroyed"
  expect '^shype-xl: create-beta: rc=0$' "dom_Ads_Beta starts once alpha is gone"
  expect '^\(XEN\) shype: dom[1-9][0-9]* started as "dom_Ads_Beta"$' "... under its label"
  expect '^shype-xl: guest beta up$' "... and runs"
  expect '^shype-xl: create-unknown: rc=[1-9][0-9]*$' "xl create with an unknown seclabel fails"
  # (libxl checks seclabel= in libxl__domain_config_setdefault, whose message says init_seclabel)
  expect '^shype-xl: create-unknown: out: .*Invalid (init_)?seclabel: no_such_label' "... xl names the label"
  expect '^\(XEN\) shype: d0: seclabel "no_such_label" is not a label of the policy in force' "... and so does Xen's console"
  expect '^shype-xl: create-nolabel: rc=[1-9][0-9]*$' "xl create without seclabel= fails (no default label: fail closed)"
  expect '^shype-xl: create-nolabel: out: .*domain creation fail: Permission denied' "... xl reports the hypervisor's refusal (EACCES)"
  expect '^\(XEN\) shype: d[0-9]+ refused: no seclabel= \(ssidref 0xc, libxl.s default for a guest\): unlabelled guests are refused' \
    "... with a console line saying why"
  expect '^shype-xl: list-2: out: beta +[0-9]+ ' "xl list shows beta at the end"
  expect '^shype-xl: list-2: out: order +[0-9]+ ' "... and order"
  reject '^shype-xl: list-2: out: (unknown|nolabel|alpha) ' "... and none of the refused or destroyed guests"
  expect '^shype-xl: list-2: out: beta +[0-9]+ .* +dom_Ads_Beta$' "xl list -Z shows each domain's shype label: beta's"
  expect '^shype-xl: list-2: out: order +[0-9]+ .* +dom_Order$' "... order's"
  expect '^shype-xl: list-2: out: Domain-0 +0 .* +dom_Management$' "... and dom0's (the bootstrap label)"
  # I/O ports (ioports=), decided by Type Enforcement on the resource map's labels.
  expect '^shype-xl: create-io-permitted: rc=0$' "a dom_Order guest gets ports 2e8-2ef, I/O memory c0000-c000f and IRQ 5 (all resource vdisk_Order, type Order; xl fails the create if any is refused)"
  expect '^shype-xl: create-io-refused: rc=[1-9][0-9]*$' "a dom_Computing guest asking for them fails"
  expect '^shype-xl: create-io-refused: out: .*ioports' "... xl says it could not give the ports"
  expect '^\(XEN\) avc: denied \{ access \} for source=dom[0-9]+ slabel="dom_Computing" target=resource tlabel="vdisk_Order" policy=type_enforcement' \
    "... an AVC line names the label and the resource label"
  expect '^\(XEN\) shype: d[0-9]+ refused I/O ports 0x2e8-0x2ef \(resource "vdisk_Order"\)$' "... and the console line names the range"
  expect '^shype-xl: create-io-unmapped: rc=[1-9][0-9]*$' "ports in no range of the map are refused"
  expect '^\(XEN\) shype: d[0-9]+ refused I/O ports 0x2f0-0x2f7: no range of the resource map holds them$' "... naming the range"
  # I/O memory (iomem=) and IRQs (irqs=), the same way.
  expect '^shype-xl: create-iomem-refused: rc=[1-9][0-9]*$' "a dom_Computing guest asking for I/O memory c0000-c000f fails"
  expect '^shype-xl: create-iomem-refused: out: .*iomem' "... xl says it could not give the I/O memory"
  expect '^\(XEN\) shype: d[0-9]+ refused I/O memory frames 0xc0000-0xc000f \(resource "vdisk_Order"\)$' "... and the console line names the frames and the resource label"
  expect '^shype-xl: create-irq-refused: rc=[1-9][0-9]*$' "a dom_Computing guest asking for IRQ 5 fails"
  expect '^shype-xl: create-irq-refused: out: .*(irq|IRQ)' "... xl says it could not give the IRQ"
  expect '^\(XEN\) shype: d[0-9]+ refused IRQ 5 \(resource "vdisk_Order"\)$' "... and the console line names the IRQ and the resource label"
  ;;
policy)
  ads=$(sed -nE 's/^shype-xl: domids ads=([0-9]+) order=([0-9]+)$/\1/p' "$log")
  order=$(sed -nE 's/^shype-xl: domids ads=([0-9]+) order=([0-9]+)$/\2/p' "$log")
  expect "^shype-xl: domids ads=[1-9][0-9]* order=[1-9][0-9]*\$" "both guests were created by xl"
  # A guest (dom_Order) may neither change the policy nor read the statistics.
  expect '^shype-xl: console order: shype-guest: order: load: shype-xen: error: Xen refused the policy change: this domain does not run under the management label' \
    "a guest's policy change is refused (EPERM) ..."
  expect '^shype-xl: console order: shype-guest: order: load rc=1' "... the tool exits 1"
  expect "^\(XEN\) avc: denied \{ load_policy \} for source=dom${order:-?} slabel=\"dom_Order\" target=policy policy=management" \
    "... an AVC line names the guest and its label"
  expect "^\(XEN\) shype: d${order:-?} may not change the policy \(not the management label\)" "... and the console says why"
  expect '^shype-xl: console order: shype-guest: order: stats: shype-xen: error: Xen refused the statistics' "a guest may not read the statistics"
  expect "^\(XEN\) shype: d${order:-?} may not read the statistics" "... console line"
  # dom0 (management): statistics, a malformed policy refused with the old one in force.
  expect '^shype-xl: stats-1: out: policy "example.customer-order" generation 1, 6 VM labels, [1-9][0-9]* live bindings$' "dom0 reads the statistics (generation 1)"
  expect '^shype-xl: stats-1: out: domain +hits=[0-9]+ misses=[0-9]+ denials=[0-9]+ errors=[0-9]+ revocations=0$' "... with the per-class counters"
  expect '^shype-xl: stats-1: out: management +hits=[0-9]+ misses=[0-9]+ denials=[1-9][0-9]* ' "... counting the guest's refused change"
  expect '^shype-xl: load-malformed: rc=1$' "a malformed policy is refused (the tool exits 1) ..."
  expect '^shype-xl: load-malformed: out: shype-xen: error: Xen refused /policy/malformed.bin: malformed or not applicable' "... the tool says so"
  expect '^\(XEN\) shype: policy change refused: truncated in [a-z_]+.* at offset [0-9]+ \(the policy in force stays\)' "... Xen's console gives the library's reason"
  expect '^shype-xl: stats-2: out: policy "example.customer-order" generation 1, ' "... and the policy in force is unchanged (generation 1)"
  # A valid change: dom0 leaves the Advertising coalition.
  expect '^shype-xl: load-revoke: rc=0$' "dom0 loads a valid policy live"
  expect '^\(XEN\) shype: policy "example.customer-order" now in force: 6 VM labels' "... Xen's console says it is in force"
  expect '^\(XEN\) shype: policy change: generation 2, [1-9][0-9]* binding\(s\) revoked$' "... and how many bindings it revoked"
  expect "^\(XEN\) shype: revoked: closed event channel d0 port [0-9]+ -> d${ads:-?}\$" "dom0's event channels to the Advertising guest are closed"
  reject "^\(XEN\) shype: revoked: closed event channel d0 port [0-9]+ -> d${order:-?}\$" "... and none to the Order guest"
  expect "^\(XEN\) shype: revoked: d0's read-(write|only) mapping of d${ads:-?}'s grant: stays until d0 unmaps it" "dom0's grant mappings of the Advertising guest are reported (they stay mapped)"
  expect '^shype-xl: stats-3: out: policy "example.customer-order" generation 2, ' "the statistics show generation 2"
  expect '^shype-xl: stats-3: out: evtchn +hits=[0-9]+ misses=[0-9]+ denials=[0-9]+ errors=[0-9]+ revocations=[1-9][0-9]*$' "... and the event channel revocations"
  expect '^shype-xl: evtchn-ads-before: out: .*Interdomain \(Connected\) - Remote Domain 0' "before: the Advertising guest had channels connected to dom0"
  reject '^shype-xl: evtchn-ads-after: out: .*Interdomain \(Connected\) - Remote Domain 0' "after: none of its channels is connected to dom0 (the guest's ends wait)"
  expect '^shype-xl: evtchn-ads-after: out: .*Interdomain \(Waiting' "... they are left waiting for a connection"
  expect '^shype-xl: evtchn-order-after: out: .*Interdomain \(Connected\) - Remote Domain 0' "the Order guest's channels to dom0 stay connected"
  ;;
share)
  expect '^shype-xl: domids conn=1 other=2 srv=3$' "xl gave the guests the ids their command lines name (1, 2, 3)"
  c='shype-xl: console'
  expect "^$c srv: shype-guest: srv: share: unbound port for dom1: port=[0-9]+\$" "the server (dom_VirtualDisk) offers a port to dom_Order (shared coalition)"
  expect "^$c srv: shype-guest: srv: share: unbound port for dom2: errno=EPERM\$" "... but not to dom_Computing (EPERM)"
  expect '^\(XEN\) avc: denied \{ evtchn_unbound \} for source=dom3 slabel="dom_VirtualDisk" target=dom2 tlabel="dom_Computing" policy=type_enforcement' "... an AVC line names both labels"
  expect "^$c srv: shype-guest: srv: share: grant for dom1: ref=[0-9]+\$" "the server grants a page to dom_Order"
  expect "^$c srv: shype-guest: srv: share: grant for dom2: ref=[0-9]+\$" "... and one to dom_Computing (granting is not a hypercall)"
  expect "^$c conn: shype-guest: conn: share: bound dom3 port [0-9]+: local port [0-9]+\$" "dom_Order binds the server's port"
  expect "^$c conn: shype-guest: conn: share: notify: ok\$" "... notifies it"
  expect "^$c srv: shype-guest: srv: share: event on port [0-9]+\$" "... and the server receives the event"
  expect "^$c conn: shype-guest: conn: share: mapped dom3 grant ref [0-9]+: \"shype-share page\"\$" "dom_Order maps the server's page and reads it"
  expect "^$c other: shype-guest: other: share: no event channel to dom3 " "dom_Computing finds no port to bind"
  expect "^$c other: shype-guest: other: share: no grant of dom3 mapped \([1-9][0-9]* maps refused\)\$" "... and every map of the server's pages is refused"
  expect '^\(XEN\) avc: denied \{ map_(write|read) \} for source=dom3 slabel="dom_VirtualDisk" target=dom2 tlabel="dom_Computing" policy=type_enforcement' "... with AVC lines naming both labels"
  expect '^shype-xl: evtchn-srv-before: out: .*Interdomain \(Connected\) - Remote Domain 1, ' "before the change, the server's channel to dom_Order is connected"
  expect '^shype-xl: load-v2: rc=0$' "customer-order v2 is loaded live"
  expect '^\(XEN\) shype: revoked: closed event channel d1 port [0-9]+ -> d3$' "the Order guest's channel to the device domain is closed"
  expect "^\(XEN\) shype: revoked: d1's read-write mapping of d3's grant: stays until d1 unmaps it" "... its grant mapping reported"
  expect '^shype-xl: evtchn-srv-after: out: .*Interdomain \(Waiting connection\) - Remote Domain 1$' "the server's port is left waiting"
  expect "^$c conn: shype-guest: conn: share: rebind dom3 port [0-9]+: errno=EPERM\$" "the Order guest observes it: binding again is refused (EPERM)"
  expect '^\(XEN\) avc: denied \{ bind \} for source=dom1 slabel="dom_Order" target=dom3 tlabel="dom_VirtualDisk" policy=type_enforcement generation=2' "... by the new policy"
  # I/O resources: srv (dom_VirtualDisk, type Order under v1) was given ports, frames and an IRQ
  # labelled vdisk_Order; v2 revokes them: Xen's rangesets of domain 3, dumped by `xl debug-keys q`
  # before and after the change.
  rangesets() {  # MARKER: the first dump of domain 3's rangesets after the line MARKER
    { sed -n "/^shype-xl: $1/,\$p" "$log" | grep -A3 -m1 '^(XEN) Rangesets belonging to domain 3:'; } || true
  }
  holds() {  # DUMP PORTS FRAMES IRQS: the dump lists exactly these (an empty argument: none)
    grep -qE "^\(XEN\) +I/O Ports +\{ $2 ?\}\$" <<<"$1" && grep -qE "^\(XEN\) +I/O Memory +\{ $3 ?\}\$" <<<"$1" &&
      grep -qE "^\(XEN\) +Interrupts +\{ $4 ?\}\$" <<<"$1"
  }
  before=$(rangesets 'evtchn-srv-before: rc=')
  after=$(rangesets 'load-v2: rc=')
  if holds "$before" 2e8-2ef c0000-c000f 5; then
    echo "ok: before the change Xen lists srv's ports 2e8-2ef, frames c0000-c000f and IRQ 5 (xl debug-keys q)"
  else
    echo "FAIL: before the change srv's rangesets lack its resources: $before" >&2
    fail=1
  fi
  expect '^\(XEN\) shype: revoked: d3.s I/O ports 0x2e8-0x2ef \(resource "vdisk_Order"\): access removed \(0\)' "the change revokes srv's I/O ports (console line)"
  expect '^\(XEN\) shype: revoked: d3.s I/O memory frames 0xc0000-0xc00ff \(resource "vdisk_Order"\): access removed \(0\)' "... its I/O memory (the map entry's frames)"
  expect '^\(XEN\) shype: revoked: d3.s IRQ 5 \(resource "vdisk_Order"\): access removed \(0\)' "... its IRQ"
  if holds "$after" '' '' ''; then
    echo "ok: after the change Xen lists no port, frame or IRQ for srv"
  else
    echo "FAIL: after the change srv still holds resources: $after" >&2
    fail=1
  fi
  ;;
*) die "no checks for scenario $scenario" ;;
esac
if [[ $fail -ne 0 ]]; then
  echo "--- serial log (qemu exit $qrc), last 80 lines:" >&2
  tail -80 "$log" >&2
fi
exit $fail
