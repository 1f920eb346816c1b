// SPDX-License-Identifier: Apache-2.0
// SHA-256 against the FIPS 180-2 test vectors (appendix B) and edge cases of the padding.

#include <gtest/gtest.h>

#include <string>

#include <shype/tool/io/sha256.hpp>

namespace shype::tool {
namespace {

std::string hex_of(const std::string& s) {
  const auto d = sha256::of(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  return to_hex(d.data(), d.size());
}

TEST(Sha256, Fips180_2_OneBlock) {  // B.1
  EXPECT_EQ(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, Fips180_2_TwoBlocks) {  // B.2
  EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, Fips180_2_MillionA) {  // B.3, fed in uneven chunks
  sha256 h;
  const std::string chunk(997, 'a');
  std::size_t left = 1000000;
  while (left != 0) {
    const std::size_t n = left < chunk.size() ? left : chunk.size();
    h.update(reinterpret_cast<const std::uint8_t*>(chunk.data()), n);
    left -= n;
  }
  const auto d = h.finish();
  EXPECT_EQ(to_hex(d.data(), d.size()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, Empty) { EXPECT_EQ(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"); }

TEST(Sha256, PaddingBoundaries) {
  // 55 bytes fit the length in one block, 56 need a second: both sides of the boundary.
  EXPECT_EQ(hex_of(std::string(55, 'a')), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(hex_of(std::string(56, 'a')), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(hex_of(std::string(64, 'a')), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST(Sha256, ChunkingDoesNotMatter) {
  std::string s;
  for (int i = 0; i < 300; ++i) s += static_cast<char>(i * 7);
  const auto whole = sha256::of(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  for (std::size_t cut : {1u, 63u, 64u, 65u, 128u, 299u}) {
    sha256 h;
    h.update(reinterpret_cast<const std::uint8_t*>(s.data()), cut);
    h.update(reinterpret_cast<const std::uint8_t*>(s.data()) + cut, s.size() - cut);
    EXPECT_EQ(h.finish(), whole) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace shype::tool
