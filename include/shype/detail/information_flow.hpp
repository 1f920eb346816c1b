// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::information_flow<Order, MaxCategories> — Bell-LaPadula and Biba, said once.
//
// Both order the labels by one level of the policy's MLS section and let information flow only
// one way along that order; Biba is the dual of Bell-LaPadula, so they differ in nothing but
// the order (may_flow): secrecy may only rise, integrity may only fall. The public names are
// shype::bell_lapadula (bell_lapadula.hpp) and shype::biba (biba.hpp).
//
// A read-only grant flows from the granter to the mapper, a resource read from the resource to
// the domain; an event channel, a read-write grant or a read-write access flows both ways, so it
// needs the two levels to dominate each other, i.e. to be equal.

#include <cstddef>

#include "../decision.hpp"
#include "../hook.hpp"
#include "../label.hpp"
#include "../load_error.hpp"
#include "../policy_view.hpp"
#include "../result.hpp"

namespace shype::detail {

/// Which way information may flow along the MLS order.
enum class flow_order : bool {
  secrecy_rises,    ///< Bell-LaPadula: from x to y only if y's secrecy dominates x's (no read up, no write down)
  integrity_falls,  ///< Biba: from x to y only if x's integrity dominates y's (no read down, no write up)
};

template <flow_order Order, std::size_t MaxCategories>
struct information_flow {
  static constexpr const char* name = Order == flow_order::secrecy_rises ? "bell_lapadula" : "biba";
  static constexpr hook_kind hooks = hook_kind::sharing | hook_kind::access;

  /// The rule: may information flow from a label at `from` to one at `to`?
  template <class A, class B>
  [[nodiscard]] static constexpr bool may_flow(const A& from, const B& to) noexcept {
    if constexpr (Order == flow_order::secrecy_rises)
      return dominates(to.secrecy(), from.secrecy());
    else
      return dominates(from.integrity(), to.integrity());
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

  /// The policy must have an MLS section with no more categories than MaxCategories.
  [[nodiscard]] constexpr result<void, load_error> accepts(const policy_view& v) const noexcept {
    if (!v.has_mls()) return failure(load_error(errc::missing_section, policy_section::mls));
    if (v.category_count() > MaxCategories) return failure(load_error(errc::too_large, policy_section::mls));
    return success;
  }
};

}  // namespace shype::detail
