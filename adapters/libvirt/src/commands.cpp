// SPDX-License-Identifier: Apache-2.0
// install, uninstall, status, change-policy and the dispatcher.

#include "commands.hpp"

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include <limits.h>
#include <unistd.h>

#include "host.hpp"
#include "label_renames.hpp"
#include <shype/tool/compile/load_policy.hpp>
#include "util.hpp"

namespace shype::libvirt {

namespace {

constexpr const char* program = "shype-libvirt";
constexpr const char* marker = "installed by 'shype-libvirt install'";
constexpr const char* default_hooks_dir = "/etc/libvirt/hooks";

struct arguments {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
};

/// One line of output; what it holds may come from domain XML or libvirt: escaped (one_line).
std::ostream& line(std::ostream& o, const std::string& text) { return o << one_line(text) << '\n'; }

/// Every diagnostic on a line of its own, escaped.
std::ostream& lines(std::ostream& o, const tool::diagnostics& diag) {
  for (const auto& d : diag.list()) line(o, tool::format(d));
  return o;
}

/// Options may come anywhere; "--" ends them.
bool parse_arguments(const std::string& command, const std::vector<std::string>& in, const std::set<std::string>& flags,
                     const std::set<std::string>& with_value, arguments& out, std::ostream& err) {
  bool options = true;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::string& a = in[i];
    if (options && a == "--") {
      options = false;
    } else if (options && flags.count(a) != 0) {
      out.flags.insert(a);
    } else if (options && with_value.count(a) != 0) {
      if (i + 1 == in.size()) {
        err << program << " " << command << ": " << a << " needs a value\n";
        return false;
      }
      out.values[a] = in[++i];
    } else if (options && a.size() > 1 && a[0] == '-') {
      err << program << " " << command << ": unknown option '" << a << "' (see '" << program << " " << command
          << " --help')\n";
      return false;
    } else {
      out.positional.push_back(a);
    }
  }
  return true;
}

std::string value_or(const arguments& a, const std::string& key, const std::string& fallback) {
  const auto it = a.values.find(key);
  return it == a.values.end() ? fallback : it->second;
}

std::optional<config> config_of(const arguments& a, std::ostream& err) {
  tool::diagnostics diag;
  auto c = load_config(value_or(a, "--config", default_config_path), diag);
  if (!c) lines(err, diag);
  return c;
}

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

std::string wrapper(const std::string& exe, const std::string& driver, const std::string& config_file) {
  return "#!/bin/sh\n# shype " + driver + " hook, " + marker + " (see adapters/libvirt/README.md).\n" +
         "# libvirt calls it as NAME OPERATION SUB-OPERATION EXTRA with the XML on stdin.\nexec '" + exe + "' hook " +
         driver + " --config '" + config_file + "' \"$@\"\n";
}

std::string str(shype::string_ref s) { return std::string(s.data(), s.size()); }

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
           "libvirtd reads its hooks when it starts: restart it or send it SIGHUP afterwards.\n";
  if (command == "uninstall")
    return "usage: shype-libvirt uninstall [--hooks-dir DIR]\n\n"
           "Removes the hooks install wrote (only files it wrote). The state directory is kept.\n";
  if (command == "status")
    return "usage: shype-libvirt status [--config FILE]\n\n"
           "Prints the policy in force and every domain shype admitted on this host with its label, disks and\n"
           "network ports, checked against libvirt's records of what runs. Changes nothing.\n";
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

bool wants_help(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), "--help") != args.end() || std::find(args.begin(), args.end(), "-h") != args.end();
}

/// Loads a policy argument (XML or binary) through the shype tool; errors go to `err`.
std::optional<std::vector<std::uint8_t>> policy_argument(const std::string& path, std::ostream& err) {
  tool::loaded_policy p = tool::load_policy_file(path);
  if (!p.ok()) {
    lines(err, p.diag);
    return std::nullopt;
  }
  lines(err, p.diag);  // warnings
  return p.binary;
}

}  // namespace

