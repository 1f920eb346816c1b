// SPDX-License-Identifier: Apache-2.0
// shype dump FILE [--xml] [-o OUT]

#include <ostream>

#include <shype/tool/cli/cli.hpp>
#include <shype/tool/cli/verb_start.hpp>
#include <shype/tool/compile/policy_writer.hpp>

namespace shype::tool {
namespace {

const command_spec spec{"dump", 1, 1, {"--xml"}, {"-o"},
                        "usage: shype dump FILE [--xml] [-o OUT]\n\n"
                        "Prints a policy (XML or binary) as it was compiled: header, hashes, TE types, Chinese Wall\n"
                        "types, conflict sets, VM labels and resource labels with their types, in the binary's\n"
                        "(sorted) order. With --xml, writes ACM policy XML that compiles back to the same bytes\n"
                        "(it carries the source hash in a <?shype source-sha256=\"...\"?> instruction).\n\n"
                        "options:\n  --xml     write ACM policy XML instead of text\n"
                        "  -o FILE   write to FILE instead of standard output\n"};

}  // namespace

int cmd_dump(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const verb_start v = start_verb(spec, args, {.policies = 1}, out, err);
  if (v.done) return *v.done;
  const std::string& file = v.args.positional[0];
  const decoded_policy d = v.decoded(0);
  std::string text;
  diagnostics diag;
  if (v.args.flags.count("--xml") != 0) {
    if (!dump_xml(d, file, text, diag)) {
      print(diag, err);
      return exit_invalid;
    }
  } else {
    text = dump_text(d);
  }
  return write_output(v, text, out, err);
}

}  // namespace shype::tool
