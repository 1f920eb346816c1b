// SPDX-License-Identifier: Apache-2.0
#pragma once
// The real monitors and the naive model, run side by side (the property tests' and the
// hook-state-machine fuzzer's engine).
//
// step() resolves a command's selectors against the model, predicts the outcome with the
// model, performs it on the real monitors (one shype::basic_monitor per host), compares
// everything the monitor answers (error code, decision, denying policy, generation, reports,
// revoked and closed bindings, violations), updates the model, and then checks the invariants
// on every host:
//   1 isolation      no live channel, grant or attachment joins two domains (a domain and a
//                    resource) that share no TE type under the policy in force;
//   2 Chinese Wall   no host runs (or is starting) two domains whose labels hold different types
//                    of one conflict set;
//   3 coherence      every cached decision equals a fresh evaluate() and the naive decision under
//                    the current generation, is about running domains, was computed before for
//                    these incarnations, and is cached once;
//   4 revocation     after a policy change or relabel exactly the bindings the new policy forbids
//                    are gone (checked in the operation against the model's prediction);
//   5 no side effect a denied or failed operation, a refused change or a dry run leaves domains,
//                    bindings, generation, policy (and for non-sharing hooks the cache) unchanged;
//   6 statistics     hits, misses, denials, errors and revocations per hook class, and the audit
//                    log's count and last record, equal the model's own counts;
//   7 composition    the stacked monitor<chinese_wall, type_enforcement> answers exactly the
//                    conjunction of the naive Chinese Wall and Type Enforcement.
// Invariants 1-3 are judged from the real monitor's state and the naive policy alone, so they
// hold even where model and monitor might agree on a wrong answer.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#include "command.hpp"
#include "model.hpp"
#include "policy_spec.hpp"

namespace shype_model {

/// Small capacities, so that eviction, a full registry and out-of-range ids are all reached.
inline constexpr shype::monitor_limits host_limits{
    .max_domains = 8, .cache_sets = 4, .cache_ways = 2, .max_bindings = 5, .audit_entries = 8};
inline constexpr std::size_t host_types = 8;  ///< TE and CW capacity: the pools hold 10 of each
inline constexpr std::size_t host_count = 3;
using host_monitor =
    shype::basic_monitor<host_limits, shype::smp_locking, shype::chinese_wall<host_types>, shype::type_enforcement<host_types>>;
inline constexpr std::uint8_t cw_index = 0;  ///< position of each policy in the stack (verdict::denied_by)
inline constexpr std::uint8_t te_index = 1;
inline constexpr std::size_t max_dom = host_limits.max_domains;
inline constexpr shype::domid_t hv = shype::hypervisor_subject;

/// What the scenarios reached, summed over a run (printed by the tests, asserted on).
struct coverage {
  std::uint64_t steps = 0;
  std::uint64_t permits[op_count] = {}, denials[op_count] = {}, errors[op_count] = {};
  std::uint64_t changes_applied = 0, changes_refused = 0, dry_runs = 0, revoked = 0, closed = 0;
  std::uint64_t cache_hits = 0, cw_denials = 0, te_denials = 0, capacity_errors = 0, violations = 0;
  std::uint64_t error_codes[64] = {};  ///< errors returned by hooks, by errc value
};

class harness {
 public:
  explicit harness(const raw_policy& initial, coverage* cov = nullptr)
      : model_(host_count, max_dom, host_limits.max_bindings, entry_of(initial)), cov_(cov) {
    if (!model_.policies[0].bytes) {
      fail("the builder refused the initial policy " + describe(model_.policies[0].spec));
      return;
    }
    for (std::size_t i = 0; i < host_count; ++i) {
      real_.push_back(std::make_unique<host_monitor>());
      auto r = real_.back()->load_initial(view_of(model_.policies[0]));
      if (!r) fail("host " + std::to_string(i) + " refused the initial policy: " + shype::to_string(r.error().code));
    }
  }

  /// Runs one command; false once the monitor and the model disagree or an invariant breaks.
  bool step(const command& c) {
    if (!failure_.empty()) return false;
    ++steps_;
    if (cov_ != nullptr) ++cov_->steps;
    line_.str("");
    line_ << "#" << steps_ << " ";
    const auto before = snapshot_all();
    effect_ = {};
    run(c);
    trace_.push_back(line_.str());
    if (trace_.size() > 40) trace_.erase(trace_.begin());
    if (failure_.empty()) check_unchanged(before);
    if (failure_.empty()) check_invariants();
    return failure_.empty();
  }

  [[nodiscard]] bool ok() const { return failure_.empty(); }
  [[nodiscard]] const std::string& failure() const { return failure_; }

  /// The failure with the steps that led to it and the policies involved.
  [[nodiscard]] std::string report() const {
    std::ostringstream o;
    o << failure_ << "\nlast steps:\n";
    for (const auto& t : trace_) o << "  " << t << "\n";
    for (std::size_t i = 0; i < host_count; ++i)
      o << "host " << i << " policy #" << model_.host[i].policy << ": " << describe(model_.spec(model_.host[i])) << "\n";
    return o.str();
  }

 private:
  // ===== plumbing ==================================================================================

  static policy_entry entry_of(const raw_policy& r) {
    policy_entry e{make_spec(r), nullptr};
    e.bytes = build(e.spec);
    return e;
  }
  static shype::byte_view view_of(const policy_entry& e) { return {e.bytes->data(), e.bytes->size()}; }

  void fail(const std::string& why) {
    if (failure_.empty()) failure_ = "step " + std::to_string(steps_) + ": " + why;
  }
  /// The message is built only on failure: `why` is a string or a callable returning one (the
  /// invariants run after every command, and building their messages would dominate).
  template <class Why>
  bool check(bool cond, Why&& why) {
    if (!cond) {
      if constexpr (std::is_invocable_v<Why>)
        fail(why());
      else
        fail(std::string(why));
    }
    return cond;
  }

  enum class outcome { permit, deny, error };
  void tally(op o, outcome r) {
    if (cov_ == nullptr) return;
    const auto i = static_cast<std::size_t>(o);
    (r == outcome::permit ? cov_->permits : r == outcome::deny ? cov_->denials : cov_->errors)[i] += 1;
  }

  struct expected {
    std::optional<shype::errc> error;
    bool permit = false;
    std::uint8_t by = shype::verdict::none;
  };
  static std::string show(const expected& e) {
    if (e.error) return std::string("error ") + shype::to_string(*e.error);
    return e.permit ? "permit" : "deny by " + std::to_string(e.by);
  }
  template <class T>
  static std::string show(const shype::result<T>& r) {
    if (!r) return std::string("error ") + shype::to_string(r.error());
    return "a value";
  }

