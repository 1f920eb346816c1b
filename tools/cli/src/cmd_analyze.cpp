// SPDX-License-Identifier: Apache-2.0
// shype analyze POLICY [--from LABEL|TYPE] [--to LABEL|TYPE] [--trust LABEL]... [--mls MODEL] [--json]

#include <ostream>

#include <shype/tool/analysis/flow_report.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/cli/flow_args.hpp>
#include <shype/tool/cli/verb_start.hpp>

namespace shype::tool {
namespace {

const command_spec spec{"analyze", 1, 1, {"--json"}, {"--from", "--to", "--trust", "--mls"},
                        "usage: shype analyze POLICY [--from NAME] [--to NAME] [--trust LABEL]... [--mls MODEL] [--json]\n\n"
                        "Which labels can pass information to which under the policy (XML or binary), directly or\n"
                        "through relays: labels holding several TE types (a device domain serving two coalitions,\n"
                        "dom0). The flow graph has the VM and resource labels as nodes and an edge where the policy\n"
                        "lets two labels share (event channel, grant: a common TE type, and no conflict set keeping\n"
                        "them off one host) or a domain access a resource; its transitive closure says who reaches\n"
                        "whom.\n\n"
                        "Without --from/--to: a summary (who reaches whom, the relays, the labels that reach every\n"
                        "label, the labels the Chinese Wall keeps off one host); exit 0.\n"
                        "With --from and --to: whether information flows, and the shortest paths naming every\n"
                        "label they pass through; exit 0 if it flows, 1 if it does not. With one of them: what it\n"
                        "reaches, or what reaches it. NAME is a VM label, a resource label or a TE type (all labels\n"
                        "holding it); write vm:NAME, resource:NAME or type:NAME when a name is ambiguous.\n\n"
                        "options:\n"
                        "  --from NAME    where information starts\n"
                        "  --to NAME      where it must not (or may) arrive\n"
                        "  --trust LABEL  take LABEL not to relay (it may still start or end a flow); repeatable\n"
                        "  --mls MODEL    none (default), blp, biba or both: give edges the direction Bell-LaPadula\n"
                        "                 and/or Biba allow (the policy needs an MLS section)\n"
                        "  --json         the same as one JSON object\n"};

}  // namespace

int cmd_analyze(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const verb_start v = start_verb(spec, args, {.policies = 1}, out, err);
  if (v.done) return *v.done;
  const std::string& file = v.args.positional[0];
  const decoded_policy p = v.decoded(0);
  int rc = exit_ok;
  const auto g = flow_graph_from_args(spec, v.args, file, p, err, rc);
  if (!g) return rc;
  std::optional<flow_endpoint> from, to;
  for (const char* option : {"--from", "--to"}) {
    if (v.args.values.count(option) == 0) continue;
    auto e = resolve_endpoint(*g, v.args.values.at(option));
    if (!e) return usage_error(spec, std::string(option) + ": " + e.message(), err);
    (std::string(option) == "--from" ? from : to) = std::move(*e);
  }
  const bool json = v.args.flags.count("--json") != 0;
  if (!from && !to) {
    out << (json ? flow_summary_json(p, *g) : flow_summary_text(p, *g));
    return exit_ok;
  }
  const flow_answer a = answer_flow_question(*g, {from ? &*from : nullptr, to ? &*to : nullptr});
  out << (json ? a.json : a.text);
  if (from && to) return a.exists ? exit_ok : exit_no_flow;
  return exit_ok;
}

}  // namespace shype::tool
