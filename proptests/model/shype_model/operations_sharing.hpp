// SPDX-License-Identifier: Apache-2.0
#pragma once
// The harness's sharing operations: event channels, grants and resource accesses (decided,
// maybe cached, maybe bound), closing a binding through the right or a wrong hook or a stale
// handle, and the coalition query. The model cannot know whether a decision came from the
// cache; it learns that from the statistics and holds the monitor to it (hit_or_miss).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "harness_state.hpp"

namespace shype_model {

/// Why a pair of domains cannot be asked about (the monitor's order of checks), if so.
inline std::optional<shype::errc> pair_error(const mhost& mh, shype::domid_t s, shype::domid_t o) {
  if (s >= max_dom || o >= max_dom) return shype::errc::unknown_domain;
  if (s == o) return shype::errc::invalid_argument;
  const mstate a = mh.dom[s].state, b = mh.dom[o].state;
  if (a == mstate::running && b == mstate::running) return std::nullopt;
  if (a == mstate::free || b == mstate::free) return shype::errc::unknown_domain;
  return shype::errc::domain_not_running;
}

/// Learns from the statistics whether the last evaluation of class c was a cache hit (the one
/// thing the model cannot know), and holds the monitor to it.
inline bool hit_or_miss(harness_state& hs, std::size_t h, shype::hook_class c, const shype::stats_snapshot& before, const mkey& key) {
  const auto after = hs.real[h]->stats();
  const auto& a = after[c];
  const auto& b = before[c];
  if (!hs.check(a.evaluations() == b.evaluations() + 1, "a decision was not counted as exactly one evaluation")) return false;
  const bool hit = a.hits == b.hits + 1;
  mhost& mh = hs.naive.host[h];
  if (!hs.check(!hit || mh.asked.count(key) != 0, "cache hit for a decision never taken under this generation for these incarnations"))
    return false;
  mh.asked.insert(key);
  model::evaluated(mh, c, hit);
  if (hit && hs.cov != nullptr) ++hs.cov->cache_hits;
  return true;
}

/// Type Enforcement's answer, as the model predicts it.
inline void predict_te(expected& e, bool permitted) {
  e.permit = permitted;
  e.by = permitted ? shype::verdict::none : te_index;
}

/// What a hook that binds must answer: a permitted binding the registry has no room for is
/// refused after the decision was taken.
inline expected with_room(const harness_state& hs, std::size_t h, const expected& e, bool binds) {
  expected shown = e;
  if (!e.error && e.permit && binds && hs.naive.host[h].bindings.size() >= hs.naive.max_bindings())
    shown.error = shype::errc::capacity_exhausted;
  return shown;
}

/// A binding hook's answer as a verdict; `handle` receives the binding it made.
inline shype::result<shype::verdict> verdict_of(const shype::result<shype::bind_result>& r, shype::binding_handle& handle) {
  if (!r) return shype::failure(r.error());
  handle = r->handle;
  return r->v;
}

/// Calls sharing hook k of monitor m; a binding it makes gets `cookie`, its handle in `handle`.
inline shype::result<shype::verdict> ask_share(host_monitor& m, shype::hook k, shype::domid_t s, shype::domid_t t, std::uint64_t cookie,
                                               shype::binding_handle& handle) {
  switch (k) {
    case shype::hook::evtchn_bind: return verdict_of(m.evtchn_bind(s, t, cookie), handle);
    case shype::hook::grant_map_ro: return verdict_of(m.grant_map(s, t, shype::access_mode::read, cookie), handle);
    case shype::hook::grant_map_rw: return verdict_of(m.grant_map(s, t, shype::access_mode::read_write, cookie), handle);
    case shype::hook::evtchn_unbound: return m.evtchn_unbound(s, t);
    default: return m.grant_copy(s, t);
  }
}

/// The end of a decision the model could judge (e = its prediction, shown = what the monitor
/// had to answer): learns hit or miss, holds verdict.cached to the statistics, and counts the
/// denial, the full registry or the permit. True if the hook permitted.
inline bool counted(harness_state& hs, op o, std::size_t h, shype::hook k, shype::domid_t subject, const expected& e,
                    const expected& shown, const shype::result<shype::verdict>& got, const shype::stats_snapshot& before,
                    const mkey& key) {
  mhost& mh = hs.naive.host[h];
  const auto c = shype::class_of(k);
  if (!hit_or_miss(hs, h, c, before, key)) return false;
  if (got && !hs.check(got->cached == (hs.real[h]->stats()[c].hits == before[c].hits + 1), "verdict.cached disagrees with the statistics"))
    return false;
  if (!e.permit) {
    model::denied(mh, c, k, te_index, subject);
    hs.tally(o, outcome::deny);
    if (hs.cov != nullptr) ++hs.cov->te_denials;
    return false;
  }
  if (shown.error) {
    model::error(mh, c);
    hs.tally(o, outcome::error);
    if (hs.cov != nullptr) ++hs.cov->capacity_errors;
    return false;
  }
  hs.tally(o, outcome::permit);
  return true;
}

/// Records in the model a binding the monitor made, under the next cookie.
inline void record(harness_state& hs, std::size_t h, mbinding b, shype::binding_handle handle) {
  b.cookie = hs.naive.next_cookie++;
  hs.naive.host[h].bindings.push_back(b);
  hs.handles[b.cookie] = {h, handle};
  hs.effect.state = true;
}

inline void share(harness_state& hs, op o, std::size_t h, shype::hook k, shype::domid_t s, shype::domid_t t) {
  mhost& mh = hs.naive.host[h];
  const policy_spec& p = hs.naive.spec(mh);
  const auto c = shype::class_of(k);
  hs.line << "h" << h << " " << shype::to_string(k) << " " << dom_name(s) << " " << dom_name(t);
  hs.effect.cache = true;
  expected e;
  e.error = pair_error(mh, s, t);
  if (!e.error) predict_te(e, te_permits(p, mh.dom[s].label, mh.dom[t].label));
  const bool binds = k == shype::hook::evtchn_bind || k == shype::hook::grant_map_ro || k == shype::hook::grant_map_rw;
  const expected shown = with_room(hs, h, e, binds);
  const auto stats_before = hs.real[h]->stats();
  shype::binding_handle handle{};
  const auto got = ask_share(*hs.real[h], k, s, t, hs.naive.next_cookie, handle);
  if (!hs.same(got, shown, h, "share")) return;
  if (e.error) {
    model::error(mh, c);
    hs.tally(o, outcome::error);
    return;
  }
  const mkey key{s, mh.dom[s].incarnation, t, mh.dom[t].incarnation, static_cast<std::uint8_t>(k)};
  if (!counted(hs, o, h, k, s, e, shown, got, stats_before, key) || !binds) return;
  mbinding b;
  b.kind = k == shype::hook::evtchn_bind    ? shype::binding_kind::evtchn
           : k == shype::hook::grant_map_ro ? shype::binding_kind::grant_ro
                                            : shype::binding_kind::grant_rw;
  b.subject = s;
  b.peer = t;
  record(hs, h, b, handle);
}

inline void access(harness_state& hs, op o, std::size_t h, shype::domid_t d, shype::resource_id r, shype::access_mode mode) {
  mhost& mh = hs.naive.host[h];
  const policy_spec& p = hs.naive.spec(mh);
  const auto rnames = resource_names(p);
  const bool rw = mode == shype::access_mode::read_write;
  hs.line << "h" << h << " " << to_string(o) << (rw ? "/rw " : "/r ") << dom_name(d) << " "
          << (r < rnames.size() ? rnames[r] : "resource " + std::to_string(r));
  hs.effect.cache = true;
  expected e;
  if (d >= max_dom || mh.dom[d].state == mstate::free)
    e.error = shype::errc::unknown_domain;
  else if (mh.dom[d].state != mstate::running)
    e.error = shype::errc::domain_not_running;
  else if (r >= rnames.size())
    e.error = shype::errc::unknown_label;
  if (!e.error) predict_te(e, te_permits_access(p, mh.dom[d].label, rnames[r]));
  const bool attach = o == op::resource_attach;
  const expected shown = with_room(hs, h, e, attach);
  const auto stats_before = hs.real[h]->stats();
  host_monitor& m = *hs.real[h];
  shype::binding_handle handle{};
  const auto got = attach ? verdict_of(m.resource_attach(d, r, mode, hs.naive.next_cookie), handle) : m.resource_access(d, r, mode);
  if (!hs.same(got, shown, h, "access")) return;
  if (e.error) {
    model::error(mh, shype::hook_class::resource);
    hs.tally(o, outcome::error);
    return;
  }
  const auto opcode = static_cast<std::uint8_t>(static_cast<std::uint8_t>(shype::hook::resource_access) | (rw ? 0x80u : 0u));
  const mkey key{d, mh.dom[d].incarnation, r, 0, opcode};
  if (!counted(hs, o, h, shype::hook::resource_access, d, e, shown, got, stats_before, key) || !attach) return;
  mbinding b;
  b.kind = rw ? shype::binding_kind::resource_rw : shype::binding_kind::resource_read;
  b.subject = d;
  b.resource = rnames[r];
  record(hs, h, b, handle);
}

/// Closes a live binding through the right or a wrong hook, or presents a stale handle.
inline void close(harness_state& hs, const command& c) {
  std::vector<std::uint64_t> live;
  for (std::size_t h = 0; h < host_count; ++h)
    for (const auto& b : hs.naive.host[h].bindings) live.push_back(b.cookie);
  const bool use_stale = (c.flag & 4u) != 0 && !hs.stale.empty();
  if (!use_stale && live.empty()) {
    hs.line << "close: nothing to close";
    return;
  }
  std::size_t h = 0;
  shype::binding_handle handle{};
  const mbinding* b = nullptr;
  if (use_stale) {
    std::tie(h, handle) = hs.stale[c.pick % hs.stale.size()];
  } else {
    const std::uint64_t cookie = live[c.pick % live.size()];
    std::tie(h, handle) = hs.handles.at(cookie);
    for (const auto& x : hs.naive.host[h].bindings)
      if (x.cookie == cookie) b = &x;
  }
  int fn = c.flag & 3;
  if (fn == 3) fn = b == nullptr || b->kind == shype::binding_kind::evtchn ? 0 : to_domain(b->kind) ? 1 : 2;
  const shype::hook_class cls = fn == 0 ? shype::hook_class::evtchn : fn == 1 ? shype::hook_class::grant : shype::hook_class::resource;
  const char* names[] = {"evtchn_close", "grant_unmap", "resource_detach"};
  hs.line << "h" << h << " " << names[fn] << (use_stale ? " stale handle" : " cookie " + std::to_string(b->cookie));
  std::optional<shype::errc> e;
  if (use_stale)
    e = shype::errc::unknown_binding;
  else if (class_of(b->kind) != cls)
    e = shype::errc::invalid_argument;
  host_monitor& m = *hs.real[h];
  auto got = fn == 0 ? m.evtchn_close(handle) : fn == 1 ? m.grant_unmap(handle) : m.resource_detach(handle);
  if (!hs.same_void(got, e, "close")) return;
  mhost& mh = hs.naive.host[h];
  if (e) {
    model::error(mh, cls);
    hs.tally(op::close, outcome::error);
    return;
  }
  hs.forget(h, {b->cookie});
  hs.effect.state = true;
  hs.tally(op::close, outcome::permit);
}

inline void query(harness_state& hs, std::size_t h, shype::domid_t a, shype::domid_t b) {
  mhost& mh = hs.naive.host[h];
  const policy_spec& p = hs.naive.spec(mh);
  hs.line << "h" << h << " query " << dom_name(a) << " " << dom_name(b);
  const auto e = pair_error(mh, a, b);
  auto got = hs.real[h]->coalition(a, b);
  hs.line << " -> " << (got ? "types" : show(got));
  if (e) {
    if (!hs.check(!got && got.error() == *e,
                  [&] { return std::string("query: expected error " + std::string(shype::to_string(*e)) + ", got " + show(got)); }))
      return;
    model::error(mh, shype::hook_class::query);
    hs.tally(op::query, outcome::error);
    return;
  }
  if (!hs.check(got.has_value(), [&] { return std::string("query: expected types, got " + show(got)); })) return;
  const auto te = sorted(p.te_types);
  name_set common, want;
  for (std::size_t i = 0; i < host_monitor::te_set::capacity; ++i)
    if (got->contains(i)) common.insert(i < te.size() ? te[i] : "#" + std::to_string(i));
  const label_spec *la = find_label(p, mh.dom[a].label), *lb = find_label(p, mh.dom[b].label);
  if (!hs.check(la != nullptr && lb != nullptr, "query: a running domain's label is not in the policy")) return;
  if (p.te_on) {
    for (const auto& t : la->te)
      if (lb->te.count(t) != 0) want.insert(t);
  }
  if (!hs.check(common == want, "query: the coalition differs from the naive intersection")) return;
  model::evaluated(mh, shype::hook_class::query, false);
  hs.tally(op::query, outcome::permit);
}

}  // namespace shype_model
