// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::type_enforcement<MaxTypes> — coalitions.
//
// Two VMs may share an event channel or memory, and a VM may use a labelled resource, only if
// they have a TE type in common, i.e. belong to a common coalition (paper, section 4.1). The
// decision is an n-bit AND of the two labels' TE sets (section 4.3.3). A policy without a
// SimpleTypeEnforcement section does not restrict sharing.

#include <cstddef>

#include "decision.hpp"
#include "hook.hpp"
#include "load_error.hpp"
#include "policy_view.hpp"
#include "result.hpp"
#include "type_set.hpp"

namespace shype {

template <std::size_t MaxTypes>
struct type_enforcement {
  static constexpr const char name[] = "type_enforcement";
  static constexpr hook_kind hooks = hook_kind::sharing | hook_kind::access;
  static constexpr std::size_t max_types = MaxTypes;

  /// The rule itself: do the two TE sets intersect?
  template <word_set A, word_set B>
  [[nodiscard]] static constexpr decision permits(const A& a, const B& b) noexcept {
    return permit_if(intersects(a, b));
  }

  template <class L>
  [[nodiscard]] constexpr decision share(const policy_view& v, const share_request<L>& r) const noexcept {
    if (!v.has_te()) return decision::permit;
    return permits(r.subject.te(), r.object.te());
  }

  template <class L, class R>
  [[nodiscard]] constexpr decision access(const policy_view& v, const access_request<L, R>& r) const noexcept {
    if (!v.has_te()) return decision::permit;
    return permits(r.subject.te(), r.resource.te());
  }

  [[nodiscard]] constexpr result<void, load_error> accepts(const policy_view& v) const noexcept {
    if (v.te_type_count() > MaxTypes) return failure(load_error(errc::too_large, policy_section::te_types));
    return success;
  }
};

}  // namespace shype
