// SPDX-License-Identifier: Apache-2.0
// shype export-selinux POLICY [-o policy.conf] [--rules-only]

#include <ostream>

#include <shype/tool/analysis/selinux_export.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/cli/verb_start.hpp>

namespace shype::tool {
namespace {

const command_spec spec{"export-selinux", 1, 1, {"--rules-only"}, {"-o"},
                        "usage: shype export-selinux POLICY [-o policy.conf] [--rules-only]\n\n"
                        "Writes the policy (XML or binary) as an SELinux policy for Xen's XSM/FLASK, to compile with\n"
                        "'checkpolicy -t xen -c 30'. Each VM label becomes a domain type (vm_NAME_t), each resource\n"
                        "label a resource type (res_NAME_t), each TE type (coalition) the attributes te_NAME_vm and\n"
                        "te_NAME_res with allow rules for event {create bind}, grant {map_read map_write copy} and\n"
                        "resource use within it: FLASK then permits exactly the pairs shype permits. Chinese Wall is\n"
                        "not expressible in FLASK (its decisions do not depend on which domains run); the conflict\n"
                        "sets are written as comments and cw_NAME attributes.\n\n"
                        "options:\n  -o FILE        write to FILE instead of standard output\n"
                        "  --rules-only   only types, attributes and rules, to include in a Xen FLASK policy\n"};

}  // namespace

int cmd_export_selinux(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const verb_start v = start_verb(spec, args, {.policies = 1}, out, err);
  if (v.done) return *v.done;
  const decoded_policy d = v.decoded(0);
  selinux_export_options opt;
  opt.rules_only = v.args.flags.count("--rules-only") != 0;
  return write_output(v, export_selinux(d, opt), out, err);
}

}  // namespace shype::tool
