// SPDX-License-Identifier: Apache-2.0
// The hooks libvirt runs. Every call takes the host's lock, so two hooks (two `virsh start`s of
// conflicting domains) are decided one after the other against one state; admissions are
// decided by a monitor holding every domain admitted before; a refusal is one line on stderr,
// which libvirt shows to the user, and a non-zero exit, which makes libvirt stop.

#include <iostream>
#include <ostream>

#include <fcntl.h>
#include <unistd.h>

#include "commands.hpp"
#include "host.hpp"
#include "libvirt_xml.hpp"
#include "util.hpp"

namespace shype::libvirt {

void log_decisions(const config& cfg, const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  std::string text;
  for (const auto& l : lines) text += timestamp() + " " + one_line(l) + "\n";  // one record, one line
  std::string error;
  (void)append_log(cfg.log_path(), text, decision_log_limit, error);
}

namespace {

/// The libvirtd that runs this hook (its parent: libvirt execs hooks directly, and the
/// installed wrapper execs this program).
std::string calling_daemon() { return process_identity(static_cast<long>(::getppid())); }

struct locked_host {
  state_store store;
  host_state state;
  std::vector<std::string> log;
  explicit locked_host(const config& c) : store(c) {}
};

/// Locks and loads the state; a missing or unreadable state starts empty (rebuild() then
/// recovers it from libvirt's records). false + `error` if the lock cannot be taken or the
/// state is unusable (a committed policy change that cannot be completed).
bool open_host(locked_host& h, std::string& error) {
  if (!h.store.lock(error)) return false;
  std::string detail;
  switch (h.store.load(h.state, detail)) {
    case state_store::loaded::ok:
      if (!detail.empty()) h.log.push_back(detail);  // an interrupted policy change completed
      break;
    case state_store::loaded::missing: h.log.push_back("state file missing: rebuilding it from libvirt's records"); break;
    case state_store::loaded::corrupt:
      h.log.push_back("state file unreadable: " + detail + "; rebuilding it from libvirt's records");
      break;
    case state_store::loaded::unusable: error = detail; return false;
  }
  return true;
}

const char* what_of(const std::string& op) {
  if (op == "restore") return "restore";
  if (op == "migrate") return "incoming migration";
  if (op == "reconnect") return "reconnection";
  return "start";
}

shype::hook hook_of(const std::string& op) {
  if (op == "restore") return shype::hook::domain_restore;
  if (op == "migrate") return shype::hook::migrate_in;
  return shype::hook::domain_create;
}

int refuse(const config& cfg, locked_host& h, std::ostream& err, const std::string& line) {
  err << one_line(line) << "\n";
  h.log.push_back(line.substr(line.find(' ') + 1));
  log_decisions(cfg, h.log);
  return exit_refused;
}

}  // namespace

int hook_qemu(const config& cfg, const std::vector<std::string>& args, const std::string& input, std::ostream& err) {
  if (args.size() < 3) {
    err << "shype: hook qemu: expected NAME OPERATION SUB-OPERATION [EXTRA] (libvirt's calling convention)\n";
    return exit_usage;
  }
  const std::string& op = args[1];
  const std::string& sub = args[2];
  const bool admit = (sub == "begin" && (op == "prepare" || op == "restore" || op == "migrate" || op == "start" ||
                                         op == "reconnect"));
  const bool started = op == "started" && sub == "begin";
  const bool release = op == "release" && sub == "end";
  if (!admit && !started && !release) return exit_ok;  // stopped, attach, ...: nothing to decide

  tool::diagnostics diag;
  const auto dom = parse_domain(input, "domain XML of '" + args[0] + "' (stdin)", diag);
  if (!dom) {
    err << one_line("shype: refused " + std::string(what_of(op)) + " of domain '" + args[0] +
                    "': cannot read the domain XML: " + (diag.list().empty() ? "no XML" : tool::format(diag.list().front())))
        << "\n";
    return exit_refused;
  }
  locked_host h(cfg);
  std::string error;
  if (!open_host(h, error)) {
    err << one_line("shype: refused " + std::string(what_of(op)) + " of domain '" + dom->name + "': " + error) << "\n";
    return exit_refused;
  }
  const std::string who = "domain '" + dom->name + "'";

  if (release) {
    // Free only what this domain was admitted with: a refused start is released too.
    const domain_entry* e = h.state.find(dom->uuid);
    if (e != nullptr && (e->libvirt_id < 0 || dom->id < 0 || e->libvirt_id == dom->id)) {
      h.log.push_back("released " + who + " (label " + e->label + ")");
      h.state.remove(dom->uuid);
      if (!h.store.save(h.state, error)) {
        err << one_line("shype: " + error) << "\n";
        log_decisions(cfg, h.log);
        return exit_invalid;
      }
    }
    log_decisions(cfg, h.log);
    return exit_ok;
  }

  const std::string refused = "shype: refused " + std::string(what_of(op)) + " of " + who;
  auto map = label_map::load(cfg.disk_labels, cfg.disk_labels_explicit, diag);
  if (!map) return refuse(cfg, h, err, refused + ": disk label map: " + tool::format(diag.list().front()));
  std::vector<std::uint8_t> policy;
  if (!read_policy(cfg, policy, error)) return refuse(cfg, h, err, refused + ": " + error);

  // A new admission replaces an earlier one of the same domain (restore and incoming migration
  // are followed by prepare): decide it afresh, never count it twice.
  const bool fresh = op == "prepare" || op == "restore" || op == "migrate";
  domain_entry previous;
  bool had_previous = false;
  if (fresh) {
    if (const domain_entry* e = h.state.find(dom->uuid)) {
      previous = *e;
      had_previous = true;
      h.state.remove(dom->uuid);
    }
  }
  host_view view = rebuild(h.state, cfg, *map, std::move(policy), calling_daemon());
  for (const auto& n : view.notes) h.log.push_back(n);
  if (!view.eng) return refuse(cfg, h, err, refused + ": " + view.error);

  if (!fresh && view.eng->placed(dom->uuid) != nullptr) {
    // start / started / reconnect of a domain already admitted (or recovered from libvirt's
    // record by rebuild()).
    domain_entry* e = h.state.find(dom->uuid);
    if ((started || op == "reconnect") && e != nullptr) e->state = phase::running;
    for (const auto& p : view.problems) err << one_line("shype: warning: " + p) << "\n";
    if (!h.store.save(h.state, error)) return refuse(cfg, h, err, refused + ": " + error);
    log_decisions(cfg, h.log);
    return exit_ok;
  }
  // Fail closed while the picture of the host is incomplete. A reconnecting domain is judged on
  // its own: refusing it makes libvirt stop it, which must not happen for another's fault.
  if (op != "reconnect" && !started && !view.problems.empty())
    return refuse(cfg, h, err, refused + ": the domains admitted on this host do not fit the policy in force (" +
                                   view.problems.front() + "); see 'shype-libvirt status'");

  std::string why;
  domain_entry e = entry_for(*dom, cfg, *map, view.eng->policy(), why);
  const std::string labelled = e.label.empty() ? refused : refused + " (label " + e.label + ")";
  if (!why.empty()) return refuse(cfg, h, err, labelled + ": " + why);
  if (had_previous) e.libvirt_id = dom->id >= 0 ? dom->id : previous.libvirt_id;
  why = view.eng->admit(e, hook_of(op));
  if (!why.empty()) return refuse(cfg, h, err, labelled + ": " + why);

  e.state = op == "reconnect" || started ? phase::running : phase::admitted;
  e.daemon = calling_daemon();
  h.log.push_back("admitted " + std::string(what_of(op)) + " of " + who + " (label " + e.label + ", " +
                  std::to_string(e.disks.size()) + " disk(s))");
  h.state.add(std::move(e));
  if (!h.store.save(h.state, error)) return refuse(cfg, h, err, refused + ": " + error);
  log_decisions(cfg, h.log);
  return exit_ok;
}

int hook_network(const config& cfg, const std::vector<std::string>& args, const std::string& input, std::ostream& err) {
  if (args.size() < 3) {
    err << "shype: hook network: expected NAME OPERATION SUB-OPERATION [EXTRA] (libvirt's calling convention)\n";
    return exit_usage;
  }
  const std::string& op = args[1];
  const std::string& sub = args[2];
  const bool created = op == "port-created" && sub == "begin";
  const bool deleted = op == "port-deleted" && sub == "begin";
  const bool starting = op == "start" && sub == "begin";
  if (!created && !deleted && !starting) return exit_ok;

  tool::diagnostics diag;
  const auto data = parse_network_hook(input, "network hook data of '" + args[0] + "' (stdin)", diag);
  if (!data) {
    err << one_line("shype: refused " + op + " on network '" + args[0] +
                    "': cannot read the XML: " + (diag.list().empty() ? "no XML" : tool::format(diag.list().front())))
        << "\n";
    return exit_refused;
  }
  const network_desc& net = data->network;
  if ((created || deleted) && !data->port) {
    err << one_line("shype: refused " + op + " on network '" + net.name + "': libvirt passed no <networkport>") << "\n";
    return exit_refused;
  }
  locked_host h(cfg);
  std::string error;
  if (!open_host(h, error)) {
    err << one_line("shype: refused " + op + " on network '" + net.name + "': " + error) << "\n";
    return exit_refused;
  }

  if (deleted) {
    for (auto& d : h.state.domains) {
      for (std::size_t i = 0; i < d.ports.size(); ++i) {
        if (d.ports[i].portid != data->port->uuid) continue;
        h.log.push_back("released port " + d.ports[i].portid + " of domain '" + d.name + "' on network " + net.name);
        d.ports.erase(d.ports.begin() + static_cast<std::ptrdiff_t>(i));
        if (!h.store.save(h.state, error)) err << one_line("shype: " + error) << "\n";
        log_decisions(cfg, h.log);
        return exit_ok;
      }
    }
    log_decisions(cfg, h.log);
    return exit_ok;
  }

  std::vector<std::uint8_t> policy;
  if (starting) {
    // A network whose label the policy lacks would refuse every port: say so when it starts.
    const std::string refused = "shype: refused start of network '" + net.name + "'";
    if (!read_policy(cfg, policy, error)) return refuse(cfg, h, err, refused + ": " + error);
    const auto v = shype::policy_view::load(shype::byte_view(policy.data(), policy.size()));
    if (!v) return refuse(cfg, h, err, refused + ": " + cfg.policy_path() + " is not a valid binary policy");
    if (net.label.present && v.value().find_resource_label(shype::string_ref(net.label.name.data(), net.label.name.size())) ==
                                 shype::policy_view::npos)
      return refuse(cfg, h, err, refused + ": its label " + net.label.name + " is not a ResourceLabel of the policy in force");
    if (!net.label.present && cfg.refuse_unlabelled_networks)
      return refuse(cfg, h, err, refused + ": it has no shype label and unlabelled networks are refused (unlabelled_networks, " +
                                     cfg.where("unlabelled_networks") + ")");
    log_decisions(cfg, h.log);
    return exit_ok;
  }

  const port_desc& port = *data->port;
  const std::string refused = "shype: refused domain '" + port.owner_name + "' on network '" + net.name + "'";
  auto map = label_map::load(cfg.disk_labels, cfg.disk_labels_explicit, diag);
  if (!map) return refuse(cfg, h, err, refused + ": disk label map: " + tool::format(diag.list().front()));
  if (!read_policy(cfg, policy, error)) return refuse(cfg, h, err, refused + ": " + error);
  host_view view = rebuild(h.state, cfg, *map, std::move(policy), calling_daemon());
  for (const auto& n : view.notes) h.log.push_back(n);
  if (!view.eng) return refuse(cfg, h, err, refused + ": " + view.error);

  domain_entry* owner = h.state.find(port.owner_uuid);
  if (owner != nullptr) {
    for (const auto& p : owner->ports) {
      if (p.portid == port.uuid) {
        // libvirtd re-creates the ports of running domains when it restarts: already admitted.
        if (!h.store.save(h.state, error)) return refuse(cfg, h, err, refused + ": " + error);
        log_decisions(cfg, h.log);
        return exit_ok;
      }
      if (p.network == net.name && !p.mac.empty() && p.mac == port.mac) {
        // The same interface gets a new port when libvirt updates it (domif-setlink,
        // update-device): it creates the new port, then deletes the old one. It was admitted
        // (or revoked) as it is; the new port inherits that, the old one's record goes with it.
        port_use again = p;
        again.portid = port.uuid;
        h.log.push_back("port " + port.uuid + " of domain '" + owner->name + "' on network " + net.name +
                        " replaces port " + p.portid + " (same interface, " + port.mac + ")" +
                        (p.revoked ? ", revoked" : ""));
        owner->ports.push_back(std::move(again));  // `p` is not used after this: push_back may move it
        if (!h.store.save(h.state, error)) return refuse(cfg, h, err, refused + ": " + error);
        log_decisions(cfg, h.log);
        return exit_ok;
      }
    }
  }
  if (!view.problems.empty())
    return refuse(cfg, h, err, refused + ": the domains admitted on this host do not fit the policy in force (" +
                                   view.problems.front() + "); see 'shype-libvirt status'");
  if (owner == nullptr) return refuse(cfg, h, err, refused + ": the domain was not admitted by shype's qemu hook");
  const std::string labelled = refused + " (label " + owner->label + ")";
  if (!net.label.present && cfg.refuse_unlabelled_networks)
    return refuse(cfg, h, err, labelled + ": the network has no shype label and unlabelled networks are refused (unlabelled_networks, " +
                                   cfg.where("unlabelled_networks") + ")");
  port_use p{net.name, port.uuid, port.mac, net.label.present ? net.label.name : std::string(), false};
  const std::string why = view.eng->admit_port(owner->uuid, p);
  if (!why.empty()) return refuse(cfg, h, err, labelled + ": " + why);
  owner->ports.push_back(p);
  h.log.push_back("admitted port " + p.portid + " of domain '" + owner->name + "' on network " + net.name +
                  (p.label.empty() ? std::string(" (unlabelled)") : " (label " + p.label + ")"));
  if (!h.store.save(h.state, error)) return refuse(cfg, h, err, refused + ": " + error);
  log_decisions(cfg, h.log);
  return exit_ok;
}

}  // namespace shype::libvirt
