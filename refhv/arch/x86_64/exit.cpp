// SPDX-License-Identifier: Apache-2.0
#include "exit.hpp"

namespace refhv::arch {

namespace {
// EXITINFO1 layout for IOIO intercepts (APM vol. 2, 15.10.2).
constexpr u64 ioio_in = 1u << 0, ioio_str = 1u << 2, ioio_rep = 1u << 3;
constexpr u64 ioio_sz8 = 1u << 4, ioio_sz16 = 1u << 5, ioio_sz32 = 1u << 6;
// EXITINFO1 for nested page faults: a #PF-style error code plus walk information.
constexpr u64 npf_present = 1u << 0, npf_write = 1u << 1, npf_fetch = 1u << 4;
constexpr u64 npf_in_walk = 1ull << 33;
}  // namespace

request decode_exit(const vmcb& v, const guest_gprs& g) noexcept {
    request r;
    const auto& c = v.control;
    r.exit_code = c.exitcode;
    r.info1 = c.exitinfo1;
    r.info2 = c.exitinfo2;
    if ((c.exitintinfo & event::valid) != 0) {
        r.pending_event = true;
        r.exitintinfo = c.exitintinfo;
    }

    switch (c.exitcode) {
    case exitcode::vmmcall:
        r.kind = request_kind::hypercall;
        r.insn_len = vmmcall_len;
        r.hypercall.op = v.save.rax;
        r.hypercall.arg[0] = g.rdi;
        r.hypercall.arg[1] = g.rsi;
        r.hypercall.arg[2] = g.rdx;
        r.hypercall.arg[3] = g.r10;
        r.hypercall.arg[4] = g.r8;
        break;
    case exitcode::npf:
        r.kind = request_kind::nested_page_fault;
        r.npf.gpa = c.exitinfo2;
        r.npf.present = (c.exitinfo1 & npf_present) != 0;
        r.npf.write = (c.exitinfo1 & npf_write) != 0;
        r.npf.fetch = (c.exitinfo1 & npf_fetch) != 0;
        r.npf.in_walk = (c.exitinfo1 & npf_in_walk) != 0;
        break;
    case exitcode::ioio:
        r.kind = request_kind::io;
        r.io.port = static_cast<u16>(c.exitinfo1 >> 16);
        r.io.in = (c.exitinfo1 & ioio_in) != 0;
        r.io.string = (c.exitinfo1 & ioio_str) != 0;
        r.io.rep = (c.exitinfo1 & ioio_rep) != 0;
        r.io.size = (c.exitinfo1 & ioio_sz32) != 0 ? 4 : (c.exitinfo1 & ioio_sz16) != 0 ? 2 : 1;
        if ((c.exitinfo1 & (ioio_sz8 | ioio_sz16 | ioio_sz32)) == 0) r.io.size = 1;
        r.io.next_rip = c.exitinfo2;  // IOIO always saves the next RIP here
        break;
    case exitcode::cpuid:
        r.kind = request_kind::cpuid;
        r.insn_len = 2;
        r.cpuid.leaf = static_cast<u32>(v.save.rax);
        r.cpuid.subleaf = static_cast<u32>(g.rcx);
        break;
    case exitcode::msr:
        r.kind = request_kind::msr;
        r.insn_len = 2;
        r.msr.index = static_cast<u32>(g.rcx);
        r.msr.write = (c.exitinfo1 & 1) != 0;
        break;
    case exitcode::intr:
    case exitcode::nmi:
    case exitcode::smi:
    case exitcode::init:
    case exitcode::vintr:
        r.kind = request_kind::interrupt;
        break;
    case exitcode::hlt:
        r.kind = request_kind::halt;
        r.insn_len = 1;
        break;
    case exitcode::shutdown:
        r.kind = request_kind::shutdown;
        break;
    case exitcode::vmrun:
    case exitcode::vmload:
    case exitcode::vmsave:
    case exitcode::stgi:
    case exitcode::clgi:
    case exitcode::skinit:
    case exitcode::invlpga:
    case exitcode::rdpru:
        r.kind = request_kind::svm_instruction;
        break;
    case exitcode::xsetbv:
        r.kind = request_kind::xsetbv;
        break;
    case exitcode::invd:
    case exitcode::wbinvd:
        r.kind = request_kind::cache_flush;
        r.insn_len = 2;
        break;
    case exitcode::monitor:
    case exitcode::mwait:
    case exitcode::mwait_cond:
        r.kind = request_kind::monitor_mwait;
        break;
    case exitcode::invalid:
        r.kind = request_kind::vmrun_failed;
        break;
    default:
        if (c.exitcode >= exitcode::dr_read_first && c.exitcode <= exitcode::dr_write_last)
            r.kind = request_kind::debug_register;
        else
            r.kind = request_kind::unhandled;
        break;
    }
    return r;
}

}  // namespace refhv::arch
