// SPDX-License-Identifier: Apache-2.0
// The binary policy format: XXH64, the builder (canonical, deterministic output) and the
// loader's validation — every defect class gives its precise errc, section and location.
#include <algorithm>
#include <shype/detail/xxh64.hpp>
#include <shype/policy_builder.hpp>
#include <shype/policy_view.hpp>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "shype_test/policies.hpp"
#include "shype_test/reseal.hpp"

namespace {

namespace f = shype::detail::format;
using shype_test::reseal;
using shype::errc;
using shype::policy_section;
using shype::policy_view;

std::vector<std::uint8_t> paper_bytes(shype_test::paper_variant v = shype_test::paper_variant::v1) {
  const auto p = shype_test::paper_policy(v);
  EXPECT_TRUE(p.ok);
  return {p.bytes, p.bytes + p.size};
}


shype::load_error load_error_of(const std::vector<std::uint8_t>& b) {
  auto r = policy_view::load(shype::byte_view(b.data(), b.size()));
  EXPECT_FALSE(r.has_value());
  return r.has_value() ? shype::load_error(errc::invalid_argument) : r.error();
}

std::string str(shype::string_ref s) { return std::string(s.data(), s.size()); }

TEST(Xxh64, KnownVectors) {
  auto h = [](const char* s) { return shype::detail::xxh64(reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)); };
  EXPECT_EQ(h(""), 0xEF46DB3751D8E999ull);
  EXPECT_EQ(h("a"), 0xD24EC4F1A98C6E5Bull);
  EXPECT_EQ(h("abc"), 0x44BC2CF5AD770999ull);
  EXPECT_EQ(h("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ull);
  EXPECT_EQ(h(std::string(100, 'x').c_str()), 0x92F0DE5A88A3C094ull);
}

TEST(Xxh64, StreamingEqualsOneShotForEverySplit) {
  std::vector<std::uint8_t> data(97);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31 + 7);
  const auto whole = shype::detail::xxh64(data.data(), data.size());
  for (std::size_t a = 0; a <= data.size(); ++a) {
    for (std::size_t b = a; b <= data.size(); b += 13) {
      shype::detail::xxh64_state s;
      s.update(data.data(), a);
      s.update(data.data() + a, b - a);
      s.update(data.data() + b, data.size() - b);
      ASSERT_EQ(s.digest(), whole) << a << "," << b;
    }
  }
}

TEST(PolicyFormat, PaperPolicyLoadsWithSortedTables) {
  const auto b = paper_bytes();
  auto r = policy_view::load(shype::byte_view(b.data(), b.size()));
  ASSERT_TRUE(r.has_value());
  const policy_view v = r.value();
  EXPECT_EQ(str(v.name()), "customer-order");
  EXPECT_EQ(v.version(), (shype::policy_version{1, 0}));
  EXPECT_TRUE(v.has_te());
  EXPECT_TRUE(v.has_cw());
  EXPECT_FALSE(v.has_mls());
  ASSERT_EQ(v.te_type_count(), 3u);
  EXPECT_EQ(str(v.te_type_name(0)), "Advertising");
  EXPECT_EQ(str(v.te_type_name(1)), "Computing");
  EXPECT_EQ(str(v.te_type_name(2)), "Order");
  ASSERT_EQ(v.vm_label_count(), 6u);
  const char* labels[] = {"ads_a", "ads_b", "computing", "device", "dom0", "order"};
  for (shype::label_id i = 0; i < 6; ++i) {
    EXPECT_EQ(str(v.vm_label(i).name()), labels[i]);
    EXPECT_EQ(v.find_vm_label(labels[i]), i);
  }
  EXPECT_EQ(v.find_vm_label("nope"), policy_view::npos);
  EXPECT_EQ(v.bootstrap_label(), v.find_vm_label("dom0"));
  // Labels point at their (renumbered) types.
  const auto order = v.vm_label(v.find_vm_label("order"));
  EXPECT_EQ(shype::type_set<64>::from(order.te()), (shype::type_set<64>{v.find_te_type("Order")}));
  EXPECT_EQ(shype::type_set<64>::from(order.cw()), (shype::type_set<64>{v.find_cw_type("OrderCo")}));
  ASSERT_EQ(v.conflict_set_count(), 1u);
  EXPECT_EQ(str(v.conflict_set(0).name()), "advertisers");
  EXPECT_EQ(shype::type_set<64>::from(v.conflict_set(0).types()),
            (shype::type_set<64>{v.find_cw_type("AdsA"), v.find_cw_type("AdsB")}));
  EXPECT_EQ(str(v.resource_label(v.find_resource_label("vdisk_ads")).name()), "vdisk_ads");
  EXPECT_EQ(b.size() % 8, 0u);
}

TEST(PolicyFormat, BuildIsDeterministicWhateverTheInsertionOrder) {
  auto build = [](bool reversed) {
    shype_test::builder b("p");
    std::uint16_t x, y;
    if (reversed) { y = b.te_type("y").value(); x = b.te_type("x").value(); }
    else { x = b.te_type("x").value(); y = b.te_type("y").value(); }
    if (reversed) { (void)b.vm_label("lb", {y}, {}); (void)b.vm_label("la", {x}, {}); }
    else { (void)b.vm_label("la", {x}, {}); (void)b.vm_label("lb", {y}, {}); }
    std::vector<std::uint8_t> out(b.size());
    EXPECT_TRUE(b.build(out.data(), out.size()).has_value());
    return out;
  };
  EXPECT_EQ(build(false), build(true));
  EXPECT_EQ(paper_bytes(), paper_bytes());
}

TEST(PolicyFormat, LabelsCarryTheSpanOfTheirSets) {
  // 1024 TE types: a decision must not scan 16 words for labels that use one or two.
  shype::policy_builder<shype::builder_limits{.te_types = 1024, .type_refs = 4096}> b("sparse");
  std::vector<std::uint16_t> t;
  for (int i = 0; i < 1024; ++i) t.push_back(b.te_type(("t" + std::to_string(1000 + i)).c_str()).value());
  (void)b.vm_label("high", {t[1000]}, {});
  (void)b.vm_label("both", {t[3], t[1000]}, {});
  (void)b.vm_label("low", {t[5]}, {});
  (void)b.vm_label("none", {}, {});
  (void)b.resource_label("disk", {t[700]});
  std::vector<std::uint8_t> out(b.size());
  ASSERT_TRUE(b.build(out.data(), out.size()).has_value());
  const auto v = policy_view::load(shype::byte_view(out.data(), out.size())).value();
  auto l = [&](const char* n) { return v.vm_label(v.find_vm_label(n)); };
  EXPECT_EQ(l("high").te().first_word(), 15u);
  EXPECT_EQ(l("high").te().end_word(), 16u);
  EXPECT_EQ(l("both").te().first_word(), 0u);
  EXPECT_EQ(l("both").te().end_word(), 16u);
  EXPECT_EQ(l("low").te().end_word(), 1u);
  EXPECT_EQ(l("none").te().first_word(), l("none").te().end_word());
  EXPECT_EQ(l("none").cw().end_word(), 0u);
  const auto disk = v.resource_label(0).te();
  EXPECT_EQ(disk.first_word(), 10u);
  EXPECT_EQ(disk.end_word(), 11u);
  EXPECT_TRUE(shype::intersects(l("high").te(), l("both").te()));
  EXPECT_TRUE(shype::intersects(l("low").te(), l("low").te()));
  EXPECT_FALSE(shype::intersects(l("high").te(), l("low").te()));
  EXPECT_FALSE(shype::intersects(l("none").te(), l("both").te()));
  EXPECT_EQ(shype::count(l("both").te()), 2u);
  EXPECT_TRUE(l("both").te().contains(v.find_te_type("t2000")));
}

TEST(PolicyFormat, ViewsAreEqualExactlyWhenTheirBytesAre) {
  const auto a = paper_bytes();
  auto b = a;  // the same bytes elsewhere
  const auto va = policy_view::load(shype::byte_view(a.data(), a.size())).value();
  const auto vb = policy_view::load(shype::byte_view(b.data(), b.size())).value();
  EXPECT_TRUE(va == va);
  EXPECT_TRUE(va == vb);
  shype_test::builder other("other");
  std::vector<std::uint8_t> c(other.size());
  ASSERT_TRUE(other.build(c.data(), c.size()).has_value());
  EXPECT_FALSE(va == policy_view::load(shype::byte_view(c.data(), c.size())).value());
}

TEST(PolicyFormat, EveryTypeIdLandsOnItsOwnBit) {
  // Ids at and around each word boundary: a set written to the wrong word or bit shows here
  // (the span test above uses ids whose word a wrong divisor happens to keep).
  shype::policy_builder<shype::builder_limits{.te_types = 1024, .type_refs = 4096}> b("bits");
  std::vector<std::uint16_t> t;
  for (int i = 0; i < 1024; ++i) t.push_back(b.te_type(("t" + std::to_string(1000 + i)).c_str()).value());
  const std::vector<std::uint16_t> ids = {0, 1, 63, 64, 65, 127, 128, 129, 191, 192, 640, 1022, 1023};
  std::vector<std::uint16_t> refs;
  for (auto i : ids) refs.push_back(t[i]);
  (void)b.vm_label("edges", shype::id_list(refs.data(), refs.size()), {});
  (void)b.resource_label("disk", shype::id_list(refs.data(), refs.size()));
  std::vector<std::uint8_t> out(b.size());
  ASSERT_TRUE(b.build(out.data(), out.size()).has_value());
  const auto v = policy_view::load(shype::byte_view(out.data(), out.size())).value();
  for (const auto& set : {v.vm_label(v.find_vm_label("edges")).te(), v.resource_label(0).te()}) {
    EXPECT_EQ(shype::count(set), ids.size());
    for (auto i : ids) EXPECT_TRUE(set.contains(v.find_te_type(("t" + std::to_string(1000 + i)).c_str()))) << "type " << i;
  }
}

TEST(PolicyBuilder, RenamesStopAtTheFormatsLimitWhateverTheCapacity) {
  // A builder with room for more renames than the format allows refuses the one past the format's
  // max_renames (the loader would refuse the count).
  constexpr std::size_t max = shype::detail::format::max_renames;
  shype::policy_builder<shype::builder_limits{.vm_labels = max + 2, .type_refs = 8, .name_bytes = 64 * 1024, .renames = max + 1}> b("many");
  for (std::size_t i = 0; i <= max; ++i) {
    const std::string n = "l" + std::to_string(10000 + i), from = "o" + std::to_string(10000 + i);
    const auto l = b.vm_label(n.c_str(), {}, {}).value();
    const auto r = b.vm_label_from(l, from.c_str());
    if (i < max) {
      ASSERT_TRUE(r.has_value()) << i;
    } else {
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error(), errc::capacity_exhausted);
    }
  }
}

