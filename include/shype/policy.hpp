// SPDX-License-Identifier: Apache-2.0
#pragma once
// The shype::policy concept: what a type must provide to be stacked into a monitor.
//
// Policies are types, not objects behind a virtual interface (hvpp's compositor with dozens of
// virtual methods is the counter-example). A policy declares its name and the questions it
// answers (hook_kind); the monitor calls exactly those and nothing else, so a hook a policy does
// not declare costs no code. A declared hook with the wrong signature is a compile error that
// says which policy and which function, not a wall of template text.
//
// What each declared hook_kind requires (L: a VM label, R: a resource label, both read through
// label_view.hpp or label.hpp accessors):
//   sharing:   decision share(const policy_view&, const share_request<L>&) const
//   access:    decision access(const policy_view&, const access_request<L, R>&) const
//   placement: a `state_type` and
//              decision prepare(state_type&, const policy_view&, const L&) const  // check + reserve
//              void commit(state_type&, const policy_view&, const L&) const
//              void abort(state_type&, const policy_view&, const L&) const        // undo prepare
//              void release(state_type&, const policy_view&, const L&) const      // stops running
//              void reset(state_type&, const policy_view&) const                  // new policy
// and every policy:
//   result<void, load_error> accepts(const policy_view&) const  // fits my capacities?

#include <concepts>
#include <type_traits>

#include "decision.hpp"
#include "hook.hpp"
#include "label_view.hpp"
#include "load_error.hpp"
#include "policy_view.hpp"
#include "result.hpp"

namespace shype {

template <class P>
concept policy = std::is_default_constructible_v<P> && std::is_trivially_destructible_v<P> && requires(const P& p, const policy_view& v) {
  { P::name } -> std::convertible_to<const char*>;
  { P::hooks } -> std::convertible_to<hook_kind>;
  { p.accepts(v) } -> std::same_as<result<void, load_error>>;
};

namespace detail {
struct no_state {};
template <class P>
struct state_of {
  using type = no_state;
};
template <class P>
  requires requires { typename P::state_type; }
struct state_of<P> {
  using type = typename P::state_type;
};
}  // namespace detail

/// The mutable state a policy keeps per monitor (Chinese Wall: running types); empty otherwise.
template <class P>
using policy_state_t = typename detail::state_of<P>::type;

template <class P, class L = vm_label_view>
concept answers_sharing = requires(const P& p, const policy_view& v, const share_request<L>& r) {
  { p.share(v, r) } -> std::same_as<decision>;
};

template <class P, class L = vm_label_view, class R = resource_label_view>
concept answers_access = requires(const P& p, const policy_view& v, const access_request<L, R>& r) {
  { p.access(v, r) } -> std::same_as<decision>;
};

template <class P, class L = vm_label_view>
concept answers_placement = requires(const P& p, policy_state_t<P>& s, const policy_view& v, const L& l) {
  typename P::state_type;
  { p.prepare(s, v, l) } -> std::same_as<decision>;
  { p.commit(s, v, l) } -> std::same_as<void>;
  { p.abort(s, v, l) } -> std::same_as<void>;
  { p.release(s, v, l) } -> std::same_as<void>;
  { p.reset(s, v) } -> std::same_as<void>;
};

/// Compile-time check of a policy for a monitor, with messages a person can read.
template <class P>
constexpr bool check_policy() noexcept {
  static_assert(policy<P>,
                "shype: this type does not model shype::policy. A policy needs `static constexpr const char "
                "name[]`, `static constexpr shype::hook_kind hooks`, a default constructor, and "
                "`shype::result<void, shype::load_error> accepts(const shype::policy_view&) const`.");
  if constexpr (policy<P>) {
    static_assert(!has(P::hooks, hook_kind::sharing) || answers_sharing<P>,
                  "shype: the policy declares hook_kind::sharing but has no "
                  "`shype::decision share(const shype::policy_view&, const shype::share_request<L>&) const`.");
    static_assert(!has(P::hooks, hook_kind::access) || answers_access<P>,
                  "shype: the policy declares hook_kind::access but has no "
                  "`shype::decision access(const shype::policy_view&, const shype::access_request<L, R>&) const`.");
    static_assert(!has(P::hooks, hook_kind::placement) || answers_placement<P>,
                  "shype: the policy declares hook_kind::placement but lacks `state_type` or one of "
                  "prepare/commit/abort/release/reset with the documented signatures.");
  }
  return true;
}

}  // namespace shype