// ===== install / uninstall ========================================================================

int cmd_install(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (wants_help(args)) return out << help_text("install"), exit_ok;
  arguments a;
  if (!parse_arguments("install", args, {"--replace-policy"}, {"--config", "--hooks-dir", "--program", "--policy"}, a, err))
    return exit_usage;
  if (!a.positional.empty()) {
    err << program << " install: unexpected argument '" << a.positional.front() << "'\n";
    return exit_usage;
  }
  if (a.values.count("--policy") == 0) {
    err << program << " install: --policy POLICY is required\n";
    return exit_usage;
  }
  const std::string config_file = value_or(a, "--config", default_config_path);
  const std::string hooks = value_or(a, "--hooks-dir", default_hooks_dir);
  const std::string exe = value_or(a, "--program", self_path());
  for (const auto& [what, path] : {std::pair<const char*, const std::string&>{"--config", config_file}, {"--hooks-dir", hooks},
                                   {"--program", exe}}) {
    if (path.empty() || path[0] != '/' || path.find('\'') != std::string::npos) {
      err << program << " install: " << what << " must be an absolute path without a single quote, got '" << path << "'\n";
      return exit_usage;
    }
  }

  std::string error;
  tool::diagnostics diag;
  if (!exists(config_file)) {
    const auto slash = config_file.rfind('/');
    if (!make_dirs(config_file.substr(0, slash == 0 ? 1 : slash), error) ||
        !write_atomic(config_file, render_config(config{}), error, 0644)) {
      err << program << " install: " << error << "\n";
      return exit_invalid;
    }
    out << "wrote the default configuration " << config_file << "\n";
  }
  auto cfg = load_config(config_file, diag);
  if (!cfg) return lines(err, diag), exit_invalid;
  auto policy = policy_argument(a.values["--policy"], err);
  if (!policy) return exit_invalid;
  const auto view = shype::policy_view::load(shype::byte_view(policy->data(), policy->size()));
  auto map = label_map::load(cfg->disk_labels, cfg->disk_labels_explicit, diag);
  if (!map || !map->check_labels(view.value(), diag)) return lines(err, diag), exit_invalid;
  if (!cfg->unlabelled_label.empty() &&
      view.value().find_vm_label(shype::string_ref(cfg->unlabelled_label.data(), cfg->unlabelled_label.size())) == shype::no_label) {
    err << cfg->where("unlabelled_domains") << ": unlabelled_domains: label " << cfg->unlabelled_label
        << " is not a VirtualMachineLabel of the policy\n";
    return exit_invalid;
  }

  state_store store(*cfg);
  if (!store.lock(error)) return err << program << " install: " << error << "\n", exit_invalid;
  std::vector<std::uint8_t> current;
  std::string ignored;
  if (exists(cfg->policy_path()) && read_policy(*cfg, current, ignored) && current != *policy &&
      a.flags.count("--replace-policy") == 0) {
    err << program << " install: a different policy is in force (" << cfg->policy_path()
        << "): use 'shype-libvirt change-policy', or --replace-policy\n";
    return exit_refused;
  }
  host_state state;
  std::string detail;
  const auto loaded = store.load(state, detail);
  if (loaded == state_store::loaded::unusable) return line(err, std::string(program) + " install: " + detail), exit_invalid;
  if (loaded == state_store::loaded::corrupt) line(out, "warning: " + detail + "; rebuilt");
  host_view h = rebuild(state, *cfg, *map, *policy, "", false);
  if (!h.eng) return line(err, std::string(program) + " install: " + h.error), exit_invalid;
  for (const auto& n : h.notes) line(out, "note: " + n);
  // A running domain shype cannot admit would be stopped by libvirt at its next restart
  // (reconnect): label it first.
  h.problems.insert(h.problems.end(), h.unlabelled.begin(), h.unlabelled.end());
  if (!h.problems.empty()) {
    for (const auto& p : h.problems) line(err, std::string(program) + " install: refused: " + p);
    err << program << " install: nothing was installed\n";
    return exit_refused;
  }

  // The policy and the state as one step (state_store::commit), then the hooks that use them.
  if (!store.commit(state, std::string(policy->begin(), policy->end()), error)) {
    err << program << " install: " << error << "\n";
    return exit_invalid;
  }
  if (!error.empty()) line(err, std::string(program) + " install: warning: " + error);
  for (const char* driver : {"qemu", "network"}) {
    const std::string dir = hooks + "/" + driver + ".d";
    const std::string file = dir + "/shype";
    if (!make_dirs(dir, error) || !write_atomic(file, wrapper(exe, driver, config_file), error, 0755)) {
      err << program << " install: " << error << "\n";
      return exit_invalid;
    }
    out << "installed the " << driver << " hook " << file << "\n";
  }
  out << "policy in force: " << h.eng->policy_title() << " (" << cfg->policy_path() << ")\n";
  out << "domains admitted on this host: " << state.domains.size() << "\n";
  log_decisions(*cfg, {"installed policy " + h.eng->policy_title() + " and the hooks in " + hooks});
  out << "libvirtd reads its hooks when it starts: restart it or send it SIGHUP now.\n";
  return exit_ok;
}

