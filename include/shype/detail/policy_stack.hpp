// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::policy_stack — the policies a monitor stacks, and how they are asked.
//
// This is FLASK's security server without hypervisor knowledge: it holds the policies (a
// Boost.Hana tuple, composed at compile time) and answers, for labels of a given policy_view,
// the sharing and access questions by conjunction (the first policy that denies wins; a policy
// is only asked the hooks it declares, so an absent hook costs nothing) and the placement
// questions transactionally (ask/prepare, then commit or abort, as Xen ACM does). It keeps no
// state of its own: placement state lives in a states_t the caller owns, so the monitor can
// build a new policy's state beside the one in force. A denying policy is named by position;
// verdict::none means nobody denied. What a policy derives from a policy_view (TE's decision
// table) it keeps itself: stage() builds it for the next policy beside the one in force,
// install() switches to it together with the view.

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/integral_constant.hpp>
#include <boost/hana/range.hpp>
#include <boost/hana/tuple.hpp>

#include "../binding_registry.hpp"
#include "../decision.hpp"
#include "../hook.hpp"
#include "../ids.hpp"
#include "../label_view.hpp"
#include "../load_error.hpp"
#include "../policy.hpp"
#include "../policy_view.hpp"
#include "../result.hpp"
#include "../type_enforcement.hpp"
#include "../verdict.hpp"

namespace shype::detail {

template <class P>
struct te_capacity : std::integral_constant<std::size_t, 0> {};
template <std::size_t N, std::size_t L>
struct te_capacity<type_enforcement<N, L>> : std::integral_constant<std::size_t, N> {};

template <class... Ps>
class policy_stack {
 public:
  static constexpr std::size_t count = sizeof...(Ps);
  /// Placement state of every policy (empty for those without placement hooks).
  using states_t = boost::hana::tuple<policy_state_t<Ps>...>;
  /// The largest TE policy's type capacity (0: no TE policy in the stack).
  static constexpr std::size_t te_capacity = [] {
    std::size_t n = 0;
    ((n = detail::te_capacity<Ps>::value > n ? detail::te_capacity<Ps>::value : n), ...);
    return n;
  }();

  /// The first policy denying sharing hook `op` between labels s and o under `v`, or none.
  std::uint8_t share(hook op, label_id s, label_id o, const policy_view& v) const noexcept {
    const vm_label_view sl = v.vm_label(s), ol = v.vm_label(o);
    const share_request<vm_label_view> r{op, flow_of(op), sl, ol};
    return ask_all<hook_kind::sharing>([&](const auto& p) { return p.share(v, r); });
  }
  /// The first policy denying label s access `m` to resource label `res` under `v`, or none.
  std::uint8_t access(label_id s, resource_id res, access_mode m, const policy_view& v) const noexcept {
    const vm_label_view sl = v.vm_label(s);
    const resource_label_view rl = v.resource_label(res);
    const access_request<vm_label_view, resource_label_view> r{m, sl, rl};
    return ask_all<hook_kind::access>([&](const auto& p) { return p.access(v, r); });
  }
  /// Would this binding be permitted under `v` with these labels / resource?
  bool permits(binding_kind kind, label_id s, std::uint32_t o, const policy_view& v) const noexcept {
    switch (kind) {
      case binding_kind::evtchn: return share(hook::evtchn_bind, s, static_cast<label_id>(o), v) == verdict::none;
      case binding_kind::grant_ro: return share(hook::grant_map_ro, s, static_cast<label_id>(o), v) == verdict::none;
      case binding_kind::grant_rw: return share(hook::grant_map_rw, s, static_cast<label_id>(o), v) == verdict::none;
      case binding_kind::resource_read: return access(s, static_cast<resource_id>(o), access_mode::read, v) == verdict::none;
      case binding_kind::resource_rw: return access(s, static_cast<resource_id>(o), access_mode::read_write, v) == verdict::none;
    }
    return false;
  }

