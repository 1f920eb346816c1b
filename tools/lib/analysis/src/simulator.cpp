// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/analysis/simulator.hpp>

#include <algorithm>
#include <filesystem>

#include <shype/tool/io/json.hpp>
#include <shype/tool/io/load_error_text.hpp>

namespace shype::tool {
namespace {

std::string q(const std::string& s) { return "\"" + s + "\""; }
std::string str(shype::string_ref s) { return std::string(s.data(), s.size()); }

bool contains(const shype::type_set_view& s, std::size_t t) { return ((s.word(t / 64) >> (t % 64)) & 1u) != 0; }

/// The conflict set that keeps labels a and b off one host under `v`, if any.
std::optional<std::size_t> conflict_set_between(const shype::policy_view& v, shype::label_id a, shype::label_id b) {
  if (!v.has_cw() || a == shype::no_label || b == shype::no_label) return std::nullopt;
  const auto la = v.vm_label(a), lb = v.vm_label(b);
  for (std::size_t k = 0; k < v.conflict_set_count(); ++k) {
    const auto set = v.conflict_set(k).types();
    std::optional<std::size_t> found;
    shype::for_each_type(la.cw(), [&](std::size_t t) {
      if (!contains(set, t)) return;
      shype::for_each_type(lb.cw(), [&](std::size_t u) {
        if (u != t && contains(set, u)) found = k;
      });
    });
    if (found) return found;
  }
  return std::nullopt;
}

sim_result make(const trace_op& op, const char* decision, std::string reason = {}) {
  sim_result r;
  r.line = op.line;
  r.op = op.verb;
  r.decision = decision;
  r.reason = std::move(reason);
  return r;
}

sim_result op_error(const trace_op& op, std::string reason) { return make(op, "error", std::move(reason)); }

bool arity(const trace_op& op, std::size_t min, std::size_t max) { return op.args.size() >= min && op.args.size() <= max; }

}  // namespace

std::string sim_result::json() const {
  json_object o;
  o.field("line", static_cast<std::uint64_t>(line)).field("op", op).field("decision", decision);
  if (types) o.field("types", *types);
  if (revoked) o.field("revoked", *revoked);
  if (!reason.empty()) o.field("reason", reason);
  return o.str();
}

simulator::simulator(std::vector<std::uint8_t> policy, std::string base_dir, policy_loader load_file)
    : policy_(std::make_shared<const std::vector<std::uint8_t>>(std::move(policy))),
      base_dir_(std::move(base_dir)),
      load_file_(std::move(load_file)) {
  for (std::size_t i = 0; i < simulator_limits.max_domains; ++i) free_ids_.insert(static_cast<shype::domid_t>(i));
}

simulator::~simulator() = default;

bool simulator::start(const std::string& policy_file, diagnostics& diag) {
  auto v = shype::policy_view::load(shype::byte_view(policy_->data(), policy_->size()));
  if (!v) {
    diag.add(describe_load_error(policy_file, policy_->data(), policy_->size(), v.error()));
    return false;
  }
  view_ = v.value();
  std::unique_ptr<sim_monitor> fresh;
  if (auto m = host(default_host, fresh); !m) {
    diag.error(policy_file, 0, "", m.message());
    return false;
  }
  adopt(default_host, fresh);
  return true;
}

result<sim_monitor*> simulator::host(const std::string& name, std::unique_ptr<sim_monitor>& fresh) {
  auto it = hosts_.find(name);
  if (it != hosts_.end()) return it->second.get();
  if (hosts_.size() >= max_simulated_hosts)
    return error("too many hosts: host " + q(name) + " would be host " + std::to_string(hosts_.size() + 1) + ", the simulator holds " +
                 std::to_string(max_simulated_hosts));
  fresh = std::make_unique<sim_monitor>();  // megabytes of fixed tables: heap, not stack
  if (auto r = fresh->load_initial(shype::byte_view(policy_->data(), policy_->size())); !r) {
    fresh.reset();
    const diagnostic d = describe_load_error("policy", policy_->data(), policy_->size(), r.error());
    return error("the monitor of host " + q(name) + " refuses the policy: " + d.element + ": " + d.message);
  }
  return fresh.get();
}

void simulator::adopt(const std::string& name, std::unique_ptr<sim_monitor>& fresh) {
  if (fresh) hosts_.emplace(name, std::move(fresh));
}

simulator::domain* simulator::find(const std::string& name) {
  auto it = domains_.find(name);
  return it == domains_.end() ? nullptr : &it->second;
}

std::string simulator::label_name(shype::label_id l) const {
  return l < view_.vm_label_count() ? str(view_.vm_label(l).name()) : "?";
}

std::string simulator::name_of(shype::domid_t id) const {
  for (const auto& [name, d] : domains_)
    if (d.id == id) return name;
  return "domain " + std::to_string(id);
}

std::string simulator::placement_reason(shype::label_id label, const std::string& on, shype::domid_t self) const {
  // The monitor says "Chinese Wall denied"; name the running domain it is about, lowest id first.
  std::vector<const domain*> running;
  for (const auto& [name, d] : domains_)
    if (!d.saved && d.host == on && d.id != self) running.push_back(&d);
  std::sort(running.begin(), running.end(), [](const domain* a, const domain* b) { return a->id < b->id; });
  const sim_monitor& m = *hosts_.at(on);
  for (const domain* d : running) {
    const shype::label_id other = m.domain(d->id).label;
    if (auto k = conflict_set_between(view_, label, other))
      return "Chinese Wall: label " + q(label_name(label)) + " conflicts with domain " + d->name + " (label " + q(label_name(other)) +
             ") running on host " + q(on) + " (conflict set " + q(str(view_.conflict_set(*k).name())) + ")";
  }
  return "Chinese Wall: label " + q(label_name(label)) + " conflicts with a domain running on host " + q(on);
}

std::string simulator::sharing_reason(const domain& a, const domain& b) const {
  const sim_monitor& m = *hosts_.at(a.host);
  return "Type Enforcement: labels " + q(label_name(m.domain(a.id).label)) + " and " + q(label_name(m.domain(b.id).label)) +
         " have no TE type in common";
}

result<simulator::operands> simulator::pair(const trace_op& op) {
  domain* a = find(op.args[0]);
  domain* b = find(op.args[1]);
  if (a == nullptr || b == nullptr) return error("unknown domain " + q(a == nullptr ? op.args[0] : op.args[1]));
  if (a == b) return error("both operands are domain " + a->name);
  for (const domain* d : {a, b})
    if (d->saved) return error("domain " + d->name + " is not running (it is saved)");
  if (a->host != b->host)
    return error("domains " + a->name + " and " + b->name + " run on different hosts (" + q(a->host) + ", " + q(b->host) + ")");
  return operands{a, b};
}

sim_result simulator::run(const trace_op& op) {
  if (!op.problem.empty()) return op_error(op, op.problem);
  if (op.verb == "create") return create(op);
  if (op.verb == "destroy") return destroy(op);
  if (op.verb == "save") return save(op);
  if (op.verb == "restore") return restore(op);
  if (op.verb == "migrate") return migrate(op);
  if (op.verb == "bind" || op.verb == "grant") return share(op);
  if (op.verb == "access") return access(op);
  if (op.verb == "query") return query(op);
  if (op.verb == "load") return load(op);
  return op_error(op, "unknown operation " + q(op.verb) + " (expected create, destroy, save, restore, migrate, bind, grant, access, query or load)");
}

sim_result simulator::create(const trace_op& op) {
  if (!arity(op, 2, 3)) return op_error(op, "usage: create DOM LABEL [HOST]");
  const std::string& name = op.args[0];
  const std::string on = op.args.size() == 3 ? op.args[2] : default_host;
  if (const domain* d = find(name))
    return op_error(op, "domain name " + q(name) + " is already in use (" + (d->saved ? "saved" : "running") + " on host " + q(d->host) + ")");
  const shype::label_id label = view_.find_vm_label(shype::string_ref(op.args[1].data(), op.args[1].size()));
  if (label == shype::no_label) return op_error(op, "unknown VM label " + q(op.args[1]));
  if (free_ids_.empty()) return op_error(op, "too many domains (the simulator holds " + std::to_string(simulator_limits.max_domains) + ")");
  std::unique_ptr<sim_monitor> fresh;
  auto got = host(on, fresh);
  if (!got) return op_error(op, got.message());
  sim_monitor* m = *got;
  const shype::domid_t id = *free_ids_.begin();
  auto r = m->domain_create(id, label);
  if (!r) return op_error(op, std::string("monitor error: ") + shype::to_string(r.error()));
  if (!r->permitted()) return make(op, "deny", fresh ? "internal error: a new host refused a domain" : placement_reason(label, on, id));
  adopt(on, fresh);
  free_ids_.erase(id);
  domains_.emplace(name, domain{name, id, on, false});
  return make(op, "permit");
}

sim_result simulator::destroy(const trace_op& op) {
  if (!arity(op, 1, 1)) return op_error(op, "usage: destroy DOM");
  domain* d = find(op.args[0]);
  if (d == nullptr) return op_error(op, "unknown domain " + q(op.args[0]));
  if (auto r = hosts_.at(d->host)->domain_destroy(d->id); !r) return op_error(op, std::string("monitor error: ") + shype::to_string(r.error()));
  free_ids_.insert(d->id);
  domains_.erase(op.args[0]);
  return make(op, "permit");
}

sim_result simulator::save(const trace_op& op) {
  if (!arity(op, 1, 1)) return op_error(op, "usage: save DOM");
  domain* d = find(op.args[0]);
  if (d == nullptr) return op_error(op, "unknown domain " + q(op.args[0]));
  if (d->saved) return op_error(op, "domain " + d->name + " is not running (it is saved)");
  if (auto r = hosts_.at(d->host)->domain_save(d->id); !r) return op_error(op, std::string("monitor error: ") + shype::to_string(r.error()));
  d->saved = true;
  return make(op, "permit");
}

sim_result simulator::restore(const trace_op& op) {
  if (!arity(op, 1, 2)) return op_error(op, "usage: restore DOM [HOST]");
  domain* d = find(op.args[0]);
  if (d == nullptr) return op_error(op, "unknown domain " + q(op.args[0]));
  if (!d->saved) return op_error(op, "domain " + d->name + " is not saved (it is running on host " + q(d->host) + ")");
  const std::string on = op.args.size() == 2 ? op.args[1] : d->host;
  sim_monitor* from = hosts_.at(d->host).get();
  const shype::label_id label = from->domain(d->id).label;
  if (on == d->host) {
    auto r = from->domain_restore(d->id);
    if (!r) return op_error(op, std::string("monitor error: ") + shype::to_string(r.error()));
    if (!r->permitted()) return make(op, "deny", placement_reason(label, on, d->id));
    d->saved = false;
    return make(op, "permit");
  }
  // The image moves: restore it on the target with its label, then forget it at the source.
  std::unique_ptr<sim_monitor> fresh;
  auto got = host(on, fresh);
  if (!got) return op_error(op, got.message());
  sim_monitor* to = *got;
  auto r = to->domain_restore(d->id, label);
  if (!r) return op_error(op, std::string("monitor error: ") + shype::to_string(r.error()));
  if (!r->permitted()) return make(op, "deny", fresh ? "internal error: a new host refused a domain" : placement_reason(label, on, d->id));
  adopt(on, fresh);
  if (auto gone = from->domain_destroy(d->id); !gone) return op_error(op, std::string("monitor error: ") + shype::to_string(gone.error()));
  d->host = on;
  d->saved = false;
  return make(op, "permit");
}

sim_result simulator::migrate(const trace_op& op) {
  if (!arity(op, 2, 2)) return op_error(op, "usage: migrate DOM HOST");
  domain* d = find(op.args[0]);
  if (d == nullptr) return op_error(op, "unknown domain " + q(op.args[0]));
  if (d->saved) return op_error(op, "domain " + d->name + " is not running (it is saved)");
  const std::string& on = op.args[1];
  if (on == d->host) return op_error(op, "domain " + d->name + " already runs on host " + q(on));
  std::unique_ptr<sim_monitor> fresh;
  auto got = host(on, fresh);
  if (!got) return op_error(op, got.message());
  sim_monitor* to = *got;
  sim_monitor* from = hosts_.at(d->host).get();
  const shype::label_id label = from->domain(d->id).label;
  // Placement is checked on the target, where the migrating domain does not run yet.
  auto r = to->prepare_start(shype::hook::migrate_in, d->id, label);
  if (!r) return op_error(op, std::string("monitor error: ") + shype::to_string(r.error()));
  if (!r->permitted()) return make(op, "deny", fresh ? "internal error: a new host refused a domain" : placement_reason(label, on, d->id));
  if (auto out = from->migrate_out(d->id); !out) {
    (void)to->abort_start(d->id);
    return op_error(op, std::string("monitor error: ") + shype::to_string(out.error()));
  }
  if (auto c = to->commit_start(d->id); !c) return op_error(op, std::string("monitor error: ") + shype::to_string(c.error()));
  adopt(on, fresh);
  d->host = on;
  return make(op, "permit");
}

sim_result simulator::share(const trace_op& op) {
  const bool grant = op.verb == "grant";
  const bool ro = grant && op.args.size() == 3 && op.args[2] == "ro";
  if (grant ? !(op.args.size() == 2 || ro) : !arity(op, 2, 2))
    return op_error(op, grant ? "usage: grant A B [ro]" : "usage: bind A B");
  auto both = pair(op);
  if (!both) return op_error(op, both.message());
  auto [a, b] = *both;
  sim_monitor& m = *hosts_.at(a->host);
  auto r = grant ? m.grant_map(a->id, b->id, ro ? shype::access_mode::read : shype::access_mode::read_write, ++cookie_)
                 : m.evtchn_bind(a->id, b->id, ++cookie_);
  if (!r) return op_error(op, std::string("monitor error: ") + shype::to_string(r.error()));
  if (!r->permitted()) return make(op, "deny", sharing_reason(*a, *b));
  return make(op, "permit");
}

sim_result simulator::access(const trace_op& op) {
  if (!arity(op, 2, 2)) return op_error(op, "usage: access DOM RESOURCE-LABEL");
  domain* d = find(op.args[0]);
  if (d == nullptr) return op_error(op, "unknown domain " + q(op.args[0]));
  if (d->saved) return op_error(op, "domain " + d->name + " is not running (it is saved)");
  const shype::resource_id res = view_.find_resource_label(shype::string_ref(op.args[1].data(), op.args[1].size()));
  if (res == shype::no_label) return op_error(op, "unknown resource label " + q(op.args[1]));
  sim_monitor& m = *hosts_.at(d->host);
  auto r = m.resource_access(d->id, res, shype::access_mode::read_write);
  if (!r) return op_error(op, std::string("monitor error: ") + shype::to_string(r.error()));
  if (!r->permitted())
    return make(op, "deny", "Type Enforcement: label " + q(label_name(m.domain(d->id).label)) + " and resource label " + q(op.args[1]) +
                                " have no TE type in common");
  return make(op, "permit");
}

sim_result simulator::query(const trace_op& op) {
  if (!arity(op, 2, 2)) return op_error(op, "usage: query MACDOM DOM");
  auto both = pair(op);
  if (!both) return op_error(op, both.message());
  auto [a, b] = *both;
  auto r = hosts_.at(a->host)->coalition(a->id, b->id);
  if (!r) return op_error(op, std::string("monitor error: ") + shype::to_string(r.error()));
  std::vector<std::string> types;  // the policy's tables are sorted, so ascending ids are sorted names
  shype::for_each_type(r.value(), [&](std::size_t t) { types.push_back(str(view_.te_type_name(t))); });
  // Without a TE section sharing is unrestricted, even though the labels hold no TE type.
  sim_result out = types.empty() && view_.has_te()
                       ? make(op, "deny", "Type Enforcement: " + a->name + " and " + b->name + " have no TE type in common; the MAC domain serves nothing")
                       : make(op, "permit");
  out.types = std::move(types);
  return out;
}

sim_result simulator::load(const trace_op& op) {
  if (!arity(op, 1, 1)) return op_error(op, "usage: load POLICY-FILE");
  if (loads_ >= max_simulated_loads)
    return op_error(op, "too many policy loads: a trace may load at most " + std::to_string(max_simulated_loads) + " policies");
  ++loads_;
  std::filesystem::path path(op.args[0]);
  if (path.is_relative() && !base_dir_.empty()) path = std::filesystem::path(base_dir_) / path;
  loaded_policy next = load_file_(path.string());
  if (!next.ok()) {
    std::string first;
    for (auto d : next.diag.list()) {
      if (d.level != severity::error) continue;
      d.file = op.args[0];  // as the trace names it, not where it was found
      first = format(d);
      break;
    }
    return op_error(op, "policy file does not load: " + first);
  }
  auto bytes = std::make_shared<const std::vector<std::uint8_t>>(std::move(next.binary));
  const shype::byte_view view(bytes->data(), bytes->size());
  const shype::policy_view nv = shype::policy_view::load(view).value();

  // 1. Dry run everywhere: the change happens on every host or on none.
  std::vector<std::string> violations;
  for (auto& entry : hosts_) {
    const std::string& on = entry.first;  // not a structured binding: lambdas capture it (clang 14)
    sim_monitor* m = entry.second.get();
    auto r = m->change_policy(shype::hypervisor_subject, view, shype::change_mode::dry_run, shype::detail::ignore_binding{},
                              [&](const shype::violation& v) {
                                const domain* d = nullptr;
                                for (const auto& [n, x] : domains_)
                                  if (x.id == v.domain && x.host == on) d = &x;
                                const std::string who = d != nullptr ? d->name : "domain " + std::to_string(v.domain);
                                const std::string label = str(v.label);
                                if (v.kind == shype::violation_kind::rename_unknown) {  // the same on every host: once
                                  const std::string what = shype::to_string(v.table);
                                  const std::string text = what + " " + q(str(v.new_label)) + " is renamed from " + q(label) +
                                                           ", which is not a " + what + " of the policy in force";
                                  if (std::find(violations.begin(), violations.end(), text) == violations.end()) violations.push_back(text);
                                  return;
                                }
                                if (v.kind == shype::violation_kind::label_missing) {
                                  std::string text = "label " + q(label) + " of domain " + who + " (" +
                                                     (d != nullptr && d->saved ? "saved" : "running") + " on host " + q(on) +
                                                     ") is not in the new policy";
                                  const auto same = nv.find_vm_label(v.label);
                                  if (same != shype::no_label && !nv.renamed_from(shype::label_kind::vm, same).empty())
                                    text += " (the new policy's " + q(label) + " is renamed from " + q(str(nv.renamed_from(shype::label_kind::vm, same))) + ")";
                                  violations.push_back(text);
                                  return;
                                }
                                // Renamed labels are shown with their new names: the conflict is between those.
                                auto as_renamed = [](const std::string& old_name, shype::string_ref now) {
                                  return now.empty() || str(now) == old_name ? q(old_name) : q(old_name) + ", renamed " + q(str(now));
                                };
                                std::string s = "domain " + who + " (label " + as_renamed(label, v.new_label) + ")";
                                if (v.other == shype::hypervisor_subject) {
                                  violations.push_back(s + " could not be placed on host " + q(on));
                                  return;
                                }
                                const std::string other = name_of(v.other);
                                const std::string other_label = label_name(m->domain(v.other).label);
                                s += " would conflict with domain " + other + " (label " + as_renamed(other_label, v.other_label) + ") on host " + q(on);
                                const auto k = conflict_set_between(nv, nv.find_vm_label(v.new_label), nv.find_vm_label(v.other_label));
                                if (k) s += " (conflict set " + q(str(nv.conflict_set(*k).name())) + ")";
                                violations.push_back(s);
                              });
    if (!r) {
      const diagnostic d = describe_load_error(op.args[0], bytes->data(), bytes->size(), r.error());
      return op_error(op, "the monitor of host " + q(on) + " refuses the policy: " + d.element + ": " + d.message);
    }
  }
  if (!violations.empty()) {
    std::string reason = "policy change rejected: ";
    for (std::size_t i = 0; i < violations.size(); ++i) reason += (i ? "; " : "") + violations[i];
    sim_result out = make(op, "deny", reason);
    out.revoked = 0;
    return out;
  }

  // 2. Apply everywhere; each host revokes what the new policy no longer permits.
  std::uint64_t revoked = 0;
  for (auto& [on, m] : hosts_) {
    auto r = m->change_policy(shype::hypervisor_subject, view, shype::change_mode::apply);
    if (!r || !r->authorized || r->value != shype::decision::permit)
      return op_error(op, "internal error: host " + q(on) + " refused the change its dry run accepted");
    revoked += r->revoked;
  }
  policy_ = bytes;  // every monitor now views the new bytes; the old ones may go
  view_ = nv;
  sim_result out = make(op, "permit");
  out.revoked = revoked;
  return out;
}

}  // namespace shype::tool
