// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::null_policy — permits everything by answering nothing.
//
// The paper's baseline: a configuration that invokes no hooks. It declares no hook_kind, so a
// monitor composed of it alone compiles every decision down to "permit" with no policy code.

#include "hook.hpp"
#include "load_error.hpp"
#include "policy_view.hpp"
#include "result.hpp"

namespace shype {

struct null_policy {
  static constexpr const char name[] = "null";
  static constexpr hook_kind hooks = hook_kind::none;
  [[nodiscard]] constexpr result<void, load_error> accepts(const policy_view&) const noexcept { return success; }
};

}  // namespace shype
