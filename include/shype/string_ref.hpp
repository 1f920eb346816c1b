// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::string_ref — a non-owning, not NUL-terminated name (type, label, policy).
//
// std::string_view is not part of the freestanding library, so the monitor carries its own
// minimal view. A name either comes from the caller (chars) or points into a binary policy
// (bytes); keeping both kinds of pointer lets every comparison run in constant evaluation,
// where a byte buffer cannot be reinterpreted as chars.

#include <compare>
#include <cstddef>
#include <cstdint>

namespace shype {

class string_ref {
 public:
  constexpr string_ref() noexcept = default;
  constexpr string_ref(const char* p, std::size_t n) noexcept : c_(p), size_(n) {}
  constexpr string_ref(const std::uint8_t* p, std::size_t n) noexcept : u_(p), size_(n) {}
  /// From a NUL-terminated string (a literal or a C string).
  constexpr string_ref(const char* s) noexcept : c_(s), size_(length(s)) {}  // NOLINT: implicit

  [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
  [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] constexpr char operator[](std::size_t i) const noexcept {
    return c_ != nullptr ? c_[i] : static_cast<char>(u_[i]);
  }
  /// The characters (run time only for names inside a binary policy).
  [[nodiscard]] const char* data() const noexcept {
    if (c_ != nullptr) return c_;
    return u_ != nullptr ? reinterpret_cast<const char*>(u_) : "";
  }

  /// Byte-wise lexicographic order (unsigned bytes), the order of every name table.
  [[nodiscard]] friend constexpr std::strong_ordering operator<=>(const string_ref& a, const string_ref& b) noexcept {
    const std::size_t n = a.size_ < b.size_ ? a.size_ : b.size_;
    for (std::size_t i = 0; i < n; ++i) {
      const auto x = static_cast<unsigned char>(a[i]);
      const auto y = static_cast<unsigned char>(b[i]);
      if (x != y) return x <=> y;
    }
    return a.size_ <=> b.size_;
  }
  [[nodiscard]] friend constexpr bool operator==(const string_ref& a, const string_ref& b) noexcept {
    if (a.size_ != b.size_) return false;
    return (a <=> b) == std::strong_ordering::equal;
  }

 private:
  static constexpr std::size_t length(const char* s) noexcept {
    std::size_t n = 0;
    while (s[n] != '\0') ++n;
    return n;
  }

  const char* c_ = nullptr;
  const std::uint8_t* u_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace shype
