// SPDX-License-Identifier: Apache-2.0
// shype check FILE [--assert ASSERTIONS]

#include <ostream>

#include <shype/tool/analysis/assertions.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/cli/verb_start.hpp>
#include <shype/tool/compile/semantic_rules.hpp>

namespace shype::tool {
namespace {

const command_spec spec{"check", 1, 1, {}, {"--assert"},
                        "usage: shype check FILE [--assert ASSERTIONS]\n\n"
                        "Validates a policy, ACM XML or compiled binary (told apart by content: a binary starts\n"
                        "with \"SHYPEPOL\"). Prints warnings, then OK and a one-line summary; or every error, one\n"
                        "per line (XML: FILE:LINE: ELEMENT: MESSAGE; binary: FILE: offset 0xN: ELEMENT: MESSAGE),\n"
                        "and exits with 3. Among the warnings (lints: the exit code stays 0): a policy or label\n"
                        "name with ':', which Xen's toolstack (labels written as ACM:POLICY:LABEL) cannot use.\n\n"
                        "options:\n  --assert FILE  also check the assertions of FILE (no-flow, never-together, trust; see\n"
                        "                 docs/shype-tool.md): every violation, with its paths, as FILE:LINE: ...;\n"
                        "                 exit 3 if one does not hold\n"};

}  // namespace

int cmd_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const verb_start v = start_verb(spec, args, {.policies = 1, .count_errors = true}, out, err);
  if (v.done) return *v.done;
  const std::string& file = v.args.positional[0];
  const loaded_policy& p = v.policies[0];
  const decoded_policy d = v.decoded(0);
  if (p.kind == policy_kind::binary) {  // XML got these from its semantic rules, with lines
    diagnostics lint;
    auto check_name = [&](const char* what, const std::string& name) {
      if (std::string w = toolstack_name_warning(what, name); !w.empty()) lint.warning(file, 0, "", w);
    };
    check_name("policy", d.name);
    for (const auto& l : d.vm_labels) check_name("VM label", l.name);
    for (const auto& l : d.resource_labels) check_name("resource label", l.name);
    print(lint, err);
  }
  std::string held;
  if (v.args.values.count("--assert") != 0) {
    diagnostics diag;
    const auto file_of_assertions = read_assertions(v.args.values.at("--assert"), diag);
    assertion_outcome r;
    if (file_of_assertions) r = check_assertions(d, *file_of_assertions, mls_model::none, diag);
    print(diag, err);
    if (!file_of_assertions || !r.ok) {
      if (file_of_assertions && r.violated > 0) err << plural(r.violated, "assertion") << " violated\n";
      return exit_invalid;
    }
    held = ", " + plural(r.checked, "assertion") + " hold";
  }
  out << "OK: " << file << ": " << (p.kind == policy_kind::xml ? "XML" : "binary") << " policy \"" << d.name << "\" version "
      << d.version.major << "." << d.version.minor << ": " << plural(d.te_types.size(), "TE type") << ", "
      << plural(d.cw_types.size(), "Chinese Wall type") << ", " << plural(d.conflict_sets.size(), "conflict set") << ", "
      << plural(d.vm_labels.size(), "VM label") << ", " << plural(d.resource_labels.size(), "resource label")
      << ", bootstrap " << (d.bootstrap ? "\"" + d.vm_labels[*d.bootstrap].name + "\"" : std::string("none")) << held << "\n";
  return exit_ok;
}

}  // namespace shype::tool
