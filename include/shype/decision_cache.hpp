// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::decision_cache<Sets, Ways> — bind-time decisions, so the critical path is one lookup.
//
// Event-channel and grant hooks change no monitor state, so their decisions can be cached
// (paper, section 4.3.2). The cache is set-associative with fixed capacity and no allocation.
// Replacement is CLOCK within a set: a hit sets a reference bit, the insert's hand clears bits
// until it finds an entry not used since its last pass — a full cache keeps caching what is hot.
//
// Every entry records the policy generation it was decided under; bumping the generation
// invalidates the whole cache in O(1). Entries of a domain are dropped when it stops, is
// relabelled or its id is reused (the key holds the domain's incarnation too, see monitor.hpp).
//
// Concurrency: lookups take no lock. An entry is two atomic words (key, meta); a reader accepts
// it only if meta reads the same before and after the key (a per-entry seqlock whose "odd"
// state is the busy bit). Writers claim an entry by CAS on meta and skip on contention.

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "decision.hpp"

namespace shype {

/// What a cached decision is about: who, what, which operation.
struct cache_key {
  std::uint32_t subject;  ///< domain handle (incarnation << 16 | domid)
  std::uint32_t object;   ///< domain handle, or a resource id
  std::uint8_t op;        ///< hook (and access mode)
  friend constexpr bool operator==(const cache_key&, const cache_key&) noexcept = default;
};

/// A cache hit: the decision and which policy (index) denied, if any.
struct cached_decision {
  decision value;
  std::uint8_t denied_by;
};

template <std::size_t Sets, std::size_t Ways>
class decision_cache {
  static_assert(Sets >= 1 && std::has_single_bit(Sets), "decision_cache: Sets must be a power of two");
  static_assert(Ways >= 1 && Ways <= 64, "decision_cache: 1..64 ways");

 public:
  static constexpr std::size_t capacity = Sets * Ways;

  constexpr decision_cache() noexcept = default;

  /// The critical path: probes the set of `k` for an entry decided under `gen`. Returns 0 on a
  /// miss, else the entry's meta word masked to `hit_mask` — decision in bits 0-7, the denying
  /// policy in 8-15, a 1 in bit 16, the generation in 32-63: exactly the layout of a
  /// shype::verdict with `cached` set, so the monitor returns it without repacking.
  [[nodiscard, gnu::always_inline]] std::uint64_t probe(const cache_key& k, std::uint32_t gen) noexcept {
    const std::uint64_t want = pack_key(k);
    const std::uint64_t expect = (std::uint64_t{gen} << 32) | (std::uint64_t{k.op} << op_shift) | valid_bit;
    entry* set = set_of(k);
    for (std::size_t w = 0; w < Ways; ++w) {
      entry& e = set[w];
      const std::uint64_t m1 = e.meta.load(std::memory_order_acquire);
      if ((m1 & match_mask) != expect) continue;
      const std::uint64_t key = e.key.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      const std::uint64_t m2 = e.meta.load(std::memory_order_relaxed);
      if (key != want || (m1 | ref_bit) != (m2 | ref_bit)) continue;
      if ((m2 & ref_bit) == 0) {  // best effort: a lost reference bit only ages the entry sooner
        std::uint64_t seen = m2;
        e.meta.compare_exchange_strong(seen, m2 | ref_bit, std::memory_order_relaxed);
      }
      return m1 & hit_mask;
    }
    return 0;
  }

  /// The decision cached for `k` under generation `gen`, if any.
  [[nodiscard]] bool lookup(const cache_key& k, std::uint32_t gen, cached_decision& out) noexcept {
    const std::uint64_t m = probe(k, gen);
    if (m == 0) return false;
    out = {meta_decision(m), meta_denied_by(m)};
    return true;
  }

  /// Remembers a decision. Under contention for the victim entry it gives up: a cache may miss.
  void insert(const cache_key& k, std::uint32_t gen, cached_decision d) noexcept {
    entry* set = set_of(k);
    const std::size_t s = static_cast<std::size_t>(set - entries_) / Ways;
    std::atomic<std::uint8_t>& hand = hands_[s];
    std::size_t victim = Ways;
    std::uint64_t seen = 0;
    // Prefer a free or stale entry; otherwise run the clock over the set (at most two rounds).
    for (std::size_t w = 0; w < Ways && victim == Ways; ++w) {
      const std::uint64_t m = set[w].meta.load(std::memory_order_relaxed);
      if ((m & busy_bit) == 0 && ((m & valid_bit) == 0 || meta_gen(m) != gen)) { victim = w; seen = m; }
    }
    for (std::size_t step = 0; step < 2 * Ways && victim == Ways; ++step) {
      const std::size_t w = hand.fetch_add(1, std::memory_order_relaxed) % Ways;
      std::uint64_t m = set[w].meta.load(std::memory_order_relaxed);
      if ((m & busy_bit) != 0) continue;
      if ((m & ref_bit) != 0) {
        set[w].meta.compare_exchange_strong(m, m & ~ref_bit, std::memory_order_relaxed);
        continue;
      }
      victim = w;
      seen = m;
    }
    if (victim == Ways) return;
    entry& e = set[victim];
    if (!e.meta.compare_exchange_strong(seen, busy_bit, std::memory_order_acquire, std::memory_order_relaxed)) return;
    e.key.store(pack_key(k), std::memory_order_relaxed);
    e.meta.store(pack_meta(gen, k.op, d), std::memory_order_release);
  }

