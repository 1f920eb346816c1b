// SPDX-License-Identifier: Apache-2.0
// boot: the hypervisor came up, SVM runs dom0, the basic ABI answers.
#include "dom0.hpp"

namespace dom0 {
using namespace g;

int suite_boot() {
    suite s("boot");
    const refhv_start_info& si = start_info();
    {
        const i64 v = hc(REFHV_HC_VERSION);
        text t;
        t << "version=" << hex{static_cast<u64>(v)};
        s.check("abi_version", v == REFHV_ABI_VERSION, t);
    }
    {
        text t;
        t << "magic=" << hex{si.magic} << " domid=" << si.domid << " flags=" << si.flags;
        s.check("start_info", si.magic == REFHV_START_MAGIC && si.domid == 0 && (si.flags & REFHV_SIF_PRIVILEGED) != 0 &&
                                  si.abi_version == REFHV_ABI_VERSION, t);
    }
    {
        text t;
        t << "mem=" << si.mem_bytes << " free=" << hex{si.free_gpa_start} << ".." << hex{si.free_gpa_end}
          << " modules=" << si.nr_modules;
        s.check("memory_layout", si.mem_bytes >= REFHV_DOMAIN_MIN_MEM && si.free_gpa_start > REFHV_GUEST_LOAD_GPA &&
                                     si.free_gpa_end > si.free_gpa_start && si.free_gpa_end < si.mem_bytes, t);
    }
    {
        const char msg[] = "dom0: console works\n";
        const i64 r = hc(REFHV_HC_CONSOLE_WRITE, gpa(msg), sizeof msg - 1);
        text t;
        t << "ret=" << r;
        s.check("console_write", r == static_cast<i64>(sizeof msg - 1), t);
    }
    {
        // CPUID as a guest sees it: the hypervisor leaf, no SVM.
        u32 a, b, c, d;
        asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000u), "c"(0u));
        u32 a1, b1, c1, d1;
        asm volatile("cpuid" : "=a"(a1), "=b"(b1), "=c"(c1), "=d"(d1) : "a"(0x80000001u), "c"(0u));
        u32 a2, b2, c2, d2;
        asm volatile("cpuid" : "=a"(a2), "=b"(b2), "=c"(c2), "=d"(d2) : "a"(1u), "c"(0u));
        text t;
        t << "sig=" << hex{b} << " svm_bit=" << ((c1 >> 2) & 1) << " hv_bit=" << (c2 >> 31);
        s.check("cpuid_virtualised", b == 0x68666572 && ((c1 >> 2) & 1) == 0 && (c2 >> 31) == 1, t);
        (void)a; (void)d; (void)a1; (void)b1; (void)d1; (void)a2; (void)b2; (void)d2;
    }
    {
        // Time advances (the PIT drives the hypervisor clock) and blocking with a timeout returns 1.
        const u64 t0 = now_ms();
        const i64 r = hc(REFHV_HC_SCHED_BLOCK, 20);
        const u64 t1 = now_ms();
        text t;
        t << "ret=" << r << " elapsed=" << (t1 - t0) << "ms";
        s.check("block_timeout", r == 1 && t1 - t0 >= 20 && t1 - t0 < 2000, t);
    }
    {
        const i64 r = hc(REFHV_HC_SCHED_YIELD);
        s.check("yield", r == 0);
    }
    {
        refhv_sys_info sys{};
        const i64 r = hc(REFHV_HC_SYS_INFO, gpa(&sys));
        text t;
        t << "ret=" << r << " free=" << sys.free_pages << "/" << sys.total_pages << " domains=" << sys.nr_domains;
        s.check("sys_info", r == 0 && sys.free_pages > 0 && sys.free_pages < sys.total_pages && sys.nr_domains == 1 &&
                                sys.max_domains == 8, t);
    }
    {
        // A domain U boots, says hello and shuts down with the code it was told.
        const i64 id = create("hello", "mode=hello code=42");
        refhv_domain_info di{};
        const u32 st = id > 0 ? wait_exit(static_cast<u64>(id), di) : 0;
        text t;
        t << "domid=" << id << " state=" << st << " code=" << di.exit_code;
        s.check("domu_runs", id > 0 && st == REFHV_DOM_SHUTDOWN && di.exit_code == 42, t);
        if (id > 0) hc(REFHV_HC_DOMAIN_DESTROY, static_cast<u64>(id));
    }
    return s.end();
}

}  // namespace dom0
