// SPDX-License-Identifier: Apache-2.0
// fuzz: the in-guest hypercall fuzzer (guests/lib/fuzz.cpp), run by dom0 (with domain
// management and policy loads) and by fuzzing domUs it keeps creating, destroying, saving
// and restoring, for seconds=<n> with seed=<n>. The checked hypervisor verifies every
// isolation invariant after each hypercall and stops with status 37 if one breaks; this
// suite then proves the run was long and varied, that the policy in force was always the
// last one loaded, and that afterwards nothing leaked and the hypervisor still works.
#include "../lib/fuzz.hpp"
#include "dom0.hpp"

namespace dom0 {
using namespace g;

namespace {
constexpr unsigned tracked_max = 64;
i64 g_ids[tracked_max];  // domains dom0 may have created (reaped at the end)

void track(i64 id) {
    if (id <= 0) return;
    for (auto& x : g_ids)
        if (x == id) return;
    for (auto& x : g_ids)
        if (x <= 0) {
            x = id;
            return;
        }
    g_ids[static_cast<u64>(id) % tracked_max] = id;
}
}  // namespace

int suite_fuzz() {
    suite s("fuzz");
    const u64 seed = arg_u64("seed", 1);
    const u64 seconds = arg_u64("seconds", 5);
    const u64 baseline = free_pages();

    fuzz::context c(seed);
    c.privileged = true;
    c.scratch_pages = 8;
    c.scratch = static_cast<u8*>(alloc_pages(c.scratch_pages));
    c.save_cap = sizeof(refhv_save_header) + REFHV_DOMAIN_MIN_MEM;
    c.save_buf = static_cast<u8*>(alloc_pages((c.save_cap + REFHV_PAGE_SIZE - 1) / REFHV_PAGE_SIZE));
    c.expected = static_cast<u8*>(alloc_pages(4));
    static u8 boot[16384];
    const i64 boot_size = hc(REFHV_HC_POLICY_GET, gpa(boot), sizeof boot);
    for (i64 i = 0; i < boot_size; ++i) c.expected[i] = boot[i];
    c.expected_size = boot_size > 0 ? static_cast<u64>(boot_size) : 0;
    const image v2 = module("test-v2.bin"), co = module("customer-order.bin");
    c.policies[c.npolicies++] = {boot, c.expected_size};
    if (v2.size != 0) c.policies[c.npolicies++] = {ptr<u8>(v2.gpa), v2.size};
    if (co.size != 0) c.policies[c.npolicies++] = {ptr<u8>(co.gpa), co.size};
    const image img = test_image();
    c.image = {ptr<u8>(img.gpa), img.size};
    static const char* const labels[] = {"hello", "peer", "granter", "order", "ads", "device", "other",
                                         "alpha", "beta", "domu", "legacy", "no-such", ""};
    c.labels = labels;
    c.nlabels = sizeof labels / sizeof labels[0];
    c.cmdline = "mode=fuzz";
    {
        text t;
        t << "fuzz: seed " << seed << ", " << seconds << " s, " << c.npolicies << " valid policies";
        println(t);
    }

    // Keep a few fuzzing domUs alive; whatever dom0's own fuzzing does to them.
    static const char* const good[] = {"hello", "peer", "granter", "order", "ads", "device", "alpha", "beta"};
    fuzz::rng pick(seed ^ 0xD0D0);
    const u64 start = now_ms(), deadline = start + seconds * 1000;
    u64 refills = 0;
    while (now_ms() < deadline) {
        for (unsigned i = 0; i < 256; ++i) fuzz::step(c);
        // Reap what died and top up to four domUs.
        unsigned live = 0;
        for (auto& id : g_ids) {
            if (id <= 0) continue;
            refhv_domain_info di{};
            if (info(static_cast<u64>(id), di) != 0) {
                id = 0;
            } else if (di.state != REFHV_DOM_RUNNING) {
                destroy(id);
                id = 0;
            } else {
                ++live;
            }
        }
        for (unsigned i = 0; i < c.nborn; ++i) track(c.born[i]);  // created or restored by the fuzzer
        c.nborn = 0;
        while (live < 4) {
            text cmd;
            cmd << "mode=fuzz seed=" << pick.next();
            const i64 id = create(good[pick.below(sizeof good / sizeof good[0])], cmd.c_str());
            if (id <= 0) break;  // a Chinese Wall refusal or a full table: next round
            track(id);
            ++live;
            ++refills;
        }
    }
    const u64 elapsed = now_ms() - start;

    // Tear everything down and take the boot policy back.
    for (unsigned i = 0; i < c.nborn; ++i) track(c.born[i]);
    for (auto id : g_ids) destroy(id);
    static refhv_sys_info si;
    hc(REFHV_HC_SYS_INFO, gpa(&si));
    for (u64 slot = 0; slot < REFHV_GRANT_WINDOW_PAGES; ++slot) hc(REFHV_HC_GRANT_UNMAP, REFHV_GRANT_WINDOW_GPA + slot * REFHV_PAGE_SIZE);
    for (u64 ref = 0; ref < REFHV_GRANT_REFS; ++ref) hc(REFHV_HC_GRANT_REVOKE, ref);
    for (u64 port = 1; port < REFHV_EVTCHN_PORTS; ++port) hc(REFHV_HC_EVTCHN_CLOSE, port);
    static refhv_policy_result res;
    const i64 back = load_policy(image{gpa(boot), static_cast<u64>(boot_size)}, res);

    {
        text t;
        t << "dom0 calls=" << c.calls << " (" << c.succeeded << " ok) in " << elapsed << " ms, domains created="
          << c.creates + refills << " restored=" << c.restores << " rebinds=" << c.rebinds << " id reuses=" << c.id_reuses;
        // Not a trivially short run (the bound leaves room for a loaded CI machine), and the
        // id-reuse sequence ran.
        s.check("fuzzed_without_a_violation", c.calls >= 25 * seconds && c.creates + refills >= 4 && c.id_reuses >= 1, t);
    }
    {
        text t;
        t << "loads ok=" << c.loads_ok << " refused=" << c.loads_refused << " oracle failures=" << c.oracle_failures
          << " boot policy back=" << back;
        s.check("policy_in_force_is_the_last_loaded", c.oracle_failures == 0 && c.loads_ok > 0 && c.loads_refused > 0 &&
                                                         back >= 0, t);
    }
    {
        const u64 now = free_pages();
        text t;
        t << "baseline=" << baseline << " now=" << now << " domains left=" << si.nr_domains;
        s.check("no_page_leak", now == baseline && si.nr_domains == 1, t);
    }
    {
        refhv_domain_info di{};
        const i64 id = create("hello", "mode=hello code=42");
        const u32 st = id > 0 ? wait_exit(static_cast<u64>(id), di) : 0;
        destroy(id);
        text t;
        t << "create=" << id << " state=" << st << " code=" << di.exit_code;
        s.check("still_healthy", id > 0 && st == REFHV_DOM_SHUTDOWN && di.exit_code == 42, t);
    }
    return s.end();
}

}  // namespace dom0
