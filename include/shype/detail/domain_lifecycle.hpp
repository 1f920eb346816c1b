// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::domain_lifecycle — what a monitor does when a domain starts, stops or changes
// label, for monitor type M (a friend of M).
//
// Starts follow Xen ACM's transactional pattern: prepare (check the placement and reserve it
// under the policy in force), then commit or abort. A stop releases the placement, closes the
// domain's bindings and drops its cached decisions; a relabel places the domain under its new
// label (restoring the old placement if it is refused) and revokes what the new label does not
// permit. Every operation takes the monitor exclusively (M::write_guard), and the registry
// mutex inside it (the lock order is stated in monitor.hpp).

#include <cstddef>
#include <cstdint>

#include "../audit_log.hpp"
#include "../binding_registry.hpp"
#include "../decision.hpp"
#include "../domain_info.hpp"
#include "../errc.hpp"
#include "../hook.hpp"
#include "../ids.hpp"
#include "../label_view.hpp"
#include "../locking.hpp"
#include "../result.hpp"
#include "../string_ref.hpp"
#include "../verdict.hpp"

namespace shype::detail {

template <class M>
struct domain_lifecycle {
  static result<verdict> prepare_start(M& m, hook op, domid_t d, label_id l) noexcept {
    constexpr hook_class c = hook_class::domain;
    typename M::write_guard g(m);
    if (op != hook::domain_create && op != hook::domain_restore && op != hook::migrate_in) return m.fail(c, errc::invalid_argument);
    if (!m.loaded_) return m.fail(c, errc::no_policy);
    if (d >= M::limits.max_domains) return m.fail(c, errc::unknown_domain);
    auto& s = m.domains_[d];
    if (op == hook::domain_restore && s.state == domain_state::saved) {
      if (l == no_label) l = s.label;
      else if (l != s.label) return m.fail(c, errc::invalid_argument);  // a saved image keeps its label
    } else if (op == hook::domain_restore && l == no_label) {
      return m.fail(c, s.state == domain_state::free ? errc::domain_not_saved : errc::domain_exists);
    } else if (s.state != domain_state::free) {
      return m.fail(c, errc::domain_exists);
    }
    if (l >= m.view_.vm_label_count()) return m.fail(c, errc::unknown_label);

    m.stats_.miss(c);
    const vm_label_view label = m.view_.vm_label(l);
    const std::uint8_t denied = m.stack_.prepare(m.states_, m.view_, label);
    if (denied != verdict::none) {
      m.stats_.denial(c);
      m.audit_denial(op, denied, d, audit_object::host, 0, label.name(), string_ref());
      return verdict::make(decision::deny, denied, false, m.gen());
    }
    s.before = s.state;
    s.state = domain_state::starting;
    s.label = l;
    m.new_incarnation(d);
    return verdict::make(decision::permit, verdict::none, false, m.gen());
  }

  static result<void> commit_start(M& m, domid_t d) noexcept {
    typename M::write_guard g(m);
    if (d >= M::limits.max_domains || m.domains_[d].state != domain_state::starting)
      return m.template fail<void>(hook_class::domain, errc::invalid_argument);
    m.stack_.commit(m.states_, m.view_, m.view_.vm_label(m.domains_[d].label));
    m.domains_[d].state = domain_state::running;
    m.hits_.set_live(d, m.handle(d));
    return success;
  }

  static result<void> abort_start(M& m, domid_t d) noexcept {
    typename M::write_guard g(m);
    if (d >= M::limits.max_domains || m.domains_[d].state != domain_state::starting)
      return m.template fail<void>(hook_class::domain, errc::invalid_argument);
    auto& s = m.domains_[d];
    m.stack_.abort(m.states_, m.view_, m.view_.vm_label(s.label));
    s.state = s.before;
    if (s.state == domain_state::free) s.label = no_label;
    return success;
  }

