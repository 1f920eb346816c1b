// SPDX-License-Identifier: Apache-2.0
// TPM 2.0 commands as bytes (big-endian, Part 1 "Marshalling"). See tpm2.hpp.
#include "tpm2.hpp"

#include "../../core/lib.hpp"

namespace refhv::tpm2 {

namespace {

/// Appends big-endian fields to a command buffer of max_command bytes; the header's size is
/// filled in by finish(). Every builder writes far less than max_command (checked by callers' limits).
class writer {
public:
    writer(u8* out, u16 tag, u32 cc) noexcept : p_(out) {
        u16be(tag);
        u32be(0);
        u32be(cc);
    }
    writer& u8v(u8 v) noexcept {
        p_[n_++] = v;
        return *this;
    }
    writer& u16be(u16 v) noexcept { return u8v(static_cast<u8>(v >> 8)).u8v(static_cast<u8>(v)); }
    writer& u32be(u32 v) noexcept { return u16be(static_cast<u16>(v >> 16)).u16be(static_cast<u16>(v)); }
    writer& bytes(const u8* d, usize n) noexcept {
        if (n != 0) lib::memcpy(p_ + n_, d, n);
        n_ += n;
        return *this;
    }
    /// TPM2B: a u16 size, then the bytes.
    writer& sized(const u8* d, usize n) noexcept { return u16be(static_cast<u16>(n)).bytes(d, n); }
    /// One password session with an empty password (TPM_RS_PW): the objects here have no auth value.
    writer& empty_password_auth() noexcept {
        u32be(9);         // authorizationSize
        u32be(rs_pw);     // sessionHandle
        u16be(0);         // nonce
        u8v(0);           // sessionAttributes
        return u16be(0);  // hmac (the password)
    }
    /// TPML_PCR_SELECTION of one SHA-256 PCR (3 select bytes: PCRs 0..23).
    writer& select_pcr(u32 pcr) noexcept {
        u32be(1).u16be(alg_sha256).u8v(3);
        for (u32 i = 0; i < 3; ++i) u8v(pcr / 8 == i ? static_cast<u8>(1u << (pcr % 8)) : 0);
        return *this;
    }
    usize finish() noexcept {
        p_[2] = static_cast<u8>(n_ >> 24);
        p_[3] = static_cast<u8>(n_ >> 16);
        p_[4] = static_cast<u8>(n_ >> 8);
        p_[5] = static_cast<u8>(n_);
        return n_;
    }

private:
    u8* p_;
    usize n_ = 0;
};

/// Reads big-endian fields of a response; any read past the end makes it !ok() for good.
class reader {
public:
    reader(const u8* p, usize n) noexcept : p_(p), n_(n) {}
    bool ok() const noexcept { return ok_; }
    usize at() const noexcept { return i_; }
    usize left() const noexcept { return ok_ ? n_ - i_ : 0; }
    u8 u8v() noexcept { return need(1) ? p_[i_++] : 0; }
    u16 u16be() noexcept {
        const u16 hi = u8v();
        return static_cast<u16>((hi << 8) | u8v());
    }
    u32 u32be() noexcept {
        const u32 hi = u16be();
        return (hi << 16) | u16be();
    }
    const u8* take(usize n) noexcept {
        if (!need(n)) return nullptr;
        const u8* r = p_ + i_;
        i_ += n;
        return r;
    }
    /// A TPM2B: its bytes (size in `n`).
    const u8* sized(usize& n) noexcept {
        n = u16be();
        return take(n);
    }

private:
    bool need(usize n) noexcept {
        if (!ok_ || n > n_ - i_) ok_ = false;
        return ok_;
    }
    const u8* p_;
    usize n_, i_ = 0;
    bool ok_ = true;
};

/// Header checked, rc returned; positions `r` after the header.
status begin(reader& r, const u8* rsp, usize n, u32& rc) noexcept {
    header h;
    if (!read_header(rsp, n, h)) return status::malformed;
    rc = h.rc;
    r.take(10);
    if (h.rc != rc_success) return status::tpm_error;
    return status::ok;
}

/// After the handles of a response with sessions: the parameter area (parameterSize checked),
/// followed by exactly one password session's response (nonce, attributes, hmac) and nothing else.
bool parameters(reader& r, const u8* rsp, usize n, usize& size) noexcept {
    size = r.u32be();
    if (!r.ok() || size > r.left()) return false;
    const usize end = r.at() + size;
    reader auth(rsp + end, n - end);
    usize skip = 0;
    auth.sized(skip);
    auth.u8v();
    auth.sized(skip);
    return auth.ok() && auth.left() == 0;
}

bool copy(blob& b, const u8* d, usize n) noexcept {
    if (d == nullptr || n > sizeof b.data) return false;
    lib::memcpy(b.data, d, n);
    b.size = n;
    return true;
}

}  // namespace

const char* to_string(status s) noexcept {
    switch (s) {
    case status::ok: return "ok";
    case status::transport: return "no response from the TPM";
    case status::tpm_error: return "the TPM refused the command";
    case status::malformed: return "malformed TPM response";
    case status::too_big: return "over refhv's TPM limits";
    }
    return "?";
}

// ---- encoding ----

usize build_startup_clear(u8* out) noexcept { return writer(out, st_no_sessions, cc_startup).u16be(0).finish(); }

usize build_pcr_extend(u8* out, u32 pcr, const u8 (&digest)[digest_size]) noexcept {
    writer w(out, st_sessions, cc_pcr_extend);
    w.u32be(pcr).empty_password_auth();
    w.u32be(1).u16be(alg_sha256).bytes(digest, digest_size);  // TPML_DIGEST_VALUES
    return w.finish();
}

usize build_pcr_read(u8* out, u32 pcr) noexcept {
    return writer(out, st_no_sessions, cc_pcr_read).select_pcr(pcr).finish();
}

usize build_hash_sequence_start(u8* out) noexcept {
    return writer(out, st_no_sessions, cc_hash_sequence_start).u16be(0).u16be(alg_sha256).finish();
}

usize build_sequence_update(u8* out, u32 seq, const u8* data, usize n) noexcept {
    writer w(out, st_sessions, cc_sequence_update);
    return w.u32be(seq).empty_password_auth().sized(data, n).finish();
}

usize build_sequence_complete(u8* out, u32 seq, const u8* data, usize n) noexcept {
    writer w(out, st_sessions, cc_sequence_complete);
    return w.u32be(seq).empty_password_auth().sized(data, n).u32be(rh_null).finish();
}

usize build_create_primary_ak(u8* out) noexcept {
    writer w(out, st_sessions, cc_create_primary);
    w.u32be(rh_endorsement).empty_password_auth();
    w.u16be(4).u16be(0).u16be(0);  // inSensitive: no userAuth, no data
    // inPublic: TPMT_PUBLIC of 24 bytes.
    w.u16be(24).u16be(alg_ecc).u16be(alg_sha256).u32be(ak_attributes).u16be(0);  // no authPolicy
    w.u16be(alg_null);                        // symmetric: none (a signing key)
    w.u16be(alg_ecdsa).u16be(alg_sha256);     // scheme
    w.u16be(ecc_nist_p256).u16be(alg_null);   // curve, kdf
    w.u16be(0).u16be(0);                      // unique: empty x, y
    w.u16be(0);                               // outsideInfo
    w.u32be(0);                               // creationPCR: none
    return w.finish();
}

usize build_quote(u8* out, u32 key, u32 pcr, const u8* nonce, usize n) noexcept {
    writer w(out, st_sessions, cc_quote);
    w.u32be(key).empty_password_auth().sized(nonce, n).u16be(alg_null).select_pcr(pcr);
    return w.finish();
}

usize build_flush_context(u8* out, u32 handle) noexcept {
    return writer(out, st_no_sessions, cc_flush_context).u32be(handle).finish();
}

// ---- decoding ----

bool read_header(const u8* rsp, usize n, header& h) noexcept {
    reader r(rsp, n);
    h.tag = r.u16be();
    h.size = r.u32be();
    h.rc = r.u32be();
    return r.ok() && h.size == n && (h.tag == st_no_sessions || h.tag == st_sessions);
}

status parse_rc_only(const u8* rsp, usize n, u32& rc) noexcept {
    reader r(rsp, n);
    return begin(r, rsp, n, rc);
}

status parse_pcr_read(const u8* rsp, usize n, u32 pcr, u8 (&value)[digest_size], u32& rc) noexcept {
    reader r(rsp, n);
    if (const status s = begin(r, rsp, n, rc); s != status::ok) return s;
    r.u32be();  // pcrUpdateCounter
    // pcrSelectionOut must be exactly the PCR asked for, else the TPM lacks the bank or the PCR.
    const u32 count = r.u32be();
    const u16 alg = r.u16be();
    const u8 nsel = r.u8v();
    const u8* sel = r.take(nsel);
    if (!r.ok() || count != 1 || alg != alg_sha256 || nsel != 3 || sel[pcr / 8] != (1u << (pcr % 8)))
        return status::malformed;
    const u32 digests = r.u32be();
    usize dn = 0;
    const u8* d = r.sized(dn);
    if (!r.ok() || digests != 1 || dn != digest_size || r.left() != 0) return status::malformed;
    lib::memcpy(value, d, digest_size);
    return status::ok;
}

status parse_hash_sequence_start(const u8* rsp, usize n, u32& seq, u32& rc) noexcept {
    reader r(rsp, n);
    if (const status s = begin(r, rsp, n, rc); s != status::ok) return s;
    seq = r.u32be();
    return r.ok() && r.left() == 0 ? status::ok : status::malformed;
}

status parse_sequence_complete(const u8* rsp, usize n, u8 (&digest)[digest_size], u32& rc) noexcept {
    reader r(rsp, n);
    if (const status s = begin(r, rsp, n, rc); s != status::ok) return s;
    usize psize = 0;
    if (!parameters(r, rsp, n, psize)) return status::malformed;
    usize dn = 0;
    const u8* d = r.sized(dn);
    if (!r.ok() || dn != digest_size) return status::malformed;
    lib::memcpy(digest, d, digest_size);
    return status::ok;  // the ticket that follows is not used
}

status parse_create_primary(const u8* rsp, usize n, u32& handle, blob& pub, u32& rc) noexcept {
    reader r(rsp, n);
    if (const status s = begin(r, rsp, n, rc); s != status::ok) return s;
    handle = r.u32be();
    usize psize = 0;
    if (!parameters(r, rsp, n, psize)) return status::malformed;
    usize pn = 0;
    const u8* p = r.sized(pn);
    if (!r.ok() || pn > psize) return status::malformed;
    if (pn > sizeof pub.data) return status::too_big;
    return copy(pub, p, pn) ? status::ok : status::malformed;
}

status parse_quote(const u8* rsp, usize n, blob& attest, blob& signature, u32& rc) noexcept {
    reader r(rsp, n);
    if (const status s = begin(r, rsp, n, rc); s != status::ok) return s;
    usize psize = 0;
    if (!parameters(r, rsp, n, psize)) return status::malformed;
    const usize start = r.at();
    usize an = 0;
    const u8* a = r.sized(an);
    if (!r.ok() || 2 + an > psize) return status::malformed;
    // The signature is the rest of the parameter area (TPMT_SIGNATURE; the verifier decodes it).
    const usize sn = psize - (r.at() - start);
    const u8* s = r.take(sn);
    if (!r.ok() || sn < 2) return status::malformed;
    if (an > sizeof attest.data || sn > sizeof signature.data) return status::too_big;
    return copy(attest, a, an) && copy(signature, s, sn) ? status::ok : status::malformed;
}

// ---- client ----

status client::exchange(usize n) noexcept {
    // TPM_RC_RETRY, TPM_RC_YIELDED and TPM_RC_TESTING ask for the same command again (a TPM
    // testing an algorithm on first use answers so); a bounded number of times.
    for (unsigned attempt = 0; attempt < max_retries; ++attempt) {
        got_ = 0;
        if (t_ == nullptr || !t_(cmd_, n, rsp_, sizeof rsp_, got_) || got_ > sizeof rsp_) return status::transport;
        header h;
        if (!read_header(rsp_, got_, h) || (h.rc != rc_retry && h.rc != rc_yielded && h.rc != rc_testing))
            return status::ok;
    }
    return status::ok;  // still busy: the caller sees the warning as the TPM's answer
}

#define REFHV_TPM_TRY(expr)                                   \
    do {                                                      \
        if (const status s_ = (expr); s_ != status::ok) return s_; \
    } while (0)

status client::startup() noexcept {
    REFHV_TPM_TRY(exchange(build_startup_clear(cmd_)));
    const status s = parse_rc_only(rsp_, got_, rc_);
    return s == status::tpm_error && rc_ == rc_initialize ? status::ok : s;
}

status client::hash(const u8* data, usize n, u8 (&digest)[digest_size]) noexcept {
    REFHV_TPM_TRY(exchange(build_hash_sequence_start(cmd_)));
    u32 seq = 0;
    REFHV_TPM_TRY(parse_hash_sequence_start(rsp_, got_, seq, rc_));
    // All but the last chunk go through SequenceUpdate; the last one (maybe empty) with Complete.
    while (n > max_chunk) {
        REFHV_TPM_TRY(exchange(build_sequence_update(cmd_, seq, data, max_chunk)));
        REFHV_TPM_TRY(parse_rc_only(rsp_, got_, rc_));
        data += max_chunk;
        n -= max_chunk;
    }
    REFHV_TPM_TRY(exchange(build_sequence_complete(cmd_, seq, data, n)));
    return parse_sequence_complete(rsp_, got_, digest, rc_);
}

status client::pcr_extend(u32 pcr, const u8 (&digest)[digest_size]) noexcept {
    if (pcr > 23) return status::too_big;
    REFHV_TPM_TRY(exchange(build_pcr_extend(cmd_, pcr, digest)));
    return parse_rc_only(rsp_, got_, rc_);
}

status client::pcr_read(u32 pcr, u8 (&value)[digest_size]) noexcept {
    if (pcr > 23) return status::too_big;
    REFHV_TPM_TRY(exchange(build_pcr_read(cmd_, pcr)));
    return parse_pcr_read(rsp_, got_, pcr, value, rc_);
}

status client::create_ak(u32& handle, blob& pub) noexcept {
    REFHV_TPM_TRY(exchange(build_create_primary_ak(cmd_)));
    return parse_create_primary(rsp_, got_, handle, pub, rc_);
}

status client::quote(u32 key, u32 pcr, const u8* nonce, usize n, blob& attest, blob& signature) noexcept {
    if (pcr > 23 || n > max_nonce) return status::too_big;
    REFHV_TPM_TRY(exchange(build_quote(cmd_, key, pcr, nonce, n)));
    return parse_quote(rsp_, got_, attest, signature, rc_);
}

#undef REFHV_TPM_TRY

}  // namespace refhv::tpm2