  /// Drops every entry whose subject or object is `handle` (a domain that stopped or changed).
  void drop(std::uint32_t handle) noexcept {
    for (auto& e : entries_) {
      std::uint64_t m = e.meta.load(std::memory_order_acquire);
      if ((m & valid_bit) == 0) continue;
      const std::uint64_t key = e.key.load(std::memory_order_relaxed);
      if (static_cast<std::uint32_t>(key >> 32) == handle || static_cast<std::uint32_t>(key) == handle)
        e.meta.compare_exchange_strong(m, 0, std::memory_order_relaxed);
    }
  }

  /// Empties the cache (used when the 32-bit generation tag wraps).
  void clear() noexcept {
    for (auto& e : entries_) e.meta.store(0, std::memory_order_relaxed);
  }

  /// Calls f(key, decision) for every entry valid under `gen` (for invariant checks and dumps).
  template <class F>
  void for_each(std::uint32_t gen, F&& f) const noexcept {
    for (const auto& e : entries_) {
      const std::uint64_t m = e.meta.load(std::memory_order_acquire);
      if ((m & valid_bit) == 0 || meta_gen(m) != gen) continue;
      const std::uint64_t key = e.key.load(std::memory_order_relaxed);
      f(cache_key{static_cast<std::uint32_t>(key >> 32), static_cast<std::uint32_t>(key), meta_op(m)},
        cached_decision{meta_decision(m), meta_denied_by(m)});
    }
  }

  /// Entries valid under `gen`.
  [[nodiscard]] std::size_t size(std::uint32_t gen) const noexcept {
    std::size_t n = 0;
    for_each(gen, [&](const cache_key&, const cached_decision&) { ++n; });
    return n;
  }

 private:
  // meta: [63:32] generation, [31:24] op, bit 18 busy, 17 ref, 16 valid, [15:8] denied_by,
  // [7:0] decision. The low 17 bits and the generation line up with shype::verdict.
  static constexpr unsigned op_shift = 24;
  static constexpr std::uint64_t valid_bit = 1u << 16;
  static constexpr std::uint64_t ref_bit = 1u << 17;
  static constexpr std::uint64_t busy_bit = 1u << 18;
  static constexpr std::uint64_t match_mask = 0xFFFFFFFF'FF000000ull | valid_bit;  // generation, op, valid
  static constexpr std::uint64_t hit_mask = 0xFFFFFFFF'00000000ull | valid_bit | 0xFFFF;

  struct entry {
    std::atomic<std::uint64_t> key{0};
    std::atomic<std::uint64_t> meta{0};
  };

  static constexpr std::uint64_t pack_key(const cache_key& k) noexcept {
    return (std::uint64_t{k.subject} << 32) | k.object;
  }
  static constexpr std::uint64_t pack_meta(std::uint32_t gen, std::uint8_t op, cached_decision d) noexcept {
    return (std::uint64_t{gen} << 32) | (std::uint64_t{op} << op_shift) | valid_bit | (std::uint64_t{d.denied_by} << 8) |
           (permitted(d.value) ? 1u : 0u);
  }
  static constexpr std::uint32_t meta_gen(std::uint64_t m) noexcept { return static_cast<std::uint32_t>(m >> 32); }
  static constexpr std::uint8_t meta_op(std::uint64_t m) noexcept { return static_cast<std::uint8_t>(m >> op_shift); }
  static constexpr std::uint8_t meta_denied_by(std::uint64_t m) noexcept { return static_cast<std::uint8_t>(m >> 8); }
  static constexpr decision meta_decision(std::uint64_t m) noexcept { return permit_if((m & 0xFF) != 0); }

  [[gnu::always_inline]] entry* set_of(const cache_key& k) noexcept {
    // Fibonacci hashing of (subject, object, op); the top bits pick the set.
    const std::uint64_t h = (pack_key(k) ^ (std::uint64_t{k.op} << 56)) * 0x9E3779B97F4A7C15ull;
    const std::size_t s = Sets == 1 ? 0 : static_cast<std::size_t>(h >> (64 - std::countr_zero(Sets)));
    return &entries_[s * Ways];
  }

  entry entries_[Sets * Ways];
  std::atomic<std::uint8_t> hands_[Sets] = {};
};

}  // namespace shype
