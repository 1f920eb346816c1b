// SPDX-License-Identifier: Apache-2.0
// type_set: the bitsets labels are made of, and the word-set algorithms decisions use.
#include <shype/type_set.hpp>

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace {

using shype::type_set;

TEST(TypeSet, InsertContainsEraseAtWordBoundaries) {
  type_set<130> s;
  for (std::size_t i : {0u, 63u, 64u, 127u, 128u, 129u}) {
    EXPECT_TRUE(s.insert(i));
    EXPECT_TRUE(s.contains(i));
  }
  EXPECT_EQ(shype::count(s), 6u);
  EXPECT_FALSE(s.insert(130));  // beyond capacity: refused, not wrapped
  EXPECT_FALSE(s.contains(130));
  s.erase(64);
  EXPECT_FALSE(s.contains(64));
  EXPECT_EQ(shype::count(s), 5u);
}

TEST(TypeSet, SetWordMasksBitsBeyondCapacity) {
  type_set<70> s;
  s.set_word(1, ~std::uint64_t{0});
  EXPECT_EQ(s.word(1), (std::uint64_t{1} << 6) - 1);
  EXPECT_EQ(shype::count(s), 6u);
}

TEST(TypeSet, SetAlgebra) {
  const type_set<200> a{1, 70, 150}, b{70, 199};
  EXPECT_TRUE(shype::intersects(a, b));
  EXPECT_EQ(a & b, (type_set<200>{70}));
  EXPECT_EQ(a | b, (type_set<200>{1, 70, 150, 199}));
  EXPECT_EQ(a - b, (type_set<200>{1, 150}));
  EXPECT_FALSE(shype::intersects(a - b, b));
  EXPECT_TRUE(shype::is_subset_of(type_set<200>{1, 150}, a));
  EXPECT_FALSE(shype::is_subset_of(b, a));
  EXPECT_EQ(shype::count_common(a, b), 1u);
  EXPECT_TRUE(shype::empty(type_set<200>{}));
}

TEST(TypeSet, ForEachVisitsAscending) {
  const type_set<300> s{299, 0, 64, 65, 128};
  std::vector<std::size_t> seen;
  shype::for_each_type(s, [&](std::size_t i) { seen.push_back(i); });
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 64, 65, 128, 299}));
}

TEST(TypeSet, ViewReadsLittleEndianWords) {
  const std::uint8_t bytes[16] = {0x01, 0, 0, 0, 0, 0, 0, 0x80, 0x02, 0, 0, 0, 0, 0, 0, 0};
  const shype::type_set_view v(bytes, 2);
  EXPECT_EQ(v.word(0), 0x8000000000000001ull);
  EXPECT_EQ(v.word(1), 2u);
  EXPECT_EQ(v.word(2), 0u);  // beyond the view: empty, never read
  EXPECT_TRUE(v.contains(0) && v.contains(63) && v.contains(65));
  EXPECT_FALSE(v.contains(1) || v.contains(64) || v.contains(500));
  EXPECT_TRUE(shype::intersects(v, type_set<128>{63}));
  EXPECT_TRUE(shype::intersects(v, type_set<128>{65}));
  EXPECT_FALSE(shype::intersects(v, type_set<128>{64, 1}));
  EXPECT_EQ(type_set<128>::from(v), (type_set<128>{0, 63, 65}));
}

TEST(TypeSet, DifferentWidthsCompareOverCommonWords) {
  // A 64-type label against a 1024-type set: the missing words are empty.
  const type_set<64> small{3};
  type_set<1024> big{3, 1000};
  EXPECT_TRUE(shype::intersects(small, big));
  big.erase(3);
  EXPECT_FALSE(shype::intersects(small, big));
}

}  // namespace
