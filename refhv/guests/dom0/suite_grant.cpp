// SPDX-License-Identifier: Apache-2.0
// grant: dom0 maps pages a domU granted it, read-only and read-write, into its grant
// window; writes to read-only mappings, accesses after unmap and after revocation (by the
// granter, by a live policy change, because the granter died) are reported to dom0 on its
// fault vector with the reason, instead of killing it.
#include "dom0.hpp"

namespace dom0 {
using namespace g;

namespace {
constexpr u64 win(u64 slot) { return REFHV_GRANT_WINDOW_GPA + slot * REFHV_PAGE_SIZE; }
constexpr i64 fault_ret = -static_cast<i64>(fault_vector);

struct fault_seen {
    i64 ret;
    u32 reason;
    u64 gpa;
    bool counted;
};
fault_seen read_probe(u64 addr) {
    const u64 before = fault_count();
    u64 v = 0;
    const i64 r = probe_read64(addr, &v);
    return {r, shared_info().fault.reason, shared_info().fault.gpa, fault_count() == before + 1};
}
fault_seen write_probe(u64 addr, u64 value) {
    const u64 before = fault_count();
    const i64 r = probe_write64(addr, value);
    return {r, shared_info().fault.reason, shared_info().fault.gpa, fault_count() == before + 1};
}
text describe(const fault_seen& f) {
    text t;
    t << "ret=" << f.ret << " reason=" << f.reason << " gpa=" << hex{f.gpa} << " counted=" << (f.counted ? 1 : 0);
    return t;
}
bool is_fault(const fault_seen& f, u32 reason, u64 gpa_expected) {
    return f.ret == fault_ret && f.reason == reason && f.gpa == gpa_expected && f.counted;
}
}  // namespace

int suite_grant() {
    suite s("grant");
    const u64 baseline = free_pages();

    const i64 gd = create("granter", "mode=granter");
    const i64 port = gd > 0 ? bind_retry(static_cast<u64>(gd), 1) : -1;
    const u64 gid = static_cast<u64>(gd);
    {
        const i64 r = map_retry(gid, 0, win(0), REFHV_GRANT_READONLY);
        bool ok = r == 0;
        const auto* p = ptr<volatile u64>(win(0));
        for (u64 i = 0; ok && i < 512; ++i) ok = p[i] == (0xA5A5A5A500000000ull | i);
        text t;
        t << "map=" << r << " port=" << port << " content=" << (ok ? "ok" : "bad");
        s.check("map_read_only", r == 0 && port > 0 && ok, t);
    }
    {
        const auto f = write_probe(win(0) + 8, 1);
        s.check("write_to_read_only_is_reported", is_fault(f, REFHV_FAULT_READ_ONLY, win(0) + 8), describe(f));
    }
    {
        const i64 r = hc(REFHV_HC_GRANT_MAP, gid, 0, win(2), 0);
        s.check("rw_map_of_ro_grant_refused", r == -REFHV_EPERM, got("ret", r));
    }
    {
        const i64 r = map_retry(gid, 1, win(1), 0);
        auto* p = ptr<volatile u64>(win(1));
        for (u64 i = 0; r == 0 && i < 512; ++i) p[i] = 0x5A5A5A5A00000000ull | i;
        // The granter checks the page and answers only if it saw what we wrote.
        const bool sent = hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(port)) == 0;
        const bool acked = sent && wait_event(static_cast<u16>(port), 3000);
        text t;
        t << "map=" << r << " acked=" << (acked ? 1 : 0);
        s.check("map_read_write_shares_memory", r == 0 && acked, t);
    }
    {
        const i64 r = hc(REFHV_HC_GRANT_MAP, gid, 1, win(3), 0);
        s.check("second_map_of_same_grant_busy", r == -REFHV_EBUSY, got("ret", r));
    }
    {
        const i64 u = hc(REFHV_HC_GRANT_UNMAP, win(0));
        const auto f = read_probe(win(0));
        text t;
        t << "unmap=" << u << " " << describe(f).c_str();
        s.check("access_after_unmap_is_reported", u == 0 && is_fault(f, REFHV_FAULT_UNMAPPED, win(0)), t);
        const i64 again = hc(REFHV_HC_GRANT_UNMAP, win(0));
        s.check("unmap_twice_fails", again == -REFHV_ENOENT, got("ret", again));
    }
    {
        clear_events(0);
        const bool sent = hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(port)) == 0;
        const bool acked = sent && wait_event(static_cast<u16>(port), 3000);
        const bool told = wait_virq(REFHV_VIRQ_GRANT_REVOKED, 1000);
        const auto& rec = shared_info().revocation;
        const auto f = read_probe(win(1) + 16);
        text t;
        t << "acked=" << (acked ? 1 : 0) << " virq=" << (told ? 1 : 0) << " record=" << hex{rec.gpa} << "/"
          << rec.reason << " " << describe(f).c_str();
        s.check("granter_revocation_is_reported",
                acked && told && rec.gpa == win(1) && rec.reason == REFHV_REVOKED_BY_GRANTER &&
                    is_fault(f, REFHV_FAULT_REVOKED, win(1) + 16), t);
        const i64 u = hc(REFHV_HC_GRANT_UNMAP, win(1));
        s.check("unmap_revoked_slot", u == 0, got("ret", u));
    }
    {
        hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(port));
        refhv_domain_info di{};
        const u32 st = wait_exit(gid, di);
        text t;
        t << "state=" << st << " code=" << di.exit_code;
        s.check("granter_saw_our_writes", st == REFHV_DOM_SHUTDOWN && di.exit_code == 0, t);
        hc(REFHV_HC_EVTCHN_CLOSE, static_cast<u64>(port));
        destroy(gd);
    }

    // ---- revocation by the policy (test-v2.bin isolates "granter"), then by death ----
    static u8 boot_policy[8192];
    const i64 boot_size = hc(REFHV_HC_POLICY_GET, gpa(boot_policy), sizeof boot_policy);
    const i64 g2 = create("granter", "mode=granter-simple");
    const u64 g2id = static_cast<u64>(g2);
    {
        const i64 r = map_retry(g2id, 0, win(5), 0);
        const bool ok = r == 0 && *ptr<volatile u64>(win(5) + 8) == (0x600D000000000000ull | 1);
        s.check("map_second_granter", ok, got("ret", r));
    }
    {
        clear_events(0);
        static refhv_policy_result res;
        const i64 d = load_policy("test-v2.bin", res);
        const bool told = wait_virq(REFHV_VIRQ_GRANT_REVOKED, 1000);
        const auto& rec = shared_info().revocation;
        const auto f = write_probe(win(5), 7);
        text t;
        t << "load=" << d << " virq=" << (told ? 1 : 0) << " reason=" << rec.reason << " " << describe(f).c_str();
        s.check("policy_revocation_is_reported",
                d == 1 && told && rec.reason == REFHV_REVOKED_BY_POLICY && is_fault(f, REFHV_FAULT_REVOKED, win(5)), t);
        const i64 m = hc(REFHV_HC_GRANT_MAP, g2id, 0, win(6), 0);
        s.check("map_denied_by_policy", m == -REFHV_EACCES, got("ret", m));
    }
    {
        static refhv_policy_result res;
        const i64 l = load_policy(image{gpa(boot_policy), static_cast<u64>(boot_size)}, res);
        const i64 u = hc(REFHV_HC_GRANT_UNMAP, win(5));
        const i64 m = hc(REFHV_HC_GRANT_MAP, g2id, 0, win(5), 0);
        const bool ok = m == 0 && *ptr<volatile u64>(win(5) + 16) == (0x600D000000000000ull | 2);
        text t;
        t << "reload=" << l << " unmap=" << u << " map=" << m;
        s.check("map_allowed_again", l == 0 && u == 0 && ok, t);
    }
    {
        clear_events(0);
        const i64 d = hc(REFHV_HC_DOMAIN_DESTROY, g2id);
        const bool told = wait_virq(REFHV_VIRQ_GRANT_REVOKED, 1000);
        const auto& rec = shared_info().revocation;
        const auto f = read_probe(win(5));
        text t;
        t << "destroy=" << d << " virq=" << (told ? 1 : 0) << " reason=" << rec.reason << " " << describe(f).c_str();
        s.check("granter_death_revokes", d == 0 && told && rec.reason == REFHV_REVOKED_GRANTER_GONE &&
                                             is_fault(f, REFHV_FAULT_REVOKED, win(5)), t);
        s.check("unmap_after_granter_death", hc(REFHV_HC_GRANT_UNMAP, win(5)) == 0);
    }

    // ---- a domain that cannot be told is killed --------------------------------------
    {
        refhv_domain_info told{}, killed{};
        const i64 a = create("window", "mode=window-touch");
        wait_exit(static_cast<u64>(a), told);
        destroy(a);
        const i64 b = create("window", "mode=window-touch nofv=1");
        wait_exit(static_cast<u64>(b), killed);
        destroy(b);
        text t;
        t << "with vector: state=" << told.state << " code=" << told.exit_code << "; without: state=" << killed.state
          << " reason=" << killed.exit_reason << " gpa=" << hex{killed.fault_gpa};
        s.check("window_fault_without_vector_kills",
                told.state == REFHV_DOM_SHUTDOWN && told.exit_code == static_cast<std::int32_t>(REFHV_FAULT_UNMAPPED) &&
                    killed.state == REFHV_DOM_KILLED && killed.exit_reason == REFHV_EXIT_NPF &&
                    killed.fault_gpa == win(5), t);
    }
    return end_without_leak(s, baseline);
}

}  // namespace dom0