int cmd_uninstall(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (wants_help(args)) return out << help_text("uninstall"), exit_ok;
  arguments a;
  if (!parse_arguments("uninstall", args, {}, {"--hooks-dir"}, a, err)) return exit_usage;
  if (!a.positional.empty()) {
    err << program << " uninstall: unexpected argument '" << a.positional.front() << "'\n";
    return exit_usage;
  }
  const std::string hooks = value_or(a, "--hooks-dir", default_hooks_dir);
  int rc = exit_ok;
  for (const char* driver : {"qemu", "network"}) {
    const std::string file = hooks + "/" + driver + ".d/shype";
    std::string error;
    const auto text = read_text(file, error);
    if (!text) {
      out << "no " << driver << " hook at " << file << "\n";
      continue;
    }
    if (text->find(marker) == std::string::npos) {
      err << program << " uninstall: " << file << " was not written by shype-libvirt install: left in place\n";
      rc = exit_refused;
      continue;
    }
    if (::unlink(file.c_str()) != 0) {
      err << program << " uninstall: cannot remove " << file << "\n";
      rc = exit_invalid;
      continue;
    }
    out << "removed the " << driver << " hook " << file << "\n";
  }
  out << "libvirtd reads its hooks when it starts: restart it or send it SIGHUP now.\n";
  return rc;
}

// ===== status ======================================================================================

