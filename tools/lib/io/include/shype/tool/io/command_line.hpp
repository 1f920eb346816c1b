// SPDX-License-Identifier: Apache-2.0
#pragma once
// Command-line plumbing shared by the sub-commands: argument parsing, exit codes, output.
// Any host program can use it (the `shype` verbs do; it knows nothing of policies).

#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <shype/tool/io/diagnostic.hpp>
#include <shype/tool/io/error.hpp>

namespace shype::tool {

/// Exit codes of every sub-command (docs/shype-tool.md).
enum exit_code : int {
  exit_ok = 0,
  exit_differs = 1,  ///< diff: the policies differ
  exit_no_flow = 1,  ///< analyze --from --to: no information flows
  exit_usage = 2,    ///< bad command line
  exit_invalid = 3,  ///< an input has errors or a file cannot be read or written
  exit_no_dot = 4,   ///< graph --svg: Graphviz `dot` missing or failed
};
static_assert(static_cast<int>(error::kind::usage) == exit_usage && static_cast<int>(error::kind::invalid) == exit_invalid,
              "an error's kind is the exit code");

/// What a sub-command accepts.
struct command_spec {
  const char* name;
  std::size_t min_positional, max_positional;
  std::set<std::string> flags;         ///< e.g. "--xml"
  std::set<std::string> with_value;    ///< e.g. "-o"
  const char* help;                    ///< printed by --help
  const char* program = "shype";       ///< names the program in a usage error
};

struct parsed_args {
  std::vector<std::string> positional;
  std::set<std::string> flags;
  std::map<std::string, std::string> values;        ///< an option given twice: the last value
  std::map<std::string, std::vector<std::string>> all_values;  ///< every value of each option, in order
  bool help = false;
};

/// Parses argv after the sub-command name; on a usage error prints it and returns nullopt.
[[nodiscard]] std::optional<parsed_args> parse_args(const command_spec& spec, const std::vector<std::string>& args, std::ostream& err);

/// Prints a usage error (`PROGRAM NAME: message`) and the hint to --help; returns exit_usage.
int usage_error(const command_spec& spec, const std::string& message, std::ostream& err);

/// Prints every diagnostic, one per line.
void print(const diagnostics& d, std::ostream& out);

}  // namespace shype::tool
