// SPDX-License-Identifier: Apache-2.0
#pragma once
// XXH64, the checksum of the binary policy format.
//
// Why XXH64 and not CRC32: the loader must validate at >= 1 GB/s with no tables and no SIMD,
// in constexpr as well. XXH64 (Yann Collet's published algorithm, implemented here from its
// specification) runs at several GB/s on 64-bit words and is checkable by standard tools
// (`xxhsum -H64`). It detects corruption; it is not a MAC and does not claim to be one.

#include <cstddef>
#include <cstdint>

#include "le.hpp"

namespace shype::detail {

inline constexpr std::uint64_t xxh_p1 = 0x9E3779B185EBCA87ull;
inline constexpr std::uint64_t xxh_p2 = 0xC2B2AE3D27D4EB4Full;
inline constexpr std::uint64_t xxh_p3 = 0x165667B19E3779F9ull;
inline constexpr std::uint64_t xxh_p4 = 0x85EBCA77C2B2AE63ull;
inline constexpr std::uint64_t xxh_p5 = 0x27D4EB2F165667C5ull;

[[nodiscard]] constexpr std::uint64_t rotl64(std::uint64_t x, unsigned r) noexcept {
  return (x << r) | (x >> (64u - r));
}
[[nodiscard]] constexpr std::uint64_t xxh_round(std::uint64_t acc, std::uint64_t input) noexcept {
  acc += input * xxh_p2;
  acc = rotl64(acc, 31);
  return acc * xxh_p1;
}
[[nodiscard]] constexpr std::uint64_t xxh_merge(std::uint64_t acc, std::uint64_t v) noexcept {
  acc ^= xxh_round(0, v);
  return acc * xxh_p1 + xxh_p4;
}

/// Streaming XXH64 so that the checksum field itself can be fed as zeros without a copy.
class xxh64_state {
 public:
  constexpr explicit xxh64_state(std::uint64_t seed = 0) noexcept
      : v_{seed + xxh_p1 + xxh_p2, seed + xxh_p2, seed, seed - xxh_p1}, seed_(seed) {}

  constexpr void update(const std::uint8_t* p, std::size_t n) noexcept {
    total_ += n;
    if (fill_ != 0) {  // top up a partial stripe first
      while (n != 0 && fill_ < 32) { buf_[fill_++] = *p++; --n; }
      if (fill_ < 32) return;
      stripe(buf_);
      fill_ = 0;
    }
    while (n >= 32) { stripe(p); p += 32; n -= 32; }
    while (n != 0) { buf_[fill_++] = *p++; --n; }
  }

  /// Feeds n zero bytes (the checksum field while hashing).
  constexpr void update_zeros(std::size_t n) noexcept {
    const std::uint8_t zeros[8] = {};
    while (n != 0) {
      const std::size_t k = n < 8 ? n : 8;
      update(zeros, k);
      n -= k;
    }
  }

  [[nodiscard]] constexpr std::uint64_t digest() const noexcept {
    std::uint64_t h;
    if (total_ >= 32) {
      h = rotl64(v_[0], 1) + rotl64(v_[1], 7) + rotl64(v_[2], 12) + rotl64(v_[3], 18);
      for (auto v : v_) h = xxh_merge(h, v);
    } else {
      h = seed_ + xxh_p5;
    }
    h += total_;
    std::size_t i = 0;
    for (; i + 8 <= fill_; i += 8) {
      h ^= xxh_round(0, load_u64(buf_ + i));
      h = rotl64(h, 27) * xxh_p1 + xxh_p4;
    }
    if (i + 4 <= fill_) {
      h ^= static_cast<std::uint64_t>(load_u32(buf_ + i)) * xxh_p1;
      h = rotl64(h, 23) * xxh_p2 + xxh_p3;
      i += 4;
    }
    for (; i < fill_; ++i) {
      h ^= static_cast<std::uint64_t>(buf_[i]) * xxh_p5;
      h = rotl64(h, 11) * xxh_p1;
    }
    h ^= h >> 33;
    h *= xxh_p2;
    h ^= h >> 29;
    h *= xxh_p3;
    h ^= h >> 32;
    return h;
  }

 private:
  constexpr void stripe(const std::uint8_t* p) noexcept {
    v_[0] = xxh_round(v_[0], load_u64(p));
    v_[1] = xxh_round(v_[1], load_u64(p + 8));
    v_[2] = xxh_round(v_[2], load_u64(p + 16));
    v_[3] = xxh_round(v_[3], load_u64(p + 24));
  }

  std::uint64_t v_[4];
  std::uint64_t seed_;
  std::uint64_t total_ = 0;
  std::uint8_t buf_[32] = {};
  std::size_t fill_ = 0;
};

[[nodiscard]] constexpr std::uint64_t xxh64(const std::uint8_t* p, std::size_t n, std::uint64_t seed = 0) noexcept {
  xxh64_state s(seed);
  s.update(p, n);
  return s.digest();
}

}  // namespace shype::detail
