// SPDX-License-Identifier: Apache-2.0
#pragma once
// What `shype analyze` and `shype graph --flows` print about a flow_graph: the summary (who
// reaches whom, the relays, the labels that reach everything, the Chinese Wall facts), the
// answer to one question (--from/--to) as text or JSON, and the graph as Graphviz DOT.

#include <string>
#include <vector>

#include <shype/tool/analysis/flow_graph.hpp>
#include <shype/tool/io/decoded_policy.hpp>

namespace shype::tool {

/// Names of reached labels the summary lists in all: each group's reach is a list of up to
/// every label, so with directed edges (--mls) the lists could grow with the square of the
/// labels. Past it a group's reach is given as a count ("ask with --from").
inline constexpr std::size_t max_summary_reach_names = 100000;

/// The summary of a policy's flows.
[[nodiscard]] std::string flow_summary_text(const decoded_policy& p, const flow_graph& g);
[[nodiscard]] std::string flow_summary_json(const decoded_policy& p, const flow_graph& g);

/// The answer to --from and/or --to (at least one of them given).
struct flow_question {
  const flow_endpoint* from = nullptr;
  const flow_endpoint* to = nullptr;
};

/// Does information flow? With both ends: the shortest paths (exists: a path was found); with
/// one: what it reaches, or what reaches it (exists: some other label does).
struct flow_answer {
  bool exists = false;
  std::string text;
  std::string json;
};

[[nodiscard]] flow_answer answer_flow_question(const flow_graph& g, const flow_question& q);

/// "1 label", "2 labels".
[[nodiscard]] std::string plural_text(std::size_t n, const char* what);

/// One path as "a -> b -> c".
[[nodiscard]] std::string path_text(const flow_graph& g, const std::vector<std::size_t>& path);

/// The flow graph as a Graphviz digraph, relays and trusted labels marked; edges beyond
/// max_graph_pair_edges are left out with a note in `left_out`.
[[nodiscard]] std::string flow_dot(const decoded_policy& p, const flow_graph& g, std::vector<std::string>* left_out = nullptr);

}  // namespace shype::tool
