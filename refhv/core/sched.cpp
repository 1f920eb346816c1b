// SPDX-License-Identifier: Apache-2.0
#include "sched.hpp"

#include "../arch/x86_64/port.hpp"
#include "../arch/x86_64/svm.hpp"
#include "log.hpp"
#include "vcpu.hpp"

namespace refhv::sched {

namespace {
volatile u64 g_ticks = 0;
volatile bool g_need_resched = false;
u64 g_slice_start = 0;
u64 g_exits = 0;
int g_current = -1;          // slot of the domain that ran last
domain* g_fpu_owner = nullptr;  // whose x87/SSE state is in the registers
u32 g_mxcsr_mask = mxcsr_mask_default;  // set from the CPU at boot
u64 (*g_clock)() noexcept = nullptr;

domain* pick() noexcept {
    const u64 now = now_ms();
    for (unsigned i = 0; i < max_domains; ++i) {
        domain* d = domains::slot(i);
        if (d->state == dom_state::blocked && d->wake_at_ms != 0 && now >= d->wake_at_ms) {
            d->state = dom_state::runnable;  // timed out: RAX keeps the 1 set in block()
            d->wake_at_ms = 0;
        }
    }
    if (g_current >= 0 && !g_need_resched) {
        domain* cur = domains::slot(static_cast<unsigned>(g_current));
        if (cur->state == dom_state::runnable) return cur;
    }
    g_need_resched = false;
    g_slice_start = g_ticks;
    const unsigned first = g_current < 0 ? 0 : static_cast<unsigned>(g_current) + 1;
    for (unsigned n = 0; n < max_domains; ++n) {
        const unsigned i = (first + n) % max_domains;
        domain* d = domains::slot(i);
        if (d->state == dom_state::runnable) {
            g_current = static_cast<int>(i);
            return d;
        }
    }
    return nullptr;
}

void idle() noexcept {
    bool timed = false;
    for (unsigned i = 0; i < max_domains; ++i) {
        const domain* d = domains::slot(i);
        if (d->state == dom_state::blocked && d->wake_at_ms != 0) timed = true;
    }
    if (!timed) {
        // Nothing can ever run again: guests have no other interrupt sources.
        log::line("refhv: deadlock: every live domain is blocked without a timeout");
        for (unsigned i = 0; i < max_domains; ++i) {
            const domain* d = domains::slot(i);
            if (d->alive()) log::line("refhv:   d", log::dec{d->id}, " blocked at rip ", log::hex{d->vmcb->save.rip});
        }
        system_exit(REFHV_QEMU_EXIT_FAILURE);
    }
    arch::port::wait_for_interrupt();
}

void enter(domain& d) noexcept {
    if (g_fpu_owner != &d) {
        if (g_fpu_owner != nullptr) arch::port::fxsave(g_fpu_owner->fpu);
        arch::port::fxrstor(d.fpu);
        g_fpu_owner = &d;
    }
    auto& c = d.vmcb->control;
    c.tlb_control = d.flush_tlb ? arch::tlb_flush_all : arch::tlb_flush_none;
    d.flush_tlb = false;
    c.eventinj = d.inject;
    d.inject = 0;
    // The VMCB is hypervisor memory, but keep the isolation-critical intercepts beyond doubt.
    c.intercept_misc1 |= arch::svm::required_misc1;
    c.intercept_misc2 |= arch::svm::required_misc2;
    d.shared->time_ms = now_ms();

    arch::svm::run(d.gprs, d.vmcb_pa);
    ++g_exits;
    vcpu::handle(d, arch::decode_exit(*d.vmcb, d.gprs));
}
}  // namespace

void init() noexcept {
    g_clock = nullptr;
    g_ticks = 0;
    g_need_resched = false;
    g_current = -1;
    g_fpu_owner = nullptr;
}

void tick() noexcept {
    g_ticks = g_ticks + 1;
    if (g_ticks - g_slice_start >= slice_ms * tick_hz / 1000) g_need_resched = true;  // slices in ticks
}

void set_clock(u64 (*now_ns)() noexcept) noexcept { g_clock = now_ns; }

u64 now_ms() noexcept { return g_clock != nullptr ? g_clock() / 1000000 : g_ticks * 1000 / tick_hz; }
u64 exits() noexcept { return g_exits; }

void wake(domain& d) noexcept {
    if (d.state != dom_state::blocked) return;
    d.state = dom_state::runnable;
    d.wake_at_ms = 0;
    if (d.blocked_in_call && d.vmcb != nullptr) d.vmcb->save.rax = 0;
}

void block(domain& d, u64 timeout_ms, bool in_call) noexcept {
    d.state = dom_state::blocked;
    d.blocked_in_call = in_call;
    d.wake_at_ms = timeout_ms == 0 ? 0 : now_ms() + timeout_ms;
    if (in_call) d.vmcb->save.rax = 1;  // changed to 0 if an event wakes it first
    g_need_resched = true;
}

void yield(domain&) noexcept { g_need_resched = true; }

void forget(domain& d) noexcept {
    if (g_fpu_owner == &d) g_fpu_owner = nullptr;
}

void sync_fpu(domain& d) noexcept {
    if (g_fpu_owner == &d) arch::port::fxsave(d.fpu);
}

void set_mxcsr_mask(u32 reported) noexcept { g_mxcsr_mask = reported != 0 ? reported : mxcsr_mask_default; }
u32 mxcsr_mask() noexcept { return g_mxcsr_mask; }

void run() noexcept {
    for (;;) {
        domain* d = pick();
        if (d == nullptr) {
            idle();
            continue;
        }
        enter(*d);
    }
}

}  // namespace refhv::sched
