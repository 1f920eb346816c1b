// SPDX-License-Identifier: Apache-2.0
// policy: the policy interface hypercalls against the placeholder ACM. Load and get are
// "not implemented yet" (ENOSYS) until the shype library is integrated; labels, decisions,
// statistics and the denial log already answer.
#include "dom0.hpp"

namespace dom0 {
using namespace g;

int suite_policy() {
    suite s("policy");
    static char label[REFHV_LABEL_MAX];
    static u8 blob[256];
    {
        const i64 r = hc(REFHV_HC_POLICY_LABEL, 0, gpa(label), sizeof label);
        text t;
        t << "ret=" << r << " label=" << label;
        s.check("label_of_dom0", r == 4 && streq(label, "dom0"), t);
    }
    const i64 id = create("order-web", "mode=sleep");
    {
        const i64 r = hc(REFHV_HC_POLICY_LABEL, static_cast<u64>(id), gpa(label), sizeof label);
        text t;
        t << "ret=" << r << " label=" << label;
        s.check("label_of_domu", r == 9 && streq(label, "order-web"), t);
    }
    {
        const i64 l = hc(REFHV_HC_POLICY_LOAD, gpa(blob), sizeof blob);
        const i64 g_ = hc(REFHV_HC_POLICY_GET, gpa(blob), sizeof blob);
        text t;
        t << "load=" << l << " get=" << g_;
        s.check("binary_policy_not_implemented_yet", l == -REFHV_ENOSYS && g_ == -REFHV_ENOSYS, t);
    }
    {
        const i64 before = hc(REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_EVTCHN, 0, static_cast<u64>(id));
        hc(REFHV_HC_DEBUG_MAC_DENY, 0, static_cast<u64>(id), 1);
        const i64 during = hc(REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_GRANT_RW, static_cast<u64>(id), 0);
        hc(REFHV_HC_DEBUG_MAC_DENY, 0, static_cast<u64>(id), 0);
        const i64 after = hc(REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_EVTCHN, 0, static_cast<u64>(id));
        text t;
        t << "before=" << before << " during=" << during << " after=" << after;
        s.check("decide", before == 1 && during == 0 && after == 1, t);
    }
    {
        static u64 mask;
        const i64 r = hc(REFHV_HC_MAC_COALITION, static_cast<u64>(id), gpa(&mask));
        text t;
        t << "ret=" << r << " mask=" << hex{mask};
        s.check("coalition_query", r == 0 && mask == ~0ull, t);
    }
    {
        // A denied hook lands in the denial log: the coalition query, while the pair is denied.
        hc(REFHV_HC_DEBUG_MAC_DENY, 0, static_cast<u64>(id), 1);
        static u64 mask;
        const i64 q = hc(REFHV_HC_MAC_COALITION, static_cast<u64>(id), gpa(&mask));
        static refhv_mac_denial log[16];
        const i64 n = hc(REFHV_HC_POLICY_DENIALS, gpa(log), 16);
        hc(REFHV_HC_DEBUG_MAC_DENY, 0, static_cast<u64>(id), 0);
        bool found = false;
        for (i64 i = 0; i < n; ++i)
            found = found || (log[i].hook == 8 && log[i].subject == 0 && log[i].object == static_cast<u32>(id));
        text t;
        t << "coalition=" << q << " mask=" << hex{mask} << " entries=" << n << " found=" << (found ? 1 : 0);
        s.check("denial_log", q == 0 && mask == 0 && n > 0 && found, t);
    }
    {
        static refhv_mac_stats st;
        const i64 r = hc(REFHV_HC_POLICY_STATS, gpa(&st));
        text t;
        t << "ret=" << r << " permits=" << st.permits << " denials=" << st.denials << " creates=" << st.hook_calls[1];
        s.check("statistics", r == 0 && st.permits > 0 && st.denials > 0 && st.hook_calls[1] >= 2, t);
    }
    destroy(id);
    return s.end();
}

}  // namespace dom0
