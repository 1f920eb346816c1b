// SPDX-License-Identifier: Apache-2.0
#include "vcpu.hpp"

#include "../arch/x86_64/cpu.hpp"
#include "evtchn.hpp"
#include "grant.hpp"
#include "hypercall.hpp"
#include "log.hpp"
#if REFHV_CHECK_INVARIANTS
#include "invariants.hpp"
#endif
#include "sched.hpp"

namespace refhv::vcpu {

namespace {
constexpr u64 hlt_timeout_ms = 10;  // HLT is a short block, so a stray HLT cannot hang anyone

/// Queue an exception unless an interrupted event must be re-delivered first; in that
/// case the faulting instruction simply runs (and exits) again afterwards.
void inject(domain& d, u64 event) noexcept {
    if (d.inject == 0) d.inject = event;
}
}  // namespace

arch::cpuid_regs virtual_cpuid(u32 leaf, u32 subleaf) noexcept {
    using namespace arch::cpuid_bits;
    if (leaf >= 0x40000000 && leaf <= 0x400000FF) {
        if (leaf == 0x40000000) return {0x40000001, 0x68666572 /* "refh" */, 0x68732D76 /* "v-sh" */,
                                        0x00657079 /* "ype" */};
        if (leaf == 0x40000001) return {REFHV_ABI_VERSION, 0, 0, 0};
        return {0, 0, 0, 0};
    }
    arch::cpuid_regs r = arch::port::cpuid(leaf, subleaf);
    switch (leaf) {
    case 1:
        r.ecx &= ~(ecx_xsave | ecx_osxsave | ecx_avx | ecx_monitor);
        r.ecx |= ecx_hypervisor;
        break;
    case 7:  // structured extended features (AVX2, AVX-512, ...): state we do not switch
    case 0xD:
        r = {0, 0, 0, 0};
        break;
    case 0x80000001:
        r.ecx &= ~ecx_svm;
        break;
    case ext_leaf_svm:
        r = {0, 0, 0, 0};
        break;
    default:
        break;
    }
    return r;
}

void handle(domain& d, const arch::request& r) noexcept {
    using arch::request_kind;
    auto& st = d.vmcb->save;
    if (r.pending_event) d.inject = r.exitintinfo;  // EXITINTINFO has EVENTINJ's layout

    switch (r.kind) {
    case request_kind::hypercall: {
        st.rip += r.insn_len;
        const hypercall::outcome o = hypercall::dispatch(d, r);
        if (o.set && d.alive()) d.vmcb->save.rax = o.rax;
        break;
    }
    case request_kind::nested_page_fault:
        if (grant::in_window(r.npf.gpa) && grant::report_window_fault(d, r)) break;
        domains::kill(d, REFHV_EXIT_NPF, r.npf.gpa);
        break;
    case request_kind::io:
        // No devices for guests: reads float high, writes vanish (port 0xf4 included).
        if (!d.io_warned) {
            log::line("refhv: d", log::dec{d.id}, " I/O port ", log::hex{r.io.port}, " ignored");
            d.io_warned = true;
        }
        if (r.io.in && !r.io.string) {
            const u64 mask = r.io.size == 4 ? 0xFFFFFFFFull : r.io.size == 2 ? 0xFFFFull : 0xFFull;
            st.rax = r.io.size == 4 ? mask : ((st.rax & ~mask) | mask);  // 32-bit writes zero-extend
        }
        if (r.io.string && r.io.rep) d.gprs.rcx = 0;
        st.rip = r.io.next_rip;
        break;
    case request_kind::cpuid: {
        const arch::cpuid_regs c = virtual_cpuid(r.cpuid.leaf, r.cpuid.subleaf);
        st.rax = c.eax;
        d.gprs.rbx = c.ebx;
        d.gprs.rcx = c.ecx;
        d.gprs.rdx = c.edx;
        st.rip += r.insn_len;
        break;
    }
    case request_kind::msr:
        inject(d, arch::event::exception_with_error(arch::vec::gp, 0));
        break;
    case request_kind::interrupt:
        break;  // taken on the host IDT at STGI; the scheduler decides what runs next
    case request_kind::halt:
        st.rip += r.insn_len;
        // A pending upcall is delivered once the guest runs again: nothing to wait for.
        if (!evtchn::has_pending(d)) sched::block(d, hlt_timeout_ms, false);
        break;
    case request_kind::cache_flush:
        st.rip += r.insn_len;
        break;
    case request_kind::shutdown:
        domains::kill(d, REFHV_EXIT_TRIPLE_FAULT, 0);
        break;
    case request_kind::svm_instruction:
    case request_kind::xsetbv:
    case request_kind::monitor_mwait:
        inject(d, arch::event::exception(arch::vec::ud));
        break;
    case request_kind::debug_register:
        inject(d, arch::event::exception_with_error(arch::vec::gp, 0));
        break;
    case request_kind::vmrun_failed:
        log::line("refhv: d", log::dec{d.id}, " VMRUN failed: cr0 ", log::hex{st.cr0}, " cr4 ",
                  log::hex{st.cr4}, " efer ", log::hex{st.efer}, " cs.attr ", log::hex{st.cs.attrib});
        domains::kill(d, REFHV_EXIT_VMRUN_FAILED, 0);
        break;
    case request_kind::unhandled:
        log::line("refhv: d", log::dec{d.id}, " unhandled exit ", log::hex{r.exit_code}, " info1 ",
                  log::hex{r.info1}, " info2 ", log::hex{r.info2});
        domains::kill(d, REFHV_EXIT_UNHANDLED, 0);
        break;
    }
#if REFHV_CHECK_INVARIANTS
    // The checked image: every exit that can change shared state is followed by a full check.
    if (r.kind == request_kind::hypercall) invariants::enforce("hypercall", r.hypercall.op, d.id);
    else if (!d.alive()) invariants::enforce("killing, exit", r.exit_code, d.id);
#endif
}

}  // namespace refhv::vcpu
