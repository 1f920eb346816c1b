// SPDX-License-Identifier: Apache-2.0
// management: dom0 booted with a label that is not the policy's management label
// (dom0_label=hello; test.xml's management label is "dom0"). It is still dom0 (privileged),
// but management privilege is the ACM's decision, not that flag: every management call
// (domain create, destroy, save, restore, queries about other domains, the policy
// interface) is refused with EPERM before its arguments are read, and nothing happens;
// what is not management (its own info and label, the console, the version) still works.
#include "dom0.hpp"

namespace dom0 {
using namespace g;

namespace {
constexpr i64 eperm = -REFHV_EPERM;

u32 domains_in_use() {
    static refhv_sys_info si;
    return hc(REFHV_HC_SYS_INFO, gpa(&si)) == 0 ? si.nr_domains : 0;
}
}  // namespace

int suite_management() {
    suite s("management");
    static char label[REFHV_LABEL_MAX];
    static u8 buf[8192];
    static refhv_domain_info di;
    const u32 before = domains_in_use();
    {
        const i64 r = hc(REFHV_HC_POLICY_LABEL, domid(), gpa(label), sizeof label);
        const bool priv = (start_info().flags & REFHV_SIF_PRIVILEGED) != 0;
        text t;
        t << "label=" << (r > 0 ? label : "?") << " privileged=" << (priv ? 1 : 0);
        s.check("dom0_is_privileged_without_the_management_label", r > 0 && streq(label, "hello") && priv, t);
    }
    {
        // A well-formed request that a management dom0 would see succeed.
        const i64 id = create("hello", "mode=hello");
        if (id > 0) destroy(id);
        text t;
        t << "create=" << id << " domains before=" << before << " after=" << domains_in_use();
        s.check("create_refused", id == eperm && domains_in_use() == before, t);
    }
    {
        expectations x;
        x("destroy d1", hc(REFHV_HC_DOMAIN_DESTROY, 1), eperm);
        x("destroy d999", hc(REFHV_HC_DOMAIN_DESTROY, 999), eperm);
        s.check("destroy_refused", x.ok(), x.detail());
    }
    {
        expectations x;
        x("save d1", hc(REFHV_HC_DOMAIN_SAVE, 1, gpa(buf), sizeof buf), eperm);
        s.check("save_refused", x.ok(), x.detail());
    }
    {
        // A stream header that would be checked further (and refused for its size) if the
        // caller were allowed to restore at all.
        auto* h = reinterpret_cast<refhv_save_header*>(buf);
        h->magic = REFHV_SAVE_MAGIC;
        h->version = REFHV_SAVE_VERSION;
        h->header_size = sizeof *h;
        h->mem_bytes = REFHV_DOMAIN_MIN_MEM;
        expectations x;
        x("restore", hc(REFHV_HC_DOMAIN_RESTORE, gpa(buf), sizeof buf), eperm);
        s.check("restore_refused", x.ok(), x.detail());
    }
    {
        expectations x;
        x("policy_get", hc(REFHV_HC_POLICY_GET, gpa(buf), sizeof buf), eperm);
        x("policy_decide", hc(REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_EVTCHN, 0, 0), eperm);
        x("policy_stats", hc(REFHV_HC_POLICY_STATS, gpa(buf)), eperm);
        x("policy_denials", hc(REFHV_HC_POLICY_DENIALS, gpa(buf), 4), eperm);
        x("policy_audit", hc(REFHV_HC_POLICY_AUDIT, gpa(buf), sizeof buf), eperm);
        x("policy_counters", hc(REFHV_HC_POLICY_COUNTERS, gpa(buf)), eperm);
        x("policy_label d1", hc(REFHV_HC_POLICY_LABEL, 1, gpa(label), sizeof label), eperm);
        x("domain_info d1", hc(REFHV_HC_DOMAIN_INFO, 1, gpa(&di)), eperm);
        s.check("policy_and_domain_queries_refused", x.ok(), x.detail());
    }
    {
        // The boot policy itself and the v2 policy: neither may be loaded, not even as a dry run.
        static refhv_policy_result res;
        expectations x;
        x("load test-v2", load_policy("test-v2.bin", res), eperm);
        res = refhv_policy_result{};
        x("dry run of test-v2", load_policy(module("test-v2.bin"), res, REFHV_POLICY_DRY_RUN), eperm);
        // The result record says why.
        x("result record error", res.error, eperm);
        const bool says = streq(res.message, "refused: d0 (hello) does not hold the management label");
        text t = x.detail();
        t << "; message: " << res.message;
        s.check("policy_load_refused", x.ok() && says && res.generation == 1, t);
    }
    {
        const i64 v = hc(REFHV_HC_VERSION);
        const i64 self = info(domid(), di);
        text t;
        t << "version=" << v << " info(self)=" << self << " state=" << di.state << " domains=" << domains_in_use();
        s.check("own_calls_still_work", v == static_cast<i64>(REFHV_ABI_VERSION) && self == 0 &&
                                            di.state == REFHV_DOM_RUNNING && domains_in_use() == before, t);
    }
    return s.end();
}

}  // namespace dom0
