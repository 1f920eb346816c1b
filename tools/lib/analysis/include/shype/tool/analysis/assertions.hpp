// SPDX-License-Identifier: Apache-2.0
#pragma once
// Assertions about a policy's flows, kept in a side file (the Xen ACM schema stays as it is),
// checked by `shype check --assert` and `shype compile --assert` — SELinux's neverallow, for
// flows through relays as well as direct sharing. One statement a line (docs/shype-tool.md):
//
//   no-flow FROM -> TO       no information flows from FROM to TO, through any relay
//   never-together A B       no domain of A ever runs on one host with a domain of B
//   trust LABEL              LABEL is taken not to relay (it may still be an end of a flow)
//
// FROM, TO, A, B: a VM label, a resource label (not for never-together) or a TE type (every
// label holding it); "vm:", "resource:", "type:" say which. A name with spaces is written in
// double quotes (\" and \\ inside). '#' starts a comment. The file is untrusted input: bounded
// in size, line length and statements, and every error names FILE:LINE.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <shype/tool/analysis/flow_graph.hpp>
#include <shype/tool/io/decoded_policy.hpp>
#include <shype/tool/io/diagnostic.hpp>

namespace shype::tool {

/// Limits of an assertion file (docs/shype-tool.md, "Limits").
inline constexpr std::size_t max_assertion_file_bytes = std::size_t{1} << 20;
inline constexpr std::size_t max_assertion_line_bytes = 4096;
inline constexpr std::size_t max_assertions = 10000;
/// Violations printed per assertion (each flowing pair with its shortest paths, each pair of
/// labels that may share a host); how many there are in all is still said.
inline constexpr std::size_t max_violation_lines = 64;

enum class assertion_kind { no_flow, never_together, trust };

struct assertion {
  assertion_kind kind = assertion_kind::no_flow;
  long line = 0;
  std::string a, b;  ///< b is empty for trust
};

struct assertion_file {
  std::string file;
  std::vector<assertion> items;
};

/// Parses the text of an assertion file; every error goes to `diag` (FILE:LINE: assertions:
/// MESSAGE) and the result is nullopt if there was one.
[[nodiscard]] std::optional<assertion_file> parse_assertions(std::string_view text, const std::string& file, diagnostics& diag);

/// Reads `path` (a regular file of at most max_assertion_file_bytes) and parses it.
[[nodiscard]] std::optional<assertion_file> read_assertions(const std::string& path, diagnostics& diag);

struct assertion_outcome {
  std::size_t checked = 0;   ///< no-flow and never-together statements
  std::size_t violated = 0;  ///< of those, how many do not hold
  bool ok = false;           ///< every name resolved and every assertion holds
};

/// Checks every assertion against the policy (flows as flow_graph computes them with `mls` and
/// the file's trusted labels); each violation, with its paths, and each unknown name goes to
/// `diag` as an error located at its statement.
[[nodiscard]] assertion_outcome check_assertions(const decoded_policy& p, const assertion_file& f, mls_model mls, diagnostics& diag);

}  // namespace shype::tool
