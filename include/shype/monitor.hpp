// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::basic_monitor / shype::monitor — the reference monitor a hypervisor embeds.
//
// A monitor stacks policies at compile time (Boost.Hana tuple) and decides by conjunction: the
// first policy that denies wins (deny overrides), and a policy is only asked the questions it
// declares, so an absent hook costs nothing. Around the policies it keeps what the paper's ACM
// keeps (section 4.3.3): the policy in force (a validated view of a binary policy), the label of
// every domain, the decision cache of bind-time decisions, the registry of live bindings for
// revocation, statistics and the denial log.
//
//   shype::monitor<shype::chinese_wall<64>, shype::type_enforcement<256>> m;
//   m.load_initial(policy_bytes);
//   m.domain_create(0, m.policy().bootstrap_label());
//   if (auto r = m.evtchn_bind(a, b, port); r && r->permitted()) ...
//
// Domain operations use Xen ACM's transactional pattern: prepare (check and reserve), then
// commit or abort; a stacked policy that denies rolls back what earlier ones prepared. Domain
// operations and a policy change's switch take the monitor exclusively; hooks and a change's
// plan take it shared (locking.hpp), so every decision is taken under one policy generation.
//
// Requests that cannot be evaluated return an errc and are refused (fail closed). Nothing here
// allocates, throws or uses RTTI; everything is sized by template parameters.
//
// Parts: the policies and how they are asked (detail/policy_stack.hpp), what a cached decision
// touches (detail/hit_path.hpp), starts/stops/relabels (detail/domain_lifecycle.hpp), a policy
// change as plan + apply (detail/policy_change.hpp).
//
// Invariants:
//  1. A domain's live handle is (incarnation << 16 | id) while it runs, else 0, and an
//     incarnation is never 0; every start and relabel makes a new one. A cache entry is keyed by
//     live handles, so it never answers for another domain, incarnation or label.
//  2. Every cache entry carries the generation it was decided under and is returned only under
//     that generation. Each policy change bumps it (on wrap-around it skips 0, "no policy", and
//     empties the cache), so no decision is returned after the change that made it stale.
//  3. Every binding in the registry is permitted by the policy in force for its domains' current
//     labels: a policy change and a relabel revoke the others under the registry mutex, and a
//     lock-free bind registers only if no exclusive writer started since its cached read
//     (checked under that mutex), so a bind is either seen by the revocation pass or refused.
//  4. states_ is the placement state of exactly the starting and running domains under view_.
//     work_ has no meaning outside one policy change, whose writer holds writers_mutex_.
//  5. A change's plan may refuse and writes only work_ (and the registry groups' plan fields);
//     its apply cannot fail. So a refused or invalid policy leaves the old one, its labels and
//     its bindings in force. The plan holds lock_ shared and writers_mutex_, so nothing it read
//     can change before its apply.
//  6. smp_locking: the sequence count is odd exactly while a writer holds lock_ exclusively; a
//     lock-free read is accepted only if the count was even and is unchanged after it.
//
// Lock order: writers_mutex_ before lock_ before registry_mutex_. writers_mutex_ serialises
// every writer (load_initial, domain operations, relabel, policy changes; hooks never take it).
// lock_ is shared for hooks, queries and a change's plan, exclusive for a writer's state change
// and a change's apply. registry_mutex_ is taken under a shared lock_ (register_binding,
// binding_count, for_each_binding, a change's plan and dry run), under an exclusive one
// (domain_lifecycle::stop and ::relabel, a change's apply), or alone (unbind, and bind's
// lock-free path); no lock is taken while a later one in this order is held. The audit log's
// lock is a leaf (statistics take none). Callbacks (on_revoke, on_close, on_violation,
// for_each_*'s f) run under these locks and must not call back into the monitor.

#include <cstddef>
#include <cstdint>