TEST(PolicyFormat, MlsSectionRoundTrips) {
  shype_test::builder b("mls");
  b.enable_mls(10);
  const auto hi = b.vm_label("high", {}, {}).value();
  const auto lo = b.vm_label("low", {}, {}).value();
  ASSERT_TRUE(b.vm_label_mls(hi, {3, {1, 9}}, {1, {}}).has_value());
  ASSERT_TRUE(b.vm_label_mls(lo, {1, {}}, {2, {4}}).has_value());
  EXPECT_EQ(b.vm_label_mls(lo, {1, {10}}, {}).error(), errc::bad_reference);  // category beyond 10
  std::vector<std::uint8_t> out(b.size());
  ASSERT_TRUE(b.build(out.data(), out.size()).has_value());
  const auto v = policy_view::load(shype::byte_view(out.data(), out.size())).value();
  ASSERT_TRUE(v.has_mls());
  EXPECT_EQ(v.category_count(), 10u);
  const auto h = v.vm_label(v.find_vm_label("high"));
  EXPECT_EQ(h.secrecy().level, 3);
  EXPECT_EQ(shype::type_set<16>::from(h.secrecy().categories), (shype::type_set<16>{1, 9}));
  EXPECT_EQ(h.integrity().level, 1);
  const auto l = v.vm_label(v.find_vm_label("low"));
  EXPECT_EQ(l.integrity().level, 2);
  EXPECT_EQ(shype::type_set<16>::from(l.integrity().categories), (shype::type_set<16>{4}));
}

