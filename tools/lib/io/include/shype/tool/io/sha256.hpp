// SPDX-License-Identifier: Apache-2.0
#pragma once
// SHA-256 (FIPS 180-2/180-4), for the source hash a compiled policy records.
//
// The binary carries the SHA-256 of the XML it was compiled from, so an operator can tell which
// source a deployed policy came from (`sha256sum policy.xml`). Implemented here from the
// standard rather than taken from a crypto library: the tool needs nothing else from one.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace shype::tool {

class sha256 {
 public:
  using digest_type = std::array<std::uint8_t, 32>;

  sha256() noexcept;
  /// Feeds n more bytes (any chunking gives the same digest).
  void update(const std::uint8_t* p, std::size_t n) noexcept;
  /// Pads and returns the digest; the object must not be updated afterwards.
  [[nodiscard]] digest_type finish() noexcept;

  /// One-shot digest of a buffer.
  [[nodiscard]] static digest_type of(const std::uint8_t* p, std::size_t n) noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;

  std::uint32_t h_[8];
  std::uint8_t buf_[64] = {};
  std::size_t fill_ = 0;
  std::uint64_t bytes_ = 0;
};

/// Lower-case hex of a byte string.
[[nodiscard]] std::string to_hex(const std::uint8_t* p, std::size_t n);

}  // namespace shype::tool
