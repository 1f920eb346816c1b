#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The libvirt adapter against real libvirt and QEMU: two libvirtd instances (hosts A and B) on
# this machine, each in its own mount and UTS namespace with its own /etc/libvirt, /run/libvirt,
# /var/lib/libvirt, virtlogd, pid files and host UUID; the shype hooks installed into each with
# `shype-libvirt install`; small TCG guests (type='qemu') booting the project's multiboot kernel.
#
#   integration.sh SHYPE_LIBVIRT GUEST_KERNEL DATA_DIR WORK_DIR
#
# Checks, each printed as PASS/FAIL: conflicting domains refused with one line naming the rule
# and the other domain; a same-coalition pair sharing a disk allowed; a disk and a network
# shared across coalitions refused; an unlabelled domain refused; racing starts of conflicting
# domains never both succeed; a daemon restart with a lost state file rebuilds the state from
# libvirt (reconnect), drops a domain that died meanwhile and counts nothing twice; a migration
# refused by the destination's Chinese Wall and another allowed; a live policy change refused
# for a conflict (old policy kept) and one applied with a network port set link-down.
# Exit 0 all passed, 1 a check failed or the test cannot run here (the reason is printed: CI has
# root and installs libvirt, so a machine where it cannot run must not look like a pass or a skip).
# Only the daemons this script started are stopped, by their pid.
set -uo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 SHYPE_LIBVIRT GUEST_KERNEL DATA_DIR WORK_DIR" >&2
  exit 2
fi
SHYPE=$1 KERNEL=$2 DATA=$3 WORK=$4