TEST(PolicyBuilder, RefusesWhatTheLoaderWouldRefuse) {
  {
    shype_test::builder b("dup");
    (void)b.te_type("t");
    (void)b.te_type("t");
    std::vector<std::uint8_t> out(b.size());
    const auto e = b.build(out.data(), out.size()).error();
    EXPECT_EQ(e.code, errc::duplicate_name);
    EXPECT_EQ(e.section, policy_section::te_types);
    EXPECT_EQ(std::minmax(e.index, e.other), std::minmax(0u, 1u)) << "the error names both types";
  }
  {
    shype_test::builder b("selfconflict");
    const auto a = b.cw_type("a").value(), c = b.cw_type("c").value();
    (void)b.conflict_set("s", {a, c});
    (void)b.vm_label("both", {}, {a, c});
    std::vector<std::uint8_t> out(b.size());
    const auto e = b.build(out.data(), out.size()).error();
    EXPECT_EQ(e.code, errc::invalid_label);
    EXPECT_EQ(e.section, policy_section::vm_labels);
    EXPECT_EQ(e.index, 0u);
    EXPECT_EQ(e.other, 0u);
  }
  {
    shype_test::builder b("boot");
    (void)b.vm_label("x", {}, {});
    b.bootstrap("y");
    std::vector<std::uint8_t> out(b.size());
    EXPECT_EQ(b.build(out.data(), out.size()).error().code, errc::bad_reference);
  }
  {
    shype_test::builder b("ref");
    EXPECT_EQ(b.vm_label("x", {0}, {}).error(), errc::bad_reference);  // no TE type 0 yet
  }
  {
    shype_test::builder b("small");
    (void)b.te_type("t");
    std::vector<std::uint8_t> out(b.size() - 8);
    EXPECT_EQ(b.build(out.data(), out.size()).error().code, errc::capacity_exhausted);
  }
  {
    shype::policy_builder<shype::builder_limits{.te_types = 2}> b("cap");
    EXPECT_TRUE(b.te_type("a").has_value());
    EXPECT_TRUE(b.te_type("b").has_value());
    EXPECT_EQ(b.te_type("c").error(), errc::capacity_exhausted);
  }
}

