// SPDX-License-Identifier: Apache-2.0
// Properties of policies on their own:
//  * composition (invariant 7): a monitor stacking Chinese Wall, Type Enforcement, Bell-LaPadula
//    and Biba answers every placement, sharing and access question exactly as the conjunction of
//    four single-policy monitors, names the first denying policy of its stack (in either stacking
//    order), and each single policy answers as the naive rule does;
//  * the binary: building is canonical (insertion order does not matter), what is built loads
//    back to the same policy, and writing the loaded view again gives the same bytes (the
//    round trip the policy_loader fuzzer relies on); a damaged binary (resealed, so that the
//    damage gets past the checksum) is refused when the damage breaks a rule of the format, and
//    is canonical whenever it loads.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <shype/bell_lapadula.hpp>
#include <shype/biba.hpp>
#include <shype/chinese_wall.hpp>
#include <shype/detail/le.hpp>
#include <shype/detail/policy_format.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#include "generators.hpp"
#include "shype_model/damage.hpp"
#include "shype_model/policy_spec.hpp"
#include "shype_model/rebuild.hpp"

namespace {

using namespace shype_model;
using shype::hook;

constexpr shype::monitor_limits limits{.max_domains = 8, .cache_sets = 4, .cache_ways = 2, .max_bindings = 8, .audit_entries = 4};
using cw = shype::chinese_wall<8>;
using te = shype::type_enforcement<8>;
using blp = shype::bell_lapadula<category_pool>;
using biba = shype::biba<category_pool>;
template <class... P>
using mon = shype::basic_monitor<limits, shype::no_locking, P...>;
using stack = mon<cw, te, blp, biba>;
using reversed = mon<biba, blp, te, cw>;

/// A policy with an MLS section (Bell-LaPadula and Biba refuse others) that every monitor holds.
rc::Gen<raw_policy> mls_policy() {
  return rc::gen::map(gen::policy(true), [](raw_policy p) {
    p.flags = static_cast<std::uint8_t>(p.flags | 4u);
    return p;
  });
}

template <class M>
std::unique_ptr<M> loaded(const policy_bytes& b) {
  auto m = std::make_unique<M>();
  RC_ASSERT(m->load_initial(shype::byte_view(b->data(), b->size())).has_value());
  return m;
}

/// The decision of a hook that must not fail.
bool permits(const shype::result<shype::verdict>& r) {
  RC_ASSERT(r.has_value());
  return r->permitted();
}

/// Decision, denying position, or error, as one comparable value.
std::tuple<int, int, int> outcome(const shype::result<shype::verdict>& r) {
  if (!r) return {2, 0, static_cast<int>(r.error())};
  return {r->permitted() ? 1 : 0, r->denied_by, 0};
}

RC_GTEST_PROP(Composition, StackEqualsTheConjunctionOfItsPolicies, ()) {
  const policy_spec p = make_spec(*mls_policy());
  const auto bytes = build(p);
  RC_ASSERT(bytes != nullptr);
  RC_LOG() << describe(p) << "\n";
  auto all = loaded<stack>(bytes);
  auto rev = loaded<reversed>(bytes);
  auto only_cw = loaded<mon<cw>>(bytes);
  auto only_te = loaded<mon<te>>(bytes);
  auto only_blp = loaded<mon<blp>>(bytes);
  auto only_biba = loaded<mon<biba>>(bytes);
  const auto names = label_names(p);
  const auto rnames = resource_names(p);
  std::vector<std::string> running(limits.max_domains);  // label name, empty if not running

  // Placement: only Chinese Wall places, so the stack agrees with it and with the naive rule.
  const auto starts = *rc::gen::container<std::vector<std::tuple<bool, std::uint8_t, std::uint8_t>>>(rc::gen::tuple(
      rc::gen::weightedElement<bool>({{4, true}, {1, false}}), rc::gen::inRange<std::uint8_t>(0, 8), rc::gen::arbitrary<std::uint8_t>()));
  for (const auto& [create, id, lsel] : starts) {
    if (names.empty()) break;
    const auto d = static_cast<shype::domid_t>(id);
    if (!create) {
      const auto r = all->domain_destroy(d).has_value();
      RC_ASSERT(rev->domain_destroy(d).has_value() == r);
      RC_ASSERT(only_cw->domain_destroy(d).has_value() == r);
      if (r) {
        RC_ASSERT(only_te->domain_destroy(d).has_value());
        RC_ASSERT(only_blp->domain_destroy(d).has_value());
        RC_ASSERT(only_biba->domain_destroy(d).has_value());
        running[d].clear();
      }
      continue;
    }
    const auto l = static_cast<shype::label_id>(lsel % names.size());
    const auto r = all->domain_create(d, l);
    RC_ASSERT(outcome(only_cw->domain_create(d, l)) == outcome(r));
    // The same answer from the reversed stack, where Chinese Wall is at position 3, not 0.
    auto moved = outcome(r);
    if (r && !r->permitted()) std::get<1>(moved) = 3;
    RC_ASSERT(outcome(rev->domain_create(d, l)) == moved);
    if (!r) continue;
    bool naive = true;
    for (const auto& other : running)
      if (!other.empty() && cw_conflict(p, other, names[l])) naive = false;
    RC_ASSERT(r->permitted() == naive);
    if (!naive) continue;
    RC_ASSERT(outcome(only_te->domain_create(d, l)) == outcome(r));  // no placement hook: always admitted
    RC_ASSERT(outcome(only_blp->domain_create(d, l)) == outcome(r));
    RC_ASSERT(outcome(only_biba->domain_create(d, l)) == outcome(r));
    running[d] = names[l];
  }

  // Sharing: every ordered pair, every sharing hook.
  for (shype::domid_t s = 0; s < limits.max_domains; ++s) {
    for (shype::domid_t o = 0; o < limits.max_domains; ++o) {
      if (s == o || running[s].empty() || running[o].empty()) continue;
      const label_spec& a = *find_label(p, running[s]);
      const label_spec& b = *find_label(p, running[o]);
      for (hook k : {hook::evtchn_unbound, hook::evtchn_bind, hook::grant_map_ro, hook::grant_map_rw, hook::grant_copy}) {
        RC_LOG() << "share " << shype::to_string(k) << " d" << s << " (" << a.name << ") -> d" << o << " (" << b.name << ")\n";
        const bool fwd = one_way(k);
        const bool n_te = te_permits(p, a.name, b.name);
        const bool n_blp = blp_flow(a, b) && (fwd || blp_flow(b, a));
        const bool n_biba = biba_flow(a, b) && (fwd || biba_flow(b, a));
        RC_ASSERT(permits(only_cw->evaluate(k, s, o)));  // Chinese Wall has no sharing hook
        RC_ASSERT(permits(only_te->evaluate(k, s, o)) == n_te);
        RC_ASSERT(permits(only_blp->evaluate(k, s, o)) == n_blp);
        RC_ASSERT(permits(only_biba->evaluate(k, s, o)) == n_biba);
        const auto v = all->evaluate(k, s, o);
        const auto w = rev->evaluate(k, s, o);
        RC_ASSERT(permits(v) == (n_te && n_blp && n_biba));
        RC_ASSERT(permits(w) == permits(v));
        RC_ASSERT(int{v->denied_by} == (!n_te ? 1 : !n_blp ? 2 : !n_biba ? 3 : int{shype::verdict::none}));
        RC_ASSERT(int{w->denied_by} == (!n_biba ? 0 : !n_blp ? 1 : !n_te ? 2 : int{shype::verdict::none}));
        // The hook answers as evaluate() does, from the cache the second time.
        if (k == hook::evtchn_unbound || k == hook::grant_copy) {
          for (int round = 0; round < 2; ++round) {
            const auto h = k == hook::evtchn_unbound ? all->evtchn_unbound(s, o) : all->grant_copy(s, o);
            RC_ASSERT(outcome(h) == outcome(v));
          }
        }
      }
      // The coalition query is Type Enforcement's intersection.
      const auto c = all->coalition(s, o);
      RC_ASSERT(c.has_value());
      const auto te_names = sorted(p.te_types);
      name_set got, want;
      for (std::size_t i = 0; i < te_names.size(); ++i)
        if (c->contains(i)) got.insert(te_names[i]);
      for (const auto& t : a.te)
        if (b.te.count(t) != 0) want.insert(t);
      RC_ASSERT(got == want);
    }
  }

  // Access to labelled resources.
  for (shype::domid_t d = 0; d < limits.max_domains; ++d) {
    if (running[d].empty()) continue;
    const label_spec& a = *find_label(p, running[d]);
    for (shype::resource_id r = 0; r < rnames.size(); ++r) {
      const resource_spec& x = *find_resource(p, rnames[r]);
      for (auto m : {shype::access_mode::read, shype::access_mode::read_write}) {
        const bool rw = m == shype::access_mode::read_write;
        const bool n_te = te_permits_access(p, a.name, x.name);
        const bool n_blp = blp_flow(x, a) && (!rw || blp_flow(a, x));
        const bool n_biba = biba_flow(x, a) && (!rw || biba_flow(a, x));
        RC_ASSERT(permits(only_cw->resource_access(d, r, m)));
        RC_ASSERT(permits(only_te->resource_access(d, r, m)) == n_te);
        RC_ASSERT(permits(only_blp->resource_access(d, r, m)) == n_blp);
        RC_ASSERT(permits(only_biba->resource_access(d, r, m)) == n_biba);
        const auto v = all->resource_access(d, r, m);
        const auto w = rev->resource_access(d, r, m);
        RC_ASSERT(permits(v) == (n_te && n_blp && n_biba));
        RC_ASSERT(permits(w) == permits(v));
        RC_ASSERT(int{v->denied_by} == (!n_te ? 1 : !n_blp ? 2 : !n_biba ? 3 : int{shype::verdict::none}));
        RC_ASSERT(int{w->denied_by} == (!n_biba ? 0 : !n_blp ? 1 : !n_te ? 2 : int{shype::verdict::none}));
      }
    }
  }
}

RC_GTEST_PROP(PolicyBinary, BuildIsCanonicalAndLoadsBackToTheSameBytes, ()) {
  raw_policy r = *gen::policy(false);
  const policy_spec p = make_spec(r);
  const auto bytes = build(p);
  RC_ASSERT(bytes != nullptr);
  // Another insertion order, same bytes.
  r.order = static_cast<std::uint8_t>(r.order + *rc::gen::inRange(1, 256));
  const auto again = build(make_spec(r));
  RC_ASSERT(again != nullptr);
  RC_ASSERT(*again == *bytes);
  // Loads, shows the same policy, and writes back to the same bytes.
  const auto v = shype::policy_view::load(shype::byte_view(bytes->data(), bytes->size()));
  RC_ASSERT(v.has_value());
  const policy_spec q = spec_of(v.value());
  RC_ASSERT(q.te_on == p.te_on && q.cw_on == p.cw_on && q.mls_on == p.mls_on && q.categories == p.categories);
  RC_ASSERT(q.version_minor == p.version_minor && q.name == p.name && q.bootstrap == p.bootstrap);
  RC_ASSERT(q.te_types == sorted(p.te_types));
  RC_ASSERT(q.cw_types == sorted(p.cw_types));
  auto by_name = [](auto list) {
    std::sort(list.begin(), list.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
    return list;
  };
  RC_ASSERT(q.conflicts == by_name(p.conflicts));
  RC_ASSERT(q.labels == by_name(p.labels));
  RC_ASSERT(q.resources == by_name(p.resources));
  const auto round = rebuild(v.value());
  RC_ASSERT(round.has_value());
  RC_ASSERT(*round == *bytes);
}

RC_GTEST_PROP(PolicyBinary, RenamesAreCanonicalAndMapAsTheNaiveRuleSays, ()) {
  policy_spec p = make_spec(*gen::policy(false));
  // Renames of some labels, from old names that overlap the labels' own (L0..L7 for labels
  // L0..L5, r0..r5 for resources r0..r3): swaps, shadowing and fresh names all occur.
  std::set<std::string> used_vm, used_res;
  for (const auto& l : p.labels)
    if (*rc::gen::inRange(0, 3) == 0)
      if (const std::string from = pool_name('L', *rc::gen::inRange<std::size_t>(0, 8)); used_vm.insert(from).second)
        p.renames.push_back({false, l.name, from});
  for (const auto& r : p.resources)
    if (*rc::gen::inRange(0, 3) == 0)
      if (const std::string from = pool_name('r', *rc::gen::inRange<std::size_t>(0, 6)); used_res.insert(from).second)
        p.renames.push_back({true, r.name, from});
  const auto bytes = build(p);
  RC_ASSERT(bytes != nullptr);
  RC_ASSERT(shype::detail::load_u16(bytes->data() + shype::detail::format::off::minor) == (p.renames.empty() ? 0u : 1u));
  const auto v = shype::policy_view::load(shype::byte_view(bytes->data(), bytes->size()));
  RC_ASSERT(v.has_value());
  RC_ASSERT(v->rename_count() == p.renames.size());
  const auto round = rebuild(v.value());
  RC_ASSERT(round.has_value());
  RC_ASSERT(*round == *bytes);
  // The naive rule: the label renamed from n, else the label named n if it is not renamed.
  auto naive = [&](bool resource, const std::string& n) -> std::optional<std::string> {
    for (const auto& r : p.renames)
      if (r.resource == resource && r.from == n) return r.label;
    const bool exists = resource ? std::any_of(p.resources.begin(), p.resources.end(), [&](const auto& x) { return x.name == n; })
                                 : std::any_of(p.labels.begin(), p.labels.end(), [&](const auto& x) { return x.name == n; });
    const bool renamed = std::any_of(p.renames.begin(), p.renames.end(), [&](const auto& r) { return r.resource == resource && r.label == n; });
    if (exists && !renamed) return n;
    return std::nullopt;
  };
  for (std::size_t i = 0; i < 8; ++i) {
    for (const bool resource : {false, true}) {
      const std::string n = pool_name(resource ? 'r' : 'L', i);
      const auto want = naive(resource, n);
      const auto got = v->find_successor(resource ? shype::label_kind::resource : shype::label_kind::vm, shype::string_ref(n.data(), n.size()));
      if (!want) {
        RC_ASSERT(got == shype::policy_view::npos);
        continue;
      }
      RC_ASSERT(got != shype::policy_view::npos);
      const auto name = resource ? v->resource_label(got).name() : v->vm_label(got).name();
      RC_ASSERT(std::string(name.data(), name.size()) == *want);
    }
  }
}

RC_GTEST_PROP(PolicyBinary, DamagedBinariesAreRefusedOrCanonical, ()) {
  const policy_spec p = make_spec(*gen::policy(false));
  const auto bytes = build(p);
  RC_ASSERT(bytes != nullptr);
  std::vector<std::uint8_t> b = *bytes;
  const damage wanted = *rc::gen::element(damage::flip_bit, damage::swap_name_refs, damage::alias_name, damage::swap_names,
                                          damage::unsort_names, damage::copy_name, damage::grow_strings, damage::stray_bit);
  const damage applied = apply(b, wanted, *rc::gen::arbitrary<std::uint32_t>());
  RC_TAG(to_string(applied));
  const auto v = shype::policy_view::load(shype::byte_view(b.data(), b.size()));
  if (structural(applied)) RC_ASSERT(!v.has_value());
  if (v) {
    const auto round = rebuild(v.value());
    RC_ASSERT(round.has_value());
    RC_ASSERT(*round == b);
  }
}

}  // namespace
