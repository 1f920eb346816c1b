// SPDX-License-Identifier: Apache-2.0
#pragma once
// A fixed-size memo for one pass over the binding registry.
//
// A million bindings usually join a handful of label pairs, so a policy change evaluates each
// (kind, subject label, object label) once and looks the rest up. Entries are tagged with the
// pass, so starting a pass forgets the previous one in O(1); a collision only costs a
// re-evaluation. Direct-mapped, no allocation.

#include <bit>
#include <cstddef>
#include <cstdint>

namespace shype::detail {

template <std::size_t N>
class memo {
  static_assert(N >= 1 && std::has_single_bit(N), "memo: the size must be a power of two");

 public:
  /// Forgets everything memoised by earlier passes.
  constexpr void next_pass() noexcept {
    if (++tag_ == 0) {  // the tag wrapped: clear for real, once every 65535 passes
      for (auto& e : e_) e = {};
      tag_ = 1;
    }
  }

  /// The value for `key` (< 2^48) in this pass, computing it with `compute()` at most once
  /// unless another key evicted it.
  template <class F>
  constexpr std::uint32_t get(std::uint64_t key, F&& compute) noexcept {
    const std::uint64_t tagged = (std::uint64_t{tag_} << 48) | key;
    entry& e = e_[static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 40) & (N - 1)];
    if (e.key != tagged) {
      e.value = compute();
      e.key = tagged;
    }
    return e.value;
  }

 private:
  struct entry {
    std::uint64_t key = 0;
    std::uint32_t value = 0;
  };
  entry e_[N] = {};
  std::uint16_t tag_ = 0;
};

}  // namespace shype::detail
