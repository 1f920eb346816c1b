// SPDX-License-Identifier: Apache-2.0
#include "engine.hpp"

#include <utility>

#include <shype/tool/io/load_error_text.hpp>

namespace shype::libvirt {

namespace {

shype::string_ref as_ref(const std::string& s) { return shype::string_ref(s.data(), s.size()); }
std::string str(shype::string_ref s) { return std::string(s.data(), s.size()); }

template <class Set>
std::string te_names(const shype::policy_view& v, const Set& set) {
  std::string out;
  shype::for_each_type(set, [&](std::size_t t) {
    if (t >= v.te_type_count()) return;
    if (!out.empty()) out += ", ";
    out += str(v.te_type_name(t));
  });
  return out.empty() ? "none" : out;
}

}  // namespace

result<std::unique_ptr<engine>> engine::load(std::vector<std::uint8_t> policy) {
  std::unique_ptr<engine> e(new engine());
  e->bytes_ = std::move(policy);
  e->mon_ = std::make_unique<host_monitor>();
  auto r = e->mon_->load_initial(shype::byte_view(e->bytes_.data(), e->bytes_.size()));
  if (!r) return error(tool::format(tool::describe_load_error("policy", e->bytes_.data(), e->bytes_.size(), r.error())));
  return e;
}

std::string engine::policy_title() const {
  const auto v = mon_->policy();
  return "'" + str(v.name()) + "' version " + std::to_string(v.version().major) + "." + std::to_string(v.version().minor);
}

const domain_entry* engine::placed(const std::string& uuid) const {
  for (const auto& d : placed_)
    if (d.uuid == uuid) return &d;
  return nullptr;
}

std::string engine::te_names_of_vm_label(const std::string& label) const {
  const auto v = mon_->policy();
  const auto l = v.find_vm_label(as_ref(label));
  return l == shype::no_label ? "unknown label" : te_names(v, v.vm_label(l).te());
}

std::string engine::describe(const domain_entry& d) const { return "domain '" + d.name + "' (label " + d.label + ")"; }

std::uint64_t engine::origin(binding_origin o) {
  origins_.push_back(o);
  return origins_.size() - 1;
}

std::string engine::explain_conflict(shype::label_id l) const {
  // The Chinese Wall refuses a type b when a conflict set holds b and a running type t != b.
  const auto v = mon_->policy();
  const auto mine = v.vm_label(l).cw();
  for (const auto& e : placed_) {
    const auto other = v.find_vm_label(as_ref(e.label));
    if (other == shype::no_label) continue;
    const auto theirs = v.vm_label(other).cw();
    for (std::size_t k = 0; k < v.conflict_set_count(); ++k) {
      const auto set = v.conflict_set(k);
      std::size_t my_type = v.cw_type_count(), their_type = v.cw_type_count();
      shype::for_each_type(set.types(), [&](std::size_t t) {
        const bool in_mine = ((mine.word(t / 64) >> (t % 64)) & 1u) != 0;
        const bool in_theirs = ((theirs.word(t / 64) >> (t % 64)) & 1u) != 0;
        if (in_mine && my_type == v.cw_type_count()) my_type = t;
        if (in_theirs && !in_mine && their_type == v.cw_type_count()) their_type = t;
      });
      if (my_type == v.cw_type_count() || their_type == v.cw_type_count()) continue;
      return "Chinese Wall: conflict set " + str(set.name()) + ": " + describe(e) + " runs here with type " +
             str(v.cw_type_name(their_type)) + "; this domain's type " + str(v.cw_type_name(my_type)) + " is in the same set";
    }
  }
  return "Chinese Wall: the domain's types conflict with the domains running here";
}

std::string engine::admit(const domain_entry& d, shype::hook op) {
  const auto v = mon_->policy();
  const shype::label_id l = v.find_vm_label(as_ref(d.label));
  if (l == shype::no_label) return "label " + d.label + " is not in policy " + policy_title();
  const std::size_t slot = placed_.size();
  if (slot >= host_limits.max_domains)
    return "capacity: shype tracks at most " + std::to_string(host_limits.max_domains) + " domains per host";
  const auto id = static_cast<shype::domid_t>(slot);
  auto r = mon_->prepare_start(op, id, l);
  if (!r) return std::string("the monitor could not evaluate the start: ") + shype::to_string(r.error());
  if (!r.value().permitted()) return explain_conflict(l);  // placement is the Chinese Wall's alone
  (void)mon_->commit_start(id);
  placed_.push_back(d);
  std::string why = attach_disks(slot);
  std::vector<shype::binding_handle> made;
  for (std::size_t i = 0; why.empty() && i < placed_[slot].ports.size(); ++i)
    if (!placed_[slot].ports[i].revoked) why = attach_port(slot, i, made);
  if (!why.empty()) {
    (void)mon_->domain_destroy(id);  // gives back the placement and closes what was attached
    placed_.pop_back();
  }
  return why;
}

std::string engine::attach_disks(std::size_t slot) {
  const auto v = mon_->policy();
  const auto id = static_cast<shype::domid_t>(slot);
  const domain_entry& d = placed_[slot];
  for (std::size_t i = 0; i < d.disks.size(); ++i) {
    const disk_use& k = d.disks[i];
    if (k.revoked) continue;
    if (!k.label.empty()) {
      const auto rid = v.find_resource_label(as_ref(k.label));
      if (rid == shype::policy_view::npos)
        return "disk " + k.key + ": resource label " + k.label + " is not in policy " + policy_title();
      const auto mode = k.readonly ? shype::access_mode::read : shype::access_mode::read_write;
      auto r = mon_->resource_attach(id, rid, mode, origin({binding_origin::kind::disk_label, slot, i}));
      if (!r) return "disk " + k.key + ": the monitor could not evaluate it: " + shype::to_string(r.error());
      if (!r.value().permitted())
        return "Type Enforcement: disk " + k.key + " (resource label " + k.label + ", types " +
               te_names(v, v.resource_label(rid).te()) + ") shares no type with this domain (types " +
               te_names(v, v.vm_label(v.find_vm_label(as_ref(d.label))).te()) + ")";
    }
    // A disk two domains use, one of them writing, is shared between them: they must have a
    // coalition in common. Read-only on both sides carries nothing from one to the other.
    for (std::size_t o = 0; o < placed_.size(); ++o) {
      if (o == slot) continue;
      for (std::size_t j = 0; j < placed_[o].disks.size(); ++j) {
        const disk_use& other = placed_[o].disks[j];
        if (other.revoked || other.key != k.key || (k.readonly && other.readonly)) continue;
        const auto oid = static_cast<shype::domid_t>(o);
        const std::uint64_t cookie = origin({binding_origin::kind::disk_share, slot, i, o, j});
        // A read-only side only receives: grant from the writer to the reader.
        auto r = !k.readonly && !other.readonly ? mon_->grant_map(oid, id, shype::access_mode::read_write, cookie)
                 : k.readonly                   ? mon_->grant_map(oid, id, shype::access_mode::read, cookie)
                                                : mon_->grant_map(id, oid, shype::access_mode::read, cookie);
        if (!r) return "disk " + k.key + ": the monitor could not evaluate the sharing: " + shype::to_string(r.error());
        if (!r.value().permitted())
          return "Type Enforcement: disk " + k.key + " is shared with " + describe(placed_[o]) +
                 ", which is in no coalition with this domain";
      }
    }
  }
  return {};
}

std::string engine::attach_port(std::size_t slot, std::size_t port, std::vector<shype::binding_handle>& made) {
  const auto v = mon_->policy();
  const auto id = static_cast<shype::domid_t>(slot);
  const domain_entry& d = placed_[slot];
  const port_use& p = d.ports[port];
  if (!p.label.empty()) {
    const auto rid = v.find_resource_label(as_ref(p.label));
    if (rid == shype::policy_view::npos)
      return "network " + p.network + ": resource label " + p.label + " is not in policy " + policy_title();
    auto r = mon_->resource_attach(id, rid, shype::access_mode::read_write, origin({binding_origin::kind::port_label, slot, port}));
    if (!r) return "network " + p.network + ": the monitor could not evaluate it: " + shype::to_string(r.error());
    if (!r.value().permitted())
      return "Type Enforcement: network " + p.network + " (resource label " + p.label + ", types " +
             te_names(v, v.resource_label(rid).te()) + ") shares no type with this domain (types " +
             te_names(v, v.vm_label(v.find_vm_label(as_ref(d.label))).te()) + ")";
    made.push_back(r.value().handle);
  }
  // Every domain on one network can reach every other: each pair must share a coalition.
  for (std::size_t o = 0; o < placed_.size(); ++o) {
    if (o == slot) continue;
    for (std::size_t j = 0; j < placed_[o].ports.size(); ++j) {
      const port_use& other = placed_[o].ports[j];
      if (other.revoked || other.network != p.network) continue;
      auto r = mon_->evtchn_bind(id, static_cast<shype::domid_t>(o),
                                 origin({binding_origin::kind::port_share, slot, port, o, j}));
      if (!r) return "network " + p.network + ": the monitor could not evaluate the sharing: " + shype::to_string(r.error());
      if (!r.value().permitted())
        return "Type Enforcement: network " + p.network + " is shared with " + describe(placed_[o]) +
               ", which is in no coalition with this domain";
      made.push_back(r.value().handle);
    }
  }
  return {};
}

std::string engine::admit_port(const std::string& owner_uuid, const port_use& p) {
  std::size_t slot = placed_.size();
  for (std::size_t i = 0; i < placed_.size(); ++i)
    if (placed_[i].uuid == owner_uuid) slot = i;
  if (slot == placed_.size()) return "its domain was not admitted by shype";
  placed_[slot].ports.push_back(p);
  std::vector<shype::binding_handle> made;
  std::string why = attach_port(slot, placed_[slot].ports.size() - 1, made);
  if (!why.empty()) {
    // Take back what this port got before it was refused (the first binding may be the label's).
    for (const auto& h : made)
      if (!mon_->resource_detach(h)) (void)mon_->evtchn_close(h);
    placed_[slot].ports.pop_back();
  }
  return why;
}

change_outcome engine::change(std::vector<std::uint8_t> next, bool dry_run) {
  change_outcome out;
  std::vector<shype::violation> violations;
  auto r = mon_->change_policy(
      shype::hypervisor_subject, shype::byte_view(next.data(), next.size()),
      dry_run ? shype::change_mode::dry_run : shype::change_mode::apply,
      [&](shype::binding_handle, const shype::binding& b) {
        if (b.cookie < origins_.size()) out.revoked.push_back(origins_[b.cookie]);
      },
      [&](const shype::violation& v) { violations.push_back(v); });
  if (!r) {
    out.refusals.push_back("the new policy cannot be used: " +
                           tool::format(tool::describe_load_error("policy", next.data(), next.size(), r.error())));
    return out;
  }
  // Name every violation with the new policy's words (it is valid: the monitor loaded it).
  const auto nv = shype::policy_view::load(shype::byte_view(next.data(), next.size()));
  for (const auto& v : violations) {
    if (v.kind == shype::violation_kind::rename_unknown) {  // names no domain
      const std::string what = shype::to_string(v.table);
      out.refusals.push_back("the new policy renames " + what + " " + str(v.new_label) + " from " + str(v.label) +
                             ", which is not a " + what + " of the policy in force");
      continue;
    }
    if (v.domain >= placed_.size()) continue;  // every domain the monitor knows is placed here
    const domain_entry& d = placed_[v.domain];
    if (v.kind == shype::violation_kind::label_missing) {
      out.refusals.push_back(describe(d) + " runs here, and the new policy has no label " + d.label);
      continue;
    }
    // The labels as the new policy names them (renames applied).
    auto renamed = [](const std::string& old_name, shype::string_ref now) {
      return now.empty() || str(now) == old_name ? std::string() : ", renamed " + str(now);
    };
    std::string text = "Chinese Wall: " + describe(d) + renamed(d.label, v.new_label);
    if (v.other < placed_.size()) {
      const domain_entry& o = placed_[v.other];
      text += " and " + describe(o) + renamed(o.label, v.other_label) + " both run here";
      if (nv) {
        const auto a = nv.value().vm_label(nv.value().find_vm_label(v.new_label)).cw();
        const auto b = nv.value().vm_label(nv.value().find_vm_label(v.other_label)).cw();
        for (std::size_t k = 0; k < nv.value().conflict_set_count(); ++k) {
          const auto set = nv.value().conflict_set(k);
          if (shype::intersects(a, set.types()) && shype::intersects(b, set.types())) {
            text += ", and the new policy's conflict set " + str(set.name()) + " holds both their types";
            break;
          }
        }
      }
    } else {
      text += " could not be placed with the domains running here";
    }
    out.refusals.push_back(text);
  }
  out.applied = r.value().value == shype::decision::permit;
  if (out.applied && !dry_run) bytes_ = std::move(next);  // the monitor now reads these bytes
  return out;
}

}  // namespace shype::libvirt
