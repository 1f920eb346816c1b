// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/cli/cli.hpp>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <ostream>

#include <shype/tool/io/fd_output.hpp>

namespace shype::tool {

namespace {

struct entry {
  const char* name;
  command_fn fn;
  const char* summary;
};

constexpr entry commands[] = {
    {"compile", cmd_compile, "compile ACM policy XML into a binary policy"},
    {"check", cmd_check, "validate a policy (XML or binary) and summarise it"},
    {"dump", cmd_dump, "print a policy as text, or as XML that recompiles to the same bytes"},
    {"diff", cmd_diff, "show what changing from one policy to another allows or forbids"},
    {"graph", cmd_graph, "draw coalitions and conflict sets, or the flows (Graphviz DOT, SVG)"},
    {"analyze", cmd_analyze, "who can pass information to whom, directly or through relays (shortest paths)"},
    {"simulate", cmd_simulate, "run a trace of operations through the reference monitor (JSON Lines)"},
    {"export-selinux", cmd_export_selinux, "write the policy as an SELinux policy for Xen XSM/FLASK (checkpolicy -t xen)"},
    {"attest", cmd_attest, "verify a refhv host's TPM attestation: which policy it enforces"},
};

void overview(std::ostream& out) {
  out << "usage: shype COMMAND [ARGS...]\n\n"
         "Policy management for the shype reference monitor (sHype). Every POLICY argument may be\n"
         "ACM policy XML or a compiled binary policy; the kind is told by content.\n\ncommands:\n";
  for (const auto& c : commands) {
    std::string n = c.name;
    n.resize(n.size() < 10 ? 10 : n.size() + 1, ' ');  // a long name stays whole
    out << "  " << n << c.summary << "\n";
  }
  out << "  libvirt   run the libvirt adapter (shype-libvirt): install, status, change-policy on this host\n";
  out << "  fleet     a fleet of libvirt hosts over etcd (shype-libvirt fleet): status, plan, rollout, place, history\n";
  out << "\n'shype COMMAND --help' describes a command. Exit codes: 0 success, 1 diff found differences,\n"
         "2 usage error, 3 invalid input or file error, 4 Graphviz dot missing or failed;\n"
         "analyze --from --to: 0 a flow exists, 1 none does.\n";
}

/// Every command's output is checked once, here, after a flush: a full disk or a closed pipe
/// is an error with a message, never a silent exit code or a truncated result called success.
int finish_output(const std::string& name, int rc, std::ostream& out, std::ostream& err) {
  out.flush();
  if (out) return rc;
  const auto* fd = dynamic_cast<const fd_output*>(out.rdbuf());
  const int why = fd != nullptr ? fd->error() : 0;
  err << "shype" << (name.empty() ? "" : " ") << name << ": cannot write standard output" << (why != 0 ? std::string(": ") + std::strerror(why) : std::string())
      << "\n";
  return exit_invalid;
}

int dispatch(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty()) {
    overview(err);
    return exit_usage;
  }
  const std::string& cmd = argv.front();
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    if (cmd == "help" && argv.size() == 2) return dispatch({argv[1], "--help"}, out, err);
    overview(out);
    return exit_ok;
  }
  if (cmd == "libvirt") {  // main() runs the adapter itself; here only its help can be asked for
    out << "usage: shype libvirt COMMAND [ARGS...]\n\n"
           "Runs the libvirt adapter, shype-libvirt COMMAND [ARGS...] (from $SHYPE_LIBVIRT, else PATH and\n"
           "the sbin directories): install, uninstall, status, change-policy. See 'shype-libvirt --help'.\n";
    return exit_ok;
  }
  if (cmd == "fleet") {  // main() runs the adapter's fleet verbs itself; here only their help
    out << "usage: shype fleet VERB [ARGS...]\n\n"
           "Runs shype-libvirt fleet VERB [ARGS...] (found as for 'shype libvirt'): status, plan, rollout, place,\n"
           "history, keygen over a fleet of libvirt hosts kept in etcd (docs/fleet.md). See 'shype-libvirt fleet --help'.\n";
    return exit_ok;
  }
  for (const auto& c : commands)
    if (cmd == c.name) return c.fn(std::vector<std::string>(argv.begin() + 1, argv.end()), out, err);
  err << "shype: unknown command '" << cmd << "'\n\n";
  overview(err);
  return exit_usage;
}

}  // namespace

int run_shype(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  const bool known = !argv.empty() && std::any_of(std::begin(commands), std::end(commands), [&](const entry& c) { return argv[0] == c.name; });
  return finish_output(known ? argv[0] : std::string(), dispatch(argv, out, err), out, err);
}

}  // namespace shype::tool
