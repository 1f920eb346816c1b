// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::hit_path — the read side of a monitor: what a cached hook decision touches.
//
// FLASK keeps its cache (avc.c) apart from the security server; this is ours. It holds the
// policy generation that tags every cache entry (a change bumps it, so nothing decided under an
// older policy can match), the live handle of every domain (incarnation << 16 | id while
// running, else 0: a new incarnation makes the old one's entries unreachable), and, for
// smp_locking, the writers' sequence count (odd while a writer runs) that lets a reader take a
// cached permit with no lock at all. It decides nothing: a miss goes back to the monitor.
//
// Two levels. In front, the permit table: per sharing hook and subject domain, PermitSlots
// words indexed by the object's id, each the tag of an object the subject may reach (~id as 32
// bits: never 0) or 0 (empty). A cached permit is a compare of one word against the requested
// id — Xen ACM's per-domain ste_cache, direct mapped — with no load of the object's state and
// no bounds check on the object: a word names the whole 16-bit id it was remembered for, so an
// id beyond the domain table matches no word. Behind it, the set-associative decision_cache
// keeps denials, resource decisions and whatever a table slot lost to another object. The table
// holds neither generation nor incarnation, so a writer empties what it makes stale, under the
// exclusive lock: a policy change every running domain's row; a domain whose live handle
// changes (it stops, starts or is relabelled) its own row and its tag from every row.

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "../decision.hpp"
#include "../decision_cache.hpp"
#include "../hook.hpp"
#include "../ids.hpp"
#include "../verdict.hpp"

namespace shype::detail {

template <std::size_t MaxDomains, std::size_t Sets, std::size_t Ways, std::size_t PermitSlots>
class hit_path {
  static_assert(PermitSlots == 0 || std::has_single_bit(PermitSlots), "monitor_limits: permit_slots must be 0 or a power of two");

 public:
  using cache_t = decision_cache<Sets, Ways>;
  static constexpr bool has_permits = PermitSlots != 0;

  /// Domain d's live handle (0: not running). The critical path's one load per domain.
  [[nodiscard]] std::uint32_t live(domid_t d) const noexcept { return live_[d].load(std::memory_order_relaxed); }
  /// Writers only (under the monitor's exclusive lock). A domain whose handle changes (start,
  /// stop, relabel) loses its row of permits, and its old handle leaves every other row.
  void set_live(domid_t d, std::uint32_t handle) noexcept {
    const std::uint32_t old = live(d);
    if (old == handle) return;
    if constexpr (has_permits) {
      clear_row(d);
      if (old != 0) forget_object(d);
    }
    live_[d].store(handle, std::memory_order_relaxed);
  }

  // --- the permit table ----------------------------------------------------------------------------

