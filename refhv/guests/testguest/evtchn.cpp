// SPDX-License-Identifier: Apache-2.0
// The far end of the evtchn suite. Exit codes: 100 + rounds after a clean close by
// dom0, 77 after the revocation sequence (policy change and back); anything else names
// the step that failed.
#include "../lib/rt.hpp"
#include "modes.hpp"

namespace testguest {
using namespace g;

namespace {
u32 port_state(u64 port) {
    refhv_evtchn_status st{};
    if (hc(REFHV_HC_EVTCHN_STATUS, port, gpa(&st)) != 0) return 0xFF;
    return st.state;
}
bool wait_state(u64 port, u32 state, u64 timeout_ms) {
    const u64 until = now_ms() + timeout_ms;
    while (now_ms() < until) {
        if (port_state(port) == state) return true;
        hc(REFHV_HC_SCHED_BLOCK, 2);
    }
    return false;
}
}  // namespace

int evtchn_peer() {
    const u64 rounds = arg_u64("rounds", 3);
    const bool revoke = arg_u64("revoke", 0) != 0;
    const i64 lp = hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, 0);  // lowest free port: 1
    if (lp != 1) return 1;
    // The revocation test binds port 2 only after the policy lets it again.
    if (revoke && hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, 0) != 2) return 17;
    for (u64 i = 0; i < rounds; ++i) {
        if (!wait_event(1, 5000)) return 2;
        if (hc(REFHV_HC_EVTCHN_SEND, 1) != 0) return 3;
    }
    if (!revoke) {
        // dom0 closes its end: ours falls back to unbound and sends fail.
        if (!wait_state(1, REFHV_EVTCHN_UNBOUND, 5000)) return 4;
        if (hc(REFHV_HC_EVTCHN_SEND, 1) != -REFHV_ENOTCONN) return 5;
        if (hc(REFHV_HC_EVTCHN_CLOSE, 1) != 0) return 6;
        return static_cast<int>(100 + rounds);
    }
    // dom0 loads a policy that isolates us: the channel is revoked on both ends.
    if (!wait_state(1, REFHV_EVTCHN_REVOKED, 5000)) return 10;
    if (hc(REFHV_HC_EVTCHN_SEND, 1) != -REFHV_EACCES) return 11;
    if (!wait_virq(REFHV_VIRQ_EVTCHN_REVOKED, 1000)) return 12;
    if (!wait_event(2, 5000)) return 14;  // dom0 bound port 2 once the boot policy was back
    if (hc(REFHV_HC_EVTCHN_CLOSE, 1) != 0) return 15;
    if (hc(REFHV_HC_EVTCHN_CLOSE, 2) != 0) return 16;
    return 77;
}

}  // namespace testguest
