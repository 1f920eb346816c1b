// SPDX-License-Identifier: Apache-2.0
// Host test of refhv's TPM 2.0 encoding (arch/tpm2) against a session recorded from swtpm
// (tpm2/swtpm-session.txt, made by tpm2/record.sh): every command the client builds must be
// the recorded one byte for byte, and the recorded responses must decode to what the TPM
// did, checked with OpenSSL (the hash, the PCR extension). Then broken responses: each
// decoder must refuse them rather than read past or guess.
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "check.hpp"
#include "tpm2_session.hpp"

using namespace refhv;

namespace {
using bytes = std::vector<u8>;
struct exchange {
    bytes cmd, rsp;
};
std::vector<exchange> g_session;
usize g_next = 0;
bool g_mismatch = false;

bytes unhex(const std::string& s) {
    bytes b;
    for (usize i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<u8>(std::stoul(s.substr(i, 2), nullptr, 16)));
    return b;
}

bool load(const char* path) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.size() < 2) continue;
        if (line[0] == '>') g_session.push_back({unhex(line.substr(2)), {}});
        else if (line[0] == '<' && !g_session.empty()) g_session.back().rsp = unhex(line.substr(2));
    }
    return !g_session.empty();
}

/// The replaying transport: the command must be the next recorded one.
bool replay(const u8* cmd, usize n, u8* rsp, usize cap, usize& got) noexcept {
    if (g_next >= g_session.size()) return false;
    const exchange& e = g_session[g_next++];
    if (e.cmd.size() != n || std::memcmp(e.cmd.data(), cmd, n) != 0) {
        std::printf("  exchange %zu: command differs from the recording\n", g_next - 1);
        g_mismatch = true;
        return false;
    }
    if (e.rsp.size() > cap) return false;
    std::memcpy(rsp, e.rsp.data(), e.rsp.size());
    got = e.rsp.size();
    return true;
}

bool dead_transport(const u8*, usize, u8*, usize, usize&) noexcept { return false; }

bytes sha256(const u8* p, usize n) {
    bytes d(32);
    SHA256(p, n, d.data());
    return d;
}

u16 be16(const u8* p) { return static_cast<u16>((p[0] << 8) | p[1]); }
u32 be32(const u8* p) { return (u32{p[0]} << 24) | (u32{p[1]} << 16) | (u32{p[2]} << 8) | p[3]; }

void test_replay() {
    static tpm2::client tpm(replay);
    static tpm2_session::results r;
    const bool ok = tpm2_session::run(tpm, r);
    CHECK(ok);
    CHECK(!g_mismatch);
    if (!ok) {
        std::printf("  step %s: %s\n", r.failed ? r.failed : "?", tpm2::to_string(r.status));
        return;
    }
    // The TPM's SHA-256 of the three chunks is OpenSSL's.
    CHECK(sha256(r.data, sizeof r.data) == bytes(r.digest, r.digest + 32));
    // PCR 12 starts at zero and becomes SHA-256(old || digest).
    CHECK(bytes(r.before, r.before + 32) == bytes(32, 0));
    bytes cat(r.before, r.before + 32);
    cat.insert(cat.end(), r.digest, r.digest + 32);
    CHECK(sha256(cat.data(), cat.size()) == bytes(r.after, r.after + 32));
    // The AK: a transient handle; public area ECC, SHA-256 name, restricted signing, ECDSA-SHA256, P-256.
    CHECK((r.ak & 0xFF000000u) == 0x80000000u);
    CHECK(r.pub.size > 24 && be16(r.pub.data) == tpm2::alg_ecc && be16(r.pub.data + 2) == tpm2::alg_sha256);
    CHECK(be32(r.pub.data + 4) == tpm2::ak_attributes);
    CHECK(be16(r.pub.data + 10) == tpm2::alg_null && be16(r.pub.data + 12) == tpm2::alg_ecdsa &&
          be16(r.pub.data + 16) == tpm2::ecc_nist_p256);
    // The quote: TPM_GENERATED_VALUE, TPM_ST_ATTEST_QUOTE, and the nonce as extraData.
    CHECK(r.attest.size > 40 && be32(r.attest.data) == 0xFF544347u && be16(r.attest.data + 4) == 0x8018);
    const u16 signer = be16(r.attest.data + 6);
    const u8* extra = r.attest.data + 8 + signer;
    CHECK(be16(extra) == 32 && std::memcmp(extra + 2, r.nonce, 32) == 0);
    // The signature: ECDSA with SHA-256, r and s of 32 bytes each.
    CHECK(r.sig.size == 2 + 2 + 2 + 32 + 2 + 32 && be16(r.sig.data) == tpm2::alg_ecdsa &&
          be16(r.sig.data + 2) == tpm2::alg_sha256);
    // The quoted PCR digest is SHA-256 of the one selected PCR's value (the 'after' value).
    const u8* after_extra = extra + 2 + 32;
    const u8* info = after_extra + 17 + 8;  // clockInfo (17), firmwareVersion (8)
    CHECK(be32(info) == 1 && be16(info + 4) == tpm2::alg_sha256 && info[6] == 3 && info[7 + 1] == 0x10);
    CHECK(be16(info + 10) == 32 && bytes(info + 12, info + 44) == sha256(r.after, 32));
    // The last recorded exchange: PCR 30 does not exist, the TPM says so.
    const exchange& last = g_session[g_next];
    u8 cmd[tpm2::max_command];
    const usize n = tpm2::build_pcr_extend(cmd, 30, r.digest);
    CHECK(last.cmd == bytes(cmd, cmd + n));
    u32 rc = 0;
    CHECK(tpm2::parse_rc_only(last.rsp.data(), last.rsp.size(), rc) == tpm2::status::tpm_error && rc != 0);
    CHECK(g_next + 1 == g_session.size());  // every recorded exchange was used
}

