#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fleet layer (docs/fleet.md) against a real etcd: a 3-member cluster on loopback ports with
# TLS, client-certificate authentication and etcd's roles, three hosts (each the adapter with its
# own state directory, domains admitted through its hooks as libvirt would call them, virsh a
# stand-in that records what it is asked) and their agents (`shype-libvirt agent`).
# Checks: status; plan and rollout of a policy that revokes a port on one host and is refused by
# another (the reports say so, the refusing host keeps its policy, --canary stops where it
# should, --continue-on-refusal goes on); place; history; revisions written by hand that are
# corrupt, truncated, unsigned, signed by another key or replayed under another number are
# rejected by every agent; an agent's credentials can publish nothing and write no other host's
# keys; a client without a certificate is refused; an agent killed leaves the fleet when its
# lease expires and catches up when restarted; one member killed mid-rollout: it completes; two
# killed: it stops with a clear error and no host has a partial policy.
# It starts its own etcd members and agents and stops only those, by pid.
#
#   fleet_test.sh SHYPE_LIBVIRT DATA_DIR WORK_DIR
set -uo pipefail
if [ $# -ne 3 ] || [ -z "$3" ]; then
  echo "usage: $0 SHYPE_LIBVIRT DATA_DIR WORK_DIR" >&2
  exit 2
fi
SHYPE=$(realpath "$1") DATA=$(realpath "$2") W=$(realpath "$3")/fleet-test
for p in etcd etcdctl openssl curl ss; do
  command -v "$p" >/dev/null || { echo "FAIL: $p is missing (scripts/install-deps.sh test installs it)"; exit 1; }
done
rm -rf "$W" && mkdir -p "$W" || exit 1
FAILS=0 CHECKS=0
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
pass() { CHECKS=$((CHECKS + 1)); echo "PASS: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
expect() {  # WHAT EXPECTED-RC TEXT... -- COMMAND...: the exit code and substrings of stdout+stderr
  local what=$1 rc=$2 out got t ok=1
  shift 2
  local texts=()
  while [ "$1" != "--" ]; do texts+=("$1"); shift; done
  shift
  out=$("$@" 2>&1)
  got=$?
  for t in "${texts[@]}"; do [[ "$out" == *"$t"* ]] || { ok=0; fail "$what: no '$t' in (rc $got): $out"; break; }; done
  if [ $ok -eq 1 ]; then
    if [ "$got" -eq "$rc" ]; then pass "$what"; else fail "$what: rc $got (want $rc): $out"; fi
  fi
  LAST=$out
}
wait_for() {  # SECONDS WHAT COMMAND...: until the command succeeds
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    if "$@" >/dev/null 2>&1; then pass "$what"; return 0; fi
    sleep 0.2
  done
  fail "$what (not within $secs s)"
  return 1
}

# ----- a CA, the members' certificate, clients' certificates ------------------------------------------
# etcd 3.4 refuses gateway requests whose client certificate has a Common Name while
# authentication is on (the user comes from a token): the product's certificates have none.
# etcdctl (tests only, over gRPC) uses one with CN=root.
PKI=$W/pki
mkdir -p "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
  -days 2 -subj /CN=shype-fleet-test-ca 2>/dev/null || { echo "FAIL: openssl"; exit 1; }
cert() {  # NAME SUBJECT
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$PKI/$1.ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.csr" -subj "$2" 2>/dev/null &&
    openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -out "$PKI/$1.crt" -days 2 \
      -extfile "$PKI/$1.ext" 2>/dev/null
}
cert server /CN=localhost && cert root /CN=root && cert operator /O=shype/OU=operator && cert agent /O=shype/OU=agent ||
  { echo "FAIL: making certificates"; exit 1; }

# ----- three etcd members on free loopback ports ----------------------------------------------------------
used=$(ss -Htan | awk '{print $4}' | sed 's/.*://' | sort -u)
PORTS=()
for ((p = 20000 + RANDOM % 20000; ${#PORTS[@]} < 6; p++)); do
  grep -qx "$p" <<<"$used" || PORTS+=("$p")
done
CLUSTER=""
for i in 0 1 2; do CLUSTER+="${CLUSTER:+,}m$i=http://127.0.0.1:${PORTS[$((i * 2 + 1))]}"; done
ENDPOINTS=""
MEMBER=()
start_member() {  # I
  local i=$1 c=${PORTS[$(($1 * 2))]} pr=${PORTS[$(($1 * 2 + 1))]}
  etcd --name "m$i" --data-dir "$W/etcd-m$i" --listen-client-urls "https://127.0.0.1:$c" --advertise-client-urls "https://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$pr" --initial-advertise-peer-urls "http://127.0.0.1:$pr" \
    --initial-cluster "$CLUSTER" --initial-cluster-state new --initial-cluster-token "shype-fleet-test-$$" \
    --heartbeat-interval 50 --election-timeout 500 \
    --cert-file "$PKI/server.crt" --key-file "$PKI/server.key" --trusted-ca-file "$PKI/ca.crt" --client-cert-auth \
    >"$W/etcd-m$i.log" 2>&1 &
  MEMBER[$i]=$!
  PIDS+=($!)
}
for i in 0 1 2; do
  start_member $i
  ENDPOINTS+="${ENDPOINTS:+,}https://127.0.0.1:${PORTS[$((i * 2))]}"
done
CTL=(etcdctl --endpoints "$ENDPOINTS" --cacert "$PKI/ca.crt" --cert "$PKI/root.crt" --key "$PKI/root.key" --dial-timeout 3s
     --command-timeout 5s)
wait_for 30 "the 3-member etcd cluster is up (TLS, client certificates required)" "${CTL[@]}" endpoint health || exit 1

# ----- etcd's users and roles -----------------------------------------------------------------------------------
# root (to administer); operator: everything under the prefix; agent-HOST: read the revisions, its
# assignment and the current revision, write only its own host keys.
F=/shype/fleet
role() { "${CTL[@]}" "$@" >/dev/null || fail "etcdctl $*"; }
echo rootpw >"$W/root.pw"
role user add root:rootpw
role user grant-role root root
echo operatorpw >"$W/operator.pw"
role user add operator:operatorpw
role role add operator
role role grant-permission operator --prefix=true readwrite "$F/"
role user grant-role operator operator
for h in h1 h2 h3; do
  echo "agent-$h-pw" >"$W/agent-$h.pw"
  role user add "agent-$h:agent-$h-pw"
  role role add "agent-$h"
  role role grant-permission "agent-$h" --prefix=true read "$F/revisions/"
  role role grant-permission "agent-$h" read "$F/assign/$h"
  role role grant-permission "agent-$h" read "$F/current"
  role role grant-permission "agent-$h" --prefix=true readwrite "$F/hosts/$h/"
  role user grant-role "agent-$h" "agent-$h"
done
role auth enable
CTL+=(--user root:rootpw)

# ----- the operator's keys and configuration ---------------------------------------------------------------------
expect "keygen writes an Ed25519 key pair" 0 "wrote the signing key" -- \
  "$SHYPE" fleet keygen --secret "$W/operator.key" --public "$W/operator.pub"
expect "keygen replaces no key" 3 "exists: not replaced" -- "$SHYPE" fleet keygen --secret "$W/operator.key" --public "$W/x.pub"
"$SHYPE" fleet keygen --secret "$W/other.key" --public "$W/other.pub" >/dev/null
cat >"$W/operator.conf" <<EOF
endpoints = $ENDPOINTS
ca = $PKI/ca.crt
cert = $PKI/operator.crt
key = $PKI/operator.key
user = operator
password_file = $W/operator.pw
secret_key = $W/operator.key
report_timeout = 30
EOF
OP=("$SHYPE" fleet)
OPC=(--config "$W/operator.conf")

# ----- three hosts: the adapter with its own state directory, and an agent each -----------------------------------
# h1: 'order' (dom_Order) with a port on network lan (net_Order); h2: 'order2' and 'comp'
# (dom_Order, dom_Computing); h3: 'alpha' (dom_Ads_Alpha). Version 1.3 of the policy takes lan
# away from order domains (h1 loses a port) and puts order and computing in one conflict set
# (h2 refuses it).
uuid_of() { printf '00000000-0000-4000-8000-%012d' "$(cksum <<<"$1" | cut -d' ' -f1)"; }
domain() {  # NAME LABEL ID
  echo "<domain type='qemu' id='$3'><name>$1</name><uuid>$(uuid_of "$1")</uuid><metadata><shype:label xmlns:shype='urn:shype:libvirt:1' name='$2'/></metadata><devices/></domain>"
}
host_setup() {  # HOST
  local H=$W/$1
  mkdir -p "$H/run/qemu" "$H/run/network"
  printf '#!/bin/sh\necho "$@" >>"%s/virsh.log"\n' "$H" >"$H/virsh" && chmod +x "$H/virsh"
  printf '%s\n' "state_dir = $H/state" "disk_labels = $H/disk-labels" "libvirt_run_dir = $H/run" "virsh = $H/virsh" \
    "uri = test:///nowhere" >"$H/libvirt.conf"
  : >"$H/disk-labels"
  "$SHYPE" install --config "$H/libvirt.conf" --hooks-dir "$H/hooks" --policy "$DATA/policy.xml" >/dev/null ||
    fail "install on $1"
  cat >"$H/fleet.conf" <<EOF
endpoints = $ENDPOINTS
ca = $PKI/ca.crt
cert = $PKI/agent.crt
key = $PKI/agent.key
user = agent-$1
password_file = $W/agent-$1.pw
host = $1
public_key = $W/operator.pub
libvirt_config = $H/libvirt.conf
agent_dir = $H/agent
lease_ttl = 3
EOF
}
admit() {  # HOST NAME LABEL ID
  domain "$2" "$3" "$4" | "$W/$1/hooks/qemu.d/shype" "$2" prepare begin - || fail "admitting $2 on $1"
}
for h in h1 h2 h3; do host_setup $h; done
admit h1 order dom_Order 1
echo "<hookData><network><name>lan</name><metadata><shype:label xmlns:shype='urn:shype:libvirt:1' name='net_Order'/></metadata></network><networkport><uuid>p-1</uuid><owner><name>order</name><uuid>$(uuid_of order)</uuid></owner><mac address='52:54:00:00:00:01'/></networkport></hookData>" |
  "$W/h1/hooks/network.d/shype" lan port-created begin - || fail "port of order on h1"
admit h2 order2 dom_Order 1
admit h2 comp dom_Computing 2
admit h3 alpha dom_Ads_Alpha 1
declare -A AGENT
start_agent() {  # HOST
  "$SHYPE" agent --config "$W/$1/fleet.conf" >>"$W/$1/agent.log" 2>&1 &
  AGENT[$1]=$!
  PIDS+=($!)
}
for h in h1 h2 h3; do start_agent $h; done
hosts_are() { [ "$("${OP[@]}" status "${OPC[@]}" 2>/dev/null | grep -c '^host ')" = "$1" ]; }
wait_for 20 "the three agents publish their hosts" hosts_are 3 ||
  { for f in "$W"/h*/agent.log; do tail -n 5 "$f"; done; exit 1; }

# ----- status, plan, place ---------------------------------------------------------------------------------------
expect "status shows each host, its policy, labels running and Chinese Wall occupancy" 0 \
  "host h1  revision none (local policy)  'libvirt.test' version 1.0  1 domain(s)" \
  "labels running: order2 (dom_Order), comp (dom_Computing)" "chinese wall: cw_OEM_Alpha" "fleet: 3 host(s)" -- \
  "${OP[@]}" status "${OPC[@]}"
expect "plan: h1 would revoke order's port, h2 would refuse (Chinese Wall), h3 would apply" 1 \
  "host h1: would apply 'libvirt.test' version 1.0 -> 'libvirt.test' version 1.3, 1 revocation(s)" \
  "would revoke: domain 'order' (label dom_Order) may no longer use network lan (label net_Order): port p-1" \
  "host h2: would REFUSE 'libvirt.test' version 1.3 (keeps 'libvirt.test' version 1.0)" \
  "refused: Chinese Wall: domain 'comp' (label dom_Computing) and domain 'order2' (label dom_Order) both run here" \
  "host h3: would apply 'libvirt.test' version 1.0 -> 'libvirt.test' version 1.3, 0 revocation(s)" \
  "plan: 3 host(s): 2 would apply (1 with revocations), 1 would refuse" -- \
  "${OP[@]}" plan "${OPC[@]}" "$DATA/policy-v4-fleet.xml"
expect "plan of a policy every host takes" 0 "plan: 3 host(s): 3 would apply (1 with revocations), 0 would refuse" -- \
  "${OP[@]}" plan "${OPC[@]}" "$DATA/policy-v2-revoke.xml"
expect "place: the hosts whose Chinese Wall admits dom_Ads_Beta (not h3, where alpha runs)" 0 \
  "host h1: admits dom_Ads_Beta" "host h3: refuses dom_Ads_Beta: Chinese Wall: conflict set CompetingOEMs: domain 'alpha'" \
  "place: 2 of 3 host(s) admit dom_Ads_Beta now" -- "${OP[@]}" place "${OPC[@]}" dom_Ads_Beta
expect "place: a label no policy has is admitted nowhere" 1 "label dom_Nope is not in policy" "place: 0 of 3" -- \
  "${OP[@]}" place "${OPC[@]}" dom_Nope

# ----- rollout with a canary wave that refuses -------------------------------------------------------------------
cp "$W/h2/state/policy.bin" "$W/h2-before.bin"
cp "$W/h3/state/policy.bin" "$W/h3-before.bin"
expect "rollout --canary 2: h1 applies (its port revoked), h2 refuses, h3 is not given the revision" 1 \
  "published revision 1: 'libvirt.test' version 1.3" "canary wave: assigned revision 1 to 2 host(s)" \
  "host h1: applied revision 1" "revoked: domain 'order' (label dom_Order) may no longer use network lan (label net_Order): port p-1" \
  "host h2: REFUSED (refused) revision 1" "refused: Chinese Wall: domain 'comp' (label dom_Computing) and domain 'order2'" \
  "rollout of revision 1 stopped: a host of the canary wave did not apply it" \
  "not given revision 1 (they keep their policy): h3" -- \
  "${OP[@]}" rollout "${OPC[@]}" --canary 2 "$DATA/policy-v4-fleet.xml"
if grep -q "domif-setlink $(uuid_of order) 52:54:00:00:00:01 down" "$W/h1/virsh.log"; then
  pass "h1's agent acted on the revocation through change-policy (virsh domif-setlink ... down)"
else
  fail "no domif-setlink on h1: $(cat "$W/h1/virsh.log" 2>&1)"
fi
if cmp -s "$W/h2-before.bin" "$W/h2/state/policy.bin" && cmp -s "$W/h3-before.bin" "$W/h3/state/policy.bin" &&
   ! "${CTL[@]}" get "$F/assign/h3" --print-value-only | grep -q .; then
  pass "the refusing host and the host after the canary keep their policy"
else
  fail "h2 or h3 changed policy"
fi
expect "status names the refusing host and the revision each host enforces" 1 \
  "host h1  revision 1  'libvirt.test' version 1.3" "host h2  revision none (local policy)  'libvirt.test' version 1.0" \
  "last revision: 1 REFUSED (refused)" "fleet: 3 host(s), 1 refused their last revision" -- "${OP[@]}" status "${OPC[@]}"
expect "rollout --continue-on-refusal goes past the refusing host" 1 \
  "published revision 2" "host h2: REFUSED (refused) revision 2" "host h3: applied revision 2" \
  "rollout of revision 2: 2 host(s) applied, 1 refused or did not report" -- \
  "${OP[@]}" rollout "${OPC[@]}" --continue-on-refusal "$DATA/policy-v4-fleet.xml"
cmp -s "$W/h2-before.bin" "$W/h2/state/policy.bin" && pass "h2 still keeps its policy" || fail "h2's policy changed"
expect "a rollout every host takes" 0 "published revision 3" "host h1: applied revision 3" "host h2: applied revision 3" \
  "host h3: applied revision 3" "rollout of revision 3: 3 host(s) applied, 0 refused" -- \
  "${OP[@]}" rollout "${OPC[@]}" --canary 1 "$DATA/policy-v2-revoke.xml"
expect "history: who published each revision and when, and how many hosts enforce it" 0 \
  "revision 1  " "by operator  'libvirt.test' version 1.3" "revision 3  " "'libvirt.test' version 1.1" "enforced by 3 host(s)" \
  "history: 3 revision(s) kept" -- "${OP[@]}" history "${OPC[@]}"

# ----- revisions written by hand: refused by every agent -----------------------------------------------------------
value_of() { "${CTL[@]}" get "$1" -w json | sed -n 's/.*"value":"\([^"]*\)".*/\1/p' | base64 -d; }
value_of "$F/revisions/0000000003" >"$W/rev3" || fail "reading revision 3"
hand() {  # NUMBER FILE WHAT TEXT: the record at revision NUMBER, assigned to every host; each rejects it with TEXT
  local n=$1 file=$2 what=$3 text=$4 h ok=1 r
  "${CTL[@]}" put "$F/revisions/$(printf %010d "$n")" <"$file" >/dev/null || fail "etcdctl put"
  for h in h1 h2 h3; do "${CTL[@]}" put "$F/assign/$h" "$n" >/dev/null; done
  for h in h1 h2 h3; do
    for ((i = 0; i < 75; i++)); do
      r=$("${CTL[@]}" get "$F/hosts/$h/report" --print-value-only)
      grep -qx "revision $n" <<<"$r" && break
      sleep 0.2
    done
    if ! grep -qx "revision $n" <<<"$r" || ! grep -qx "outcome rejected" <<<"$r" || ! grep -qF "$text" <<<"$r"; then
      ok=0
      fail "$what: host $h reported: $r"
    fi
    "$SHYPE" status --config "$W/$h/libvirt.conf" | grep -q "policy in force: 'libvirt.test' version 1.1" ||
      { ok=0; fail "$what: host $h's policy changed"; }
  done
  [ $ok -eq 1 ] && pass "$what: rejected by every agent ($text), policy kept"
}
# The policy bytes start after the empty line that ends the header.
hdr=$(grep -abn '^$' "$W/rev3" | head -1 | cut -d: -f2)
{ head -c "$((hdr + 40))" "$W/rev3"; printf 'X'; tail -c +"$((hdr + 42))" "$W/rev3"; } >"$W/corrupt"
hand 10 "$W/corrupt" "a corrupt revision (one byte of the policy changed)" "the policy's SHA-256 does not match the header (corrupt)"
head -c "$(($(stat -c %s "$W/rev3") - 100))" "$W/rev3" >"$W/truncated"
hand 11 "$W/truncated" "a truncated revision" "(truncated or altered)"
grep -av '^signature ' "$W/rev3" >"$W/unsigned"
hand 12 "$W/unsigned" "an unsigned revision" "expected the 'signature' line"
sed '0,/^signature /s/^signature ..../signature AAAA/' "$W/rev3" >"$W/badsig"
hand 13 "$W/badsig" "a revision with a bad signature" "the signature does not verify against the operator's public key"
hand 14 "$W/rev3" "a valid revision replayed under another number" "the record is revision 3, not 14"
printf 'garbage\n' >"$W/garbage"
hand 15 "$W/garbage" "a record that is not a revision at all" "not a shype fleet revision"
sed "s|^secret_key = .*|secret_key = $W/other.key|" "$W/operator.conf" >"$W/other.conf"
expect "a revision signed with another key is rejected by every agent" 1 "host h1: REFUSED (rejected) revision 16" \
  "the signature does not verify against the operator's public key" "host h3: REFUSED (rejected)" -- \
  "${OP[@]}" rollout --config "$W/other.conf" "$DATA/policy.xml"
# Revision 2 is signed and valid, but older than revision 3 in force on h1 (a compromised store
# sets the assignment and the current revision back).
"${CTL[@]}" put "$F/assign/h1" 2 >/dev/null
"${CTL[@]}" put "$F/current" 2 >/dev/null
wait_for 10 "an assignment back to an older revision is rejected (a fleet never goes back)" \
  bash -c "${CTL[*]@Q} get $F/hosts/h1/report --print-value-only | grep -q 'revision 2 is older than revision 3 in force'"


# ----- who may change what ------------------------------------------------------------------------------------------
sed -e "s|^user = .*|user = agent-h1|" -e "s|^password_file = .*|password_file = $W/agent-h1.pw|" "$W/operator.conf" >"$W/stolen.conf"
expect "an agent's credentials cannot publish a revision" 3 "permission denied" -- \
  "${OP[@]}" rollout --config "$W/stolen.conf" "$DATA/policy.xml"
ACTL=(etcdctl --endpoints "$ENDPOINTS" --cacert "$PKI/ca.crt" --cert "$PKI/agent.crt" --key "$PKI/agent.key" --user agent-h1:agent-h1-pw
      --command-timeout 5s)
expect "an agent cannot write another host's keys" 1 "permission denied" -- "${ACTL[@]}" put "$F/hosts/h2/state" forged
expect "an agent cannot assign itself a revision" 1 "permission denied" -- "${ACTL[@]}" put "$F/assign/h1" 1
expect "an agent cannot write the current revision" 1 "permission denied" -- "${ACTL[@]}" put "$F/current" 1
expect "an agent may write its own host's keys" 0 "OK" -- "${ACTL[@]}" put "$F/hosts/h1/probe" ok
sed -e '/^cert = /d' -e '/^key = /d' "$W/operator.conf" >"$W/nocert.conf"
expect "a client without a certificate is refused by etcd, at once and saying so" 3 \
  "the member refused this client's certificate (TLS: " -- "${OP[@]}" status --config "$W/nocert.conf"
expect "... also to plain HTTPS without a certificate" 0 "" -- \
  bash -c "! curl -sS --max-time 5 --cacert '$PKI/ca.crt' https://127.0.0.1:${PORTS[0]}/v3/kv/range -d '{\"key\":\"eA==\"}'"

# ----- an agent killed: gone when its lease expires; restarted, it catches up ---------------------------------------
kill -9 "${AGENT[h3]}" && wait "${AGENT[h3]}" 2>/dev/null
wait_for 15 "agent h3 killed: its lease expires and status shows it gone" hosts_are 2
expect "a rollout while h3 is away goes to the two live hosts" 0 "published revision 17" "host h1: applied revision 17" \
  "host h2: applied revision 17" "rollout of revision 17: 2 host(s) applied" -- \
  "${OP[@]}" rollout "${OPC[@]}" "$DATA/policy.xml"
start_agent h3
wait_for 20 "agent h3 restarted catches up to the current revision (17)" \
  bash -c "'$SHYPE' fleet status --config '$W/operator.conf' | grep -q '^host h3  revision 17 '"

# ----- etcd members killed mid-rollout ------------------------------------------------------------------------------
# --confirm holds the rollout between its canary wave and the rest: a member is killed there.
confirmed_rollout() {  # POLICY OUT: a rollout --canary 1 --confirm, reading its answer from a FIFO
  rm -f "$W/answer"
  mkfifo "$W/answer"
  "${OP[@]}" rollout "${OPC[@]}" --canary 1 --confirm --timeout 20 "$1" <"$W/answer" >"$2" 2>&1 &
  ROLLOUT=$!
  exec 8>"$W/answer"
}
confirmed_rollout "$DATA/policy-v2-revoke.xml" "$W/rollout-1.out"
wait_for 20 "the canary wave is done" grep -q "canary wave done" "$W/rollout-1.out"
kill -9 "${MEMBER[0]}" && wait "${MEMBER[0]}" 2>/dev/null
echo yes >&8
exec 8>&-
wait "$ROLLOUT"
rc=$?
if [ $rc -eq 0 ] && grep -q "rollout of revision 18: 3 host(s) applied, 0 refused" "$W/rollout-1.out"; then
  pass "one member killed mid-rollout: the rollout completes on the quorum"
else
  fail "one member killed: rc $rc: $(cat "$W/rollout-1.out")"
fi
confirmed_rollout "$DATA/policy.xml" "$W/rollout-2.out"
wait_for 20 "the canary wave is done (two members left)" grep -q "canary wave done" "$W/rollout-2.out"
for h in h2 h3; do cp "$W/$h/state/policy.bin" "$W/$h-before.bin"; done
kill -9 "${MEMBER[1]}" && wait "${MEMBER[1]}" 2>/dev/null
echo yes >&8
exec 8>&-
wait "$ROLLOUT"
rc=$?
if [ $rc -eq 3 ] && grep -q "rollout of revision 19 stopped: etcd could not take the assignment: etcd: no member could serve" "$W/rollout-2.out" &&
   grep -q "not given revision 19 (they keep their policy): h2, h3" "$W/rollout-2.out"; then
  pass "two members killed: the rollout stops with a clear error"
else
  fail "two members killed: rc $rc: $(cat "$W/rollout-2.out")"
fi
ok=1
for h in h2 h3; do
  cmp -s "$W/$h-before.bin" "$W/$h/state/policy.bin" && [ ! -e "$W/$h/state/policy.bin.next" ] || { ok=0; fail "$h's policy changed"; }
  "$SHYPE" status --config "$W/$h/libvirt.conf" | grep -q "policy in force: 'libvirt.test' version 1.1" || { ok=0; fail "$h: status"; }
done
"$SHYPE" status --config "$W/h1/libvirt.conf" | grep -q "policy in force: 'libvirt.test' version 1.0" && [ ! -e "$W/h1/state/policy.bin.next" ] ||
  { ok=0; fail "h1 (the canary) does not enforce the whole new policy"; }
[ $ok -eq 1 ] && pass "... and no host has a partial policy: the canary has the new one whole, the others the old one"
grep -q "etcd unreachable, keeping the policy in force" "$W/h2/agent.log" && pass "the agents keep their policy while etcd has no quorum" ||
  { sleep 3; grep -q "etcd unreachable, keeping the policy in force" "$W/h2/agent.log" && pass "the agents keep their policy while etcd has no quorum" ||
    fail "no agent noticed: $(tail -3 "$W/h2/agent.log")"; }

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ] && [ "$CHECKS" -ge 40 ]
