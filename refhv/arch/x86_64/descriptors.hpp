// SPDX-License-Identifier: Apache-2.0
// Host GDT (64-bit code/data and a TSS whose IST1 stack takes #DF, NMI and #MC) and IDT.
#pragma once

#include "../../core/types.hpp"

namespace refhv::arch {

inline constexpr u16 sel_code = 0x08;
inline constexpr u16 sel_data = 0x10;
inline constexpr u16 sel_tss = 0x18;

struct [[gnu::packed]] tss64 {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
};
static_assert(sizeof(tss64) == 104);

struct idt_gate {
    u16 offset_lo;
    u16 selector;
    u8 ist;
    u8 type_attr;
    u16 offset_mid;
    u32 offset_hi;
    u32 reserved;
};
static_assert(sizeof(idt_gate) == 16);

void init_descriptors() noexcept;

/// Register frame built by entry.S for every interrupt and exception.
struct trap_frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector, error;
    u64 rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(trap_frame) == 22 * 8);

}  // namespace refhv::arch
