#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# shype-libvirt as libvirt runs it, without libvirt: the installed hook wrappers are called with
# libvirt's arguments and XML on stdin, from this one shell (so they see one "libvirtd"), against
# an empty libvirt run directory. Covers install/uninstall, command-line and input errors, racing
# admissions under the lock, release of only what was admitted, a corrupt state file (and three
# in a row: three copies), a domain name with a newline (escaped, one line in the log and in
# status), standard input over the limit, and change-policy (refused, dry run, a write that fails
# leaving both old files, applied with a failing action, a state made against another policy).
#
#   hook_test.sh SHYPE_LIBVIRT DATA_DIR WORK_DIR
set -uo pipefail
if [ $# -ne 3 ] || [ -z "$3" ]; then
  echo "usage: $0 SHYPE_LIBVIRT DATA_DIR WORK_DIR" >&2
  exit 2
fi
SHYPE=$1 DATA=$2 W=$3/hook-test
rm -rf "$W" && mkdir -p "$W/run/qemu" "$W/run/network" || exit 1
FAILS=0 CHECKS=0
pass() { CHECKS=$((CHECKS + 1)); echo "PASS: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
expect() {  # WHAT EXPECTED-RC EXPECTED-TEXT COMMAND...: the exit code and a substring of stdout+stderr
  local what=$1 rc=$2 text=$3 out got
  shift 3
  out=$("$@" 2>&1)
  got=$?
  if [ "$got" -eq "$rc" ] && [[ "$out" == *"$text"* ]]; then pass "$what"; else fail "$what: rc $got (want $rc): $out"; fi
}

printf '%s\n' "state_dir = $W/state" "disk_labels = $W/disk-labels" "libvirt_run_dir = $W/run" \
  "virsh = /bin/false" "uri = test:///nowhere" >"$W/shype.conf"
echo "vdisk_Order $W/disks/" >"$W/disk-labels"
Q=$W/hooks/qemu.d/shype N=$W/hooks/network.d/shype

# libvirtd runs every hook as its own child; the adapter tells daemons apart by that parent. A
# stand-in does the same here: one shell process, fed request files through a FIFO, runs each
# hook (or several at once, for the races) as its direct child.
mkfifo "$W/daemon.fifo" || exit 1
( while IFS= read -r req; do
    . "$req"
    : >"$req.done"
  done <"$W/daemon.fifo" ) &
DAEMON=$!
exec 9>"$W/daemon.fifo"
trap 'exec 9>&-; wait $DAEMON 2>/dev/null' EXIT
daemon_run() {  # runs the request on stdin (shell text) in the stand-in and waits for it
  local r
  r=$(mktemp "$W/req.XXXXXX")
  cat >"$r"
  echo "$r" >&9
  while [ ! -e "$r.done" ]; do sleep 0.01; done
}
hook() {  # DRIVER NAME OPERATION SUB-OPERATION: stdin is the XML; prints the hook's output
  local in wrapper=$Q
  [ "$1" = network ] && wrapper=$N
  in=$(mktemp "$W/in.XXXXXX")
  cat >"$in"
  daemon_run <<REQUEST
'$wrapper' '$2' '$3' '$4' - <'$in' >'$in.out' 2>&1; echo \$? >'$in.rc'
REQUEST
  cat "$in.out"
  return "$(cat "$in.rc")"
}

uuid_of() { printf '00000000-0000-4000-8000-%012d' "$(cksum <<<"$1" | cut -d' ' -f1)"; }
domain() {  # NAME LABEL|- ID [DEVICES]
  local md=""
  [ "$2" != - ] && md="<metadata><shype:label xmlns:shype='urn:shype:libvirt:1' name='$2'/></metadata>"
  echo "<domain type='qemu' id='$3'><name>$1</name><uuid>$(uuid_of "$1")</uuid>$md<devices>${4:-}</devices></domain>"
}
q() {  # NAME LABEL|- ID OPERATION SUB-OPERATION [DEVICES]: the qemu hook as libvirt calls it
  domain "$1" "$2" "$3" "${6:-}" | hook qemu "$1" "$4" "$5"
}
port() {  # NETWORK LABEL|- OWNER PORTID MAC: the network hook's port-created
  local md=""
  [ "$2" != - ] && md="<metadata><shype:label xmlns:shype='urn:shype:libvirt:1' name='$2'/></metadata>"
  echo "<hookData><network><name>$1</name>$md</network><networkport><uuid>$4</uuid><owner><name>$3</name><uuid>$(uuid_of "$3")</uuid></owner><mac address='$5'/></networkport></hookData>" |
    hook network "$1" port-created begin
}
admitted() { "$SHYPE" status --config "$W/shype.conf" 2>/dev/null | awk '/^  [^ ]/ {print $1}' | sort | tr '\n' ' '; }

# ----- install ----------------------------------------------------------------------------------
expect "install needs --policy" 2 "shype-libvirt install: --policy POLICY is required" "$SHYPE" install --config "$W/shype.conf"
expect "an unknown option is named" 2 "shype-libvirt install: unknown option --polcy" "$SHYPE" install --polcy x
expect "an unknown command is named" 2 "shype-libvirt: unknown command 'instal'" "$SHYPE" instal
echo "vdisk_Nowhere $W/other.img" >>"$W/disk-labels"
expect "install refuses a map label the policy lacks, naming the line" 3 \
  "$W/disk-labels:2: vdisk_Nowhere: not a resource label of policy 'libvirt.test'" \
  "$SHYPE" install --config "$W/shype.conf" --hooks-dir "$W/hooks" --policy "$DATA/policy.xml"
if [ ! -e "$W/state/policy.bin" ] && [ ! -e "$Q" ]; then pass "a refused install leaves nothing behind"; else fail "a refused install left files"; fi
echo "vdisk_Order $W/disks/" >"$W/disk-labels"
# libvirt's record of a running unlabelled domain (this shell stands for its QEMU process).
echo "<domstatus state='running' pid='$$'><domain type='qemu' id='1'><name>plain</name><uuid>u-plain</uuid></domain></domstatus>" \
  >"$W/run/qemu/plain.xml"
expect "install refuses while an unlabelled domain runs (libvirt would stop it at its next restart)" 1 \
  "shype-libvirt install: refused: running domain 'plain' cannot be admitted: it has no shype label" \
  "$SHYPE" install --config "$W/shype.conf" --hooks-dir "$W/hooks" --policy "$DATA/policy.xml"
rm "$W/run/qemu/plain.xml"
expect "install puts the hooks and the policy in place" 0 "installed the network hook $N" \
  "$SHYPE" install --config "$W/shype.conf" --hooks-dir "$W/hooks" --policy "$DATA/policy.xml"
if [ -x "$Q" ] && [ -x "$N" ] && grep -q "installed by 'shype-libvirt install'" "$Q"; then
  pass "the hook wrappers are executable and marked"
else
  fail "the hook wrappers are missing"
fi
expect "installing the same policy again is fine" 0 "policy in force: 'libvirt.test' version 1.0" \
  "$SHYPE" install --config "$W/shype.conf" --hooks-dir "$W/hooks" --policy "$DATA/policy.xml"
expect "install does not replace a different policy in force" 1 "a different policy is in force" \
  "$SHYPE" install --config "$W/shype.conf" --hooks-dir "$W/hooks" --policy "$DATA/policy-v3-conflict.xml"

# ----- the qemu hook -------------------------------------------------------------------------------
expect "a start is admitted" 0 "" q alpha dom_Ads_Alpha 1 prepare begin
expect "a competitor is refused with one line naming the rule" 1 \
  "shype: refused start of domain 'beta' (label dom_Ads_Beta): Chinese Wall: conflict set CompetingOEMs: domain 'alpha' (label dom_Ads_Alpha) runs here" \
  q beta dom_Ads_Beta 2 prepare begin
expect "an unknown label is named" 1 \
  "shype: refused start of domain 'x' (label dom_Nope): label dom_Nope is not a VirtualMachineLabel of policy 'libvirt.test'" \
  q x dom_Nope 3 prepare begin
expect "a disk labelled by the map is checked" 1 \
  "Type Enforcement: disk $W/disks/db.img (resource label vdisk_Order, types Order) shares no type with this domain (types Computing)" \
  q comp dom_Computing 4 prepare begin "<disk type='file'><source file='$W/disks/db.img'/><target dev='vda'/></disk>"
expect "malformed domain XML is refused, naming the line" 1 \
  "shype: refused start of domain 'bad': cannot read the domain XML: domain XML of 'bad' (stdin):2: XML: " \
  bash -c "$(declare -f hook daemon_run); W='$W' Q='$Q' N='$N'; exec 9>'$W/daemon.fifo'; printf '<domain>\n<name>bad' | hook qemu bad prepare begin"
expect "a restore is decided as a restore" 1 "shype: refused restore of domain 'beta' (label dom_Ads_Beta): Chinese Wall" \
  q beta dom_Ads_Beta -1 restore begin
expect "an incoming migration is decided as one" 1 "shype: refused incoming migration of domain 'beta'" \
  q beta dom_Ads_Beta -1 migrate begin
expect "the release of a refused domain frees nothing" 0 "" q beta dom_Ads_Beta 2 release end
expect "the release of another incarnation frees nothing" 0 "" q alpha dom_Ads_Alpha 99 release end
if [ "$(admitted)" = "alpha " ]; then pass "alpha is still admitted"; else fail "the state lists '$(admitted)'"; fi
expect "alpha's own release frees it" 0 "" q alpha dom_Ads_Alpha 1 release end
if [ "$(admitted)" = "" ]; then pass "nothing is admitted after the release"; else fail "the state lists '$(admitted)'"; fi
echo 'frobnicate = 1' >"$W/broken.conf"
expect "a hook with a broken configuration refuses, naming the line" 1 \
  "shype: refused: configuration: $W/broken.conf:1: frobnicate: unknown key" \
  bash -c "echo '<domain/>' | '$SHYPE' hook qemu --config '$W/broken.conf' d prepare begin -"
expect "operations shype does not decide pass" 0 "" q alpha dom_Ads_Alpha 1 stopped end

# ----- racing admissions under the lock ----------------------------------------------------------
for round in 1 2 3 4 5; do
  for d in "ralpha dom_Ads_Alpha 10" "rbeta dom_Ads_Beta 11" "rorder dom_Order 12"; do
    set -- $d
    domain "$1" "$2" "$3" >"$W/race-$1.xml"
  done
  daemon_run <<REQUEST
'$Q' ralpha prepare begin - <'$W/race-ralpha.xml' >'$W/race-ralpha.out' 2>&1 & p1=\$!
'$Q' rbeta prepare begin - <'$W/race-rbeta.xml' >'$W/race-rbeta.out' 2>&1 & p2=\$!
'$Q' rorder prepare begin - <'$W/race-rorder.xml' >'$W/race-rorder.out' 2>&1 & p3=\$!
wait \$p1; echo \$? >'$W/race-ralpha.rc'
wait \$p2; echo \$? >'$W/race-rbeta.rc'
wait \$p3; echo \$? >'$W/race-rorder.rc'
REQUEST
  ra=$(cat "$W/race-ralpha.rc") rb=$(cat "$W/race-rbeta.rc") ro=$(cat "$W/race-rorder.rc")
  s=$(admitted)
  if [ $(( (ra == 0) + (rb == 0) )) -eq 1 ] && [ "$ro" -eq 0 ] && { [ "$s" = "ralpha rorder " ] || [ "$s" = "rbeta rorder " ]; } &&
     grep -q "Chinese Wall: conflict set CompetingOEMs" "$W/race-ralpha.out" "$W/race-rbeta.out"; then
    pass "race $round: exactly one competitor admitted, the order domain too ($s)"
  else
    fail "race $round: ralpha rc=$ra, rbeta rc=$rb, rorder rc=$ro, state '$s': $(cat "$W"/race-*.out)"
  fi
  q ralpha dom_Ads_Alpha 10 release end
  q rbeta dom_Ads_Beta 11 release end
  q rorder dom_Order 12 release end
done

# ----- the network hook ----------------------------------------------------------------------------
if q order dom_Order 20 prepare begin && q comp dom_Computing 21 prepare begin; then pass "order and comp admitted"; else fail "order or comp refused"; fi
expect "order's port on a net_Order network is admitted" 0 "" port lan net_Order order p-1 52:54:00:00:00:01
expect "comp's port there is refused" 1 \
  "shype: refused domain 'comp' on network 'lan' (label dom_Computing): Type Enforcement: network lan (resource label net_Order, types Order)" \
  port lan net_Order comp p-2 52:54:00:00:00:02
expect "the same port created again (libvirtd restarting) is admitted" 0 "" port lan net_Order order p-1 52:54:00:00:00:01
expect "a port of a domain shype never admitted is refused" 1 "the domain was not admitted by shype's qemu hook" \
  port lan net_Order stranger p-3 52:54:00:00:00:03
expect "an unlabelled network shared across coalitions is refused" 1 \
  "Type Enforcement: network open is shared with domain 'order' (label dom_Order), which is in no coalition with this domain" \
  bash -c "$(declare -f port uuid_of hook daemon_run); W='$W' Q='$Q' N='$N'; exec 9>'$W/daemon.fifo'; port open - order p-4 52:54:00:00:00:04 && port open - comp p-5 52:54:00:00:00:05"

# ----- a corrupt state file -------------------------------------------------------------------------
cp "$W/state/state" "$W/state.good"
echo garbage >"$W/state/state"
expect "a corrupt state is moved aside and rebuilt; the hook still decides" 0 "" q delta dom_Ads_Beta 22 prepare begin
if ls "$W/state"/state.corrupt-* >/dev/null 2>&1 && grep -q "state file unreadable" "$W/state/decisions.log"; then
  pass "the corrupt state file was kept aside and the rebuild logged"
else
  fail "no trace of the corrupt state file"
fi
cp "$W/state.good" "$W/state/state"
# Several corrupt state files in a row (well within one second) each keep a copy of their own.
before=$(ls "$W/state" | grep -c '^state\.corrupt-')
for i in 1 2 3; do
  echo "garbage $i" >"$W/state/state"
  "$SHYPE" status --config "$W/shype.conf" >/dev/null 2>&1
done
after=$(ls "$W/state" | grep -c '^state\.corrupt-')
kept=$(cat "$W/state"/state.corrupt-* | grep -c '^garbage [123]$')
if [ "$after" -eq $((before + 3)) ] && [ "$kept" -eq 3 ]; then
  pass "three corrupt state files in a row left three copies"
else
  fail "three corrupt state files left $((after - before)) new copies, $kept of them intact: $(ls "$W/state")"
fi
cp "$W/state.good" "$W/state/state"

# ----- untrusted names: one record per line in the log and in status -------------------------------
# libvirt passes the name as written in the XML: <name>a&#10;b</name> is "a", newline, "b".
forged='evil&#10;2000-01-01T00:00:00 admitted start of domain &apos;fake&apos;&#9;x&#13;y'
expect "a domain whose name holds a newline is decided" 0 "" q "$forged" dom_Order 24 prepare begin
if grep -qvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2} ' "$W/state/decisions.log" ||
   grep -q $'\r' "$W/state/decisions.log"; then
  fail "a decision log line does not start with a timestamp: $(grep -vE '^[0-9]{4}-' "$W/state/decisions.log")"
elif grep -qF "domain 'evil\n2000-01-01T00:00:00 admitted start of domain 'fake'\tx\ry' (label dom_Order" "$W/state/decisions.log"; then
  pass "the name is escaped in the decision log: every line is a record"
else
  fail "the escaped name is not in the decision log: $(tail -3 "$W/state/decisions.log")"
fi
status_out=$("$SHYPE" status --config "$W/shype.conf" 2>&1)
if grep -q '^2000-01-01' <<<"$status_out" || grep -q $'\r' <<<"$status_out"; then
  fail "status printed the name raw: $status_out"
elif grep -qF "  evil\n2000-01-01T00:00:00 admitted start of domain 'fake'\tx\ry  label dom_Order  admitted" <<<"$status_out"; then
  pass "status prints the name escaped, on one line"
else
  fail "status does not show the escaped name: $status_out"
fi
expect "its release is decided" 0 "" q "$forged" dom_Order 24 release end
expect "standard input beyond 16 MiB is refused, and drained" 1 "larger than the limit of 16 MiB" \
  bash -c "head -c 17000000 /dev/zero | '$SHYPE' hook qemu --config '$W/shype.conf' big prepare begin -"

# ----- change-policy ---------------------------------------------------------------------------------
cp "$W/state/policy.bin" "$W/policy-before.bin"
expect "change-policy refuses a conflict, naming both domains and the set" 1 \
  "refused: Chinese Wall: domain 'comp' (label dom_Computing) and domain 'order' (label dom_Order) both run here, and the new policy's conflict set OrderIsolation holds both their types" \
  "$SHYPE" change-policy --config "$W/shype.conf" "$DATA/policy-v3-conflict.xml"
if cmp -s "$W/policy-before.bin" "$W/state/policy.bin"; then pass "the refused change left the policy in force"; else fail "policy.bin changed"; fi
echo '<SecurityPolicyDefinition>' >"$W/broken.xml"
expect "change-policy reports a broken policy file by name" 3 "$W/broken.xml:" \
  "$SHYPE" change-policy --config "$W/shype.conf" "$W/broken.xml"
expect "change-policy needs exactly one policy" 2 "shype-libvirt change-policy: missing argument" "$SHYPE" change-policy --config "$W/shype.conf"
expect "change-policy takes one policy only" 2 "shype-libvirt change-policy: too many arguments" "$SHYPE" change-policy "$W/a.xml" "$W/b.xml"
expect "a dry run names what it would revoke" 0 \
  "would revoke: domain 'order' (label dom_Order) may no longer use network lan (label net_Order): port p-1" \
  "$SHYPE" change-policy --config "$W/shype.conf" --dry-run "$DATA/policy-v2-revoke.xml"
if cmp -s "$W/policy-before.bin" "$W/state/policy.bin"; then pass "the dry run changed nothing"; else fail "policy.bin changed"; fi
# A change whose second file cannot be written changes nothing: the old policy and the old state
# stay, and the hooks decide with them. First a file size limit between the state's size and the
# policy's (bytes: prlimit; SIGXFSZ ignored so that write() fails instead of killing it).
cp "$W/state/state" "$W/state-before"
limit=$(( $(stat -c %s "$W/policy-before.bin") - 1 ))
if [ $(( $(stat -c %s "$W/state/state") + 64 )) -ge "$limit" ]; then fail "premise: the state is not smaller than the policy"; fi
expect "a change that cannot write its files is refused whole" 3 \
  "nothing was changed: the policy in force stays 'libvirt.test' version 1.0" \
  prlimit --fsize="$limit" bash -c "trap '' XFSZ; exec '$SHYPE' change-policy --config '$W/shype.conf' '$DATA/policy-v2-revoke.xml'"
if cmp -s "$W/policy-before.bin" "$W/state/policy.bin" && cmp -s "$W/state-before" "$W/state/state" &&
   [ ! -e "$W/state/policy.bin.next" ]; then
  pass "the failed change left the old policy and the old state, and no pending policy"
else
  fail "the failed change left policy $(cksum <"$W/state/policy.bin"), state: $(diff "$W/state-before" "$W/state/state")"
fi
expect "... and the hooks still decide with the old policy (a port version 1.1 revokes is admitted)" 0 "" \
  port lan net_Order order p-8 52:54:00:00:00:08
echo "<hookData><network><name>lan</name></network><networkport><uuid>p-8</uuid><owner><name>order</name><uuid>$(uuid_of order)</uuid></owner></networkport></hookData>" |
  "$N" lan port-deleted begin - >/dev/null 2>&1
# Then the state's own write fails (its temporary name is taken): the pending policy goes too.
expect "a change whose state cannot be written is refused whole" 3 "nothing was changed" \
  bash -c 'mkdir "$0/state/state.tmp.$$" && exec "$1" change-policy --config "$0/shype.conf" "$2"' \
  "$W" "$SHYPE" "$DATA/policy-v2-revoke.xml"
rmdir "$W"/state/state.tmp.* 2>/dev/null
if cmp -s "$W/policy-before.bin" "$W/state/policy.bin" && cmp -s "$W/state-before" "$W/state/state" &&
   [ ! -e "$W/state/policy.bin.next" ]; then
  pass "the failed state write left the old policy and the old state, and no pending policy"
else
  fail "the failed state write left policy $(cksum <"$W/state/policy.bin"), state: $(diff "$W/state-before" "$W/state/state")"
fi
expect "an applied change reports the revocation and the failed action" 4 \
  "FAILED (exit 1): /bin/false -c test:///nowhere domif-setlink $(uuid_of order) 52:54:00:00:00:01 down" \
  "$SHYPE" change-policy --config "$W/shype.conf" "$DATA/policy-v2-revoke.xml"
expect "the port is marked revoked" 0 "REVOKED (link down)" "$SHYPE" status --config "$W/shype.conf"
expect "a new port for the same interface (libvirt re-creates it on domif-setlink) inherits its standing" 0 "" \
  port lan net_Order order p-9 52:54:00:00:00:01
expect "the old port's deletion leaves the new one, still revoked" 0 "port p-9 on network lan mac 52:54:00:00:00:01  label net_Order  REVOKED" \
  bash -c "echo \"<hookData><network><name>lan</name></network><networkport><uuid>p-1</uuid><owner><name>order</name><uuid>$(uuid_of order)</uuid></owner></networkport></hookData>\" | '$N' lan port-deleted begin - && '$SHYPE' status --config '$W/shype.conf'"
expect "status names the new policy in force" 0 "policy in force: 'libvirt.test' version 1.1" "$SHYPE" status --config "$W/shype.conf"
expect "... under which the port admitted above under version 1.0 is refused" 1 "shype: refused domain 'order' on network 'lan'" \
  port lan net_Order order p-8 52:54:00:00:00:08
# The policy file of before with the state of after (what a lost policy write would leave, or a
# policy.bin replaced by hand): the next hook does not use the state, keeps it aside and rebuilds
# it from libvirt's records under the policy in force.
cp "$W/state/policy.bin" "$W/policy-after.bin" && cp "$W/state/state" "$W/state-after"
cp "$W/policy-before.bin" "$W/state/policy.bin"
expect "a hook after a state made against another policy decides with the policy in force" 0 "" \
  q epsilon dom_Order 40 prepare begin
if ls "$W/state"/state.mismatch-* >/dev/null 2>&1 && grep -q "state file unreadable: $W/state/state: made against policy" "$W/state/decisions.log" &&
   [ "$(admitted)" = "epsilon " ]; then
  pass "the mismatched state was kept aside, logged, and rebuilt from libvirt's records"
else
  fail "the mismatched state was used: $(ls "$W/state"); admitted: $(admitted)"
fi
cp "$W/policy-after.bin" "$W/state/policy.bin" && cp "$W/state-after" "$W/state/state"

# ----- unlabelled domains treated as a label ---------------------------------------------------------
printf '%s\n' "state_dir = $W/state2" "libvirt_run_dir = $W/run" "unlabelled_domains = label dom_Computing" >"$W/shype2.conf"
expect "install with a label for unlabelled domains" 0 "installed the qemu hook" \
  "$SHYPE" install --config "$W/shype2.conf" --hooks-dir "$W/hooks2" --policy "$DATA/policy.xml"
Q=$W/hooks2/qemu.d/shype
SHARED="<disk type='file'><source file='$W/shared.img'/><target dev='vda'/></disk>"
expect "an unlabelled domain is admitted as the configured label" 0 "" q plain - 30 prepare begin "$SHARED"
expect "... and decided as that label" 1 \
  "shype: refused start of domain 'order' (label dom_Order): Type Enforcement: disk $W/shared.img is shared with domain 'plain' (label dom_Computing)" \
  q order dom_Order 31 prepare begin "$SHARED"
expect "status shows the label it was given" 0 "  plain  label dom_Computing  admitted" "$SHYPE" status --config "$W/shype2.conf"
Q=$W/hooks/qemu.d/shype

# ----- uninstall ---------------------------------------------------------------------------------------
echo "#!/bin/sh" >"$W/hooks/network.d/shype"
expect "uninstall leaves a hook it did not write" 1 "was not written by shype-libvirt install: left in place" \
  "$SHYPE" uninstall --hooks-dir "$W/hooks"
if [ ! -e "$Q" ] && [ -e "$N" ]; then pass "uninstall removed only its own hook"; else fail "uninstall removed the wrong files"; fi

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ] && [ "$CHECKS" -ge 40 ]
