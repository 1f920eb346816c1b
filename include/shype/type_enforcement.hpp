// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::type_enforcement<MaxTypes, MaxLabels> — coalitions.
//
// Two VMs may share an event channel or memory, and a VM may use a labelled resource, only if
// they have a TE type in common, i.e. belong to a common coalition (paper, section 4.1). The
// decision is an n-bit AND of the two labels' TE sets (section 4.3.3). A policy without a
// SimpleTypeEnforcement section does not restrict sharing.
//
// With MaxLabels > 0 the policy keeps a te_table (te_table.hpp) of every VM label pair of the
// policy in force, and one being built for the next: stage() builds it before a change,
// install() switches to it with the policy. Sharing between VM labels then reads one bit; the
// rule decides whatever the table was not built for (resources, another policy), so a table is
// never consulted for a policy it does not describe. A policy with more VM labels than
// MaxLabels is refused, as one with more types than MaxTypes is.

#include <cstddef>

#include "decision.hpp"
#include "hook.hpp"
#include "ids.hpp"
#include "load_error.hpp"
#include "policy_view.hpp"
#include "result.hpp"
#include "te_table.hpp"
#include "type_set.hpp"

namespace shype {

namespace detail {
/// The tables of a type_enforcement: the one in force and the one being staged. `in_force`
/// points into `slot` (one load on the decision path), so the pair is neither copied nor moved.
template <std::size_t MaxTypes, std::size_t MaxLabels>
struct te_tables {
  constexpr te_tables() noexcept = default;
  te_tables(const te_tables&) = delete;
  te_tables& operator=(const te_tables&) = delete;

  te_table<MaxTypes, MaxLabels> slot[2]{};
  const te_table<MaxTypes, MaxLabels>* in_force = &slot[0];
  [[nodiscard]] constexpr te_table<MaxTypes, MaxLabels>& staged() noexcept { return slot[in_force == &slot[0] ? 1 : 0]; }
};
template <std::size_t MaxTypes>
struct te_tables<MaxTypes, 0> {};
}  // namespace detail

template <std::size_t MaxTypes, std::size_t MaxLabels = 0>
struct type_enforcement {
  static constexpr const char name[] = "type_enforcement";
  static constexpr hook_kind hooks = hook_kind::sharing | hook_kind::access;
  static constexpr std::size_t max_types = MaxTypes;
  /// VM labels of the decision table (0: no table, every decision by the rule).
  static constexpr std::size_t max_labels = MaxLabels;

  /// The rule itself: do the two TE sets intersect?
  template <word_set A, word_set B>
  [[nodiscard]] static constexpr decision permits(const A& a, const B& b) noexcept {
    return permit_if(intersects(a, b));
  }

  template <class L>
  [[nodiscard]] constexpr decision share(const policy_view& v, const share_request<L>& r) const noexcept {
    if constexpr (MaxLabels != 0 && requires { r.subject.id(); }) {
      return decide(v, r.subject.id(), r.object.id());  // by id: the label views need not be built
    } else {
      return rule(v, r.subject, r.object);
    }
  }

  /// The decision between VM labels a and b of `v` (ids below v.vm_label_count(), else deny):
  /// the table's bit if it was built for `v`, else the rule.
  [[nodiscard]] constexpr decision decide(const policy_view& v, label_id a, label_id b) const noexcept {
    if constexpr (MaxLabels != 0) {
      if (const auto& t = *tables_.in_force; t.built_for(v)) [[likely]] return t.permits(a, b);
    }
    return by_rule(v, a, b);
  }

  /// Builds the table of `v` beside the one in force (before a change; readers of the policy in
  /// force are not affected). `v` has been accepted.
  constexpr void stage(const policy_view& v) noexcept {
    if constexpr (MaxLabels != 0) (void)tables_.staged().build(v);
  }
  /// `v` becomes the policy in force: its staged table is used from now on (built here if it
  /// was not staged). Cannot fail: a table that could not be built is empty and the rule decides.
  constexpr void install(const policy_view& v) noexcept {
    if constexpr (MaxLabels != 0) {
      auto& next = tables_.staged();
      if (!next.built_for(v)) (void)next.build(v);
      tables_.in_force = &next;
    }
  }

  template <class L, class R>
  [[nodiscard]] constexpr decision access(const policy_view& v, const access_request<L, R>& r) const noexcept {
    if (!v.has_te()) return decision::permit;
    return permits(r.subject.te(), r.resource.te());
  }

  [[nodiscard]] constexpr result<void, load_error> accepts(const policy_view& v) const noexcept {
    if (v.te_type_count() > MaxTypes) return failure(load_error(errc::too_large, policy_section::te_types));
    if (MaxLabels != 0 && v.vm_label_count() > MaxLabels) return failure(load_error(errc::too_large, policy_section::vm_labels));
    return success;
  }

 private:
  template <class L>
  [[nodiscard]] static constexpr decision rule(const policy_view& v, const L& a, const L& b) noexcept {
    if (!v.has_te()) return decision::permit;
    return permits(a.te(), b.te());
  }
  [[nodiscard]] static constexpr decision rule(const policy_view& v, label_id a, label_id b) noexcept {
    if (a >= v.vm_label_count() || b >= v.vm_label_count()) return decision::deny;
    if (!v.has_te()) return decision::permit;
    return permits(v.vm_label(a).te(), v.vm_label(b).te());
  }
  // With a table the rule is the rare path: out of line, so the table's path needs no stack frame.
  [[nodiscard]] static constexpr decision by_rule(const policy_view& v, label_id a, label_id b) noexcept {
    if constexpr (MaxLabels == 0) return rule(v, a, b);
    else return cold_rule(v, a, b);
  }
  [[nodiscard, gnu::noinline, gnu::cold]] static constexpr decision cold_rule(const policy_view& v, label_id a, label_id b) noexcept {
    return rule(v, a, b);
  }

  [[no_unique_address]] detail::te_tables<MaxTypes, MaxLabels> tables_{};
};

}  // namespace shype