// --- the loader, one defect at a time ---------------------------------------------------------------

struct defect {
  const char* what;
  void (*patch)(std::vector<std::uint8_t>&);
  bool reseal;
  errc code;
  policy_section section;
};

std::uint32_t u32at(const std::vector<std::uint8_t>& b, std::size_t off) { return shype::detail::load_u32(b.data() + off); }
void put32(std::vector<std::uint8_t>& b, std::size_t off, std::uint32_t v) { shype::detail::store_le(b.data() + off, v); }
void put16(std::vector<std::uint8_t>& b, std::size_t off, std::uint16_t v) { shype::detail::store_le(b.data() + off, v); }

const defect defects[] = {
    {"bad magic", [](auto& b) { b[0] = 'X'; }, true, errc::bad_magic, policy_section::header},
    {"major version 2", [](auto& b) { put16(b, f::off::major, 2); }, true, errc::unsupported_version, policy_section::header},
    {"newer minor", [](auto& b) { put16(b, f::off::minor, 2); }, true, errc::unsupported_version, policy_section::header},
    {"header size", [](auto& b) { put32(b, f::off::header_size, 120); }, true, errc::bad_header, policy_section::header},
    {"total larger than buffer", [](auto& b) { put32(b, f::off::total_size, static_cast<std::uint32_t>(b.size() + 8)); }, true,
     errc::truncated, policy_section::header},
    {"total smaller than buffer", [](auto& b) { put32(b, f::off::total_size, static_cast<std::uint32_t>(b.size() - 8)); }, true,
     errc::bad_length, policy_section::header},
    {"wrong checksum", [](auto& b) { b[f::off::checksum] ^= 1; }, false, errc::bad_checksum, policy_section::header},
    {"flipped body byte", [](auto& b) { b[b.size() / 2] ^= 0x40; }, false, errc::bad_checksum, policy_section::header},
    {"unknown flag", [](auto& b) { put32(b, f::off::flags, u32at(b, f::off::flags) | 0x100); }, true, errc::bad_header, policy_section::header},
    {"reserved field", [](auto& b) { put16(b, f::off::reserved, 1); }, true, errc::bad_header, policy_section::header},
    {"TE types without TE flag", [](auto& b) { put32(b, f::off::flags, u32at(b, f::off::flags) & ~f::flag_te); }, true, errc::bad_count,
     policy_section::header},
    {"categories without MLS", [](auto& b) { put16(b, f::off::category_count, 1); }, true, errc::bad_count, policy_section::header},
    {"offset past the end", [](auto& b) { put32(b, f::off::strings, 0x7FFFFF00); }, true, errc::bad_offset, policy_section::header},
    {"section moved", [](auto& b) { put32(b, f::off::vm_labels, u32at(b, f::off::vm_labels) + 8); }, true, errc::bad_offset,
     policy_section::header},
    {"strings size", [](auto& b) { put32(b, f::off::strings_size, u32at(b, f::off::strings_size) + 100); }, true, errc::bad_length,
     policy_section::header},
    {"empty policy name", [](auto& b) { put32(b, f::off::name_len, 0); }, true, errc::bad_string, policy_section::header},
    {"name out of bounds", [](auto& b) { put32(b, f::off::name_off, 0x10000); }, true, errc::bad_string, policy_section::header},
    {"control byte in a type name",
     [](auto& b) { b[u32at(b, f::off::strings) + u32at(b, u32at(b, f::off::te_types))] = '\n'; }, true, errc::bad_string,
     policy_section::te_types},
    {"unsorted type names",  // swap the name refs of TE types 0 and 1
     [](auto& b) {
       const std::size_t t = u32at(b, f::off::te_types);
       for (std::size_t i = 0; i < 8; ++i) std::swap(b[t + i], b[t + 8 + i]);
     },
     true, errc::unsorted_names, policy_section::te_types},
    {"duplicate label name",  // label 1's name ref := label 0's
     [](auto& b) {
       const std::size_t l = u32at(b, f::off::vm_labels);
       const std::size_t stride = 8 + 8 + 8 * 2;  // name, spans, then 3 TE and 4 CW types: one word each
       for (std::size_t i = 0; i < 8; ++i) b[l + stride + i] = b[l + i];
     },
     true, errc::duplicate_name, policy_section::vm_labels},
    {"bit beyond the TE types",
     [](auto& b) { b[u32at(b, f::off::vm_labels) + 16] |= 0x80; }, true, errc::bad_bitset, policy_section::vm_labels},
    {"TE span wider than the set",  // label 0's TE span says [0, 2): there is one word
     [](auto& b) { put16(b, u32at(b, f::off::vm_labels) + 10, 2); }, true, errc::bad_span, policy_section::vm_labels},
    {"CW span missing the set",  // label 0 (ads_a) has a CW type, its span says none
     [](auto& b) { put16(b, u32at(b, f::off::vm_labels) + 14, 0); }, true, errc::bad_span, policy_section::vm_labels},
    {"CW span on a resource label",
     [](auto& b) { put16(b, u32at(b, f::off::res_labels) + 14, 1); }, true, errc::bad_span, policy_section::resource_labels},
    {"empty conflict set",
     [](auto& b) { for (std::size_t i = 0; i < 8; ++i) b[u32at(b, f::off::conflicts) + 8 + i] = 0; }, true,
     errc::empty_conflict_set, policy_section::conflict_sets},
    {"bootstrap out of range", [](auto& b) { put16(b, f::off::bootstrap, 6); }, true, errc::bad_reference, policy_section::header},
};

