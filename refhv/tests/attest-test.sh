#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A boot of refhv with a TPM, verified from the host like a remote customer would:
#  1. starts its own swtpm (state and socket in a fresh temp dir; only that process is stopped);
#  2. makes a fresh nonce and boots refhv through run-qemu-test.sh with the TPM and the nonce
#     as the boot module nonce.bin (so dom0 quotes with the verifier's nonce);
#  3. runs `shype attest verify` on the quote dom0 printed: it must verify, name --expect-name
#     and generation --expect-generation, and log --expect-events measurements (--expect POLICY
#     passed on); with --negatives also: the wrong --expect, a replayed quote (another nonce)
#     and the quote made after the PCR was extended behind refhv's back must each be rejected,
#     with the message naming the check.
#   attest-test.sh --shype SHYPE --expect POLICY --expect-name NAME --expect-generation N
#                  --expect-events N [--wrong-policy POLICY --negatives] [--print]
#                  -- RUNNER-ARGS... -- DOM0 [DOM0-ARGS] MODULES...
set -u
shype= expect= name= generation= events= wrong= negatives=0 print=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shype) shype=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --expect-name) name=$2; shift 2 ;;
    --expect-generation) generation=$2; shift 2 ;;
    --expect-events) events=$2; shift 2 ;;
    --wrong-policy) wrong=$2; shift 2 ;;
    --negatives) negatives=1; shift ;;
    --print) print=1; shift ;;
    --) shift; break ;;
    *) echo "attest-test: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
runner_args=()
while [[ $# -gt 0 && $1 != -- ]]; do runner_args+=("$1"); shift; done
[[ $# -gt 1 ]] || { echo "attest-test: need '-- RUNNER-ARGS -- DOM0 MODULES'" >&2; exit 2; }
shift
dom0=$1; shift
[[ -x $shype && -n $expect && -n $name && -n $generation && -n $events ]] || {
  echo "attest-test: need --shype, --expect, --expect-name, --expect-generation, --expect-events" >&2; exit 2; }
command -v swtpm >/dev/null || { echo "attest-test: swtpm not installed (scripts/install-deps.sh test)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/refhv-attest.XXXXXX")
swtpm socket --tpm2 --tpmstate dir="$tmp" --ctrl type=unixio,path="$tmp/swtpm.sock" \
  --log file="$tmp/swtpm.log" &
swtpm_pid=$!
cleanup() {
  kill "$swtpm_pid" 2>/dev/null
  wait "$swtpm_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 100); do [[ -S $tmp/swtpm.sock ]] && break; sleep 0.1; done
[[ -S $tmp/swtpm.sock ]] || { echo "attest-test: swtpm did not create its socket" >&2; cat "$tmp/swtpm.log" >&2; exit 1; }

nonce=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
[[ ${#nonce} == 64 ]] || { echo "attest-test: no nonce from /dev/urandom" >&2; exit 1; }
printf "$(sed 's/../\\x&/g' <<<"$nonce")" >"$tmp/nonce.bin"
[[ $(stat -c %s "$tmp/nonce.bin") == 32 ]] || { echo "attest-test: cannot write the nonce module" >&2; exit 1; }
log=$tmp/serial.log
"${runner_args[@]}" --tpm "$tmp/swtpm.sock" --log "$log" -- "$dom0" "$@" "$tmp/nonce.bin" || exit 1

echo "== shype attest verify (nonce $nonce, --expect $expect)"
out=$("$shype" attest verify "$log" --nonce "$nonce" --expect "$expect" 2>&1)
rc=$?
echo "$out"
[[ $rc == 0 ]] || { echo "FAIL attest: the host's attestation was rejected (exit $rc)"; exit 1; }
grep -q "^policy in force: $name version [0-9.]* generation $generation sha256:[0-9a-f]\{64\} (as expected)$" <<<"$out" ||
  { echo "FAIL attest: the verifier does not name $name generation $generation"; exit 1; }
n=$(grep -c "^  generation [0-9]*: " <<<"$out")
[[ $n == "$events" ]] || { echo "FAIL attest: $n logged measurements, expected $events"; exit 1; }

if [[ $negatives == 1 ]]; then
  # reject WHAT EXPECTED-CHECK ARGS...: the verifier must refuse (exit 1) naming the check.
  reject() {
    local what=$1 check=$2
    shift 2
    local o r
    o=$("$shype" attest verify "$@" 2>&1)
    r=$?
    echo "-- $what: $o"
    [[ $r == 1 && $o == *"rejected: $check check failed: "* ]] ||
      { echo "FAIL attest: $what: expected rejection by the '$check' check (exit 1), got exit $r"; exit 1; }
  }
  other=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  [[ -n $wrong ]] || { echo "attest-test: --negatives needs --wrong-policy" >&2; exit 2; }
  reject "wrong --expect" expect "$log" --nonce "$nonce" --expect "$wrong"
  reject "replayed quote (another verifier's nonce)" nonce "$log" --nonce "$other"
  reject "PCR extended behind refhv's back" "event log replay" "$log" --nonce "$nonce" --tag tampered
  reject "another attestation key pinned" "attestation key" "$log" --nonce "$nonce" --ak-name "000b$other"
fi
[[ $negatives == 1 ]] && echo "PASS attest: the host's attestation verified; the four forgeries rejected" || echo "PASS attest: the host's attestation verified"
