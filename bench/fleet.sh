#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fleet layer at scale (docs/fleet.md, docs/performance.md "Fleet"): wall-clock time of
# `shype-libvirt fleet status` and `fleet plan` over 1,000 synthetic host records in a
# single-member etcd on a loopback port (plain HTTP; started and stopped here, by pid). Each
# command runs RUNS times (default 7); the median, minimum and maximum are printed as table rows.
# A benchmark, not a test: nothing here passes or fails on time.
#   bench/fleet.sh BUILD_DIR [HOSTS] [RUNS]     (BUILD_DIR: a configuration with the adapters and tests)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath "${1:?usage: bench/fleet.sh BUILD_DIR [HOSTS] [RUNS]}")
hosts=${2:-1000} runs=${3:-7}
shype=$build/adapters/libvirt/shype-libvirt synth=$build/adapters/libvirt/tests/shype_fleet_synth
data=$root/adapters/libvirt/tests/data
W=$(mktemp -d "${TMPDIR:-/tmp}/shype-fleet-bench.XXXXXX")
. "$root/adapters/libvirt/tests/etcd_member.sh"
start_etcd_member "$W"
trap 'stop_etcd_member; rm -rf "$W"' EXIT
echo "endpoints = $ETCD_ENDPOINT" >"$W/fleet.conf"
"$synth" "$W/fleet.conf" "$data/policy.xml" "$hosts" >/dev/null
measure() {  # WHAT COMMAND...: RUNS wall-clock times in ms, sorted
  local i s e
  for ((i = 0; i < runs; i++)); do
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s%N)
    echo $(((e - s) / 1000000))
  done | sort -n
}
row() {  # WHAT COMMAND...
  local what=$1 t
  shift
  mapfile -t t < <(measure "$@")
  printf '| %s | < 2 s | %d ms (%d–%d ms) | %s |\n' "$what" "${t[$((runs / 2))]}" "${t[0]}" "${t[$((runs - 1))]}" \
    "$([ "${t[$((runs / 2))]}" -lt 2000 ] && echo yes || echo '**no**')"
}
echo "| Figure ($hosts synthetic hosts, $runs runs, $(nproc) CPUs) | Goal | median (min–max) | Goal met? |"
echo "|---|---|---|---|"
row "\`fleet status\` over $hosts host records (read from etcd, each replayed into a monitor)" \
  "$shype" fleet status --config "$W/fleet.conf"
row "\`fleet plan\` of a policy over $hosts host records (change_policy dry run per host)" \
  "$shype" fleet plan --config "$W/fleet.conf" "$data/policy-v4-fleet.xml"
row "\`fleet place LABEL\` over $hosts host records" "$shype" fleet place --config "$W/fleet.conf" dom_Ads_Beta