skip() { echo "FAIL: cannot run the libvirt integration test: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "needs root: libvirtd, its namespaces and QEMU run as root (uid is $(id -u))"
for p in libvirtd virtlogd virsh qemu-system-x86_64 unshare nsenter mount ip; do
  command -v "$p" >/dev/null || skip "'$p' is not installed (scripts/install-deps.sh test installs libvirt and QEMU)"
done
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing: QEMU cannot attach guests to a libvirt network"
unshare --mount --uts --propagation private true 2>/dev/null || skip "cannot create mount and UTS namespaces (unshare failed)"
[ -d /etc/libvirt ] || skip "/etc/libvirt is missing: libvirt is not installed"

START=$(date +%s)
RUN=$WORK/run
rm -rf "$RUN" && mkdir -p "$RUN" || exit 1
cp "$KERNEL" "$RUN/guest.elf" || exit 1
SUFFIX=$$  # bridge names of this run: short (15 bytes) and unlikely to exist already
FAILS=0 CHECKS=0
pass() { CHECKS=$((CHECKS + 1)); echo "PASS: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
note() { echo "---- $* ($(($(date +%s) - START)) s)"; }

# ===== hosts ===================================================================================
declare -A LIBVIRTD VIRTLOGD
uri() { echo "qemu:///system?socket=$RUN/$1/run/libvirt-sock"; }
v() { local h=$1; shift; timeout 120 virsh -q -c "$(uri "$h")" "$@"; }

prepare_host() {  # NAME HOST-UUID
  local h=$1 d=$RUN/$1
  mkdir -p "$d"/{etc,run,lib,cache,log,state} || return 1
  cp -a /etc/libvirt/. "$d/etc/" || return 1
  rm -rf "$d/etc/hooks" && mkdir -p "$d/etc/hooks"
  rm -rf "$d/etc/qemu/networks/autostart" "$d/etc/qemu/autostart"
  echo "host_uuid = \"$2\"" >>"$d/etc/libvirtd.conf"
  # QEMU as root, without per-domain mount namespaces, cgroups or a security driver: this runs
  # inside containers too.
  printf '%s\n' 'user = "root"' 'group = "root"' 'namespaces = [ ]' 'remember_owner = 0' 'cgroup_controllers = [ ]' \
    'security_driver = "none"' >>"$d/etc/qemu.conf"
  mkdir -p "$d/lib/qemu" "$d/lib/images" "$d/cache/qemu" "$d/log/qemu"
  cat >"$d/shype.conf" <<EOF
state_dir = $d/state
disk_labels = $d/disk-labels
libvirt_run_dir = $d/run
virsh = $(command -v virsh)
uri = $(uri "$h")
EOF
  cat >"$d/disk-labels" <<EOF
# The order coalition's shared database disk.
vdisk_Order  $RUN/disks/order.img
vdisk_Ads    $RUN/disks/ads/
EOF
  # The hooks go in before libvirtd starts: it reads them once, at start.
  "$SHYPE" install --config "$d/shype.conf" --hooks-dir "$d/etc/hooks" --policy "$DATA/policy.xml" >"$d/install.log" 2>&1 ||
    { cat "$d/install.log"; return 1; }
}

start_daemons() {  # NAME HOSTNAME: virtlogd and libvirtd in fresh namespaces
  local d=$RUN/$1
  unshare --mount --uts --propagation private --fork -- bash -c "
    set -e
    mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt  # mount points
    mount --bind '$d/etc' /etc/libvirt; mount --bind '$d/run' /run/libvirt
    mount --bind '$d/lib' /var/lib/libvirt; mount --bind '$d/cache' /var/cache/libvirt
    mount --bind '$d/log' /var/log/libvirt
    hostname '$2'
    virtlogd --daemon --pid-file '$d/virtlogd.pid'
    libvirtd --daemon --pid-file '$d/libvirtd.pid'
  " || return 1
  wait_daemon "$1"
}

wait_daemon() {  # NAME: pid file written and the socket answering
  local d=$RUN/$1 i
  for i in $(seq 600); do
    if [ -s "$d/libvirtd.pid" ] && [ -S "$d/run/libvirt-sock" ] && v "$1" uri >/dev/null 2>&1; then
      LIBVIRTD[$1]=$(cat "$d/libvirtd.pid")
      VIRTLOGD[$1]=$(cat "$d/virtlogd.pid")
      return 0
    fi
    sleep 0.1
  done
  echo "libvirtd of host $1 did not come up; its log:" && tail -20 "$d/log/libvirtd.log" 2>/dev/null
  return 1
}

gone() {  # PID: exited (or a zombie nobody reaped yet)
  [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

stop_pid() {  # PID [NAME]
  local i
  [ -n "${1:-}" ] || return 0
  gone "$1" && return 0
  kill "$1" 2>/dev/null
  for i in $(seq 100); do gone "$1" && return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null
}

restart_libvirtd() {  # NAME: a new libvirtd in the namespaces of the old one
  local d=$RUN/$1
  stop_pid "${LIBVIRTD[$1]}"
  rm -f "$d/libvirtd.pid"
  nsenter -t "${VIRTLOGD[$1]}" -m -u -- libvirtd --daemon --pid-file "$d/libvirtd.pid" || return 1
  wait_daemon "$1"
}

cleanup() {
  local h pidfile
  for h in A B; do
    [ -n "${LIBVIRTD[$h]:-}" ] || continue
    if ! gone "${LIBVIRTD[$h]}"; then
      for dom in $(v "$h" list --name 2>/dev/null); do v "$h" destroy "$dom" >/dev/null 2>&1; done
      for net in $(v "$h" net-list --name 2>/dev/null); do v "$h" net-destroy "$net" >/dev/null 2>&1; done
    fi
    stop_pid "${LIBVIRTD[$h]}"
    # QEMU processes our daemons started and could not stop.
    for pidfile in "$RUN/$h"/run/qemu/*.pid; do [ -e "$pidfile" ] && stop_pid "$(cat "$pidfile")"; done
    stop_pid "${VIRTLOGD[$h]:-}"
  done
}
trap cleanup EXIT
trap 'exit 1' TERM INT  # a timeout still stops what was started

# ===== guests ==================================================================================
mkdir -p "$RUN/disks/ads" "$RUN/xml"
for f in order.img scratch.img ads/one.img; do truncate -s 1M "$RUN/disks/$f"; done

disk() {  # PATH TARGET [shareable|readonly]...
  local p=$1 t=$2 extra=""; shift 2
  for x in "$@"; do extra+="<$x/>"; done
  echo "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$p'/><target dev='$t' bus='virtio'/>$extra</disk>"
}
nic() { echo "<interface type='network'><source network='$1'/><model type='e1000'/></interface>"; }

define() {  # HOST NAME LABEL|- DEVICES...: defines a persistent domain
  local h=$1 name=$2 label=$3 md=""
  shift 3
  [ "$label" != - ] && md="<metadata><shype:label xmlns:shype='urn:shype:libvirt:1' name='$label'/></metadata>"
  cat >"$RUN/xml/$name.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  $md
  <memory unit='MiB'>24</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>$RUN/guest.elf</kernel></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    $*
    <serial type='file'><source path='$RUN/console-$name.log'/></serial>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
  v "$h" define "$RUN/xml/$name.xml" >/dev/null || { echo "cannot define $name on $h"; return 1; }
}

start_ok() {  # HOST NAME WHAT
  local out
  if out=$(v "$1" start "$2" 2>&1); then pass "$3"; else fail "$3: virsh start $2 failed: $out"; fi
}

# Expects `virsh start` to be refused with exactly one shype line that contains TEXT.
start_refused() {  # HOST NAME TEXT WHAT
  local out n
  if out=$(v "$1" start "$2" 2>&1); then
    fail "$4: $2 started on host $1"
    v "$1" destroy "$2" >/dev/null 2>&1
    return
  fi
  n=$(grep -o 'shype: ' <<<"$out" | wc -l)
  if [[ "$out" == *"$3"* ]] && [ "$n" -eq 1 ]; then
    pass "$4"
    echo "      libvirt said: $(grep -o 'shype: .*' <<<"$out")"
  else
    fail "$4: expected one line with \"$3\", virsh said: $out"
  fi
  if [ "$(v "$1" domstate "$2" 2>/dev/null)" = running ]; then fail "$4: $2 runs although refused"; fi
}

running() { [ "$(v "$1" domstate "$2" 2>/dev/null)" = running ]; }

# The names the state of host H lists as admitted, sorted, on one line.
admitted() { "$SHYPE" status --config "$RUN/$1/shype.conf" 2>/dev/null | awk '/^  [^ ]/ {print $1}' | sort | tr '\n' ' '; }

# ===== 1. the hosts ============================================================================
note "preparing host A and host B"
prepare_host A 5b1f0000-0000-4000-8000-00000000000a || { echo "FAIL: cannot prepare host A"; exit 1; }
prepare_host B 5b1f0000-0000-4000-8000-00000000000b || { echo "FAIL: cannot prepare host B"; exit 1; }
note "starting virtlogd and libvirtd of host A"
start_daemons A shype-host-a || { echo "FAIL: cannot start the daemons of host A"; exit 1; }
pass "host A: virtlogd ${VIRTLOGD[A]} and libvirtd ${LIBVIRTD[A]} started with the shype hooks installed"

cat >"$RUN/xml/net-order.xml" <<EOF
<network><name>net-order</name>
  <metadata><shype:label xmlns:shype='urn:shype:libvirt:1' name='net_Order'/></metadata>
  <bridge name='shy${SUFFIX}o' stp='off'/></network>
EOF
cat >"$RUN/xml/net-open.xml" <<EOF
<network><name>net-open</name><bridge name='shy${SUFFIX}u' stp='off'/></network>
EOF
for n in net-order net-open; do
  v A net-create "$RUN/xml/$n.xml" >/dev/null || { echo "FAIL: cannot create network $n"; exit 1; }
done

define A alpha dom_Ads_Alpha
define A beta dom_Ads_Beta
define A order1 dom_Order "$(disk "$RUN/disks/order.img" vda shareable)" "$(disk "$RUN/disks/scratch.img" vdb shareable)" \
  "$(nic net-order)"
define A order2 dom_Order "$(disk "$RUN/disks/order.img" vda shareable)" "$(nic net-open)"
define A comp1 dom_Computing "$(disk "$RUN/disks/scratch.img" vda shareable)"
define A comp2 dom_Computing "$(disk "$RUN/disks/order.img" vda shareable)"
define A comp3 dom_Computing "$(nic net-open)"
define A gamma dom_Ads_Alpha "$(disk "$RUN/disks/ads/one.img" vda)" "$(nic net-order)"
define A plain -
define A comp0 dom_Computing

# ===== 2. Chinese Wall ==========================================================================
note "Chinese Wall: competitors on one host"
start_ok A alpha "alpha (OEM Alpha) starts"
# A loaded machine (CI runs several builds' tests) may take seconds to boot the guest under TCG.
booted=0
for i in $(seq 300); do grep -q "shype-guest: up" "$RUN/console-alpha.log" 2>/dev/null && { booted=1; break; }; sleep 0.1; done
[ $booted -eq 1 ] && pass "alpha's kernel booted under TCG (console says so)" || fail "alpha's console shows no boot line after 30 s"
start_refused A beta "shype: refused start of domain 'beta' (label dom_Ads_Beta): Chinese Wall: conflict set CompetingOEMs: domain 'alpha' (label dom_Ads_Alpha) runs here" \
  "beta (OEM Beta, conflict set CompetingOEMs) is refused while alpha runs"
start_refused A plain "shype: refused start of domain 'plain': it has no shype label" "an unlabelled domain is refused (unlabelled_domains = refuse)"

# ===== 3. Type Enforcement: disks and networks ===================================================
note "Type Enforcement: disks and networks"
start_ok A order1 "order1 (Order) starts with the shared order disk, a scratch disk and a port on net-order"
start_ok A order2 "order2 (Order) shares the order disk with order1: same coalition, allowed"
start_refused A comp1 "Type Enforcement: disk $RUN/disks/scratch.img is shared with domain 'order1' (label dom_Order), which is in no coalition with this domain" \
  "comp1 (Computing) may not share the unlabelled <shareable/> disk order1 uses"
start_refused A comp2 "Type Enforcement: disk $RUN/disks/order.img (resource label vdisk_Order, types Order) shares no type with this domain (types Computing)" \
  "comp2 (Computing) may not use the disk labelled vdisk_Order"
start_refused A gamma "shype: refused domain 'gamma' on network 'net-order' (label dom_Ads_Alpha): Type Enforcement: network net-order (resource label net_Order, types Order) shares no type with this domain (types Advertising)" \
  "gamma (Advertising) may not join net-order (label net_Order)"
start_refused A comp3 "Type Enforcement: network net-open is shared with domain 'order2' (label dom_Order), which is in no coalition with this domain" \
  "comp3 (Computing) may not share the unlabelled network net-open with order2"
state=$(admitted A)
[ "$state" = "alpha order1 order2 " ] && pass "host A's state admits exactly alpha order1 order2 (refused starts were released without trace)" ||
  fail "host A's state lists '$state', expected 'alpha order1 order2 '"

# ===== 4. racing starts ==========================================================================
note "racing starts of conflicting domains"
v A destroy alpha >/dev/null
define A ralpha dom_Ads_Alpha
define A rbeta dom_Ads_Beta
for round in 1 2 3; do
  v A start ralpha >"$RUN/race-a.out" 2>&1 & pa=$!
  v A start rbeta >"$RUN/race-b.out" 2>&1 & pb=$!
  wait $pa; ra=$?
  wait $pb; rb=$?
  ua=0; ub=0
  running A ralpha && ua=1
  running A rbeta && ub=1
  if [ $((ua + ub)) -eq 1 ] && [ $(( (ra == 0) + (rb == 0) )) -eq 1 ] &&
     grep -q "Chinese Wall: conflict set CompetingOEMs" "$RUN/race-a.out" "$RUN/race-b.out"; then
    pass "race $round: exactly one of ralpha/rbeta started, the other was refused by the Chinese Wall"
  else
    fail "race $round: ralpha rc=$ra running=$ua, rbeta rc=$rb running=$ub: $(cat "$RUN/race-a.out" "$RUN/race-b.out")"
  fi
  v A destroy ralpha >/dev/null 2>&1; v A destroy rbeta >/dev/null 2>&1
done
state=$(admitted A)
[ "$state" = "order1 order2 " ] && pass "after the races the state holds order1 order2 only" || fail "after the races the state lists '$state'"

# ===== 5. a live policy change ===================================================================
note "live policy change"
start_ok A comp0 "comp0 (Computing) starts beside the order domains"
cp "$RUN/A/state/policy.bin" "$RUN/policy-before.bin"
out=$("$SHYPE" change-policy --config "$RUN/A/shype.conf" "$DATA/policy-v3-conflict.xml" 2>&1); rc=$?
if [ $rc -eq 1 ] && [[ "$out" == *"refused: Chinese Wall: domain 'comp0' (label dom_Computing) and domain 'order1' (label dom_Order) both run here, and the new policy's conflict set OrderIsolation holds both their types"* ]] &&
   cmp -s "$RUN/policy-before.bin" "$RUN/A/state/policy.bin"; then
  pass "a policy putting order and computing workloads in one conflict set is refused; the old policy stays in force"
else
  fail "the conflicting policy change: rc=$rc: $out"
fi
v A destroy comp0 >/dev/null
out=$("$SHYPE" change-policy --config "$RUN/A/shype.conf" --dry-run "$DATA/policy-v2-revoke.xml" 2>&1); rc=$?
if [ $rc -eq 0 ] && [[ "$out" == *"would revoke: domain 'order1' (label dom_Order) may no longer use network net-order (label net_Order)"* ]] &&
   cmp -s "$RUN/policy-before.bin" "$RUN/A/state/policy.bin"; then
  pass "a dry run reports the port it would revoke and changes nothing"
else
  fail "the dry run: rc=$rc: $out"
fi
mac=$(v A domiflist order1 | awk '$3 == "net-order" {print $5}')
out=$("$SHYPE" change-policy --config "$RUN/A/shype.conf" "$DATA/policy-v2-revoke.xml" 2>&1); rc=$?
link=$(v A domif-getlink order1 "$mac" 2>&1)
if [ $rc -eq 0 ] && [[ "$out" == *"revoked: domain 'order1' (label dom_Order) may no longer use network net-order (label net_Order)"* ]] &&
   [[ "$out" == *"done: $(command -v virsh) -c"*"domif-setlink"*"$mac down"* ]] && [[ "$link" == *down* ]]; then
  pass "the applied change revoked order1's port on net-order and set its link down through libvirt ($link)"
else
  fail "the applied change: rc=$rc, link '$link': $out"
fi
echo "$out" | sed 's/^/      /'

# ===== 6. daemon restart, lost state ==============================================================
note "daemon restart with a lost state file"
start_ok A alpha "alpha starts again"
qemu_order2=$(cat "$RUN/A/run/qemu/order2.pid")
stop_pid "${LIBVIRTD[A]}"
stop_pid "$qemu_order2"   # order2 dies while libvirtd is down
rm -f "$RUN/A/state/state"  # and the state file is lost
restart_libvirtd A || { echo "FAIL: libvirtd of host A did not restart"; exit 1; }
for i in $(seq 300); do [ -s "$RUN/A/state/state" ] && running A alpha && running A order1 && break; sleep 0.1; done
state=$(admitted A)
[ "$state" = "alpha order1 " ] && pass "after the restart the state was rebuilt from libvirt: alpha order1 (order2 died meanwhile)" ||
  fail "after the restart the state lists '$state', expected 'alpha order1 '"
if grep -q "state file missing: rebuilding it from libvirt's records" "$RUN/A/state/decisions.log" &&
   grep -q "admitted running domain 'alpha'" "$RUN/A/state/decisions.log"; then
  pass "the decision log records the rebuild from libvirt's records"
else
  fail "the decision log does not record the rebuild: $(tail -5 "$RUN/A/state/decisions.log")"
fi
start_refused A beta "Chinese Wall: conflict set CompetingOEMs: domain 'alpha' (label dom_Ads_Alpha) runs here" \
  "after the restart beta is still refused while alpha runs"
rm -f "$RUN/A/state/state"  # lost again, libvirtd running: the next hook rebuilds it
start_refused A beta "Chinese Wall: conflict set CompetingOEMs: domain 'alpha' (label dom_Ads_Alpha) runs here" \
  "with the state file lost while libvirtd runs, beta is still refused"
v A destroy alpha >/dev/null
start_ok A beta "once alpha stops, beta starts: alpha was counted once, not twice"
v A destroy beta >/dev/null

# ===== 7. migration ================================================================================
note "starting host B; migration"
start_daemons B shype-host-b || { echo "FAIL: cannot start the daemons of host B"; exit 1; }
pass "host B: virtlogd ${VIRTLOGD[B]} and libvirtd ${LIBVIRTD[B]} started in their own namespaces"
define B mbeta dom_Ads_Beta
start_ok B mbeta "mbeta (OEM Beta) runs on host B"
define A malpha dom_Ads_Alpha
define A morder dom_Order
start_ok A malpha "malpha (OEM Alpha) runs on host A"
start_ok A morder "morder (Order) runs on host A"
out=$(v A migrate --live malpha "$(uri B)" --migrateuri tcp://127.0.0.1:49152 2>&1); rc=$?
n=$(grep -o 'shype: ' <<<"$out" | wc -l)
if [ $rc -ne 0 ] && [ "$n" -eq 1 ] &&
   [[ "$out" == *"shype: refused incoming migration of domain 'malpha' (label dom_Ads_Alpha): Chinese Wall: conflict set CompetingOEMs: domain 'mbeta' (label dom_Ads_Beta) runs here"* ]] &&
   running A malpha && ! running B malpha; then
  pass "the migration of malpha to host B is refused by B's Chinese Wall; malpha keeps running on A"
  echo "      libvirt said: $(grep -o 'shype: .*' <<<"$out")"
else
  fail "the migration of malpha: rc=$rc: $out"
fi
out=$(v A migrate --live morder "$(uri B)" --migrateuri tcp://127.0.0.1:49153 2>&1); rc=$?
if [ $rc -eq 0 ] && running B morder && ! running A morder; then
  pass "the migration of morder (Order) to host B is allowed"
else
  fail "the migration of morder: rc=$rc: $out"
fi
for i in $(seq 300); do [[ "$(admitted A)" != *morder* ]] && break; sleep 0.1; done
sa=$(admitted A) sb=$(admitted B)
[ "$sb" = "mbeta morder " ] && [[ "$sa" != *morder* ]] && [[ "$sa" == *malpha* ]] &&
  pass "host B's state admits mbeta morder; host A released morder" || fail "after the migrations: A lists '$sa', B lists '$sb'"

note "done"
echo "$CHECKS checks, $FAILS failed, $(($(date +%s) - START)) s"
[ "$FAILS" -eq 0 ] && [ "$CHECKS" -ge 25 ]
