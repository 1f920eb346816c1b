// SPDX-License-Identifier: Apache-2.0
// install, uninstall, status, change-policy and the dispatcher. Each command gathers its inputs,
// asks its plan (plan.hpp), and then commits, executes and renders what the plan says.

#include "commands.hpp"

#include <ostream>

#include <unistd.h>

#include "arguments.hpp"
#include "host.hpp"
#include "plan.hpp"
#include <shype/tool/compile/load_policy.hpp>
#include <shype/tool/io/policy_file.hpp>
#include "util.hpp"

namespace shype::libvirt {

namespace {

constexpr const char* program = "shype-libvirt";

/// One line of output; what it holds may come from domain XML or libvirt: escaped (one_line).
std::ostream& line(std::ostream& o, const std::string& text) { return o << one_line(text) << '\n'; }

/// Prints an error, each line escaped; its kind is the exit code.
int fail(std::ostream& err, const error& e) {
  for (const auto& l : e.lines) line(err, l);
  return e.exit_code();
}

/// "shype-libvirt COMMAND: "
std::string prefix(const char* command) { return std::string(program) + " " + command + ": "; }

/// Loads a policy argument (XML or binary) through the shype tool; its warnings go to `err`.
result<std::vector<std::uint8_t>> policy_argument(const std::string& path, std::ostream& err) {
  tool::loaded_policy p = tool::load_policy_file(path);
  if (!p.ok()) return error::of(p.diag, path + ": cannot load the policy");
  for (const auto& d : p.diag.list()) line(err, tool::format(d));  // warnings
  return std::move(p.binary);
}

/// The state under the lock, as every command reads it.
struct locked_state {
  state_store store;
  host_state state;
  state_store::load_report report;
  explicit locked_state(const config& c) : store(c) {}
};

status lock_and_load(locked_state& l, const char* command) {
  if (auto s = l.store.lock(); !s) return s.failure().prefixed(prefix(command));
  l.report = l.store.load(l.state);
  if (l.report.how == state_store::loaded::unusable) return error(prefix(command) + l.report.detail);
  return {};
}

}  // namespace

// ===== install / uninstall ========================================================================

int cmd_install(const install_options& o, std::ostream& out, std::ostream& err) {
  if (!exists(o.config_file)) {
    const auto slash = o.config_file.rfind('/');
    status s = make_dirs(o.config_file.substr(0, slash == 0 ? 1 : slash));
    if (s) s = write_atomic(o.config_file, render_config(config{}), 0644);
    if (!s) return fail(err, s.failure().prefixed(prefix("install")));
    out << "wrote the default configuration " << o.config_file << "\n";
  }
  auto cfg = load_config(o.config_file);
  if (!cfg) return fail(err, cfg.failure());
  auto policy = policy_argument(o.policy, err);
  if (!policy) return fail(err, policy.failure());
  const auto view = shype::policy_view::load(shype::byte_view(policy->data(), policy->size()));
  auto map = label_map::load(cfg->disk_labels, cfg->disk_labels_explicit);
  if (!map) return fail(err, map.failure());
  if (auto s = map->check_labels(view.value()); !s) return fail(err, s.failure());
  if (!cfg->unlabelled_label.empty() &&
      view.value().find_vm_label(shype::string_ref(cfg->unlabelled_label.data(), cfg->unlabelled_label.size())) == shype::no_label)
    return fail(err, error(cfg->where("unlabelled_domains") + ": unlabelled_domains: label " + cfg->unlabelled_label +
                           " is not a VirtualMachineLabel of the policy"));

  locked_state l(*cfg);
  if (auto s = l.store.lock(); !s) return fail(err, s.failure().prefixed(prefix("install")));
  std::optional<std::vector<std::uint8_t>> current;
  if (exists(cfg->policy_path()))
    if (auto c = read_policy(*cfg)) current = std::move(*c);
  if (auto r = install_replaces(current, *policy, o.replace_policy, cfg->policy_path()))
    return fail(err, error(prefix("install") + *r, error::kind::refused));
  l.report = l.store.load(l.state);
  if (l.report.how == state_store::loaded::unusable) return fail(err, error(prefix("install") + l.report.detail));
  if (l.report.how == state_store::loaded::corrupt) line(out, "warning: " + l.report.detail + "; rebuilt");
  auto rebuilt = rebuild(l.state, *cfg, *map, *policy, "", false);
  if (!rebuilt) return fail(err, rebuilt.failure().prefixed(prefix("install")));
  const host_view& h = *rebuilt;
  for (const auto& n : h.notes) line(out, "note: " + n);
  const install_plan plan = plan_install(h, o.hooks_dir, o.program, o.config_file);
  if (!plan.refusals.empty()) {
    for (const auto& p : plan.refusals) line(err, prefix("install") + "refused: " + p);
    err << program << " install: nothing was installed\n";
    return exit_refused;
  }

  // Commit: the policy and the state as one step (state_store::commit); then the hooks that use them.
  auto committed = l.store.commit(l.state, std::string(policy->begin(), policy->end()));
  if (!committed) return fail(err, committed.failure().prefixed(prefix("install")));
  if (!committed->empty()) line(err, prefix("install") + "warning: " + *committed);
  for (const auto& f : plan.hooks) {
    status s = make_dirs(f.dir);
    if (s) s = write_atomic(f.path, f.content, f.mode);
    if (!s) return fail(err, s.failure().prefixed(prefix("install")));
    out << "installed the " << f.driver << " hook " << f.path << "\n";
  }
  out << "policy in force: " << h.eng->policy_title() << " (" << cfg->policy_path() << ")\n";
  out << "domains admitted on this host: " << l.state.domains.size() << "\n";
  log_decisions(*cfg, {"installed policy " + h.eng->policy_title() + " and the hooks in " + o.hooks_dir});
  out << "libvirtd reads its hooks when it starts: restart it or send it SIGHUP now.\n";
  return exit_ok;
}

int cmd_uninstall(const uninstall_options& o, std::ostream& out, std::ostream& err) {
  auto text_of = [&](const char* driver) -> std::optional<std::string> {
    auto t = read_text(o.hooks_dir + "/" + driver + ".d/shype");
    return t ? std::optional<std::string>(std::move(*t)) : std::nullopt;
  };
  int rc = exit_ok;
  for (const auto& step : plan_uninstall(o.hooks_dir, text_of("qemu"), text_of("network"))) {
    switch (step.what) {
      case uninstall_step::act::absent: out << "no " << step.driver << " hook at " << step.file << "\n"; break;
      case uninstall_step::act::not_ours:
        err << program << " uninstall: " << step.file << " was not written by shype-libvirt install: left in place\n";
        rc = exit_refused;
        break;
      case uninstall_step::act::remove:
        if (::unlink(step.file.c_str()) != 0) {
          err << program << " uninstall: cannot remove " << step.file << "\n";
          rc = exit_invalid;
          break;
        }
        out << "removed the " << step.driver << " hook " << step.file << "\n";
        break;
    }
  }
  out << "libvirtd reads its hooks when it starts: restart it or send it SIGHUP now.\n";
  return rc;
}

// ===== status ======================================================================================

int cmd_status(const status_options& o, std::ostream& out, std::ostream& err) {
  auto cfg = load_config(o.config_file);
  if (!cfg) return fail(err, cfg.failure());
  auto map = label_map::load(cfg->disk_labels, cfg->disk_labels_explicit);
  if (!map) return fail(err, map.failure());
  locked_state l(*cfg);
  if (auto s = lock_and_load(l, "status"); !s) return fail(err, s.failure());
  auto policy = read_policy(*cfg);
  if (!policy) return fail(err, policy.failure().prefixed(prefix("status")));
  const host_state recorded = l.state;
  auto rebuilt = rebuild(l.state, *cfg, *map, std::move(*policy), "", false);
  if (!rebuilt) return fail(err, rebuilt.failure().prefixed(prefix("status")));
  const host_view& h = *rebuilt;

  const auto& detail = l.report.detail;
  line(out, "policy in force: " + h.eng->policy_title() + " (" + cfg->policy_path() + "), " +
                std::to_string(recorded.changes) + " live change(s) on this host");
  if (l.report.how == state_store::loaded::missing) line(out, "state file: missing (rebuilt from libvirt's records below)");
  if (l.report.how == state_store::loaded::corrupt) line(out, "state file: " + detail);
  if (l.report.how == state_store::loaded::ok && !detail.empty()) line(out, "state file: " + detail);
  line(out, "domains admitted on this host: " + std::to_string(l.state.domains.size()));
  for (const auto& d : l.state.domains) {
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

/// How one action went.
struct action_result {
  bool ran = false;  ///< false: report only
  program_result program;
};

/// Execute: runs each action's command (after the lock is released: virsh may wait for a
/// domain whose hook waits for the lock).
std::vector<action_result> execute(const std::vector<revocation>& actions) {
  std::vector<action_result> results;
  for (const auto& act : actions) {
    action_result r;
    if (!act.command.empty()) {
      r.ran = true;
      r.program = run_program(act.command);
    }
    results.push_back(std::move(r));
  }
  return results;
}

/// Render: the refusal, the dry run, or what was applied.
void render_change_header(const change_plan& plan, bool dry_run, std::ostream& out) {
  out << "policy change on this host: " << plan.title_before << " -> " << plan.title_after << (dry_run ? " (dry run)" : "")
      << "\n";
}

void render_dry_run(const change_plan& plan, std::ostream& out) {
  for (const auto& r : plan.renames) out << "  would rename: " << r << "\n";
  for (const auto& act : plan.actions) {
    line(out, "  would revoke: " + act.description);
    if (!act.command.empty()) line(out, "    would run: " + join_command(act.command));
  }
  out << "would apply: " << plan.actions.size() << " revocation(s); nothing was changed (dry run)\n";
}

/// Prints each action's outcome; returns the log lines and sets `rc` (exit_action_failed if one failed).
std::vector<std::string> render_actions(const change_plan& plan, const std::vector<action_result>& results, const config& cfg,
                                        std::ostream& out, int& rc) {
  std::vector<std::string> log;
  rc = exit_ok;
  for (std::size_t i = 0; i < plan.actions.size(); ++i) {
    const revocation& act = plan.actions[i];
    const action_result& r = results[i];
    line(out, "  revoked: " + act.description);
    if (!r.ran) {
      out << "    no action (on_revoked_disk = report, " << cfg.where("on_revoked_disk") << ")\n";
      continue;
    }
    const std::string cmd = join_command(act.command);
    if (r.program.status == 0) {
      line(out, "    done: " + cmd);
      log.push_back("revoked: " + act.description + ": ran " + cmd);
    } else {
      const std::string& output = r.program.output;
      line(out, "    FAILED (exit " + std::to_string(r.program.status) + "): " + cmd + (output.empty() ? "" : ": " + output));
      log.push_back("revoked: " + act.description + ": FAILED " + cmd + ": " + output);
      rc = exit_action_failed;
    }
  }
  out << plan.actions.size() << " revocation(s)" << (rc == exit_ok ? "" : "; some actions failed (see above)") << "\n";
  return log;
}

}  // namespace

int cmd_change_policy(const change_options& o, std::ostream& out, std::ostream& err) {
  auto cfg = load_config(o.config_file);
  if (!cfg) return fail(err, cfg.failure());
  auto next = policy_argument(o.policy, err);
  if (!next) return fail(err, next.failure());
  auto map = label_map::load(cfg->disk_labels, cfg->disk_labels_explicit);
  if (!map) return fail(err, map.failure());

  change_plan plan;
  {
    locked_state l(*cfg);
    if (auto s = lock_and_load(l, "change-policy"); !s) return fail(err, s.failure());
    if (l.report.how == state_store::loaded::corrupt) line(out, "note: " + l.report.detail + "; rebuilt");
    else if (!l.report.detail.empty()) line(out, "note: " + l.report.detail);
    auto current = read_policy(*cfg);
    if (!current) return fail(err, current.failure().prefixed(prefix("change-policy")));
    auto rebuilt = rebuild(l.state, *cfg, *map, std::move(*current), "", false);
    if (!rebuilt) return fail(err, rebuilt.failure().prefixed(prefix("change-policy")));
    host_view& h = *rebuilt;

    plan = plan_change_policy({*cfg, *map, *h.eng, h.problems, l.state, *next});
    render_change_header(plan, o.dry_run, out);
    if (plan.refused()) {
      for (const auto& r : plan.refusals) line(out, "  refused: " + r);
      out << "refused: the policy in force stays " << plan.title_before << "; nothing was changed\n";
      log_decisions(*cfg, {"refused policy change to " + plan.title_after + ": " + plan.refusals.front()});
      return exit_refused;
    }
    if (o.dry_run) {
      render_dry_run(plan, out);
      return exit_ok;
    }
    // Commit, under the lock: the new policy and the state made against it (revocations
    // marked before they are acted on) as one step; a failure leaves both old.
    auto committed = l.store.commit(plan.next, std::string(next->begin(), next->end()));
    if (!committed) {
      fail(err, committed.failure().prefixed(prefix("change-policy")));
      line(err, prefix("change-policy") + "nothing was changed: the policy in force stays " + plan.title_before);
      return exit_invalid;
    }
    if (!committed->empty()) line(err, prefix("change-policy") + "warning: " + *committed);
    log_decisions(*cfg, {"applied policy change " + plan.title_before + " -> " + plan.title_after + ", " +
                         std::to_string(plan.actions.size()) + " revocation(s), " + std::to_string(plan.renames.size()) +
                         " rename(s)"});
    out << "applied: the policy in force is " << plan.title_after << "\n";
    for (const auto& r : plan.renames) out << "  renamed: " << r << "\n";
  }  // the lock is released here

  const auto results = execute(plan.actions);
  int rc = exit_ok;
  log_decisions(*cfg, render_actions(plan, results, *cfg, out, rc));
  return rc;
}

// ===== dispatch ====================================================================================

int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto parsed = parse_command_line(argv);
  if (!parsed) {
    if (!argv.empty() && argv[0] == "hook") (void)read_stdin();  // libvirt writes it whatever we say
    return fail(err, parsed.failure());
  }
  if (const auto* h = std::get_if<help_request>(&*parsed)) {
    (h->to_stderr ? err : out) << h->text;
    return h->to_stderr ? exit_usage : exit_ok;
  }
  if (const auto* o = std::get_if<install_options>(&*parsed)) return cmd_install(*o, out, err);
  if (const auto* o = std::get_if<uninstall_options>(&*parsed)) return cmd_uninstall(*o, out, err);
  if (const auto* o = std::get_if<status_options>(&*parsed)) return cmd_status(*o, out, err);
  if (const auto* o = std::get_if<change_options>(&*parsed)) return cmd_change_policy(*o, out, err);
  const auto& hook = std::get<hook_options>(*parsed);
  const auto input = read_stdin();  // always drained: libvirt writes it whatever we decide
  if (!input) {
    line(err, "shype: refused: " + input.message());
    return exit_refused;
  }
  auto cfg = load_config(hook.config_file);
  if (!cfg) {
    line(err, "shype: refused: configuration: " + cfg.message());
    return exit_refused;
  }
  return hook.driver == "qemu" ? hook_qemu(*cfg, hook, *input, err) : hook_network(*cfg, hook, *input, err);
}

}  // namespace shype::libvirt
