// SPDX-License-Identifier: Apache-2.0
// The TE decision table (te_table.hpp) decides every VM label pair as the rule does, is never
// used for a policy it was not built for, and a monitor rebuilds it on every policy change.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/te_table.hpp>
#include <shype/type_enforcement.hpp>

#include "shype_test/fixture.hpp"
#include "shype_test/policies.hpp"

namespace {

using shype::decision;
using shype::label_id;
using shype::policy_view;
using shype_test::paper_policy;
using shype_test::paper_variant;

constexpr paper_variant all_variants[] = {paper_variant::v1, paper_variant::ads_joins_order, paper_variant::order_split,
                                          paper_variant::orders_in_conflict, paper_variant::no_computing};

using table_t = shype::te_table<64, 64>;
using te_t = shype::type_enforcement<64, 64>;

constexpr decision rule(const policy_view& v, label_id a, label_id b) {
  if (!v.has_te()) return decision::permit;
  return te_t::permits(v.vm_label(a).te(), v.vm_label(b).te());
}

// The build is constexpr, as the decisions are: checked at compile time too.
constexpr bool table_is_rule_at_compile_time(paper_variant variant) {
  const auto p = paper_policy(variant);
  const auto v = policy_view::load(p.view());
  if (!v) return false;
  shype::te_table<8, 8> t;
  if (!t.build(v.value()) || !t.built_for(v.value())) return false;
  for (label_id a = 0; a < 8; ++a)
    for (label_id b = 0; b < 8; ++b) {
      const bool inside = a < v.value().vm_label_count() && b < v.value().vm_label_count();
      if (t.permits(a, b) != (inside ? rule(v.value(), a, b) : decision::deny)) return false;
    }
  return true;
}
static_assert(table_is_rule_at_compile_time(paper_variant::v1));
static_assert(table_is_rule_at_compile_time(paper_variant::ads_joins_order));

/// Every ordered pair of VM labels: table == rule; returns how many pairs were permitted.
std::size_t expect_table_is_rule(const table_t& t, const policy_view& v) {
  std::size_t permitted = 0;
  for (label_id a = 0; a < v.vm_label_count(); ++a)
    for (label_id b = 0; b < v.vm_label_count(); ++b) {
      EXPECT_EQ(t.permits(a, b), rule(v, a, b)) << "labels " << a << ", " << b;
      permitted += rule(v, a, b) == decision::permit;
    }
  return permitted;
}

TEST(TeTable, EveryLabelPairOfEveryPaperPolicyIsDecidedAsTheRuleDecides) {
  auto t = std::make_unique<table_t>();
  for (auto variant : all_variants) {
    const auto p = paper_policy(variant);
    ASSERT_TRUE(p.ok);
    const auto v = policy_view::load(p.view()).value();
    ASSERT_TRUE(t->build(v));
    EXPECT_TRUE(t->built_for(v));
    EXPECT_EQ(t->labels(), v.vm_label_count());
    const std::size_t permitted = expect_table_is_rule(*t, v);
    // Not vacuous: some pairs permitted, some denied.
    EXPECT_GT(permitted, 0u);
    EXPECT_LT(permitted, v.vm_label_count() * v.vm_label_count());
  }
}

TEST(TeTable, LabelsOutsideThePolicyAreDenied) {
  auto t = std::make_unique<table_t>();
  const auto big = paper_policy(paper_variant::v1);  // 6 labels
  const auto small = paper_policy(paper_variant::no_computing);  // 5: row and column 5 must be cleared
  ASSERT_TRUE(t->build(policy_view::load(big.view()).value()));
  ASSERT_EQ(t->permits(5, 4), decision::permit);  // by name, 5 is order and 4 dom0: they share Order
  ASSERT_TRUE(t->build(policy_view::load(small.view()).value()));
  for (label_id a = 0; a < 64; ++a) {
    EXPECT_EQ(t->permits(a, 5), decision::deny) << a;
    EXPECT_EQ(t->permits(5, a), decision::deny) << a;
  }
  EXPECT_EQ(t->permits(64, 0), decision::deny);
  EXPECT_EQ(t->permits(0, shype::no_label), decision::deny);
}

TEST(TeTable, APolicyWithoutTypeEnforcementPermitsEveryPairOfItsLabels) {
  shype_test::builder b("no-te", {1, 0});
  const auto cw = b.cw_type("C").value();
  (void)b.vm_label("a", {}, {cw});
  (void)b.vm_label("b", {}, {});
  (void)b.vm_label("c", {}, {});
  shype_test::policy_buffer<> p;
  auto n = b.build(p.bytes, sizeof p.bytes);
  ASSERT_TRUE(n.has_value());
  p.size = n.value();
  const auto v = policy_view::load(p.view()).value();
  ASSERT_FALSE(v.has_te());
  auto t = std::make_unique<table_t>();
  ASSERT_TRUE(t->build(v));
  EXPECT_EQ(expect_table_is_rule(*t, v), 9u);
  EXPECT_EQ(t->permits(0, 3), decision::deny);  // beyond the labels
}

TEST(TeTable, APolicyBeyondTheCapacitiesLeavesNoTableAndIsRefusedByTheMonitor) {
  const auto p = paper_policy();
  const auto v = policy_view::load(p.view()).value();
  auto labels = std::make_unique<shype::te_table<64, 4>>();
  EXPECT_FALSE(labels->build(v));
  EXPECT_FALSE(labels->built_for(v));
  EXPECT_EQ(labels->permits(0, 0), decision::deny);
  auto types = std::make_unique<shype::te_table<2, 64>>();
  EXPECT_FALSE(types->build(v));
  EXPECT_FALSE(types->built_for(v));

  const auto refused = shype::type_enforcement<64, 4>{}.accepts(v);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, shype::errc::too_large);
  EXPECT_EQ(refused.error().section, shype::policy_section::vm_labels);
  auto m = std::make_unique<shype::monitor<shype::type_enforcement<64, 4>>>();
  EXPECT_EQ(m->load_initial(p.view()).error().code, shype::errc::too_large);
}

