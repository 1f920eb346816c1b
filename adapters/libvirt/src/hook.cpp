// SPDX-License-Identifier: Apache-2.0
// The hooks libvirt runs. Every call takes the host's lock, so two hooks (two `virsh start`s of
// conflicting domains) are decided one after the other against one state; admissions are
// decided by a monitor holding every domain admitted before; a refusal is one line on stderr,
// which libvirt shows to the user, and a non-zero exit, which makes libvirt stop.
//
// Each hook gathers its inputs (the XML, the state under the lock, the policy, libvirt's
// records), asks its plan (plan.hpp), then commits the state the plan says, and renders the
// decision (stderr for libvirt, the decision log).

#include <ostream>

#include <unistd.h>

#include "commands.hpp"
#include "host.hpp"
#include "libvirt_xml.hpp"
#include "plan.hpp"
#include "util.hpp"

namespace shype::libvirt {

void log_decisions(const config& cfg, const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  std::string text;
  for (const auto& l : lines) text += timestamp() + " " + one_line(l) + "\n";  // one record, one line
  (void)append_log(cfg.log_path(), text, decision_log_limit);  // the decision itself went to libvirt
}

namespace {

/// The libvirtd that runs this hook (its parent: libvirt execs hooks directly, and the
/// installed wrapper execs this program).
std::string calling_daemon() { return process_identity(static_cast<long>(::getppid())); }

struct locked_host {
  state_store store;
  host_state state;
  std::vector<std::string> log;  ///< what gathering found (a rebuilt state, a completed change)
  explicit locked_host(const config& c) : store(c) {}
};

/// Locks and loads the state; a missing or unreadable state starts empty (rebuild() then
/// recovers it from libvirt's records). An error if the lock cannot be taken or the state is
/// unusable (a committed policy change that cannot be completed).
status open_host(locked_host& h) {
  if (auto s = h.store.lock(); !s) return s;
  const auto r = h.store.load(h.state);
  switch (r.how) {
    case state_store::loaded::ok:
      if (!r.detail.empty()) h.log.push_back(r.detail);  // an interrupted policy change completed
      break;
    case state_store::loaded::missing: h.log.push_back("state file missing: rebuilding it from libvirt's records"); break;
    case state_store::loaded::corrupt:
      h.log.push_back("state file unreadable: " + r.detail + "; rebuilding it from libvirt's records");
      break;
    case state_store::loaded::unusable: return error(r.detail);
  }
  return {};
}

/// A refusal before any plan (an input could not be gathered): one line, logged.
int refuse(const config& cfg, locked_host& h, std::ostream& err, const std::string& line) {
  err << one_line(line) << "\n";
  h.log.push_back(line.substr(line.find(' ') + 1));
  log_decisions(cfg, h.log);
  return exit_refused;
}

/// Commits and renders a hook's plan.
int carry_out(const config& cfg, locked_host& h, hook_plan plan, std::ostream& err) {
  h.log.insert(h.log.end(), plan.log.begin(), plan.log.end());
  if (plan.refusal) return refuse(cfg, h, err, *plan.refusal);
  for (const auto& w : plan.warnings) err << one_line(w) << "\n";
  if (plan.save) {
    if (auto s = h.store.save(*plan.save); !s) {
      switch (plan.if_save_fails) {
        case hook_plan::on_save_failure::refuse: return refuse(cfg, h, err, plan.refusal_prefix + ": " + s.message());
        case hook_plan::on_save_failure::fail:
          err << one_line("shype: " + s.message()) << "\n";
          log_decisions(cfg, h.log);
          return exit_invalid;
        case hook_plan::on_save_failure::warn: err << one_line("shype: " + s.message()) << "\n"; break;
      }
    }
  }
  log_decisions(cfg, h.log);
  return exit_ok;
}

}  // namespace

int hook_qemu(const config& cfg, const hook_options& call, const std::string& input, std::ostream& err) {
  const std::string& op = call.op;
  const qemu_event event = qemu_event_of(op, call.sub);
  if (event == qemu_event::ignored) return exit_ok;

  const auto dom = parse_domain(input, "domain XML of '" + call.name + "' (stdin)");
  if (!dom) {
    err << one_line("shype: refused " + std::string(qemu_what(op)) + " of domain '" + call.name +
                    "': cannot read the domain XML: " + dom.message())
        << "\n";
    return exit_refused;
  }
  locked_host h(cfg);
  if (auto s = open_host(h); !s) {
    err << one_line("shype: refused " + std::string(qemu_what(op)) + " of domain '" + dom->name + "': " + s.message()) << "\n";
    return exit_refused;
  }
  if (event == qemu_event::release) return carry_out(cfg, h, plan_qemu_release(h.state, *dom), err);

  const std::string refused = "shype: refused " + std::string(qemu_what(op)) + " of domain '" + dom->name + "'";
  auto map = label_map::load(cfg.disk_labels, cfg.disk_labels_explicit);
  if (!map) return refuse(cfg, h, err, refused + ": disk label map: " + map.message());
  auto policy = read_policy(cfg);
  if (!policy) return refuse(cfg, h, err, refused + ": " + policy.message());

  // A new admission replaces an earlier one of the same domain (restore and incoming migration
  // are followed by prepare): decide it afresh, never count it twice.
  std::optional<domain_entry> previous;
  if (qemu_admits_afresh(op)) {
    if (const domain_entry* e = h.state.find(dom->uuid)) {
      previous = *e;
      h.state.remove(dom->uuid);
    }
  }
  const std::string daemon = calling_daemon();
  auto view = rebuild(h.state, cfg, *map, std::move(*policy), daemon);
  if (!view) return refuse(cfg, h, err, refused + ": " + view.message());
  for (const auto& n : view->notes) h.log.push_back(n);
  const network_labels networks = network_labels_of(cfg, *dom);
  return carry_out(cfg, h, plan_qemu_admit({cfg, *map, op, *dom, h.state, previous, *view, daemon, networks}), err);
}

int hook_network(const config& cfg, const hook_options& call, const std::string& input, std::ostream& err) {
  const std::string& op = call.op;
  const network_event event = network_event_of(op, call.sub);
  if (event == network_event::ignored) return exit_ok;

  const auto data = parse_network_hook(input, "network hook data of '" + call.name + "' (stdin)");
  if (!data) {
    err << one_line("shype: refused " + op + " on network '" + call.name + "': cannot read the XML: " + data.message())
        << "\n";
    return exit_refused;
  }
  const network_desc& net = data->network;
  if (event != network_event::network_start && !data->port) {
    err << one_line("shype: refused " + op + " on network '" + net.name + "': libvirt passed no <networkport>") << "\n";
    return exit_refused;
  }
  locked_host h(cfg);
  if (auto s = open_host(h); !s) {
    err << one_line("shype: refused " + op + " on network '" + net.name + "': " + s.message()) << "\n";
    return exit_refused;
  }
  if (event == network_event::port_deleted) return carry_out(cfg, h, plan_port_deleted(h.state, net, *data->port), err);

  if (event == network_event::network_start) {
    const std::string refused = "shype: refused start of network '" + net.name + "'";
    auto policy = read_policy(cfg);
    if (!policy) return refuse(cfg, h, err, refused + ": " + policy.message());
    const auto v = shype::policy_view::load(shype::byte_view(policy->data(), policy->size()));
    if (!v) return refuse(cfg, h, err, refused + ": " + cfg.policy_path() + " is not a valid binary policy");
    return carry_out(cfg, h, plan_network_start(cfg, v.value(), net), err);
  }

  const port_desc& port = *data->port;
  const std::string refused = "shype: refused domain '" + port.owner_name + "' on network '" + net.name + "'";
  auto map = label_map::load(cfg.disk_labels, cfg.disk_labels_explicit);
  if (!map) return refuse(cfg, h, err, refused + ": disk label map: " + map.message());
  auto policy = read_policy(cfg);
  if (!policy) return refuse(cfg, h, err, refused + ": " + policy.message());
  auto view = rebuild(h.state, cfg, *map, std::move(*policy), calling_daemon());
  if (!view) return refuse(cfg, h, err, refused + ": " + view.message());
  for (const auto& n : view->notes) h.log.push_back(n);
  return carry_out(cfg, h, plan_port_created(cfg, h.state, *view, net, port), err);
}

}  // namespace shype::libvirt