TEST(PolicyLoader, EachDefectHasItsDiagnostic) {
  const auto good = paper_bytes();
  ASSERT_EQ(good.size() % 8, 0u);
  for (const auto& d : defects) {
    auto b = good;
    d.patch(b);
    if (d.reseal) reseal(b);
    const auto e = load_error_of(b);
    EXPECT_EQ(e.code, d.code) << d.what << ": got " << shype::to_string(e.code);
    EXPECT_EQ(e.section, d.section) << d.what << ": got " << shype::to_string(e.section);
  }
}

// A name out of order or twice names both records: the one where it was found and the one
// before it (the explainer prints both names from these).
TEST(PolicyLoader, ANameErrorNamesBothRecords) {
  const auto good = paper_bytes();
  for (const char* what : {"duplicate label name", "unsorted type names"}) {
    const auto d = std::find_if(std::begin(defects), std::end(defects), [&](const auto& x) { return std::string(x.what) == what; });
    ASSERT_NE(d, std::end(defects)) << what;
    auto b = good;
    d->patch(b);
    reseal(b);
    const auto e = load_error_of(b);
    EXPECT_EQ(e.index, 1u) << what;
    EXPECT_EQ(e.other, 0u) << what;
  }
}

TEST(PolicyLoader, PaddingMustBeZero) {
  shype_test::builder bl("p");  // a 1-byte name: 7 bytes of padding follow the strings
  std::vector<std::uint8_t> b(bl.size());
  ASSERT_TRUE(bl.build(b.data(), b.size()).has_value());
  ASSERT_EQ(u32at(b, f::off::strings_size), 1u);
  b.back() = 1;
  reseal(b);
  const auto e = load_error_of(b);
  EXPECT_EQ(e.code, errc::bad_length);
  EXPECT_EQ(e.section, policy_section::strings);
  EXPECT_EQ(e.offset, b.size() - 1);
}

