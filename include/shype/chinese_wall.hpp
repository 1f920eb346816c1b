// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::chinese_wall<MaxTypes> — workloads that must never share a host.
//
// A conflict set lists CW types of which at most one may be running on this host at a time;
// a domain whose label touches a conflict set may not start (create, restore, migrate in) while
// a running domain holds another type of that set (paper, sections 4.1 and 4.3.3). The state is
// the paper's "Running CW Types" reference counts, plus `blocked`: every type that would conflict
// with what runs now. With `blocked` kept up to date when a count goes 0->1 or 1->0, the start
// check is a single AND of the label's CW set with it — the same cost whatever the number of
// conflict sets. prepare() reserves the label's types so that a concurrent or stacked start sees
// them; abort() gives them back (Xen ACM's pre/post/fail pattern).

#include <cstddef>
#include <cstdint>

#include "decision.hpp"
#include "hook.hpp"
#include "load_error.hpp"
#include "policy_view.hpp"
#include "result.hpp"
#include "type_set.hpp"

namespace shype {

template <std::size_t MaxTypes>
struct chinese_wall {
  static constexpr const char name[] = "chinese_wall";
  static constexpr hook_kind hooks = hook_kind::placement;
  static constexpr std::size_t max_types = MaxTypes;

  struct state_type {
    std::uint32_t running[MaxTypes == 0 ? 1 : MaxTypes] = {};  ///< running domains per CW type
    type_set<MaxTypes> running_types{};                        ///< types with a non-zero count
    type_set<MaxTypes> blocked{};                              ///< types that would conflict now
  };

  /// The rule itself: would a label with these CW types conflict with what is running?
  template <word_set S>
  [[nodiscard]] static constexpr decision permits(const state_type& s, const S& cw) noexcept {
    return permit_if(!intersects(cw, s.blocked));
  }

  template <class L>
  [[nodiscard]] constexpr decision prepare(state_type& s, const policy_view& v, const L& label) const noexcept {
    if (!v.has_cw()) return decision::permit;
    if (permits(s, label.cw()) == decision::deny) return decision::deny;
    acquire(s, v, label.cw());
    return decision::permit;
  }
  template <class L>
  constexpr void commit(state_type&, const policy_view&, const L&) const noexcept {}  // prepare reserved
  template <class L>
  constexpr void abort(state_type& s, const policy_view& v, const L& label) const noexcept {
    if (v.has_cw()) drop(s, v, label.cw());
  }
  template <class L>
  constexpr void release(state_type& s, const policy_view& v, const L& label) const noexcept {
    if (v.has_cw()) drop(s, v, label.cw());
  }
  constexpr void reset(state_type& s, const policy_view&) const noexcept { s = state_type{}; }

  [[nodiscard]] constexpr result<void, load_error> accepts(const policy_view& v) const noexcept {
    if (v.cw_type_count() > MaxTypes) return failure(load_error(errc::too_large, policy_section::cw_types));
    return success;
  }

 private:
  template <word_set S>
  static constexpr void acquire(state_type& s, const policy_view& v, const S& cw) noexcept {
    bool changed = false;
    for_each_type(cw, [&](std::size_t t) {
      if (t < MaxTypes && s.running[t]++ == 0) {
        s.running_types.insert(t);
        changed = true;
      }
    });
    if (changed) recompute_blocked(s, v);
  }
  template <word_set S>
  static constexpr void drop(state_type& s, const policy_view& v, const S& cw) noexcept {
    bool changed = false;
    for_each_type(cw, [&](std::size_t t) {
      if (t < MaxTypes && s.running[t] != 0 && --s.running[t] == 0) {
        s.running_types.erase(t);
        changed = true;
      }
    });
    if (changed) recompute_blocked(s, v);
  }
  /// b is blocked iff some conflict set holds b and a running type other than b.
  static constexpr void recompute_blocked(state_type& s, const policy_view& v) noexcept {
    s.blocked.clear();
    for (std::size_t k = 0; k < v.conflict_set_count(); ++k) {
      const auto set = type_set<MaxTypes>::from(v.conflict_set(k).types());
      const auto run = set & s.running_types;
      const std::size_t n = count(run);
      if (n >= 2) s.blocked |= set;
      else if (n == 1) s.blocked |= set - run;
    }
  }
};

}  // namespace shype
