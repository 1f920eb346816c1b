// SPDX-License-Identifier: Apache-2.0
#pragma once
// Locking policies of a monitor: how it is protected when several CPUs call hooks.
//
//   smp_locking — hooks run concurrently; policy changes and domain operations take a spin lock
//                 exclusively and bump a sequence count, so a decision is taken entirely under
//                 one policy generation. A cached permit is read without any lock, validated by
//                 the sequence count (monitor.hpp); everything else holds the lock shared.
//                 Counters are relaxed atomics, sharded; a cached permit's hit is added with
//                 no locked instruction (exact when each CPU has its own shard, see
//                 stat_shard(); threads sharing one may lose a hit count). Waiters pause:
//                 right in a hypervisor, where a lock holder is never preempted. basic_smp_locking<Relax> lets a hosted
//                 embedder (threads under a preemptive scheduler) yield instead.
//   no_locking  — the embedding hypervisor serialises calls itself (one CPU, a big lock, or a
//                 monitor per CPU). Nothing is locked and counters are plain integers, which is
//                 what the critical path costs in the paper's uniprocessor measurements.
// A locking policy is a type parameter, like a capacity: no macro, no run-time switch.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "detail/spin.hpp"

namespace shype {

/// A lock that does nothing (no_locking).
struct null_mutex {
  constexpr void lock() noexcept {}
  constexpr void unlock() noexcept {}
  constexpr void lock_shared() noexcept {}
  constexpr void unlock_shared() noexcept {}
};

namespace detail {
class atomic_counter {
 public:
  constexpr atomic_counter() noexcept = default;
  void add(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  /// Adds 1 with a plain load and store, no locked instruction (as Linux's this_cpu_inc and
  /// Xen's per-CPU AVC statistics): exact while one CPU at a time adds to this counter, which a
  /// shard per CPU gives; two threads sharing a shard may lose an increment, never corrupt one.
  void add_local() noexcept { v_.store(v_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }
  void reset() noexcept { v_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};
class plain_counter {
 public:
  constexpr plain_counter() noexcept = default;
  constexpr void add(std::uint64_t n = 1) noexcept { v_ += n; }
  constexpr void add_local() noexcept { ++v_; }
  [[nodiscard]] constexpr std::uint64_t get() const noexcept { return v_; }
  constexpr void reset() noexcept { v_ = 0; }

 private:
  std::uint64_t v_ = 0;
};
}  // namespace detail

/// A Relax policy for threads under a preemptive scheduler: pause for the first `Spins` waits,
/// then call the embedder's `Yield` (e.g. `&sched_yield`; the library itself calls no OS), so
/// that a preempted lock holder gets a CPU back instead of waiting out the spinners' slices.
template <auto Yield, unsigned Spins = 64>
struct yield_after_spins {
  static void relax(unsigned spins) noexcept {
    if (spins < Spins)
      detail::cpu_relax();
    else
      (void)Yield();
  }
};

/// Concurrent hooks; `Relax::relax(spins)` is how a CPU waits for a lock (detail/spin.hpp): pause
/// by default (hypervisor context), or e.g. `yield_after_spins<&sched_yield>` in a hosted process.
template <class Relax = detail::pause_relax>
struct basic_smp_locking {
  static constexpr bool concurrent = true;
  using rw_lock = detail::basic_spin_rwlock<Relax>;
  using mutex = detail::basic_spinlock<Relax>;
  using counter = detail::atomic_counter;
  /// Statistics are split into shards so that CPUs counting hooks do not bounce one cache line
  /// between them. A shard is picked from the current stack address (each CPU or thread runs
  /// on its own stack), which needs no CPU id, no TLS and no OS. A hypervisor that knows its
  /// CPU number can define its own locking policy with `stat_shard()` returning it.
  static constexpr std::size_t stat_shards = 16;
  static std::size_t stat_shard() noexcept {
    const auto sp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    return static_cast<std::size_t>(((sp >> 12) * 0x9E3779B97F4A7C15ull) >> 60);  // 4 KiB granules, 16 shards
  }
};

using smp_locking = basic_smp_locking<>;

struct no_locking {
  static constexpr bool concurrent = false;
  using rw_lock = null_mutex;
  using mutex = null_mutex;
  using counter = detail::plain_counter;
  static constexpr std::size_t stat_shards = 1;
  static constexpr std::size_t stat_shard() noexcept { return 0; }
};

/// RAII guards (std::lock_guard/shared_lock are not freestanding).
template <class M>
class [[nodiscard]] unique_guard {
 public:
  explicit unique_guard(M& m) noexcept : m_(m) { m_.lock(); }
  ~unique_guard() { m_.unlock(); }
  unique_guard(const unique_guard&) = delete;
  unique_guard& operator=(const unique_guard&) = delete;

 private:
  M& m_;
};

template <class M>
class [[nodiscard]] shared_guard {
 public:
  explicit shared_guard(M& m) noexcept : m_(m) { m_.lock_shared(); }
  ~shared_guard() { m_.unlock_shared(); }
  shared_guard(const shared_guard&) = delete;
  shared_guard& operator=(const shared_guard&) = delete;

 private:
  M& m_;
};

}  // namespace shype
