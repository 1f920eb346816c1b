#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fleet at scale: 1,000 synthetic host records in etcd (one member of its own on a loopback
# port, stopped by pid); status, plan and place over all of them, checked by their counts. No
# timing here (bench/fleet.sh measures the same commands).
#   fleet_scale_test.sh SHYPE_LIBVIRT FLEET_SYNTH DATA_DIR WORK_DIR
set -uo pipefail
[ $# -eq 4 ] || { echo "usage: $0 SHYPE_LIBVIRT FLEET_SYNTH DATA_DIR WORK_DIR" >&2; exit 2; }
SHYPE=$1 SYNTH=$2 DATA=$3 W=$4/fleet-scale-test
rm -rf "$W" && mkdir -p "$W" || exit 1
. "$(dirname "$0")/etcd_member.sh"
start_etcd_member "$W" || { echo "FAIL: etcd"; exit 1; }
trap stop_etcd_member EXIT
echo "endpoints = $ETCD_ENDPOINT" >"$W/fleet.conf"
FAILS=0
check() {  # WHAT EXPECTED-RC TEXT COMMAND...
  local what=$1 rc=$2 text=$3 out got
  shift 3
  out=$("$@" 2>&1)
  got=$?
  if [ "$got" -eq "$rc" ] && grep -qF -- "$text" <<<"$out"; then echo "PASS: $what"; else echo "FAIL: $what: rc $got: $(tail -5 <<<"$out")"; FAILS=$((FAILS + 1)); fi
  OUT=$out
}
check "1,000 synthetic host records published" 0 "published 1000 synthetic host records" "$SYNTH" "$W/fleet.conf" "$DATA/policy.xml" 1000
check "status over 1,000 hosts" 0 "fleet: 1000 host(s), 0 refused their last revision" "$SHYPE" fleet status --config "$W/fleet.conf"
[ "$(grep -c '^host h[0-9]\{4\}  revision' <<<"$OUT")" = 1000 ] && echo "PASS: status lists every host" ||
  { echo "FAIL: status lists $(grep -c '^host ' <<<"$OUT") hosts"; FAILS=$((FAILS + 1)); }
check "plan over 1,000 hosts: a third lose a port, a third refuse" 1 \
  "plan: 1000 host(s): 667 would apply (334 with revocations), 333 would refuse" \
  "$SHYPE" fleet plan --config "$W/fleet.conf" "$DATA/policy-v4-fleet.xml"
check "... naming each host's refusal" 1 "host h0001: would REFUSE" "$SHYPE" fleet plan --config "$W/fleet.conf" "$DATA/policy-v4-fleet.xml"
check "place over 1,000 hosts" 0 "place: 667 of 1000 host(s) admit dom_Ads_Beta now" \
  "$SHYPE" fleet place --config "$W/fleet.conf" dom_Ads_Beta
[ "$FAILS" -eq 0 ]
