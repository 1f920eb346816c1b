#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Re-records swtpm-session.txt (the exchanges tpm2_unit.cpp replays) from a fresh swtpm.
#   record.sh BUILD_DIR   (BUILD_DIR holds refhv's tpm2-record)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
swtpm socket --tpm2 --tpmstate dir="$tmp" --server type=unixio,path="$tmp/tpm.sock" \
  --ctrl type=unixio,path="$tmp/ctrl.sock" --flags not-need-init &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -S "$tmp/tpm.sock" ] && break; sleep 0.1; done
"$1/tpm2-record" "$tmp/tpm.sock" "$here/swtpm-session.txt"