  /// Compares a hook's verdict with the model's expectation.
  bool same(const shype::result<shype::verdict>& got, const expected& e, std::size_t h, const char* what) {
    std::string g;
    if (!got)
      g = std::string("error ") + shype::to_string(got.error());
    else
      g = got->permitted() ? "permit" : "deny by " + std::to_string(got->denied_by);
    line_ << " -> " << g;
    if (!got && cov_ != nullptr) ++cov_->error_codes[static_cast<std::size_t>(got.error()) % 64];
    if (e.error) return check(!got && got.error() == *e.error, [&] { return std::string(what) + ": expected " + show(e) + ", got " + g; });
    if (!check(got.has_value(), [&] { return std::string(what) + ": expected " + show(e) + ", got " + g; })) return false;
    const bool ok = got->permitted() == e.permit && got->denied_by == e.by;
    if (!check(ok, [&] { return std::string(what) + ": expected " + show(e) + ", got " + g; })) return false;
    return check(got->generation == model_.host[h].generation, [&] {
      return std::string(what) + ": verdict of generation " + std::to_string(got->generation) + ", policy in force is " +
             std::to_string(model_.host[h].generation);
    });
  }
  bool same_void(const shype::result<void>& got, const std::optional<shype::errc>& e, const char* what) {
    const std::string g = got ? "ok" : std::string("error ") + shype::to_string(got.error());
    line_ << " -> " << g;
    if (!got && cov_ != nullptr) ++cov_->error_codes[static_cast<std::size_t>(got.error()) % 64];
    if (e)
      return check(!got && got.error() == *e,
                   [&] { return std::string(what) + ": expected error " + shype::to_string(*e) + ", got " + g; });
    return check(got.has_value(), [&] { return std::string(what) + ": expected success, got " + g; });
  }

  // --- selectors ------------------------------------------------------------------------------------
  static std::size_t host_of(std::uint8_t s) { return s % host_count; }

  template <class Want>
  shype::domid_t pick(std::size_t h, std::uint8_t s, Want want) const {
    std::vector<shype::domid_t> c;
    for (std::size_t d = 0; d < max_dom; ++d)
      if (want(model_.host[h].dom[d])) c.push_back(static_cast<shype::domid_t>(d));
    if (s < raw_selector && !c.empty()) return c[s % c.size()];
    return static_cast<shype::domid_t>(s % (max_dom + 1));  // max_dom itself: an id out of range
  }
  shype::domid_t running(std::size_t h, std::uint8_t s) const {
    return pick(h, s, [](const mdomain& d) { return d.state == mstate::running; });
  }
  /// A running domain other than `first` (the peer of a sharing hook), if there is one.
  shype::domid_t peer(std::size_t h, std::uint8_t s, shype::domid_t first) const {
    const auto& dom = model_.host[h].dom;
    return pick(h, s, [&](const mdomain& d) { return d.state == mstate::running && &d != (first < dom.size() ? &dom[first] : nullptr); });
  }
  shype::domid_t in_use(std::size_t h, std::uint8_t s) const {
    return pick(h, s, [](const mdomain& d) { return d.state != mstate::free; });
  }
  shype::domid_t free_id(std::size_t h, std::uint8_t s) const {
    return pick(h, s, [](const mdomain& d) { return d.state == mstate::free; });
  }
  /// The management subject: the hypervisor, a running domain (maybe the bootstrap one), or any id.
  shype::domid_t subject(std::size_t h, std::uint8_t s) const { return s % 3 == 0 ? hv : running(h, s); }
  shype::label_id label_sel(std::size_t h, std::uint8_t s) const {
    const auto n = model_.spec(model_.host[h]).labels.size();
    if (s == 0xFF) return shype::no_label;
    if (s < raw_selector && n != 0) return static_cast<shype::label_id>(s % n);
    return static_cast<shype::label_id>(n + s % 2);
  }
  shype::resource_id resource_sel(std::size_t h, std::uint8_t s) const {
    const auto n = model_.spec(model_.host[h]).resources.size();
    if (s < raw_selector && n != 0) return static_cast<shype::resource_id>(s % n);
    return static_cast<shype::resource_id>(n + s % 2);
  }
  static std::string dom_name(shype::domid_t d) { return d == hv ? std::string("hv") : "d" + std::to_string(d); }

  // ===== the commands ===============================================================================

  void run(const command& c) {
    const std::size_t h = host_of(c.host);
    switch (c.code) {
      case op::create: {
        const shype::hook hooks[] = {shype::hook::domain_create, shype::hook::migrate_in, shype::hook::domain_restore};
        const shype::hook k = hooks[c.flag % 3];
        start(c.code, h, k, free_id(h, c.a), label_sel(h, c.label), false);
        return;
      }
      case op::prepare: {
        const shype::hook hooks[] = {shype::hook::domain_create, shype::hook::migrate_in, shype::hook::domain_restore};
        const shype::hook k = hooks[c.flag % 3];
        const shype::domid_t d =
            k == shype::hook::domain_restore ? pick(h, c.a, [](const mdomain& x) { return x.state == mstate::saved; }) : free_id(h, c.a);
        start(c.code, h, k, d, (c.flag & 4u) != 0 ? shype::no_label : label_sel(h, c.label), true);
        return;
      }
      case op::commit:
      case op::abort:
        finish(c.code, h, pick(h, c.a, [](const mdomain& x) { return x.state == mstate::starting; }));
        return;
      case op::destroy:
        stop(c.code, h, shype::hook::domain_destroy, in_use(h, c.a));
        return;
      case op::save:
        stop(c.code, h, shype::hook::domain_save, in_use(h, c.a));
        return;
      case op::restore: {
        const shype::domid_t d = pick(h, c.a, [](const mdomain& x) { return x.state == mstate::saved; });
        shype::label_id l = label_sel(h, c.label);
        if (c.flag % 3 == 0) l = shype::no_label;
        if (c.flag % 3 == 1 && d < max_dom && model_.host[h].dom[d].state == mstate::saved)
          l = label_id_of(model_.spec(model_.host[h]), model_.host[h].dom[d].label);
        start(c.code, h, shype::hook::domain_restore, d, l, false);
        return;
      }
      case op::migrate:
        migrate(c, h);
        return;
      case op::evtchn_unbound:
        share(c.code, h, shype::hook::evtchn_unbound, running(h, c.a), peer(h, c.b, running(h, c.a)));
        return;
      case op::evtchn_bind:
        share(c.code, h, shype::hook::evtchn_bind, running(h, c.a), peer(h, c.b, running(h, c.a)));
        return;
      case op::grant_map:
        share(c.code, h, (c.flag & 1u) != 0 ? shype::hook::grant_map_rw : shype::hook::grant_map_ro, running(h, c.a),
              peer(h, c.b, running(h, c.a)));
        return;
      case op::grant_copy:
        share(c.code, h, shype::hook::grant_copy, running(h, c.a), peer(h, c.b, running(h, c.a)));
        return;
      case op::close:
        close(c);
        return;
      case op::resource_access:
      case op::resource_attach:
        access(c.code, h, running(h, c.a), resource_sel(h, c.label),
               (c.flag & 1u) != 0 ? shype::access_mode::read_write : shype::access_mode::read);
        return;
      case op::query:
        query(h, running(h, c.a), peer(h, c.b, running(h, c.a)));
        return;
      case op::authorize:
        authorize(h, subject(h, c.a));
        return;
      case op::relabel:
        relabel(h, subject(h, c.a), in_use(h, c.b), label_sel(h, c.label));
        return;
      case op::change_policy:
        change_one(c, h);
        return;
      case op::change_all:
        change_all(c);
        return;
      case op::reload:
        reload(h);
        return;
    }
    fail("unknown command");
  }

