// SPDX-License-Identifier: Apache-2.0
// arch::port: the one place the hypervisor executes privileged instructions.
// Everything above it (exit decoding, nested paging, hypercalls, scheduling policy) is
// plain C++ over memory, so a host test links the same code against a fake port
// (tests/host/fake_port.cpp) instead of port_hw.cpp.
#pragma once

#include "../../core/types.hpp"

namespace refhv::arch {

struct cpuid_regs {
    u32 eax, ebx, ecx, edx;
};

struct port {
    // Port I/O.
    static void outb(u16 port, u8 v) noexcept;
    static u8 inb(u16 port) noexcept;
    static void outl(u16 port, u32 v) noexcept;

    // Model-specific registers and CPUID.
    static u64 rdmsr(u32 msr) noexcept;
    static void wrmsr(u32 msr, u64 v) noexcept;
    static cpuid_regs cpuid(u32 leaf, u32 subleaf) noexcept;

    // Control registers.
    static u64 read_cr0() noexcept;
    static u64 read_cr2() noexcept;
    static u64 read_cr3() noexcept;
    static u64 read_cr4() noexcept;
    static void write_cr0(u64 v) noexcept;
    static void write_cr4(u64 v) noexcept;

    // Descriptor tables; `cs`/`ds` are reloaded after lgdt.
    static void load_gdt(const void* base, u16 limit, u16 cs, u16 ds) noexcept;
    static void load_idt(const void* base, u16 limit) noexcept;
    static void load_tr(u16 sel) noexcept;

    // Extended state of the guest (x87/SSE), switched between domains.
    static void fxsave(void* area512) noexcept;
    static void fxrstor(const void* area512) noexcept;

    // SVM host state (FS/GS/TR/LDTR/syscall MSRs) kept in a VMCB-format page.
    static void vmsave(u64 vmcb_pa) noexcept;

    /// Enable interrupts, wait for one, disable them again.
    static void wait_for_interrupt() noexcept;
    [[noreturn]] static void halt_forever() noexcept;
};

/// Physical to virtual: the hypervisor identity-maps all RAM below 4 GiB.
inline void* phys_to_virt(u64 pa) noexcept { return reinterpret_cast<void*>(pa); }
inline u64 virt_to_phys(const void* p) noexcept { return reinterpret_cast<u64>(p); }

}  // namespace refhv::arch