int cmd_status(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (wants_help(args)) return out << help_text("status"), exit_ok;
  arguments a;
  if (!parse_arguments("status", args, {}, {"--config"}, a, err)) return exit_usage;
  if (!a.positional.empty()) {
    err << program << " status: unexpected argument '" << a.positional.front() << "'\n";
    return exit_usage;
  }
  auto cfg = config_of(a, err);
  if (!cfg) return exit_invalid;
  tool::diagnostics diag;
  auto map = label_map::load(cfg->disk_labels, cfg->disk_labels_explicit, diag);
  if (!map) return lines(err, diag), exit_invalid;
  state_store store(*cfg);
  std::string error, detail;
  if (!store.lock(error)) return err << program << " status: " << error << "\n", exit_invalid;
  host_state state;
  const auto loaded = store.load(state, detail);
  if (loaded == state_store::loaded::unusable) return line(err, std::string(program) + " status: " + detail), exit_invalid;
  std::vector<std::uint8_t> policy;
  if (!read_policy(*cfg, policy, error)) return err << program << " status: " << error << "\n", exit_invalid;
  const host_state recorded = state;
  host_view h = rebuild(state, *cfg, *map, std::move(policy), "", false);
  if (!h.eng) return line(err, std::string(program) + " status: " + h.error), exit_invalid;

  line(out, "policy in force: " + h.eng->policy_title() + " (" + cfg->policy_path() + "), " +
                std::to_string(recorded.changes) + " live change(s) on this host");
  if (loaded == state_store::loaded::missing) line(out, "state file: missing (rebuilt from libvirt's records below)");
  if (loaded == state_store::loaded::corrupt) line(out, "state file: " + detail);
  if (loaded == state_store::loaded::ok && !detail.empty()) line(out, "state file: " + detail);
  line(out, "domains admitted on this host: " + std::to_string(state.domains.size()));
  for (const auto& d : state.domains) {
    line(out, "  " + d.name + "  label " + d.label + "  " + (d.state == phase::running ? "running" : "admitted") + "  uuid " +
                  d.uuid + (d.libvirt_id >= 0 ? "  id " + std::to_string(d.libvirt_id) : std::string()) +
                  (d.suspended ? "  suspended by shype" : ""));
    for (const auto& k : d.disks)
      line(out, "    disk " + k.key + (k.target.empty() ? "" : " (" + k.target + ")") + "  " +
                    (k.label.empty() ? "unlabelled" : "label " + k.label) + (k.readonly ? "  read-only" : "") +
                    (k.shareable ? "  shareable" : "") + (k.revoked ? "  REVOKED" : ""));
    for (const auto& p : d.ports)
      line(out, "    port " + p.portid + " on network " + p.network + " mac " + p.mac + "  " +
                    (p.label.empty() ? "unlabelled" : "label " + p.label) + (p.revoked ? "  REVOKED (link down)" : ""));
  }
  for (const auto& n : h.notes) line(out, "libvirt's records: " + n);
  for (const auto& p : h.problems) line(out, "PROBLEM: " + p);
  return h.problems.empty() ? exit_ok : exit_refused;
}

// ===== change-policy ===============================================================================

namespace {

struct action {
  std::string description;           // what the new policy forbids
  std::vector<std::string> command;  // virsh ..., empty: report only
  std::string domain_uuid;
  std::size_t port = 0;
  bool is_port = false;
};

}  // namespace