// The table of policy A is never used to decide under policy B, even when B's bytes are put
// where A's were (the table then knows B by its checksum).
TEST(TeTable, ATableIsNeverUsedForAnotherPolicy) {
  const auto a = paper_policy(paper_variant::v1);
  const auto b = paper_policy(paper_variant::ads_joins_order);
  ASSERT_EQ(a.size, b.size);  // same size, so b fits exactly where a was
  auto te = std::make_unique<te_t>();
  shype_test::policy_buffer<> buf = a;
  const auto va = policy_view::load(buf.view()).value();
  const label_id order = va.find_vm_label("order"), ads = va.find_vm_label("ads_a");
  te->install(va);
  ASSERT_EQ(te->decide(va, ads, order), decision::deny);

  const auto vb_elsewhere = policy_view::load(b.view()).value();
  EXPECT_EQ(te->decide(vb_elsewhere, ads, order), decision::permit);  // by the rule: not A's table

  std::memcpy(buf.bytes, b.bytes, b.size);  // B in A's place
  const auto vb_here = policy_view::load(buf.view()).value();
  EXPECT_EQ(te->decide(vb_here, ads, order), decision::permit);
  for (label_id x = 0; x < vb_here.vm_label_count(); ++x)
    for (label_id y = 0; y < vb_here.vm_label_count(); ++y) EXPECT_EQ(te->decide(vb_here, x, y), rule(vb_here, x, y));

  // Installing B (in place) builds its table: the same decisions, now from the table.
  te->install(vb_here);
  for (label_id x = 0; x < vb_here.vm_label_count(); ++x)
    for (label_id y = 0; y < vb_here.vm_label_count(); ++y) EXPECT_EQ(te->decide(vb_here, x, y), rule(vb_here, x, y));
  EXPECT_EQ(te->decide(vb_here, ads, order), decision::permit);
}

TEST(TeTable, AnEmptyTableOrViewDecidesNothingByTheTable) {
  auto t = std::make_unique<table_t>();
  EXPECT_FALSE(t->built_for(policy_view{}));  // an empty view: no checksum is read
  const auto p = paper_policy();
  const auto v = policy_view::load(p.view()).value();
  EXPECT_FALSE(t->built_for(v));
  ASSERT_TRUE(t->build(v));
  EXPECT_FALSE(t->built_for(policy_view{}));
  auto te = std::make_unique<te_t>();
  EXPECT_EQ(te->decide(policy_view{}, 0, 0), decision::deny);  // no such labels
  EXPECT_EQ(te->decide(v, 0, static_cast<label_id>(v.vm_label_count())), decision::deny);
}

