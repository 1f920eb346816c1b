// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::binding_groups<Groups> — the binding registry's index by (kind, subject domain,
// object): every live binding of one such triple gets the same decision from any policy, so a
// policy change decides each occupied triple once (the plan) and touches only the bindings of
// triples whose decision flipped (the apply), not a million bindings one by one.
//
// A fixed pool of `Groups` records (free list, stable indices) and an open-addressed hash table
// of twice as many slots (linear probing, deletion by backward shift: no tombstones). A record
// counts its live bindings and is freed when the last one goes. When the pool is full a new
// triple gets no group (`none`): the registry counts such bindings and a policy change then
// falls back to deciding every binding one by one (still correct, only slower).
//
// While a change plans, the pool logs the groups created meanwhile (hooks keep binding), so the
// apply decides those too; if more were created than the log holds, it rescans every group.

#include <bit>
#include <cstddef>
#include <cstdint>

namespace shype::detail {

template <std::size_t Groups>
class binding_groups {
  static_assert(Groups >= 1 && Groups < 0x80000000u, "monitor_limits: binding_groups out of range");

 public:
  static constexpr std::uint32_t none = 0xFFFFFFFF;
  enum class fate : std::uint8_t { keep, revoke, rename };

  static constexpr std::uint64_t key(std::uint8_t kind, std::uint16_t subject, std::uint32_t object) noexcept {
    return (std::uint64_t{kind} << 48) | (std::uint64_t{subject} << 32) | object;
  }

  /// The group of `k` with one more binding, created if needed; none when the pool is full.
  constexpr std::uint32_t join(std::uint64_t k) noexcept {
    std::size_t s = home(k);
    for (; slot_[s] != 0; s = (s + 1) & (slots - 1))
      if (key_[slot_[s] - 1] == k) {
        ++count_[slot_[s] - 1];
        return slot_[s] - 1;
      }
    std::uint32_t i;
    if (free_ != none) {
      i = free_;
      free_ = next_[i];
    } else if (high_ < Groups) {
      i = high_++;
    } else {
      return none;
    }
    key_[i] = k;
    count_[i] = 1;
    pass_of_[i] = 0;
    fate_[i] = fate::keep;
    slot_[s] = i + 1;
    if (tracking_) {
      if (fresh_n_ < fresh_cap) fresh_[fresh_n_] = i;
      ++fresh_n_;
    }
    return i;
  }
  /// One binding of group i goes; the last one frees the group.
  constexpr void leave(std::uint32_t i) noexcept {
    if (--count_[i] != 0) return;
    erase(i);
    pass_of_[i] = 0;
    next_[i] = free_;
    free_ = i;
  }
  /// Group i now stands for key k (a renamed object); several groups may share a key.
  constexpr void rekey(std::uint32_t i, std::uint64_t k) noexcept {
    erase(i);
    key_[i] = k;
    std::size_t s = home(k);
    while (slot_[s] != 0) s = (s + 1) & (slots - 1);
    slot_[s] = i + 1;
  }

  /// Group i's (kind, subject, object), as key() made it.
  [[nodiscard]] constexpr std::uint64_t key_of(std::uint32_t i) const noexcept { return key_[i]; }
  /// Group i's live bindings (0: the group is free).
  [[nodiscard]] constexpr std::uint32_t count(std::uint32_t i) const noexcept { return count_[i]; }
  /// What the change planning pass `pass` decided for group i, and the object's id under the
  /// new policy (for a rename). Read by the apply per binding: one byte a group, so the table
  /// of a quarter million groups stays in a CPU's cache.
  [[nodiscard]] constexpr fate fate_of(std::uint32_t i) const noexcept { return fate_[i]; }
  [[nodiscard]] constexpr std::uint32_t next_object(std::uint32_t i) const noexcept { return next_[i]; }
  [[nodiscard]] constexpr bool decided(std::uint32_t i, std::uint32_t pass) const noexcept { return pass_of_[i] == pass; }
  constexpr void decide(std::uint32_t i, std::uint32_t pass, fate f, std::uint32_t next_object) noexcept {
    pass_of_[i] = pass;
    fate_[i] = f;
    next_[i] = next_object;
  }
  /// Records ever used: every occupied group is below (a scan's bound).
  [[nodiscard]] constexpr std::uint32_t high() const noexcept { return high_; }

  /// A change starts planning: a new pass number (never 0), and groups created from now on are
  /// logged until end_pass().
  constexpr std::uint32_t begin_pass() noexcept {
    if (++pass_ == 0) {  // wrapped: no record may carry an old pass that matches again
      for (std::uint32_t i = 0; i < high_; ++i) pass_of_[i] = 0;
      pass_ = 1;
    }
    tracking_ = true;
    fresh_n_ = 0;
    return pass_;
  }
  constexpr void end_pass() noexcept { tracking_ = false; }
  /// Calls f(i) for every occupied group the pass has not decided (created while it planned).
  template <class F>
  constexpr void for_each_undecided(std::uint32_t pass, F&& f) noexcept {
    const bool all = fresh_n_ > fresh_cap;
    const std::uint32_t n = all ? high_ : static_cast<std::uint32_t>(fresh_n_);
    for (std::uint32_t k = 0; k < n; ++k) {
      const std::uint32_t i = all ? k : fresh_[k];
      if (count_[i] != 0 && pass_of_[i] != pass) f(i);
    }
  }

  constexpr void clear() noexcept {
    for (auto& s : slot_) s = 0;
    free_ = none;
    high_ = 0;
    fresh_n_ = 0;
  }

 private:
  static constexpr std::size_t slots = std::bit_ceil(2 * Groups);
  static constexpr std::size_t fresh_cap = 64;

  static constexpr std::size_t home(std::uint64_t k) noexcept {
    return static_cast<std::size_t>((k * 0x9E3779B97F4A7C15ull) >> 32) & (slots - 1);
  }
  /// Takes group i's slot out of the table, shifting back the entries its probe sequence held.
  constexpr void erase(std::uint32_t i) noexcept {
    std::size_t s = home(key_[i]);
    while (slot_[s] != i + 1) s = (s + 1) & (slots - 1);
    for (std::size_t next = (s + 1) & (slots - 1);; next = (next + 1) & (slots - 1)) {
      if (slot_[next] == 0) break;
      const std::size_t h = home(key_[slot_[next] - 1]);
      // The entry at `next` may move to `s` unless its home lies cyclically in (s, next].
      const bool stays = s <= next ? (s < h && h <= next) : (s < h || h <= next);
      if (stays) continue;
      slot_[s] = slot_[next];
      s = next;
    }
    slot_[s] = 0;
  }

  // Structure of arrays: the apply's pass over the bindings reads fate_ only.
  std::uint64_t key_[Groups] = {};      // kind << 48 | subject << 32 | object
  std::uint32_t count_[Groups] = {};    // live bindings (0: free)
  std::uint32_t pass_of_[Groups] = {};  // the pass that decided fate_ (0: none)
  std::uint32_t next_[Groups] = {};     // rename: the object's new id; free: the next free group
  fate fate_[Groups] = {};
  std::uint32_t slot_[slots] = {};  // group index + 1, 0: empty
  std::uint32_t free_ = none;
  std::uint32_t high_ = 0;
  std::uint32_t pass_ = 0;
  bool tracking_ = false;
  std::size_t fresh_n_ = 0;
  std::uint32_t fresh_[fresh_cap] = {};
};

}  // namespace shype::detail
