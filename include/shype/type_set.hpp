// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::type_set<N> — a fixed-capacity set of type indices (TE types, CW types, categories).
//
// A label is a few of these. Deciding Type Enforcement is "do two sets intersect", an n-bit AND
// (paper, section 4.3.3), so the representation is 64-bit words and every operation is a loop
// over ceil(N/64) words. `type_set_view` is the same set stored little-endian inside a binary
// policy; the algorithms at the bottom work on either, so decisions read the policy in place.

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "detail/le.hpp"

namespace shype {

/// Anything that exposes a set as 64-bit words: type_set<N>, type_set_view.
template <class S>
concept word_set = requires(const S& s, std::size_t i) {
  { s.word_count() } -> std::convertible_to<std::size_t>;
  { s.word(i) } -> std::same_as<std::uint64_t>;
};

template <std::size_t N>
class type_set {
 public:
  static constexpr std::size_t capacity = N;
  static constexpr std::size_t words = (N + 63) / 64;

  constexpr type_set() noexcept = default;
  /// {1, 4, 7}: the set of these type indices (indices >= N are ignored: see insert()).
  constexpr type_set(std::initializer_list<std::size_t> l) noexcept {
    for (auto i : l) (void)insert(i);
  }

  /// Adds type i; false (and no change) if i is beyond the capacity.
  constexpr bool insert(std::size_t i) noexcept {
    if (i >= N) return false;
    w_[i / 64] |= std::uint64_t{1} << (i % 64);
    return true;
  }
  constexpr void erase(std::size_t i) noexcept {
    if (i < N) w_[i / 64] &= ~(std::uint64_t{1} << (i % 64));
  }
  [[nodiscard]] constexpr bool contains(std::size_t i) const noexcept {
    return i < N && ((w_[i / 64] >> (i % 64)) & 1u) != 0;
  }
  constexpr void clear() noexcept {
    for (auto& w : w_) w = 0;
  }

  [[nodiscard]] constexpr std::size_t word_count() const noexcept { return words; }
  [[nodiscard]] constexpr std::uint64_t word(std::size_t i) const noexcept { return i < words ? w_[i] : 0; }
  constexpr void set_word(std::size_t i, std::uint64_t v) noexcept {
    if (i < words) w_[i] = v & mask(i);
  }

  /// Copies any word set in (words beyond the capacity are dropped).
  template <word_set S>
  [[nodiscard]] static constexpr type_set from(const S& s) noexcept {
    type_set r;
    for (std::size_t i = 0; i < words; ++i) r.set_word(i, s.word(i));
    return r;
  }

  constexpr type_set& operator|=(const type_set& o) noexcept {
    for (std::size_t i = 0; i < words; ++i) w_[i] |= o.w_[i];
    return *this;
  }
  constexpr type_set& operator&=(const type_set& o) noexcept {
    for (std::size_t i = 0; i < words; ++i) w_[i] &= o.w_[i];
    return *this;
  }
  /// Set difference: removes every element of o.
  constexpr type_set& operator-=(const type_set& o) noexcept {
    for (std::size_t i = 0; i < words; ++i) w_[i] &= ~o.w_[i];
    return *this;
  }
  [[nodiscard]] friend constexpr type_set operator|(type_set a, const type_set& b) noexcept { return a |= b; }
  [[nodiscard]] friend constexpr type_set operator&(type_set a, const type_set& b) noexcept { return a &= b; }
  [[nodiscard]] friend constexpr type_set operator-(type_set a, const type_set& b) noexcept { return a -= b; }
  [[nodiscard]] friend constexpr bool operator==(const type_set& a, const type_set& b) noexcept {
    for (std::size_t i = 0; i < words; ++i)
      if (a.w_[i] != b.w_[i]) return false;
    return true;
  }

 private:
  static constexpr std::uint64_t mask(std::size_t i) noexcept {
    const std::size_t bits = N - i * 64;
    return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  }
  std::uint64_t w_[words == 0 ? 1 : words] = {};
};

/// A type set stored little-endian inside a binary policy (validated by the loader), with the
/// span [lo, hi) of words that can be non-zero: words outside it are zero without a load.
class type_set_view {
 public:
  constexpr type_set_view() noexcept = default;
  constexpr type_set_view(const std::uint8_t* p, std::size_t words) noexcept : p_(p), words_(words), lo_(0), hi_(words) {}
  constexpr type_set_view(const std::uint8_t* p, std::size_t words, std::size_t lo, std::size_t hi) noexcept
      : p_(p), words_(words), lo_(lo), hi_(hi) {}
  [[nodiscard]] constexpr std::size_t word_count() const noexcept { return words_; }
  [[nodiscard]] constexpr std::size_t first_word() const noexcept { return lo_; }
  [[nodiscard]] constexpr std::size_t end_word() const noexcept { return hi_; }
  [[nodiscard]] constexpr std::uint64_t word(std::size_t i) const noexcept {
    return i >= lo_ && i < hi_ ? detail::load_u64(p_ + 8 * i) : 0;
  }
  [[nodiscard]] constexpr bool contains(std::size_t i) const noexcept { return ((word(i / 64) >> (i % 64)) & 1u) != 0; }
  /// Word i, for i in [first_word(), end_word()) only: no span check (the algorithms below
  /// already loop over the span).
  [[nodiscard]] constexpr std::uint64_t word_in_span(std::size_t i) const noexcept { return detail::load_u64(p_ + 8 * i); }

