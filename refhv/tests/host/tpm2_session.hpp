// SPDX-License-Identifier: Apache-2.0
// The TPM session tpm2_record.cpp records from swtpm and tpm2_unit.cpp replays: the same
// sequence the hypervisor runs (start, hash a policy-sized input, extend PCR 12, read it,
// make the AK, quote with a fixed nonce).
#pragma once

#include "../../arch/tpm2/tpm2.hpp"

namespace tpm2_session {

using namespace refhv;

inline constexpr u32 pcr = 12;

struct results {
    u8 data[2500];  ///< three hash chunks: two SequenceUpdate, one SequenceComplete
    u8 digest[32], before[32], after[32], nonce[32];
    u32 ak = 0;
    tpm2::blob pub, attest, sig;
    const char* failed = nullptr;  ///< which step, if one failed
    tpm2::status status = tpm2::status::ok;
};

inline bool run(tpm2::client& tpm, results& r) {
    for (usize i = 0; i < sizeof r.data; ++i) r.data[i] = static_cast<u8>(i * 7 + 3);
    for (usize i = 0; i < sizeof r.nonce; ++i) r.nonce[i] = static_cast<u8>(0xA0 + i);
    auto step = [&](const char* what, tpm2::status s) {
        if (s != tpm2::status::ok && r.failed == nullptr) {
            r.failed = what;
            r.status = s;
        }
        return s == tpm2::status::ok;
    };
    return step("startup", tpm.startup()) && step("hash", tpm.hash(r.data, sizeof r.data, r.digest)) &&
           step("pcr_read", tpm.pcr_read(pcr, r.before)) && step("pcr_extend", tpm.pcr_extend(pcr, r.digest)) &&
           step("pcr_read", tpm.pcr_read(pcr, r.after)) && step("create_ak", tpm.create_ak(r.ak, r.pub)) &&
           step("quote", tpm.quote(r.ak, pcr, r.nonce, sizeof r.nonce, r.attest, r.sig));
}

}  // namespace tpm2_session
