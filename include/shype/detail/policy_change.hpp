// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::policy_change — a live policy change as a plan and an apply (seL4's decode /
// perform split; FLASK keeps policy load in flask_op.c, apart from its hooks).
//
// plan() validates the new binary, checks its renames, maps every domain's label to the new
// policy (renames first, else by name), places the running domains under it and decides every
// occupied (kind, subject, object) group of the binding registry under it. It may refuse, and
// it changes nothing a hook can observe: its results go to change_state, the working state of
// one change, and to the groups' plan fields. apply() revokes the bindings of the groups whose
// decision flipped (and renames those whose resource was renumbered), then installs the new
// view, labels and placement state; it cannot fail.
//
// Hooks are not stopped while a change plans: the plan runs under the writers' mutex (no other
// writer can change what it read) and the monitor's lock held shared; only apply() holds it
// exclusively. Groups the plan visits are decided under the registry mutex a chunk at a time,
// so binds wait at most one chunk; groups created meanwhile are decided by apply(). The lock
// order is stated in monitor.hpp.

#include <cstddef>
#include <cstdint>

#include "../binding_registry.hpp"
#include "../byte_view.hpp"
#include "../change_report.hpp"
#include "../domain_info.hpp"
#include "../errc.hpp"
#include "../hook.hpp"
#include "../ids.hpp"
#include "../load_error.hpp"
#include "../locking.hpp"
#include "../policy_view.hpp"
#include "../rename_view.hpp"
#include "../result.hpp"
#include "../verdict.hpp"
#include "memo.hpp"

namespace shype::detail {

/// The default sinks of a policy change's (and a stop's) reports.
struct ignore_binding {
  constexpr void operator()(binding_handle, const binding&) const noexcept {}
};
struct ignore_violation {
  constexpr void operator()(const violation&) const noexcept {}
};

/// The working state of one policy change. It lives in the monitor (no heap, and a
/// hypervisor's stack is too small for two placement states) but belongs to no policy in force:
/// it is meaningful only between plan() and apply() under one exclusive lock.
template <std::size_t MaxDomains, std::size_t MemoEntries, class States>
struct change_state {
  States staging{};                  // placement state being built for the new policy
  States scratch{};                  // pairwise checks that name a conflicting domain
  label_id remap[MaxDomains] = {};   // each domain's label in the new policy (no_label: none)
  memo<MemoEntries> decisions{};     // resource remappings and decisions of one revocation pass
  bool touched[MaxDomains] = {};     // subjects of groups revoked or renamed by this change
  std::size_t flipped = 0;           // groups decided revoke or rename (0: no binding to visit)
  std::size_t doomed = 0;            // bindings of the groups decided revoke (when decided)
  bool renamed = false;              // some group's resource is renumbered
  std::uint32_t pass = 0;            // the registry groups' pass number of this change
};

/// What a plan found: the validated policy and how many reasons refuse it.
struct change_plan {
  policy_view next{};
  std::size_t violations = 0;
  bool memoise = false;  // decisions memoised in the revocation pass (few labels)
};

/// Plan and apply of a policy change for monitor type M (a friend of M).
template <class M>
struct policy_change {
  /// The whole change: authorise the subject, plan, then apply (or preview, for a dry run).
  template <class OnRevoke, class OnViolation>
  static result<change_report, load_error> run(M& m, domid_t subject, byte_view bytes, change_mode mode, OnRevoke& on_revoke,
                                               OnViolation& on_violation) noexcept {
    constexpr hook_class c = hook_class::management;
    typename M::writer_guard w(m);  // no other writer until this change is done
    change_report report;
    change_plan p;
    {
      shared_guard g(m.lock_);  // hooks go on while the change plans
      if (!m.loaded_) {
        m.stats_.error(c);
        return failure(load_error(errc::no_policy));
      }
      report.generation = m.gen();
      auto auth = m.management_check(subject, hook::policy_change);
      if (!auth.has_value() || !auth.value().permitted()) return report;  // denied: audited, nothing changes
      report.authorized = true;

      // Plan (validate, remap, place, decide the groups): may refuse, changes nothing hooks see.
      auto planned = plan(m, bytes, on_violation);
      if (!planned) {
        m.stats_.error(c);
        return failure(planned.error());
      }
      p = planned.value();
      report.violations = p.violations;
      if (report.violations != 0) return report;  // refused: the old policy stays in force
      decide_groups(m, p);
      if (mode == change_mode::dry_run) {  // only reports what apply would revoke
        unique_guard r(m.registry_mutex_);
        report.revoked = preview(m, p, on_revoke);
        report.value = decision::permit;
        return report;
      }
    }
    // Apply (revoke, swap): cannot fail. The only part during which hooks wait.
    typename M::exclusive_guard x(m);
    unique_guard r(m.registry_mutex_);
    report.revoked = apply(m, p, on_revoke);
    report.value = decision::permit;
    report.generation = m.gen();
    return report;
  }

