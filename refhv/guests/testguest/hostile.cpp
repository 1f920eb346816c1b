// SPDX-License-Identifier: Apache-2.0
// An unprivileged domain trying what it must not. Each wrong answer is printed and
// counted; the exit code is the count (0 = every call was refused as specified).
#include "../lib/rt.hpp"
#include "modes.hpp"

namespace testguest {
using namespace g;

namespace {
int g_wrong = 0;
void expect(const char* what, i64 got, i64 want) {
    if (got == want) return;
    ++g_wrong;
    text t;
    t << "hostile: " << what << " returned " << got << ", expected " << want;
    println(t);
}
}  // namespace

int hostile() {
    static refhv_domain_create req{};
    static refhv_domain_info di{};
    static refhv_mac_stats stats{};
    static u8 buf[4096];
    constexpr i64 eperm = -REFHV_EPERM;

    // dom0-only operations.
    expect("domain_create", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), eperm);
    expect("domain_destroy", hc(REFHV_HC_DOMAIN_DESTROY, 0), eperm);
    expect("domain_save", hc(REFHV_HC_DOMAIN_SAVE, 0, gpa(buf), sizeof buf), eperm);
    expect("domain_restore", hc(REFHV_HC_DOMAIN_RESTORE, gpa(buf), sizeof buf), eperm);
    expect("domain_info other", hc(REFHV_HC_DOMAIN_INFO, 0, gpa(&di)), eperm);
    expect("domain_info self", hc(REFHV_HC_DOMAIN_INFO, domid(), gpa(&di)), 0);
    expect("policy_load", hc(REFHV_HC_POLICY_LOAD, gpa(buf), 64), eperm);
    expect("attest_quote", hc(REFHV_HC_ATTEST_QUOTE, gpa(buf), gpa(buf), sizeof buf), eperm);
    expect("policy_get", hc(REFHV_HC_POLICY_GET, gpa(buf), sizeof buf), eperm);
    expect("policy_decide", hc(REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_EVTCHN, 0, domid()), eperm);
    expect("policy_stats", hc(REFHV_HC_POLICY_STATS, gpa(&stats)), eperm);
    expect("policy_denials", hc(REFHV_HC_POLICY_DENIALS, gpa(buf), 4), eperm);
    expect("policy_label other", hc(REFHV_HC_POLICY_LABEL, 0, gpa(buf), 32), eperm);
    expect("policy_audit", hc(REFHV_HC_POLICY_AUDIT, gpa(buf), sizeof buf), eperm);
    expect("policy_counters", hc(REFHV_HC_POLICY_COUNTERS, gpa(buf)), eperm);
    expect("debug_crash", hc(REFHV_HC_DEBUG_CRASH), eperm);
    expect("resource_types of nothing", hc(REFHV_HC_RESOURCE_TYPES, 0, gpa(buf)), -REFHV_ENOENT);

    // Pointers that are not this domain's own RAM.
    const u64 mem = start_info().mem_bytes;
    expect("console at gpa 0", hc(REFHV_HC_CONSOLE_WRITE, 0, 8), -REFHV_EFAULT);
    expect("console past RAM", hc(REFHV_HC_CONSOLE_WRITE, mem, 8), -REFHV_EFAULT);
    expect("console straddling the end of RAM", hc(REFHV_HC_CONSOLE_WRITE, mem - 4, 8), -REFHV_EFAULT);
    expect("console in grant window", hc(REFHV_HC_CONSOLE_WRITE, REFHV_GRANT_WINDOW_GPA, 8), -REFHV_EFAULT);
    expect("console wrapping", hc(REFHV_HC_CONSOLE_WRITE, ~0ull - 3, 8), -REFHV_EFAULT);
    expect("sys_info into RAM end", hc(REFHV_HC_SYS_INFO, mem - 8), -REFHV_EFAULT);
    expect("evtchn_status to gpa 0", hc(REFHV_HC_EVTCHN_STATUS, 0, 0), -REFHV_EFAULT);
    expect("info to window", hc(REFHV_HC_DOMAIN_INFO, domid(), REFHV_GRANT_WINDOW_GPA), -REFHV_EFAULT);

    // Sharing with domains that do not exist, or with ports and refs out of range.
    expect("alloc_unbound d999", hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, 999), -REFHV_ESRCH);
    expect("bind d0 port 63", hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, 0, 63), -REFHV_EINVAL);
    expect("send port 2^63", hc(REFHV_HC_EVTCHN_SEND, 1ull << 63), -REFHV_EINVAL);
    expect("grant to self", hc(REFHV_HC_GRANT_ACCESS, gpa(buf) & ~0xFFFull, domid(), 0), -REFHV_EINVAL);
    expect("grant start info", hc(REFHV_HC_GRANT_ACCESS, REFHV_START_INFO_GPA, 0, 0), -REFHV_EFAULT);
    expect("grant page tables", hc(REFHV_HC_GRANT_ACCESS, REFHV_GUEST_PT_GPA, 0, 0), -REFHV_EFAULT);
    expect("map from dom0 ref 0", hc(REFHV_HC_GRANT_MAP, 0, 0, REFHV_GRANT_WINDOW_GPA, 0), -REFHV_ENOENT);
    expect("shutdown code 2^40", hc(REFHV_HC_SCHED_SHUTDOWN, 1ull << 40), -REFHV_EINVAL);
    return g_wrong;
}

int attest_quote() {
    static refhv_attest_request req{};
    alignas(8) static u8 out[REFHV_ATTEST_MAX_BYTES];
    req.nonce_size = 8;
    const i64 r = hc(REFHV_HC_ATTEST_QUOTE, gpa(&req), gpa(out), sizeof out);
    text t;
    t << "attest-quote: ATTEST_QUOTE -> " << r;
    println(t);
    return r >= 0 ? 0 : static_cast<int>(-r);
}

}  // namespace testguest
