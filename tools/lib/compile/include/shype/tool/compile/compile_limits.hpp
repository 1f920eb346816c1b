// SPDX-License-Identifier: Apache-2.0
#pragma once
// How large a policy the tool compiles: the capacities of its policy_builder.
//
// Far above any real ACM policy (Xen's have a handful of types) and below the binary format's
// own limits (16-bit counts, 255-byte names); a policy beyond them gets a diagnostic, never a
// truncated binary.

#include <cstddef>

#include <shype/policy_builder.hpp>

namespace shype::tool {

inline constexpr shype::builder_limits compile_limits{
    .te_types = 16384,
    .cw_types = 16384,
    .conflict_sets = 16384,
    .vm_labels = 16384,
    .resource_labels = 16384,
    .type_refs = std::size_t{1} << 20,
    .name_bytes = std::size_t{1} << 22,
    .renames = 1024,  // the binary format's own limit (detail::format::max_renames)
};

inline constexpr std::size_t max_name_bytes = 255;

}  // namespace shype::tool