  /// Validates `bytes` and maps and places every domain under it; each reason to refuse goes to
  /// on_violation. Writes only m.work_ and what the policies stage beside the policy in force.
  /// An invalid binary is an error; a refusal is a plan with violations.
  template <class OnViolation>
  static result<change_plan, load_error> plan(M& m, byte_view bytes, OnViolation& on_violation) noexcept {
    auto loaded = policy_view::load(bytes);
    if (!loaded) return failure(loaded.error());
    change_plan p;
    p.next = loaded.value();
    if (auto r = m.stack_.accepts(p.next); !r) return failure(r.error());
    m.stack_.stage(p.next);  // e.g. TE's decision table, built before the switch
    p.violations += check_renames(m, p.next, on_violation);
    p.violations += remap(m, p.next, on_violation);
    p.violations += place(m, p.next, on_violation);
    // The memo pays when the label pairs fit in it (a handful of labels, as in most policies);
    // with hundreds of labels it would only thrash, and one evaluation over two spans is cheaper.
    const std::uint64_t labels = p.next.vm_label_count() + p.next.resource_label_count();
    p.memoise = labels * labels * 5 <= M::limits.revocation_memo / 2;
    m.work_.decisions.next_pass();
    return p;
  }

  /// Would the new policy revoke this binding? If not and `rename`, its object is renamed to
  /// the new policy's id (a resource binding follows its label: by rename, else by name).
  static bool revokes(M& m, const change_plan& p, binding_kind kind, domid_t binder, std::uint32_t& object, bool rename) noexcept {
    auto& w = m.work_;
    std::uint32_t o;
    if (object_is_domain(kind)) {
      o = w.remap[object];
    } else {
      o = w.decisions.get((std::uint64_t{8} << 32) | object, [&]() -> std::uint32_t {
        return p.next.find_successor(label_kind::resource, m.view_.resource_label(static_cast<resource_id>(object)).name());
      });
      if (o == no_label) return true;
    }
    const label_id s = w.remap[binder];
    const std::uint64_t key = (std::uint64_t{static_cast<std::uint8_t>(kind) + 1u} << 32) | (std::uint64_t{s} << 16) | o;
    const bool ok = p.memoise ? w.decisions.get(key, [&] { return m.stack_.permits(kind, s, o, p.next) ? 1u : 0u; }) != 0
                              : m.stack_.permits(kind, s, o, p.next);
    if (ok && rename) object = o;  // kept: now named under the new policy
    return !ok;
  }

  /// Decides every occupied group of the registry under the plan (its fate, and its object's id
  /// under the new policy), under the registry mutex one chunk at a time.
  static void decide_groups(M& m, const change_plan& p) noexcept {
    auto& w = m.work_;
    for (bool& t : w.touched) t = false;
    w.flipped = 0;
    w.doomed = 0;
    w.renamed = false;
    constexpr std::uint32_t chunk = 256;  // what a bind may wait for (a few microseconds)
    for (std::uint32_t i = 0;;) {
      unique_guard r(m.registry_mutex_);
      auto& gs = m.registry_.groups();
      if (i == 0) w.pass = gs.begin_pass();  // from here on, new groups are logged for apply()
      const std::uint32_t end = gs.high() - i > chunk ? i + chunk : gs.high();
      for (; i < end; ++i)
        if (gs.count(i) != 0) decide(m, p, i);
      if (i >= gs.high()) return;
    }
  }

  /// Decides group i. Registry mutex held.
  static void decide(M& m, const change_plan& p, std::uint32_t i) noexcept {
    using fate = typename groups_of::fate;
    auto& gs = m.registry_.groups();
    const std::uint64_t key = gs.key_of(i);
    const auto kind = static_cast<binding_kind>(key >> 48);
    const auto subject = static_cast<domid_t>(key >> 32);
    const auto old_object = static_cast<std::uint32_t>(key);
    std::uint32_t object = old_object;
    const bool gone = revokes(m, p, kind, subject, object, true);
    const fate f = gone ? fate::revoke : !object_is_domain(kind) && object != old_object ? fate::rename : fate::keep;
    gs.decide(i, m.work_.pass, f, object);
    if (f == fate::keep) return;
    m.work_.touched[subject] = true;
    ++m.work_.flipped;
    if (f == fate::revoke) m.work_.doomed += gs.count(i);
    if (f == fate::rename) m.work_.renamed = true;
  }

