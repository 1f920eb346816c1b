// SPDX-License-Identifier: Apache-2.0
#pragma once
// The sub-commands of shype-libvirt (README.md describes them for operators):
//   hook qemu|network   what libvirt runs (through the wrappers install writes)
//   install, uninstall  put the hooks and the policy in place, or take the hooks away
//   change-policy       live policy change on this host, with its actions on running domains
//   status              the policy in force and what shype admitted on this host

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "arguments.hpp"
#include "config.hpp"
#include "error.hpp"

namespace shype::libvirt {

/// `hook qemu NAME OPERATION SUB-OPERATION EXTRA` with the domain XML as `input`.
int hook_qemu(const config& cfg, const hook_options& call, const std::string& input, std::ostream& err);
/// `hook network NAME OPERATION SUB-OPERATION EXTRA` with <hookData> as `input`.
int hook_network(const config& cfg, const hook_options& call, const std::string& input, std::ostream& err);

int cmd_install(const install_options& o, std::ostream& out, std::ostream& err);
int cmd_uninstall(const uninstall_options& o, std::ostream& out, std::ostream& err);
int cmd_status(const status_options& o, std::ostream& out, std::ostream& err);
int cmd_change_policy(const change_options& o, std::ostream& out, std::ostream& err);

/// Dispatches `shype-libvirt COMMAND ARGS...` (argv without the program name, parsed by
/// arguments.hpp); standard input is read for hooks only. Returns the exit code (error.hpp).
int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

/// The decision log's size before it is rotated to decisions.log.1 (the one older log kept):
/// 8 MiB, so the log takes at most about 16 MiB.
inline constexpr std::size_t decision_log_limit = std::size_t{8} << 20;

/// Appends lines to the decision log (STATE_DIR/decisions.log), each escaped to one line
/// (util.hpp's one_line); failures are ignored (the decision itself went to libvirt).
void log_decisions(const config& cfg, const std::vector<std::string>& lines);

}  // namespace shype::libvirt
