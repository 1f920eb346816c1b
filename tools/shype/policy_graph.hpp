// SPDX-License-Identifier: Apache-2.0
#pragma once
// A policy as a Graphviz graph (`shype graph`): operators would rather look at who may talk
// to whom than read XML.
//
// Left to right: resource labels (cylinders), TE types (coalitions, a cluster), VM labels
// (boxes), Chinese Wall types (a cluster); labels are joined to their types; green edges join VM
// labels that may share (a common TE type, or any two without a TE section); red dashed edges
// join the types of each conflict set and the VM labels a conflict set keeps off one host.

#include <string>

#include "decoded_policy.hpp"

namespace shype::tool {

[[nodiscard]] std::string policy_dot(const decoded_policy& p);

/// A DOT quoted string.
[[nodiscard]] std::string dot_quote(const std::string& s);

}  // namespace shype::tool
