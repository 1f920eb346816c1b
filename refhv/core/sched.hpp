// SPDX-License-Identifier: Apache-2.0
// Round-robin scheduling of domains on the one physical CPU, preempted by the PIT.
// A domain runs until its slice ends (timer INTR exit), it blocks, yields or dies.
// The x87/SSE state is switched lazily: the hypervisor never touches the FPU, so a
// domain's state stays in the registers until another domain needs them.
#pragma once

#include "domain.hpp"

namespace refhv::sched {

inline constexpr u32 tick_hz = 1000;
inline constexpr u64 slice_ms = 10;

void init() noexcept;
/// Timer interrupt (host IDT, IRQ0): drives preemption, and time if there is no clock.
void tick() noexcept;
/// Use a clock (e.g. the HPET) for time instead of counting ticks, which coalesce while the
/// hypervisor runs with interrupts off.
void set_clock(u64 (*now_ns)() noexcept) noexcept;
u64 now_ms() noexcept;
u64 exits() noexcept;

/// An event for d: a blocked domain becomes runnable (SCHED_BLOCK returns 0).
void wake(domain& d) noexcept;
/// Block until an event or `timeout_ms` (0: no timeout). `in_call`: SCHED_BLOCK, which
/// returns 1 in RAX on timeout; otherwise HLT, whose registers are left alone.
void block(domain& d, u64 timeout_ms, bool in_call) noexcept;
void yield(domain& d) noexcept;
/// d is being released: drop every reference the scheduler holds to it.
void forget(domain& d) noexcept;
/// Bring d.fpu up to date (before saving the domain).
void sync_fpu(domain& d) noexcept;

[[noreturn]] void run() noexcept;

}  // namespace refhv::sched
