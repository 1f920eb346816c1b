// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::byte_view — a read-only window on bytes the caller owns (a binary policy).
//
// std::span is not freestanding in C++20; this is the two-word view the loader needs.

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace shype {

class byte_view {
 public:
  constexpr byte_view() noexcept = default;
  constexpr byte_view(const std::uint8_t* p, std::size_t n) noexcept : data_(p), size_(n) {}
  /// From any buffer of bytes (e.g. a `std::array<std::uint8_t, N>` or a `std::vector`).
  template <class C>
    requires requires(const C& c) {
      { c.data() } -> std::convertible_to<const std::uint8_t*>;
      { c.size() } -> std::convertible_to<std::size_t>;
    }
  constexpr byte_view(const C& c) noexcept : data_(c.data()), size_(c.size()) {}  // NOLINT: implicit

  [[nodiscard]] constexpr const std::uint8_t* data() const noexcept { return data_; }
  [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
  [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] constexpr std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace shype
