// SPDX-License-Identifier: Apache-2.0
// saverestore: a running domain is saved into dom0's memory (it stops), restored as a
// new domain (it continues where it was, with its memory), and broken streams are refused.
#include "dom0.hpp"

namespace dom0 {
using namespace g;

int suite_saverestore() {
    suite s("saverestore");
    const u64 baseline = free_pages();
    const u64 size = sizeof(refhv_save_header) + REFHV_DOMAIN_MIN_MEM;
    auto* stream = static_cast<u8*>(alloc_pages((size + 4095) / 4096));
    auto* h = reinterpret_cast<refhv_save_header*>(stream);

    const i64 id = create("counter", "mode=counter n=150");
    {
        sleep_ms(20);  // let it count for a while
        const i64 small = hc(REFHV_HC_DOMAIN_SAVE, static_cast<u64>(id), gpa(stream), size - 1);
        s.check("save_buffer_too_small", small == -REFHV_ERANGE, got("ret", small));
    }
    {
        const i64 r = hc(REFHV_HC_DOMAIN_SAVE, static_cast<u64>(id), gpa(stream), size);
        text t;
        t << "ret=" << r << " magic=" << hex{h->magic} << " mem=" << h->mem_bytes << " label=" << h->label
          << " rip=" << hex{h->vcpu.rip};
        s.check("save", r == static_cast<i64>(size) && h->magic == REFHV_SAVE_MAGIC && h->mem_bytes == REFHV_DOMAIN_MIN_MEM &&
                            streq(h->label, "counter") && h->vcpu.rip > REFHV_GUEST_LOAD_GPA, t);
    }
    {
        refhv_domain_info di{};
        const i64 r = info(static_cast<u64>(id), di);
        s.check("saved_domain_is_gone", r == -REFHV_ESRCH, got("info", r));
    }
    i64 restored = -1;
    {
        restored = hc(REFHV_HC_DOMAIN_RESTORE, gpa(stream), size);
        text t;
        t << "old=" << id << " new=" << restored;
        s.check("restore", restored > 0 && restored != id, t);
    }
    {
        refhv_domain_info di{};
        const u32 st = wait_exit(static_cast<u64>(restored), di);
        text t;
        t << "state=" << st << " code=" << hex{static_cast<u64>(static_cast<u32>(di.exit_code))} << " label=" << di.label
          << " generation=" << di.generation;
        // Code 0x15A: generation 1, count reached n with its memory intact.
        s.check("restored_domain_resumes", st == REFHV_DOM_SHUTDOWN && di.exit_code == 0x15A && streq(di.label, "counter") &&
                                               di.generation == 1, t);
        destroy(restored);
    }
    {
        // The stream is a snapshot: it can be restored again.
        const i64 again = hc(REFHV_HC_DOMAIN_RESTORE, gpa(stream), size);
        refhv_domain_info di{};
        const u32 st = again > 0 ? wait_exit(static_cast<u64>(again), di) : 0;
        destroy(again);
        text t;
        t << "id=" << again << " state=" << st << " code=" << hex{static_cast<u64>(static_cast<u32>(di.exit_code))};
        s.check("restore_same_stream_twice", again > 0 && st == REFHV_DOM_SHUTDOWN && di.exit_code == 0x15A, t);
    }
    {
        int wrong = 0;
        auto expect_inval = [&](const char* what) {
            const i64 r = hc(REFHV_HC_DOMAIN_RESTORE, gpa(stream), size);
            if (r != -REFHV_EINVAL) {
                ++wrong;
                text t;
                t << "dom0: corrupt stream (" << what << ") restored: " << r;
                println(t);
                if (r > 0) destroy(r);
            }
        };
        const refhv_save_header good = *h;
        h->magic ^= 1;                      expect_inval("magic");           *h = good;
        h->version = 99;                    expect_inval("version");         *h = good;
        h->mem_bytes = 3ull << 20;          expect_inval("mem_bytes");       *h = good;
        h->label[0] = '\0';                 expect_inval("label");           *h = good;
        h->vcpu.cr0 &= ~(1ull << 31);       expect_inval("cr0 without PG");  *h = good;
        h->vcpu.efer &= ~(1ull << 10);      expect_inval("efer without LMA"); *h = good;
        h->vcpu.cr4 |= 1ull << 18;          expect_inval("cr4.OSXSAVE");     *h = good;
        h->vcpu.cs.attrib |= 1u << 10;      expect_inval("cs L and D");      *h = good;
        h->vcpu.rflags |= 1ull << 17;       expect_inval("rflags.VM");       *h = good;
        h->vcpu.upcall_vector = 3;          expect_inval("upcall vector");   *h = good;
        h->vcpu.pending_event = (1ull << 31) | (3ull << 8) | 2;  expect_inval("NMI as exception"); *h = good;
        s.check("corrupt_streams_refused", wrong == 0, got("wrongly_accepted", wrong));
    }
    {
        // The hypervisor loads a restored FXSAVE image with FXRSTOR itself, which faults (in the
        // hypervisor) on an MXCSR bit the CPU does not support. The CPU's mask is what our own
        // FXSAVE reports (0: the default 0xFFBF, no DAZ); bits outside it must be refused, and
        // the hypervisor must carry on: the good stream still restores and runs to its end.
        alignas(16) static u8 area[512];
        asm volatile("fxsave64 %0" : "=m"(area));
        u32 mask = 0;
        for (int i = 0; i < 4; ++i) mask |= static_cast<u32>(area[28 + i]) << (8 * i);
        if (mask == 0) mask = 0xFFBF;
        const refhv_save_header good = *h;
        u32 mxcsr = 0;
        for (int i = 0; i < 4; ++i) mxcsr |= static_cast<u32>(good.vcpu.fxsave[24 + i]) << (8 * i);
        int wrong = 0, tried = 0;
        auto try_mxcsr = [&](u32 v) {
            *h = good;
            for (int i = 0; i < 4; ++i) h->vcpu.fxsave[24 + i] = static_cast<u8>(v >> (8 * i));
            const i64 r = hc(REFHV_HC_DOMAIN_RESTORE, gpa(stream), size);
            ++tried;
            if (r == -REFHV_EINVAL) return;
            ++wrong;
            text t;
            t << "dom0: MXCSR " << hex{v} << " (mask " << hex{mask} << ") restored: " << r;
            println(t);
            if (r > 0) destroy(r);
        };
        try_mxcsr(mxcsr | (1u << 31));
        try_mxcsr(mxcsr | (1u << 16));
        try_mxcsr(mxcsr | ~mask);
        for (u32 bit = 0; bit < 16; ++bit)  // each reserved bit the CPU reports below 16, if any
            if ((mask & (1u << bit)) == 0) try_mxcsr(mxcsr | (1u << bit));
        *h = good;
        const i64 again = hc(REFHV_HC_DOMAIN_RESTORE, gpa(stream), size);
        refhv_domain_info di{};
        const u32 st = again > 0 ? wait_exit(static_cast<u64>(again), di) : 0;
        destroy(again);
        text t;
        t << "mask=" << hex{mask} << " refused " << tried - wrong << "/" << tried << ", then good stream id=" << again
          << " state=" << st << " code=" << hex{static_cast<u64>(static_cast<u32>(di.exit_code))};
        s.check("reserved_mxcsr_refused", wrong == 0 && again > 0 && st == REFHV_DOM_SHUTDOWN && di.exit_code == 0x15A, t);
    }
    return end_without_leak(s, baseline);
}

}  // namespace dom0
