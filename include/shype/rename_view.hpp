// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::rename_view — one entry of a policy's rename table (binary format 1.1).
//
// Xen ACM's policy update honours `<Name from="old">new</Name>`: a domain (or resource) labelled
// `old` under the policy in force carries on under `new` when this policy replaces it. The
// compiler stores each such rename; the monitor applies them in a live policy change.

#include <cstdint>

#include "string_ref.hpp"

namespace shype {

/// Which label table a name belongs to.
enum class label_kind : std::uint8_t { vm, resource };

[[nodiscard]] constexpr const char* to_string(label_kind k) noexcept {
  return k == label_kind::vm ? "VM label" : "resource label";
}

struct rename_view {
  label_kind kind = label_kind::vm;
  string_ref from{};        ///< the label's name in the policy being replaced
  std::uint16_t label = 0;  ///< the label (label_id or resource_id) in this policy
};

}  // namespace shype