/// The recorded response of the first command with code `cc`.
const exchange& recorded(u32 cc) {
    for (const exchange& e : g_session)
        if (be32(e.cmd.data() + 6) == cc && be32(e.rsp.data() + 6) == 0) return e;
    std::printf("  no successful recorded exchange of command 0x%x\n", cc);
    std::exit(1);
}

void test_broken_responses() {
    u32 rc = 0;
    // Truncated at every length: refused (never a read past the end).
    const bytes quote = recorded(tpm2::cc_quote).rsp;
    static tpm2::blob a, s;
    for (usize n = 0; n < quote.size(); ++n) {
        bytes cut(quote.begin(), quote.begin() + static_cast<long>(n));
        if (cut.size() >= 6) {  // keep the header's size honest, so the body's layout is what is checked
            cut[2] = static_cast<u8>(n >> 24), cut[3] = static_cast<u8>(n >> 16), cut[4] = static_cast<u8>(n >> 8),
            cut[5] = static_cast<u8>(n);
        }
        CHECK(tpm2::parse_quote(cut.data(), cut.size(), a, s, rc) != tpm2::status::ok);
    }
    // A header whose size disagrees with the bytes received.
    bytes lie = quote;
    lie[5] = static_cast<u8>(lie[5] + 1);
    CHECK(tpm2::parse_quote(lie.data(), lie.size(), a, s, rc) == tpm2::status::malformed);
    // An attest size running past the parameter area.
    bytes big = quote;
    big[14] = 0xFF;
    CHECK(tpm2::parse_quote(big.data(), big.size(), a, s, rc) == tpm2::status::malformed);
    // PCR_Read answering for another PCR than asked.
    bytes pcr = recorded(tpm2::cc_pcr_read).rsp;
    u8 v[32];
    CHECK(tpm2::parse_pcr_read(pcr.data(), pcr.size(), 12, v, rc) == tpm2::status::ok);
    CHECK(tpm2::parse_pcr_read(pcr.data(), pcr.size(), 13, v, rc) == tpm2::status::malformed);
    // A digest of the wrong size.
    bytes seq = recorded(tpm2::cc_sequence_complete).rsp;
    seq[15] = 31;
    CHECK(tpm2::parse_sequence_complete(seq.data(), seq.size(), v, rc) == tpm2::status::malformed);
    // No device: every client call says so.
    static tpm2::client none(dead_transport);
    CHECK(none.startup() == tpm2::status::transport);
    CHECK(none.pcr_extend(12, v) == tpm2::status::transport);
    // Arguments over the limits are refused before anything is sent.
    u8 nonce[33] = {};
    static tpm2::blob q, sg;
    CHECK(none.quote(0x80000000u, 12, nonce, sizeof nonce, q, sg) == tpm2::status::too_big);
    CHECK(none.pcr_extend(24, v) == tpm2::status::too_big);
}
}  // namespace

int main() {
    if (!load(REFHV_TPM2_SESSION)) {
        std::printf("tpm2_unit: cannot read the recorded session %s\n", REFHV_TPM2_SESSION);
        return 1;
    }
    test_replay();
    test_broken_responses();
    std::printf("tpm2_unit: %d checks, %d failed\n", g_checks, g_failures);
    return g_failures == 0 && g_checks > 0 ? 0 : 1;
}
