// SPDX-License-Identifier: Apache-2.0
#pragma once
// The naive model of a set of hosts running the reference monitor.
//
// Deliberately simple: domains hold their label *by name*, bindings are a list, Chinese Wall is
// "does any running domain conflict with me" over every pair, Type Enforcement is "do the two
// name sets share a name". No cache, no reference counts, no bit sets, no indices except where
// the monitor's interface needs them (label ids are the rank of the name). What the model
// cannot know — whether a decision came from the cache — it learns from the monitor and then
// holds it to account: a cached answer must be one the monitor computed before, under the same
// policy generation, for the same incarnations of both domains (`asked`).

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <shype/binding_registry.hpp>
#include <shype/hook.hpp>
#include <shype/ids.hpp>

#include "policy_spec.hpp"

namespace shype_model {

enum class mstate : std::uint8_t { free, starting, running, saved };

inline const char* to_string(mstate s) {
  switch (s) {
    case mstate::free: return "free";
    case mstate::starting: return "starting";
    case mstate::running: return "running";
    case mstate::saved: return "saved";
  }
  return "?";
}

struct mdomain {
  mstate state = mstate::free;
  mstate before = mstate::free;  ///< where an aborted start returns to
  std::string label;             ///< name; empty when free
  std::uint16_t incarnation = 0; ///< starts and relabels of this id on this host
};

struct mbinding {
  shype::binding_kind kind{};
  shype::domid_t subject = 0;
  shype::domid_t peer = 0;  ///< event channels and grants
  std::string resource;     ///< resource bindings, by name (ids change with the policy)
  std::uint64_t cookie = 0;
};

[[nodiscard]] inline bool to_domain(shype::binding_kind k) { return shype::object_is_domain(k); }

[[nodiscard]] inline shype::hook_class class_of(shype::binding_kind k) {
  if (k == shype::binding_kind::evtchn) return shype::hook_class::evtchn;
  return to_domain(k) ? shype::hook_class::grant : shype::hook_class::resource;
}

struct mcounters {
  std::uint64_t hits = 0, misses = 0, denials = 0, errors = 0, revocations = 0;
};

struct mdenial {
  shype::hook op{};
  std::uint8_t by = 0;
  shype::domid_t subject = 0;
  shype::generation_t generation = 0;
};

/// A decision the monitor took: subject and object with their incarnations, the operation.
struct mkey {
  shype::domid_t s = 0;
  std::uint16_t si = 0;
  std::uint32_t o = 0;
  std::uint16_t oi = 0;
  std::uint8_t op = 0;
  friend auto operator<=>(const mkey&, const mkey&) = default;
};

struct policy_entry {
  policy_spec spec;
  policy_bytes bytes;
};

struct mhost {
  std::size_t policy = 0;  ///< index into model::policies
  shype::generation_t generation = 1;
  std::vector<mdomain> dom;
  std::vector<mbinding> bindings;  ///< in the order they were made
  mcounters stats[shype::hook_class_count] = {};
  std::uint64_t audited = 0;  ///< denials recorded in the audit log
  std::optional<mdenial> last_denial;
  std::set<mkey> asked;  ///< decisions taken under the current generation
};

class model {
 public:
  model(std::size_t hosts, std::size_t max_domains, std::size_t max_bindings, policy_entry initial)
      : max_domains_(max_domains), max_bindings_(max_bindings) {
    policies.push_back(std::move(initial));
    host.resize(hosts);
    for (auto& h : host) h.dom.resize(max_domains);
  }

  std::vector<policy_entry> policies;
  std::vector<mhost> host;
  std::uint64_t next_cookie = 1;

  [[nodiscard]] std::size_t max_domains() const { return max_domains_; }
  [[nodiscard]] std::size_t max_bindings() const { return max_bindings_; }
  [[nodiscard]] const policy_spec& spec(const mhost& h) const { return policies[h.policy].spec; }

  [[nodiscard]] static bool occupies_host(const mdomain& d) {
    return d.state == mstate::running || d.state == mstate::starting;
  }

  /// Chinese Wall: may a domain labelled `label` start on h, next to every running or starting
  /// domain other than `self`?
  [[nodiscard]] bool may_place(const mhost& h, const std::string& label, std::size_t self) const {
    for (std::size_t e = 0; e < h.dom.size(); ++e)
      if (e != self && occupies_host(h.dom[e]) && cw_conflict(spec(h), h.dom[e].label, label)) return false;
    return true;
  }

  /// May `subject` manage the policy of h: the hypervisor, or a running domain with the
  /// bootstrap label of the policy in force.
  [[nodiscard]] bool authorized(const mhost& h, shype::domid_t subject) const {
    if (subject == 0xFFFF) return true;
    if (subject >= h.dom.size()) return false;
    const auto& p = spec(h);
    return h.dom[subject].state == mstate::running && p.bootstrap && h.dom[subject].label == *p.bootstrap;
  }

  /// Would binding b be permitted under policy p, with the labels its domains have now?
  [[nodiscard]] static bool permitted(const policy_spec& p, const mhost& h, const mbinding& b) {
    const std::string& s = h.dom[b.subject].label;
    if (to_domain(b.kind)) return te_permits(p, s, h.dom[b.peer].label);
    return find_resource(p, b.resource) != nullptr && te_permits_access(p, s, b.resource);
  }

  [[nodiscard]] static bool involves(const mbinding& b, std::size_t d) {
    return b.subject == d || (to_domain(b.kind) && b.peer == d);
  }

  // --- statistics, as the model counts them --------------------------------------------------------
  static void evaluated(mhost& h, shype::hook_class c, bool cached) {
    auto& k = h.stats[static_cast<std::size_t>(c)];
    (cached ? k.hits : k.misses) += 1;
  }
  static void error(mhost& h, shype::hook_class c) { h.stats[static_cast<std::size_t>(c)].errors += 1; }
  static void denied(mhost& h, shype::hook_class c, shype::hook op, std::uint8_t by, shype::domid_t subject) {
    h.stats[static_cast<std::size_t>(c)].denials += 1;
    h.audited += 1;
    h.last_denial = mdenial{op, by, subject, h.generation};
  }

 private:
  std::size_t max_domains_;
  std::size_t max_bindings_;
};

}  // namespace shype_model
