// SPDX-License-Identifier: Apache-2.0
#pragma once
// Command-line plumbing shared by the sub-commands: argument parsing, exit codes, output.

#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "diagnostic.hpp"

namespace shype::tool {

/// Exit codes of every sub-command (docs/shype-tool.md).
enum exit_code : int {
  exit_ok = 0,
  exit_differs = 1,  ///< diff: the policies differ
  exit_usage = 2,    ///< bad command line
  exit_invalid = 3,  ///< an input has errors or a file cannot be read or written
  exit_no_dot = 4,   ///< graph --svg: Graphviz `dot` missing or failed
};

/// What a sub-command accepts.
struct command_spec {
  const char* name;
  std::size_t min_positional, max_positional;
  std::set<std::string> flags;         ///< e.g. "--xml"
  std::set<std::string> with_value;    ///< e.g. "-o"
  const char* help;                    ///< printed by --help
};

struct parsed_args {
  std::vector<std::string> positional;
  std::set<std::string> flags;
  std::map<std::string, std::string> values;
  bool help = false;
};

/// Parses argv after the sub-command name; on a usage error prints it and returns nullopt.
[[nodiscard]] std::optional<parsed_args> parse_args(const command_spec& spec, const std::vector<std::string>& args, std::ostream& err);

/// Prints a usage error (`shype NAME: message`) and the hint to --help; returns exit_usage.
int usage_error(const command_spec& spec, const std::string& message, std::ostream& err);

/// Prints every diagnostic, one per line.
void print(const diagnostics& d, std::ostream& out);

using command_fn = int (*)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The sub-commands, one source file each.
int cmd_compile(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_dump(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_diff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_graph(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_simulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_export_selinux(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// Dispatches `shype CMD ARGS...` (argv without the program name).
int run_shype(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

}  // namespace shype::tool
