// SPDX-License-Identifier: Apache-2.0
// evtchn: bind, send, deliver (upcall on a virtual interrupt), mask, close, loopback,
// and revocation by a live policy change (test-v2.bin isolates the label "peer").
#include "dom0.hpp"

namespace dom0 {
using namespace g;

int suite_evtchn() {
    suite s("evtchn");
    const u64 baseline = free_pages();
    constexpr u64 rounds = 5;

    // ---- a peer that ping-pongs, then sees us close ----------------------------
    const i64 peer = create("peer", "mode=evtchn-peer rounds=5");
    const i64 dp = peer > 0 ? bind_retry(static_cast<u64>(peer), 1) : -1;
    {
        text t;
        t << "peer=" << peer << " port=" << dp;
        s.check("bind_interdomain", peer > 0 && dp > 0, t);
    }
    {
        refhv_evtchn_status st{};
        const i64 r = hc(REFHV_HC_EVTCHN_STATUS, static_cast<u64>(dp), gpa(&st));
        text t;
        t << "ret=" << r << " state=" << st.state << " remote=" << st.remote_domid << ":" << st.remote_port;
        s.check("status_interdomain", r == 0 && st.state == REFHV_EVTCHN_INTERDOMAIN &&
                                          st.remote_domid == static_cast<u32>(peer) && st.remote_port == 1, t);
    }
    {
        // Each pong arrives through the upcall handler (virtual interrupt on vector 0xF0).
        u64 pongs = 0;
        for (u64 i = 0; i < rounds; ++i) {
            if (hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(dp)) != 0) break;
            if (!wait_event(static_cast<u16>(dp), 2000)) break;
            ++pongs;
        }
        text t;
        t << "pongs=" << pongs << "/" << rounds;
        s.check("send_and_deliver", pongs == rounds, t);
    }
    {
        const i64 r = hc(REFHV_HC_EVTCHN_CLOSE, static_cast<u64>(dp));
        refhv_domain_info di{};
        const u32 st = wait_exit(static_cast<u64>(peer), di);
        text t;
        t << "close=" << r << " peer state=" << st << " code=" << di.exit_code;
        s.check("close_unbinds_peer", r == 0 && st == REFHV_DOM_SHUTDOWN && di.exit_code == 100 + rounds, t);
        destroy(peer);
    }
    {
        const i64 r = hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(dp));
        s.check("send_on_closed_port_fails", r == -REFHV_EINVAL, got("ret", r));
    }

    // ---- loopback and masking ------------------------------------------------------
    {
        const i64 a = hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, 0);
        const i64 b = hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, 0, static_cast<u64>(a));
        const i64 r = hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(b));
        const bool seen = wait_event(static_cast<u16>(a), 1000);
        text t;
        t << "a=" << a << " b=" << b << " send=" << r << " seen=" << (seen ? 1 : 0);
        s.check("loopback", a > 0 && b > 0 && r == 0 && seen, t);

        // Masked: the bit is set in the shared page, but no upcall is raised.
        volatile refhv_shared_info& sh = shared_info();
        sh.evtchn_mask = sh.evtchn_mask | (1ull << a);
        clear_events(static_cast<u16>(a));
        hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(b));
        const bool pending = (sh.evtchn_pending & (1ull << a)) != 0;
        const bool upcalled = wait_event(static_cast<u16>(a), 20);
        sh.evtchn_mask = sh.evtchn_mask & ~(1ull << a);
        sh.evtchn_pending = sh.evtchn_pending & ~(1ull << a);
        text m;
        m << "pending=" << (pending ? 1 : 0) << " upcall=" << (upcalled ? 1 : 0);
        s.check("mask_keeps_pending_without_upcall", pending && !upcalled, m);
        const i64 c1 = hc(REFHV_HC_EVTCHN_CLOSE, static_cast<u64>(a));
        const i64 c2 = hc(REFHV_HC_EVTCHN_CLOSE, static_cast<u64>(b));
        s.check("close_loopback", c1 == 0 && c2 == 0);
    }

    // ---- revocation by the policy ---------------------------------------------------
    // The peer offers ports 1 and 2 to us; we bind 1, then load test-v2 (peer shares nothing
    // with dom0 there): the channel is revoked, and port 2 may not be bound until the boot
    // policy (kept through POLICY_GET) is back.
    static u8 boot_policy[8192];
    const i64 boot_size = hc(REFHV_HC_POLICY_GET, gpa(boot_policy), sizeof boot_policy);
    const i64 rv = create("peer", "mode=evtchn-peer rounds=1 revoke=1");
    const i64 rp = rv > 0 ? bind_retry(static_cast<u64>(rv), 1) : -1;
    {
        const bool ok = boot_size > 0 && rp > 0 && hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(rp)) == 0 &&
                        wait_event(static_cast<u16>(rp), 2000);
        text t;
        t << "port=" << rp << " boot policy=" << boot_size << " bytes";
        s.check("second_peer_bound", ok, t);
    }
    {
        clear_events(0);
        static refhv_policy_result res;
        const i64 d = load_policy("test-v2.bin", res);
        const i64 snd = hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(rp));
        refhv_evtchn_status st{};
        hc(REFHV_HC_EVTCHN_STATUS, static_cast<u64>(rp), gpa(&st));
        const bool told = wait_virq(REFHV_VIRQ_EVTCHN_REVOKED, 1000);
        text t;
        t << "load=" << d << " send=" << snd << " state=" << st.state << " virq=" << (told ? 1 : 0);
        s.check("policy_revokes_channel", d >= 1 && snd == -REFHV_EACCES && st.state == REFHV_EVTCHN_REVOKED && told, t);
    }
    {
        // Port 2 was offered before the change; the bind hook refuses it now.
        const i64 r = bind_retry(static_cast<u64>(rv), 2);
        const i64 u = hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, static_cast<u64>(rv));
        text t;
        t << "bind=" << r << " alloc_unbound=" << u;
        s.check("bind_denied_by_policy", r == -REFHV_EACCES && u == -REFHV_EACCES, t);
    }
    {
        static refhv_policy_result res;
        const i64 l = load_policy(image{gpa(boot_policy), static_cast<u64>(boot_size)}, res);
        const i64 p2 = hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, static_cast<u64>(rv), 2);
        const i64 snd = p2 > 0 ? hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(p2)) : p2;
        refhv_domain_info di{};
        const u32 st = wait_exit(static_cast<u64>(rv), di);
        text t;
        t << "reload=" << l << " bind=" << p2 << " send=" << snd << " peer state=" << st << " code=" << di.exit_code;
        s.check("bind_allowed_again", l == 0 && p2 > 0 && snd == 0 && st == REFHV_DOM_SHUTDOWN && di.exit_code == 77, t);
        const i64 c = hc(REFHV_HC_EVTCHN_CLOSE, static_cast<u64>(rp));
        s.check("close_revoked_port", c == 0, got("ret", c));
        if (p2 > 0) hc(REFHV_HC_EVTCHN_CLOSE, static_cast<u64>(p2));
        destroy(rv);
    }
    return end_without_leak(s, baseline);
}

}  // namespace dom0