  // --- domains ----------------------------------------------------------------------------------------

  /// create / migrate-in / restore, in one step or left pending. True if the domain now starts.
  bool start(op o, std::size_t h, shype::hook k, shype::domid_t d, shype::label_id l, bool pending) {
    mhost& mh = model_.host[h];
    const policy_spec& p = model_.spec(mh);
    const auto names = label_names(p);
    line_ << "h" << h << " " << to_string(o) << "/" << shype::to_string(k) << " " << dom_name(d) << " label "
          << (l < names.size() ? names[l] : std::to_string(l));
    expected e;
    shype::label_id lid = l;
    std::string name;
    if (d >= max_dom) {
      e.error = shype::errc::unknown_domain;
    } else {
      const mdomain& x = mh.dom[d];
      if (k == shype::hook::domain_restore && x.state == mstate::saved) {
        const auto saved = label_id_of(p, x.label);
        if (lid == shype::no_label)
          lid = saved;
        else if (lid != saved)
          e.error = shype::errc::invalid_argument;  // an image keeps its label
      } else if (k == shype::hook::domain_restore && lid == shype::no_label) {
        e.error = x.state == mstate::free ? shype::errc::domain_not_saved : shype::errc::domain_exists;
      } else if (x.state != mstate::free) {
        e.error = shype::errc::domain_exists;
      }
      if (!e.error && lid >= names.size()) e.error = shype::errc::unknown_label;
      if (!e.error) {
        name = names[lid];
        e.permit = model_.may_place(mh, name, d);
        e.by = e.permit ? shype::verdict::none : cw_index;
      }
    }
    host_monitor& m = *real_[h];
    shype::result<shype::verdict> got = shype::failure(shype::errc::invalid_argument);
    if (pending)
      got = m.prepare_start(k, d, l);
    else if (k == shype::hook::domain_create)
      got = m.domain_create(d, l);
    else if (k == shype::hook::migrate_in)
      got = m.migrate_in(d, l);
    else if (l == shype::no_label)
      got = m.domain_restore(d);
    else
      got = m.domain_restore(d, l);
    if (!same(got, e, h, "start")) return false;
    if (!check(e.error || !got->cached, "a placement decision came from the cache")) return false;
    if (e.error) {
      model::error(mh, shype::hook_class::domain);
      tally(o, outcome::error);
      return false;
    }
    model::evaluated(mh, shype::hook_class::domain, false);
    if (!e.permit) {
      model::denied(mh, shype::hook_class::domain, k, cw_index, d);
      tally(o, outcome::deny);
      if (cov_ != nullptr) ++cov_->cw_denials;
      return false;
    }
    mdomain& x = mh.dom[d];
    x.before = x.state;
    x.state = pending ? mstate::starting : mstate::running;
    x.label = name;
    ++x.incarnation;
    effect_.state = true;
    tally(o, outcome::permit);
    return true;
  }

  /// commit_start / abort_start.
  void finish(op o, std::size_t h, shype::domid_t d) {
    mhost& mh = model_.host[h];
    line_ << "h" << h << " " << to_string(o) << " " << dom_name(d);
    std::optional<shype::errc> e;
    if (d >= max_dom || mh.dom[d].state != mstate::starting) e = shype::errc::invalid_argument;
    auto got = o == op::commit ? real_[h]->commit_start(d) : real_[h]->abort_start(d);
    if (!same_void(got, e, to_string(o))) return;
    if (e) {
      model::error(mh, shype::hook_class::domain);
      tally(o, outcome::error);
      return;
    }
    mdomain& x = mh.dom[d];
    if (o == op::commit) {
      x.state = mstate::running;
    } else {
      x.state = x.before;
      if (x.state == mstate::free) x.label.clear();
    }
    effect_.state = true;
    tally(o, outcome::permit);
  }

  /// destroy / save / migrate-out. True if the domain stopped.
  bool stop(op o, std::size_t h, shype::hook k, shype::domid_t d) {
    mhost& mh = model_.host[h];
    line_ << "h" << h << " " << to_string(o) << "/" << shype::to_string(k) << " " << dom_name(d);
    std::optional<shype::errc> e;
    if (d >= max_dom || mh.dom[d].state == mstate::free)
      e = shype::errc::unknown_domain;
    else if (mh.dom[d].state == mstate::starting)
      e = shype::errc::invalid_argument;
    else if (mh.dom[d].state == mstate::saved && k != shype::hook::domain_destroy)
      e = shype::errc::domain_not_running;
    std::set<std::uint64_t> closed;
    auto on_close = [&](shype::binding_handle, const shype::binding& b) { closed.insert(b.cookie); };
    host_monitor& m = *real_[h];
    auto got = k == shype::hook::domain_destroy ? m.domain_destroy(d, on_close)
               : k == shype::hook::domain_save  ? m.domain_save(d, on_close)
                                                : m.migrate_out(d, on_close);
    if (!same_void(got, e, "stop")) return false;
    if (e) {
      model::error(mh, shype::hook_class::domain);
      tally(o, outcome::error);
      return check(closed.empty(), "a failed stop closed bindings");
    }
    std::set<std::uint64_t> expect;
    for (const auto& b : mh.bindings)
      if (model::involves(b, d)) expect.insert(b.cookie);
    if (!check(closed == expect, [&] {
          return std::string("stop of " + dom_name(d) + " closed " + std::to_string(closed.size()) + " bindings, expected " +
                             std::to_string(expect.size()));
        }))
      return false;
    forget(h, expect);
    if (cov_ != nullptr) cov_->closed += expect.size();
    mdomain& x = mh.dom[d];
    x.state = k == shype::hook::domain_save ? mstate::saved : mstate::free;
    if (x.state == mstate::free) x.label.clear();
    effect_.state = true;
    effect_.cache = true;  // its cached decisions are dropped
    tally(o, outcome::permit);
    return true;
  }

  /// Live migration, as a hypervisor does it: reserve on the destination, stop at the source, commit.
  void migrate(const command& c, std::size_t src) {
    const std::size_t dst = (src + 1 + c.host2 % (host_count - 1)) % host_count;
    const shype::domid_t d = running(src, c.a);
    if (d >= max_dom || model_.host[src].dom[d].state != mstate::running) {
      stop(op::migrate, src, shype::hook::migrate_out, d);  // nothing to migrate: the source refuses
      return;
    }
    // The destination maps the label by name; a label it does not know gives no_label.
    const shype::label_id l = label_id_of(model_.spec(model_.host[dst]), model_.host[src].dom[d].label);
    const shype::domid_t to = free_id(dst, c.b);
    line_ << "migrate h" << src << ":" << dom_name(d) << " -> h" << dst << ":" << dom_name(to) << " | ";
    if (!start(op::migrate, dst, shype::hook::migrate_in, to, l, true)) return;
    line_ << " | ";
    if (!stop(op::migrate, src, shype::hook::migrate_out, d)) return;
    line_ << " | ";
    finish(op::migrate, dst, to);
  }

