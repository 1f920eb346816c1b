// SPDX-License-Identifier: Apache-2.0
#pragma once
// The harness's management operations: authorize, relabel, change_policy (apply, dry run or
// corrupted bytes) on one host or on all of them, and a second load_initial. Relabels and
// policy changes check invariant 4 (revocation) against the model's prediction.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "harness_state.hpp"
#include "invariants.hpp"
#include "selectors.hpp"

namespace shype_model {

/// The management check every management call starts with (counted, audited if denied).
inline bool authorize_model(harness_state& hs, std::size_t h, shype::domid_t subject, shype::hook k) {
  mhost& mh = hs.naive.host[h];
  model::evaluated(mh, shype::hook_class::management, false);
  if (hs.naive.authorized(mh, subject)) return true;
  model::denied(mh, shype::hook_class::management, k, shype::verdict::management, subject);
  return false;
}

inline void authorize(harness_state& hs, std::size_t h, shype::domid_t subject) {
  hs.line << "h" << h << " authorize " << dom_name(subject);
  expected e;
  e.permit = hs.naive.authorized(hs.naive.host[h], subject);
  e.by = e.permit ? shype::verdict::none : shype::verdict::management;
  auto got = hs.real[h]->authorize_management(subject);
  if (!hs.same(got, e, h, "authorize")) return;
  authorize_model(hs, h, subject, shype::hook::policy_change);
  hs.tally(op::authorize, e.permit ? outcome::permit : outcome::deny);
}

/// Checks invariant 4 for the bindings among `scope` (check_revocation), then drops the revoked
/// ones from the model and counts them.
template <class Scope>
void revoke(harness_state& hs, std::size_t h, const policy_spec& p, const std::set<std::uint64_t>& revoked, Scope scope) {
  std::set<std::uint64_t> doomed;
  if (!check_revocation(hs, h, p, revoked, scope, doomed)) return;
  mhost& mh = hs.naive.host[h];
  for (const auto& b : mh.bindings)
    if (doomed.count(b.cookie) != 0) mh.stats[static_cast<std::size_t>(class_of(b.kind))].revocations += 1;
  hs.forget(h, doomed);
  if (hs.cov != nullptr) hs.cov->revoked += doomed.size();
}

inline void relabel(harness_state& hs, std::size_t h, shype::domid_t subject, shype::domid_t d, shype::label_id l) {
  mhost& mh = hs.naive.host[h];
  const policy_spec& p = hs.naive.spec(mh);
  const auto names = label_names(p);
  hs.line << "h" << h << " relabel by " << dom_name(subject) << " " << dom_name(d) << " to "
          << (l < names.size() ? names[l] : std::to_string(l));
  expected e;
  const bool auth = hs.naive.authorized(mh, subject);
  if (!auth)
    e.by = shype::verdict::management;
  else if (d >= max_dom || mh.dom[d].state == mstate::free)
    e.error = shype::errc::unknown_domain;
  else if (mh.dom[d].state == mstate::starting)
    e.error = shype::errc::invalid_argument;
  else if (l >= names.size())
    e.error = shype::errc::unknown_label;
  else if (mh.dom[d].state == mstate::running && !hs.naive.may_place(mh, names[l], d))
    e.by = cw_index;
  else
    e.permit = true;
  std::set<std::uint64_t> revoked;
  auto got = hs.real[h]->relabel(subject, d, l, [&](shype::binding_handle, const shype::binding& b) { revoked.insert(b.cookie); });
  if (!hs.same(got, e, h, "relabel")) return;
  authorize_model(hs, h, subject, shype::hook::relabel);
  if (!auth) {
    hs.tally(op::relabel, outcome::deny);
    return;
  }
  if (e.error) {
    model::error(mh, shype::hook_class::management);
    hs.tally(op::relabel, outcome::error);
    return;
  }
  if (!e.permit) {
    model::denied(mh, shype::hook_class::management, shype::hook::relabel, cw_index, d);
    hs.tally(op::relabel, outcome::deny);
    if (hs.cov != nullptr) ++hs.cov->cw_denials;
    return;
  }
  mh.dom[d].label = names[l];
  ++mh.dom[d].incarnation;
  revoke(hs, h, p, revoked, [&](const mbinding& b) { return model::involves(b, d); });
  hs.effect.state = true;
  hs.effect.cache = true;  // the old incarnation's decisions are dropped
  hs.tally(op::relabel, outcome::permit);
}

/// What the model says a change to policy q on host h runs into (the monitor's order: every
/// missing label first, then every domain that cannot be placed, in id order).
inline std::vector<shype::violation> violations_of(const mhost& mh, const policy_spec& q) {
  std::vector<shype::violation> v;
  for (std::size_t d = 0; d < max_dom; ++d)
    if (mh.dom[d].state != mstate::free && find_label(q, mh.dom[d].label) == nullptr)
      v.push_back({shype::violation_kind::label_missing, static_cast<shype::domid_t>(d), hv, shype::verdict::none, {}});
  auto placeable = [&](std::size_t d) { return model::occupies_host(mh.dom[d]) && find_label(q, mh.dom[d].label) != nullptr; };
  std::vector<std::size_t> placed;
  for (std::size_t d = 0; d < max_dom; ++d) {
    if (!placeable(d)) continue;
    bool clash = false;
    for (auto e : placed)
      if (cw_conflict(q, mh.dom[e].label, mh.dom[d].label)) clash = true;
    if (!clash) {
      placed.push_back(d);
      continue;
    }
    shype::violation x{shype::violation_kind::conflict, static_cast<shype::domid_t>(d), hv, cw_index, {}};
    for (std::size_t e = 0; e < d && x.other == hv; ++e)
      if (placeable(e) && cw_conflict(q, mh.dom[e].label, mh.dom[d].label)) x.other = static_cast<shype::domid_t>(e);
    v.push_back(x);
  }
  return v;
}

enum class change_kind { apply, dry_run, corrupt };

/// A change the monitor must refuse before deciding anything — corrupted bytes, or more types than
/// the hosts hold — checked as such. False if the change is neither.
template <class Got>
bool refused_at_load(harness_state& hs, mhost& mh, const Got& got, const policy_spec& q, change_kind kind) {
  const bool large = q.cw_types.size() > host_types || q.te_types.size() > host_types;
  if (kind != change_kind::corrupt && !large) return false;
  hs.line << " -> error " << (got ? "none" : shype::to_string(got.error().code));
  model::error(mh, shype::hook_class::management);
  if (hs.cov != nullptr) ++hs.cov->changes_refused;
  const char* why = kind == change_kind::corrupt ? "corrupted bytes" : "too large";
  if (!hs.check(!got, [&] { return std::string("change_policy: expected a load error (") + why + "), got a report"; })) return true;
  if (kind == change_kind::corrupt) {
    hs.check(got.error().code != shype::errc::too_large, "corrupted bytes reported as too large");
    return true;
  }
  const auto section = q.cw_types.size() > host_types ? shype::policy_section::cw_types : shype::policy_section::te_types;
  hs.check(got.error().code == shype::errc::too_large && got.error().section == section, "change_policy: expected too_large");
  return true;
}

/// The violations a change ran into are the model's, in the model's order.
template <class Report>
bool same_violations(harness_state& hs, const mhost& mh, const Report& got, const std::vector<shype::violation>& want,
                     const std::vector<shype::violation>& seen) {
  hs.line << " -> " << (want.empty() ? "permit" : std::to_string(want.size()) + " violations");
  if (!hs.check(got.authorized && got.violations == want.size() && seen.size() == want.size(), [&] {
        return std::string("change_policy: " + std::to_string(got.violations) + " violations reported, the model finds " +
                           std::to_string(want.size()));
      }))
    return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const auto& w = want[i];
    const auto& s = seen[i];
    const std::string& label = mh.dom[w.domain].label;
    if (!hs.check(s.kind == w.kind && s.domain == w.domain && s.other == w.other && s.policy_index == w.policy_index &&
                      std::string(s.label.data(), s.label.size()) == label,
                  [&] {
                    return std::string("change_policy: violation " + std::to_string(i) + " differs from the model's (domain " +
                                       std::to_string(w.domain) + ", other " + std::to_string(w.other) + ")");
                  }))
      return false;
  }
  if (hs.cov != nullptr) hs.cov->violations += want.size();
  return true;
}

