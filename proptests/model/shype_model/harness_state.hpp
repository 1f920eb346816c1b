// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the harness's operations and invariants share: the naive model, the real monitors (one
// per host), the bookkeeping between them (binding handles by cookie, what the command may have
// changed), the coverage counters and the trace; and the checks that turn a disagreement into
// the run's one failure.
//
// Invariants: `failure` is set once and never cleared; every live binding in the model has its
// (host, handle) in `handles`, and every handle the monitor closed or revoked is in `stale`.

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

#include "command.hpp"
#include "hosts.hpp"
#include "model.hpp"
#include "policy_spec.hpp"

namespace shype_model {

static_assert(label_pool <= host_te_labels, "hosts.hpp: TE's table must hold every label of the pool");

/// What the scenarios reached, summed over a run (printed by the tests, asserted on).
struct coverage {
  std::uint64_t steps = 0;
  std::uint64_t permits[op_count] = {}, denials[op_count] = {}, errors[op_count] = {};
  std::uint64_t changes_applied = 0, changes_refused = 0, dry_runs = 0, revoked = 0, closed = 0;
  std::uint64_t cache_hits = 0, cw_denials = 0, te_denials = 0, capacity_errors = 0, violations = 0;
  std::uint64_t error_codes[64] = {};  ///< errors returned by hooks, by errc value
};

enum class outcome { permit, deny, error };

/// What the model predicts a hook answers.
struct expected {
  std::optional<shype::errc> error;
  bool permit = false;
  std::uint8_t by = shype::verdict::none;
};

inline std::string show(const expected& e) {
  if (e.error) return std::string("error ") + shype::to_string(*e.error);
  return e.permit ? "permit" : "deny by " + std::to_string(e.by);
}
template <class T>
std::string show(const shype::result<T>& r) {
  if (!r) return std::string("error ") + shype::to_string(r.error());
  return "a value";
}

/// A policy as the model keeps it: its spec and the bytes the builder made of it (null if refused).
inline policy_entry entry_of(const raw_policy& r) {
  policy_entry e{make_spec(r), nullptr};
  e.bytes = build(e.spec);
  return e;
}
inline shype::byte_view view_of(const policy_entry& e) { return {e.bytes->data(), e.bytes->size()}; }

struct harness_state {
  explicit harness_state(const raw_policy& initial, coverage* c)
      : naive(host_count, max_dom, host_limits.max_bindings, entry_of(initial)), cov(c) {}

  void fail(const std::string& why) {
    if (failure.empty()) failure = "step " + std::to_string(steps) + ": " + why;
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

  void tally(op o, outcome r) {
    if (cov == nullptr) return;
    const auto i = static_cast<std::size_t>(o);
    (r == outcome::permit ? cov->permits : r == outcome::deny ? cov->denials : cov->errors)[i] += 1;
  }

  /// Compares a hook's verdict with the model's expectation.
  bool same(const shype::result<shype::verdict>& got, const expected& e, std::size_t h, const char* what) {
    std::string g;
    if (!got)
      g = std::string("error ") + shype::to_string(got.error());
    else
      g = got->permitted() ? "permit" : "deny by " + std::to_string(got->denied_by);
    line << " -> " << g;
    if (!got && cov != nullptr) ++cov->error_codes[static_cast<std::size_t>(got.error()) % 64];
    if (e.error) return check(!got && got.error() == *e.error, [&] { return std::string(what) + ": expected " + show(e) + ", got " + g; });
    if (!check(got.has_value(), [&] { return std::string(what) + ": expected " + show(e) + ", got " + g; })) return false;
    const bool ok = got->permitted() == e.permit && got->denied_by == e.by;
    if (!check(ok, [&] { return std::string(what) + ": expected " + show(e) + ", got " + g; })) return false;
    return check(got->generation == naive.host[h].generation, [&] {
      return std::string(what) + ": verdict of generation " + std::to_string(got->generation) + ", policy in force is " +
             std::to_string(naive.host[h].generation);
    });
  }
  bool same_void(const shype::result<void>& got, const std::optional<shype::errc>& e, const char* what) {
    const std::string g = got ? "ok" : std::string("error ") + shype::to_string(got.error());
    line << " -> " << g;
    if (!got && cov != nullptr) ++cov->error_codes[static_cast<std::size_t>(got.error()) % 64];
    if (e)
      return check(!got && got.error() == *e,
                   [&] { return std::string(what) + ": expected error " + shype::to_string(*e) + ", got " + g; });
    return check(got.has_value(), [&] { return std::string(what) + ": expected success, got " + g; });
  }

  /// Drops bindings from the model; their handles become stale.
  void forget(std::size_t h, const std::set<std::uint64_t>& cookies) {
    auto& v = naive.host[h].bindings;
    for (auto cookie : cookies) {
      stale.push_back(handles.at(cookie));
      handles.erase(cookie);
    }
    v.erase(std::remove_if(v.begin(), v.end(), [&](const mbinding& b) { return cookies.count(b.cookie) != 0; }), v.end());
  }

  model naive;
  std::vector<std::unique_ptr<host_monitor>> real;
  std::map<std::uint64_t, std::pair<std::size_t, shype::binding_handle>> handles;  ///< live, by cookie
  std::vector<std::pair<std::size_t, shype::binding_handle>> stale;                ///< closed or revoked
  struct {
    bool state = false;  ///< the command may have changed domains, bindings, generation or policy
    bool cache = false;  ///< the command took a sharing decision (which may be cached)
  } effect;
  coverage* cov;
  std::uint64_t steps = 0;
  std::ostringstream line;  ///< the current command's trace line
  std::vector<std::string> trace;
  std::string failure;
};

}  // namespace shype_model