  // --- sharing --------------------------------------------------------------------------------------------

  /// Why a pair of domains cannot be asked about (the monitor's order of checks), if so.
  std::optional<shype::errc> pair_error(const mhost& mh, shype::domid_t s, shype::domid_t o) const {
    if (s >= max_dom || o >= max_dom) return shype::errc::unknown_domain;
    if (s == o) return shype::errc::invalid_argument;
    const mstate a = mh.dom[s].state, b = mh.dom[o].state;
    if (a == mstate::running && b == mstate::running) return std::nullopt;
    if (a == mstate::free || b == mstate::free) return shype::errc::unknown_domain;
    return shype::errc::domain_not_running;
  }

  /// Learns from the statistics whether the last evaluation of class c was a cache hit (the one
  /// thing the model cannot know), and holds the monitor to it.
  bool hit_or_miss(std::size_t h, shype::hook_class c, const shype::stats_snapshot& before, const mkey& key) {
    const auto after = real_[h]->stats();
    const auto& a = after[c];
    const auto& b = before[c];
    if (!check(a.evaluations() == b.evaluations() + 1, "a decision was not counted as exactly one evaluation")) return false;
    const bool hit = a.hits == b.hits + 1;
    mhost& mh = model_.host[h];
    if (!check(!hit || mh.asked.count(key) != 0, "cache hit for a decision never taken under this generation for these incarnations"))
      return false;
    mh.asked.insert(key);
    model::evaluated(mh, c, hit);
    if (hit && cov_ != nullptr) ++cov_->cache_hits;
    return true;
  }

  void share(op o, std::size_t h, shype::hook k, shype::domid_t s, shype::domid_t t) {
    mhost& mh = model_.host[h];
    const policy_spec& p = model_.spec(mh);
    const auto c = shype::class_of(k);
    line_ << "h" << h << " " << shype::to_string(k) << " " << dom_name(s) << " " << dom_name(t);
    effect_.cache = true;
    expected e;
    e.error = pair_error(mh, s, t);
    if (!e.error) {
      e.permit = te_permits(p, mh.dom[s].label, mh.dom[t].label);
      e.by = e.permit ? shype::verdict::none : te_index;
    }
    const bool binds = k == shype::hook::evtchn_bind || k == shype::hook::grant_map_ro || k == shype::hook::grant_map_rw;
    const bool full = mh.bindings.size() >= model_.max_bindings();
    const std::uint64_t cookie = model_.next_cookie;
    const auto stats_before = real_[h]->stats();
    host_monitor& m = *real_[h];
    shype::result<shype::verdict> got = shype::failure(shype::errc::invalid_argument);
    shype::binding_handle handle{};
    if (binds) {
      shype::result<shype::bind_result> r = shype::failure(shype::errc::invalid_argument);
      if (k == shype::hook::evtchn_bind)
        r = m.evtchn_bind(s, t, cookie);
      else
        r = m.grant_map(s, t, k == shype::hook::grant_map_ro ? shype::access_mode::read : shype::access_mode::read_write, cookie);
      if (r) {
        got = r->v;
        handle = r->handle;
      } else {
        got = shype::failure(r.error());
      }
    } else if (k == shype::hook::evtchn_unbound) {
      got = m.evtchn_unbound(s, t);
    } else {
      got = m.grant_copy(s, t);
    }
    // A permitted binding the registry has no room for is refused after the decision was taken.
    expected shown = e;
    if (!e.error && e.permit && binds && full) shown.error = shype::errc::capacity_exhausted;
    if (!same(got, shown, h, "share")) return;
    if (e.error) {
      model::error(mh, c);
      tally(o, outcome::error);
      return;
    }
    const mkey key{s, mh.dom[s].incarnation, t, mh.dom[t].incarnation, static_cast<std::uint8_t>(k)};
    if (!hit_or_miss(h, c, stats_before, key)) return;
    if (got &&
        !check(got->cached == (real_[h]->stats()[c].hits == stats_before[c].hits + 1), "verdict.cached disagrees with the statistics"))
      return;
    if (!e.permit) {
      model::denied(mh, c, k, te_index, s);
      tally(o, outcome::deny);
      if (cov_ != nullptr) ++cov_->te_denials;
      return;
    }
    if (shown.error) {
      model::error(mh, c);
      tally(o, outcome::error);
      if (cov_ != nullptr) ++cov_->capacity_errors;
      return;
    }
    tally(o, outcome::permit);
    if (!binds) return;
    mbinding b;
    b.kind = k == shype::hook::evtchn_bind    ? shype::binding_kind::evtchn
             : k == shype::hook::grant_map_ro ? shype::binding_kind::grant_ro
                                              : shype::binding_kind::grant_rw;
    b.subject = s;
    b.peer = t;
    b.cookie = model_.next_cookie++;
    mh.bindings.push_back(b);
    handles_[b.cookie] = {h, handle};
    effect_.state = true;
  }

  void access(op o, std::size_t h, shype::domid_t d, shype::resource_id r, shype::access_mode mode) {
    mhost& mh = model_.host[h];
    const policy_spec& p = model_.spec(mh);
    const auto rnames = resource_names(p);
    const bool rw = mode == shype::access_mode::read_write;
    line_ << "h" << h << " " << to_string(o) << (rw ? "/rw " : "/r ") << dom_name(d) << " "
          << (r < rnames.size() ? rnames[r] : "resource " + std::to_string(r));
    effect_.cache = true;
    expected e;
    if (d >= max_dom || mh.dom[d].state == mstate::free)
      e.error = shype::errc::unknown_domain;
    else if (mh.dom[d].state != mstate::running)
      e.error = shype::errc::domain_not_running;
    else if (r >= rnames.size())
      e.error = shype::errc::unknown_label;
    if (!e.error) {
      e.permit = te_permits_access(p, mh.dom[d].label, rnames[r]);
      e.by = e.permit ? shype::verdict::none : te_index;
    }
    const bool attach = o == op::resource_attach;
    const bool full = mh.bindings.size() >= model_.max_bindings();
    const std::uint64_t cookie = model_.next_cookie;
    const auto stats_before = real_[h]->stats();
    host_monitor& m = *real_[h];
    shype::result<shype::verdict> got = shype::failure(shype::errc::invalid_argument);
    shype::binding_handle handle{};
    if (attach) {
      auto a = m.resource_attach(d, r, mode, cookie);
      if (a) {
        got = a->v;
        handle = a->handle;
      } else {
        got = shype::failure(a.error());
      }
    } else {
      got = m.resource_access(d, r, mode);
    }
    expected shown = e;
    if (!e.error && e.permit && attach && full) shown.error = shype::errc::capacity_exhausted;
    if (!same(got, shown, h, "access")) return;
    if (e.error) {
      model::error(mh, shype::hook_class::resource);
      tally(o, outcome::error);
      return;
    }
    const auto opcode = static_cast<std::uint8_t>(static_cast<std::uint8_t>(shype::hook::resource_access) | (rw ? 0x80u : 0u));
    if (!hit_or_miss(h, shype::hook_class::resource, stats_before, mkey{d, mh.dom[d].incarnation, r, 0, opcode})) return;
    if (!e.permit) {
      model::denied(mh, shype::hook_class::resource, shype::hook::resource_access, te_index, d);
      tally(o, outcome::deny);
      if (cov_ != nullptr) ++cov_->te_denials;
      return;
    }
    if (shown.error) {
      model::error(mh, shype::hook_class::resource);
      tally(o, outcome::error);
      if (cov_ != nullptr) ++cov_->capacity_errors;
      return;
    }
    tally(o, outcome::permit);
    if (!attach) return;
    mbinding b;
    b.kind = rw ? shype::binding_kind::resource_rw : shype::binding_kind::resource_read;
    b.subject = d;
    b.resource = rnames[r];
    b.cookie = model_.next_cookie++;
    mh.bindings.push_back(b);
    handles_[b.cookie] = {h, handle};
    effect_.state = true;
  }

