// SPDX-License-Identifier: Apache-2.0
// Host interrupt and exception handling. Exceptions in the hypervisor are bugs: dump
// the registers on COM1 and exit QEMU with REFHV_QEMU_EXIT_PANIC. IRQ0 drives the
// scheduler tick; nothing else is unmasked.
#include <refhv/hypercall.h>

#include "../../core/log.hpp"
#include "../../core/sched.hpp"
#include "descriptors.hpp"
#include "platform.hpp"
#include "port.hpp"

namespace refhv::arch {
namespace {
const char* const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
    "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor segment overrun",
    "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
    "#XM SIMD error", "#VE virtualization", "#CP control protection", "reserved", "reserved",
    "reserved", "reserved", "reserved", "reserved", "#HV", "#VC", "#SX security", "reserved"};

[[noreturn]] void dump_and_die(const trap_frame& f) noexcept {
    using log::hex;
    log::line("refhv: PANIC: host exception ", log::dec{f.vector}, " (",
              f.vector < 32 ? exception_names[f.vector] : "unexpected interrupt", ") error ", hex{f.error});
    log::line("  rip ", hex{f.rip}, " cs ", hex{f.cs}, " rflags ", hex{f.rflags}, " rsp ", hex{f.rsp}, " ss ",
              hex{f.ss});
    log::line("  rax ", hex{f.rax}, " rbx ", hex{f.rbx}, " rcx ", hex{f.rcx}, " rdx ", hex{f.rdx});
    log::line("  rsi ", hex{f.rsi}, " rdi ", hex{f.rdi}, " rbp ", hex{f.rbp}, " r8  ", hex{f.r8});
    log::line("  r9  ", hex{f.r9}, " r10 ", hex{f.r10}, " r11 ", hex{f.r11}, " r12 ", hex{f.r12});
    log::line("  r13 ", hex{f.r13}, " r14 ", hex{f.r14}, " r15 ", hex{f.r15});
    log::line("  cr0 ", hex{port::read_cr0()}, " cr2 ", hex{port::read_cr2()}, " cr3 ", hex{port::read_cr3()},
              " cr4 ", hex{port::read_cr4()});
    qemu_exit(REFHV_QEMU_EXIT_PANIC);
}
}  // namespace
}  // namespace refhv::arch

extern "C" void refhv_trap(refhv::arch::trap_frame* f) {
    using namespace refhv::arch;
    if (f->vector >= pic::master_base && f->vector < pic::master_base + 16) {
        const auto irq = static_cast<refhv::u8>(f->vector - pic::master_base);
        if ((irq == 7 || irq == 15) && pic::spurious(irq)) return;
        if (irq == 0) refhv::sched::tick();
        pic::eoi(irq);
        return;
    }
    dump_and_die(*f);
}