#include "audit_log.hpp"
#include "binding_registry.hpp"
#include "byte_view.hpp"
#include "change_report.hpp"
#include "decision.hpp"
#include "decision_cache.hpp"
#include "detail/domain_lifecycle.hpp"
#include "detail/exclusive_lock.hpp"
#include "detail/hit_path.hpp"
#include "detail/policy_change.hpp"
#include "detail/policy_stack.hpp"
#include "domain_info.hpp"
#include "errc.hpp"
#include "hook.hpp"
#include "ids.hpp"
#include "label_view.hpp"
#include "load_error.hpp"
#include "locking.hpp"
#include "monitor_limits.hpp"
#include "policy.hpp"
#include "policy_view.hpp"
#include "result.hpp"
#include "statistics.hpp"
#include "type_enforcement.hpp"
#include "type_set.hpp"
#include "verdict.hpp"

namespace shype {

template <monitor_limits Limits, class Locking, class... Ps>
class basic_monitor {
  static_assert(sizeof...(Ps) >= 1, "shype::monitor needs at least one policy (shype::null_policy permits everything)");
  static_assert(sizeof...(Ps) < verdict::management, "shype::monitor: too many policies");
  static_assert((check_policy<Ps>() && ...));
  static_assert(Limits.max_domains >= 1 && Limits.max_domains < hypervisor_subject, "monitor_limits: 1..65534 domains");
  static_assert(Limits.max_bindings >= 1, "monitor_limits: at least one binding");

  static constexpr std::size_t policy_count = sizeof...(Ps);
  using stack_t = detail::policy_stack<Ps...>;
  using states_t = typename stack_t::states_t;
  using work_t = detail::change_state<Limits.max_domains, Limits.revocation_memo, states_t>;
  friend struct detail::policy_change<basic_monitor>;
  friend struct detail::domain_lifecycle<basic_monitor>;
  using lifecycle = detail::domain_lifecycle<basic_monitor>;
  using hits_t = detail::hit_path<Limits.max_domains, Limits.cache_sets, Limits.cache_ways, Limits.permit_slots>;
  static constexpr bool concurrent = Locking::concurrent;

 public:
  static constexpr monitor_limits limits = Limits;
  /// Capacity of the coalition query's result: the largest TE policy of the stack.
  static constexpr std::size_t te_capacity = stack_t::te_capacity;
  using te_set = type_set<te_capacity>;

  basic_monitor() noexcept = default;
  basic_monitor(const basic_monitor&) = delete;
  basic_monitor& operator=(const basic_monitor&) = delete;

  /// The names of the stacked policies, by position (as in verdict::denied_by).
  [[nodiscard]] static constexpr const char* policy_name(std::size_t i) noexcept {
    constexpr const char* names[] = {Ps::name...};
    if (i == verdict::management) return "management";
    return i < policy_count ? names[i] : "none";
  }

  // ===== policy management ========================================================================

  /// Installs the first policy (at boot, by the hypervisor). The bytes must outlive their use.
  result<void, load_error> load_initial(byte_view bytes) noexcept {
    write_guard g(*this);
    if (loaded_) return failure(load_error(errc::invalid_argument));
    auto v = policy_view::load(bytes);
    if (!v) return failure(v.error());
    if (auto r = stack_.accepts(v.value()); !r) return r;
    stack_.install(view_ = v.value());  // the view, and what policies derive from it (TE's table)
    loaded_ = true;
    hits_.first_generation();
    stack_.reset(states_, view_);
    return success;
  }