/// A permitted change: a dry run reports what applying would revoke; an applied one revoked
/// exactly that (invariant 4) and moves the host to the next generation. True if it all holds.
template <class Report>
bool permitted_change(harness_state& hs, std::size_t h, const policy_entry& next, change_kind kind, const Report& got,
                      const std::set<std::uint64_t>& revoked) {
  mhost& mh = hs.naive.host[h];
  const policy_spec& q = next.spec;
  if (kind == change_kind::dry_run) {
    if (hs.cov != nullptr) ++hs.cov->dry_runs;
    std::set<std::uint64_t> doomed;
    for (const auto& b : mh.bindings)
      if (!model::permitted(q, mh, b)) doomed.insert(b.cookie);
    return hs.check(revoked == doomed && got.revoked == doomed.size() && got.generation == mh.generation,
                    "change_policy dry run: reported revocations differ from the model's");
  }
  if (!hs.check(got.revoked == revoked.size() && got.generation == mh.generation + 1,
                "change_policy: report.revoked or report.generation is wrong"))
    return false;
  revoke(hs, h, q, revoked, [](const mbinding&) { return true; });
  hs.naive.policies.push_back(next);
  mh.policy = hs.naive.policies.size() - 1;
  mh.generation += 1;
  mh.asked.clear();  // every cached decision died with the old generation
  hs.effect.state = true;
  hs.effect.cache = true;
  if (hs.cov != nullptr) ++hs.cov->changes_applied;
  return true;
}

