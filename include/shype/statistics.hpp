// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::statistics — what the monitor did, per hook class.
//
// For each class (domain, evtchn, grant, resource, query, management): cache hits, misses (a
// fresh evaluation), denials, errors (requests that could not be evaluated) and revocations.
// Evaluations are hits + misses by definition, so they are derived rather than counted twice.
// Counters are atomics or plain integers, and sharded per CPU or not, as the locking policy says.

#include <cstddef>
#include <cstdint>

#include "hook.hpp"

namespace shype {

/// One class's counters, as read at one moment.
struct hook_counters {
  std::uint64_t hits = 0, misses = 0, denials = 0, errors = 0, revocations = 0;
  [[nodiscard]] constexpr std::uint64_t evaluations() const noexcept { return hits + misses; }
  friend constexpr bool operator==(const hook_counters&, const hook_counters&) noexcept = default;
};

/// All classes, as read at one moment.
struct stats_snapshot {
  hook_counters by_class[hook_class_count] = {};
  [[nodiscard]] constexpr const hook_counters& operator[](hook_class c) const noexcept {
    return by_class[static_cast<std::uint8_t>(c)];
  }
  [[nodiscard]] constexpr hook_counters total() const noexcept {
    hook_counters t;
    for (const auto& c : by_class) {
      t.hits += c.hits;
      t.misses += c.misses;
      t.denials += c.denials;
      t.errors += c.errors;
      t.revocations += c.revocations;
    }
    return t;
  }
};

/// The counters of a monitor, split into Locking::stat_shards cache-line-aligned shards (one
/// with no_locking): a hook adds to its CPU's shard, a snapshot sums them all.
template <class Locking>
class statistics {
  using counter = typename Locking::counter;
  static constexpr std::size_t shards = Locking::stat_shards;
  static_assert(shards >= 1, "statistics: at least one shard");

 public:
  constexpr statistics() noexcept = default;

  void hit(hook_class c) noexcept { at(c).hits.add(); }
  /// A hit on the critical path: added to this CPU's shard without a locked instruction.
  void hit_local(hook_class c) noexcept { at(c).hits.add_local(); }
  void miss(hook_class c) noexcept { at(c).misses.add(); }
  void denial(hook_class c) noexcept { at(c).denials.add(); }
  void error(hook_class c) noexcept { at(c).errors.add(); }
  void revocations(hook_class c, std::uint64_t n) noexcept { at(c).revocations.add(n); }

  [[nodiscard]] stats_snapshot snapshot() const noexcept {
    stats_snapshot s;
    for (const auto& sh : s_) {
      for (std::uint8_t i = 0; i < hook_class_count; ++i) {
        const auto& c = sh.c[i];
        auto& t = s.by_class[i];
        t.hits += c.hits.get();
        t.misses += c.misses.get();
        t.denials += c.denials.get();
        t.errors += c.errors.get();
        t.revocations += c.revocations.get();
      }
    }
    return s;
  }
  void reset() noexcept {
    for (auto& sh : s_) {
      for (auto& c : sh.c) {
        c.hits.reset();
        c.misses.reset();
        c.denials.reset();
        c.errors.reset();
        c.revocations.reset();
      }
    }
  }

 private:
  struct counters {
    counter hits, misses, denials, errors, revocations;
  };
  struct alignas(64) shard_counters {  // one CPU's counters never share a cache line with another's
    counters c[hook_class_count];
  };
  counters& at(hook_class c) noexcept {
    if constexpr (shards == 1) return s_[0].c[static_cast<std::uint8_t>(c)];
    else return s_[Locking::stat_shard() % shards].c[static_cast<std::uint8_t>(c)];
  }
  shard_counters s_[shards];
};

}  // namespace shype
