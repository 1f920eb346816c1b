// SPDX-License-Identifier: Apache-2.0
#include "svm.hpp"

#include "../../core/lib.hpp"
#include "cpu.hpp"
#include "port.hpp"

extern "C" void svm_world_switch(refhv::arch::guest_gprs* g, refhv::u64 vmcb_pa, refhv::u64 host_pa);

namespace refhv::arch::svm {

namespace {
// Physically contiguous, below 4 GiB: the image is identity mapped.
alignas(4096) u8 g_hsave[4096];
alignas(4096) vmcb g_host_state;
alignas(4096) u8 g_iopm[3 * 4096];  // one bit per port: all set, every port access exits
alignas(4096) u8 g_msrpm[2 * 4096]; // two bits per MSR: all set, every MSR access exits
}  // namespace

const char* unsupported_reason() noexcept {
    const cpuid_regs max_ext = port::cpuid(0x80000000, 0);
    if (max_ext.eax < cpuid_bits::ext_leaf_svm) return "CPU lacks SVM (no CPUID leaf 0x8000000A)";
    if ((port::cpuid(0x80000001, 0).ecx & cpuid_bits::ecx_svm) == 0)
        return "CPU lacks AMD SVM (CPUID 0x80000001 ECX[2]); run QEMU with -cpu qemu64,+svm,+npt";
    if ((port::rdmsr(msr::vm_cr) & vm_cr::svmdis) != 0) return "SVM is disabled by firmware (VM_CR.SVMDIS)";
    if ((port::cpuid(cpuid_bits::ext_leaf_svm, 0).edx & cpuid_bits::edx_npt) == 0)
        return "CPU lacks nested paging (CPUID 0x8000000A EDX[0]); run QEMU with -cpu qemu64,+svm,+npt";
    return nullptr;
}

void enable() noexcept {
    port::wrmsr(msr::efer, port::rdmsr(msr::efer) | efer::svme);
    port::wrmsr(msr::vm_hsave_pa, virt_to_phys(g_hsave));
    lib::memset(g_iopm, 0xFF, sizeof g_iopm);
    lib::memset(g_msrpm, 0xFF, sizeof g_msrpm);
    // FS/GS/TR/LDTR and the syscall MSRs of the host, restored by VMLOAD after each exit.
    port::vmsave(virt_to_phys(&g_host_state));
}

void init_guest_vmcb(vmcb& v, const guest_setup& s) noexcept {
    auto& c = v.control;
    c.intercept_cr_read = 0;
    c.intercept_cr_write = 0;
    // Debug registers are not virtualised (DR0-3 would leak between domains): MOV DR exits.
    c.intercept_dr_read = 0xFFFF;
    c.intercept_dr_write = 0xFFFF;
    c.intercept_exceptions = 0;
    c.intercept_misc1 = required_misc1;
    c.intercept_misc2 = required_misc2;
    c.iopm_base_pa = virt_to_phys(g_iopm);
    c.msrpm_base_pa = virt_to_phys(g_msrpm);
    c.guest_asid = s.asid;
    c.tlb_control = tlb_flush_all;
    c.int_ctl = v_intr_masking | v_ign_tpr | (0xFu << v_intr_prio_shift);
    c.np_control = 1;
    c.n_cr3 = s.npt_root;

    auto& st = v.save;
    const vmcb_segment code{0x08, seg_attr::code64, 0xFFFFFFFF, 0};
    const vmcb_segment data{0x10, seg_attr::data, 0xFFFFFFFF, 0};
    st.cs = code;
    st.ss = st.ds = st.es = st.fs = st.gs = data;
    st.gdtr = vmcb_segment{0, 0, 0, 0};
    st.idtr = vmcb_segment{0, 0, 0, 0};
    st.ldtr = vmcb_segment{0, 0, 0, 0};
    st.tr = vmcb_segment{0, seg_attr::tss64_busy, 0x67, 0};
    st.cpl = 0;
    st.efer = efer::svme | efer::lme | efer::lma | efer::sce | (s.nx ? efer::nxe : 0);
    st.cr0 = cr0::pg | cr0::wp | cr0::ne | cr0::et | cr0::mp | cr0::pe;
    st.cr4 = cr4::pae | cr4::osfxsr | cr4::osxmmexcpt;
    st.cr3 = s.cr3;
    st.dr6 = 0xFFFF0FF0;
    st.dr7 = 0x400;
    st.rflags = rflags::fixed1;
    st.rip = s.rip;
    st.rsp = s.rsp;
    st.g_pat = 0x0007040600070406ull;  // the power-on PAT
}

void run(guest_gprs& g, u64 vmcb_pa) noexcept { svm_world_switch(&g, vmcb_pa, virt_to_phys(&g_host_state)); }

}  // namespace refhv::arch::svm
