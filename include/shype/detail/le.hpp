// SPDX-License-Identifier: Apache-2.0
#pragma once
// Little-endian loads and stores over byte buffers.
//
// The binary policy is little-endian on every machine. At run time a load is one memcpy the
// compiler turns into a single mov (plus a bswap on big-endian hosts); in constant evaluation
// it falls back to shifts, so the loader and the decisions stay usable in constexpr.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace shype::detail {

template <class U>
[[nodiscard]] constexpr U load_le(const std::uint8_t* p) noexcept {
  static_assert(std::is_unsigned_v<U>);
  if (std::is_constant_evaluated() || std::endian::native != std::endian::little) {
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>(v | (static_cast<U>(p[i]) << (8 * i)));
    return v;
  }
  U v;
  __builtin_memcpy(&v, p, sizeof(U));
  return v;
}

template <class U>
constexpr void store_le(std::uint8_t* p, U v) noexcept {
  static_assert(std::is_unsigned_v<U>);
  for (std::size_t i = 0; i < sizeof(U); ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

[[nodiscard]] constexpr std::uint16_t load_u16(const std::uint8_t* p) noexcept { return load_le<std::uint16_t>(p); }
[[nodiscard]] constexpr std::uint32_t load_u32(const std::uint8_t* p) noexcept { return load_le<std::uint32_t>(p); }
[[nodiscard]] constexpr std::uint64_t load_u64(const std::uint8_t* p) noexcept { return load_le<std::uint64_t>(p); }

[[nodiscard]] constexpr std::size_t align8(std::size_t n) noexcept { return (n + 7u) & ~std::size_t{7}; }

}  // namespace shype::detail
