// SPDX-License-Identifier: Apache-2.0
// dom0's entry point: runs the suite named by "suite=<name>" (suites.hpp), or one of the runs
// that must end badly. Only this file knows the list of suites.
#include "suites.hpp"

namespace {
struct named_suite {
    const char* name;
    int (*run)();  ///< returns the number of failed cases
};
constexpr named_suite g_suites[] = {
    {"boot", dom0::suite_boot},
    {"isolation", dom0::suite_isolation},
    {"evtchn", dom0::suite_evtchn},
    {"grant", dom0::suite_grant},
    {"hostile", dom0::suite_hostile},
    {"vdisk", dom0::suite_vdisk},
    {"saverestore", dom0::suite_saverestore},
    {"sched", dom0::suite_sched},
    {"policy", dom0::suite_policy},
    {"fuzz", dom0::suite_fuzz},
    {"management", dom0::suite_management},
    {"customer-order", dom0::suite_customer_order},
    {"bench", dom0::suite_bench},
    {"mediation", dom0::suite_mediation},
    {"attest", dom0::suite_attest},
};
}  // namespace

int guest_main(const refhv_start_info&) {
    char name[32];
    g::arg("suite", name, sizeof name);
    for (const named_suite& s : g_suites)
        if (g::streq(name, s.name)) return s.run() == 0 ? 0 : 1;
    // Runs that must end badly: they prove the runner and the hypervisor fail loudly.
    if (g::streq(name, "silent")) return 0;  // status 33 without any protocol line
    if (g::streq(name, "noend")) {
        g::suite s("noend");
        s.check("only_case", true);
        return 0;  // no END line
    }
    if (g::streq(name, "failcase")) {
        g::suite s("failcase");
        s.check("bad_case", false, "deliberate");
        s.end();
        return 0;  // status 33, but a FAIL line
    }
    if (g::streq(name, "hang")) {
        for (;;) g::hc(REFHV_HC_SCHED_BLOCK, 1000);
    }
    if (g::streq(name, "crash")) {
        g::println("dom0: touching gpa 0");
        volatile g::u64 where = 0;  // opaque to the compiler: this is a deliberate access
        return static_cast<int>(*g::ptr<volatile g::u64>(where));  // dom0 is killed: the run fails
    }
    if (g::streq(name, "panic")) {
        g::hc(REFHV_HC_DEBUG_CRASH);
        return 0;
    }
    g::text t;
    t << "dom0: unknown suite '" << name << "'";
    g::println(t);
    return 1;
}
