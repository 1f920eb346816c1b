// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::verdict — what a monitor hook answers: the decision, the policy that denied, whether it
// came from the cache and the policy generation it was taken under, packed in one 64-bit word so
// that a hook's result<verdict> travels in one register (the hit path builds it from the cache's
// word directly). bind_result adds the handle of the binding a permitted bind registered.

#include <bit>
#include <cstdint>
#include <type_traits>

#include "binding_registry.hpp"
#include "decision.hpp"
#include "errc.hpp"
#include "ids.hpp"
#include "result.hpp"

namespace shype {

/// The outcome of a hook: the decision, the policy (by position) that denied, whether it came
/// from the cache, and the policy generation it was taken under.
struct alignas(8) verdict {
  static constexpr std::uint8_t none = 0xFF;        ///< nobody denied
  static constexpr std::uint8_t management = 0xFE;  ///< denied: subject lacks the management label

  decision value = decision::deny;
  std::uint8_t denied_by = none;
  bool cached = false;
  /// errc{} in every verdict. result<verdict> keeps its error here, so that what a hook returns
  /// is one 64-bit register, never a struct rebuilt on the stack (see result<verdict> below).
  errc status = errc{};
  generation_t generation = 0;

  [[nodiscard]] constexpr bool permitted() const noexcept { return shype::permitted(value); }
  constexpr explicit operator bool() const noexcept { return permitted(); }

  [[nodiscard]] static constexpr verdict make(decision d, std::uint8_t by, bool cached, generation_t g) noexcept {
    verdict v;
    v.value = d;
    v.denied_by = by;
    v.cached = cached;
    v.generation = g;
    return v;
  }
};
static_assert(sizeof(verdict) == 8 && std::is_trivially_copyable_v<verdict>);

/// A hook's result in one register: the error, if any, travels in verdict::status. It holds the
/// verdict as one 64-bit word (GCC splits a struct of bytes into pieces and glues them back on
/// every return), so value() gives a copy and operator-> points into one.
template <>
class [[nodiscard]] result<verdict, errc> {
 public:
  using value_type = verdict;
  using error_type = errc;

  /// A verdict's status is always errc{} (nothing else sets it).
  constexpr result(const verdict& v) noexcept : w_(std::bit_cast<std::uint64_t>(v)) {}  // NOLINT: implicit by design
  constexpr result(failure<errc> f) noexcept : w_(error_word(f.error)) {}  // NOLINT: implicit by design
  /// A verdict's word as the hit path keeps it (detail/hit_path.hpp).
  [[nodiscard]] static constexpr result from_word(std::uint64_t w) noexcept { return result(w); }

  [[nodiscard]] constexpr bool has_value() const noexcept { return get().status == errc{}; }
  constexpr explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] constexpr verdict value() const noexcept {
    if (!has_value()) __builtin_trap();  // caller bug: test has_value() first
    return get();
  }
  [[nodiscard]] constexpr verdict operator*() const noexcept { return value(); }
  /// What operator-> points into: a copy of the verdict.
  struct arrow {
    verdict v;
    constexpr const verdict* operator->() const noexcept { return &v; }
  };
  [[nodiscard]] constexpr arrow operator->() const noexcept { return {value()}; }
  [[nodiscard]] constexpr verdict value_or(const verdict& fallback) const noexcept { return has_value() ? get() : fallback; }
  [[nodiscard]] constexpr errc error() const noexcept {
    if (has_value()) __builtin_trap();  // caller bug: there is no error
    return get().status;
  }

 private:
  constexpr explicit result(std::uint64_t w) noexcept : w_(w) {}
  [[nodiscard]] constexpr verdict get() const noexcept { return std::bit_cast<verdict>(w_); }
  static constexpr std::uint64_t error_word(errc e) noexcept {
    verdict v;
    v.status = e;
    return std::bit_cast<std::uint64_t>(v);
  }
  std::uint64_t w_ = 0;
};

/// A sharing hook that also registers a binding: the handle is valid only if permitted.
struct bind_result {
  verdict v;
  binding_handle handle;
  [[nodiscard]] constexpr bool permitted() const noexcept { return v.permitted(); }
};

}  // namespace shype
