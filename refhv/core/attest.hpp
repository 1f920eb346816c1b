// SPDX-License-Identifier: Apache-2.0
// Measured policy enforcement: every policy put in force is hashed by the TPM (SHA-256),
// extended into REFHV_ATTEST_PCR and logged (refhv_attest_event); a management domain gets a
// quote over that PCR, signed by an attestation key the TPM made at boot, with the event log
// and the key's public part (REFHV_HC_ATTEST_QUOTE). Without a TPM nothing is measured and
// ATTEST_QUOTE says ENOENT. The TPM is reached through a tpm2::transport (the TIS driver in
// the hypervisor, a replay or a fake in host tests).
#pragma once

#include <refhv/hypercall.h>

#include "../arch/tpm2/tpm2.hpp"
#include "domain.hpp"
#include "result.hpp"

namespace refhv::attest {

/// At boot, before the boot policy is installed: start the TPM and create the attestation key.
/// A null transport (no TPM) or a TPM that fails leaves attestation off; false then.
bool init(tpm2::transport t) noexcept;
/// Is a TPM measuring policies?
bool active() noexcept;

/// A policy about to be put in force: its SHA-256 by the TPM. Refused (nothing changes, the
/// policy must not go in force) if the log is full (ENOSPC) or the TPM cannot hash it (EBUSY).
/// Always succeeds (digest unused) when attestation is off.
struct pending {
    u8 digest[32] = {};
    bool measured = false;
};
result<void> prepare(view<const u8> policy, pending& p, char* why, usize cap) noexcept;
/// The policy of `p` is now in force: log it (name, version and generation of the policy in
/// force) and extend the PCR with its digest, then with the SHA-256 of the event record. If the
/// TPM fails here, quotes are refused from now on: the PCR no longer says what is enforced.
void commit(const pending& p) noexcept;

/// REFHV_HC_ATTEST_QUOTE for `d` (already allowed to manage): the request at `req_gpa`, the
/// refhv_attestation written to `out_gpa` (at most `out_size` bytes); the bytes written.
result<u64> quote(domain& d, u64 req_gpa, u64 out_gpa, u64 out_size) noexcept;
/// REFHV_HC_DEBUG_TPM_EXTEND (checked image): extend the PCR with 32 bytes from `gpa`, unlogged.
result<u64> debug_extend(domain& d, u64 gpa) noexcept;

/// Events in the log (host tests).
usize events() noexcept;

}  // namespace refhv::attest
