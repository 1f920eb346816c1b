// SPDX-License-Identifier: Apache-2.0
#include "../lib/rt.hpp"
#include "modes.hpp"

namespace testguest {
using namespace g;

int hello() {
    text t;
    t << "hello from d" << domid() << " label " << start_info().label;
    println(t);
    return static_cast<int>(arg_u64("code", 0));
}

int touch() {
    const u64 addr = arg_u64("addr", 0);
    volatile u64* p = ptr<volatile u64>(addr);
    if (arg_u64("write", 0) != 0)
        *p = 0x1234;
    else
        (void)*p;
    println("touch: survived an access that must have killed me");
    return 0x55;
}

int jump() {
    auto* f = reinterpret_cast<void (*)()>(arg_u64("addr", 0));
    f();
    return 0x55;
}

int probe() {
    char what[16];
    arg("what", what, sizeof what);
    i64 r = 0x7E;
    if (streq(what, "vmrun"))
        r = probe_vmrun();
    else if (streq(what, "rdmsr"))
        r = probe_rdmsr(0xC0000080);  // EFER
    else if (streq(what, "wrmsr"))
        r = probe_wrmsr(0xC0000080, 0);  // clearing EFER.LME/SVME would wreck the guest if allowed
    else if (streq(what, "dr0"))
        r = probe_read_dr0();
    else if (streq(what, "debugexit")) {
        // isa-debug-exit: if this reached QEMU the whole run would end with "success".
        asm volatile("outl %0, %1" : : "a"(0x10u), "Nd"(static_cast<u16>(0xF4)));
        r = 0;
    } else if (streq(what, "inport")) {
        u8 v;
        asm volatile("inb %1, %0" : "=a"(v) : "Nd"(static_cast<u16>(0x3F8 + 5)));
        r = v == 0xFF ? 0 : 1;
    }
    return static_cast<int>(r < 0 ? -r : r);  // the vector that was raised, 0 if none
}

int triple() {
    // An empty IDT: the breakpoint cannot be delivered, nor the #GP, nor the #DF.
    struct [[gnu::packed]] {
        u16 limit;
        u64 base;
    } idt{0, 0};
    asm volatile("cli; lidt %0; int3" : : "m"(idt));
    return 0x55;
}

int halt() {
    for (int i = 0; i < 3; ++i) asm volatile("cli; hlt; sti" ::: "memory");
    return 0;
}

int sleep() {
    for (;;) hc(REFHV_HC_SCHED_BLOCK, 1000);
}

int spin() {
    volatile u64* counter = static_cast<volatile u64*>(alloc_pages(1));
    if (hc(REFHV_HC_GRANT_ACCESS, gpa(counter), 0, 0) != 0) return 1;
    for (;;) *counter = *counter + 1;  // never exits voluntarily: only preemption stops it
}

int counter() {
    static volatile u64 magic = 0;
    static volatile u64 count = 0;
    const u64 n = arg_u64("n", 100);
    magic = 0xC0FFEE;
    count = 0;
    while (count < n) {
        hc(REFHV_HC_SCHED_BLOCK, 1);
        count = count + 1;
    }
    const bool intact = magic == 0xC0FFEE && count == n;
    return intact ? static_cast<int>((start_info().generation << 8) | 0x5A) : 1;
}

}  // namespace testguest