 private:
  const std::uint8_t* p_ = nullptr;
  std::size_t words_ = 0;
  std::size_t lo_ = 0, hi_ = 0;
};

// --- algorithms on any two word sets -------------------------------------------------------------

namespace detail {
/// Population count without a runtime library: std::popcount compiles to a libgcc call
/// (__popcountdi2) unless the target has POPCNT, and a hypervisor links no libgcc.
[[nodiscard]] constexpr std::size_t popcount64(std::uint64_t x) noexcept {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<std::size_t>((x * 0x0101010101010101ull) >> 56);
}
}  // namespace detail

/// The words [first, end) of a set that can be non-zero (all of them unless the set knows better).
template <word_set S>
[[nodiscard]] constexpr std::size_t first_word(const S& s) noexcept {
  if constexpr (requires { s.first_word(); }) return s.first_word();
  else return 0;
}
template <word_set S>
[[nodiscard]] constexpr std::size_t end_word(const S& s) noexcept {
  if constexpr (requires { s.end_word(); }) return s.end_word();
  else return s.word_count();
}

/// Word i of s, known to lie in its span [first_word(s), end_word(s)).
template <word_set S>
[[nodiscard]] constexpr std::uint64_t span_word(const S& s, std::size_t i) noexcept {
  if constexpr (requires { s.word_in_span(i); }) return s.word_in_span(i);
  else return s.word(i);
}

/// Do a and b share an element? The TE decision: an n-bit AND over the overlap of the two
/// sets' spans, with an early exit.
template <word_set A, word_set B>
[[nodiscard]] constexpr bool intersects(const A& a, const B& b) noexcept {
  const std::size_t lo = first_word(a) > first_word(b) ? first_word(a) : first_word(b);
  const std::size_t hi = end_word(a) < end_word(b) ? end_word(a) : end_word(b);
  for (std::size_t i = lo; i < hi; ++i)
    if ((span_word(a, i) & span_word(b, i)) != 0) return true;
  return false;
}

/// Is every element of a also in b?
template <word_set A, word_set B>
[[nodiscard]] constexpr bool is_subset_of(const A& a, const B& b) noexcept {
  for (std::size_t i = first_word(a); i < end_word(a); ++i)
    if ((span_word(a, i) & ~b.word(i)) != 0) return false;
  return true;
}

template <word_set S>
[[nodiscard]] constexpr std::size_t count(const S& s) noexcept {
  std::size_t n = 0;
  for (std::size_t i = first_word(s); i < end_word(s); ++i) n += detail::popcount64(span_word(s, i));
  return n;
}

template <word_set S>
[[nodiscard]] constexpr bool empty(const S& s) noexcept {
  for (std::size_t i = first_word(s); i < end_word(s); ++i)
    if (span_word(s, i) != 0) return false;
  return true;
}

/// Number of elements two sets have in common.
template <word_set A, word_set B>
[[nodiscard]] constexpr std::size_t count_common(const A& a, const B& b) noexcept {
  const std::size_t lo = first_word(a) > first_word(b) ? first_word(a) : first_word(b);
  const std::size_t hi = end_word(a) < end_word(b) ? end_word(a) : end_word(b);
  std::size_t c = 0;
  for (std::size_t i = lo; i < hi; ++i) c += detail::popcount64(span_word(a, i) & span_word(b, i));
  return c;
}

/// Calls f(index) for every element, in ascending order.
template <word_set S, class F>
constexpr void for_each_type(const S& s, F&& f) noexcept(noexcept(f(std::size_t{}))) {
  for (std::size_t i = first_word(s); i < end_word(s); ++i) {
    for (std::uint64_t w = span_word(s, i); w != 0; w &= w - 1)
      f(i * 64 + static_cast<std::size_t>(std::countr_zero(w)));
  }
}

}  // namespace shype
