// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the monitor's hooks as a state machine, driven by bytes.
//
// The bytes decode (shype_model::decode) into the same scenario the property tests generate —
// a boot policy, then commands: create, destroy, save, restore, migrate between three hosts,
// bind, grant, unmap, access, query, relabel, live policy changes with policies decoded from
// the bytes — and run through the same harness: the real monitors beside the naive model.
// Any disagreement or broken invariant (isolation, Chinese Wall, cache coherence, complete
// revocation, no side effects of refusals, statistics; see proptests/model/shype_model/harness.hpp)
// is a crash, reported with the steps that led to it.

#include <cstddef>
#include <cstdint>

#include "fuzz_check.hpp"
#include "shype_model/command.hpp"
#include "shype_model/harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Bounded, so that one input stays fast; the fuzzer finds long states by mutating long inputs.
  constexpr std::size_t max_commands = 256;
  const shype_model::scenario s = shype_model::decode(data, size, max_commands);
  shype_model::harness h(s.initial);
  if (!h.ok()) shype_fuzz::broken(h.report());
  for (const auto& c : s.commands)
    if (!h.step(c)) shype_fuzz::broken(h.report());
  return 0;
}
