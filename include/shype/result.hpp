// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::result<T, E> — a value or the reason there is none.
//
// Modelled on Hedron's Result<T, E>: constexpr, noexcept, no exceptions, no heap. Library code
// always tests a result before reading it; `value()` on an error is a caller bug and traps,
// so it is never used on a path that can legitimately fail.

#include <cstdint>
#include <type_traits>
#include <utility>

#include "errc.hpp"

namespace shype {

/// Tag carrying an error into a result: `return failure(errc::unknown_domain);`.
template <class E>
struct failure {
  E error;
  constexpr explicit failure(E e) noexcept : error(e) {}
};

template <class T, class E = errc>
class [[nodiscard]] result {
  static_assert(std::is_trivially_destructible_v<T> && std::is_trivially_destructible_v<E>,
                "shype::result holds trivially destructible types only (no heap, no destructors)");

 public:
  using value_type = T;
  using error_type = E;

  constexpr result(const T& v) noexcept : value_(v), ok_(true) {}  // NOLINT: implicit by design
  constexpr result(failure<E> f) noexcept : error_(f.error), ok_(false) {}  // NOLINT
  template <class E2>
    requires(!std::is_same_v<E2, E> && std::is_constructible_v<E, E2>)
  constexpr result(failure<E2> f) noexcept : error_(E(f.error)), ok_(false) {}  // NOLINT

  [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }

  [[nodiscard]] constexpr const T& value() const noexcept {
    if (!ok_) __builtin_trap();  // caller bug: test has_value() first
    return value_;
  }
  [[nodiscard]] constexpr T& value() noexcept {
    if (!ok_) __builtin_trap();
    return value_;
  }
  [[nodiscard]] constexpr const T& operator*() const noexcept { return value(); }
  [[nodiscard]] constexpr const T* operator->() const noexcept { return &value(); }
  [[nodiscard]] constexpr T value_or(const T& fallback) const noexcept { return ok_ ? value_ : fallback; }

  [[nodiscard]] constexpr E error() const noexcept {
    if (ok_) __builtin_trap();  // caller bug: there is no error
    return error_;
  }

 private:
  union {
    T value_;
    E error_;
  };
  // A full word, not a bool: a result returned in two registers is then written with word
  // stores, never a byte store followed by a wider load (a store-forwarding stall of ~10 cycles
  // on the critical path, measured in bench/).
  std::uint32_t ok_;
};

/// result<void, E>: success, or an error.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  constexpr result() noexcept : error_(), ok_(true) {}
  constexpr result(failure<E> f) noexcept : error_(f.error), ok_(false) {}  // NOLINT
  template <class E2>
    requires(!std::is_same_v<E2, E> && std::is_constructible_v<E, E2>)
  constexpr result(failure<E2> f) noexcept : error_(E(f.error)), ok_(false) {}  // NOLINT

  [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] constexpr E error() const noexcept {
    if (ok_) __builtin_trap();
    return error_;
  }

 private:
  E error_;
  bool ok_;
};

/// Success for result<void, E>.
inline constexpr struct success_t {
  template <class E>
  constexpr operator result<void, E>() const noexcept {  // NOLINT: implicit by design
    return result<void, E>();
  }
} success{};

}  // namespace shype