  /// Live policy change (paper, section 4.3.2), in one call: authorise the subject, validate the
  /// binary, map every running and saved domain's label by name with the new policy's renames
  /// applied (Xen ACM's `<Name from="old">new</Name>`: a domain labelled `old` carries on under
  /// `new`; see policy_view::find_successor), refuse if a rename names no label of the policy in
  /// force, a label has no successor or the running domains would violate a placement policy
  /// under their new labels (each reason goes to `on_violation`),
  /// else swap atomically, bump the generation and revoke every binding the new policy no
  /// longer permits (each goes to `on_revoke`, which must not call back into the monitor).
  /// A dry run reports the same and changes nothing. On a refusal or error the old policy stays
  /// in force; after success the caller may free the old policy's bytes.
  template <class OnRevoke = detail::ignore_binding, class OnViolation = detail::ignore_violation>
  result<change_report, load_error> change_policy(domid_t subject, byte_view bytes, change_mode mode = change_mode::apply,
                                                  OnRevoke&& on_revoke = {}, OnViolation&& on_violation = {}) noexcept {
    return detail::policy_change<basic_monitor>::run(*this, subject, bytes, mode, on_revoke, on_violation);
  }

  /// Moves a domain to another label (authorised like a policy change). Placement is checked
  /// as for a start; the domain's bindings the new label does not permit are revoked.
  template <class OnRevoke = detail::ignore_binding>
  result<verdict> relabel(domid_t subject, domid_t d, label_id new_label, OnRevoke&& on_revoke = {}) noexcept {
    return lifecycle::relabel(*this, subject, d, new_label, on_revoke);
  }

  /// May `subject` make management call `op` (a policy change, or a hypervisor's domain control:
  /// create, destroy, save, restore)? Only the management (bootstrap) label or the hypervisor; a
  /// denial is audited under `op`, so the log names the call that was refused.
  [[nodiscard]] result<verdict> authorize_management(domid_t subject, hook op = hook::policy_change) noexcept {
    shared_guard g(lock_);
    if (!loaded_) return fail(hook_class::management, errc::no_policy);
    return management_check(subject, op);
  }

  // ===== domain operations ========================================================================

  /// Phase one of create / restore / migrate-in: checks placement and reserves it. The domain is
  /// `starting` until commit_start() or abort_start(). For restore, `l` may be no_label to use
  /// the label the domain was saved with.
  result<verdict> prepare_start(hook op, domid_t d, label_id l) noexcept { return lifecycle::prepare_start(*this, op, d, l); }
  /// Phase two: the hypervisor built the domain; it now runs.
  result<void> commit_start(domid_t d) noexcept { return lifecycle::commit_start(*this, d); }
  /// Phase two: the hypervisor could not build the domain; the reservation is given back.
  result<void> abort_start(domid_t d) noexcept { return lifecycle::abort_start(*this, d); }

  /// Create, restore or migrate in, in one step (prepare + commit).
  result<verdict> domain_create(domid_t d, label_id l) noexcept { return start(hook::domain_create, d, l); }
  result<verdict> migrate_in(domid_t d, label_id l) noexcept { return start(hook::migrate_in, d, l); }
  /// Restores a domain saved on this host, with its label.
  result<verdict> domain_restore(domid_t d) noexcept { return start(hook::domain_restore, d, no_label); }
  /// Restores an image saved elsewhere (the id is free here) with the given label.
  result<verdict> domain_restore(domid_t d, label_id l) noexcept { return start(hook::domain_restore, d, l); }

  /// The domain stops running here; its bindings are closed (each reported to on_close) and
  /// its cached decisions dropped. destroy works on running and saved domains, save keeps the
  /// label for a later restore, migrate-out forgets the domain.
  template <class OnClose = detail::ignore_binding>
  result<void> domain_destroy(domid_t d, OnClose&& on_close = {}) noexcept {
    return stop(hook::domain_destroy, d, on_close);
  }
  template <class OnClose = detail::ignore_binding>
  result<void> domain_save(domid_t d, OnClose&& on_close = {}) noexcept {
    return stop(hook::domain_save, d, on_close);
  }
  template <class OnClose = detail::ignore_binding>
  result<void> migrate_out(domid_t d, OnClose&& on_close = {}) noexcept {
    return stop(hook::migrate_out, d, on_close);
  }

  // ===== sharing (bind time; cached) ==============================================================

