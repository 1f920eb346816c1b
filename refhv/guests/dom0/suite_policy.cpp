// SPDX-License-Identifier: Apache-2.0
// policy: the policy interface against the shype ACM. The boot policy is test.bin
// (refhv/tests/policies/test.xml); dom0 has test-v2.bin and the renaming test-renames*.bin as
// modules. Labels, getting and
// loading binaries (refused ones with a precise reason, the old policy staying in force),
// dry runs, a change the running domains contradict, decisions, the coalition query, the
// Chinese Wall, the denial log (records and AVC text) and the statistics.
#include <shype/errc.hpp>

#include "dom0.hpp"

namespace dom0 {
using namespace g;

namespace {
u8 g_before[8192], g_after[8192], g_copy[8192];

bool same(const u8* a, const u8* b, u64 n) {
    for (u64 i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}
u32 generation() {
    static refhv_mac_counters c;
    hc(REFHV_HC_POLICY_COUNTERS, gpa(&c));
    return c.generation;
}
text describe(i64 ret, const refhv_policy_result& r) {
    text t;
    t << "ret=" << ret << " code=" << r.code << " violations=" << r.violations << " revoked=" << r.revoked
      << " msg=\"" << r.message << "\"";
    return t;
}
}  // namespace

int suite_policy() {
    suite s("policy");
    static char label[REFHV_LABEL_MAX];
    static refhv_policy_result res;
    {
        const i64 r = hc(REFHV_HC_POLICY_LABEL, 0, gpa(label), sizeof label);
        text t;
        t << "ret=" << r << " label=" << label;
        s.check("dom0_has_the_bootstrap_label", r == 4 && streq(label, "dom0"), t);
    }
    const i64 id = create("hello", "mode=sleep");
    {
        const i64 r = hc(REFHV_HC_POLICY_LABEL, static_cast<u64>(id), gpa(label), sizeof label);
        const i64 bad = create("no-such-label", "mode=sleep");
        text t;
        t << "ret=" << r << " label=" << label << " unknown label create=" << bad;
        s.check("labels_by_name", r == 5 && streq(label, "hello") && bad == -REFHV_ENOENT, t);
    }
    const i64 size = hc(REFHV_HC_POLICY_GET, gpa(g_before), sizeof g_before);
    {
        text t;
        t << "size=" << size << " generation=" << generation();
        s.check("get_the_policy_in_force", size > 64 && streq_n(reinterpret_cast<const char*>(g_before), "SHYPEPOL", 8) &&
                                               generation() == 1, t);
    }
    {
        // One flipped byte: the checksum catches it; nothing changes.
        for (i64 i = 0; i < size; ++i) g_copy[i] = g_before[i];
        g_copy[size / 2] ^= 0x40;
        const i64 r = load_policy(image{gpa(g_copy), static_cast<u64>(size)}, res);
        const i64 after = hc(REFHV_HC_POLICY_GET, gpa(g_after), sizeof g_after);
        text t = describe(r, res);
        s.check("corrupt_policy_refused_precisely",
                r == -REFHV_EINVAL && res.error == -REFHV_EINVAL && res.code == static_cast<u32>(shype::errc::bad_checksum) &&
                    contains(res.message, "bad_checksum") && after == size && same(g_before, g_after, static_cast<u64>(size)) &&
                    generation() == 1, t);
    }
    {
        const i64 r = load_policy(image{gpa(g_before), static_cast<u64>(size - 8)}, res);
        text t = describe(r, res);
        s.check("truncated_policy_refused", r == -REFHV_EINVAL && res.code == static_cast<u32>(shype::errc::truncated) &&
                                                generation() == 1, t);
    }
    const image v2 = module("test-v2.bin");
    {
        // "legacy" exists only in the boot policy: the change is refused while it runs.
        const i64 legacy = create("legacy", "mode=sleep");
        const i64 dry = load_policy(v2, res, REFHV_POLICY_DRY_RUN);
        text t = describe(dry, res);
        const bool dry_refused = dry == -REFHV_EBUSY && res.violations == 1 && contains(res.message, "legacy");
        const i64 r = load_policy(v2, res);
        t << " / apply ret=" << r;
        s.check("change_contradicting_running_domains_refused",
                legacy > 0 && dry_refused && r == -REFHV_EBUSY && res.violations == 1 && generation() == 1, t);
        destroy(legacy);
    }
    {
        const i64 dry = load_policy(v2, res, REFHV_POLICY_DRY_RUN);
        const bool dry_ok = dry == 0 && contains(res.message, "would load") && generation() == 1;
        const i64 r = load_policy(v2, res);
        const i64 got = hc(REFHV_HC_POLICY_GET, gpa(g_after), sizeof g_after);
        text t = describe(r, res);
        t << " dry=" << dry << " get=" << got << " generation=" << generation();
        s.check("dry_run_then_load", dry_ok && r == 0 && res.generation == 2 && got == static_cast<i64>(v2.size) &&
                                         same(g_after, ptr<u8>(v2.gpa), v2.size), t);
        const i64 back = load_policy(image{gpa(g_before), static_cast<u64>(size)}, res);
        s.check("boot_policy_back", back == 0 && generation() == 3, describe(back, res));
    }
    const i64 order = create("order", "mode=sleep");
    const i64 ads = create("ads", "mode=sleep");
    {
        const i64 a = hc(REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_EVTCHN, 0, static_cast<u64>(id));
        const i64 b = hc(REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_GRANT_RW, static_cast<u64>(order), static_cast<u64>(ads));
        const i64 c = hc(REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_EVTCHN, static_cast<u64>(order), static_cast<u64>(order));
        text t;
        t << "dom0-hello=" << a << " order-ads=" << b << " self=" << c;
        s.check("decide", a == 1 && b == 0 && c == -REFHV_EINVAL, t);
    }
    {
        static u64 m_hello, m_order, m_ads;
        const i64 r1 = hc(REFHV_HC_MAC_COALITION, static_cast<u64>(id), gpa(&m_hello));
        const i64 r2 = hc(REFHV_HC_MAC_COALITION, static_cast<u64>(order), gpa(&m_order));
        const i64 r3 = hc(REFHV_HC_MAC_COALITION, static_cast<u64>(ads), gpa(&m_ads));
        text t;
        t << "hello=" << hex{m_hello} << " order=" << hex{m_order} << " ads=" << hex{m_ads};
        // One coalition each (TE types are bits in name order: Ads 0, Order 3, Shared 5).
        s.check("coalition_query", r1 == 0 && r2 == 0 && r3 == 0 && m_hello == (1u << 5) && m_order == (1u << 3) &&
                                       m_ads == (1u << 0), t);
    }
    i64 beta_denied = 0;
    {
        const i64 alpha = create("alpha", "mode=sleep");
        beta_denied = create("beta", "mode=sleep");
        destroy(alpha);
        const i64 beta = create("beta", "mode=sleep");
        text t;
        t << "alpha=" << alpha << " beta while alpha runs=" << beta_denied << " beta after=" << beta;
        s.check("chinese_wall", alpha > 0 && beta_denied == -REFHV_EACCES && beta > 0, t);
        destroy(beta);
    }
    {
        static refhv_mac_denial log[16];
        const i64 n = hc(REFHV_HC_POLICY_DENIALS, gpa(log), 16);
        bool found = false;
        for (i64 i = 0; i < n; ++i) found = found || (log[i].hook == 1 && log[i].object == 0xFFFF);
        static char avc[4096];
        const i64 bytes = hc(REFHV_HC_POLICY_AUDIT, gpa(avc), sizeof avc - 1);
        if (bytes >= 0) avc[bytes] = '\0';
        text t;
        t << "entries=" << n << " create denial=" << (found ? 1 : 0) << " audit bytes=" << bytes;
        s.check("denial_log", n > 0 && found && bytes > 0 && contains(avc, "avc: denied { create } for source=dom") &&
                                  contains(avc, "slabel=\"beta\" target=host policy=chinese_wall"), t);
    }
    {
        static refhv_mac_stats st;
        static refhv_mac_counters c;
        const i64 r = hc(REFHV_HC_POLICY_STATS, gpa(&st));
        const i64 k = hc(REFHV_HC_POLICY_COUNTERS, gpa(&c));
        const auto& dom = c.by_class[REFHV_MAC_CLASS_DOMAIN];
        text t;
        t << "permits=" << st.permits << " denials=" << st.denials << " creates=" << st.hook_calls[1]
          << " domain class: misses=" << dom.misses << " denials=" << dom.denials << " errors=" << dom.errors;
        s.check("statistics", r == 0 && k == 0 && st.permits > 0 && st.denials >= 1 && st.hook_calls[1] >= 6 &&
                                  dom.denials >= 1 && dom.misses >= 6 && c.generation == 3, t);
    }
    {
        // Renames (Xen ACM's <Name from="old">new</Name>): a running "counter" carries on as
        // "tally"; a rename from a label the policy in force lacks is refused.
        const image renames = module("test-renames.bin"), unknown = module("test-renames-unknown.bin");
        const i64 ctr = create("counter", "mode=sleep");
        const i64 bad = load_policy(unknown, res);
        text t = describe(bad, res);
        const bool bad_refused = bad == -REFHV_EBUSY && contains(res.message, "renamed from ancient");
        const i64 r = load_policy(renames, res);
        const u32 revoked = res.revoked;
        const i64 l = hc(REFHV_HC_POLICY_LABEL, static_cast<u64>(ctr), gpa(label), sizeof label);
        t << " / rename ret=" << r << " revoked=" << revoked << " label=" << label;
        s.check("rename_carries_a_running_domain", ctr > 0 && bad_refused && r == 0 && revoked == 0 && l == 5 &&
                                                       streq(label, "tally"), t);
        destroy(ctr);  // test.bin has no successor for "tally"
        const i64 back = load_policy(image{gpa(g_before), static_cast<u64>(size)}, res);
        s.check("boot_policy_back_after_renames", back == 0, describe(back, res));
    }
    destroy(order);
    destroy(ads);
    destroy(id);
    return s.end();
}

}  // namespace dom0
