// SPDX-License-Identifier: Apache-2.0
// shype diff OLD NEW

#include <ostream>

#include <shype/policy_view.hpp>

#include "cli.hpp"
#include "decoded_policy.hpp"
#include "policy_diff.hpp"
#include "policy_file.hpp"

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
  auto a = parse_args(spec, args, err);
  if (!a) return exit_usage;
  if (a->help) {
    out << spec.help;
    return exit_ok;
  }
  loaded_policy before = load_policy_file(a->positional[0]);
  loaded_policy after = load_policy_file(a->positional[1]);
  print(before.diag, err);
  print(after.diag, err);
  if (!before.ok() || !after.ok()) return exit_invalid;
  auto decoded = [](const loaded_policy& p) {
    return decode(shype::policy_view::load(shype::byte_view(p.binary.data(), p.binary.size())).value());
  };
  const auto lines = diff_policies(decoded(before), decoded(after));
  out << "--- " << a->positional[0] << "\n+++ " << a->positional[1] << "\n";
  if (lines.empty()) {
    out << "no differences\n";
    return exit_ok;
  }
  for (const auto& l : lines) out << l << "\n";
  return exit_differs;
}

}  // namespace shype::tool
