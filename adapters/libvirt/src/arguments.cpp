// SPDX-License-Identifier: Apache-2.0
#include "arguments.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <shype/tool/io/command_line.hpp>

#include <limits.h>
#include <unistd.h>

namespace shype::libvirt {

namespace {

constexpr const char* program = "shype-libvirt";

const char* help_text(const std::string& command) {
  if (command == "install")
    return "usage: shype-libvirt install --policy POLICY [--config FILE] [--hooks-dir DIR] [--program PATH]\n"
           "                             [--replace-policy]\n\n"
           "Puts shype in place on this libvirt host: writes a default configuration if FILE (default\n"
           "/etc/shype/libvirt.conf) does not exist, validates POLICY (ACM XML or binary) and the disk label\n"
           "map against it, admits the domains running now (refusing to install if they violate it), makes\n"
           "POLICY the policy in force (STATE_DIR/policy.bin) and writes the hooks DIR/qemu.d/shype and\n"
           "DIR/network.d/shype (DIR default /etc/libvirt/hooks), which run PATH (default: this program).\n"
           "A policy already in force is only replaced with --replace-policy (prefer change-policy).\n"
           "libvirtd reads its hooks when it starts: restart it or send it SIGHUP afterwards.\n"
           "Exit: 0 installed, 1 refused, 2 usage, 3 invalid input or file error.\n";
  if (command == "uninstall")
    return "usage: shype-libvirt uninstall [--hooks-dir DIR]\n\n"
           "Removes the hooks install wrote (only files it wrote). The state directory is kept.\n"
           "Exit: 0 done, 1 a hook file was not written by install (left in place), 2 usage, 3 file error.\n";
  if (command == "status")
    return "usage: shype-libvirt status [--config FILE]\n\n"
           "Prints the policy in force and every domain shype admitted on this host with its label, disks and\n"
           "network ports, checked against libvirt's records of what runs. Changes nothing.\n"
           "Exit: 0 the host fits the policy, 1 it does not (PROBLEM lines), 2 usage, 3 invalid input or file error.\n";
  if (command == "change-policy")
    return "usage: shype-libvirt change-policy [--config FILE] [--dry-run] POLICY\n\n"
           "Live policy change on this host. Validates POLICY (ACM XML or binary) and the disk label map\n"
           "against it, refuses it if a running domain's label is missing from it or running domains would\n"
           "violate its Chinese Wall (each reason on one line), else makes it the policy in force and acts on\n"
           "what it no longer permits: a network port is set link-down (virsh domif-setlink), a domain using a\n"
           "disk it may no longer use is suspended (virsh suspend; 'on_revoked_disk = report' only reports).\n"
           "Prints exactly what was done. --dry-run prints the same and changes nothing. The new policy and\n"
           "the state are committed in one step: if they cannot be written, nothing was changed (exit 3).\n"
           "Exit: 0 applied (or would apply), 1 refused, 2 usage, 3 invalid input, 4 applied but an action failed.\n";
  return "usage: shype-libvirt COMMAND [ARGS...]\n\n"
         "shype for libvirt/QEMU hosts: Chinese Wall placement and Type Enforcement of disks and networks.\n\n"
         "commands:\n"
         "  install        put the hooks and the policy in place\n"
         "  uninstall      remove the hooks\n"
         "  status         the policy in force and what shype admitted here\n"
         "  change-policy  live policy change on this host\n"
         "  hook           what libvirt runs: hook qemu|network [--config FILE] NAME OP SUB-OP EXTRA\n\n"
         "'shype-libvirt COMMAND --help' describes a command. Exit codes: 0 success, 1 refused, 2 usage error,\n"
         "3 invalid input or file error, 4 an action of change-policy failed.\n";
}

struct parsed {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
  [[nodiscard]] std::string value_or(const std::string& key, const std::string& fallback) const {
    const auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
};

error usage(const std::string& command, const std::string& text) {
  return error(std::string(program) + (command.empty() ? "" : " " + command) + ": " + text, error::kind::usage);
}

/// The `shype` tool's parser (<shype/tool/io/command_line.hpp>: options anywhere, "--" ends
/// them), with `positionals` arguments; its usage message becomes one line of a usage error.
result<parsed> parse(const std::string& command, const std::vector<std::string>& in, std::set<std::string> flags,
                     std::set<std::string> with_value, std::size_t positionals = 0) {
  const tool::command_spec spec{command.c_str(), positionals, positionals, std::move(flags), std::move(with_value), "", program};
  std::ostringstream err;
  auto p = tool::parse_args(spec, in, err);
  if (!p) {
    std::string text = err.str();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    std::replace(text.begin(), text.end(), '\n', ' ');
    return error(text, error::kind::usage);
  }
  return parsed{std::move(p->positional), std::move(p->values), std::move(p->flags)};
}

bool wants_help(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), "--help") != args.end() || std::find(args.begin(), args.end(), "-h") != args.end();
}

result<command_line> install(const std::vector<std::string>& args) {
  auto p = parse("install", args, {"--replace-policy"}, {"--config", "--hooks-dir", "--program", "--policy"});
  if (!p) return std::move(p).failure();
  if (p->values.count("--policy") == 0) return usage("install", "--policy POLICY is required");
  install_options o;
  o.policy = p->values["--policy"];
  o.config_file = p->value_or("--config", default_config_path);
  o.hooks_dir = p->value_or("--hooks-dir", default_hooks_dir);
  o.program = p->value_or("--program", self_path());
  o.replace_policy = p->flags.count("--replace-policy") != 0;
  // They go into the hook wrappers, which libvirt runs with a stripped environment.
  for (const auto& [what, path] : {std::pair<const char*, const std::string&>{"--config", o.config_file},
                                   {"--hooks-dir", o.hooks_dir}, {"--program", o.program}}) {
    if (path.empty() || path[0] != '/' || path.find('\'') != std::string::npos)
      return usage("install", std::string(what) + " must be an absolute path without a single quote, got '" + path + "'");
  }
  return command_line(std::move(o));
}

result<command_line> hook(const std::vector<std::string>& rest) {
  if (rest.empty() || (rest[0] != "qemu" && rest[0] != "network"))
    return usage("hook", std::string("expected 'qemu' or 'network' (see '") + program + " --help')");
  hook_options o;
  o.driver = rest[0];
  std::size_t i = 1;
  o.config_file = default_config_path;
  if (rest.size() > 2 && rest[1] == "--config") {
    o.config_file = rest[2];
    i = 3;
  }
  if (rest.size() < i + 3)
    return error("shype: hook " + o.driver +
                     ": expected NAME OPERATION SUB-OPERATION [EXTRA] (libvirt's calling convention)",
                 error::kind::usage);
  o.name = rest[i];
  o.op = rest[i + 1];
  o.sub = rest[i + 2];
  o.extra.assign(rest.begin() + static_cast<std::ptrdiff_t>(i + 3), rest.end());
  return command_line(std::move(o));
}

}  // namespace

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

