// SPDX-License-Identifier: Apache-2.0
// Golden-binary negative tests: the compiled golden policy is valid; each test changes exactly one
// thing in it (fixing the checksum afterwards where the change is not the checksum's business)
// and asserts the exact message `shype check` prints for it.

#include <gtest/gtest.h>

#include <cstdio>

#include <shype/detail/le.hpp>
#include <shype/detail/xxh64.hpp>

#include <shype/tool/compile/load_policy.hpp>
#include "test_support.hpp"

namespace shype::tool::test {
namespace {

std::vector<std::uint8_t> golden_binary() {
  const compile_result r = compile_text(golden());
  EXPECT_TRUE(r.ok());
  return r.binary;
}

std::uint64_t contents_hash(const std::vector<std::uint8_t>& b) {
  shype::detail::xxh64_state h;
  h.update(b.data(), 24);
  h.update_zeros(8);
  h.update(b.data() + 32, b.size() - 32);
  return h.digest();
}

void fix_checksum(std::vector<std::uint8_t>& b) { shype::detail::store_le<std::uint64_t>(b.data() + 24, contents_hash(b)); }

template <class U>
void put(std::vector<std::uint8_t>& b, std::size_t off, U v) {
  shype::detail::store_le<U>(b.data() + off, v);
}

/// What `shype check` says about these bytes, as a binary named policy.bin.
std::vector<std::string> check(const std::vector<std::uint8_t>& b) {
  const loaded_policy p = load_policy(b, "policy.bin");
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.kind, policy_kind::binary);
  return lines(p.diag);
}

using list = std::vector<std::string>;

// Layout of golden.bin (504 bytes): TE types at 0x80 (Ads, Management, Order), CW types at 0x98
// (cw_Alpha, cw_Beta, cw_Gamma, cw_Management), conflict set at 0xb8, VM labels at 0xc8 (32 bytes
// each: name, spans, TE word, CW word: dom_Alpha, dom_Beta, dom_Idle, dom_Management), resource
// labels at 0x148 (24 bytes each), strings at 0x178.
TEST(GoldenBinary, TheGoldenBinaryIsValidAndLaidOutAsTheTestsAssume) {
  const auto b = golden_binary();
  ASSERT_EQ(b.size(), 504u);
  EXPECT_TRUE(load_policy(b, "policy.bin").ok());
  EXPECT_EQ(shype::detail::load_u32(b.data() + 0x60), 0x80u);
  EXPECT_EQ(shype::detail::load_u32(b.data() + 0x6c), 0xc8u);
  EXPECT_EQ(shype::detail::load_u64(b.data() + 0xe8 + 24), 0x6u);  // dom_Beta: cw_Beta, cw_Gamma
}

TEST(GoldenBinary, TruncatedBelowTheHeader) {
  auto b = golden_binary();
  b.resize(100);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x64: header: file is truncated: 100 bytes, a policy header alone needs 128"});
}

TEST(GoldenBinary, Truncated) {
  auto b = golden_binary();
  b.resize(448);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x10: header field total_size: file is truncated: the header says 504 bytes, the file has 448"});
}

TEST(GoldenBinary, WrongChecksum) {
  auto b = golden_binary();
  const std::uint64_t recorded = shype::detail::load_u64(b.data() + 24);
  b[0x178] = 'G';  // "golden" -> "Golden"
  char want[200];
  std::snprintf(want, sizeof want,
                "policy.bin: offset 0x18: header field checksum: checksum is 0x%llx, the contents hash to 0x%llx (XXH64)",
                static_cast<unsigned long long>(recorded), static_cast<unsigned long long>(contents_hash(b)));
  EXPECT_EQ(check(b), list{want});
  EXPECT_EQ(recorded, 0xf88693cbdf6b8e9bull);  // golden.bin's checksum, for the record
}

TEST(GoldenBinary, OffsetPastTheEnd) {
  auto b = golden_binary();
  put<std::uint32_t>(b, 0x60, 0x10000);
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x60: header field te_types: section offset 0x10000 is past the end of the 504-byte "
                           "policy; the layout puts the section at 0x80"});
}

TEST(GoldenBinary, OffsetNotWhereTheLayoutSays) {
  auto b = golden_binary();
  put<std::uint32_t>(b, 0x6c, 0xd0);
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x6c: header field vm_labels: section offset 0xd0 is not where the layout puts the section (0xc8)"});
}

TEST(GoldenBinary, BadMagic) {
  auto b = golden_binary();
  b[0] = 'X';
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x0: header field magic: not a shype binary policy (the magic is not \"SHYPEPOL\")"});
}

TEST(GoldenBinary, UnsupportedVersion) {
  auto b = golden_binary();
  put<std::uint16_t>(b, 8, 2);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x8: header field major: unsupported format version 2.0 (this tool reads 1.0 to 1.1)"});
}

/// The golden policy with dom_Alpha renamed from "dom_A" and res_Ads from "res_A" (format 1.1),
/// and the offset of its rename table.
std::vector<std::uint8_t> renamed_binary(std::size_t& table) {
  std::string xml = mutate(golden(), "<Name>dom_Alpha</Name>", "<Name from=\"dom_A\">dom_Alpha</Name>");
  xml = mutate(xml, "<Name>res_Ads</Name>", "<Name from=\"res_A\">res_Ads</Name>");
  const compile_result r = compile_text(xml);
  EXPECT_TRUE(r.ok());
  table = shype::detail::load_u32(r.binary.data() + 120) - 2 * 16;  // two records before the strings
  return r.binary;
}

