// SPDX-License-Identifier: Apache-2.0
#pragma once
// The command line of shype-libvirt, parsed in this one place (arguments.cpp) into one struct
// per command, with the help texts. Options are parsed by the `shype` tool's own parser
// (<shype/tool/io/command_line.hpp>), so both programs accept and refuse arguments alike.

#include <string>
#include <variant>
#include <vector>

#include "config.hpp"
#include "error.hpp"

namespace shype::libvirt {

inline constexpr const char* default_hooks_dir = "/etc/libvirt/hooks";

struct help_request {
  std::string text;
  bool to_stderr = false;  ///< no command given: the help goes to stderr, exit 2
};
struct install_options {
  std::string policy, config_file, hooks_dir, program;
  bool replace_policy = false;
};
struct uninstall_options {
  std::string hooks_dir;
};
struct status_options {
  std::string config_file;
};
struct change_options {
  std::string config_file, policy;
  bool dry_run = false;
};
/// `hook DRIVER [--config FILE] NAME OPERATION SUB-OPERATION [EXTRA...]`: libvirt's arguments
/// are taken as they are (a domain may be named --help), so only a leading --config is ours.
struct hook_options {
  std::string driver;  ///< qemu or network
  std::string config_file;
  std::string name, op, sub;       ///< the domain or network, libvirt's operation and sub-operation
  std::vector<std::string> extra;  ///< the rest ("-" for qemu)
};

using command_line =
    std::variant<help_request, install_options, uninstall_options, status_options, change_options, hook_options>;

/// Parses `shype-libvirt ARGS...` (argv without the program name). Options may come anywhere
/// ("--" ends them); --help or -h anywhere asks for the command's help. A usage error names
/// the command and the argument (kind usage).
[[nodiscard]] result<command_line> parse_command_line(const std::vector<std::string>& argv);

/// The path of this program (/proc/self/exe), "" if unknown: install's default --program.
[[nodiscard]] std::string self_path();

}  // namespace shype::libvirt