TEST(PolicyLoader, InvalidLabelNamesTheLabelAndTheConflictSet) {
  auto b = paper_bytes();
  const auto v = policy_view::load(shype::byte_view(b.data(), b.size())).value();
  const auto ads_a = v.find_vm_label("ads_a");
  const auto ads_b_type = v.find_cw_type("AdsB");
  // Give ads_a the rival's CW type as well: it now holds both types of "advertisers".
  const std::size_t cw_words_off = u32at(b, f::off::vm_labels) + 32 * ads_a + 8 + 8 + 8;  // name, spans, TE word
  b[cw_words_off] = static_cast<std::uint8_t>(b[cw_words_off] | (1u << ads_b_type));
  reseal(b);
  const auto e = load_error_of(b);
  EXPECT_EQ(e.code, errc::invalid_label);
  EXPECT_EQ(e.section, policy_section::vm_labels);
  EXPECT_EQ(e.index, ads_a);
  EXPECT_EQ(e.other, v.find_conflict_set("advertisers"));
  EXPECT_EQ(e.offset, u32at(b, f::off::vm_labels) + 32u * ads_a);
}

TEST(PolicyLoader, EveryTruncationIsRefused) {
  const auto good = paper_bytes();
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto r = policy_view::load(shype::byte_view(good.data(), n));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_TRUE(r.error().code == errc::truncated || r.error().code == errc::bad_length) << n;
  }
  EXPECT_EQ(policy_view::load(shype::byte_view(nullptr, 0)).error().code, errc::truncated);
}