int cmd_change_policy(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (wants_help(args)) return out << help_text("change-policy"), exit_ok;
  arguments a;
  if (!parse_arguments("change-policy", args, {"--dry-run"}, {"--config"}, a, err)) return exit_usage;
  if (a.positional.size() != 1) {
    err << program << " change-policy: expected one POLICY argument (see --help)\n";
    return exit_usage;
  }
  const bool dry_run = a.flags.count("--dry-run") != 0;
  auto cfg = config_of(a, err);
  if (!cfg) return exit_invalid;
  auto next = policy_argument(a.positional.front(), err);
  if (!next) return exit_invalid;
  const auto next_view = shype::policy_view::load(shype::byte_view(next->data(), next->size()));
  tool::diagnostics diag;
  auto map = label_map::load(cfg->disk_labels, cfg->disk_labels_explicit, diag);
  if (!map) return lines(err, diag), exit_invalid;

  std::vector<action> actions;
  std::string title_before, title_after;
  {
    state_store store(*cfg);
    std::string error, detail;
    if (!store.lock(error)) return err << program << " change-policy: " << error << "\n", exit_invalid;
    host_state state;
    const auto loaded = store.load(state, detail);
    if (loaded == state_store::loaded::unusable)
      return line(err, std::string(program) + " change-policy: " + detail), exit_invalid;
    if (loaded == state_store::loaded::corrupt) line(out, "note: " + detail + "; rebuilt");
    else if (!detail.empty()) line(out, "note: " + detail);
    std::vector<std::uint8_t> current;
    if (!read_policy(*cfg, current, error)) return err << program << " change-policy: " << error << "\n", exit_invalid;
    host_view h = rebuild(state, *cfg, *map, std::move(current), "", false);
    if (!h.eng) return line(err, std::string(program) + " change-policy: " + h.error), exit_invalid;
    title_before = h.eng->policy_title();
    title_after = "'" + str(next_view.value().name()) + "' version " + std::to_string(next_view.value().version().major) + "." +
                  std::to_string(next_view.value().version().minor);

    std::vector<std::string> refusals;
    for (const auto& p : h.problems) refusals.push_back("the host does not fit the policy in force: " + p);
    tool::diagnostics map_diag;
    if (!map->check_labels(next_view.value(), map_diag))
      for (const auto& d : map_diag.list()) refusals.push_back("disk label map: " + tool::format(d));
    if (!cfg->unlabelled_label.empty() &&
        next_view.value().find_vm_label(shype::string_ref(cfg->unlabelled_label.data(), cfg->unlabelled_label.size())) ==
            shype::no_label)
      refusals.push_back("unlabelled_domains (" + cfg->where("unlabelled_domains") + "): label " + cfg->unlabelled_label +
                         " is not in the new policy");
    change_outcome c;
    if (refusals.empty()) {
      // The engine decides on a copy of the bytes; the file written below is the same.
      c = h.eng->change(*next, dry_run);
      refusals.insert(refusals.end(), c.refusals.begin(), c.refusals.end());
    }
    out << "policy change on this host: " << title_before << " -> " << title_after << (dry_run ? " (dry run)" : "") << "\n";
    if (!refusals.empty() || !c.applied) {
      for (const auto& r : refusals) line(out, "  refused: " + r);
      out << "refused: the policy in force stays " << title_before << "; nothing was changed\n";
      log_decisions(*cfg, {"refused policy change to " + title_after + (refusals.empty() ? "" : ": " + refusals.front())});
      return exit_refused;
    }

    // What the new policy forbids, by domain and device; one action per device.
    const auto& placed = h.eng->placed();
    std::set<std::pair<std::string, std::size_t>> ports_down;
    std::set<std::string> suspended;
    for (const auto& r : c.revoked) {
      const domain_entry& d = placed[r.domain];
      const std::string who = "domain '" + d.name + "' (label " + d.label + ")";
      action act;
      act.domain_uuid = d.uuid;
      using kind = binding_origin::kind;
      if (r.what == kind::port_label || r.what == kind::port_share) {
        const port_use& p = d.ports[r.item];
        if (!ports_down.insert({d.uuid, r.item}).second) continue;
        act.is_port = true;
        act.port = r.item;
        act.description = r.what == kind::port_label
                              ? who + " may no longer use network " + p.network + " (label " + p.label + ")"
                              : who + " may no longer share network " + p.network + " with domain '" +
                                    placed[r.other].name + "' (label " + placed[r.other].label + ")";
        act.description += ": port " + p.portid;
        act.command = {cfg->virsh, "-c", cfg->uri, "domif-setlink", d.uuid, p.mac, "down"};
      } else {
        const disk_use& k = d.disks[r.item];
        act.port = r.item;
        act.description = r.what == kind::disk_label
                              ? who + " may no longer use disk " + k.key + " (label " + k.label + ")"
                              : who + " may no longer share disk " + k.key + " with domain '" + placed[r.other].name +
                                    "' (label " + placed[r.other].label + ")";
        if (cfg->suspend_on_revoked_disk && suspended.insert(d.uuid).second)
          act.command = {cfg->virsh, "-c", cfg->uri, "suspend", d.uuid};
      }
      actions.push_back(std::move(act));
    }
    // Labels the new policy renames: the state keeps labels by name.
    const std::vector<std::string> renames = rename_labels(state, next_view.value(), !dry_run);
    if (dry_run) {
      for (const auto& r : renames) out << "  would rename: " << r << "\n";
      for (const auto& act : actions) {
        line(out, "  would revoke: " + act.description);
        if (!act.command.empty()) line(out, "    would run: " + join_command(act.command));
      }
      out << "would apply: " << actions.size() << " revocation(s); nothing was changed (dry run)\n";
      return exit_ok;
    }
    // Record the revocations and the new policy before acting, under the lock; act after it
    // is released, since virsh may wait for a domain whose hook waits for this lock.
    for (const auto& act : actions) {
      domain_entry* d = state.find(act.domain_uuid);
      if (d == nullptr) continue;
      if (act.is_port) d->ports[act.port].revoked = true;
      else {
        d->disks[act.port].revoked = true;
        if (!act.command.empty()) d->suspended = true;
      }
    }
    ++state.changes;
    // The new policy and the state made against it as one step: a failure leaves both old.
    if (!store.commit(state, std::string(next->begin(), next->end()), error)) {
      line(err, std::string(program) + " change-policy: " + error);
      line(err, std::string(program) + " change-policy: nothing was changed: the policy in force stays " + title_before);
      return exit_invalid;
    }
    if (!error.empty()) line(err, std::string(program) + " change-policy: warning: " + error);
    log_decisions(*cfg, {"applied policy change " + title_before + " -> " + title_after + ", " +
                         std::to_string(actions.size()) + " revocation(s), " + std::to_string(renames.size()) + " rename(s)"});
    out << "applied: the policy in force is " << title_after << "\n";
    for (const auto& r : renames) out << "  renamed: " << r << "\n";
  }

  int rc = exit_ok;
  std::vector<std::string> log;
  for (const auto& act : actions) {
    line(out, "  revoked: " + act.description);
    if (act.command.empty()) {
      out << "    no action (on_revoked_disk = report, " << cfg->where("on_revoked_disk") << ")\n";
      continue;
    }
    std::string output;
    const int status = run_program(act.command, output);
    if (status == 0) {
      line(out, "    done: " + join_command(act.command));
      log.push_back("revoked: " + act.description + ": ran " + join_command(act.command));
    } else {
      line(out, "    FAILED (exit " + std::to_string(status) + "): " + join_command(act.command) + (output.empty() ? "" : ": " + output));
      log.push_back("revoked: " + act.description + ": FAILED " + join_command(act.command) + ": " + output);
      rc = exit_action_failed;
    }
  }
  out << actions.size() << " revocation(s)" << (rc == exit_ok ? "" : "; some actions failed (see above)") << "\n";
  log_decisions(*cfg, log);
  return rc;
}

