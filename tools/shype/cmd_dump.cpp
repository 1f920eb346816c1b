// SPDX-License-Identifier: Apache-2.0
// shype dump FILE [--xml] [-o OUT]

#include <ostream>

#include <shype/policy_view.hpp>

#include "cli.hpp"
#include "decoded_policy.hpp"
#include "policy_file.hpp"
#include "policy_writer.hpp"

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
  auto a = parse_args(spec, args, err);
  if (!a) return exit_usage;
  if (a->help) {
    out << spec.help;
    return exit_ok;
  }
  const std::string& file = a->positional[0];
  loaded_policy p = load_policy_file(file);
  print(p.diag, err);
  if (!p.ok()) return exit_invalid;
  const decoded_policy d = decode(shype::policy_view::load(shype::byte_view(p.binary.data(), p.binary.size())).value());
  std::string text;
  diagnostics diag;
  if (a->flags.count("--xml") != 0) {
    if (!dump_xml(d, file, text, diag)) {
      print(diag, err);
      return exit_invalid;
    }
  } else {
    text = dump_text(d);
  }
  if (a->values.count("-o") != 0) {
    if (!write_file(a->values.at("-o"), reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), diag)) {
      print(diag, err);
      return exit_invalid;
    }
    return exit_ok;
  }
  out << text;
  return exit_ok;
}

}  // namespace shype::tool
