// SPDX-License-Identifier: Apache-2.0
#pragma once
// The flow graph a verb's --mls and --trust options ask for (`shype analyze`, `shype graph
// --flows`), said once so that both read them alike.

#include <iosfwd>
#include <optional>
#include <string>

#include <shype/tool/analysis/flow_graph.hpp>
#include <shype/tool/io/command_line.hpp>

namespace shype::tool {

/// Builds the flow graph of policy `p` (from `file`) with the model of --mls (default none; a
/// note on `err` when the policy has an MLS section) and the labels of every --trust. On an error
/// prints it and returns nullopt with `rc` set: exit_usage for a bad option value or name,
/// exit_invalid for a policy the analysis cannot take.
[[nodiscard]] std::optional<flow_graph> flow_graph_from_args(const command_spec& spec, const parsed_args& a, const std::string& file,
                                                             const decoded_policy& p, std::ostream& err, int& rc);

}  // namespace shype::tool