TEST(GoldenBinary, RenameTableErrors) {
  std::size_t t = 0;
  auto b = renamed_binary(t);
  put<std::uint16_t>(b, t + 8, 7);
  fix_checksum(b);
  const std::string at = [&](std::size_t off) { char s[32]; std::snprintf(s, sizeof s, "0x%zx", off); return std::string(s); }(t + 8);
  EXPECT_EQ(check(b), list{"policy.bin: offset " + at + ": rename 0 \"dom_A\": kind 7 is neither 0 (VM label) nor 1 (resource label)"});

  b = renamed_binary(t);
  put<std::uint16_t>(b, t + 10, 9);
  fix_checksum(b);
  EXPECT_EQ(check(b)[0].substr(check(b)[0].find("rename 0")), "rename 0 \"dom_A\": renames VM label 9, out of range (4 VM labels)");

  b = renamed_binary(t);
  put<std::uint16_t>(b, 94, 0);
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x5e: header field rename_count: format 1.1 with no rename (a policy without renames is "
                           "written as format 1.0)"});
}

TEST(GoldenBinary, UnsortedNames) {
  auto b = golden_binary();
  for (std::size_t i = 0; i < 8; ++i) std::swap(b[0x80 + i], b[0x88 + i]);  // Ads <-> Management
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x88: TE type 1 \"Ads\": names are not in ascending order: this one sorts before the "
                           "previous (entry 0, \"Management\")"});
}

TEST(GoldenBinary, DuplicateName) {
  auto b = golden_binary();
  for (std::size_t i = 0; i < 8; ++i) b[0x88 + i] = b[0x80 + i];
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x88: TE type 1 \"Ads\": duplicate name (same as entry 0, \"Ads\")"});
}

TEST(GoldenBinary, LabelWithTwoTypesOfOneConflictSet) {
  auto b = golden_binary();
  put<std::uint64_t>(b, 0xe8 + 24, 0x7);  // dom_Beta also gets cw_Alpha
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0xe8: vm label 1 \"dom_Beta\": holds two types of conflict set \"Competitors\""});
}

TEST(GoldenBinary, SpanThatDoesNotMatchTheSet) {
  auto b = golden_binary();
  put<std::uint16_t>(b, 0xc8 + 12 + 2, 0);  // dom_Alpha's CW span: [0, 0) though it holds cw_Alpha
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0xd4: vm label 0 \"dom_Alpha\": CW span says words [0, 0), the set's non-zero words are [0, 1)"});
}

TEST(GoldenBinary, EmptyConflictSet) {
  auto b = golden_binary();
  put<std::uint64_t>(b, 0xb8 + 8, 0);
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0xb8: conflict set 0 \"Competitors\": holds no type"});
}

TEST(GoldenBinary, BitBeyondTheTypes) {
  auto b = golden_binary();
  put<std::uint64_t>(b, 0xc8 + 16, 0x24);  // dom_Alpha's TE set: Order and a sixth type of three
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0xd8: vm label 0 \"dom_Alpha\": a type set has bits set beyond its last type"});
}

TEST(GoldenBinary, EmptyName) {
  auto b = golden_binary();
  put<std::uint32_t>(b, 0xa8 + 4, 0);  // cw_Gamma's length
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0xa8: Chinese Wall type 2: empty name"});
}

TEST(GoldenBinary, NameOutsideTheStrings) {
  auto b = golden_binary();
  put<std::uint32_t>(b, 0x148, 0x7c);  // res_Ads starts 3 bytes before the end of the strings
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x148: resource label 0: name at string offset 0x7c (7 bytes) lies outside the 127-byte strings section"});
}

TEST(GoldenBinary, BootstrapOutOfRange) {
  auto b = golden_binary();
  put<std::uint16_t>(b, 0x5c, 9);
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x5c: header field bootstrap: bootstrap label 9 is out of range (4 VM labels)"});
}

TEST(GoldenBinary, TypesWithoutTheirSectionFlag) {
  auto b = golden_binary();
  put<std::uint32_t>(b, 0x14, 2);  // Chinese Wall only
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x50: header field te_count: 3 TE types, but the TE flag is clear"});
}

TEST(GoldenBinary, UnknownFlag) {
  auto b = golden_binary();
  put<std::uint32_t>(b, 0x14, 0x13);
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x14: header field flags: unknown flag bits 0x10"});
}

TEST(GoldenBinary, NonZeroPadding) {
  auto b = golden_binary();
  b[0x1f7] = 'X';
  fix_checksum(b);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x1f7: strings: padding after the strings is not zero"});
}

TEST(GoldenBinary, WrongTotalSize) {
  auto b = golden_binary();
  put<std::uint32_t>(b, 0x10, 448);
  EXPECT_EQ(check(b), list{"policy.bin: offset 0x10: header field total_size: total size 448 disagrees with the file size 504"});
}

TEST(GoldenBinary, EmptyFile) {
  EXPECT_EQ(check({}), list{"policy.bin: offset 0x0: header: file is truncated: 0 bytes, a policy header alone needs 128"});
}

}  // namespace
}  // namespace shype::tool::test
