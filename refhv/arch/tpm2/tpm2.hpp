// SPDX-License-Identifier: Apache-2.0
// TPM 2.0 command encoding and response decoding for the few commands refhv uses to measure
// and attest the policy in force (TPM 2.0 Library spec, Part 3). Pure byte work over a
// transport function: the TIS driver (arch/x86_64/tpm_tis.cpp) in the hypervisor, a replay
// of responses recorded from swtpm in the host test (tests/host/tpm2/). No crypto here: the
// TPM hashes, extends and signs.
#pragma once

#include "../../core/types.hpp"

namespace refhv::tpm2 {

inline constexpr usize max_command = 4096;   ///< TPM_MAX_COMMAND_SIZE of PC-client TPMs and swtpm
inline constexpr usize max_response = 4096;
inline constexpr usize digest_size = 32;     ///< SHA-256
inline constexpr usize max_nonce = 32;       ///< qualifying data refhv accepts (TPM2B_DATA holds 64)
inline constexpr usize max_chunk = 1024;     ///< TPM2B_MAX_BUFFER: bytes per SequenceUpdate
inline constexpr usize max_blob = 1024;      ///< an attest, signature or public area kept by refhv

// Constants (Part 2).
inline constexpr u16 st_no_sessions = 0x8001, st_sessions = 0x8002;
inline constexpr u32 cc_startup = 0x144, cc_pcr_extend = 0x182, cc_pcr_read = 0x17E, cc_hash_sequence_start = 0x186,
                     cc_sequence_update = 0x15C, cc_sequence_complete = 0x13E, cc_create_primary = 0x131,
                     cc_quote = 0x158, cc_flush_context = 0x165;
inline constexpr u16 alg_sha256 = 0x000B, alg_null = 0x0010, alg_ecc = 0x0023, alg_ecdsa = 0x0018;
inline constexpr u16 ecc_nist_p256 = 0x0003;
inline constexpr u32 rs_pw = 0x40000009, rh_null = 0x40000007, rh_endorsement = 0x4000000B;
inline constexpr u32 rc_success = 0, rc_initialize = 0x100, rc_retry = 0x922, rc_yielded = 0x908, rc_testing = 0x90A;
inline constexpr unsigned max_retries = 16;  ///< of one command the TPM asks to repeat
/// fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign: an attestation key.
inline constexpr u32 ak_attributes = 0x00000002u | 0x00000010u | 0x00000020u | 0x00000040u | 0x00010000u | 0x00040000u;

/// What went wrong talking to the TPM.
enum class status : u8 {
    ok,
    transport,   ///< the device did not take the command or give a response
    tpm_error,   ///< the TPM answered with a response code (rc)
    malformed,   ///< the response does not decode as the command's response
    too_big,     ///< an argument or a response part over refhv's limits
};
const char* to_string(status s) noexcept;

/// Sends `cmd` (n bytes), receives the response into `rsp` (cap bytes); the response's length.
using transport = bool (*)(const u8* cmd, usize n, u8* rsp, usize cap, usize& got) noexcept;

// ---- encoding: each builds one complete command into `out` (max_command bytes); its size ----
usize build_startup_clear(u8* out) noexcept;
usize build_pcr_extend(u8* out, u32 pcr, const u8 (&digest)[digest_size]) noexcept;
usize build_pcr_read(u8* out, u32 pcr) noexcept;
usize build_hash_sequence_start(u8* out) noexcept;
/// SequenceUpdate / SequenceComplete (hierarchy TPM_RH_NULL); n <= max_chunk.
usize build_sequence_update(u8* out, u32 seq, const u8* data, usize n) noexcept;
usize build_sequence_complete(u8* out, u32 seq, const u8* data, usize n) noexcept;
/// CreatePrimary under the endorsement hierarchy: a restricted ECC P-256 signing key, ECDSA
/// with SHA-256, no auth value (the template is fixed, so the key is the same for one TPM).
usize build_create_primary_ak(u8* out) noexcept;
/// Quote of SHA-256 PCR `pcr` by key `key`, the key's own scheme, qualifying data = nonce.
usize build_quote(u8* out, u32 key, u32 pcr, const u8* nonce, usize n) noexcept;
usize build_flush_context(u8* out, u32 handle) noexcept;

// ---- decoding: each checks the header (tag, size, rc) and the parameter layout ----
struct header {
    u16 tag = 0;
    u32 size = 0, rc = 0;
};
/// The response header; false if `n` is not at least a header or disagrees with its size.
bool read_header(const u8* rsp, usize n, header& h) noexcept;

/// A slice of a response or of refhv's own copy.
struct blob {
    u8 data[max_blob];
    usize size = 0;
};

status parse_rc_only(const u8* rsp, usize n, u32& rc) noexcept;
status parse_pcr_read(const u8* rsp, usize n, u32 pcr, u8 (&value)[digest_size], u32& rc) noexcept;
status parse_hash_sequence_start(const u8* rsp, usize n, u32& seq, u32& rc) noexcept;
status parse_sequence_complete(const u8* rsp, usize n, u8 (&digest)[digest_size], u32& rc) noexcept;
/// The key's handle and its public area (TPMT_PUBLIC, the contents of outPublic).
status parse_create_primary(const u8* rsp, usize n, u32& handle, blob& pub, u32& rc) noexcept;
/// The attestation (TPMS_ATTEST, the contents of quoted) and the signature (TPMT_SIGNATURE).
status parse_quote(const u8* rsp, usize n, blob& attest, blob& signature, u32& rc) noexcept;

// ---- a TPM over a transport: one command at a time ----
class client {
public:
    constexpr explicit client(transport t) noexcept : t_(t) {}
    /// Talk to another TPM (or none) from now on.
    void reset(transport t) noexcept {
        t_ = t;
        rc_ = 0;
    }
    /// TPM2_Startup(CLEAR); a TPM the firmware started already (TPM_RC_INITIALIZE) is fine.
    status startup() noexcept;
    /// SHA-256 of `data` computed by the TPM (HashSequenceStart, SequenceUpdate, SequenceComplete).
    status hash(const u8* data, usize n, u8 (&digest)[digest_size]) noexcept;
    status pcr_extend(u32 pcr, const u8 (&digest)[digest_size]) noexcept;
    status pcr_read(u32 pcr, u8 (&value)[digest_size]) noexcept;
    status create_ak(u32& handle, blob& pub) noexcept;
    status quote(u32 key, u32 pcr, const u8* nonce, usize n, blob& attest, blob& signature) noexcept;
    /// The response code of the last command that failed with status::tpm_error.
    u32 last_rc() const noexcept { return rc_; }

private:
    status exchange(usize n) noexcept;
    transport t_;
    u32 rc_ = 0;
    usize got_ = 0;
    u8 cmd_[max_command] = {};
    u8 rsp_[max_response] = {};
};

}  // namespace refhv::tpm2
