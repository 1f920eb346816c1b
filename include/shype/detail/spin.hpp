// SPDX-License-Identifier: Apache-2.0
#pragma once
// Spin locks for hypervisor context: no OS, no sleeping, short critical sections.
//
// spin_rwlock lets many CPUs run hooks at once (shared) while a policy change or a domain
// operation takes it exclusively. A waiting writer blocks new readers, so a continuous stream
// of hooks cannot starve a policy change.

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

class spinlock {
 public:
  constexpr spinlock() noexcept = default;
  void lock() noexcept {
    for (;;) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) cpu_relax();
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

class spin_rwlock {
 public:
  constexpr spin_rwlock() noexcept = default;

  void lock_shared() noexcept {
    for (;;) {
      std::uint32_t v = state_.load(std::memory_order_relaxed);
      if ((v & (writer | writer_waiting)) == 0 &&
          state_.compare_exchange_weak(v, v + 1, std::memory_order_acquire, std::memory_order_relaxed))
        return;
      cpu_relax();
    }
  }
  void unlock_shared() noexcept { state_.fetch_sub(1, std::memory_order_release); }

  void lock() noexcept {
    state_.fetch_or(writer_waiting, std::memory_order_relaxed);
    for (;;) {
      std::uint32_t v = state_.load(std::memory_order_relaxed);
      // Free of readers and of another writer: take it (keeping other writers' waiting bit is
      // unnecessary: they set it again in their own loop).
      if ((v & ~writer_waiting) == 0 &&
          state_.compare_exchange_weak(v, writer, std::memory_order_acquire, std::memory_order_relaxed))
        return;
      if ((v & writer_waiting) == 0) state_.fetch_or(writer_waiting, std::memory_order_relaxed);
      cpu_relax();
    }
  }
  void unlock() noexcept { state_.fetch_and(~writer, std::memory_order_release); }

 private:
  static constexpr std::uint32_t writer = 1u << 31;
  static constexpr std::uint32_t writer_waiting = 1u << 30;
  std::atomic<std::uint32_t> state_{0};
};

}  // namespace shype::detail
