// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the trace language of `shype simulate`, and the simulator behind it.
//
// Oracles for the parser: every operation has a verb; no word is empty or holds white space or
// '#'; line numbers are 1-based, strictly increasing and within the text; and printing the
// operations back (one per line, at their line numbers) parses to the same operations. Then
// the operations run through the simulator — real monitors per host — which must answer each
// with permit, deny or error, naming the operation, with a reason unless it permits.
// `load` may name only the example policies of fuzz/data/simulate (never a path the input
// chose; built into the fuzzer, fuzz_data.hpp); they are compiled once, at start-up, and loaded as binaries, which keeps an
// execution cheap. Every operation runs, and hosts are not capped here: a new host costs a
// monitor of megabytes, so a trace naming thousands of hosts is exactly what the simulator must
// bound itself (issue 11 §2b). The fuzz runs hold the process to a memory limit
// (fuzz/README.md): an input that grows memory without bound fails there as a crash.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_data.hpp"
#include <shype/tool/compile/load_policy.hpp>
#include <shype/tool/analysis/simulator.hpp>
#include <shype/tool/analysis/trace.hpp>

namespace {

using shype_fuzz::require;

/// The example policies, compiled once into a private directory: name in a trace -> binary file.
struct policies {
  std::string dir;
  std::map<std::string, std::string> files;
  std::vector<std::uint8_t> boot;
};
const policies& compiled() {
  static const policies p = [] {
    policies out;
    static char tmpl[] = "/tmp/shype-fuzz-simulate-XXXXXX";  // static: still there at exit
    if (mkdtemp(tmpl) == nullptr) shype_fuzz::broken("mkdtemp failed");
    out.dir = tmpl;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(tmpl, ec);
    });
    for (const auto& [name, xml] : shype_fuzz::simulate_policies) {
      auto c = shype::tool::load_policy(shype_fuzz::bytes_of(xml), std::string("fuzz/data/simulate/") + name);
      if (!c.ok()) shype_fuzz::broken(std::string("fuzz/data/simulate/") + name + " does not compile:\n" + c.diag.text());
      const std::string bin = std::string(name) + ".bin";
      shype::tool::diagnostics d;
      if (!shype::tool::write_file(out.dir + "/" + bin, c.binary.data(), c.binary.size(), d)) shype_fuzz::broken(d.text());
      out.files[name] = bin;
      if (out.boot.empty()) out.boot = c.binary;
    }
    return out;
  }();
  return p;
}

bool space_or_hash(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '#'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto ops = shype::tool::parse_trace(text);

  const long lines = static_cast<long>(std::count(text.begin(), text.end(), '\n')) + 1;
  long last = 0;
  for (const auto& op : ops) {
    require(!op.verb.empty(), "an operation without a verb");
    require(op.line > last && op.line <= lines, "line numbers out of order or beyond the text");
    last = op.line;
    for (const auto* w : {&op.verb}) require(std::none_of(w->begin(), w->end(), space_or_hash), "a verb holds white space or '#'");
    for (const auto& a : op.args)
      require(!a.empty() && std::none_of(a.begin(), a.end(), space_or_hash), "an argument is empty or holds white space or '#'");
  }

  // Printed back, one operation per line at its line number, the trace parses the same.
  std::string printed;
  long line = 1;
  for (const auto& op : ops) {
    for (; line < op.line; ++line) printed += '\n';
    printed += op.verb;
    for (const auto& a : op.args) printed += ' ' + a;
  }
  const auto again = shype::tool::parse_trace(printed);
  require(again.size() == ops.size(), "printing and re-parsing changes the number of operations");
  for (std::size_t i = 0; i < ops.size(); ++i)
    require(again[i].line == ops[i].line && again[i].verb == ops[i].verb && again[i].args == ops[i].args,
            "printing and re-parsing changes operation " + std::to_string(i));

  // Through the simulator: every operation (the input's length bounds them), as many hosts as
  // the trace names.
  const policies& pol = compiled();
  shype::tool::simulator sim(pol.boot, pol.dir, shype::tool::load_policy_file);
  shype::tool::diagnostics diag;
  require(sim.start("policy.xml", diag), "the simulator refuses its boot policy");
  for (auto op : ops) {
    if (op.verb == "load") {
      if (op.args.size() != 1 || pol.files.count(op.args[0]) == 0) continue;
      op.args[0] = pol.files.at(op.args[0]);
    }
    const auto r = sim.run(op);
    require(r.decision == "permit" || r.decision == "deny" || r.decision == "error", "a decision that is neither permit, deny nor error");
    require(r.line == op.line && r.op == op.verb, "the result names another operation");
    require(r.decision == "permit" || !r.reason.empty(), "a deny or error without a reason");
  }
  return 0;
}
