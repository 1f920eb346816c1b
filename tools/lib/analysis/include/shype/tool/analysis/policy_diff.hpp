// SPDX-License-Identifier: Apache-2.0
#pragma once
// What changing from one policy to another would allow or forbid (`shype diff`).
//
// Two kinds of lines: what changed in the policy (types, conflict sets, labels, bootstrap,
// header) and what that means for the domains — pairs of VM labels that gain or lose sharing
// under Type Enforcement, VM labels that gain or lose a resource label, and pairs that may no
// longer (or may now) run on one host under Chinese Wall. Pairs are over the labels both
// policies have (matched by name): a label that is added or removed is reported as such.

#include <cstddef>
#include <string>
#include <vector>

#include <shype/tool/io/decoded_policy.hpp>

namespace shype::tool {

/// Lines about pairs (share, access, same host) a diff lists at most: there are quadratically
/// many. Past it the listing ends with a line saying so (the lines about the policy itself are
/// always complete).
inline constexpr std::size_t max_diff_pair_lines = 100000;

/// One line per difference, in a fixed order; empty if the policies are equivalent.
[[nodiscard]] std::vector<std::string> diff_policies(const decoded_policy& old_policy, const decoded_policy& new_policy);

}  // namespace shype::tool
