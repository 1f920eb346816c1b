// SPDX-License-Identifier: Apache-2.0
#pragma once
// The invariants harness.hpp numbers, one named function each. Those that hold of a host's
// state (agreement with the model, 1, 2, 3, 6) are registered in `host_invariants` and run on
// every host after every command; 4 (revocation) is checked by the operations that revoke,
// against the model's prediction, and 5 (no side effect) against a snapshot taken before the
// command. 7 (composition) is what every operation's comparison of the stacked monitor's verdict
// with the model's naive Chinese Wall and Type Enforcement prediction checks (harness_state::same),
// and a property of its own in policy_properties_test.cpp.
//
// Invariants 1-3 are judged from the real monitor's state and the naive policy alone, so they
// hold even where model and monitor might agree on a wrong answer.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "harness_state.hpp"
#include "snapshot.hpp"

namespace shype_model {

/// One host as the invariants see it: the model's view of it and the real monitor's.
struct host_context {
  host_context(harness_state& s, std::size_t host)
      : x(s), h(host), mh(s.naive.host[host]), p(s.naive.spec(mh)), m(*s.real[host]), v(m.policy()),
        where("host " + std::to_string(host) + ": ") {}

  /// A label id of the policy in force, by name.
  [[nodiscard]] std::string label_of(shype::label_id l) const {
    return l < v.vm_label_count() ? str(v.vm_label(l).name()) : std::string("?");
  }
  static std::string str(shype::string_ref s) { return std::string(s.data(), s.size()); }

