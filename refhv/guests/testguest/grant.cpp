// SPDX-License-Identifier: Apache-2.0
#include "../lib/rt.hpp"
#include "modes.hpp"

namespace testguest {
using namespace g;

// Grants page A read-only (ref 0) and page B read-write (ref 1) to dom0, then follows
// dom0's pings on port 1: (1) check what dom0 wrote into B, (2) revoke B, (3) exit.
int granter() {
    if (hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, 0) != 1) return 1;
    auto* a = static_cast<u64*>(alloc_pages(1));
    auto* b = static_cast<u64*>(alloc_pages(1));
    for (u64 i = 0; i < 512; ++i) a[i] = 0xA5A5A5A500000000ull | i;
    if (hc(REFHV_HC_GRANT_ACCESS, gpa(a), 0, REFHV_GRANT_READONLY) != 0) return 2;
    if (hc(REFHV_HC_GRANT_ACCESS, gpa(b), 0, 0) != 1) return 3;

    if (!wait_event(1, 5000)) return 4;
    for (u64 i = 0; i < 512; ++i)
        if (b[i] != (0x5A5A5A5A00000000ull | i)) return 5;
    if (hc(REFHV_HC_EVTCHN_SEND, 1) != 0) return 6;

    if (!wait_event(1, 5000)) return 7;
    if (hc(REFHV_HC_GRANT_REVOKE, 1) != 0) return 8;
    if (hc(REFHV_HC_GRANT_REVOKE, 1) != -REFHV_ENOENT) return 9;
    if (hc(REFHV_HC_EVTCHN_SEND, 1) != 0) return 10;

    if (!wait_event(1, 5000)) return 11;
    return 0;
}

// One read-write page (ref 0) with a pattern; then sleeps until destroyed.
int granter_simple() {
    auto* p = static_cast<u64*>(alloc_pages(1));
    for (u64 i = 0; i < 512; ++i) p[i] = 0x600D000000000000ull | i;
    if (hc(REFHV_HC_GRANT_ACCESS, gpa(p), 0, 0) != 0) return 1;
    for (;;) hc(REFHV_HC_SCHED_BLOCK, 1000);
}

int window_touch() {
    if (arg_u64("nofv", 0) != 0) hc(REFHV_HC_SET_VECTORS, upcall_vector, 0);
    u64 v = 0;
    const i64 r = probe_read64(REFHV_GRANT_WINDOW_GPA + 5 * REFHV_PAGE_SIZE, &v);
    // With a fault vector: told, not killed. Exit code = reason reported.
    if (r != -static_cast<i64>(fault_vector)) return 0x55;
    return static_cast<int>(shared_info().fault.reason);
}

}  // namespace testguest
