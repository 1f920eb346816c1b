// SPDX-License-Identifier: Apache-2.0
// The explainer against the format's description: every described field is broken in turn
// (tests/support/shype_test/format_walk.hpp), the loader rejects the binary, and the message
// `shype check` prints must name the field the description names at the reported offset, in
// the description's words. If the explainer drifts from the description, a test here fails.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include <shype/detail/policy_format.hpp>
#include <shype/policy_view.hpp>

#include <shype/tool/io/load_error_text.hpp>
#include "shype_test/format_walk.hpp"

namespace shype::tool::test {
namespace {

namespace f = shype::detail::format;

std::string hex(std::uint64_t v) {
  char s[24];
  std::snprintf(s, sizeof s, "0x%llx", static_cast<unsigned long long>(v));
  return s;
}

struct explained {
  shype::load_error error;
  diagnostic text;
};

/// What the loader and then the explainer say about `b`, which the loader must reject.
explained explain(const std::vector<std::uint8_t>& b) {
  const auto v = shype::policy_view::load(shype::byte_view(b.data(), b.size()));
  EXPECT_FALSE(v.has_value());
  if (v.has_value()) return {};
  return {v.error(), describe_load_error("walk.bin", b.data(), b.size(), v.error())};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(FormatDescription, TheExplainerNamesEveryBrokenHeaderFieldAsTheDescriptionDoes) {
  for (const f::header_field& h : f::header_fields) {
    SCOPED_TRACE(h.name);
    auto b = shype_test::base_for(h);
    ASSERT_FALSE(b.empty());
    const std::uint16_t minor = shype::detail::load_u16(b.data() + f::off::minor);
    if (!shype_test::break_header_rule(b, h)) continue;  // opaque: nothing to explain
    const explained x = explain(b);
    const f::header_field* named = f::header_field_at(h.reported_at, minor);
    ASSERT_NE(named, nullptr);
    EXPECT_EQ(x.text.element, "offset " + hex(h.reported_at) + ": header field " + named->name);
    EXPECT_NE(x.text.message, shype::to_string(x.error.code)) << "no explanation for " << h.name;
    if (h.check == f::rule::count) {
      EXPECT_TRUE(contains(x.text.message, h.what)) << x.text.message;
      if (h.flag != 0) {
        for (const f::flag_desc& flag : f::flags) {
          if (flag.bit == h.flag) {
            EXPECT_TRUE(contains(x.text.message, "the " + std::string(flag.name) + " flag is clear")) << x.text.message;
          }
        }
      } else {
        EXPECT_TRUE(contains(x.text.message, "(" + std::to_string(h.max) + ")")) << x.text.message;
      }
    }
    if (h.check == f::rule::header_bytes || h.check == f::rule::reserved) {
      EXPECT_TRUE(contains(x.text.message, "expected " + std::to_string(h.check == f::rule::reserved ? 0 : f::header_size)))
          << x.text.message;
    }
  }
}

TEST(FormatDescription, TheExplainerNamesEveryBrokenRecordFieldAsTheDescriptionDoes) {
  for (const f::record_field& r : f::record_fields) {
    if (r.error == f::unchecked) continue;
    SCOPED_TRACE(std::string(shype::to_string(r.section)) + " " + r.name);
    auto b = shype_test::every_section_policy(true);
    const std::uint64_t at = shype_test::break_record_field(b, r);
    const explained x = explain(b);
    EXPECT_EQ(x.text.element.rfind("offset " + hex(at) + ": " + f::section(r.section).what + " 0", 0), 0u) << x.text.element;
    EXPECT_TRUE(contains(x.text.message, r.name)) << x.text.message;
  }
}

TEST(FormatDescription, TheExplainerUsesTheDescribedWordsForKindsAndSections) {
  auto b = shype_test::every_section_policy(true);
  const f::record_field& kind = *f::record_field_at(shype::policy_section::renames, f::rec::kind);
  shype_test::break_record_field(b, kind);
  const explained x = explain(b);
  for (const f::kind_desc& k : f::rename_kinds)
    EXPECT_TRUE(contains(x.text.message, std::to_string(k.value) + " (" + k.name + ")")) << x.text.message;
  EXPECT_TRUE(contains(x.text.element, "\"old_guest\"")) << x.text.element;  // a trusted name is quoted
}

}  // namespace
}  // namespace shype::tool::test
