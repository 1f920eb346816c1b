// SPDX-License-Identifier: Apache-2.0
#pragma once
// The sub-commands of `shype` and their dispatcher (arguments and exit codes: command_line.hpp).

#include <iosfwd>
#include <string>
#include <vector>

#include <shype/tool/io/command_line.hpp>

namespace shype::tool {

using command_fn = int (*)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The sub-commands, one source file each.
int cmd_compile(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_check(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_dump(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_diff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_graph(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_analyze(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_simulate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_export_selinux(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int cmd_attest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// Dispatches `shype CMD ARGS...` (argv without the program name).
int run_shype(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

}  // namespace shype::tool
