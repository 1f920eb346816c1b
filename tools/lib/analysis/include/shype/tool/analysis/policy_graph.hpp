// SPDX-License-Identifier: Apache-2.0
#pragma once
// A policy as a Graphviz graph (`shype graph`): operators would rather look at who may talk
// to whom than read XML.
//
// Left to right: resource labels (cylinders), TE types (coalitions, a cluster), VM labels
// (boxes), Chinese Wall types (a cluster); labels are joined to their types; green edges join VM
// labels that may share (a common TE type, or any two without a TE section); red dashed edges
// join the types of each conflict set and the VM labels a conflict set keeps off one host.

#include <cstddef>
#include <string>
#include <vector>

#include <shype/tool/io/decoded_policy.hpp>

namespace shype::tool {

/// Edges of one kind between pairs (labels that may share, labels a conflict set keeps apart,
/// the types of one conflict set) that a graph draws at most: there are quadratically many,
/// and a picture with more is no picture. Beyond it that kind is left out, said in `left_out`.
inline constexpr std::size_t max_graph_pair_edges = 10000;

/// The DOT text; `left_out` gets one note per kind of edge left out for max_graph_pair_edges.
[[nodiscard]] std::string policy_dot(const decoded_policy& p, std::vector<std::string>* left_out = nullptr);

/// A DOT quoted string.
[[nodiscard]] std::string dot_quote(const std::string& s);

}  // namespace shype::tool
