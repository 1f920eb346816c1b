// SPDX-License-Identifier: Apache-2.0
// shype simulate POLICY TRACE

#include <filesystem>
#include <ostream>
#include <string_view>

#include <shype/tool/analysis/simulator.hpp>
#include <shype/tool/analysis/trace.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/cli/verb_start.hpp>
#include <shype/tool/compile/load_policy.hpp>

namespace shype::tool {
namespace {

const command_spec spec{"simulate", 2, 2, {}, {},
                        "usage: shype simulate POLICY TRACE\n\n"
                        "Runs TRACE through the reference monitor (one monitor per host) under POLICY (XML or\n"
                        "binary) and prints one JSON object per operation (JSON Lines):\n"
                        "  {\"line\":N,\"op\":VERB,\"decision\":\"permit\"|\"deny\"|\"error\", ...}\n"
                        "with \"types\" for query, \"revoked\" for load and \"reason\" for deny and error.\n\n"
                        "The trace: one operation per line, '#' starts a comment, blank lines are skipped.\n"
                        "  create DOM LABEL [HOST]   (HOST defaults to 'local')\n"
                        "  destroy DOM | save DOM | restore DOM [HOST] | migrate DOM HOST\n"
                        "  bind A B                  interdomain event channel\n"
                        "  grant A B [ro]            A grants a page, B maps it (read-write unless 'ro')\n"
                        "  access DOM RESOURCE-LABEL\n"
                        "  query MACDOM DOM          the TE types (coalitions) the two have in common\n"
                        "  load POLICY-FILE          live policy change on every host (path relative to TRACE)\n"
                        "Exits non-zero only if POLICY cannot be loaded (3), TRACE cannot be read (3) or the output\n"
                        "cannot be written (3). Limits (docs/shype-tool.md): 64 hosts, 1024 domains, 256 loads, trace\n"
                        "lines of 4096 bytes, files of 32 MiB.\n"};

}  // namespace

int cmd_simulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  verb_start v = start_verb(spec, args, {.policies = 1}, out, err);
  if (v.done) return *v.done;
  const std::string& policy_file = v.args.positional[0];
  const std::string& trace_file = v.args.positional[1];
  diagnostics io;
  auto trace = read_file(trace_file, io);
  if (!trace) {
    print(io, err);
    return exit_invalid;
  }
  simulator sim(std::move(v.policies[0].binary), std::filesystem::path(trace_file).parent_path().string(), load_policy_file);
  if (!sim.start(policy_file, io)) {
    print(io, err);
    return exit_invalid;
  }
  // One operation at a time, each answer flushed as it is made: what was decided is out even if
  // the run ends early; once the output fails there is no point going on (run_shype reports it).
  trace_reader reader(std::string_view(reinterpret_cast<const char*>(trace->data()), trace->size()));
  for (trace_op op; out && reader.next(op);) out << sim.run(op).json() << "\n" << std::flush;
  return exit_ok;
}

}  // namespace shype::tool