  /// Closes a live binding through the right or a wrong hook, or presents a stale handle.
  void close(const command& c) {
    std::vector<std::uint64_t> live;
    for (std::size_t h = 0; h < host_count; ++h)
      for (const auto& b : model_.host[h].bindings) live.push_back(b.cookie);
    const bool use_stale = (c.flag & 4u) != 0 && !stale_.empty();
    if (!use_stale && live.empty()) {
      line_ << "close: nothing to close";
      return;
    }
    std::size_t h = 0;
    shype::binding_handle handle{};
    const mbinding* b = nullptr;
    if (use_stale) {
      std::tie(h, handle) = stale_[c.pick % stale_.size()];
    } else {
      const std::uint64_t cookie = live[c.pick % live.size()];
      std::tie(h, handle) = handles_.at(cookie);
      for (const auto& x : model_.host[h].bindings)
        if (x.cookie == cookie) b = &x;
    }
    int fn = c.flag & 3;
    if (fn == 3) fn = b == nullptr || b->kind == shype::binding_kind::evtchn ? 0 : to_domain(b->kind) ? 1 : 2;
    const shype::hook_class cls = fn == 0 ? shype::hook_class::evtchn : fn == 1 ? shype::hook_class::grant : shype::hook_class::resource;
    const char* names[] = {"evtchn_close", "grant_unmap", "resource_detach"};
    line_ << "h" << h << " " << names[fn] << (use_stale ? " stale handle" : " cookie " + std::to_string(b->cookie));
    std::optional<shype::errc> e;
    if (use_stale)
      e = shype::errc::unknown_binding;
    else if (class_of(b->kind) != cls)
      e = shype::errc::invalid_argument;
    host_monitor& m = *real_[h];
    auto got = fn == 0 ? m.evtchn_close(handle) : fn == 1 ? m.grant_unmap(handle) : m.resource_detach(handle);
    if (!same_void(got, e, "close")) return;
    mhost& mh = model_.host[h];
    if (e) {
      model::error(mh, cls);
      tally(op::close, outcome::error);
      return;
    }
    forget(h, {b->cookie});
    effect_.state = true;
    tally(op::close, outcome::permit);
  }

  /// Drops bindings from the model; their handles become stale.
  void forget(std::size_t h, const std::set<std::uint64_t>& cookies) {
    auto& v = model_.host[h].bindings;
    for (auto cookie : cookies) {
      stale_.push_back(handles_.at(cookie));
      handles_.erase(cookie);
    }
    v.erase(std::remove_if(v.begin(), v.end(), [&](const mbinding& b) { return cookies.count(b.cookie) != 0; }), v.end());
  }

  void query(std::size_t h, shype::domid_t a, shype::domid_t b) {
    mhost& mh = model_.host[h];
    const policy_spec& p = model_.spec(mh);
    line_ << "h" << h << " query " << dom_name(a) << " " << dom_name(b);
    const auto e = pair_error(mh, a, b);
    auto got = real_[h]->coalition(a, b);
    line_ << " -> " << (got ? "types" : show(got));
    if (e) {
      if (!check(!got && got.error() == *e,
                 [&] { return std::string("query: expected error " + std::string(shype::to_string(*e)) + ", got " + show(got)); }))
        return;
      model::error(mh, shype::hook_class::query);
      tally(op::query, outcome::error);
      return;
    }
    if (!check(got.has_value(), [&] { return std::string("query: expected types, got " + show(got)); })) return;
    const auto te = sorted(p.te_types);
    name_set common, want;
    for (std::size_t i = 0; i < host_monitor::te_set::capacity; ++i)
      if (got->contains(i)) common.insert(i < te.size() ? te[i] : "#" + std::to_string(i));
    const label_spec *la = find_label(p, mh.dom[a].label), *lb = find_label(p, mh.dom[b].label);
    if (!check(la != nullptr && lb != nullptr, "query: a running domain's label is not in the policy")) return;
    if (p.te_on) {
      for (const auto& t : la->te)
        if (lb->te.count(t) != 0) want.insert(t);
    }
    if (!check(common == want, "query: the coalition differs from the naive intersection")) return;
    model::evaluated(mh, shype::hook_class::query, false);
    tally(op::query, outcome::permit);
  }

  // --- policy management ------------------------------------------------------------------------------------

  /// The management check every management call starts with (counted, audited if denied).
  bool authorize_model(std::size_t h, shype::domid_t subject, shype::hook k) {
    mhost& mh = model_.host[h];
    model::evaluated(mh, shype::hook_class::management, false);
    if (model_.authorized(mh, subject)) return true;
    model::denied(mh, shype::hook_class::management, k, shype::verdict::management, subject);
    return false;
  }

  void authorize(std::size_t h, shype::domid_t subject) {
    line_ << "h" << h << " authorize " << dom_name(subject);
    expected e;
    e.permit = model_.authorized(model_.host[h], subject);
    e.by = e.permit ? shype::verdict::none : shype::verdict::management;
    auto got = real_[h]->authorize_management(subject);
    if (!same(got, e, h, "authorize")) return;
    authorize_model(h, subject, shype::hook::policy_change);
    tally(op::authorize, e.permit ? outcome::permit : outcome::deny);
  }