  template <class OnClose>
  static result<void> stop(M& m, hook op, domid_t d, OnClose& on_close) noexcept {
    constexpr hook_class c = hook_class::domain;
    typename M::write_guard g(m);
    if (!m.loaded_) return m.template fail<void>(c, errc::no_policy);
    if (d >= M::limits.max_domains || m.domains_[d].state == domain_state::free)
      return m.template fail<void>(c, errc::unknown_domain);
    auto& s = m.domains_[d];
    if (s.state == domain_state::starting) return m.template fail<void>(c, errc::invalid_argument);  // commit or abort first
    if (s.state == domain_state::saved && op != hook::domain_destroy) return m.template fail<void>(c, errc::domain_not_running);
    if (s.state == domain_state::running) {
      m.stack_.release(m.states_, m.view_, m.view_.vm_label(s.label));
      {
        unique_guard r(m.registry_mutex_);
        m.registry_.remove_domain(d, on_close);
      }
      m.hits_.cache().drop(m.handle(d));
    }
    s.state = op == hook::domain_save ? domain_state::saved : domain_state::free;
    m.hits_.set_live(d, 0);
    if (s.state == domain_state::free) s.label = no_label;
    return success;
  }

  template <class OnRevoke>
  static result<verdict> relabel(M& m, domid_t subject, domid_t d, label_id nl, OnRevoke&& on_revoke) noexcept {
    constexpr hook_class c = hook_class::management;
    typename M::write_guard g(m);
    if (!m.loaded_) return m.fail(c, errc::no_policy);
    auto auth = m.management_check(subject, hook::relabel);
    if (!auth || !auth.value().permitted()) return auth;
    if (d >= M::limits.max_domains || m.domains_[d].state == domain_state::free) return m.fail(c, errc::unknown_domain);
    auto& s = m.domains_[d];
    if (s.state == domain_state::starting) return m.fail(c, errc::invalid_argument);
    if (nl >= m.view_.vm_label_count()) return m.fail(c, errc::unknown_label);

    if (s.state == domain_state::running) {
      const vm_label_view old_label = m.view_.vm_label(s.label), new_label = m.view_.vm_label(nl);
      m.stack_.release(m.states_, m.view_, old_label);
      const std::uint8_t denied = m.stack_.prepare(m.states_, m.view_, new_label);
      if (denied != verdict::none) {
        // Giving the old types back cannot m.fail: the state is exactly what it was before release.
        (void)m.stack_.prepare(m.states_, m.view_, old_label);
        m.stack_.commit(m.states_, m.view_, old_label);
        m.stats_.denial(c);
        m.audit_denial(hook::relabel, denied, d, audit_object::host, 0, new_label.name(), string_ref());
        return verdict::make(decision::deny, denied, false, m.gen());
      }
      m.stack_.commit(m.states_, m.view_, new_label);
    }
    const std::uint32_t old_handle = m.handle(d);
    s.label = nl;
    m.new_incarnation(d);
    m.hits_.cache().drop(old_handle);

    std::size_t revoked[hook_class_count] = {};
    {
      unique_guard r(m.registry_mutex_);
      m.registry_.remove_of_if(
          d,
          [&](const binding& b) {
            const label_id sl = m.domains_[b.subject].label;
            const std::uint32_t o = object_is_domain(b.kind) ? m.domains_[b.object].label : b.object;
            return !m.stack_.permits(b.kind, sl, o, m.view_);
          },
          [&](binding_handle h, const binding& b) {
            ++revoked[static_cast<std::uint8_t>(object_is_domain(b.kind) ? (b.kind == binding_kind::evtchn ? hook_class::evtchn : hook_class::grant)
                                                                        : hook_class::resource)];
            on_revoke(h, b);
          });
    }
    for (std::uint8_t i = 0; i < hook_class_count; ++i)
      if (revoked[i] != 0) m.stats_.revocations(static_cast<hook_class>(i), revoked[i]);
    return verdict::make(decision::permit, verdict::none, false, m.gen());
  }
};

}  // namespace shype::detail
