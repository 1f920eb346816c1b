// SPDX-License-Identifier: Apache-2.0
#pragma once
// The harness's domain operations: create, migrate-in and restore (in one step or prepared and
// then committed or aborted), destroy, save, migrate-out, and live migration between hosts. Each
// predicts the outcome with the model, performs it on the real monitor, compares, and updates
// the model (harness.hpp says what is compared).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "harness_state.hpp"
#include "selectors.hpp"

namespace shype_model {

/// create / migrate-in / restore, in one step or left pending. True if the domain now starts.
inline bool start(harness_state& hs, op o, std::size_t h, shype::hook k, shype::domid_t d, shype::label_id l, bool pending) {
  mhost& mh = hs.naive.host[h];
  const policy_spec& p = hs.naive.spec(mh);
  const auto names = label_names(p);
  hs.line << "h" << h << " " << to_string(o) << "/" << shype::to_string(k) << " " << dom_name(d) << " label "
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
      e.permit = hs.naive.may_place(mh, name, d);
      e.by = e.permit ? shype::verdict::none : cw_index;
    }
  }
  host_monitor& m = *hs.real[h];
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
  if (!hs.same(got, e, h, "start")) return false;
  if (!hs.check(e.error || !got->cached, "a placement decision came from the cache")) return false;
  if (e.error) {
    model::error(mh, shype::hook_class::domain);
    hs.tally(o, outcome::error);
    return false;
  }
  model::evaluated(mh, shype::hook_class::domain, false);
  if (!e.permit) {
    model::denied(mh, shype::hook_class::domain, k, cw_index, d);
    hs.tally(o, outcome::deny);
    if (hs.cov != nullptr) ++hs.cov->cw_denials;
    return false;
  }
  mdomain& x = mh.dom[d];
  x.before = x.state;
  x.state = pending ? mstate::starting : mstate::running;
  x.label = name;
  ++x.incarnation;
  hs.effect.state = true;
  hs.tally(o, outcome::permit);
  return true;
}

/// commit_start / abort_start.
inline void finish(harness_state& hs, op o, std::size_t h, shype::domid_t d) {
  mhost& mh = hs.naive.host[h];
  hs.line << "h" << h << " " << to_string(o) << " " << dom_name(d);
  std::optional<shype::errc> e;
  if (d >= max_dom || mh.dom[d].state != mstate::starting) e = shype::errc::invalid_argument;
  auto got = o == op::commit ? hs.real[h]->commit_start(d) : hs.real[h]->abort_start(d);
  if (!hs.same_void(got, e, to_string(o))) return;
  if (e) {
    model::error(mh, shype::hook_class::domain);
    hs.tally(o, outcome::error);
    return;
  }
  mdomain& x = mh.dom[d];
  if (o == op::commit) {
    x.state = mstate::running;
  } else {
    x.state = x.before;
    if (x.state == mstate::free) x.label.clear();
  }
  hs.effect.state = true;
  hs.tally(o, outcome::permit);
}

/// destroy / save / migrate-out. True if the domain stopped.
inline bool stop(harness_state& hs, op o, std::size_t h, shype::hook k, shype::domid_t d) {
  mhost& mh = hs.naive.host[h];
  hs.line << "h" << h << " " << to_string(o) << "/" << shype::to_string(k) << " " << dom_name(d);
  std::optional<shype::errc> e;
  if (d >= max_dom || mh.dom[d].state == mstate::free)
    e = shype::errc::unknown_domain;
  else if (mh.dom[d].state == mstate::starting)
    e = shype::errc::invalid_argument;
  else if (mh.dom[d].state == mstate::saved && k != shype::hook::domain_destroy)
    e = shype::errc::domain_not_running;
  std::set<std::uint64_t> closed;
  auto on_close = [&](shype::binding_handle, const shype::binding& b) { closed.insert(b.cookie); };
  host_monitor& m = *hs.real[h];
  auto got = k == shype::hook::domain_destroy ? m.domain_destroy(d, on_close)
             : k == shype::hook::domain_save  ? m.domain_save(d, on_close)
                                              : m.migrate_out(d, on_close);
  if (!hs.same_void(got, e, "stop")) return false;
  if (e) {
    model::error(mh, shype::hook_class::domain);
    hs.tally(o, outcome::error);
    return hs.check(closed.empty(), "a failed stop closed bindings");
  }
  std::set<std::uint64_t> expect;
  for (const auto& b : mh.bindings)
    if (model::involves(b, d)) expect.insert(b.cookie);
  if (!hs.check(closed == expect, [&] {
        return std::string("stop of " + dom_name(d) + " closed " + std::to_string(closed.size()) + " bindings, expected " +
                           std::to_string(expect.size()));
      }))
    return false;
  hs.forget(h, expect);
  if (hs.cov != nullptr) hs.cov->closed += expect.size();
  mdomain& x = mh.dom[d];
  x.state = k == shype::hook::domain_save ? mstate::saved : mstate::free;
  if (x.state == mstate::free) x.label.clear();
  hs.effect.state = true;
  hs.effect.cache = true;  // its cached decisions are dropped
  hs.tally(o, outcome::permit);
  return true;
}

/// Live migration, as a hypervisor does it: reserve on the destination, stop at the source, commit.
inline void migrate(harness_state& hs, const command& c, std::size_t src) {
  const std::size_t dst = (src + 1 + c.host2 % (host_count - 1)) % host_count;
  const shype::domid_t d = running(hs.naive, src, c.a);
  if (d >= max_dom || hs.naive.host[src].dom[d].state != mstate::running) {
    stop(hs, op::migrate, src, shype::hook::migrate_out, d);  // nothing to migrate: the source refuses
    return;
  }
  // The destination maps the label by name; a label it does not know gives no_label.
  const shype::label_id l = label_id_of(hs.naive.spec(hs.naive.host[dst]), hs.naive.host[src].dom[d].label);
  const shype::domid_t to = free_id(hs.naive, dst, c.b);
  hs.line << "migrate h" << src << ":" << dom_name(d) << " -> h" << dst << ":" << dom_name(to) << " | ";
  if (!start(hs, op::migrate, dst, shype::hook::migrate_in, to, l, true)) return;
  hs.line << " | ";
  if (!stop(hs, op::migrate, src, shype::hook::migrate_out, d)) return;
  hs.line << " | ";
  finish(hs, op::migrate, dst, to);
}

}  // namespace shype_model