  void relabel(std::size_t h, shype::domid_t subject, shype::domid_t d, shype::label_id l) {
    mhost& mh = model_.host[h];
    const policy_spec& p = model_.spec(mh);
    const auto names = label_names(p);
    line_ << "h" << h << " relabel by " << dom_name(subject) << " " << dom_name(d) << " to "
          << (l < names.size() ? names[l] : std::to_string(l));
    expected e;
    const bool auth = model_.authorized(mh, subject);
    if (!auth)
      e.by = shype::verdict::management;
    else if (d >= max_dom || mh.dom[d].state == mstate::free)
      e.error = shype::errc::unknown_domain;
    else if (mh.dom[d].state == mstate::starting)
      e.error = shype::errc::invalid_argument;
    else if (l >= names.size())
      e.error = shype::errc::unknown_label;
    else if (mh.dom[d].state == mstate::running && !model_.may_place(mh, names[l], d))
      e.by = cw_index;
    else
      e.permit = true;
    std::set<std::uint64_t> revoked;
    auto got = real_[h]->relabel(subject, d, l, [&](shype::binding_handle, const shype::binding& b) { revoked.insert(b.cookie); });
    if (!same(got, e, h, "relabel")) return;
    authorize_model(h, subject, shype::hook::relabel);
    if (!auth) {
      tally(op::relabel, outcome::deny);
      return;
    }
    if (e.error) {
      model::error(mh, shype::hook_class::management);
      tally(op::relabel, outcome::error);
      return;
    }
    if (!e.permit) {
      model::denied(mh, shype::hook_class::management, shype::hook::relabel, cw_index, d);
      tally(op::relabel, outcome::deny);
      if (cov_ != nullptr) ++cov_->cw_denials;
      return;
    }
    mh.dom[d].label = names[l];
    ++mh.dom[d].incarnation;
    revoke(h, p, revoked, [&](const mbinding& b) { return model::involves(b, d); });
    effect_.state = true;
    effect_.cache = true;  // the old incarnation's decisions are dropped
    tally(op::relabel, outcome::permit);
  }

  /// Invariant 4: the monitor revoked exactly the bindings (among `scope`) that policy p forbids
  /// with the current labels: nothing forbidden survives, nothing permitted was taken.
  template <class Scope>
  void revoke(std::size_t h, const policy_spec& p, const std::set<std::uint64_t>& revoked, Scope scope) {
    mhost& mh = model_.host[h];
    std::set<std::uint64_t> doomed;
    for (const auto& b : mh.bindings)
      if (scope(b) && !model::permitted(p, mh, b)) doomed.insert(b.cookie);
    for (auto cookie : revoked)
      if (!check(doomed.count(cookie) != 0,
                 [&] { return std::string("revoked binding " + std::to_string(cookie) + ", which the new policy permits"); }))
        return;
    for (auto cookie : doomed)
      if (!check(revoked.count(cookie) != 0,
                 [&] { return std::string("binding " + std::to_string(cookie) + " survived, which the new policy forbids"); }))
        return;
    for (const auto& b : mh.bindings)
      if (doomed.count(b.cookie) != 0) mh.stats[static_cast<std::size_t>(class_of(b.kind))].revocations += 1;
    forget(h, doomed);
    if (cov_ != nullptr) cov_->revoked += doomed.size();
  }