  /// May `a` allocate an unbound event-channel port for `b`?
  result<verdict> evtchn_unbound(domid_t a, domid_t b) noexcept { return share<hook::evtchn_unbound>(a, b); }
  /// Interdomain event channel from `a` to `b`; registered for revocation under `cookie`.
  result<bind_result> evtchn_bind(domid_t a, domid_t b, std::uint64_t cookie) noexcept {
    return bind<hook::evtchn_bind>(binding_kind::evtchn, a, b, cookie);
  }
  result<void> evtchn_close(binding_handle h) noexcept { return unbind(h, hook_class::evtchn); }

  /// `mapper` maps a page `granter` granted: read-only (a flow from granter to mapper) or
  /// read-write (both ways). Registered for revocation under `cookie`.
  result<bind_result> grant_map(domid_t granter, domid_t mapper, access_mode m, std::uint64_t cookie) noexcept {
    return m == access_mode::read ? bind<hook::grant_map_ro>(binding_kind::grant_ro, granter, mapper, cookie)
                                  : bind<hook::grant_map_rw>(binding_kind::grant_rw, granter, mapper, cookie);
  }
  result<void> grant_unmap(binding_handle h) noexcept { return unbind(h, hook_class::grant); }

  /// A one-off copy from `from`'s granted page to `to` (not registered: nothing stays mapped).
  result<verdict> grant_copy(domid_t from, domid_t to) noexcept { return share<hook::grant_copy>(from, to); }

  /// May domain `d` use the labelled resource `r` (a virtual disk, a vLAN)?
  result<verdict> resource_access(domid_t d, resource_id r, access_mode m) noexcept {
    if constexpr (concurrent) {
      if (const verdict v = d < Limits.max_domains ? hits_.optimistic_probe(cache_key{live(d), r, access_op(m)}) : verdict{};
          v.permitted()) {
        stats_.hit(hook_class::resource);
        return v;
      }
    }
    shared_guard g(lock_);
    return decide_access(d, r, m);
  }
  /// Attaches a resource to a domain, registered for revocation under `cookie`.
  result<bind_result> resource_attach(domid_t d, resource_id r, access_mode m, std::uint64_t cookie) noexcept {
    shared_guard g(lock_);
    auto v = decide_access(d, r, m);
    if (!v) return failure(v.error());
    return register_binding(hook_class::resource, v.value(),
                            {m == access_mode::read ? binding_kind::resource_read : binding_kind::resource_rw, d, r, cookie});
  }
  result<void> resource_detach(binding_handle h) noexcept { return unbind(h, hook_class::resource); }

  /// The MAC-domain query (paper, section 4.4): the TE types (coalitions) `macdom` and `d` have
  /// in common. A MAC domain serves `d` only what is labelled with one of them.
  result<te_set> coalition(domid_t macdom, domid_t d) noexcept
    requires(te_capacity > 0)
  {
    shared_guard g(lock_);
    if (auto e = check_pair(macdom, d, hook_class::query); e != errc{}) return failure(e);
    stats_.miss(hook_class::query);
    const auto a = view_.vm_label(domains_[macdom].label);
    const auto b = view_.vm_label(domains_[d].label);
    te_set common;
    for (std::size_t w = 0; w < te_set::words; ++w) common.set_word(w, a.te().word(w) & b.te().word(w));
    return common;
  }

  /// A fresh decision for a sharing hook, without cache, statistics or audit (for the policy
  /// interface's "get a decision" and for checking the cache).
  result<verdict> evaluate(hook op, domid_t s, domid_t o) noexcept {
    shared_guard g(lock_);
    if (class_of(op) != hook_class::evtchn && class_of(op) != hook_class::grant) return failure(errc::invalid_argument);
    if (!loaded_) return failure(errc::no_policy);
    if (auto e = pair_error(s, o); e != errc{}) return failure(e);
    const std::uint8_t denied = stack_.share(op, domains_[s].label, domains_[o].label, view_);
    return verdict::make(permit_if(denied == verdict::none), denied, false, gen());
  }

