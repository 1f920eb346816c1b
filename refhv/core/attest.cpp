// SPDX-License-Identifier: Apache-2.0
// Measured policies, the event log and quotes (see attest.hpp). The TPM does the hashing and
// signing; refhv holds no crypto of its own.
#include "attest.hpp"

#include "gmem.hpp"
#include "lib.hpp"
#include "log.hpp"
#include "mac.hpp"
#include "sched.hpp"

namespace refhv::attest {

namespace {
constinit tpm2::client g_tpm{nullptr};
bool g_active = false;
bool g_broken = false;  // a policy went in force unmeasured: the PCR no longer tells the truth
u32 g_ak = 0;
tpm2::blob g_ak_public;
refhv_attest_event g_log[REFHV_ATTEST_MAX_EVENTS];
usize g_events = 0;
// The answer is assembled here, then copied out in one checked write.
alignas(8) u8 g_out[REFHV_ATTEST_MAX_BYTES];
tpm2::blob g_quote, g_signature;

void tpm_failed(const char* what, tpm2::status s) noexcept {
    log::line("refhv: attest: TPM ", what, " failed: ", tpm2::to_string(s), " (rc ", log::hex{g_tpm.last_rc()}, ")");
}

void put(usize& at, const void* p, usize n) noexcept {
    lib::memcpy(g_out + at, p, n);
    at += n;
}
}  // namespace

bool init(tpm2::transport t) noexcept {
    g_active = g_broken = false;
    g_events = 0;
    g_tpm.reset(t);
    if (t == nullptr) return false;
    if (const auto s = g_tpm.startup(); s != tpm2::status::ok) {
        tpm_failed("startup", s);
        return false;
    }
    if (const auto s = g_tpm.create_ak(g_ak, g_ak_public); s != tpm2::status::ok) {
        tpm_failed("CreatePrimary (attestation key)", s);
        return false;
    }
    g_active = true;
    log::line("refhv: attest: TPM 2.0, attestation key ", log::hex{g_ak}, " (ECC P-256, ECDSA-SHA256), PCR ",
              log::dec{REFHV_ATTEST_PCR});
    return true;
}

bool active() noexcept { return g_active; }
usize events() noexcept { return g_events; }

result<void> prepare(view<const u8> policy, pending& p, char* why, usize cap) noexcept {
    p = pending{};
    if (!g_active) return success;
    auto say = [&](const char* m) {
        if (cap != 0) lib::strlcpy(why, m, cap);
    };
    if (g_events == REFHV_ATTEST_MAX_EVENTS) {
        say("refused: the measurement log is full (64 policies per boot)");
        return fail(errc::nospc);
    }
    if (const auto s = g_tpm.hash(policy.data, policy.size, p.digest); s != tpm2::status::ok) {
        tpm_failed("hash", s);
        say("refused: the TPM could not measure the policy");
        return fail(errc::busy);
    }
    p.measured = true;
    return success;
}

void commit(const pending& p) noexcept {
    if (!g_active || !p.measured) return;
    // Two extensions per policy: its digest, then the SHA-256 (by the TPM) of the whole event
    // record, so that the log's name, version, generation and time are covered by the PCR too.
    refhv_attest_event e{};
    e.pcr = REFHV_ATTEST_PCR;
    e.type = REFHV_ATTEST_EV_POLICY;
    lib::memcpy(e.digest, p.digest, sizeof e.digest);
    mac::policy_identity(e.name, sizeof e.name, e.version_major, e.version_minor, e.generation);
    e.time_ms = sched::now_ms();
    u8 record[32];
    tpm2::status s = g_tpm.hash(reinterpret_cast<const u8*>(&e), sizeof e, record);
    if (s == tpm2::status::ok) s = g_tpm.pcr_extend(REFHV_ATTEST_PCR, p.digest);
    if (s == tpm2::status::ok) s = g_tpm.pcr_extend(REFHV_ATTEST_PCR, record);
    if (s != tpm2::status::ok) {
        tpm_failed("measurement", s);
        log::line("refhv: attest: a policy is in force unmeasured: quotes are refused from now on");
        g_broken = true;
        return;
    }
    g_log[g_events++] = e;
    log::line("refhv: attest: measured ", e.name, " ", log::dec{e.version_major}, ".", log::dec{e.version_minor},
              " generation ", log::dec{e.generation}, " into PCR ", log::dec{REFHV_ATTEST_PCR});
}

result<u64> quote(domain& d, u64 req_gpa, u64 out_gpa, u64 out_size) noexcept {
    refhv_attest_request req{};
    REFHV_TRY(gmem::read(d, &req, req_gpa, sizeof req));
    if (req.nonce_size == 0 || req.nonce_size > REFHV_ATTEST_NONCE_MAX || req.reserved != 0) return fail(errc::inval);
    if (!g_active) return fail(errc::noent);
    if (g_broken) return fail(errc::busy);
    if (const auto s = g_tpm.quote(g_ak, REFHV_ATTEST_PCR, req.nonce, req.nonce_size, g_quote, g_signature);
        s != tpm2::status::ok) {
        tpm_failed("Quote", s);
        return fail(errc::busy);
    }
    refhv_attestation h{};
    h.magic = REFHV_ATTEST_MAGIC;
    h.pcr = REFHV_ATTEST_PCR;
    h.quote_size = static_cast<u32>(g_quote.size);
    h.signature_size = static_cast<u32>(g_signature.size);
    h.ak_public_size = static_cast<u32>(g_ak_public.size);
    h.events = static_cast<u32>(g_events);
    if (const auto s = g_tpm.pcr_read(REFHV_ATTEST_PCR, h.pcr_value); s != tpm2::status::ok) {
        tpm_failed("PCR_Read", s);
        return fail(errc::busy);
    }
    const usize total = sizeof h + g_quote.size + g_signature.size + g_ak_public.size + g_events * sizeof(refhv_attest_event);
    if (total > out_size) return fail(errc::range);
    REFHV_TRY(gmem::check(d, out_gpa, total));
    usize at = 0;
    put(at, &h, sizeof h);
    put(at, g_quote.data, g_quote.size);
    put(at, g_signature.data, g_signature.size);
    put(at, g_ak_public.data, g_ak_public.size);
    put(at, g_log, g_events * sizeof(refhv_attest_event));
    REFHV_TRY(gmem::write(d, out_gpa, g_out, at));
    return at;
}

result<u64> debug_extend(domain& d, u64 gpa) noexcept {
    u8 digest[32];
    REFHV_TRY(gmem::read(d, digest, gpa, sizeof digest));
    if (!g_active) return fail(errc::noent);
    if (const auto s = g_tpm.pcr_extend(REFHV_ATTEST_PCR, digest); s != tpm2::status::ok) {
        tpm_failed("PCR_Extend", s);
        return fail(errc::busy);
    }
    log::line("refhv: attest: PCR ", log::dec{REFHV_ATTEST_PCR}, " extended by d", log::dec{d.id},
              " (debug, not logged)");
    return 0;
}

}  // namespace refhv::attest