  /// Decides the groups created since the plan scanned (hooks kept binding) and ends the pass.
  static void decide_late_groups(M& m, const change_plan& p) noexcept {
    auto& gs = m.registry_.groups();
    gs.for_each_undecided(m.work_.pass, [&](std::uint32_t i) { decide(m, p, i); });
    gs.end_pass();
  }

  /// Would the pass visit every binding (ungrouped ones, or flipped groups touching most of
  /// the registry) rather than the bindings of the touched subjects only?
  static bool visit_all(const M& m) noexcept {
    if (m.registry_.ungrouped() != 0) return true;  // fallback: each ungrouped binding decided alone
    std::size_t n = 0;
    for (std::size_t d = 0; d < M::limits.max_domains; ++d)
      if (m.work_.touched[d]) n += m.registry_.size_of_subject(static_cast<domid_t>(d));
    return n * 4 > m.registry_.size();  // a list walk costs about four times a streamed binding
  }

  /// Dry run: reports each binding the plan would revoke; changes nothing. Registry mutex held.
  template <class OnRevoke>
  static std::size_t preview(M& m, const change_plan& p, OnRevoke& on_revoke) noexcept {
    decide_late_groups(m, p);
    using fate = typename groups_of::fate;
    std::size_t n = 0;
    auto look = [&](binding_handle h, const binding& b, std::uint32_t g) {
      std::uint32_t object = b.object;
      const bool gone = g == groups_of::none ? revokes(m, p, b.kind, b.subject, object, false)
                                                                  : m.registry_.groups().fate_of(g) == fate::revoke;
      if (!gone) return;
      ++n;
      on_revoke(h, b);
    };
    if (visit_all(m)) {
      m.registry_.for_each([&](binding_handle h, const binding& b) { look(h, b, m.registry_.group_of(h)); });
    } else if (m.work_.flipped != 0) {
      for (std::size_t d = 0; d < M::limits.max_domains; ++d)
        if (m.work_.touched[d]) m.registry_.for_each_of_subject(static_cast<domid_t>(d), look);
    }
    return n;
  }

  /// Installs a plan without violations: revokes the bindings of the groups it decided to
  /// revoke (and renames resource bindings), visiting only their subjects' bindings unless the
  /// fallback needs a pass over all, then swaps the view, labels and placement state and bumps
  /// the generation. Cannot fail. Monitor lock exclusive, registry mutex held.
  template <class OnRevoke>
  static std::size_t apply(M& m, const change_plan& p, OnRevoke& on_revoke) noexcept {
    auto& gs = m.registry_.groups();
    using groups_t = groups_of;
    decide_late_groups(m, p);
    std::size_t revoked[hook_class_count] = {};
    auto visit = [&](binding_kind kind, domid_t binder, std::uint32_t& object, std::uint32_t g) {
      if (g == groups_t::none) return revokes(m, p, kind, binder, object, true);
      const auto f = gs.fate_of(g);
      if (f == groups_t::fate::rename) [[unlikely]] object = gs.next_object(g);
      return f == groups_t::fate::revoke;
    };
    auto report = [&](binding_handle h, const binding& b) {
      ++revoked[static_cast<std::uint8_t>(class_of_binding(b))];
      on_revoke(h, b);
    };
    std::size_t n = 0;
    if (m.work_.flipped == 0 && m.registry_.ungrouped() == 0) {
      // nothing flipped: no binding to visit
    } else if (visit_all(m)) {
      n = m.registry_.sweep(visit, report, m.work_.doomed > 64);
    } else {
      for (std::size_t d = 0; d < M::limits.max_domains; ++d)
        if (m.work_.touched[d]) n += m.registry_.sweep_subject(static_cast<domid_t>(d), visit, report);
    }
    if (m.work_.renamed) {  // the kept groups of a renumbered resource now carry its new id
      for (std::uint32_t i = 0; i < gs.high(); ++i) {
        if (gs.count(i) == 0 || !gs.decided(i, m.work_.pass) || gs.fate_of(i) != groups_t::fate::rename) continue;
        const std::uint64_t key = gs.key_of(i);
        gs.decide(i, m.work_.pass, groups_t::fate::keep, gs.next_object(i));
        gs.rekey(i, groups_t::key(static_cast<std::uint8_t>(key >> 48), static_cast<std::uint16_t>(key >> 32), gs.next_object(i)));
      }
    }
    for (std::size_t d = 0; d < M::limits.max_domains; ++d)
      if (m.domains_[d].state != domain_state::free) m.domains_[d].label = m.work_.remap[d];
    m.view_ = p.next;
    m.stack_.install(p.next);
    m.states_ = m.work_.staging;
    m.hits_.next_generation();
    for (std::uint8_t i = 0; i < hook_class_count; ++i)
      if (revoked[i] != 0) m.stats_.revocations(static_cast<hook_class>(i), revoked[i]);
    return n;
  }