  /// A fresh decision for a resource access, without cache, statistics or audit.
  result<verdict> evaluate_access(domid_t d, resource_id r, access_mode m) noexcept {
    shared_guard g(lock_);
    if (!loaded_) return failure(errc::no_policy);
    if (d >= Limits.max_domains || domains_[d].state == domain_state::free) return failure(errc::unknown_domain);
    if (domains_[d].state != domain_state::running) return failure(errc::domain_not_running);
    if (r >= view_.resource_label_count()) return failure(errc::unknown_label);
    const std::uint8_t denied = stack_.access(domains_[d].label, r, m, view_);
    return verdict::make(permit_if(denied == verdict::none), denied, false, gen());
  }

  // ===== introspection =============================================================================

  [[nodiscard]] bool loaded() const noexcept {
    shared_guard g(lock_);
    return loaded_;
  }
  [[nodiscard]] generation_t generation() const noexcept {
    shared_guard g(lock_);
    return gen();
  }
  /// The policy in force (valid until the next policy change).
  [[nodiscard]] policy_view policy() const noexcept {
    shared_guard g(lock_);
    return view_;
  }
  [[nodiscard]] domain_info domain(domid_t d) const noexcept {
    shared_guard g(lock_);
    if (d >= Limits.max_domains) return {};
    return {domains_[d].state, domains_[d].label, domains_[d].incarnation};
  }
  [[nodiscard]] stats_snapshot stats() const noexcept { return stats_.snapshot(); }
  [[nodiscard]] const audit_log<Limits.audit_entries, typename Locking::mutex>& audit() const noexcept { return audit_; }
  [[nodiscard]] std::size_t binding_count() const noexcept {
    shared_guard g(lock_);
    unique_guard r(registry_mutex_);
    return registry_.size();
  }
  /// Calls f(handle, binding) for every live binding.
  template <class F>
  void for_each_binding(F&& f) const noexcept {
    shared_guard g(lock_);
    unique_guard r(registry_mutex_);
    registry_.for_each(f);
  }
  /// Calls f(subject, object, op, cached_decision) once for every decision cached under the
  /// current generation for domains that still run the incarnation it was decided for.
  template <class F>
  void for_each_cached(F&& f) const noexcept {
    shared_guard g(lock_);
    hits_.for_each_cached(f);
  }

 private:
  struct slot {
    domain_state state = domain_state::free;
    domain_state before = domain_state::free;  // state to return to if a start is aborted
    label_id label = no_label;
    std::uint16_t incarnation = 0;  // never 0 once started, so a live handle is never 0
  };
  /// A new incarnation of slot d (start, relabel): nothing cached for the old one can match.
  void new_incarnation(domid_t d) noexcept {
    slot& s = domains_[d];
    if (++s.incarnation == 0) s.incarnation = 1;
    hits_.set_live(d, s.state == domain_state::running ? handle(d) : 0);
  }

  // --- helpers ----------------------------------------------------------------------------------------

  [[nodiscard]] std::uint32_t handle(domid_t d) const noexcept {
    return (std::uint32_t{domains_[d].incarnation} << 16) | d;
  }
  template <class T = verdict>
  result<T> fail(hook_class c, errc e) noexcept {
    stats_.error(c);
    return failure(e);
  }
  /// Why a pair of domains cannot be asked about, or errc{} if they can.
  [[nodiscard]] errc pair_error(domid_t s, domid_t o) const noexcept {
    if (s >= Limits.max_domains || o >= Limits.max_domains) return errc::unknown_domain;
    if (s == o) return errc::invalid_argument;
    const domain_state a = domains_[s].state, b = domains_[o].state;
    if (a == domain_state::running && b == domain_state::running) [[likely]] return errc{};
    if (a == domain_state::free || b == domain_state::free) return errc::unknown_domain;
    return errc::domain_not_running;
  }
  errc check_pair(domid_t s, domid_t o, hook_class c) noexcept {
    errc e = loaded_ ? pair_error(s, o) : errc::no_policy;
    if (e != errc{}) stats_.error(c);
    return e;
  }