  /// Has the sharing hook `op` from s to o a cached permit? A leaf of the critical path: the
  /// subject's bounds check and one word compared with the object's tag. Reads nothing a writer
  /// frees.
  template <hook Op>
  [[nodiscard, gnu::always_inline]] bool permitted(domid_t s, domid_t o) const noexcept {
    if constexpr (!has_permits) {
      return false;
    } else {
      if (s >= MaxDomains) [[unlikely]] return false;
      return word(op_row(Op), s, o).load(std::memory_order_relaxed) == tag(o);
    }
  }
  /// Remembers a permit of `op` from s to o, both running (under the monitor's lock, shared: a
  /// writer, who empties rows, cannot run meanwhile).
  void remember_permit(hook op, domid_t s, domid_t o) noexcept {
    if constexpr (has_permits) {
      if (is_sharing(op)) word(op_row(op), s, o).store(tag(o), std::memory_order_relaxed);
    }
  }
  /// Does the table hold a permit of `op` from s to o (introspection; any operation)?
  [[nodiscard]] bool holds_permit(hook op, domid_t s, domid_t o) const noexcept {
    if constexpr (has_permits) {
      if (!is_sharing(op) || s >= MaxDomains) return false;
      return word(op_row(op), s, o).load(std::memory_order_relaxed) == tag(o);
    } else {
      return false;
    }
  }
  /// Calls f(subject, object, op) for every permit in the table (invariant checks).
  template <class F>
  void for_each_permit(F&& f) const noexcept {
    if constexpr (has_permits) {
      for (std::uint8_t r = 0; r < sharing_hooks; ++r)
        for (std::size_t s = 0; s < MaxDomains; ++s)
          for (const auto& w : permits_[r][s]) {
            const std::uint32_t v = w.load(std::memory_order_relaxed);
            if (v != 0) f(static_cast<domid_t>(s), static_cast<domid_t>(~v & 0xFFFF), static_cast<hook>(r + first_sharing));
          }
    }
  }
  /// Calls f(subject, object, op, cached_decision) once for every decision cached under the
  /// generation in force for a domain that still runs the incarnation it was decided for: the
  /// table's permits, then the cache's entries the table does not hold.
  template <class F>
  void for_each_cached(F&& f) const noexcept {
    for_each_permit([&](domid_t s, domid_t o, hook op) {
      f(s, std::uint32_t{o}, static_cast<std::uint8_t>(op), cached_decision{decision::permit, verdict::none});
    });
    cache_.for_each(gen(), [&](const cache_key& k, const cached_decision& d) {
      const auto s = static_cast<domid_t>(k.subject & 0xFFFF);
      if (s >= MaxDomains || live(s) != k.subject) return;
      const auto o = static_cast<domid_t>(k.object & 0xFFFF);
      if (shype::permitted(d.value) && holds_permit(static_cast<hook>(k.op), s, o)) return;  // reported above
      f(s, k.object & 0xFFFF, k.op, d);
    });
  }
  /// The verdict of a cached permit under the generation in force, as a word: kept whole, one
  /// load (result<verdict>::from_word), never 0.
  [[nodiscard, gnu::always_inline]] std::uint64_t permit_word() const noexcept {
    return permit_word_.load(std::memory_order_relaxed);
  }

  /// The generation in force (0: no policy).
  [[nodiscard]] generation_t gen() const noexcept { return gen_.load(std::memory_order_relaxed); }
  /// The first policy is generation 1 (writers only).
  void first_generation() noexcept { set_gen(1); }
  /// A policy change: the next generation. On wrap-around it skips 0 ("no policy") and empties
  /// the cache, whose old tags could otherwise match again (writers only).
  void next_generation() noexcept {
    generation_t next = gen() + 1;
    if (next == 0) {
      next = 1;
      cache_.clear();
    }
    set_gen(next);
    if constexpr (has_permits) {
      for (std::size_t d = 0; d < MaxDomains; ++d)  // only running domains have permits
        if (live(static_cast<domid_t>(d)) != 0) clear_row(static_cast<domid_t>(d));
    }
  }

  [[nodiscard]] cache_t& cache() noexcept { return cache_; }
  [[nodiscard]] const cache_t& cache() const noexcept { return cache_; }
  /// The cache's word for `k` under the generation in force (0: miss).
  [[nodiscard, gnu::always_inline]] std::uint64_t probe(const cache_key& k) noexcept { return cache_.probe(k, gen()); }