// stage() builds beside the table in force: decisions under the policy in force do not change
// until install().
TEST(TeTable, StagingLeavesTheTableInForceAlone) {
  const auto a = paper_policy(paper_variant::v1);
  const auto b = paper_policy(paper_variant::ads_joins_order);
  const auto va = policy_view::load(a.view()).value(), vb = policy_view::load(b.view()).value();
  const label_id order = va.find_vm_label("order"), ads = va.find_vm_label("ads_a");
  auto te = std::make_unique<te_t>();
  te->install(va);
  te->stage(vb);
  EXPECT_EQ(te->decide(va, ads, order), decision::deny);
  te->install(vb);
  EXPECT_EQ(te->decide(vb, ads, order), decision::permit);
  te->stage(va);
  te->install(va);
  EXPECT_EQ(te->decide(va, ads, order), decision::deny);
}

// --- in a monitor: built at load, rebuilt by every change --------------------------------------

using table_monitor = shype::monitor<shype::chinese_wall<64>, shype::type_enforcement<64, 64>>;

/// Every pair of running domains: the monitor decides as the rule does under the policy in force.
void expect_monitor_is_rule(table_monitor& m, std::size_t domains) {
  const policy_view v = m.policy();
  for (shype::domid_t s = 0; s < domains; ++s)
    for (shype::domid_t o = 0; o < domains; ++o) {
      if (s == o) continue;
      const auto r = m.evaluate(shype::hook::grant_copy, s, o);
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(r->value, rule(v, m.domain(s).label, m.domain(o).label)) << "domains " << s << ", " << o;
    }
}

TEST(TeTable, AMonitorRebuildsTheTableOnEveryPolicyChange) {
  shype_test::paper_setup<table_monitor> s;
  s.create(0, "dom0");
  s.create(1, "device");
  s.create(2, "order");
  s.create(3, "ads_a");
  s.create(4, "computing");
  expect_monitor_is_rule(*s.m, 5);
  EXPECT_EQ(s.m->evaluate(shype::hook::grant_copy, 3, 2)->value, decision::deny);  // ads_a, order

  const auto v2 = paper_policy(paper_variant::ads_joins_order);
  ASSERT_TRUE(s.m->change_policy(0, v2.view())->value == decision::permit);
  EXPECT_EQ(s.m->evaluate(shype::hook::grant_copy, 3, 2)->value, decision::permit);
  expect_monitor_is_rule(*s.m, 5);

  // Back to the first policy's bytes: the table of v2 must not decide any more.
  ASSERT_TRUE(s.m->change_policy(0, s.v1.view())->value == decision::permit);
  EXPECT_EQ(s.m->evaluate(shype::hook::grant_copy, 3, 2)->value, decision::deny);
  expect_monitor_is_rule(*s.m, 5);

  // A refused change (and a dry run) stages a table but leaves the one in force.
  const auto v3 = paper_policy(paper_variant::no_computing);  // a computing VM runs: refused
  auto refused = s.m->change_policy(0, v3.view());
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->violations, 0u);
  expect_monitor_is_rule(*s.m, 5);
  auto dry = s.m->change_policy(0, v2.view(), shype::change_mode::dry_run);
  ASSERT_TRUE(dry.has_value());
  EXPECT_EQ(s.m->evaluate(shype::hook::grant_copy, 3, 2)->value, decision::deny);
  expect_monitor_is_rule(*s.m, 5);
}

}  // namespace

// --- narrow (at most 64 TE types: a word of types per label) and wide (the label matrix) ---------