  void audit_denial(hook op, std::uint8_t by, domid_t s, audit_object kind, std::uint32_t o, string_ref slabel,
                    string_ref olabel) noexcept {
    audit_.record(denial_record::make(gen(), op, by, policy_name(by), s, kind, o, slabel, olabel));
  }

  // The critical path is one word of the permit table. The miss and the audit of a denial are
  // out of line (noinline), so the hit path stays a handful of instructions with few registers.

  template <hook Op>
  [[gnu::always_inline]] result<verdict> decide_share(domid_t s, domid_t o) noexcept {
    // A leaf on the hit path (no call, no stack frame): everything else is one tail call.
    if (hits_.template permitted<Op>(s, o)) [[likely]] {
      stats_.hit_local(class_of(Op));
      return result<verdict>::from_word(hits_.permit_word());
    }
    return share_slow(Op, s, o);
  }
  /// Errors, misses and cached denials (which are audited).
  [[gnu::noinline]] result<verdict> share_slow(hook op, domid_t s, domid_t o) noexcept {
    const hook_class c = class_of(op);
    if (const errc e = loaded_ ? pair_error(s, o) : errc::no_policy; e != errc{}) {
      stats_.error(c);
      return failure(e);
    }
    const cache_key k{live(s), live(o), static_cast<std::uint8_t>(op)};
    if (const std::uint64_t w = hits_.probe(k); w != 0) {
      stats_.hit(c);
      const verdict v = hits_t::hit_verdict(w);
      if (v.permitted())
        hits_.remember_permit(op, s, o);  // back into the table it lost its slot in
      else
        share_denied(op, s, o, v);
      return v;
    }
    stats_.miss(c);
    const std::uint8_t by = stack_.share(op, domains_[s].label, domains_[o].label, view_);
    const verdict v = verdict::make(permit_if(by == verdict::none), by, false, gen());
    hits_.cache().insert(k, gen(), {v.value, v.denied_by});
    if (v.permitted())
      hits_.remember_permit(op, s, o);
    else
      share_denied(op, s, o, v);
    return v;
  }
  [[gnu::noinline]] void share_denied(hook op, domid_t s, domid_t o, const verdict& v) noexcept {
    stats_.denial(class_of(op));
    audit_denial(op, v.denied_by, s, audit_object::domain, o, view_.vm_label(domains_[s].label).name(),
                 view_.vm_label(domains_[o].label).name());
  }

  [[gnu::always_inline]] result<verdict> decide_access(domid_t d, resource_id r, access_mode m) noexcept {
    constexpr hook_class c = hook_class::resource;
    if (!loaded_) [[unlikely]] return fail(c, errc::no_policy);
    if (d >= Limits.max_domains || domains_[d].state == domain_state::free) [[unlikely]] return fail(c, errc::unknown_domain);
    if (domains_[d].state != domain_state::running) [[unlikely]] return fail(c, errc::domain_not_running);
    if (r >= view_.resource_label_count()) [[unlikely]] return fail(c, errc::unknown_label);
    const cache_key k{live(d), r, access_op(m)};
    if (const std::uint64_t w = hits_.probe(k); w != 0) [[likely]] {
      stats_.hit(c);
      const verdict v = hits_t::hit_verdict(w);
      if (!v.permitted()) [[unlikely]] access_denied(d, r, v);
      return v;
    }
    return access_miss(d, r, m, k);
  }
  [[gnu::noinline]] verdict access_miss(domid_t d, resource_id r, access_mode m, cache_key k) noexcept {
    stats_.miss(hook_class::resource);
    const std::uint8_t by = stack_.access(domains_[d].label, r, m, view_);
    const verdict v = verdict::make(permit_if(by == verdict::none), by, false, gen());
    hits_.cache().insert(k, gen(), {v.value, v.denied_by});
    if (!v.permitted()) access_denied(d, r, v);
    return v;
  }
  [[gnu::noinline]] void access_denied(domid_t d, resource_id r, const verdict& v) noexcept {
    stats_.denial(hook_class::resource);
    audit_denial(hook::resource_access, v.denied_by, d, audit_object::resource, r, view_.vm_label(domains_[d].label).name(),
                 view_.resource_label(r).name());
  }
  /// The cache's operation byte for a resource access: the hook, and the mode in the top bit.
  static constexpr std::uint8_t access_op(access_mode m) noexcept {
    return static_cast<std::uint8_t>(static_cast<std::uint8_t>(hook::resource_access) | (m == access_mode::read_write ? 0x80 : 0));
  }