// ===== dispatch ====================================================================================

int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
    (argv.empty() ? err : out) << help_text("");
    return argv.empty() ? exit_usage : exit_ok;
  }
  const std::string& command = argv[0];
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (command == "install") return cmd_install(rest, out, err);
  if (command == "uninstall") return cmd_uninstall(rest, out, err);
  if (command == "status") return cmd_status(rest, out, err);
  if (command == "change-policy") return cmd_change_policy(rest, out, err);
  if (command == "hook") {
    // hook DRIVER [--config FILE] NAME OPERATION SUB-OPERATION EXTRA: libvirt's arguments are
    // passed through untouched, so only a leading --config is ours.
    if (rest.empty() || (rest[0] != "qemu" && rest[0] != "network")) {
      err << program << " hook: expected 'qemu' or 'network' (see '" << program << " --help')\n";
      return exit_usage;
    }
    std::size_t i = 1;
    std::string config_file = default_config_path;
    if (rest.size() > 2 && rest[1] == "--config") {
      config_file = rest[2];
      i = 3;
    }
    const std::vector<std::string> hook_args(rest.begin() + static_cast<std::ptrdiff_t>(i), rest.end());
    const auto input = read_stdin();  // always drained: libvirt writes it whatever we decide
    if (!input) {
      err << "shype: refused: the XML on standard input is larger than the limit of " << (max_input_bytes >> 20) << " MiB\n";
      return exit_refused;
    }
    tool::diagnostics diag;
    auto cfg = load_config(config_file, diag);
    if (!cfg) {
      line(err, "shype: refused: configuration: " + (diag.list().empty() ? config_file : tool::format(diag.list().front())));
      return exit_refused;
    }
    return rest[0] == "qemu" ? hook_qemu(*cfg, hook_args, *input, err) : hook_network(*cfg, hook_args, *input, err);
  }
  err << program << ": unknown command '" << command << "' (see '" << program << " --help')\n";
  return exit_usage;
}

}  // namespace shype::libvirt
