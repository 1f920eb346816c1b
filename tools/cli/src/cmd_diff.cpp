// SPDX-License-Identifier: Apache-2.0
// shype diff OLD NEW

#include <ostream>

#include <shype/tool/analysis/policy_diff.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/cli/verb_start.hpp>

namespace shype::tool {
namespace {

const command_spec spec{"diff", 2, 2, {}, {},
                        "usage: shype diff OLD NEW\n\n"
                        "Shows what replacing policy OLD by NEW (each XML or binary) would change, one line each:\n"
                        "  added/removed/changed  sections, TE and Chinese Wall types, conflict sets, VM and\n"
                        "                         resource labels (with their types), bootstrap label, header\n"
                        "  allow/forbid share     pairs of VM labels that gain or lose sharing (Type Enforcement)\n"
                        "  allow/forbid access    VM label -> resource label pairs that gain or lose access\n"
                        "  allow/forbid same host pairs of VM labels a conflict set no longer / now keeps apart\n"
                        "Pairs are over labels both policies have. Exit code 0: no differences; 1: differences.\n"};

}  // namespace

int cmd_diff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const verb_start v = start_verb(spec, args, {.policies = 2}, out, err);
  if (v.done) return *v.done;
  const auto lines = diff_policies(v.decoded(0), v.decoded(1));
  out << "--- " << v.args.positional[0] << "\n+++ " << v.args.positional[1] << "\n";
  if (lines.empty()) {
    out << "no differences\n";
    return exit_ok;
  }
  for (const auto& l : lines) out << l << "\n";
  return exit_differs;
}

}  // namespace shype::tool