namespace wide {

inline constexpr shype::builder_limits limits{
    .te_types = 200, .cw_types = 4, .conflict_sets = 2, .vm_labels = 48, .resource_labels = 2, .type_refs = 1024, .name_bytes = 4096};

/// `labels` labels over `types` TE types; label i holds types i*7 % types, (i*13 + 1) % types
/// and, for every third label, the last type (so the highest bit of a narrow word is used).
template <std::size_t N = 16384>
shype_test::policy_buffer<N> policy(std::size_t types, std::size_t labels) {
  shype::policy_builder<limits> b("wide", {1, 0});
  std::vector<std::string> names;
  for (std::size_t t = 0; t < types; ++t) names.push_back("T" + std::to_string(t));
  for (const auto& n : names) EXPECT_TRUE(b.te_type(n.c_str()).has_value());
  std::vector<std::string> label_names;
  for (std::size_t i = 0; i < labels; ++i) label_names.push_back("L" + std::to_string(i));
  for (std::size_t i = 0; i < labels; ++i) {
    std::set<std::uint16_t> held{static_cast<std::uint16_t>(i * 7 % types), static_cast<std::uint16_t>((i * 13 + 1) % types)};
    if (i % 3 == 0) held.insert(static_cast<std::uint16_t>(types - 1));
    const std::vector<std::uint16_t> ids(held.begin(), held.end());
    EXPECT_TRUE(b.vm_label(label_names[i].c_str(), shype::id_list(ids.data(), ids.size()), {}).has_value());
  }
  shype_test::policy_buffer<N> p;
  auto n = b.build(p.bytes, sizeof p.bytes);
  EXPECT_TRUE(n.has_value());
  p.size = n.has_value() ? n.value() : 0;
  p.ok = n.has_value();
  return p;
}

}  // namespace wide

TEST(TeTable, SixtyFourTypesAreDecidedNarrowAndMoreByTheMatrixBothAsTheRule) {
  using big_table = shype::te_table<200, 64>;
  using big_te = shype::type_enforcement<200, 64>;
  auto t = std::make_unique<big_table>();
  auto expect_rule = [&](const policy_view& v) {
    std::size_t permitted = 0;
    for (label_id a = 0; a < 64; ++a)
      for (label_id b = 0; b < 64; ++b) {
        const bool inside = a < v.vm_label_count() && b < v.vm_label_count();
        const decision want = inside ? (v.has_te() ? big_te::permits(v.vm_label(a).te(), v.vm_label(b).te()) : decision::permit)
                                     : decision::deny;
        EXPECT_EQ(t->permits(a, b), want) << "labels " << a << ", " << b << " of " << v.vm_label_count();
        permitted += want == decision::permit;
      }
    return permitted;
  };
  // 64 types (the highest, type 63, held by every third label): narrow.
  const auto p64 = wide::policy(64, 40);
  ASSERT_TRUE(p64.ok);
  const auto v64 = policy_view::load(p64.view()).value();
  ASSERT_TRUE(t->build(v64));
  EXPECT_TRUE(t->narrow());
  const std::size_t permitted64 = expect_rule(v64);
  EXPECT_GT(permitted64, 40u);
  EXPECT_LT(permitted64, 40u * 40u);
  // L0 {0, 1, 63} and L3 {21, 40, 63}: only type 63 in common.
  EXPECT_EQ(t->permits(v64.find_vm_label("L0"), v64.find_vm_label("L3")), decision::permit);

  // 65 and 150 types: the matrix. Then fewer labels: rows of the earlier build must not remain.
  for (std::size_t types : {65u, 150u}) {
    const auto p = wide::policy(types, 45);
    ASSERT_TRUE(p.ok);
    const auto v = policy_view::load(p.view()).value();
    ASSERT_TRUE(t->build(v));
    EXPECT_FALSE(t->narrow()) << types;
    const std::size_t permitted = expect_rule(v);
    EXPECT_GT(permitted, 45u);
    EXPECT_LT(permitted, 45u * 45u);
  }
  const auto fewer = wide::policy(150, 20);
  ASSERT_TRUE(t->build(policy_view::load(fewer.view()).value()));
  expect_rule(policy_view::load(fewer.view()).value());
  // Back to narrow after wide: the matrix's bits are not consulted, the words decide.
  ASSERT_TRUE(t->build(v64));
  EXPECT_TRUE(t->narrow());
  EXPECT_EQ(expect_rule(v64), permitted64);
  // A build that fails (more labels than the capacity) leaves a table that denies every pair.
  auto small = std::make_unique<shype::te_table<200, 32>>();
  ASSERT_TRUE(small->build(policy_view::load(wide::policy(150, 20).view()).value()));
  EXPECT_FALSE(small->build(v64));
  for (label_id a = 0; a < 32; ++a)
    for (label_id b = 0; b < 32; ++b) EXPECT_EQ(small->permits(a, b), decision::deny);
}
