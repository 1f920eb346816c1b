// SPDX-License-Identifier: Apache-2.0
// sched: the timer preempts a domain that never yields (in both directions), and
// several domains share the CPU round-robin.
#include "dom0.hpp"

namespace dom0 {
using namespace g;

int suite_sched() {
    suite s("sched");
    const u64 baseline = free_pages();
    const u64 w = REFHV_GRANT_WINDOW_GPA;

    const i64 spinner = create("spinner", "mode=spin");
    i64 r = -REFHV_ENOENT;
    for (int i = 0; i < 1000 && r == -REFHV_ENOENT; ++i) {
        r = hc(REFHV_HC_GRANT_MAP, static_cast<u64>(spinner), 0, w, REFHV_GRANT_READONLY);
        if (r == -REFHV_ENOENT) hc(REFHV_HC_SCHED_BLOCK, 1);
    }
    volatile u64* counter = ptr<volatile u64>(w);
    {
        // We never exit voluntarily here; time only moves because the timer preempts us,
        // and the counter only moves because the spinner gets the CPU in between.
        const u64 c0 = *counter;
        const u64 t0 = now_ms();
        u64 loops = 0;
        while (now_ms() < t0 + 60 && loops < (1ull << 40)) ++loops;
        const u64 c1 = *counter;
        text t;
        t << "map=" << r << " counter " << c0 << " -> " << c1 << " in " << (now_ms() - t0) << "ms, loops=" << loops;
        s.check("timer_preempts_dom0", r == 0 && c1 > c0, t);
    }
    {
        // The spinner never exits voluntarily either, and we still get to run.
        const u64 c0 = *counter;
        const i64 b = hc(REFHV_HC_SCHED_BLOCK, 30);
        const u64 c1 = *counter;
        text t;
        t << "block=" << b << " counter " << c0 << " -> " << c1;
        s.check("spinner_cannot_starve_dom0", b == 1 && c1 > c0, t);
    }
    {
        const i64 ids[4] = {create("rr", "mode=hello code=1"), create("rr", "mode=hello code=2"),
                            create("rr", "mode=hello code=3"), create("rr", "mode=halt")};
        int ok = 0;
        for (int i = 0; i < 4; ++i) {
            refhv_domain_info di{};
            const u32 st = wait_exit(static_cast<u64>(ids[i]), di);
            if (st == REFHV_DOM_SHUTDOWN && di.exit_code == (i < 3 ? i + 1 : 0)) ++ok;
            destroy(ids[i]);
        }
        s.check("round_robin_with_a_spinner", ok == 4, got("finished", ok));
    }
    hc(REFHV_HC_GRANT_UNMAP, w);
    destroy(spinner);
    return end_without_leak(s, baseline);
}

}  // namespace dom0
