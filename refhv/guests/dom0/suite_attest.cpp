// SPDX-License-Identifier: Apache-2.0
// attest: measured policies and quotes, on a machine with a TPM (tests/attest-test.sh starts
// swtpm and verifies what this prints with `shype attest verify`). Boot policy customer-order;
// dom0 changes to policy-v2; refused and dry-run changes leave the PCR and the log as they
// were; an unprivileged domain is refused a quote; then the PCR is extended behind refhv's back
// (a debug hypercall) so that the verifier must reject the next quote.
// Needs the verifier's nonce as the boot module nonce.bin.
#include "dom0.hpp"

namespace dom0 {
using namespace g;

namespace {
alignas(8) u8 g_quote[REFHV_ATTEST_MAX_BYTES];
alignas(8) u8 g_saved[REFHV_ATTEST_MAX_BYTES];

const refhv_attestation& header(const u8* p) { return *reinterpret_cast<const refhv_attestation*>(p); }
const refhv_attest_event& event(const u8* p, u32 i) {
    const refhv_attestation& h = header(p);
    const u8* ev = p + sizeof h + h.quote_size + h.signature_size + h.ak_public_size;
    return reinterpret_cast<const refhv_attest_event*>(ev)[i];
}
bool same_pcr(const u8* a, const u8* b) {
    for (unsigned i = 0; i < 32; ++i)
        if (header(a).pcr_value[i] != header(b).pcr_value[i]) return false;
    return true;
}
text describe(i64 n, const u8* p) {
    text t;
    t << "quote=" << n;
    if (n > 0) {
        const refhv_attestation& h = header(p);
        t << " events=" << h.events;
        if (h.events > 0) {
            const refhv_attest_event& e = event(p, h.events - 1);
            t << " last=" << e.name << " " << e.version_major << "." << e.version_minor << " gen=" << e.generation;
        }
    }
    return t;
}
}  // namespace

int suite_attest() {
    suite s("attest");
    static refhv_attest_request req;
    static refhv_policy_result res;
    if (!s.check("nonce_given", nonce_arg(req), "the verifier's nonce: boot module nonce.bin, 1..32 bytes")) return s.end();

    i64 n = quote(req, g_quote);
    {
        const bool ok = n > 0 && header(g_quote).magic == REFHV_ATTEST_MAGIC && header(g_quote).events == 1 &&
                        event(g_quote, 0).generation == 1 && streq(event(g_quote, 0).name, "example.customer-order") &&
                        event(g_quote, 0).version_minor == 0;
        s.check("boot_policy_measured", ok, describe(n, g_quote));
    }
    {
        const i64 r = load_policy("customer-order-v2.bin", res);
        n = quote(req, g_quote);
        const bool ok = r >= 0 && n > 0 && header(g_quote).events == 2 && event(g_quote, 1).generation == 2 &&
                        event(g_quote, 1).version_minor == 1;
        text t = describe(n, g_quote);
        t << " load=" << r;
        s.check("change_to_v2_measured", ok, t);
        for (i64 i = 0; i < n; ++i) g_saved[i] = g_quote[i];
    }
    {
        // A corrupted binary and a truncated one are refused: not measured, nothing changes.
        static u8 bad[4096];
        const image v2 = module("customer-order-v2.bin");
        for (u64 i = 0; i < v2.size && i < sizeof bad; ++i) bad[i] = ptr<const u8>(v2.gpa)[i];
        bad[v2.size / 2] ^= 0x5A;
        const i64 corrupt = load_policy(image{gpa(bad), v2.size}, res);
        const i64 truncated = load_policy(image{v2.gpa, v2.size - 9}, res);
        n = quote(req, g_quote);
        const bool ok = corrupt == -REFHV_EINVAL && truncated == -REFHV_EINVAL && n > 0 &&
                        header(g_quote).events == 2 && same_pcr(g_quote, g_saved);
        text t = describe(n, g_quote);
        t << " corrupt=" << corrupt << " truncated=" << truncated;
        s.check("refused_change_not_measured", ok, t);
    }
    {
        // A dry run puts nothing in force: not measured either.
        const i64 r = load_policy(module("customer-order-v2.bin"), res, REFHV_POLICY_DRY_RUN);
        n = quote(req, g_quote);
        const bool ok = r >= 0 && n > 0 && header(g_quote).events == 2 && same_pcr(g_quote, g_saved);
        text t = describe(n, g_quote);
        t << " dry=" << r;
        s.check("dry_run_not_measured", ok, t);
    }
    {
        // The final quote for the host's verifier: policy-v2 in force, both measurements logged.
        print_attestation("final", g_quote, static_cast<u64>(n));
        s.check("attestation_printed", n > 0, describe(n, g_quote));
    }
    {
        // An Order VM (not the management label) asks for a quote: the policy refuses it.
        const i64 id = create("dom_Order", "mode=attest-quote");
        static refhv_domain_info di;
        const u32 state = id > 0 ? wait_exit(static_cast<u64>(id), di) : 0;
        text t;
        t << "create=" << id << " exit_code=" << di.exit_code;
        s.check("unprivileged_quote_denied", id > 0 && state == REFHV_DOM_SHUTDOWN && di.exit_code == REFHV_EPERM, t);
        if (id > 0) destroy(id);
    }
    {
        // Malformed requests: no nonce, a nonce over 32 bytes, a buffer too small.
        static refhv_attest_request bad;
        expectations x;
        bad = req;
        bad.nonce_size = 0;
        x("nonce_size 0", quote(bad, g_quote), -REFHV_EINVAL);
        bad.nonce_size = REFHV_ATTEST_NONCE_MAX + 1;
        x("nonce_size 33", quote(bad, g_quote), -REFHV_EINVAL);
        x("buffer 64", hc(REFHV_HC_ATTEST_QUOTE, gpa(&req), gpa(g_quote), 64), -REFHV_ERANGE);
        x("request at gpa 0", hc(REFHV_HC_ATTEST_QUOTE, 0, gpa(g_quote), REFHV_ATTEST_MAX_BYTES), -REFHV_EFAULT);
        s.check("malformed_requests_refused", x.ok(), x.detail());
    }
    {
        // Something else extends the PCR: the log no longer replays to it (the host rejects it).
        static u8 junk[32];
        for (unsigned i = 0; i < 32; ++i) junk[i] = static_cast<u8>(0xE0 + i);
        const i64 r = hc(REFHV_HC_DEBUG_TPM_EXTEND, gpa(junk));
        n = quote(req, g_quote);
        if (n > 0) print_attestation("tampered", g_quote, static_cast<u64>(n));
        s.check("pcr_extended_behind_refhv", r == 0 && n > 0 && header(g_quote).events == 2 && !same_pcr(g_quote, g_saved),
                describe(n, g_quote));
    }
    return s.end();
}

}  // namespace dom0
