# SPDX-License-Identifier: Apache-2.0
# Sourced by the fleet's scale test and bench/fleet.sh: start_etcd_member DIR starts one etcd
# member (plain HTTP, no authentication) on a free loopback port, sets ETCD_PID and
# ETCD_ENDPOINT, and waits until it answers; stop_etcd_member stops it (by pid).
start_etcd_member() {
  local dir=$1 used p c pr i
  used=$(ss -Htan | awk '{print $4}' | sed 's/.*://' | sort -u)
  for ((p = 20000 + RANDOM % 20000; ; p += 2)); do
    grep -qx "$p" <<<"$used" || grep -qx "$((p + 1))" <<<"$used" || break
  done
  c=$p pr=$((p + 1))
  etcd --name solo --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$pr" --initial-advertise-peer-urls "http://127.0.0.1:$pr" \
    --initial-cluster "solo=http://127.0.0.1:$pr" --quota-backend-bytes 1073741824 >"$dir/etcd.log" 2>&1 &
  ETCD_PID=$!
  ETCD_ENDPOINT=http://127.0.0.1:$c
  for ((i = 0; i < 100; i++)); do
    etcdctl --endpoints "$ETCD_ENDPOINT" endpoint health >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "etcd did not start: $(tail -3 "$dir/etcd.log")" >&2
  return 1
}
stop_etcd_member() {
  kill "$ETCD_PID" 2>/dev/null
  wait "$ETCD_PID" 2>/dev/null
}
