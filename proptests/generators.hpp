// SPDX-License-Identifier: Apache-2.0
#pragma once
// RapidCheck generators for policies and commands. Everything they produce is valid by
// construction (make_spec() repairs any raw policy, selectors resolve in any state), so no
// property discards inputs; the weights steer towards interesting states: few shared types
// (denials happen), small CW sets that meet conflict sets (placements are refused), labels kept
// across most policy changes (changes are applied and revoke) but not all (changes are refused).

#include <cstdint>
#include <vector>

#include <rapidcheck.h>

#include "shype_model/command.hpp"
#include "shype_model/policy_spec.hpp"

namespace shype_model::gen {

/// A byte; `hi` values are the literal selectors (unknown ids and labels), rarely.
inline std::uint8_t selector() {
  return static_cast<std::uint8_t>(*rc::gen::weightedOneOf<int>({{15, rc::gen::inRange(0, 0xE0)}, {1, rc::gen::inRange(0xE0, 0x100)}}));
}

/// A set of one or two types out of the first `n` of a pool, sometimes none.
inline std::uint16_t sparse(int n) {
  const int one = *rc::gen::inRange(0, n);
  switch (*rc::gen::inRange(0, 10)) {
    case 0: return 0;
    case 1:
    case 2: return static_cast<std::uint16_t>((1u << one) | (1u << *rc::gen::inRange(0, n)));
    default: return static_cast<std::uint16_t>(1u << one);
  }
}

/// A raw policy. `fits`: at most 8 TE and 8 CW types (what the monitors hold), as a boot policy must.
inline rc::Gen<raw_policy> policy(bool fits) {
  return rc::gen::exec([fits] {
    raw_policy p;
    const bool big = !fits && *rc::gen::inRange(0, 12) == 0;  // now and then: too large, must be refused
    // Labels draw their types from the first few of each pool: keep those mostly present, so
    // that sharing is permitted about as often as denied, and placements meet conflict sets.
    p.te_mask = static_cast<std::uint16_t>(*rc::gen::inRange(1, 0x100) | (*rc::gen::inRange(0, 5) != 0 ? 0x0F : 0) | (big ? 0x300 : 0));
    p.cw_mask = static_cast<std::uint16_t>(*rc::gen::inRange(1, 0x100) | (*rc::gen::inRange(0, 5) != 0 ? 0x0F : 0) |
                                           (big && *rc::gen::inRange(0, 2) == 0 ? 0x200 : 0));
    p.flags = static_cast<std::uint8_t>((*rc::gen::inRange(0, 10) != 0 ? 1u : 0u) | (*rc::gen::inRange(0, 10) != 0 ? 2u : 0u) |
                                        (*rc::gen::inRange(0, 5) == 0 ? 4u : 0u) | (*rc::gen::inRange(0, 5) != 0 ? 8u : 0u));
    for (auto& c : p.conflicts) c = *rc::gen::inRange(0, 2) == 0 ? std::uint16_t{0} : static_cast<std::uint16_t>(sparse(4) | sparse(4));
    p.labels = static_cast<std::uint8_t>(*rc::gen::weightedOneOf<int>({{6, rc::gen::just(0x3F)}, {3, rc::gen::inRange(0, 0x40)}}));
    for (auto& t : p.label_te) t = sparse(3);
    for (auto& c : p.label_cw) c = sparse(4);
    p.resources = static_cast<std::uint8_t>(*rc::gen::inRange(0, 0x10));
    for (auto& t : p.resource_te) t = sparse(3);
    p.bootstrap = static_cast<std::uint8_t>(*rc::gen::inRange(0, 6));
    p.order = *rc::gen::arbitrary<std::uint8_t>();
    p.version = static_cast<std::uint8_t>(*rc::gen::inRange(0, 4));
    if ((p.flags & 4u) != 0) {
      p.categories = static_cast<std::uint8_t>(*rc::gen::inRange(0, 5));
      for (auto& s : p.secrecy) s = *rc::gen::arbitrary<std::uint8_t>();
      for (auto& s : p.integrity) s = *rc::gen::arbitrary<std::uint8_t>();
    }
    return p;
  });
}

inline rc::Gen<op> opcode() {
  return rc::gen::weightedElement<op>({
      {12, op::create}, {3, op::prepare}, {3, op::commit}, {2, op::abort}, {3, op::destroy}, {2, op::save}, {3, op::restore},
      {3, op::migrate}, {3, op::evtchn_unbound}, {8, op::evtchn_bind}, {8, op::grant_map}, {3, op::grant_copy}, {5, op::close},
      {3, op::resource_access}, {4, op::resource_attach}, {3, op::query}, {2, op::authorize}, {4, op::relabel},
      {5, op::change_policy}, {3, op::change_all}, {1, op::reload},
  });
}

inline rc::Gen<command> command_gen() {
  return rc::gen::exec([] {
    command c;
    c.code = *opcode();
    c.host = *rc::gen::weightedElement<std::uint8_t>({{4, 0}, {2, 1}, {1, 2}});  // crowd host 0, spread the rest
    c.host2 = static_cast<std::uint8_t>(*rc::gen::inRange(0, 2));
    c.a = selector();
    c.b = selector();
    c.label = selector();
    c.flag = *rc::gen::arbitrary<std::uint8_t>();
    c.pick = *rc::gen::arbitrary<std::uint16_t>();
    if (c.code == op::change_policy || c.code == op::change_all) c.policy = *policy(false);
    return c;
  });
}

/// Creates on the first two hosts: most scenarios start with a few domains running, so that
/// sharing hooks meet running peers instead of unknown ids.
inline rc::Gen<command> boot_gen() {
  return rc::gen::exec([] {
    command c;
    c.code = op::create;
    c.host = static_cast<std::uint8_t>(*rc::gen::inRange(0, 2));
    c.a = *rc::gen::arbitrary<std::uint8_t>() % raw_selector;
    c.label = *rc::gen::arbitrary<std::uint8_t>() % raw_selector;
    return c;
  });
}

/// A command; a sharing hook is sometimes asked again at once (up to three times), as guests
/// do, so that the cache serves hits and their coherence is checked, not only misses.
inline rc::Gen<std::vector<command>> burst_gen() {
  return rc::gen::exec([] {
    const command c = *command_gen();
    const bool sharing = c.code == op::evtchn_unbound || c.code == op::evtchn_bind || c.code == op::grant_map ||
                         c.code == op::grant_copy || c.code == op::resource_access;
    const int n = sharing ? *rc::gen::weightedOneOf<int>({{2, rc::gen::just(1)}, {1, rc::gen::inRange(2, 5)}}) : 1;
    return std::vector<command>(static_cast<std::size_t>(n), c);
  });
}

/// A scenario: a boot policy, up to 8 creates, then up to ~2 x size bursts of commands.
inline rc::Gen<scenario> scenario_gen() {
  return rc::gen::exec([] {
    scenario s;
    s.initial = *policy(true);
    s.commands = *rc::gen::container<std::vector<command>>(static_cast<std::size_t>(*rc::gen::inRange(0, 9)), boot_gen());
    const auto bursts = *rc::gen::scale(2.0, rc::gen::container<std::vector<std::vector<command>>>(burst_gen()));
    for (const auto& b : bursts) s.commands.insert(s.commands.end(), b.begin(), b.end());
    return s;
  });
}

}  // namespace shype_model::gen