  /// A verdict from a cache hit: the cache's word has the verdict's layout (decision_cache.hpp),
  /// so a little-endian host reinterprets it; others read it field by field.
  [[nodiscard]] static verdict hit_verdict(std::uint64_t w) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
      return std::bit_cast<verdict>(w);
    } else {
      return verdict_of_fields(w);
    }
  }
  /// The cache word's fields one by one: what hit_verdict does on a big-endian host, compared
  /// with the reinterpretation on every little-endian test run (hit_path_test.cpp).
  [[nodiscard]] static constexpr verdict verdict_of_fields(std::uint64_t w) noexcept {
    return verdict::make(permit_if((w & 0xFF) != 0), static_cast<std::uint8_t>(w >> 8), true, static_cast<generation_t>(w >> 32));
  }

  // --- smp_locking: readers that take no lock ---------------------------------------------------

  /// Starts an optimistic read: the sequence count to check against afterwards.
  [[nodiscard, gnu::always_inline]] std::uint32_t read_begin() const noexcept { return seq_.load(std::memory_order_acquire); }
  /// smp_locking's critical path: a cached permit of the table read with no lock, accepted only
  /// if no writer (domain operation, relabel, policy change) ran meanwhile (the count, read into
  /// `seq`, is even and unchanged): its verdict's word, or 0 for "take the locked path" (a miss,
  /// a writer, a denial to audit, an error to report). Touches no policy bytes, so a concurrent
  /// change cannot make it read memory the caller has freed.
  template <hook Op>
  [[nodiscard, gnu::always_inline]] std::uint64_t optimistic_permit(domid_t s, domid_t o, std::uint32_t& seq) const noexcept {
    seq = read_begin();
    if ((seq & 1) != 0 || !permitted<Op>(s, o)) return 0;
    const std::uint64_t w = permit_word();
    std::atomic_thread_fence(std::memory_order_acquire);
    if (seq_.load(std::memory_order_relaxed) != seq) return 0;
    return w;
  }
  /// A cached decision read with no lock, accepted only if no writer ran meanwhile (the count is
  /// even and unchanged). Returns a denial meaning "take the locked path" on a miss, a writer or
  /// a domain that is not running. Touches no policy bytes.
  [[nodiscard, gnu::always_inline]] verdict optimistic_probe(const cache_key& k) noexcept {
    const std::uint32_t seq = read_begin();
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
  static constexpr std::uint8_t first_sharing = static_cast<std::uint8_t>(hook::evtchn_unbound);
  static constexpr std::uint8_t sharing_hooks = static_cast<std::uint8_t>(hook::grant_copy) - first_sharing + 1;
  static constexpr bool is_sharing(hook op) noexcept {
    return static_cast<std::uint8_t>(op) >= first_sharing && static_cast<std::uint8_t>(op) < first_sharing + sharing_hooks;
  }
  static constexpr std::size_t op_row(hook op) noexcept { return static_cast<std::uint8_t>(op) - first_sharing; }
  static constexpr std::size_t rows = has_permits ? MaxDomains : 0;
  static constexpr std::size_t slots = has_permits ? PermitSlots : 1;

  /// The table's word for (hook row, subject, object): the object's id picks the slot.
  [[nodiscard, gnu::always_inline]] std::atomic<std::uint32_t>& word(std::size_t row, domid_t s, domid_t o) noexcept {
    return permits_[row][std::size_t{s}][std::size_t{o} & (slots - 1)];
  }
  [[nodiscard, gnu::always_inline]] const std::atomic<std::uint32_t>& word(std::size_t row, domid_t s, domid_t o) const noexcept {
    return permits_[row][std::size_t{s}][std::size_t{o} & (slots - 1)];
  }
  void set_gen(generation_t g) noexcept {
    gen_.store(g, std::memory_order_relaxed);
    permit_word_.store(std::bit_cast<std::uint64_t>(verdict::make(decision::permit, verdict::none, true, g)),
                       std::memory_order_relaxed);
  }
  void clear_row(domid_t d) noexcept {
    for (auto& r : permits_)
      for (auto& w : r[d]) w.store(0, std::memory_order_relaxed);
  }
  /// A word's value for a permitted object: its id, complemented as 32 bits (never 0, the empty
  /// word). One instruction from the id; no state of the object is read.
  [[nodiscard, gnu::always_inline]] static constexpr std::uint32_t tag(domid_t o) noexcept { return ~std::uint32_t{o}; }
  /// Removes domain d (whose life ended or whose label changed) from every row: the words know
  /// only its id, so a permit of its earlier life must not outlive it.
  void forget_object(domid_t d) noexcept {
    for (auto& r : permits_)
      for (auto& row : r) {
        auto& w = row[std::size_t{d} & (slots - 1)];
        if (w.load(std::memory_order_relaxed) == tag(d)) w.store(0, std::memory_order_relaxed);
      }
  }

  // The critical path's words first, so one base register reaches them all.
  // [sharing hook][subject][object id mod slots]: tag of a permitted object, or 0.
  std::atomic<std::uint32_t> permits_[sharing_hooks][rows == 0 ? 1 : rows][slots] = {};
  std::atomic<std::uint32_t> live_[MaxDomains] = {};  // live handles (0: not running)
  std::atomic<std::uint64_t> permit_word_{0};  // permit_word()'s value under gen_
  std::atomic<generation_t> gen_{0};
  std::atomic<std::uint32_t> seq_{0};  // odd while a writer changes state (smp_locking)
  cache_t cache_{};
};

}  // namespace shype::detail