result<command_line> parse_command_line(const std::vector<std::string>& argv) {
  if (argv.empty()) return command_line(help_request{help_text(""), true});
  const std::string& command = argv[0];
  if (command == "--help" || command == "-h" || command == "help") return command_line(help_request{help_text(""), false});
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  // A hook's arguments are libvirt's (a domain may be named --help): never help there.
  if (command == "hook") return hook(rest);
  const bool known = command == "install" || command == "uninstall" || command == "status" || command == "change-policy";
  if (!known) return usage("", "unknown command '" + command + "' (see '" + program + " --help')");
  if (wants_help(rest)) return command_line(help_request{help_text(command), false});
  if (command == "install") return install(rest);
  if (command == "uninstall") {
    auto p = parse(command, rest, {}, {"--hooks-dir"});
    if (!p) return std::move(p).failure();
    return command_line(uninstall_options{p->value_or("--hooks-dir", default_hooks_dir)});
  }
  if (command == "status") {
    auto p = parse(command, rest, {}, {"--config"});
    if (!p) return std::move(p).failure();
    return command_line(status_options{p->value_or("--config", default_config_path)});
  }
  auto p = parse(command, rest, {"--dry-run"}, {"--config"}, 1);
  if (!p) return std::move(p).failure();
  change_options o;
  o.config_file = p->value_or("--config", default_config_path);
  o.policy = p->positional.front();
  o.dry_run = p->flags.count("--dry-run") != 0;
  return command_line(std::move(o));
}

}  // namespace shype::libvirt
