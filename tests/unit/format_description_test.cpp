// SPDX-License-Identifier: Apache-2.0
// The format's description (detail/policy_format.hpp) against the writer and the loader: every
// described header field and record field is broken in turn, and the loader must reject the
// binary with exactly the errc and offset the field's row names (or, for a field no rule
// constrains, still accept it); the builder must write what the description says it writes.
// If the description and the validator or builder disagree about a field, a test here fails.
#include <shype/detail/policy_format.hpp>
#include <shype/policy_view.hpp>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "shype_test/format_walk.hpp"

namespace {

namespace f = shype::detail::format;
using shype::errc;
using shype::policy_section;
using shype::policy_view;

shype::result<policy_view, shype::load_error> load(const std::vector<std::uint8_t>& b) {
  return policy_view::load(shype::byte_view(b.data(), b.size()));
}

// Every section finds its own description (error explanations name sections through it).
constexpr bool every_section_finds_its_description() {
  for (const auto& d : f::sections)
    if (&f::section(d.section) != &d) return false;
  return true;
}
static_assert(every_section_finds_its_description());

TEST(FormatDescription, TheBaseBinariesHaveEverySection) {
  for (const bool renames : {false, true}) {
    const auto b = shype_test::every_section_policy(renames);
    ASSERT_FALSE(b.empty());
    const auto v = load(b);
    ASSERT_TRUE(v.has_value());
    EXPECT_TRUE(v->has_te() && v->has_cw() && v->has_mls());
    EXPECT_EQ(v->rename_count(), renames ? 2u : 0u);
    const f::counts c = f::read_counts(b.data());
    for (const policy_section s : f::named_tables)
      if (s != policy_section::renames || renames) {
        EXPECT_NE(c.of(s), 0u) << shype::to_string(s);
      }
    EXPECT_NE(c.categories, 0u);
    EXPECT_NE(v->bootstrap_label(), shype::no_label);
  }
}

TEST(FormatDescription, EveryHeaderFieldIsCheckedAsItsRowSays) {
  for (const f::header_field& h : f::header_fields) {
    SCOPED_TRACE(h.name);
    auto b = shype_test::base_for(h);
    ASSERT_FALSE(b.empty());
    const std::uint16_t minor = shype::detail::load_u16(b.data() + f::off::minor);
    if (!shype_test::break_header_rule(b, h)) {
      // A field no rule constrains: any value goes (only the checksum notices).
      EXPECT_EQ(h.error, f::unchecked);
      for (std::size_t i = 0; i < h.size; ++i) b[h.offset + i] ^= 0x5A;
      shype_test::reseal(b);
      EXPECT_TRUE(load(b).has_value());
      continue;
    }
    const auto v = load(b);
    if (v.has_value()) {
      ADD_FAILURE() << "the loader accepts a binary whose " << h.name << " breaks its rule";
      continue;
    }
    EXPECT_EQ(v.error().code, h.error) << shype::to_string(v.error().code);
    EXPECT_EQ(v.error().section, policy_section::header);
    EXPECT_EQ(v.error().offset, h.reported_at);
    // The reported offset is a described field of this binary's minor (what the explainer names).
    EXPECT_NE(f::header_field_at(v.error().offset, minor), nullptr);
  }
}

TEST(FormatDescription, EveryRecordFieldIsCheckedAsItsRowSays) {
  for (const f::record_field& r : f::record_fields) {
    SCOPED_TRACE(std::string(shype::to_string(r.section)) + " " + r.name);
    auto b = shype_test::every_section_policy(true);
    const std::uint64_t at = shype_test::break_record_field(b, r);
    const auto v = load(b);
    if (r.error == f::unchecked) {
      EXPECT_TRUE(v.has_value());
      continue;
    }
    if (v.has_value()) {
      ADD_FAILURE() << "the loader accepts a binary whose " << r.name << " is wrong";
      continue;
    }
    EXPECT_EQ(v.error().code, r.error) << shype::to_string(v.error().code);
    EXPECT_EQ(v.error().section, r.section);
    EXPECT_EQ(v.error().offset, at);
    EXPECT_EQ(v.error().index, 0u);
  }
}

TEST(FormatDescription, TheBuilderWritesTheDescribedCountsAndOffsets) {
  for (const bool renames : {false, true}) {
    const auto b = shype_test::every_section_policy(renames);
    ASSERT_FALSE(b.empty());
    const std::uint16_t minor = shype::detail::load_u16(b.data() + f::off::minor);
    EXPECT_EQ(minor, renames ? f::minor_renames : 0);
    const auto v = load(b);
    ASSERT_TRUE(v.has_value());
    const f::counts c = f::read_counts(b.data());
    const f::layout l(c);
    // The view's counts (what decisions use) are the ones the description reads.
    EXPECT_EQ(c.te, v->te_type_count());
    EXPECT_EQ(c.cw, v->cw_type_count());
    EXPECT_EQ(c.conflicts, v->conflict_set_count());
    EXPECT_EQ(c.vm_labels, v->vm_label_count());
    EXPECT_EQ(c.res_labels, v->resource_label_count());
    EXPECT_EQ(c.categories, v->category_count());
    EXPECT_EQ(c.renames, v->rename_count());
    for (const f::header_field& h : f::header_fields) {
      if (h.since > minor || minor > h.until) continue;
      SCOPED_TRACE(h.name);
      if (h.check == f::rule::section) {
        EXPECT_EQ(f::read(b.data(), h), f::table_of(l, c, h.section).base);
      }
      if (h.check == f::rule::reserved) {
        EXPECT_EQ(f::read(b.data(), h), 0u);
      }
    }
    // Every named record's name is where the description says the table is.
    for (const policy_section s : f::named_tables) {
      const f::table t = f::table_of(l, c, s);
      for (std::uint64_t i = 0; i < t.count; ++i) EXPECT_NE(shype::detail::load_u32(b.data() + t.at(i) + 4), 0u);
    }
    EXPECT_EQ(shype::detail::load_u32(b.data() + f::off::total_size), b.size());
    EXPECT_EQ(shype::detail::align8(l.strings + shype::detail::load_u32(b.data() + f::off::strings_size)), b.size());
  }
}

}  // namespace
