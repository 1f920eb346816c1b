// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::bell_lapadula<MaxCategories> — confidentiality: information only flows up.
//
// Each label carries a secrecy level and categories (the policy's MLS section). Information may
// flow from x to y only if y's secrecy dominates x's (no read up, no write down). A read-only
// grant flows from the granter to the mapper; an event channel or a read-write grant flows both
// ways, so it needs the two levels to dominate each other, i.e. to be equal.

#include <cstddef>

#include "decision.hpp"
#include "hook.hpp"
#include "label.hpp"
#include "load_error.hpp"
#include "policy_view.hpp"
#include "result.hpp"

namespace shype {

template <std::size_t MaxCategories>
struct bell_lapadula {
  static constexpr const char name[] = "bell_lapadula";
  static constexpr hook_kind hooks = hook_kind::sharing | hook_kind::access;

  /// The rule: may information flow from a label at `from` to one at `to`?
  template <class A, class B>
  [[nodiscard]] static constexpr bool may_flow(const A& from, const B& to) noexcept {
    return dominates(to.secrecy(), from.secrecy());
  }

  template <class L>
  [[nodiscard]] constexpr decision share(const policy_view&, const share_request<L>& r) const noexcept {
    const bool fwd = may_flow(r.subject, r.object);
    return permit_if(r.direction == flow::forward ? fwd : fwd && may_flow(r.object, r.subject));
  }

  template <class L, class R>
  [[nodiscard]] constexpr decision access(const policy_view&, const access_request<L, R>& r) const noexcept {
    const bool read = may_flow(r.resource, r.subject);
    return permit_if(r.mode == access_mode::read ? read : read && may_flow(r.subject, r.resource));
  }

  [[nodiscard]] constexpr result<void, load_error> accepts(const policy_view& v) const noexcept {
    if (!v.has_mls()) return failure(load_error(errc::missing_section, policy_section::mls));
    if (v.category_count() > MaxCategories) return failure(load_error(errc::too_large, policy_section::mls));
    return success;
  }
};

}  // namespace shype
