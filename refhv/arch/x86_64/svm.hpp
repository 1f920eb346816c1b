// SPDX-License-Identifier: Apache-2.0
// AMD SVM bring-up and guest VMCB construction (AMD64 APM vol. 2, chapter 15).
#pragma once

#include "exit.hpp"
#include "vmcb.hpp"

namespace refhv::arch::svm {

/// nullptr when this CPU offers SVM with nested paging, else a message saying what is missing.
const char* unsupported_reason() noexcept;

/// Enable SVM: EFER.SVME, the host save area, the all-intercept I/O and MSR bitmaps,
/// and the host state that VMLOAD restores after every exit.
void enable() noexcept;

/// What a freshly created guest looks like (see hypercall.h "Initial vCPU state").
struct guest_setup {
    u64 npt_root;
    u32 asid;
    u64 rip;
    u64 rsp;
    u64 cr3;
    bool nx;  ///< host supports EFER.NXE
};

/// Fill a zeroed VMCB: intercepts, nested paging, 64-bit flat state.
void init_guest_vmcb(vmcb& v, const guest_setup& s) noexcept;

/// The intercepts every guest VMCB carries; checked again before each VMRUN.
inline constexpr u32 required_misc1 = intercept1::intr | intercept1::nmi | intercept1::smi |
                                      intercept1::init | intercept1::cpuid | intercept1::invd |
                                      intercept1::hlt | intercept1::invlpga | intercept1::ioio |
                                      intercept1::msr | intercept1::shutdown;
inline constexpr u32 required_misc2 = intercept2::vmrun | intercept2::vmmcall | intercept2::vmload |
                                      intercept2::vmsave | intercept2::stgi | intercept2::clgi |
                                      intercept2::skinit | intercept2::wbinvd | intercept2::monitor |
                                      intercept2::mwait | intercept2::mwait_cond |
                                      intercept2::xsetbv | intercept2::rdpru;

/// Run the guest until its next #VMEXIT.
void run(guest_gprs& g, u64 vmcb_pa) noexcept;

}  // namespace refhv::arch::svm
