// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::policy_change — a live policy change as a plan and an apply (seL4's decode /
// perform split; FLASK keeps policy load in flask_op.c, apart from its hooks).
//
// plan() validates the new binary, checks its renames, maps every domain's label to the new
// policy (renames first, else by name) and places the running domains under it. It may refuse,
// and it changes nothing a hook can observe: its results go to change_state, the working state
// of one change. apply() revokes what the new policy no longer permits (re-evaluating each live
// binding's labels under it) and installs the new view, labels and placement state; it cannot
// fail. Both run under the monitor's exclusive lock; the registry pass also under the registry
// mutex (the lock order is stated in monitor.hpp).

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
    typename M::write_guard g(m);
    if (!m.loaded_) {
      m.stats_.error(c);
      return failure(load_error(errc::no_policy));
    }
    change_report report;
    report.generation = m.gen();
    auto auth = m.management_check(subject, hook::policy_change);
    if (!auth.has_value() || !auth.value().permitted()) return report;  // denied: audited, nothing changes
    report.authorized = true;

    // Plan (validate, remap, place): may refuse, changes nothing hooks can observe.
    auto p = plan(m, bytes, on_violation);
    if (!p) {
      m.stats_.error(c);
      return failure(p.error());
    }
    report.violations = p.value().violations;
    if (report.violations != 0) return report;  // refused: the old policy stays in force

    // Apply (revoke, swap): cannot fail. A dry run only reports what apply would revoke.
    unique_guard r(m.registry_mutex_);
    report.revoked = mode == change_mode::dry_run ? preview(m, p.value(), on_revoke) : apply(m, p.value(), on_revoke);
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

  /// Dry run: reports each binding the plan would revoke; changes nothing. Registry mutex held.
  template <class OnRevoke>
  static std::size_t preview(M& m, const change_plan& p, OnRevoke& on_revoke) noexcept {
    std::size_t n = 0;
    m.registry_.for_each([&](binding_handle h, const binding& b) {
      std::uint32_t object = b.object;
      if (revokes(m, p, b.kind, b.subject, object, false)) {
        ++n;
        on_revoke(h, b);
      }
    });
    return n;
  }

  /// Installs a plan without violations: revokes (and renames resource bindings) in one pass
  /// over the registry, then swaps the view, labels and placement state and bumps the
  /// generation. Cannot fail. Registry mutex held.
  template <class OnRevoke>
  static std::size_t apply(M& m, const change_plan& p, OnRevoke& on_revoke) noexcept {
    std::size_t revoked[hook_class_count] = {};
    const std::size_t n = m.registry_.sweep(
        [&](binding_kind kind, domid_t binder, std::uint32_t& object) { return revokes(m, p, kind, binder, object, true); },
        [&](binding_handle h, const binding& b) {
          ++revoked[static_cast<std::uint8_t>(class_of_binding(b))];
          on_revoke(h, b);
        });
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
