// SPDX-License-Identifier: Apache-2.0
#include "host.hpp"

#include <algorithm>
#include <map>

#include <dirent.h>

#include "util.hpp"

namespace shype::libvirt {

namespace {
shype::string_ref as_ref(const std::string& s) { return shype::string_ref(s.data(), s.size()); }
}  // namespace

network_labels network_labels_of(const config& cfg, const domain_desc& d) {
  network_labels out;
  for (const auto& i : d.interfaces)
    if (!i.portid.empty() && out.count(i.network) == 0) out[i.network] = network_label(cfg, i.network);
  return out;
}

entry_decision entry_for(const domain_desc& d, const config& cfg, const label_map& map, const shype::policy_view& policy,
                         const network_labels& nets) {
  entry_decision r;
  domain_entry& e = r.entry;
  std::string& why = r.refusal;
  e.uuid = d.uuid;
  e.name = d.name;
  e.libvirt_id = d.id;
  if (d.label.present) {
    e.label = d.label.name;
  } else if (!cfg.unlabelled_label.empty()) {
    e.label = cfg.unlabelled_label;
  } else {
    why = std::string("it has no shype label (<metadata><shype:label xmlns:shype=\"") + label_namespace +
          "\" name=\"...\"/></metadata>) and unlabelled domains are refused (unlabelled_domains, " +
          cfg.where("unlabelled_domains") + ")";
    return r;
  }
  if (policy.find_vm_label(as_ref(e.label)) == shype::no_label) {
    why = "label " + e.label + (d.label.present ? "" : " (unlabelled_domains, " + cfg.where("unlabelled_domains") + ")") +
          " is not a VirtualMachineLabel of policy '" + std::string(policy.name().data(), policy.name().size()) + "'";
    return r;
  }
  for (const auto& k : d.disks) {
    disk_use u;
    u.key = k.key;
    u.target = k.target;
    u.shareable = k.shareable;
    u.readonly = k.readonly;
    if (const label_map_entry* m = map.lookup(k.key)) {
      u.label = m->label;
      if (policy.find_resource_label(as_ref(u.label)) == shype::policy_view::npos) {
        why = "disk " + k.key + " is labelled " + u.label + " (" + map.where(*m) +
              "), which is not a ResourceLabel of the policy in force";
        return r;
      }
    } else if (cfg.refuse_unlabelled_disks) {
      why = "disk " + k.key + " has no label in " + map.file() + " and unlabelled disks are refused (unlabelled_disks, " +
            cfg.where("unlabelled_disks") + ")";
      return r;
    }
    e.disks.push_back(std::move(u));
  }
  for (const auto& i : d.interfaces) {
    if (i.portid.empty()) continue;  // ports are admitted by the network hook as they are created
    port_use p;
    p.network = i.network;
    p.portid = i.portid;
    p.mac = i.mac;
    const auto n = nets.find(i.network);
    p.label = n == nets.end() ? std::string() : n->second;
    p.revoked = i.link_down;  // set down (by change-policy, or by hand): it shares nothing
    e.ports.push_back(std::move(p));
  }
  return r;
}

std::string network_label(const config& cfg, const std::string& network) {
  // libvirt refuses '/' in a network name; a record that carries one (or "." / "..") was not written
  // by libvirt, and must not make us read a file outside RUN_DIR/network: no label.
  if (network.empty() || network == "." || network == ".." || network.find('/') != std::string::npos ||
      network.find('\0') != std::string::npos)
    return {};
  const auto text = read_text(cfg.libvirt_run_dir + "/network/" + network + ".xml");
  if (!text) return {};
  const auto n = parse_network_status(*text, "network status");
  return n && n->label.present ? n->label.name : std::string();
}

result<std::vector<std::uint8_t>> read_policy(const config& cfg) {
  auto b = read_bytes(cfg.policy_path());
  if (!b) return error(b.message() + " (no policy in force: run 'shype-libvirt install --policy FILE' first)");
  return b;
}

namespace {

struct live_domain {
  domain_status status;
  std::string file;
};

/// libvirt's records of the QEMU domains whose process is alive, in start order (domain id).
status live_domains(const config& cfg, bool required, std::vector<live_domain>& out, std::vector<std::string>& notes) {
  const std::string dir = cfg.libvirt_run_dir + "/qemu";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr && !required && !exists(dir)) return {};
  if (d == nullptr)
    return error("cannot read libvirt's records of running domains in " + dir + " (libvirt_run_dir, " +
                 cfg.where("libvirt_run_dir") + ")");
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() < 5 || name.compare(name.size() - 4, 4, ".xml") != 0) continue;
    const std::string path = dir + "/" + name;
    const auto text = read_text(path);
    if (!text) continue;  // removed while we read: the domain just stopped
    auto s = parse_domain_status(*text, path);
    if (!s) {
      notes.push_back("ignored " + path + ": " + s.message());
      continue;
    }
    if (!process_alive(s->pid)) continue;
    out.push_back({std::move(*s), path});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const live_domain& a, const live_domain& b) {
    return a.status.domain.id < b.status.domain.id;
  });
  return {};
}

}  // namespace

