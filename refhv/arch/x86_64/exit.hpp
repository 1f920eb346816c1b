// SPDX-License-Identifier: Apache-2.0
// VM exit decoding: turns the raw VMCB exit state into a `request` the core acts on.
// Pure function of memory, so it is exercised by host tests with hand-built VMCBs.
#pragma once

#include "asm_offsets.h"
#include "vmcb.hpp"

namespace refhv::arch {

/// Guest registers VMRUN does not save (RAX and RSP live in the VMCB). Layout shared with entry.S.
struct guest_gprs {
    u64 rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};
static_assert(sizeof(guest_gprs) == GPR_SIZE);
static_assert(offsetof(guest_gprs, rbx) == GPR_RBX && offsetof(guest_gprs, rdi) == GPR_RDI);
static_assert(offsetof(guest_gprs, r8) == GPR_R8 && offsetof(guest_gprs, r15) == GPR_R15);

enum class request_kind : u8 {
    hypercall,          ///< VMMCALL
    nested_page_fault,  ///< access outside the nested page table (or to a read-only page)
    io,                 ///< IN/OUT/INS/OUTS
    cpuid,
    msr,                ///< RDMSR/WRMSR
    interrupt,          ///< a physical interrupt arrived while the guest ran
    halt,               ///< HLT
    shutdown,           ///< triple fault
    svm_instruction,    ///< VMRUN/VMLOAD/VMSAVE/STGI/CLGI/SKINIT/INVLPGA in the guest
    debug_register,     ///< MOV to/from DRn
    xsetbv,
    cache_flush,        ///< INVD/WBINVD: emulated as no-ops
    monitor_mwait,
    vmrun_failed,       ///< VMRUN refused the guest state (exit code -1)
    unhandled,          ///< anything else
};

struct request {
    request_kind kind = request_kind::unhandled;
    u64 exit_code = 0;
    u64 info1 = 0, info2 = 0;
    u8 insn_len = 0;  ///< bytes to skip when the instruction is emulated; 0 when unknown

    struct {
        u64 op;
        u64 arg[5];  ///< RDI, RSI, RDX, R10, R8
    } hypercall{};
    struct {
        u64 gpa;
        bool present, write, fetch, in_walk;
    } npf{};
    struct {
        u16 port;
        u8 size;  ///< 1, 2 or 4 bytes
        bool in, string, rep;
        u64 next_rip;
    } io{};
    struct {
        u32 index;
        bool write;
    } msr{};
    struct {
        u32 leaf, subleaf;
    } cpuid{};

    bool pending_event = false;  ///< EXITINTINFO: an event was being delivered; re-inject it
    u64 exitintinfo = 0;
};

/// Length of VMMCALL (0F 01 D9); TCG offers no next-RIP save, so the hypervisor must know it.
inline constexpr u8 vmmcall_len = 3;

request decode_exit(const vmcb& v, const guest_gprs& g) noexcept;

}  // namespace refhv::arch