  /// Placement, transactionally: prepare each placement policy in order; on a denial, abort
  /// those already prepared in reverse order. Returns the denying policy or none.
  std::uint8_t prepare(states_t& st, const policy_view& v, const vm_label_view& l) const noexcept {
    std::uint8_t denied = verdict::none;
    boost::hana::for_each(indices, [&](auto i) {
      if constexpr (has(policy_at<decltype(i)>::hooks, hook_kind::placement)) {
        if (denied == verdict::none && boost::hana::at(policies_, i).prepare(boost::hana::at(st, i), v, l) == decision::deny)
          denied = static_cast<std::uint8_t>(decltype(i)::value);
      }
    });
    if (denied != verdict::none) {
      boost::hana::for_each(indices, [&](auto i) {
        constexpr std::size_t j = count - 1 - decltype(i)::value;  // reverse order
        if constexpr (has(policy_at<boost::hana::size_t<j>>::hooks, hook_kind::placement)) {
          if (j < denied) boost::hana::at_c<j>(policies_).abort(boost::hana::at_c<j>(st), v, l);
        }
      });
    }
    return denied;
  }
  /// Makes a prepared placement permanent.
  void commit(states_t& st, const policy_view& v, const vm_label_view& l) const noexcept {
    each_placement(st, [&](const auto& p, auto& s) { p.commit(s, v, l); });
  }
  /// Gives a prepared placement back, in reverse order.
  void abort(states_t& st, const policy_view& v, const vm_label_view& l) const noexcept {
    boost::hana::for_each(indices, [&](auto i) {
      constexpr std::size_t j = count - 1 - decltype(i)::value;
      if constexpr (has(policy_at<boost::hana::size_t<j>>::hooks, hook_kind::placement))
        boost::hana::at_c<j>(policies_).abort(boost::hana::at_c<j>(st), v, l);
    });
  }
  /// A committed placement ends (the domain stops or is relabelled).
  void release(states_t& st, const policy_view& v, const vm_label_view& l) const noexcept {
    each_placement(st, [&](const auto& p, auto& s) { p.release(s, v, l); });
  }
  /// Empties the placement state for policy `v`.
  void reset(states_t& st, const policy_view& v) const noexcept {
    each_placement(st, [&](const auto& p, auto& s) { p.reset(s, v); });
  }
  /// Lets every policy that derives state from a view build it for `v` (accepted) beside what
  /// is in force: before a change, while hooks still decide under the old view.
  void stage(const policy_view& v) noexcept {
    boost::hana::for_each(policies_, [&](auto& p) {
      if constexpr (requires { p.stage(v); }) p.stage(v);
    });
  }
  /// `v` is now the view in force: every policy switches to what it staged for it.
  void install(const policy_view& v) noexcept {
    boost::hana::for_each(policies_, [&](auto& p) {
      if constexpr (requires { p.install(v); }) p.install(v);
    });
  }
  /// Does `v` fit every policy (capacities, required tables)? The first refusal wins.
  result<void, load_error> accepts(const policy_view& v) const noexcept {
    result<void, load_error> r = success;
    boost::hana::for_each(indices, [&](auto i) {
      if (r) r = boost::hana::at(policies_, i).accepts(v);
    });
    return r;
  }

 private:
  static constexpr auto indices = boost::hana::make_range(boost::hana::size_c<0>, boost::hana::size_c<count>);
  template <class I>
  using policy_at = std::remove_cvref_t<decltype(boost::hana::at(std::declval<boost::hana::tuple<Ps...>&>(), I{}))>;

  /// Asks every policy declaring hook kind K; returns the first that denies, or none.
  template <hook_kind K, class Ask>
  std::uint8_t ask_all(Ask&& ask) const noexcept {
    std::uint8_t denied = verdict::none;
    boost::hana::for_each(indices, [&](auto i) {
      if constexpr (has(policy_at<decltype(i)>::hooks, K)) {
        if (denied == verdict::none && ask(boost::hana::at(policies_, i)) == decision::deny)
          denied = static_cast<std::uint8_t>(decltype(i)::value);
      }
    });
    return denied;
  }
  template <class Member>
  void each_placement(states_t& st, Member&& m) const noexcept {
    boost::hana::for_each(indices, [&](auto i) {
      if constexpr (has(policy_at<decltype(i)>::hooks, hook_kind::placement)) m(boost::hana::at(policies_, i), boost::hana::at(st, i));
    });
  }

  boost::hana::tuple<Ps...> policies_{};
};

}  // namespace shype::detail
