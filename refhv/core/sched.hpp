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

/// The MXCSR mask FXSAVE reports as 0 on CPUs that predate the field: every bit but DAZ
/// (AMD64 APM vol. 2, "FXSAVE and FXRSTOR"; Intel SDM vol. 1, 11.6.6).
inline constexpr u32 mxcsr_mask_default = 0xFFBF;
/// Record the MXCSR_MASK field (bytes 28..31) of an FXSAVE image the CPU wrote at boot;
/// 0 means mxcsr_mask_default. Until then (host tests) the default applies.
void set_mxcsr_mask(u32 reported) noexcept;
/// The MXCSR bits this CPU supports: FXRSTOR of an image whose MXCSR has any other bit set
/// raises #GP in the hypervisor, so an image from outside (a save stream) is checked against it.
u32 mxcsr_mask() noexcept;

[[noreturn]] void run() noexcept;

}  // namespace refhv::sched