/// One change_policy call on host h. True if the monitor permitted (applied or would apply) it.
inline bool change(harness_state& hs, std::size_t h, shype::domid_t subject, const policy_entry& next, change_kind kind, std::uint16_t pick,
                   std::uint8_t x) {
  mhost& mh = hs.naive.host[h];
  const char* kinds[] = {"apply", "dry-run", "corrupt"};
  hs.line << "h" << h << " change_policy/" << kinds[static_cast<int>(kind)] << " by " << dom_name(subject) << " to {" << describe(next.spec)
          << "}";
  std::vector<std::uint8_t> corrupted;
  shype::byte_view bytes = view_of(next);
  if (kind == change_kind::corrupt) {
    corrupted = *next.bytes;
    corrupted[pick % corrupted.size()] ^= static_cast<std::uint8_t>(x | 1u);
    bytes = shype::byte_view(corrupted.data(), corrupted.size());
  }
  std::set<std::uint64_t> revoked;
  std::vector<shype::violation> seen;
  auto got = hs.real[h]->change_policy(
      subject, bytes, kind == change_kind::dry_run ? shype::change_mode::dry_run : shype::change_mode::apply,
      [&](shype::binding_handle, const shype::binding& b) { revoked.insert(b.cookie); },
      [&](const shype::violation& v) { seen.push_back(v); });
  const bool auth = hs.naive.authorized(mh, subject);
  authorize_model(hs, h, subject, shype::hook::policy_change);
  if (!auth) {
    hs.line << " -> unauthorized";
    if (!hs.check(got && !got->authorized && got->value == shype::decision::deny && got->revoked == 0 && got->violations == 0 &&
                      got->generation == mh.generation && revoked.empty() && seen.empty(),
                  "change_policy by an unauthorised subject: expected a bare refusal"))
      return false;
    if (hs.cov != nullptr) ++hs.cov->changes_refused;
    return false;
  }
  if (refused_at_load(hs, mh, got, next.spec, kind)) return false;
  if (!got) {
    hs.fail(std::string("change_policy: unexpected error ") + shype::to_string(got.error().code));
    return false;
  }
  const auto want = violations_of(mh, next.spec);
  if (!same_violations(hs, mh, *got, want, seen)) return false;
  if (!want.empty()) {
    if (hs.cov != nullptr) ++hs.cov->changes_refused;
    hs.check(got->value == shype::decision::deny && got->revoked == 0 && got->generation == mh.generation && revoked.empty(),
             "change_policy: a refused change reported revocations or a new generation");
    return false;
  }
  if (!hs.check(got->value == shype::decision::permit, "change_policy: expected permit")) return false;
  return permitted_change(hs, h, next, kind, *got, revoked);
}

inline void change_one(harness_state& hs, const command& c, std::size_t h) {
  const policy_entry next = entry_of(c.policy);
  if (!hs.check(next.bytes != nullptr, [&] { return std::string("the builder refused a generated policy: " + describe(next.spec)); }))
    return;
  const auto kind = static_cast<change_kind>(c.flag % 3);
  const bool ok = change(hs, h, subject(hs.naive, h, c.a), next, kind, c.pick, c.b);
  hs.tally(op::change_policy, ok ? outcome::permit : outcome::deny);
}

/// All hosts or none: a dry run on every host, then the change on every host.
inline void change_all(harness_state& hs, const command& c) {
  const policy_entry next = entry_of(c.policy);
  if (!hs.check(next.bytes != nullptr, [&] { return std::string("the builder refused a generated policy: " + describe(next.spec)); }))
    return;
  hs.line << "change_all [";
  bool all = true;
  for (std::size_t h = 0; h < host_count && hs.failure.empty(); ++h) {
    all = change(hs, h, hv, next, change_kind::dry_run, 0, 0) && all;
    hs.line << "; ";
  }
  if (all) {
    for (std::size_t h = 0; h < host_count && hs.failure.empty(); ++h) {
      hs.check(change(hs, h, hv, next, change_kind::apply, 0, 0),
               [&] { return std::string("change_all: host " + std::to_string(h) + " refused after its dry run permitted"); });
      hs.line << "; ";
    }
  }
  hs.line << "]";
  hs.tally(op::change_all, all ? outcome::permit : outcome::deny);
}

inline void reload(harness_state& hs, std::size_t h) {
  hs.line << "h" << h << " load_initial again";
  auto r = hs.real[h]->load_initial(view_of(hs.naive.policies[hs.naive.host[h].policy]));
  hs.check(!r && r.error().code == shype::errc::invalid_argument, "load_initial on a loaded monitor must fail");
  hs.tally(op::reload, outcome::error);
}

}  // namespace shype_model
