// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/cli/flow_args.hpp>

#include <ostream>

namespace shype::tool {

std::optional<flow_graph> flow_graph_from_args(const command_spec& spec, const parsed_args& a, const std::string& file,
                                               const decoded_policy& p, std::ostream& err, int& rc) {
  mls_model mls = mls_model::none;
  if (a.values.count("--mls") != 0) {
    const auto m = parse_mls_model(a.values.at("--mls"));
    if (!m) {
      rc = usage_error(spec, "--mls takes none, blp, biba or both, not '" + a.values.at("--mls") + "'", err);
      return std::nullopt;
    }
    mls = *m;
  } else if (p.has_mls) {
    err << file << ": note: the policy has an MLS section; flows are computed without Bell-LaPadula and Biba (--mls blp, biba or both gives them a direction)\n";
  }
  auto build = [&](std::vector<std::size_t> trusted) -> std::optional<flow_graph> {
    auto g = flow_graph::build(p, {.mls = mls, .trusted = std::move(trusted)});
    if (g) return std::move(*g);
    err << spec.program << " " << spec.name << ": " << file << ": " << g.message() << "\n";
    rc = exit_invalid;
    return std::nullopt;
  };
  auto g = build({});
  if (!g || a.all_values.count("--trust") == 0) return g;
  auto trusted = label_nodes(*g, a.all_values.at("--trust"));
  if (!trusted) {
    rc = usage_error(spec, "--trust: " + trusted.message(), err);
    return std::nullopt;
  }
  return build(std::move(*trusted));
}

}  // namespace shype::tool
