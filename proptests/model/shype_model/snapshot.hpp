// SPDX-License-Identifier: Apache-2.0
#pragma once
// A snapshot of what each real monitor holds — generation, policy, domains, bindings, cached
// decisions — taken before a command, so that invariant 5 (no side effect) can compare it with
// the state after.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "hosts.hpp"

namespace shype_model {

struct cached {
  shype::domid_t s;
  std::uint32_t o;
  std::uint8_t op;
  shype::cached_decision d;
};

struct host_snapshot {
  shype::generation_t generation = 0;
  const std::uint8_t* policy = nullptr;
  shype::domain_info dom[max_dom] = {};
  std::vector<std::pair<shype::binding_handle, shype::binding>> bindings;
  std::vector<cached> cache;
};

/// The monitor's cached decisions, in its own order.
inline std::vector<cached> cache_of(const host_monitor& m) {
  std::vector<cached> v;
  m.for_each_cached([&](shype::domid_t s, std::uint32_t o, std::uint8_t op, const shype::cached_decision& d) { v.push_back({s, o, op, d}); });
  return v;
}

inline std::vector<host_snapshot> snapshot_all(const std::vector<std::unique_ptr<host_monitor>>& real) {
  std::vector<host_snapshot> v(real.size());
  for (std::size_t h = 0; h < real.size(); ++h) {
    const host_monitor& m = *real[h];
    v[h].generation = m.generation();
    v[h].policy = m.policy().bytes().data();
    for (std::size_t d = 0; d < max_dom; ++d) v[h].dom[d] = m.domain(static_cast<shype::domid_t>(d));
    m.for_each_binding([&](shype::binding_handle x, const shype::binding& b) { v[h].bindings.emplace_back(x, b); });
    v[h].cache = cache_of(m);
  }
  return v;
}

/// Same generation, policy, domains (state, label, incarnation) and bindings.
inline bool same_state(const host_snapshot& a, const host_snapshot& b) {
  bool same_dom = true;
  for (std::size_t d = 0; d < max_dom; ++d)
    same_dom = same_dom && a.dom[d].state == b.dom[d].state && a.dom[d].label == b.dom[d].label &&
               a.dom[d].incarnation == b.dom[d].incarnation;
  bool same_bindings = a.bindings.size() == b.bindings.size();
  for (std::size_t i = 0; same_bindings && i < a.bindings.size(); ++i) {
    const auto &x = a.bindings[i], &y = b.bindings[i];
    same_bindings = x.first == y.first && x.second.kind == y.second.kind && x.second.subject == y.second.subject &&
                    x.second.object == y.second.object && x.second.cookie == y.second.cookie;
  }
  return a.generation == b.generation && a.policy == b.policy && same_dom && same_bindings;
}

/// The same cached decisions, in the same order.
inline bool same_cache(const host_snapshot& a, const host_snapshot& b) {
  bool same = a.cache.size() == b.cache.size();
  for (std::size_t i = 0; same && i < a.cache.size(); ++i)
    same = a.cache[i].s == b.cache[i].s && a.cache[i].o == b.cache[i].o && a.cache[i].op == b.cache[i].op &&
           a.cache[i].d.value == b.cache[i].d.value && a.cache[i].d.denied_by == b.cache[i].d.denied_by;
  return same;
}

}  // namespace shype_model