 private:
  using groups_of = typename decltype(M::registry_)::groups_t;
  static constexpr hook_class class_of_binding(const binding& b) noexcept {
    return b.kind == binding_kind::evtchn ? hook_class::evtchn : object_is_domain(b.kind) ? hook_class::grant : hook_class::resource;
  }

  /// Every rename must name a label of the policy in force (a typo would otherwise silently
  /// drop the domains it meant to carry over).
  template <class OnViolation>
  static std::size_t check_renames(const M& m, const policy_view& next, OnViolation& on_violation) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < next.rename_count(); ++i) {
      const rename_view rn = next.rename(i);
      const bool known = rn.kind == label_kind::vm ? m.view_.find_vm_label(rn.from) != policy_view::npos
                                                   : m.view_.find_resource_label(rn.from) != policy_view::npos;
      if (known) continue;
      ++n;
      violation v{violation_kind::rename_unknown, hypervisor_subject, hypervisor_subject, verdict::none, rn.from};
      v.new_label = rn.kind == label_kind::vm ? next.vm_label(rn.label).name() : next.resource_label(rn.label).name();
      v.table = rn.kind;
      on_violation(v);
    }
    return n;
  }

  /// Maps every live domain's label: by rename, else by name.
  template <class OnViolation>
  static std::size_t remap(M& m, const policy_view& next, OnViolation& on_violation) noexcept {
    std::size_t n = 0;
    for (std::size_t d = 0; d < M::limits.max_domains; ++d) {
      const auto& s = m.domains_[d];
      m.work_.remap[d] = no_label;
      if (s.state == domain_state::free) continue;
      const string_ref name = m.view_.vm_label(s.label).name();
      m.work_.remap[d] = next.find_successor(label_kind::vm, name);
      if (m.work_.remap[d] == no_label) {
        ++n;
        on_violation(violation{violation_kind::label_missing, static_cast<domid_t>(d), hypervisor_subject, verdict::none, name});
      }
    }
    return n;
  }

  static bool placed(const M& m, std::size_t d) noexcept {
    const auto& s = m.domains_[d];
    return (s.state == domain_state::running || s.state == domain_state::starting) && m.work_.remap[d] != no_label;
  }

  /// Places every running (and starting) domain under the new policy, in id order. A domain
  /// that cannot be placed is reported with the first earlier domain it conflicts with.
  template <class OnViolation>
  static std::size_t place(M& m, const policy_view& next, OnViolation& on_violation) noexcept {
    auto& w = m.work_;
    std::size_t n = 0;
    m.stack_.reset(w.staging, next);
    for (std::size_t d = 0; d < M::limits.max_domains; ++d) {
      if (!placed(m, d)) continue;
      const vm_label_view label = next.vm_label(w.remap[d]);
      const std::uint8_t denied = m.stack_.prepare(w.staging, next, label);
      if (denied == verdict::none) {
        m.stack_.commit(w.staging, next, label);
        continue;
      }
      ++n;
      violation v{violation_kind::conflict, static_cast<domid_t>(d), hypervisor_subject, denied, m.view_.vm_label(m.domains_[d].label).name()};
      v.new_label = label.name();
      for (std::size_t e = 0; e < d && v.other == hypervisor_subject; ++e) {
        if (!placed(m, e)) continue;
        m.stack_.reset(w.scratch, next);
        const vm_label_view other = next.vm_label(w.remap[e]);
        if (m.stack_.prepare(w.scratch, next, other) != verdict::none) continue;
        m.stack_.commit(w.scratch, next, other);
        if (m.stack_.prepare(w.scratch, next, label) != verdict::none) {
          v.other = static_cast<domid_t>(e);
          v.other_label = other.name();
        }
      }
      on_violation(v);
    }
    return n;
  }
};

}  // namespace shype::detail