TEST(PolicyLoader, EveryBitFlipIsRefused) {
  const auto good = paper_bytes();
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto b = good;
      b[i] = static_cast<std::uint8_t>(b[i] ^ (1u << bit));
      ASSERT_FALSE(policy_view::load(shype::byte_view(b.data(), b.size())).has_value()) << i << ":" << bit;
    }
  }
}

}  // namespace

namespace {

// A builder at capacity, at compile time: another VM label or resource label is refused with
// capacity_exhausted, and the string size scan of a full builder stays inside its tables (a
// read past them is not a constant expression). Two mutants of these bounds survived the
// sampled mutation run.
constexpr bool full_builder_refuses_more() {
  constexpr shype::builder_limits lim{.te_types = 2, .cw_types = 2, .conflict_sets = 1, .vm_labels = 2,
                                      .resource_labels = 2, .type_refs = 16, .name_bytes = 64, .renames = 1};
  shype::policy_builder<lim> b(shype::string_ref("full", 4), shype::policy_version{1, 0});
  b.enable_te();
  if (!b.te_type(shype::string_ref("t", 1))) return false;
  const std::uint16_t t0[] = {0};
  const shype::id_list te(t0, 1), none(t0, 0);
  if (!b.vm_label(shype::string_ref("a", 1), te, none) || !b.vm_label(shype::string_ref("b", 1), te, none)) return false;
  const auto third = b.vm_label(shype::string_ref("c", 1), te, none);
  if (third || third.error() != shype::errc::capacity_exhausted) return false;
  if (!b.resource_label(shype::string_ref("r", 1), te) || !b.resource_label(shype::string_ref("s", 1), te)) return false;
  const auto more = b.resource_label(shype::string_ref("u", 1), te);
  if (more || more.error() != shype::errc::capacity_exhausted) return false;
  if (!b.vm_label_from(0, shype::string_ref("old", 3))) return false;  // the rename table full too
  const auto again = b.resource_label_from(0, shype::string_ref("gone", 4));
  if (again || again.error() != shype::errc::capacity_exhausted) return false;
  return b.size() > 0;
}
static_assert(full_builder_refuses_more());

// Every builder call that names a label refuses the first id not yet added (unknown_label) and
// takes the last one added: the bound is `id >= count`, checked here at its edge for all four
// (a sampled mutant of one, `>=` made `>`, survived: it let a call write one entry past the
// labels added).
constexpr bool label_calls_refuse_the_next_id() {
  shype::policy_builder<> b(shype::string_ref("edge", 4), shype::policy_version{1, 0});
  b.enable_te();
  b.enable_mls(1);
  if (!b.te_type(shype::string_ref("t", 1))) return false;
  const std::uint16_t t0[] = {0};
  const shype::id_list te(t0, 1), none(t0, 0);
  const auto vm = b.vm_label(shype::string_ref("a", 1), te, none);
  const auto res = b.resource_label(shype::string_ref("r", 1), te);
  if (!vm || !res) return false;
  const auto next_vm = static_cast<shype::label_id>(vm.value() + 1);
  const auto next_res = static_cast<shype::resource_id>(res.value() + 1);
  const shype::mls_spec low{};
  auto refused = [](const shype::result<void>& r) { return !r && r.error() == shype::errc::unknown_label; };
  if (!refused(b.vm_label_mls(next_vm, low, low)) || !refused(b.resource_label_mls(next_res, low, low))) return false;
  if (!refused(b.vm_label_from(next_vm, shype::string_ref("x", 1))) ||
      !refused(b.resource_label_from(next_res, shype::string_ref("y", 1))))
    return false;
  return b.vm_label_mls(vm.value(), low, low) && b.resource_label_mls(res.value(), low, low) &&
         b.vm_label_from(vm.value(), shype::string_ref("x", 1)) && b.resource_label_from(res.value(), shype::string_ref("y", 1));
}
static_assert(label_calls_refuse_the_next_id());

}  // namespace