  /// What the model says a change to policy q on host h runs into (the monitor's order: every
  /// missing label first, then every domain that cannot be placed, in id order).
  std::vector<shype::violation> violations_of(const mhost& mh, const policy_spec& q) const {
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

  /// One change_policy call on host h. True if the monitor permitted (applied or would apply) it.
  bool change(std::size_t h, shype::domid_t subject, const policy_entry& next, change_kind kind, std::uint16_t pick, std::uint8_t x) {
    mhost& mh = model_.host[h];
    const char* kinds[] = {"apply", "dry-run", "corrupt"};
    line_ << "h" << h << " change_policy/" << kinds[static_cast<int>(kind)] << " by " << dom_name(subject) << " to {" << describe(next.spec)
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
    auto got = real_[h]->change_policy(
        subject, bytes, kind == change_kind::dry_run ? shype::change_mode::dry_run : shype::change_mode::apply,
        [&](shype::binding_handle, const shype::binding& b) { revoked.insert(b.cookie); },
        [&](const shype::violation& v) { seen.push_back(v); });
    const policy_spec& q = next.spec;
    const bool auth = model_.authorized(mh, subject);
    authorize_model(h, subject, shype::hook::policy_change);
    auto fails_with = [&](const char* why) {
      line_ << " -> error " << (got ? "none" : shype::to_string(got.error().code));
      model::error(mh, shype::hook_class::management);
      if (cov_ != nullptr) ++cov_->changes_refused;
      return !check(!got, [&] { return std::string("change_policy: expected a load error (") + why + "), got a report"; });
    };
    if (!auth) {
      line_ << " -> unauthorized";
      if (!check(got && !got->authorized && got->value == shype::decision::deny && got->revoked == 0 && got->violations == 0 &&
                     got->generation == mh.generation && revoked.empty() && seen.empty(),
                 "change_policy by an unauthorised subject: expected a bare refusal"))
        return false;
      if (cov_ != nullptr) ++cov_->changes_refused;
      return false;
    }
    if (kind == change_kind::corrupt) {
      if (!fails_with("corrupted bytes")) check(got.error().code != shype::errc::too_large, "corrupted bytes reported as too large");
      return false;
    }
    if (q.cw_types.size() > host_types || q.te_types.size() > host_types) {
      if (fails_with("too large")) return false;
      const auto section = q.cw_types.size() > host_types ? shype::policy_section::cw_types : shype::policy_section::te_types;
      check(got.error().code == shype::errc::too_large && got.error().section == section, "change_policy: expected too_large");
      return false;
    }
    if (!got) {
      fail(std::string("change_policy: unexpected error ") + shype::to_string(got.error().code));
      return false;
    }
    const auto want = violations_of(mh, q);
    line_ << " -> " << (want.empty() ? "permit" : std::to_string(want.size()) + " violations");
    if (!check(got->authorized && got->violations == want.size() && seen.size() == want.size(), [&] {
          return std::string("change_policy: " + std::to_string(got->violations) + " violations reported, the model finds " +
                             std::to_string(want.size()));
        }))
      return false;
    for (std::size_t i = 0; i < want.size(); ++i) {
      const auto& w = want[i];
      const auto& s = seen[i];
      const std::string& label = mh.dom[w.domain].label;
      if (!check(s.kind == w.kind && s.domain == w.domain && s.other == w.other && s.policy_index == w.policy_index &&
                     std::string(s.label.data(), s.label.size()) == label,
                 [&] {
                   return std::string("change_policy: violation " + std::to_string(i) + " differs from the model's (domain " +
                                      std::to_string(w.domain) + ", other " + std::to_string(w.other) + ")");
                 }))
        return false;
    }
    if (cov_ != nullptr) cov_->violations += want.size();
    if (!want.empty()) {
      if (cov_ != nullptr) ++cov_->changes_refused;
      check(got->value == shype::decision::deny && got->revoked == 0 && got->generation == mh.generation && revoked.empty(),
            "change_policy: a refused change reported revocations or a new generation");
      return false;
    }
    if (!check(got->value == shype::decision::permit, "change_policy: expected permit")) return false;
    if (kind == change_kind::dry_run) {
      if (cov_ != nullptr) ++cov_->dry_runs;
      std::set<std::uint64_t> doomed;
      for (const auto& b : mh.bindings)
        if (!model::permitted(q, mh, b)) doomed.insert(b.cookie);
      return check(revoked == doomed && got->revoked == doomed.size() && got->generation == mh.generation,
                   "change_policy dry run: reported revocations differ from the model's");
    }
    if (!check(got->revoked == revoked.size() && got->generation == mh.generation + 1,
               "change_policy: report.revoked or report.generation is wrong"))
      return false;
    revoke(h, q, revoked, [](const mbinding&) { return true; });
    model_.policies.push_back(next);
    mh.policy = model_.policies.size() - 1;
    mh.generation += 1;
    mh.asked.clear();  // every cached decision died with the old generation
    effect_.state = true;
    effect_.cache = true;
    if (cov_ != nullptr) ++cov_->changes_applied;
    return true;
  }

  void change_one(const command& c, std::size_t h) {
    const policy_entry next = entry_of(c.policy);
    if (!check(next.bytes != nullptr, [&] { return std::string("the builder refused a generated policy: " + describe(next.spec)); }))
      return;
    const auto kind = static_cast<change_kind>(c.flag % 3);
    const bool ok = change(h, subject(h, c.a), next, kind, c.pick, c.b);
    tally(op::change_policy, ok ? outcome::permit : outcome::deny);
  }

  /// All hosts or none: a dry run on every host, then the change on every host.
  void change_all(const command& c) {
    const policy_entry next = entry_of(c.policy);
    if (!check(next.bytes != nullptr, [&] { return std::string("the builder refused a generated policy: " + describe(next.spec)); }))
      return;
    line_ << "change_all [";
    bool all = true;
    for (std::size_t h = 0; h < host_count && failure_.empty(); ++h) {
      all = change(h, hv, next, change_kind::dry_run, 0, 0) && all;
      line_ << "; ";
    }
    if (all) {
      for (std::size_t h = 0; h < host_count && failure_.empty(); ++h) {
        check(change(h, hv, next, change_kind::apply, 0, 0),
              [&] { return std::string("change_all: host " + std::to_string(h) + " refused after its dry run permitted"); });
        line_ << "; ";
      }
    }
    line_ << "]";
    tally(op::change_all, all ? outcome::permit : outcome::deny);
  }

  void reload(std::size_t h) {
    line_ << "h" << h << " load_initial again";
    auto r = real_[h]->load_initial(view_of(model_.policies[model_.host[h].policy]));
    check(!r && r.error().code == shype::errc::invalid_argument, "load_initial on a loaded monitor must fail");
    tally(op::reload, outcome::error);
  }

  // ===== invariants =================================================================================

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
  std::vector<host_snapshot> snapshot_all() const {
    std::vector<host_snapshot> v(host_count);
    for (std::size_t h = 0; h < host_count; ++h) {
      const host_monitor& m = *real_[h];
      v[h].generation = m.generation();
      v[h].policy = m.policy().bytes().data();
      for (std::size_t d = 0; d < max_dom; ++d) v[h].dom[d] = m.domain(static_cast<shype::domid_t>(d));
      m.for_each_binding([&](shype::binding_handle x, const shype::binding& b) { v[h].bindings.emplace_back(x, b); });
      m.for_each_cached([&](shype::domid_t s, std::uint32_t o, std::uint8_t op, const shype::cached_decision& d) {
        v[h].cache.push_back({s, o, op, d});
      });
    }
    return v;
  }

  /// Invariant 5: what may not have changed, did not.
  void check_unchanged(const std::vector<host_snapshot>& before) {
    if (effect_.state && effect_.cache) return;
    const auto after = snapshot_all();
    for (std::size_t h = 0; h < host_count; ++h) {
      const auto &a = before[h], &b = after[h];
      if (!effect_.state) {
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
        if (!check(a.generation == b.generation && a.policy == b.policy && same_dom && same_bindings, [&] {
              return std::string("host " + std::to_string(h) +
                                 ": an operation that was denied, failed or only asked changed the monitor's state");
            }))
          return;
      }
      if (!effect_.cache) {
        bool same_cache = a.cache.size() == b.cache.size();
        for (std::size_t i = 0; same_cache && i < a.cache.size(); ++i)
          same_cache = a.cache[i].s == b.cache[i].s && a.cache[i].o == b.cache[i].o && a.cache[i].op == b.cache[i].op &&
                       a.cache[i].d.value == b.cache[i].d.value && a.cache[i].d.denied_by == b.cache[i].d.denied_by;
        if (!check(same_cache, [&] {
              return std::string("host " + std::to_string(h) + ": an operation without a sharing decision changed the cache");
            }))
          return;
      }
    }
  }

  static std::string str(shype::string_ref s) { return std::string(s.data(), s.size()); }

  void check_invariants() {
    for (std::size_t h = 0; h < host_count && failure_.empty(); ++h) check_host(h);
  }

  void check_host(std::size_t h) {
    const mhost& mh = model_.host[h];
    const policy_spec& p = model_.spec(mh);
    host_monitor& m = *real_[h];
    const std::string where = "host " + std::to_string(h) + ": ";
    const shype::policy_view v = m.policy();

    // The policy in force and its generation.
    const auto& bytes = *model_.policies[mh.policy].bytes;
    if (!check(v.bytes().data() == bytes.data() && v.bytes().size() == bytes.size(),
               [&] { return where + "the policy in force is not the model's"; }))
      return;
    if (!check(m.generation() == mh.generation,
               [&] { return where + "generation " + std::to_string(m.generation()) + ", model " + std::to_string(mh.generation); }))
      return;

    // Domains: state, label, incarnation.
    auto label_of = [&](shype::label_id l) { return l < v.vm_label_count() ? str(v.vm_label(l).name()) : std::string("?"); };
    for (std::size_t d = 0; d < max_dom; ++d) {
      const auto info = m.domain(static_cast<shype::domid_t>(d));
      const mdomain& x = mh.dom[d];
      const auto want = static_cast<shype::domain_state>(x.state);
      const auto lid = x.state == mstate::free ? shype::no_label : label_id_of(p, x.label);
      if (!check(info.state == want && info.label == lid && info.incarnation == x.incarnation, [&] {
            return where + "d" + std::to_string(d) + " is " + std::to_string(static_cast<int>(info.state)) + "/" + label_of(info.label) +
                   "/" + std::to_string(info.incarnation) + ", model " + to_string(x.state) + "/" + x.label + "/" +
                   std::to_string(x.incarnation);
          }))
        return;
    }

    // Bindings, and invariant 1 (isolation) judged from the monitor's own state.
    std::size_t n = 0;
    bool ok = true;
    m.for_each_binding([&](shype::binding_handle handle, const shype::binding& b) {
      if (!ok) return;
      ++n;
      const mbinding* x = nullptr;
      for (const auto& y : mh.bindings)
        if (y.cookie == b.cookie) x = &y;
      const auto it = handles_.find(b.cookie);
      ok = check(x != nullptr && it != handles_.end() && it->second.first == h && it->second.second == handle,
                 [&] { return where + "live binding " + std::to_string(b.cookie) + " is not in the model"; });
      if (!ok) return;
      const std::uint32_t object = to_domain(x->kind) ? x->peer : resource_id_of(p, x->resource);
      ok = check(b.kind == x->kind && b.subject == x->subject && b.object == object,
                 [&] { return where + "binding " + std::to_string(b.cookie) + " differs from the model's"; });
      if (!ok) return;
      const auto s = m.domain(b.subject);
      ok = check(s.state == shype::domain_state::running,
                 [&] { return where + "invariant 1: binding " + std::to_string(b.cookie) + " of a domain that is not running"; });
      if (!ok) return;
      if (to_domain(b.kind)) {
        const auto o = m.domain(static_cast<shype::domid_t>(b.object));
        ok = check(o.state == shype::domain_state::running,
                   [&] { return where + "invariant 1: binding " + std::to_string(b.cookie) + " to a domain that is not running"; }) &&
             check(te_permits(p, label_of(s.label), label_of(o.label)), [&] {
               return where + "invariant 1 (isolation): " + to_string(b.kind) + " " + std::to_string(b.cookie) + " joins d" +
                      std::to_string(b.subject) + " (" + label_of(s.label) + ") and d" + std::to_string(b.object) + " (" +
                      label_of(o.label) + "), which share no TE type";
             });
      } else {
        ok = check(b.object < v.resource_label_count(), [&] { return where + "invariant 1: attachment to an unknown resource"; }) &&
             check(te_permits_access(p, label_of(s.label), str(v.resource_label(static_cast<shype::resource_id>(b.object)).name())), [&] {
               return where + "invariant 1 (isolation): attachment " + std::to_string(b.cookie) + " of a resource sharing no TE type";
             });
      }
    });
    if (!ok) return;
    if (!check(n == mh.bindings.size() && m.binding_count() == n,
               [&] { return where + std::to_string(n) + " live bindings, model " + std::to_string(mh.bindings.size()); }))
      return;

    // Invariant 2: Chinese Wall over everything running or starting on this host.
    for (std::size_t a = 0; a < max_dom; ++a) {
      const auto x = m.domain(static_cast<shype::domid_t>(a));
      if (x.state != shype::domain_state::running && x.state != shype::domain_state::starting) continue;
      for (std::size_t b = a + 1; b < max_dom; ++b) {
        const auto y = m.domain(static_cast<shype::domid_t>(b));
        if (y.state != shype::domain_state::running && y.state != shype::domain_state::starting) continue;
        if (!check(!cw_conflict(p, label_of(x.label), label_of(y.label)), [&] {
              return where + "invariant 2 (Chinese Wall): d" + std::to_string(a) + " (" + label_of(x.label) + ") and d" +
                     std::to_string(b) + " (" + label_of(y.label) + ") hold types of one conflict set";
            }))
          return;
      }
    }

    // Invariant 3: cache coherence.
    std::vector<cached> entries;
    m.for_each_cached([&](shype::domid_t s, std::uint32_t o, std::uint8_t op, const shype::cached_decision& d) {
      entries.push_back({s, o, op, d});
    });
    const auto rnames = resource_names(p);
    std::set<std::tuple<shype::domid_t, std::uint32_t, std::uint8_t>> unique;
    for (const auto& e : entries) {
      const auto what = [&] {
        return where + "invariant 3 (cache): entry d" + std::to_string(e.s) + " op " + std::to_string(e.op) + " object " +
               std::to_string(e.o) + ": ";
      };
      if (!check(unique.insert({e.s, e.o, e.op}).second, [&] { return what() + "cached twice"; })) return;
      if (!check(e.s < max_dom && mh.dom[e.s].state == mstate::running, [&] { return what() + "its subject is not running"; })) return;
      const bool resource = (e.op & 0x7Fu) == static_cast<std::uint8_t>(shype::hook::resource_access);
      bool naive = false;
      mkey key{e.s, mh.dom[e.s].incarnation, e.o, 0, e.op};
      if (resource) {
        if (!check(e.o < rnames.size(), [&] { return what() + "unknown resource"; })) return;
        naive = te_permits_access(p, mh.dom[e.s].label, rnames[e.o]);
      } else {
        const auto k = static_cast<shype::hook>(e.op);
        if (!check(e.o < max_dom && mh.dom[e.o].state == mstate::running, [&] { return what() + "its object is not running"; })) return;
        auto fresh = m.evaluate(k, e.s, static_cast<shype::domid_t>(e.o));
        if (!check(fresh.has_value() && fresh->value == e.d.value && fresh->denied_by == e.d.denied_by,
                   [&] { return what() + "differs from a fresh evaluate()"; }))
          return;
        naive = te_permits(p, mh.dom[e.s].label, mh.dom[e.o].label);
        key.oi = mh.dom[e.o].incarnation;
      }
      if (!check(shype::permitted(e.d.value) == naive && e.d.denied_by == (naive ? shype::verdict::none : te_index),
                 [&] { return what() + "differs from the naive decision"; }))
        return;
      if (!check(mh.asked.count(key) != 0, [&] { return what() + "was never decided for these incarnations under this generation"; }))
        return;
    }

    // Invariant 6: statistics and the audit log add up to the model's own counts.
    const auto st = m.stats();
    for (std::size_t c = 0; c < shype::hook_class_count; ++c) {
      const auto& r = st.by_class[c];
      const auto& k = mh.stats[c];
      if (!check(
              r.hits == k.hits && r.misses == k.misses && r.denials == k.denials && r.errors == k.errors && r.revocations == k.revocations,
              [&] {
                return where + "invariant 6: statistics of class " + shype::to_string(static_cast<shype::hook_class>(c)) + " are " +
                       counts(r.hits, r.misses, r.denials, r.errors, r.revocations) + ", model " +
                       counts(k.hits, k.misses, k.denials, k.errors, k.revocations);
              }))
        return;
    }
    const auto& audit = m.audit();
    if (!check(audit.total() == mh.audited && st.total().denials == mh.audited, [&] {
          return where + "invariant 6: " + std::to_string(audit.total()) + " denials audited, model " + std::to_string(mh.audited);
        }))
      return;
    if (mh.last_denial) {
      shype::denial_record last{};
      audit.for_each([&](const shype::denial_record& r) { last = r; });
      const auto& w = *mh.last_denial;
      check(last.op == w.op && last.policy_index == w.by && last.subject == w.subject && last.generation == w.generation &&
                last.seq + 1 == mh.audited,
            [&] { return where + "invariant 6: the last audit record is not the model's last denial"; });
    }
  }

  static std::string counts(std::uint64_t h, std::uint64_t m, std::uint64_t d, std::uint64_t e, std::uint64_t r) {
    return "hits " + std::to_string(h) + " misses " + std::to_string(m) + " denials " + std::to_string(d) + " errors " + std::to_string(e) +
           " revocations " + std::to_string(r);
  }

  // ===== state ==========================================================================================
  model model_;
  std::vector<std::unique_ptr<host_monitor>> real_;
  std::map<std::uint64_t, std::pair<std::size_t, shype::binding_handle>> handles_;  // live, by cookie
  std::vector<std::pair<std::size_t, shype::binding_handle>> stale_;                // closed or revoked
  struct {
    bool state = false;  // the command may have changed domains, bindings, generation or policy
    bool cache = false;  // the command took a sharing decision (which may be cached)
  } effect_;
  coverage* cov_;
  std::uint64_t steps_ = 0;
  std::ostringstream line_;
  std::vector<std::string> trace_;
  std::string failure_;
};

}  // namespace shype_model