result<host_view> rebuild(host_state& s, const config& cfg, const label_map& map, std::vector<std::uint8_t> policy,
                          const std::string& daemon, bool require_records) {
  host_view h;
  auto loaded = engine::load(std::move(policy));
  if (!loaded) return error(cfg.policy_path() + ": " + loaded.message());
  h.eng = std::move(*loaded);
  std::vector<live_domain> live;
  if (auto r = live_domains(cfg, require_records, live, h.notes); !r) return std::move(r).failure();
  std::map<std::string, const live_domain*> by_uuid;
  for (const auto& l : live) by_uuid[l.status.domain.uuid] = &l;

  // 1. Forget what no longer runs, or never will.
  for (std::size_t i = 0; i < s.domains.size();) {
    domain_entry& e = s.domains[i];
    const auto it = by_uuid.find(e.uuid);
    std::string gone;
    if (it == by_uuid.end() && e.state == phase::running) {
      gone = "no longer runs (libvirt has no live record of it)";
    } else if (it == by_uuid.end() && !daemon.empty() && e.daemon != daemon) {
      gone = "was admitted by an earlier libvirtd (" + (e.daemon.empty() ? std::string("unknown") : e.daemon) +
             ") and never started";
    }
    if (!gone.empty()) {
      h.notes.push_back("dropped domain '" + e.name + "' (label " + e.label + "): it " + gone);
      s.domains.erase(s.domains.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    if (it != by_uuid.end()) {
      e.state = phase::running;
      e.libvirt_id = it->second->status.domain.id;
      // A port whose link libvirt reports down shares nothing. (Set up again by hand, it
      // stays revoked here: libvirt runs no hook that would let shype refuse or see that.)
      for (auto& p : e.ports) {
        for (const auto& itf : it->second->status.domain.interfaces) {
          if (itf.portid != p.portid) continue;
          if (itf.link_down) p.revoked = true;
          else if (p.revoked) h.notes.push_back("warning: port " + p.portid + " of domain '" + e.name + "' on network " +
                                                p.network + " was revoked, but its link is up again");
        }
      }
      // Ports libvirt reports that the state lost (never the other way round: a port being
      // hot-plugged is in the state before it is in libvirt's record).
      for (const auto& itf : it->second->status.domain.interfaces) {
        if (itf.portid.empty()) continue;
        const bool known = std::any_of(e.ports.begin(), e.ports.end(), [&](const port_use& p) { return p.portid == itf.portid; });
        if (known) continue;
        e.ports.push_back({itf.network, itf.portid, itf.mac, network_label(cfg, itf.network), itf.link_down});
        h.notes.push_back("recovered port " + itf.portid + " of domain '" + e.name + "' on network " + itf.network);
      }
    }
    ++i;
  }

  // 2. Place what the state admitted, in admission order.
  for (const auto& e : s.domains) {
    const std::string why = h.eng->admit(e, shype::hook::domain_create);
    if (!why.empty()) h.problems.push_back("admitted domain '" + e.name + "' (label " + e.label + ") cannot be placed: " + why);
  }

  // 3. Admit what runs but the state lacks, in libvirt's start order.
  for (const auto& l : live) {
    if (s.find(l.status.domain.uuid) != nullptr) continue;
    entry_decision decided = entry_for(l.status.domain, cfg, map, h.eng->policy(), network_labels_of(cfg, l.status.domain));
    domain_entry& e = decided.entry;
    std::string& why = decided.refusal;
    e.state = phase::running;
    e.daemon = daemon;
    if (why.empty()) why = h.eng->admit(e, shype::hook::domain_create);
    if (!why.empty()) {
      // A domain without a label holds no Chinese Wall type: leaving it out cannot let a
      // conflict through. A labelled one that cannot be placed makes every decision unsafe.
      const bool unlabelled = !l.status.domain.label.present && cfg.unlabelled_label.empty();
      const std::string text = "running domain '" + e.name + "' cannot be admitted: " + why;
      (unlabelled ? h.notes : h.problems).push_back(text);
      if (unlabelled) h.unlabelled.push_back(text);
      continue;
    }
    h.notes.push_back("admitted running domain '" + e.name + "' (label " + e.label + ") from libvirt's record " + l.file);
    s.add(std::move(e));
  }
  if (!daemon.empty()) s.daemon = daemon;
  return h;
}

}  // namespace shype::libvirt
