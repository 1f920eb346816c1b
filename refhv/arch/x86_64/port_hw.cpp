// SPDX-License-Identifier: Apache-2.0
// The hardware implementation of arch::port: one inline-asm statement per operation.
#include "port.hpp"

namespace refhv::arch {

void port::outb(u16 p, u8 v) noexcept { asm volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
u8 port::inb(u16 p) noexcept {
    u8 v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(p));
    return v;
}
void port::outl(u16 p, u32 v) noexcept { asm volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }

u64 port::rdmsr(u32 msr) noexcept {
    u32 lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (static_cast<u64>(hi) << 32) | lo;
}
void port::wrmsr(u32 msr, u64 v) noexcept {
    asm volatile("wrmsr" : : "c"(msr), "a"(static_cast<u32>(v)), "d"(static_cast<u32>(v >> 32)));
}
cpuid_regs port::cpuid(u32 leaf, u32 subleaf) noexcept {
    cpuid_regs r;
    asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
    return r;
}

u64 port::read_cr0() noexcept {
    u64 v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
u64 port::read_cr2() noexcept {
    u64 v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
u64 port::read_cr3() noexcept {
    u64 v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
u64 port::read_cr4() noexcept {
    u64 v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
void port::write_cr0(u64 v) noexcept { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
void port::write_cr4(u64 v) noexcept { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

namespace {
struct [[gnu::packed]] table_ptr {
    u16 limit;
    u64 base;
};
static_assert(sizeof(table_ptr) == 10);
}  // namespace

void port::load_gdt(const void* base, u16 limit, u16 cs, u16 ds) noexcept {
    const table_ptr p{limit, reinterpret_cast<u64>(base)};
    asm volatile("lgdt %0" : : "m"(p) : "memory");
    // Reload CS with a far return, then the data segments.
    asm volatile(
        "pushq %q0\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw %w1, %%ds\n\t"
        "movw %w1, %%es\n\t"
        "movw %w1, %%ss\n\t"
        "xorl %%eax, %%eax\n\t"
        "movw %%ax, %%fs\n\t"
        "movw %%ax, %%gs\n\t"
        :
        : "r"(static_cast<u64>(cs)), "r"(static_cast<u64>(ds))
        : "rax", "memory");
}
void port::load_idt(const void* base, u16 limit) noexcept {
    const table_ptr p{limit, reinterpret_cast<u64>(base)};
    asm volatile("lidt %0" : : "m"(p) : "memory");
}
void port::load_tr(u16 sel) noexcept { asm volatile("ltr %0" : : "r"(sel)); }

void port::fxsave(void* area) noexcept { asm volatile("fxsave64 (%0)" : : "r"(area) : "memory"); }
void port::fxrstor(const void* area) noexcept { asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory"); }

void port::vmsave(u64 pa) noexcept { asm volatile("vmsave %%rax" : : "a"(pa) : "memory"); }

void port::wait_for_interrupt() noexcept { asm volatile("sti; hlt; cli" : : : "memory"); }

void port::halt_forever() noexcept {
    for (;;) asm volatile("cli; hlt");
}

}  // namespace refhv::arch
