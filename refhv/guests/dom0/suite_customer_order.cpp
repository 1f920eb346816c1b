// SPDX-License-Identifier: Apache-2.0
// customer-order: the sHype paper's Figure 2, live (the main job). The boot policy is
// examples/customer-order/policy.xml; dom0 (dom_Management) starts a device domain serving
// vDisk Order and vDisk Ads, two Order VMs, an Advertising VM and a Computing VM, all agents
// (guests/scenario.hpp) that carry out dom0's commands. Each step prints what a guest tried
// and what it got (the hypervisor's own log, with mac_trace=1, shows each decision) and is a
// CASE line judged against what the paper says must happen; a live change to policy-v2.xml
// revokes a channel and a mapping in use, which the guests see. It ends with the ACM's
// statistics and denial log.
#include <shype/errc.hpp>

#include "../scenario.hpp"
#include "dom0.hpp"

namespace dom0 {
using namespace g;
namespace sc = scenario;

namespace {
// TE types are bits in name order: Advertising 0, Computing 1, Order 2, SystemManagement 3.
constexpr u64 te_advertising = 1u << 0, te_order = 1u << 2;

void step(const char* what) {
    text t;
    t << "== " << what;
    println(t);
}

void print_policy_result(const refhv_policy_result& r) {
    text t;
    t << "dom0: ACM says: " << r.message;
    println(t);
}
}  // namespace

int suite_customer_order() {
    suite s("customer-order");
    static char label[REFHV_LABEL_MAX];
    static refhv_policy_result res;

    step("boot: dom0 holds the policy's bootstrap (management) label");
    {
        const i64 r = hc(REFHV_HC_POLICY_LABEL, 0, gpa(label), sizeof label);
        text t;
        t << "dom0 label " << label;
        s.check("dom0_is_management", r > 0 && streq(label, "dom_Management"), t);
    }

    step("dom0 starts the domains of Figure 2");
    agent vdisk{"vdisk", "dom_VirtualDisk"}, web{"order-web", "dom_Order"}, db{"order-db", "dom_Order"},
        ads{"ads-alpha", "dom_Ads_Alpha"}, comp{"computing", "dom_Computing"}, beta{"ads-beta", "dom_Ads_Beta"};
    const struct {
        const char* name;
        agent* a;
        const char* extra;
    } starts[] = {{"device_domain_started", &vdisk, "serve=1"}, {"order_web_started", &web, ""}, {"order_db_started", &db, ""},
                  {"ads_alpha_started", &ads, ""}, {"computing_started", &comp, ""}};
    u64 slot = 0;
    for (const auto& st : starts) {
        const i64 r = start(*st.a, slot++, st.extra);
        text t;
        t << st.a->name << " is d" << r << " labelled " << st.a->label;
        s.check(st.name, r > 0, t);
    }
    {
        step("Chinese Wall: OEM Beta's advertising VM may not start while its competitor Alpha runs");
        const i64 r = create(beta.label, "mode=agent role=ads-beta");
        s.check("competitor_refused_while_rival_runs", r == -REFHV_EACCES, got("create", r));
    }

    step("the Order coalition: order-web and order-db share an event channel and a page");
    const u64 web_id = static_cast<u64>(web.id), db_id = static_cast<u64>(db.id), ads_id = static_cast<u64>(ads.id);
    const i64 db_port = run(db, sc::alloc_unbound, web_id);
    const i64 web_port = run(web, sc::bind, db_id, static_cast<u64>(db_port));
    s.check("order_vms_bind_a_channel", db_port > 0 && web_port > 0, got("port", web_port));
    {
        const i64 snd = run(web, sc::send, static_cast<u64>(web_port));
        const i64 seen = run(db, sc::wait, static_cast<u64>(db_port), 2000);
        text t;
        t << "send=" << snd << " received=" << seen;
        s.check("order_event_delivered", snd == 0 && seen == 1, t);
    }
    {
        const i64 ref = run(web, sc::grant, db_id, 0, 0, 0, "order #4711: 3 disks");
        const i64 m = run(db, sc::map, web_id, static_cast<u64>(ref), 0, 0);
        const i64 rd = run(db, sc::window_read, 0);
        const bool same = streq(db.mb->text, "order #4711: 3 disks");
        const i64 wr = run(db, sc::window_write, 0, 0, 0, 0, "ack 4711");
        run(web, sc::page_read);
        const bool back = streq(web.mb->text, "ack 4711");
        text t;
        t << "grant=" << ref << " map=" << m << " read=" << rd << " write=" << wr;
        s.check("order_vms_share_a_page_both_ways", ref >= 0 && m == 0 && rd == 0 && same && wr == 0 && back, t);
    }

    step("Advertising cannot reach Order (Type Enforcement: no common coalition)");
    {
        const i64 r = run(ads, sc::alloc_unbound, web_id);
        s.check("ads_cannot_offer_order_a_channel", r == -REFHV_EACCES, got("alloc_unbound", r));
    }
    {
        const i64 ref = run(ads, sc::grant, web_id, 0, 0, 0, "buy now!");
        const i64 m = run(web, sc::map, ads_id, static_cast<u64>(ref), 2, 0);
        text t;
        t << "grant=" << ref << " map=" << m;
        s.check("order_cannot_map_ads_page", ref >= 0 && m == -REFHV_EACCES, t);
    }
    {
        const i64 r = run(comp, sc::alloc_unbound, db_id);
        s.check("computing_cannot_reach_order", r == -REFHV_EACCES, got("alloc_unbound", r));
    }

    step("the device domain (a MAC domain) serves vDisk Order and vDisk Ads");
    {
        const i64 a = run(vdisk, sc::register_resource, 0, 0, 0, 0, "vdisk-order vdisk_Order");
        const i64 b = run(vdisk, sc::register_resource, 0, 0, 0, 0, "vdisk-ads vdisk_Ads");
        text t;
        t << "vdisk-order=" << a << " vdisk-ads=" << b;
        s.check("device_registers_both_disks", a == 0 && b == 1, t);
    }
    i64 web_disk = 0, ads_disk = 0;
    {
        web_disk = run(web, sc::open, 0, 0, 0, 0, "vdisk-order");
        const i64 r = web_disk > 0 ? run(web, sc::vdisk_read, static_cast<u64>(web_disk), 7) : web_disk;
        text t;
        t << "open=" << web_disk << " read=" << r << " disk=" << web.mb->out[0];
        s.check("order_vm_reads_vdisk_order", web_disk > 0 && r == 0 && web.mb->out[0] == 0, t);
    }
    {
        ads_disk = run(ads, sc::open, 0, 0, 0, 0, "vdisk-ads");
        const i64 r = ads_disk > 0 ? run(ads, sc::vdisk_read, static_cast<u64>(ads_disk), 9) : ads_disk;
        text t;
        t << "open=" << ads_disk << " read=" << r << " disk=" << ads.mb->out[0];
        s.check("ads_vm_reads_vdisk_ads", ads_disk > 0 && r == 0 && ads.mb->out[0] == 1, t);
    }
    {
        const i64 a = run(ads, sc::open, 0, 0, 0, 0, "vdisk-order");
        const i64 b = run(comp, sc::open, 0, 0, 0, 0, "vdisk-ads");
        text t;
        t << "ads opens vdisk-order=" << a << " computing opens vdisk-ads=" << b;
        s.check("no_disk_of_another_coalition", a == -REFHV_EACCES && b == -REFHV_EACCES, t);
    }
    {
        run(vdisk, sc::coalition, web_id);
        const u64 with_web = vdisk.mb->out[0];
        run(vdisk, sc::coalition, ads_id);
        const u64 with_ads = vdisk.mb->out[0];
        text t;
        t << "with order-web " << hex{with_web} << " with ads-alpha " << hex{with_ads};
        s.check("coalition_query", with_web == te_order && with_ads == te_advertising, t);
    }
    {
        const i64 r = run(vdisk, sc::window_read, sc::server_slots);
        s.check("device_maps_the_order_request_page", r == 0, got("read", r));
    }

    step("policy changes from dom0: refused ones leave the policy in force");
    static u8 boot[8192];
    const i64 boot_size = hc(REFHV_HC_POLICY_GET, gpa(boot), sizeof boot);
    const image v2 = module("customer-order-v2.bin"), v3 = module("customer-order-v3.bin");
    {
        static u8 bad[8192];
        for (u64 i = 0; i < v2.size && i < sizeof bad; ++i) bad[i] = ptr<u8>(v2.gpa)[i];
        bad[v2.size / 3] ^= 0x01;
        const i64 r = load_policy(image{gpa(bad), v2.size}, res);
        print_policy_result(res);
        s.check("corrupt_policy_refused", r == -REFHV_EINVAL && res.code == static_cast<u32>(shype::errc::bad_checksum) &&
                                              res.generation == 1, got("load", r));
    }
    {
        const i64 r = load_policy(v3, res);
        print_policy_result(res);
        text t;
        t << "load=" << r << " violations=" << res.violations;
        s.check("policy_contradicting_running_domains_refused", r == -REFHV_EBUSY && res.violations > 0 && res.generation == 1, t);
    }

    step("live change to policy-v2 (vDisk Order leaves the device domain): what is revoked, the guests see");
    {
        const i64 dry = load_policy(v2, res, REFHV_POLICY_DRY_RUN);
        print_policy_result(res);
        const i64 r = load_policy(v2, res);
        print_policy_result(res);
        text t;
        t << "dry run=" << dry << " load=" << r << " generation=" << res.generation;
        // The order VM's disk channel, the device domain's mapping of its request page, and
        // the device domain's registration of vdisk-order.
        s.check("policy_v2_revokes_three_bindings", boot_size > 0 && dry == 3 && r == 3 && res.generation == 2, t);
    }
    {
        const i64 snd = run(web, sc::send, static_cast<u64>(web_disk));
        const i64 st = run(web, sc::status, static_cast<u64>(web_disk));
        text t;
        t << "send=" << snd << " state=" << web.mb->out[0];
        s.check("order_vm_sees_its_disk_channel_revoked",
                snd == -REFHV_EACCES && st == 0 && web.mb->out[0] == REFHV_EVTCHN_REVOKED, t);
    }
    {
        const i64 r = run(vdisk, sc::window_read, sc::server_slots);
        const u64 reason = vdisk.mb->out[0];
        run(vdisk, sc::faults);
        text t;
        t << "read=" << r << " fault reason=" << reason << " revocations=" << vdisk.mb->out[2] << " why=" << vdisk.mb->out[3];
        s.check("device_access_to_revoked_mapping_faults_and_is_reported",
                r == -static_cast<i64>(fault_vector) && reason == REFHV_FAULT_REVOKED && vdisk.mb->out[2] >= 1 &&
                    vdisk.mb->out[3] == REFHV_REVOKED_BY_POLICY, t);
    }
    {
        const i64 r = run(web, sc::open, 0, 0, 0, 0, "vdisk-order");
        s.check("vdisk_order_withdrawn_from_the_device_domain", r == -REFHV_ENOENT, got("open", r));
    }
    {
        const i64 snd = run(web, sc::send, static_cast<u64>(web_port));
        const i64 seen = run(db, sc::wait, static_cast<u64>(db_port), 2000);
        const i64 rd = run(db, sc::window_read, 0);
        text t;
        t << "send=" << snd << " received=" << seen << " shared page read=" << rd;
        s.check("order_coalition_keeps_its_channel_and_page", snd == 0 && seen == 1 && rd == 0, t);
    }
    {
        const i64 r = run(ads, sc::vdisk_read, static_cast<u64>(ads_disk), 11);
        text t;
        t << "read=" << r << " disk=" << ads.mb->out[0];
        s.check("ads_vm_still_served", r == 0 && ads.mb->out[0] == 1, t);
    }

    step("Chinese Wall: once Alpha's VM is gone, Beta's may run");
    {
        const i64 d = hc(REFHV_HC_DOMAIN_DESTROY, ads_id);
        const i64 b = start(beta, 5);
        const i64 o = b > 0 ? run(beta, sc::open, 0, 0, 0, 0, "vdisk-ads") : b;
        const i64 r = o > 0 ? run(beta, sc::vdisk_read, static_cast<u64>(o), 3) : o;
        text t;
        t << "destroy alpha=" << d << " beta=" << b << " open=" << o << " read=" << r;
        s.check("competitor_runs_after_rival_left", d == 0 && b > 0 && o > 0 && r == 0, t);
    }

    step("the ACM's statistics and denial log");
    {
        static refhv_mac_counters c;
        static refhv_mac_stats st;
        hc(REFHV_HC_POLICY_COUNTERS, gpa(&c));
        hc(REFHV_HC_POLICY_STATS, gpa(&st));
        static const char* const names[] = {"domain", "evtchn", "grant", "resource", "query", "management"};
        u64 revocations = 0;
        for (u32 i = 0; i < REFHV_MAC_CLASSES; ++i) {
            const auto& k = c.by_class[i];
            revocations += k.revocations;
            text t;
            t << "stats: " << names[i] << ": " << k.hits + k.misses << " decisions (" << k.hits << " cached), " << k.denials
              << " denied, " << k.errors << " errors, " << k.revocations << " revoked";
            println(t);
        }
        text t;
        t << "stats: generation " << c.generation << ", " << c.bindings << " live bindings, hooks: " << st.permits
          << " permits, " << st.denials << " denials";
        println(t);
        text d;
        d << "revoked=" << revocations << " denials=" << st.denials;
        s.check("statistics", revocations == 3 && c.generation == 2 && st.denials >= 8, d);
    }
    {
        static char avc[8192];
        const i64 n = hc(REFHV_HC_POLICY_AUDIT, gpa(avc), sizeof avc - 1);
        if (n >= 0) avc[n] = '\0';
        const bool expected = n > 0 && contains(avc, "slabel=\"dom_Ads_Beta\" target=host policy=chinese_wall") &&
                              contains(avc, "{ evtchn_unbound } for source=dom") && contains(avc, "{ map_write }") &&
                              contains(avc, "{ access } for source=dom") && contains(avc, "policy=type_enforcement");
        // One console line per AVC record.
        for (char* p = avc; n > 0 && *p != '\0';) {
            char* e = p;
            while (*e != '\n' && *e != '\0') ++e;
            const char keep = *e;
            *e = '\0';
            text t;
            t << "denial: " << p;
            println(t);
            if (keep == '\0') break;
            p = e + 1;
        }
        s.check("denial_log", expected, got("bytes", n));
    }
    const agent* all[] = {&vdisk, &web, &db, &comp, &beta};
    for (const agent* a : all) destroy(a->id);
    // With a TPM and the verifier's nonce (tests/attest-test.sh): the host's attestation, which
    // the main job verifies with `shype attest verify`: policy-v2 (generation 2) in force.
    static refhv_attest_request req;
    if (nonce_arg(req)) {
        alignas(8) static u8 q[REFHV_ATTEST_MAX_BYTES];
        const i64 n = quote(req, q);
        if (n > 0) print_attestation("final", q, static_cast<u64>(n));
        const auto& h = *reinterpret_cast<const refhv_attestation*>(q);
        s.check("attestation", n > 0 && h.events == 2, got("quote", n));
    }
    return s.end();
}

}  // namespace dom0
