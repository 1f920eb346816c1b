// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the assertion files of `shype check --assert` / `compile --assert` (no-flow,
// never-together, trust), parsed and then checked against the customer-order policy.
//
// Oracles for the parser: deterministic; a refusal has at least one error, each naming the file
// and a line of the text; a success has one statement per line, lines strictly increasing and
// within the text, both names of a pair and none of a trust, and **round trip**: printing the
// statements back (names quoted where the syntax needs it) parses to the same statements.
// Oracles for the check: an outcome counts only the pair statements, violated <= checked, `ok`
// exactly when no error was reported, every error at a statement's line (or 0) and at most
// max_violation_lines + 2 per statement; never-together is symmetric (A B and B A give the
// same answer); and **trust only cuts paths**: dropping the trust statements never makes a
// no-flow or never-together statement hold that failed with them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "fuzz_data.hpp"
#include <shype/tool/analysis/assertions.hpp>
#include <shype/tool/compile/load_policy.hpp>

namespace {

using shype::tool::assertion;
using shype::tool::assertion_file;
using shype::tool::assertion_kind;
using shype_fuzz::require;

const char* const file_name = "fuzz.assert";

/// The customer-order policy (fuzz/data/simulate/policy.xml), compiled and decoded once.
const shype::tool::decoded_policy& policy() {
  static const shype::tool::decoded_policy p = [] {
    const auto& [name, xml] = shype_fuzz::simulate_policies[0];
    auto c = shype::tool::load_policy(shype_fuzz::bytes_of(xml), std::string("fuzz/data/simulate/") + name);
    if (!c.ok()) shype_fuzz::broken("fuzz/data/simulate/policy.xml does not compile:\n" + c.diag.text());
    static const std::vector<std::uint8_t> binary = c.binary;  // the view points into it
    return shype::tool::decode(shype::policy_view::load(shype::byte_view(binary.data(), binary.size())).value());
  }();
  return p;
}

/// A name as the file would spell it: bare when the word splitter gives it back unchanged,
/// else in double quotes with \" and \\.
std::string spelled(const std::string& name) {
  const bool bare = !name.empty() && name.front() != '"' && name.front() != '#' &&
                    std::none_of(name.begin(), name.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
  if (bare) return name;
  std::string out(1, '"');
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string print(const assertion_file& f) {
  std::string text;
  long line = 1;
  for (const auto& a : f.items) {
    for (; line < a.line; ++line) text += '\n';
    switch (a.kind) {
      case assertion_kind::no_flow: text += "no-flow " + spelled(a.a) + " -> " + spelled(a.b); break;
      case assertion_kind::never_together: text += "never-together " + spelled(a.a) + " " + spelled(a.b); break;
      case assertion_kind::trust: text += "trust " + spelled(a.a); break;
    }
  }
  return text;
}

bool same(const assertion& x, const assertion& y) { return x.kind == y.kind && x.line == y.line && x.a == y.a && x.b == y.b; }

struct checked {
  shype::tool::assertion_outcome outcome;
  shype::tool::diagnostics diag;
};

checked check(const assertion_file& f) {
  checked c;
  c.outcome = shype::tool::check_assertions(policy(), f, shype::tool::mls_model::none, c.diag);
  return c;
}

/// Does statement `i` of `f` hold on its own (with the file's trust statements)?
bool holds_alone(const assertion_file& f, std::size_t i, bool keep_trust) {
  assertion_file one{f.file, {}};
  for (std::size_t j = 0; j < f.items.size(); ++j)
    if (j == i || (keep_trust && f.items[j].kind == assertion_kind::trust)) one.items.push_back(f.items[j]);
  const checked c = check(one);
  return c.outcome.checked == 1 && c.outcome.violated == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const long lines = static_cast<long>(std::count(text.begin(), text.end(), '\n')) + 1;

  shype::tool::diagnostics diag;
  const auto parsed = shype::tool::parse_assertions(text, file_name, diag);
  shype::tool::diagnostics diag2;
  const auto again = shype::tool::parse_assertions(text, file_name, diag2);
  require(parsed.has_value() == again.has_value() && diag.text() == diag2.text(), "parsing is not deterministic");
  if (!parsed) {
    require(diag.error_count() > 0, "a refused file without an error");
    for (const auto& d : diag.list())
      require(d.file == file_name && d.line >= 0 && d.line <= lines, "an error that names another file or no line of the text");
    return 0;
  }
  require(!diag.has_errors(), "an accepted file with errors");
  const assertion_file& f = *parsed;
  long last = 0;
  for (const auto& a : f.items) {
    require(a.line > last && a.line <= lines, "statement lines out of order or beyond the text");
    last = a.line;
    require(!a.a.empty() && (a.kind == assertion_kind::trust ? a.b.empty() : !a.b.empty()), "a statement with a missing or extra name");
  }

  // Round trip.
  shype::tool::diagnostics diag3;
  const auto reparsed = shype::tool::parse_assertions(print(f), file_name, diag3);
  require(reparsed.has_value(), "the printed statements do not parse: " + diag3.text());
  require(reparsed->items.size() == f.items.size(), "printing and re-parsing changes the number of statements");
  for (std::size_t i = 0; i < f.items.size(); ++i)
    require(same(reparsed->items[i], f.items[i]), "printing and re-parsing changes statement " + std::to_string(i));

  // The check.
  const checked c = check(f);
  const std::size_t pairs = static_cast<std::size_t>(
      std::count_if(f.items.begin(), f.items.end(), [](const assertion& a) { return a.kind != assertion_kind::trust; }));
  require(c.outcome.checked <= pairs && c.outcome.violated <= c.outcome.checked, "an outcome that counts more than the file holds");
  require(c.outcome.ok == !c.diag.has_errors(), "ok disagrees with the errors reported");
  std::map<long, std::size_t> per_line;
  for (const auto& d : c.diag.list()) {
    require(d.file == file_name, "a check error naming another file");
    require(d.line == 0 || std::any_of(f.items.begin(), f.items.end(), [&](const assertion& a) { return a.line == d.line; }),
            "a check error at a line with no statement");
    require(++per_line[d.line] <= shype::tool::max_violation_lines + 2 || d.line == 0, "more error lines for a statement than the limit");
  }

  // Symmetry and trust monotonicity, statement by statement (bounded: a few per input).
  std::size_t tried = 0;
  for (std::size_t i = 0; i < f.items.size() && tried < 4; ++i) {
    const assertion& a = f.items[i];
    if (a.kind == assertion_kind::trust) continue;
    ++tried;
    const bool with_trust = holds_alone(f, i, true);
    const bool without_trust = holds_alone(f, i, false);
    require(with_trust || !without_trust, "statement " + std::to_string(i) + " holds without the trust statements but not with them");
    if (a.kind == assertion_kind::never_together) {
      assertion_file swapped{f.file, {a}};
      std::swap(swapped.items[0].a, swapped.items[0].b);
      const checked s = check(swapped);
      require((s.outcome.checked == 1 && s.outcome.violated == 0) == without_trust, "never-together A B and B A disagree");
    }
  }
  return 0;
}
