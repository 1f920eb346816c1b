// SPDX-License-Identifier: Apache-2.0
// The SVM virtual machine control block (AMD64 APM vol. 2, appendix B "Layout of VMCB"):
// a 4 KiB page, control area at 0x000, state save area at 0x400. Offsets are checked
// against the manual below; fields the hypervisor never touches stay reserved arrays.
#pragma once

#include <cstddef>

#include "../../core/types.hpp"

namespace refhv::arch {

/// A segment register in VMCB format; `attrib` packs descriptor bits 40-47 and 52-55.
struct vmcb_segment {
    u16 selector;
    u16 attrib;
    u32 limit;
    u64 base;
};
static_assert(sizeof(vmcb_segment) == 16);

struct vmcb_control {
    u16 intercept_cr_read;     // 0x000
    u16 intercept_cr_write;    // 0x002
    u16 intercept_dr_read;     // 0x004
    u16 intercept_dr_write;    // 0x006
    u32 intercept_exceptions;  // 0x008
    u32 intercept_misc1;       // 0x00C: INTR ... SHUTDOWN
    u32 intercept_misc2;       // 0x010: VMRUN ... XSETBV
    u32 intercept_misc3;       // 0x014
    u8 reserved_018[0x03C - 0x018];
    u16 pause_filter_threshold;  // 0x03C
    u16 pause_filter_count;      // 0x03E
    u64 iopm_base_pa;            // 0x040
    u64 msrpm_base_pa;           // 0x048
    u64 tsc_offset;              // 0x050
    u32 guest_asid;              // 0x058
    u8 tlb_control;              // 0x05C
    u8 reserved_05d[3];
    u32 int_ctl;                 // 0x060: V_TPR, V_IRQ, V_INTR_PRIO, V_IGN_TPR, V_INTR_MASKING
    u32 int_vector;              // 0x064: V_INTR_VECTOR
    u64 int_state;               // 0x068: interrupt shadow
    u64 exitcode;                // 0x070
    u64 exitinfo1;               // 0x078
    u64 exitinfo2;               // 0x080
    u64 exitintinfo;             // 0x088
    u64 np_control;              // 0x090: bit 0 NP_ENABLE
    u64 avic_apic_bar;           // 0x098
    u64 ghcb_pa;                 // 0x0A0
    u64 eventinj;                // 0x0A8
    u64 n_cr3;                   // 0x0B0
    u64 lbr_virt;                // 0x0B8
    u32 clean_bits;              // 0x0C0
    u32 reserved_0c4;
    u64 next_rip;                // 0x0C8 (not offered under TCG)
    u8 insn_len;                 // 0x0D0
    u8 insn_bytes[15];           // 0x0D1
    u8 reserved_0e0[0x400 - 0x0E0];
};
static_assert(sizeof(vmcb_control) == 0x400);
static_assert(offsetof(vmcb_control, iopm_base_pa) == 0x040);
static_assert(offsetof(vmcb_control, guest_asid) == 0x058);
static_assert(offsetof(vmcb_control, int_ctl) == 0x060);
static_assert(offsetof(vmcb_control, exitcode) == 0x070);
static_assert(offsetof(vmcb_control, exitintinfo) == 0x088);
static_assert(offsetof(vmcb_control, np_control) == 0x090);
static_assert(offsetof(vmcb_control, eventinj) == 0x0A8);
static_assert(offsetof(vmcb_control, n_cr3) == 0x0B0);
static_assert(offsetof(vmcb_control, next_rip) == 0x0C8);

struct vmcb_save {
    vmcb_segment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;  // 0x400..0x49F
    u8 reserved_4a0[0x4CB - 0x4A0];
    u8 cpl;                    // 0x4CB
    u32 reserved_4cc;
    u64 efer;                  // 0x4D0
    u8 reserved_4d8[0x548 - 0x4D8];
    u64 cr4;                   // 0x548
    u64 cr3;                   // 0x550
    u64 cr0;                   // 0x558
    u64 dr7;                   // 0x560
    u64 dr6;                   // 0x568
    u64 rflags;                // 0x570
    u64 rip;                   // 0x578
    u8 reserved_580[0x5D8 - 0x580];
    u64 rsp;                   // 0x5D8
    u64 s_cet;                 // 0x5E0
    u64 ssp;                   // 0x5E8
    u64 isst_addr;             // 0x5F0
    u64 rax;                   // 0x5F8
    u64 star;                  // 0x600
    u64 lstar;                 // 0x608
    u64 cstar;                 // 0x610
    u64 sfmask;                // 0x618
    u64 kernel_gs_base;        // 0x620
    u64 sysenter_cs;           // 0x628
    u64 sysenter_esp;          // 0x630
    u64 sysenter_eip;          // 0x638
    u64 cr2;                   // 0x640
    u8 reserved_648[0x668 - 0x648];
    u64 g_pat;                 // 0x668
    u64 dbgctl;                // 0x670
    u64 br_from;               // 0x678
    u64 br_to;                 // 0x680
    u64 last_excp_from;        // 0x688
    u64 last_excp_to;          // 0x690
    u8 reserved_698[0x1000 - 0x698];
};
// Offsets in the save area are relative to 0x400.
static_assert(sizeof(vmcb_save) == 0xC00);
static_assert(offsetof(vmcb_save, tr) == 0x490 - 0x400);
static_assert(offsetof(vmcb_save, cpl) == 0x4CB - 0x400);
static_assert(offsetof(vmcb_save, efer) == 0x4D0 - 0x400);
static_assert(offsetof(vmcb_save, cr4) == 0x548 - 0x400);
static_assert(offsetof(vmcb_save, rflags) == 0x570 - 0x400);
static_assert(offsetof(vmcb_save, rip) == 0x578 - 0x400);
static_assert(offsetof(vmcb_save, rsp) == 0x5D8 - 0x400);
static_assert(offsetof(vmcb_save, rax) == 0x5F8 - 0x400);
static_assert(offsetof(vmcb_save, kernel_gs_base) == 0x620 - 0x400);
static_assert(offsetof(vmcb_save, cr2) == 0x640 - 0x400);
static_assert(offsetof(vmcb_save, g_pat) == 0x668 - 0x400);

struct alignas(4096) vmcb {
    vmcb_control control;
    vmcb_save save;
};
static_assert(sizeof(vmcb) == 4096);
static_assert(offsetof(vmcb, save) == 0x400);

// ---- intercept bits (APM vol. 2, table B-1) ------------------------------
namespace intercept1 {
inline constexpr u32 intr = 1u << 0, nmi = 1u << 1, smi = 1u << 2, init = 1u << 3, vintr = 1u << 4;
inline constexpr u32 cpuid = 1u << 18, invd = 1u << 22, hlt = 1u << 24, invlpga = 1u << 26;
inline constexpr u32 ioio = 1u << 27, msr = 1u << 28, task_switch = 1u << 29, shutdown = 1u << 31;
}  // namespace intercept1
namespace intercept2 {
inline constexpr u32 vmrun = 1u << 0, vmmcall = 1u << 1, vmload = 1u << 2, vmsave = 1u << 3;
inline constexpr u32 stgi = 1u << 4, clgi = 1u << 5, skinit = 1u << 6, rdtscp = 1u << 7, icebp = 1u << 8;
inline constexpr u32 wbinvd = 1u << 9, monitor = 1u << 10, mwait = 1u << 11, mwait_cond = 1u << 12;
inline constexpr u32 xsetbv = 1u << 13, rdpru = 1u << 14;
}  // namespace intercept2

// ---- int_ctl ------------------------------------------------------------
inline constexpr u32 v_irq = 1u << 8;
inline constexpr u32 v_intr_prio_shift = 16;
inline constexpr u32 v_ign_tpr = 1u << 20;
inline constexpr u32 v_intr_masking = 1u << 24;

// ---- tlb_control --------------------------------------------------------
inline constexpr u8 tlb_flush_none = 0;
inline constexpr u8 tlb_flush_all = 1;  ///< flush-by-ASID (3) is not offered under TCG

// ---- event injection (EVENTINJ / EXITINTINFO) ----------------------------
namespace event {
inline constexpr u64 type_intr = 0ull << 8, type_nmi = 2ull << 8, type_exception = 3ull << 8,
                     type_soft_int = 4ull << 8;
inline constexpr u64 error_valid = 1ull << 11;
inline constexpr u64 valid = 1ull << 31;
constexpr u64 exception(u8 vector) noexcept { return valid | type_exception | vector; }
constexpr u64 exception_with_error(u8 vector, u32 error) noexcept {
    return valid | type_exception | error_valid | vector | (static_cast<u64>(error) << 32);
}
constexpr u64 interrupt(u8 vector) noexcept { return valid | type_intr | vector; }
}  // namespace event

// ---- exit codes (APM vol. 2, appendix C) --------------------------------
namespace exitcode {
inline constexpr u64 dr_read_first = 0x20, dr_write_last = 0x3F;
inline constexpr u64 excp_first = 0x40, excp_last = 0x5F;
inline constexpr u64 intr = 0x60, nmi = 0x61, smi = 0x62, init = 0x63, vintr = 0x64;
inline constexpr u64 cpuid = 0x72, invd = 0x76, pause = 0x77, hlt = 0x78, invlpga = 0x7A;
inline constexpr u64 ioio = 0x7B, msr = 0x7C, task_switch = 0x7D, shutdown = 0x7F;
inline constexpr u64 vmrun = 0x80, vmmcall = 0x81, vmload = 0x82, vmsave = 0x83, stgi = 0x84,
                     clgi = 0x85, skinit = 0x86, rdtscp = 0x87, icebp = 0x88, wbinvd = 0x89,
                     monitor = 0x8A, mwait = 0x8B, mwait_cond = 0x8C, xsetbv = 0x8D, rdpru = 0x8E;
inline constexpr u64 npf = 0x400;
inline constexpr u64 invalid = ~0ull;  ///< VMRUN refused the state ("VMEXIT_INVALID")
}  // namespace exitcode

// ---- segment attributes -------------------------------------------------
namespace seg_attr {
inline constexpr u16 code64 = 0xA9B;  ///< P, S, type 0xB, L, G
inline constexpr u16 data = 0xC93;    ///< P, S, type 0x3, D/B, G
inline constexpr u16 tss64_busy = 0x8B;
inline constexpr u16 ldt = 0x82;
inline constexpr u16 long_mode_bit = 1u << 9;
inline constexpr u16 db_bit = 1u << 10;
}  // namespace seg_attr

}  // namespace refhv::arch
