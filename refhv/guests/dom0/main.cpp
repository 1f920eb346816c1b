// SPDX-License-Identifier: Apache-2.0
// dom0's entry point: runs the suite named by "suite=<name>" (suites.hpp), or one of the runs
// that must end badly. Only this file knows the list of suites.
#include "suites.hpp"

int guest_main(const refhv_start_info&) {
    using namespace dom0;
    char name[32];
    g::arg("suite", name, sizeof name);
    int failed = -1;
    if (g::streq(name, "boot")) failed = suite_boot();
    else if (g::streq(name, "isolation")) failed = suite_isolation();
    else if (g::streq(name, "evtchn")) failed = suite_evtchn();
    else if (g::streq(name, "grant")) failed = suite_grant();
    else if (g::streq(name, "hostile")) failed = suite_hostile();
    else if (g::streq(name, "vdisk")) failed = suite_vdisk();
    else if (g::streq(name, "saverestore")) failed = suite_saverestore();
    else if (g::streq(name, "sched")) failed = suite_sched();
    else if (g::streq(name, "policy")) failed = suite_policy();
    else if (g::streq(name, "fuzz")) failed = suite_fuzz();
    else if (g::streq(name, "management")) failed = suite_management();
    else if (g::streq(name, "customer-order")) failed = suite_customer_order();
    else if (g::streq(name, "bench")) failed = suite_bench();
    else if (g::streq(name, "mediation")) failed = suite_mediation();
    // Runs that must end badly: they prove the runner and the hypervisor fail loudly.
    else if (g::streq(name, "silent")) return 0;  // status 33 without any protocol line
    else if (g::streq(name, "noend")) {
        g::suite s("noend");
        s.check("only_case", true);
        return 0;  // no END line
    } else if (g::streq(name, "failcase")) {
        g::suite s("failcase");
        s.check("bad_case", false, "deliberate");
        s.end();
        return 0;  // status 33, but a FAIL line
    } else if (g::streq(name, "hang")) {
        for (;;) g::hc(REFHV_HC_SCHED_BLOCK, 1000);
    } else if (g::streq(name, "crash")) {
        g::println("dom0: touching gpa 0");
        volatile g::u64 where = 0;  // opaque to the compiler: this is a deliberate access
        return static_cast<int>(*g::ptr<volatile g::u64>(where));  // dom0 is killed: the run fails
    } else if (g::streq(name, "panic")) {
        g::hc(REFHV_HC_DEBUG_CRASH);
        return 0;
    }
    else {
        g::text t;
        t << "dom0: unknown suite '" << name << "'";
        g::println(t);
    }
    return failed == 0 ? 0 : 1;
}
