// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::hit_path — the read side of a monitor: what a cached hook decision touches.
//
// FLASK keeps its cache (avc.c) apart from the security server; this is ours. It holds the
// decision cache, the policy generation that tags every entry (a change bumps it, so nothing
// decided under an older policy can match), the live handle of every domain (incarnation << 16
// | id while running, else 0: a new incarnation makes the old one's entries unreachable) and,
// for smp_locking, the writers' sequence count (odd while a writer runs) that lets a reader
// take a cached permit with no lock at all. It decides nothing: a miss goes back to the monitor.

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "../decision.hpp"
#include "../decision_cache.hpp"
#include "../ids.hpp"
#include "../verdict.hpp"

namespace shype::detail {

template <std::size_t MaxDomains, std::size_t Sets, std::size_t Ways>
class hit_path {
 public:
  using cache_t = decision_cache<Sets, Ways>;

  /// Domain d's live handle (0: not running). The critical path's one load per domain.
  [[nodiscard]] std::uint32_t live(domid_t d) const noexcept { return live_[d].load(std::memory_order_relaxed); }
  /// Writers only (under the monitor's exclusive lock).
  void set_live(domid_t d, std::uint32_t handle) noexcept { live_[d].store(handle, std::memory_order_relaxed); }

  /// The generation in force (0: no policy).
  [[nodiscard]] generation_t gen() const noexcept { return gen_.load(std::memory_order_relaxed); }
  /// The first policy is generation 1 (writers only).
  void first_generation() noexcept { gen_.store(1, std::memory_order_relaxed); }
  /// A policy change: the next generation. On wrap-around it skips 0 ("no policy") and empties
  /// the cache, whose old tags could otherwise match again (writers only).
  void next_generation() noexcept {
    generation_t next = gen() + 1;
    if (next == 0) {
      next = 1;
      cache_.clear();
    }
    gen_.store(next, std::memory_order_relaxed);
  }

  [[nodiscard]] cache_t& cache() noexcept { return cache_; }
  [[nodiscard]] const cache_t& cache() const noexcept { return cache_; }
  /// The cache's word for `k` under the generation in force (0: miss).
  [[nodiscard, gnu::always_inline]] std::uint64_t probe(const cache_key& k) noexcept { return cache_.probe(k, gen()); }

  /// A verdict from a cache hit: the cache's word has the verdict's layout (decision_cache.hpp).
  [[nodiscard]] static verdict hit_verdict(std::uint64_t w) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
      return std::bit_cast<verdict>(w);
    } else {
      return verdict::make(permit_if((w & 0xFF) != 0), static_cast<std::uint8_t>(w >> 8), true, static_cast<generation_t>(w >> 32));
    }
  }

  // --- smp_locking: readers that take no lock ---------------------------------------------------

  /// Starts an optimistic read: the sequence count to check against afterwards.
  [[nodiscard, gnu::always_inline]] std::uint32_t read_begin() const noexcept { return seq_.load(std::memory_order_acquire); }
  /// A cached decision read with no lock, accepted only if no writer ran meanwhile (the count is
  /// even and unchanged). Returns a denial meaning "take the locked path" on a miss, a writer or
  /// a domain that is not running. Touches no policy bytes.
  [[nodiscard, gnu::always_inline]] verdict optimistic_probe(const cache_key& k, std::uint32_t seq) noexcept {
    if ((seq & 1) != 0 || k.subject == 0 || k.object == 0) return {};
    const std::uint64_t w = probe(k);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (w == 0 || seq_.load(std::memory_order_relaxed) != seq) return {};
    return hit_verdict(w);
  }
  /// Has no writer started since `seq` was read? (seq_cst: ordered against the registry mutex.)
  [[nodiscard]] bool unchanged_since(std::uint32_t seq) const noexcept { return seq_.load(std::memory_order_seq_cst) == seq; }
  /// A writer starts / ends (under the monitor's exclusive lock): the count is odd meanwhile.
  void write_begin() noexcept {
    seq_.fetch_add(1, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_release);
  }
  void write_end() noexcept { seq_.fetch_add(1, std::memory_order_release); }

 private:
  std::atomic<generation_t> gen_{0};
  std::atomic<std::uint32_t> seq_{0};  // odd while a writer changes state (smp_locking)
  std::atomic<std::uint32_t> live_[MaxDomains] = {};
  cache_t cache_{};
};

}  // namespace shype::detail