  harness_state& x;
  std::size_t h;
  const mhost& mh;
  const policy_spec& p;
  host_monitor& m;
  const shype::policy_view v;
  const std::string where;
};

/// Agreement: the policy in force, its generation, every domain and every live binding are the
/// model's.
inline bool check_agreement(host_context& c) {
  auto& x = c.x;
  const auto& bytes = *x.naive.policies[c.mh.policy].bytes;
  if (!x.check(c.v.bytes().data() == bytes.data() && c.v.bytes().size() == bytes.size(),
               [&] { return c.where + "the policy in force is not the model's"; }))
    return false;
  if (!x.check(c.m.generation() == c.mh.generation,
               [&] { return c.where + "generation " + std::to_string(c.m.generation()) + ", model " + std::to_string(c.mh.generation); }))
    return false;

  for (std::size_t d = 0; d < max_dom; ++d) {
    const auto info = c.m.domain(static_cast<shype::domid_t>(d));
    const mdomain& w = c.mh.dom[d];
    const auto want = static_cast<shype::domain_state>(w.state);
    const auto lid = w.state == mstate::free ? shype::no_label : label_id_of(c.p, w.label);
    if (!x.check(info.state == want && info.label == lid && info.incarnation == w.incarnation, [&] {
          return c.where + "d" + std::to_string(d) + " is " + std::to_string(static_cast<int>(info.state)) + "/" + c.label_of(info.label) +
                 "/" + std::to_string(info.incarnation) + ", model " + to_string(w.state) + "/" + w.label + "/" +
                 std::to_string(w.incarnation);
        }))
      return false;
  }

  std::size_t n = 0;
  bool ok = true;
  c.m.for_each_binding([&](shype::binding_handle handle, const shype::binding& b) {
    if (!ok) return;
    ++n;
    const mbinding* w = nullptr;
    for (const auto& y : c.mh.bindings)
      if (y.cookie == b.cookie) w = &y;
    const auto it = x.handles.find(b.cookie);
    ok = x.check(w != nullptr && it != x.handles.end() && it->second.first == c.h && it->second.second == handle,
                 [&] { return c.where + "live binding " + std::to_string(b.cookie) + " is not in the model"; });
    if (!ok) return;
    const std::uint32_t object = to_domain(w->kind) ? w->peer : resource_id_of(c.p, w->resource);
    ok = x.check(b.kind == w->kind && b.subject == w->subject && b.object == object,
                 [&] { return c.where + "binding " + std::to_string(b.cookie) + " differs from the model's"; });
  });
  if (!ok) return false;
  return x.check(n == c.mh.bindings.size() && c.m.binding_count() == n,
                 [&] { return c.where + std::to_string(n) + " live bindings, model " + std::to_string(c.mh.bindings.size()); });
}

/// Invariant 1 (isolation): no live channel, grant or attachment joins two running domains (a
/// domain and a resource) that share no TE type under the policy in force.
inline bool check_isolation(host_context& c) {
  auto& x = c.x;
  bool ok = true;
  c.m.for_each_binding([&](shype::binding_handle, const shype::binding& b) {
    if (!ok) return;
    const auto s = c.m.domain(b.subject);
    ok = x.check(s.state == shype::domain_state::running,
                 [&] { return c.where + "invariant 1: binding " + std::to_string(b.cookie) + " of a domain that is not running"; });
    if (!ok) return;
    if (to_domain(b.kind)) {
      const auto o = c.m.domain(static_cast<shype::domid_t>(b.object));
      ok = x.check(o.state == shype::domain_state::running,
                   [&] { return c.where + "invariant 1: binding " + std::to_string(b.cookie) + " to a domain that is not running"; }) &&
           x.check(te_permits(c.p, c.label_of(s.label), c.label_of(o.label)), [&] {
             return c.where + "invariant 1 (isolation): " + to_string(b.kind) + " " + std::to_string(b.cookie) + " joins d" +
                    std::to_string(b.subject) + " (" + c.label_of(s.label) + ") and d" + std::to_string(b.object) + " (" +
                    c.label_of(o.label) + "), which share no TE type";
           });
    } else {
      ok = x.check(b.object < c.v.resource_label_count(), [&] { return c.where + "invariant 1: attachment to an unknown resource"; }) &&
           x.check(te_permits_access(c.p, c.label_of(s.label),
                                     host_context::str(c.v.resource_label(static_cast<shype::resource_id>(b.object)).name())),
                   [&] {
                     return c.where + "invariant 1 (isolation): attachment " + std::to_string(b.cookie) +
                            " of a resource sharing no TE type";
                   });
    }
  });
  return ok;
}

/// Invariant 2 (Chinese Wall): no two domains running or starting on the host hold different
/// types of one conflict set.
inline bool check_chinese_wall(host_context& c) {
  const auto occupies = [](const shype::domain_info& d) {
    return d.state == shype::domain_state::running || d.state == shype::domain_state::starting;
  };
  for (std::size_t a = 0; a < max_dom; ++a) {
    const auto x = c.m.domain(static_cast<shype::domid_t>(a));
    if (!occupies(x)) continue;
    for (std::size_t b = a + 1; b < max_dom; ++b) {
      const auto y = c.m.domain(static_cast<shype::domid_t>(b));
      if (!occupies(y)) continue;
      if (!c.x.check(!cw_conflict(c.p, c.label_of(x.label), c.label_of(y.label)), [&] {
            return c.where + "invariant 2 (Chinese Wall): d" + std::to_string(a) + " (" + c.label_of(x.label) + ") and d" +
                   std::to_string(b) + " (" + c.label_of(y.label) + ") hold types of one conflict set";
          }))
        return false;
    }
  }
  return true;
}

/// Invariant 3 (cache coherence): every cached decision is cached once, is about running domains,
/// equals a fresh evaluate() and the naive decision under the current generation, and was
/// computed before for these incarnations.
inline bool check_cache_coherence(host_context& c) {
  auto& x = c.x;
  const auto& mh = c.mh;
  const auto rnames = resource_names(c.p);
  std::set<std::tuple<shype::domid_t, std::uint32_t, std::uint8_t>> unique;
  for (const auto& e : cache_of(c.m)) {
    const auto what = [&] {
      return c.where + "invariant 3 (cache): entry d" + std::to_string(e.s) + " op " + std::to_string(e.op) + " object " +
             std::to_string(e.o) + ": ";
    };
    if (!x.check(unique.insert({e.s, e.o, e.op}).second, [&] { return what() + "cached twice"; })) return false;
    if (!x.check(e.s < max_dom && mh.dom[e.s].state == mstate::running, [&] { return what() + "its subject is not running"; })) return false;
    const bool resource = (e.op & 0x7Fu) == static_cast<std::uint8_t>(shype::hook::resource_access);
    bool naive = false;
    mkey key{e.s, mh.dom[e.s].incarnation, e.o, 0, e.op};
    if (resource) {
      if (!x.check(e.o < rnames.size(), [&] { return what() + "unknown resource"; })) return false;
      naive = te_permits_access(c.p, mh.dom[e.s].label, rnames[e.o]);
    } else {
      const auto k = static_cast<shype::hook>(e.op);
      if (!x.check(e.o < max_dom && mh.dom[e.o].state == mstate::running, [&] { return what() + "its object is not running"; }))
        return false;
      auto fresh = c.m.evaluate(k, e.s, static_cast<shype::domid_t>(e.o));
      if (!x.check(fresh.has_value() && fresh->value == e.d.value && fresh->denied_by == e.d.denied_by,
                   [&] { return what() + "differs from a fresh evaluate()"; }))
        return false;
      naive = te_permits(c.p, mh.dom[e.s].label, mh.dom[e.o].label);
      key.oi = mh.dom[e.o].incarnation;
    }
    if (!x.check(shype::permitted(e.d.value) == naive && e.d.denied_by == (naive ? shype::verdict::none : te_index),
                 [&] { return what() + "differs from the naive decision"; }))
      return false;
    if (!x.check(mh.asked.count(key) != 0, [&] { return what() + "was never decided for these incarnations under this generation"; }))
      return false;
  }
  return true;
}

inline std::string counts(std::uint64_t h, std::uint64_t m, std::uint64_t d, std::uint64_t e, std::uint64_t r) {
  return "hits " + std::to_string(h) + " misses " + std::to_string(m) + " denials " + std::to_string(d) + " errors " + std::to_string(e) +
         " revocations " + std::to_string(r);
}

/// Invariant 6 (statistics): hits, misses, denials, errors and revocations per hook class, and the
/// audit log's count and last record, equal the model's own counts.
inline bool check_statistics(host_context& c) {
  auto& x = c.x;
  const auto& mh = c.mh;
  const auto st = c.m.stats();
  for (std::size_t k = 0; k < shype::hook_class_count; ++k) {
    const auto& r = st.by_class[k];
    const auto& w = mh.stats[k];
    if (!x.check(
            r.hits == w.hits && r.misses == w.misses && r.denials == w.denials && r.errors == w.errors && r.revocations == w.revocations,
            [&] {
              return c.where + "invariant 6: statistics of class " + shype::to_string(static_cast<shype::hook_class>(k)) + " are " +
                     counts(r.hits, r.misses, r.denials, r.errors, r.revocations) + ", model " +
                     counts(w.hits, w.misses, w.denials, w.errors, w.revocations);
            }))
      return false;
  }
  const auto& audit = c.m.audit();
  if (!x.check(audit.total() == mh.audited && st.total().denials == mh.audited, [&] {
        return c.where + "invariant 6: " + std::to_string(audit.total()) + " denials audited, model " + std::to_string(mh.audited);
      }))
    return false;
  if (!mh.last_denial) return true;
  shype::denial_record last{};
  audit.for_each([&](const shype::denial_record& r) { last = r; });
  const auto& w = *mh.last_denial;
  return x.check(last.op == w.op && last.policy_index == w.by && last.subject == w.subject && last.generation == w.generation &&
                     last.seq + 1 == mh.audited,
                 [&] { return c.where + "invariant 6: the last audit record is not the model's last denial"; });
}

/// A rule that holds of every host's state after every command.
struct host_invariant {
  const char* name;
  bool (*holds)(host_context&);
};
inline constexpr host_invariant host_invariants[] = {
    {"agreement with the model", check_agreement}, {"1 isolation", check_isolation},
    {"2 Chinese Wall", check_chinese_wall},        {"3 cache coherence", check_cache_coherence},
    {"6 statistics", check_statistics},
};

/// Every host invariant on every host, in order; stops at the first that breaks, whose failure
/// names it.
inline void check_host_invariants(harness_state& x) {
  for (std::size_t h = 0; h < host_count && x.failure.empty(); ++h) {
    host_context c(x, h);
    for (const auto& rule : host_invariants) {
      if (rule.holds(c)) continue;
      x.failure += std::string(" [rule: ") + rule.name + "]";
      return;
    }
  }
}

/// Invariant 4 (revocation): the monitor revoked exactly the bindings (among `scope`) that policy p
/// forbids with the current labels — nothing forbidden survives, nothing permitted was taken.
/// Returns whether it did; `doomed` receives the bindings p forbids.
template <class Scope>
bool check_revocation(harness_state& x, std::size_t h, const policy_spec& p, const std::set<std::uint64_t>& revoked, Scope scope,
                      std::set<std::uint64_t>& doomed) {
  const mhost& mh = x.naive.host[h];
  for (const auto& b : mh.bindings)
    if (scope(b) && !model::permitted(p, mh, b)) doomed.insert(b.cookie);
  for (auto cookie : revoked)
    if (!x.check(doomed.count(cookie) != 0,
                 [&] { return std::string("revoked binding " + std::to_string(cookie) + ", which the new policy permits"); }))
      return false;
  for (auto cookie : doomed)
    if (!x.check(revoked.count(cookie) != 0,
                 [&] { return std::string("binding " + std::to_string(cookie) + " survived, which the new policy forbids"); }))
      return false;
  return true;
}

/// Invariant 5 (no side effect): a command that may not have changed the monitors' state (or, if
/// it took no sharing decision, their caches) did not.
inline bool check_no_side_effect(harness_state& x, const std::vector<host_snapshot>& before) {
  if (x.effect.state && x.effect.cache) return true;
  const auto after = snapshot_all(x.real);
  for (std::size_t h = 0; h < host_count; ++h) {
    if (!x.effect.state && !x.check(same_state(before[h], after[h]), [&] {
          return std::string("host " + std::to_string(h) +
                             ": an operation that was denied, failed or only asked changed the monitor's state");
        }))
      return false;
    if (!x.effect.cache && !x.check(same_cache(before[h], after[h]), [&] {
          return std::string("host " + std::to_string(h) + ": an operation without a sharing decision changed the cache");
        }))
      return false;
  }
  return true;
}

}  // namespace shype_model
