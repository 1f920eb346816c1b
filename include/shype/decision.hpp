// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::decision — the answer of an access-control hook.
//
// A decision is one bit: deny or permit. It is an answer, not an error (see errc.hpp), and it
// composes by conjunction: a stack of policies permits only if every policy permits.

namespace shype {

enum class decision : bool { deny = false, permit = true };

/// Deny overrides: the conjunction of two decisions.
[[nodiscard]] constexpr decision operator&&(decision a, decision b) noexcept {
  return (a == decision::permit && b == decision::permit) ? decision::permit : decision::deny;
}

[[nodiscard]] constexpr bool permitted(decision d) noexcept { return d == decision::permit; }

/// Maps a boolean predicate ("may this happen?") onto a decision.
[[nodiscard]] constexpr decision permit_if(bool ok) noexcept {
  return ok ? decision::permit : decision::deny;
}

[[nodiscard]] constexpr const char* to_string(decision d) noexcept {
  return d == decision::permit ? "permit" : "deny";
}

}  // namespace shype
