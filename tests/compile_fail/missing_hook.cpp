// SPDX-License-Identifier: Apache-2.0
// Must not compile: the policy declares hook_kind::sharing but its share() has the wrong signature.
#include <shype/monitor.hpp>

struct broken {
  static constexpr const char name[] = "broken";
  static constexpr shype::hook_kind hooks = shype::hook_kind::sharing;
  bool share(int) const { return true; }  // not decision share(const policy_view&, const share_request<L>&)
  [[nodiscard]] constexpr shype::result<void, shype::load_error> accepts(const shype::policy_view&) const noexcept {
    return shype::success;
  }
};

shype::monitor<broken> m;
