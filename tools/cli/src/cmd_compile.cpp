// SPDX-License-Identifier: Apache-2.0
// shype compile POLICY.xml -o POLICY.bin [--assert ASSERTIONS]

#include <ostream>

#include <shype/policy_view.hpp>

#include <shype/tool/analysis/assertions.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/cli/verb_start.hpp>
#include <shype/tool/compile/load_policy.hpp>
#include <shype/tool/io/input_file.hpp>

namespace shype::tool {
namespace {

const command_spec spec{"compile", 1, 1, {}, {"-o", "--assert"},
                        "usage: shype compile POLICY.xml -o POLICY.bin [--assert ASSERTIONS]\n\n"
                        "Compiles ACM policy XML (Xen's security_policy.xsd; the 2006 dialect without Version too)\n"
                        "into a binary policy. Checks the schema's structure and every semantic rule, reports all\n"
                        "errors as FILE:LINE: ELEMENT: MESSAGE, and writes nothing unless the policy is valid.\n"
                        "The output is deterministic: the same XML always gives the same bytes. The binary records\n"
                        "the SHA-256 of the XML file, or the hash of a <?shype source-sha256=\"...\"?> instruction\n"
                        "(written by 'shype dump --xml') so that compile -> dump --xml -> compile is the identity.\n\n"
                        "options:\n  -o FILE          where to write the binary (required)\n"
                        "  --assert FILE    refuse (exit 3, nothing written) a policy that violates an assertion of\n"
                        "                   FILE (no-flow, never-together, trust; see docs/shype-tool.md)\n"};

}  // namespace

int cmd_compile(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const verb_start start = start_verb(spec, args, {}, out, err);  // XML only: loaded below
  if (start.done) return *start.done;
  const parsed_args& a = start.args;
  if (a.values.count("-o") == 0) return usage_error(spec, "missing -o OUTPUT", err);
  const std::string& in = a.positional[0];
  diagnostics io;
  auto bytes = read_file(in, io);
  if (!bytes) {
    print(io, err);
    return exit_invalid;
  }
  if (foreign_encoding(*bytes).empty() && kind_of(*bytes) == policy_kind::binary) {
    err << in << ": not XML: compile reads ACM policy XML (use 'shype check' for a binary)\n";
    return exit_invalid;
  }
  loaded_policy p = load_policy(*bytes, in);
  print(p.diag, err);
  if (!p.ok()) {
    err << plural(p.diag.error_count(), "error") << "\n";
    return exit_invalid;
  }
  if (a.values.count("--assert") != 0) {
    diagnostics diag;
    const auto assertions = read_assertions(a.values.at("--assert"), diag);
    assertion_outcome r;
    if (assertions) {
      const auto view = shype::policy_view::load(shype::byte_view(p.binary.data(), p.binary.size())).value();
      r = check_assertions(decode(view), *assertions, mls_model::none, diag);
    }
    print(diag, err);
    if (!assertions || !r.ok) {
      if (assertions && r.violated > 0) err << plural(r.violated, "assertion") << " violated\n";
      err << in << ": not written: the policy does not pass " << a.values.at("--assert") << "\n";
      return exit_invalid;
    }
  }
  const std::string& target = a.values.at("-o");
  if (!write_file(target, p.binary.data(), p.binary.size(), io)) {
    print(io, err);
    return exit_invalid;
  }
  const auto v = shype::policy_view::load(shype::byte_view(p.binary.data(), p.binary.size())).value();
  out << "wrote " << target << " (" << p.binary.size() << " bytes): policy \"" << std::string(v.name().data(), v.name().size())
      << "\" version " << v.version().major << "." << v.version().minor << "\n";
  return exit_ok;
}

}  // namespace shype::tool
