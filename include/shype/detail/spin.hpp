// SPDX-License-Identifier: Apache-2.0
#pragma once
// Spin locks for hypervisor context: no OS, no sleeping, short critical sections.
//
// spin_rwlock lets many CPUs run hooks at once (shared) while a policy change or a domain
// operation takes it exclusively, phase-fair: neither a stream of hooks nor a stream of policy
// changes can starve the other side.
//
// How a waiter waits is a policy (Relax, with `static void relax(unsigned spins)`, called with
// the number of times it has waited so far). Hypervisor code never loses the CPU while it
// holds a lock, so pausing is right there (pause_relax). Under a preemptive scheduler with more
// threads than CPUs (a hosted process) the holder can be descheduled, and waiters that only
// pause would burn their time slices until it runs again; such embedders pass a Relax that
// gives the CPU back after a few spins (see basic_smp_locking in locking.hpp).

#include <atomic>
#include <cstdint>

namespace shype::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/// Wait by pausing the CPU (hypervisor context).
struct pause_relax {
  static void relax(unsigned /*spins*/) noexcept { cpu_relax(); }
};

template <class Relax>
class basic_spinlock {
 public:
  constexpr basic_spinlock() noexcept = default;
  void lock() noexcept {
    for (unsigned n = 0;;) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) Relax::relax(n++);
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

/// A phase-fair reader-writer spin lock (the PF-T lock of Brandenburg and Anderson, 2010).
/// Readers and writers alternate phases: a reader waits for at most one writer, and a writer
/// waits only for the readers that came before it. Neither side can starve the other, even when
/// a management domain reloads policies back to back while every CPU runs hooks.
template <class Relax>
class basic_spin_rwlock {
 public:
  constexpr basic_spin_rwlock() noexcept = default;

  void lock_shared() noexcept {
    const std::uint32_t w = rin_.fetch_add(reader, std::memory_order_acquire) & writer_bits;
    // A writer is present: wait until its phase ends (its bits clear, or the next writer's differ).
    for (unsigned n = 0; w != 0 && (rin_.load(std::memory_order_acquire) & writer_bits) == w;) Relax::relax(n++);
  }
  void unlock_shared() noexcept { rout_.fetch_add(reader, std::memory_order_release); }

  void lock() noexcept {
    const std::uint32_t ticket = win_.fetch_add(1, std::memory_order_relaxed);
    unsigned n = 0;
    while (wout_.load(std::memory_order_acquire) != ticket) Relax::relax(n++);  // writers in order
    // Announce this writer (present + phase); readers arriving from now on wait for it. Then
    // wait for the readers that entered before to leave.
    const std::uint32_t entered = rin_.fetch_add(present | (ticket & phase), std::memory_order_acquire);
    while (rout_.load(std::memory_order_acquire) != entered) Relax::relax(n++);
  }
  void unlock() noexcept {
    rin_.fetch_and(~writer_bits, std::memory_order_release);
    wout_.fetch_add(1, std::memory_order_release);
  }

 private:
  static constexpr std::uint32_t reader = 0x100;  // readers count in the upper 24 bits
  static constexpr std::uint32_t present = 0x2;
  static constexpr std::uint32_t phase = 0x1;
  static constexpr std::uint32_t writer_bits = present | phase;
  std::atomic<std::uint32_t> rin_{0}, rout_{0}, win_{0}, wout_{0};
};

using spinlock = basic_spinlock<pause_relax>;
using spin_rwlock = basic_spin_rwlock<pause_relax>;

}  // namespace shype::detail
