// SPDX-License-Identifier: Apache-2.0
#include "plan.hpp"

#include <set>
#include <utility>

#include "label_renames.hpp"

namespace shype::libvirt {

namespace {

std::string str(shype::string_ref s) { return std::string(s.data(), s.size()); }
shype::string_ref as_ref(const std::string& s) { return shype::string_ref(s.data(), s.size()); }

std::string title_of(const shype::policy_view& p) {
  return "'" + str(p.name()) + "' version " + std::to_string(p.version().major) + "." + std::to_string(p.version().minor);
}

/// `p` refusing with `line`. By reference: `line` is often made of `p`'s own fields, and a
/// by-value parameter could be moved from before the argument that reads them is evaluated.
hook_plan refused(hook_plan&& p, const std::string& line) {
  p.refusal = line;
  p.save.reset();
  return std::move(p);
}

}  // namespace

// ===== change-policy ==============================================================================

change_plan plan_change_policy(const change_inputs& in) {
  change_plan plan;
  const auto next_view = shype::policy_view::load(shype::byte_view(in.next.data(), in.next.size()));
  plan.title_before = in.current.policy_title();
  if (!next_view) {  // the caller loads it through the tool, which validates it: defence in depth
    plan.refusals.push_back("the new policy is not a valid binary policy");
    return plan;
  }
  const shype::policy_view& nv = next_view.value();
  plan.title_after = title_of(nv);

  for (const auto& p : in.problems) plan.refusals.push_back("the host does not fit the policy in force: " + p);
  if (auto s = in.map.check_labels(nv); !s)
    for (const auto& l : s.failure().lines) plan.refusals.push_back("disk label map: " + l);
  if (!in.cfg.unlabelled_label.empty() && nv.find_vm_label(as_ref(in.cfg.unlabelled_label)) == shype::no_label)
    plan.refusals.push_back("unlabelled_domains (" + in.cfg.where("unlabelled_domains") + "): label " +
                            in.cfg.unlabelled_label + " is not in the new policy");
  if (plan.refused()) return plan;

  // Asked as a dry run: the monitor reports what applying would revoke and keeps its policy.
  const change_outcome c = in.current.change(in.next, true);
  plan.refusals = c.refusals;
  if (plan.refused()) return plan;
  if (!c.applied) {
    plan.refusals.push_back("the monitor did not permit the change");
    return plan;
  }

  // What the new policy forbids, by domain and device; one action per device.
  const auto& placed = in.current.placed();
  std::set<std::pair<std::string, std::size_t>> ports_down;
  std::set<std::string> suspended;
  plan.next = in.state;
  for (const auto& r : c.revoked) {
    const domain_entry& d = placed[r.domain];
    const std::string who = "domain '" + d.name + "' (label " + d.label + ")";
    domain_entry* mine = plan.next.find(d.uuid);
    revocation act;
    using kind = binding_origin::kind;
    if (r.what == kind::port_label || r.what == kind::port_share) {
      const port_use& p = d.ports[r.item];
      if (!ports_down.insert({d.uuid, r.item}).second) continue;
      act.description = r.what == kind::port_label
                            ? who + " may no longer use network " + p.network + " (label " + p.label + ")"
                            : who + " may no longer share network " + p.network + " with domain '" + placed[r.other].name +
                                  "' (label " + placed[r.other].label + ")";
      act.description += ": port " + p.portid;
      act.command = {in.cfg.virsh, "-c", in.cfg.uri, "domif-setlink", d.uuid, p.mac, "down"};
      if (mine != nullptr) mine->ports[r.item].revoked = true;
    } else {
      const disk_use& k = d.disks[r.item];
      act.description = r.what == kind::disk_label
                            ? who + " may no longer use disk " + k.key + " (label " + k.label + ")"
                            : who + " may no longer share disk " + k.key + " with domain '" + placed[r.other].name +
                                  "' (label " + placed[r.other].label + ")";
      if (in.cfg.suspend_on_revoked_disk && suspended.insert(d.uuid).second)
        act.command = {in.cfg.virsh, "-c", in.cfg.uri, "suspend", d.uuid};
      if (mine != nullptr) {
        mine->disks[r.item].revoked = true;
        if (!act.command.empty()) mine->suspended = true;
      }
    }
    plan.actions.push_back(std::move(act));
  }
  // Labels the new policy renames: the state keeps labels by name.
  plan.renames = rename_labels(plan.next, nv, true);
  ++plan.next.changes;
  return plan;
}

// ===== install / uninstall ========================================================================

std::optional<std::string> install_replaces(const std::optional<std::vector<std::uint8_t>>& current,
                                            const std::vector<std::uint8_t>& next, bool replace_policy,
                                            const std::string& policy_path) {
  if (!current || *current == next || replace_policy) return std::nullopt;
  return "a different policy is in force (" + policy_path + "): use 'shype-libvirt change-policy', or --replace-policy";
}

install_plan plan_install(const host_view& h, const std::string& hooks_dir, const std::string& program,
                          const std::string& config_file) {
  install_plan plan;
  // A running domain shype cannot admit would be stopped by libvirt at its next restart
  // (reconnect): label it first.
  plan.refusals = h.problems;
  plan.refusals.insert(plan.refusals.end(), h.unlabelled.begin(), h.unlabelled.end());
  if (!plan.refusals.empty()) return plan;
  for (const char* driver : {"qemu", "network"}) {
    file_to_write f;
    f.driver = driver;
    f.dir = hooks_dir + "/" + driver + ".d";
    f.path = f.dir + "/shype";
    f.content = "#!/bin/sh\n# shype " + std::string(driver) + " hook, " + install_marker +
                " (see adapters/libvirt/README.md).\n" +
                "# libvirt calls it as NAME OPERATION SUB-OPERATION EXTRA with the XML on stdin.\nexec '" + program +
                "' hook " + driver + " --config '" + config_file + "' \"$@\"\n";
    f.mode = 0755;
    plan.hooks.push_back(std::move(f));
  }
  return plan;
}

std::vector<uninstall_step> plan_uninstall(const std::string& hooks_dir, const std::optional<std::string>& qemu_hook,
                                           const std::optional<std::string>& network_hook) {
  std::vector<uninstall_step> steps;
  for (const auto& [driver, text] : {std::pair<const char*, const std::optional<std::string>&>{"qemu", qemu_hook},
                                     {"network", network_hook}}) {
    uninstall_step s;
    s.driver = driver;
    s.file = hooks_dir + "/" + driver + ".d/shype";
    s.what = !text ? uninstall_step::act::absent
             : text->find(install_marker) == std::string::npos ? uninstall_step::act::not_ours
                                                               : uninstall_step::act::remove;
    steps.push_back(std::move(s));
  }
  return steps;
}

// ===== the qemu hook ==============================================================================

qemu_event qemu_event_of(const std::string& op, const std::string& sub) {
  if (sub == "begin" && (op == "prepare" || op == "restore" || op == "migrate" || op == "start" || op == "reconnect"))
    return qemu_event::admit;
  if (op == "started" && sub == "begin") return qemu_event::started;
  if (op == "release" && sub == "end") return qemu_event::release;
  return qemu_event::ignored;  // stopped, attach, ...: nothing to decide
}

bool qemu_admits_afresh(const std::string& op) { return op == "prepare" || op == "restore" || op == "migrate"; }

const char* qemu_what(const std::string& op) {
  if (op == "restore") return "restore";
  if (op == "migrate") return "incoming migration";
  if (op == "reconnect") return "reconnection";
  return "start";
}

namespace {
shype::hook hook_of(const std::string& op) {
  if (op == "restore") return shype::hook::domain_restore;
  if (op == "migrate") return shype::hook::migrate_in;
  return shype::hook::domain_create;
}
}  // namespace

hook_plan plan_qemu_release(const host_state& state, const domain_desc& dom) {
  hook_plan plan;
  plan.if_save_fails = hook_plan::on_save_failure::fail;
  // Free only what this domain was admitted with: a refused start is released too.
  const domain_entry* e = state.find(dom.uuid);
  if (e != nullptr && (e->libvirt_id < 0 || dom.id < 0 || e->libvirt_id == dom.id)) {
    plan.log.push_back("released domain '" + dom.name + "' (label " + e->label + ")");
    plan.save = state;
    plan.save->remove(dom.uuid);
  }
  return plan;
}

hook_plan plan_qemu_admit(const qemu_inputs& in) {
  hook_plan plan;
  const std::string who = "domain '" + in.dom.name + "'";
  const bool started = in.op == "started";
  plan.refusal_prefix = "shype: refused " + std::string(qemu_what(in.op)) + " of " + who;
  engine& eng = *in.view.eng;

  if (!qemu_admits_afresh(in.op) && eng.placed(in.dom.uuid) != nullptr) {
    // start / started / reconnect of a domain already admitted (or recovered from libvirt's
    // record by rebuild()).
    plan.save = in.state;
    domain_entry* e = plan.save->find(in.dom.uuid);
    if ((started || in.op == "reconnect") && e != nullptr) e->state = phase::running;
    for (const auto& p : in.view.problems) plan.warnings.push_back("shype: warning: " + p);
    return plan;
  }
  // Fail closed while the picture of the host is incomplete. A reconnecting domain is judged on
  // its own: refusing it makes libvirt stop it, which must not happen for another's fault.
  if (in.op != "reconnect" && !started && !in.view.problems.empty())
    return refused(std::move(plan), plan.refusal_prefix + ": the domains admitted on this host do not fit the policy in force (" +
                                        in.view.problems.front() + "); see 'shype-libvirt status'");

  entry_decision decided = entry_for(in.dom, in.cfg, in.map, eng.policy(), in.networks);
  domain_entry& e = decided.entry;
  std::string& why = decided.refusal;
  const std::string labelled = e.label.empty() ? plan.refusal_prefix : plan.refusal_prefix + " (label " + e.label + ")";
  if (!why.empty()) return refused(std::move(plan), labelled + ": " + why);
  if (in.previous) e.libvirt_id = in.dom.id >= 0 ? in.dom.id : in.previous->libvirt_id;
  why = eng.admit(e, hook_of(in.op));
  if (!why.empty()) return refused(std::move(plan), labelled + ": " + why);

  e.state = in.op == "reconnect" || started ? phase::running : phase::admitted;
  e.daemon = in.daemon;
  plan.log.push_back("admitted " + std::string(qemu_what(in.op)) + " of " + who + " (label " + e.label + ", " +
                     std::to_string(e.disks.size()) + " disk(s))");
  plan.save = in.state;
  plan.save->add(std::move(e));
  return plan;
}

// ===== the network hook ===========================================================================

network_event network_event_of(const std::string& op, const std::string& sub) {
  if (sub != "begin") return network_event::ignored;
  if (op == "port-created") return network_event::port_created;
  if (op == "port-deleted") return network_event::port_deleted;
  if (op == "start") return network_event::network_start;
  return network_event::ignored;
}

hook_plan plan_port_deleted(const host_state& state, const network_desc& net, const port_desc& port) {
  hook_plan plan;
  plan.if_save_fails = hook_plan::on_save_failure::warn;  // libvirt deletes the port whatever we say
  for (std::size_t di = 0; di < state.domains.size(); ++di) {
    const domain_entry& d = state.domains[di];
    for (std::size_t i = 0; i < d.ports.size(); ++i) {
      if (d.ports[i].portid != port.uuid) continue;
      plan.log.push_back("released port " + d.ports[i].portid + " of domain '" + d.name + "' on network " + net.name);
      plan.save = state;
      auto& ports = plan.save->domains[di].ports;
      ports.erase(ports.begin() + static_cast<std::ptrdiff_t>(i));
      return plan;
    }
  }
  return plan;
}

hook_plan plan_network_start(const config& cfg, const shype::policy_view& policy, const network_desc& net) {
  // A network whose label the policy lacks would refuse every port: say so when it starts.
  hook_plan plan;
  plan.refusal_prefix = "shype: refused start of network '" + net.name + "'";
  if (net.label.present && policy.find_resource_label(as_ref(net.label.name)) == shype::policy_view::npos)
    return refused(std::move(plan),
                   plan.refusal_prefix + ": its label " + net.label.name + " is not a ResourceLabel of the policy in force");
  if (!net.label.present && cfg.refuse_unlabelled_networks)
    return refused(std::move(plan), plan.refusal_prefix +
                                        ": it has no shype label and unlabelled networks are refused (unlabelled_networks, " +
                                        cfg.where("unlabelled_networks") + ")");
  return plan;
}

hook_plan plan_port_created(const config& cfg, const host_state& state, host_view& view, const network_desc& net,
                            const port_desc& port) {
  hook_plan plan;
  plan.refusal_prefix = "shype: refused domain '" + port.owner_name + "' on network '" + net.name + "'";
  const domain_entry* owner = state.find(port.owner_uuid);
  if (owner != nullptr) {
    for (const auto& p : owner->ports) {
      if (p.portid == port.uuid) {
        // libvirtd re-creates the ports of running domains when it restarts: already admitted.
        plan.save = state;
        return plan;
      }
      if (p.network == net.name && !p.mac.empty() && p.mac == port.mac) {
        // The same interface gets a new port when libvirt updates it (domif-setlink,
        // update-device): it creates the new port, then deletes the old one. It was admitted
        // (or revoked) as it is; the new port inherits that, the old one's record goes with it.
        port_use again = p;
        again.portid = port.uuid;
        plan.log.push_back("port " + port.uuid + " of domain '" + owner->name + "' on network " + net.name +
                           " replaces port " + p.portid + " (same interface, " + port.mac + ")" +
                           (p.revoked ? ", revoked" : ""));
        plan.save = state;
        plan.save->find(port.owner_uuid)->ports.push_back(std::move(again));
        return plan;
      }
    }
  }
  if (!view.problems.empty())
    return refused(std::move(plan), plan.refusal_prefix + ": the domains admitted on this host do not fit the policy in force (" +
                                        view.problems.front() + "); see 'shype-libvirt status'");
  if (owner == nullptr)
    return refused(std::move(plan), plan.refusal_prefix + ": the domain was not admitted by shype's qemu hook");
  const std::string labelled = plan.refusal_prefix + " (label " + owner->label + ")";
  if (!net.label.present && cfg.refuse_unlabelled_networks)
    return refused(std::move(plan),
                   labelled + ": the network has no shype label and unlabelled networks are refused (unlabelled_networks, " +
                       cfg.where("unlabelled_networks") + ")");
  port_use p{net.name, port.uuid, port.mac, net.label.present ? net.label.name : std::string(), false};
  const std::string why = view.eng->admit_port(owner->uuid, p);
  if (!why.empty()) return refused(std::move(plan), labelled + ": " + why);
  plan.log.push_back("admitted port " + p.portid + " of domain '" + owner->name + "' on network " + net.name +
                     (p.label.empty() ? std::string(" (unlabelled)") : " (label " + p.label + ")"));
  plan.save = state;
  plan.save->find(port.owner_uuid)->ports.push_back(std::move(p));
  return plan;
}

}  // namespace shype::libvirt
