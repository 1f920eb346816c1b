// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::tool::xorshift — xorshift64*: a small seeded generator, the same numbers on every
// machine and run. Synthetic policies are made with it (synthetic_policy.hpp); the benchmark
// and the allocation test draw their pairs and operations from it, header-only.

#include <cstddef>
#include <cstdint>

namespace shype::tool {

struct xorshift {
  std::uint64_t s;  ///< the state; any seed but 0
  constexpr std::uint64_t next() noexcept {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ull;
  }
  /// A number in [0, n); 0, without drawing, when n is 0.
  constexpr std::size_t below(std::size_t n) noexcept { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
};

}  // namespace shype::tool