  result<bind_result> register_binding(hook_class c, const verdict& v, const binding& b) noexcept {
    if (!v.permitted()) return bind_result{v, {}};
    result<binding_handle> h = failure(errc::capacity_exhausted);
    {
      unique_guard g(registry_mutex_);
      h = registry_.add(b);
    }
    if (!h) return fail<bind_result>(c, h.error());  // a permit we cannot track is refused
    return bind_result{v, h.value()};
  }

  /// A sharing decision that registers nothing.
  template <hook Op>
  [[gnu::always_inline]] result<verdict> share(domid_t s, domid_t o) noexcept {
    if constexpr (concurrent) {
      std::uint32_t seq = 0;
      if (const std::uint64_t w = hits_.template optimistic_permit<Op>(s, o, seq); w != 0) [[likely]] {
        stats_.hit_local(class_of(Op));
        return result<verdict>::from_word(w);
      }
      return share_locked<Op>(s, o);
    } else {
      return decide_share<Op>(s, o);
    }
  }
  /// smp_locking's way when the table had nothing: the cache with no lock (a permit a table slot
  /// lost is still there; the table is refilled only under the lock), else both under the lock.
  template <hook Op>
  [[gnu::noinline]] result<verdict> share_locked(domid_t s, domid_t o) noexcept {
    if (s < Limits.max_domains && o < Limits.max_domains && s != o) {
      if (const verdict v = hits_.optimistic_probe(cache_key{live(s), live(o), static_cast<std::uint8_t>(Op)}); v.permitted()) {
        stats_.hit(class_of(Op));
        return v;
      }
    }
    shared_guard g(lock_);
    return decide_share<Op>(s, o);
  }

  template <hook Op>
  result<bind_result> bind(binding_kind kind, domid_t s, domid_t o, std::uint64_t cookie) noexcept {
    constexpr hook op = Op;
    const binding b{kind, s, o, cookie};
    if constexpr (concurrent) {
      // A cached permit without the monitor lock. It may be registered only if no writer ran
      // since it was read: checked under the registry mutex, which every revocation pass also
      // holds, so the binding is either seen by the next revocation or refused here.
      std::uint32_t seq = 0;
      if (const std::uint64_t w = hits_.template optimistic_permit<Op>(s, o, seq); w != 0) {
        const verdict v = *result<verdict>::from_word(w);
        unique_guard g(registry_mutex_);
        if (hits_.unchanged_since(seq)) {
          stats_.hit(class_of(op));  // counted as the locked path would: a hit, then maybe an error
          auto h = registry_.add(b);
          if (!h) return fail<bind_result>(class_of(op), h.error());
          return bind_result{v, h.value()};
        }
      }
    }
    shared_guard g(lock_);
    auto v = decide_share<Op>(s, o);
    if (!v) return failure(v.error());
    return register_binding(class_of(op), v.value(), b);
  }

  /// Closes a binding. Needs no decision, so only the registry is locked.
  result<void> unbind(binding_handle h, hook_class c) noexcept {
    unique_guard r(registry_mutex_);
    auto b = registry_.get(h);
    if (!b) return fail<void>(c, b.error());
    const bool right_kind = c == hook_class::evtchn   ? b.value().kind == binding_kind::evtchn
                            : c == hook_class::grant  ? (b.value().kind == binding_kind::grant_ro || b.value().kind == binding_kind::grant_rw)
                                                      : !object_is_domain(b.value().kind);
    if (!right_kind) return fail<void>(c, errc::invalid_argument);
    (void)registry_.remove(h);
    return success;
  }

  [[nodiscard]] std::uint32_t live(domid_t d) const noexcept { return hits_.live(d); }
  [[nodiscard]] generation_t gen() const noexcept { return hits_.gen(); }

  /// lock_ exclusively; with smp_locking the sequence count is odd meanwhile (optimistic readers).
  struct exclusive_guard : detail::exclusive_lock<concurrent, typename Locking::rw_lock, hits_t> {
    explicit exclusive_guard(basic_monitor& m) noexcept : exclusive_guard::exclusive_lock(m.lock_, m.hits_) {}
  };
  /// Serialises the writers, first come first served; a policy change plans under it.
  struct writer_guard : unique_guard<typename Locking::rw_lock> {
    explicit writer_guard(basic_monitor& m) noexcept : writer_guard::unique_guard(m.writers_mutex_) {}
  };
  /// A writer that changes state at once: serialised, then exclusive.
  struct write_guard : writer_guard, exclusive_guard {
    explicit write_guard(basic_monitor& m) noexcept : writer_guard(m), exclusive_guard(m) {}
  };

  result<verdict> management_check(domid_t subject, hook op) noexcept {
    const bool ok = subject == hypervisor_subject ||
                    (subject < Limits.max_domains && domains_[subject].state == domain_state::running &&
                     domains_[subject].label == view_.bootstrap_label() && view_.bootstrap_label() != no_label);
    stats_.miss(hook_class::management);
    if (ok) return verdict::make(decision::permit, verdict::none, false, gen());
    stats_.denial(hook_class::management);
    const bool known = subject < Limits.max_domains && domains_[subject].state != domain_state::free;
    audit_denial(op, verdict::management, subject, audit_object::policy, 0,
                 known ? view_.vm_label(domains_[subject].label).name() : string_ref("unlabeled"), string_ref());
    return verdict::make(decision::deny, verdict::management, false, gen());
  }

  result<verdict> start(hook op, domid_t d, label_id l) noexcept {
    auto v = prepare_start(op, d, l);
    if (!v || !v.value().permitted()) return v;
    if (auto c = commit_start(d); !c) return failure(c.error());
    return v;
  }

  template <class OnClose>
  result<void> stop(hook op, domid_t d, OnClose& on_close) noexcept { return lifecycle::stop(*this, op, d, on_close); }

  // --- state --------------------------------------------------------------------------------------------
  // The read side first: the critical path then addresses its words from the monitor's own base.
  hits_t hits_{};  // permit table, cache, generation, live handles, writers' sequence count
  stack_t stack_{};  // the policies (no state of their own)
  states_t states_{};   // placement state under the policy in force
  policy_view view_{};
  bool loaded_ = false;
  slot domains_[Limits.max_domains] = {};
  binding_registry<Limits.max_bindings, Limits.max_domains, Limits.binding_groups> registry_{};
  work_t work_{};  // a policy change's working state (plan to apply)
  statistics<Locking> stats_{};
  audit_log<Limits.audit_entries, typename Locking::mutex> audit_{};
  mutable typename Locking::rw_lock lock_{};
  mutable typename Locking::mutex registry_mutex_{};
  typename Locking::rw_lock writers_mutex_{};  // only ever exclusive: its writers queue in order
};

/// A monitor with default capacities, safe for concurrent hooks.
template <class... Ps>
using monitor = basic_monitor<monitor_limits{}, smp_locking, Ps...>;

}  // namespace shype
