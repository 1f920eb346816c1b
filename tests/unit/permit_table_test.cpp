// SPDX-License-Identifier: Apache-2.0
// The permit table in front of the decision cache (detail/hit_path.hpp): one word per subject,
// sharing hook and object slot. Each test breaks if the table answers for the wrong object,
// outlives a change, or outlives a domain's incarnation.
#include <shype/monitor.hpp>

#include <memory>
#include <tuple>

#include <gtest/gtest.h>

#include "shype_test/fixture.hpp"

namespace {

using namespace shype_test;
using shype::decision;
using shype::hook_class;

constexpr std::size_t slots = shype::monitor_limits{}.permit_slots;

class PermitTable : public ::testing::Test, protected paper_setup<> {
 protected:
  void SetUp() override { boot_paper(); }
};

// order2 + slots lands on order2's slot: the word there names order2's handle, so the other
// object is decided on its own (a denial, then a permit) and never borrows order2's permit.
TEST_F(PermitTable, AnObjectOnAnotherObjectsSlotIsDecidedOnItsOwn) {
  const auto same_slot_denied = static_cast<shype::domid_t>(order2 + slots);
  const auto same_slot_order = static_cast<shype::domid_t>(order2 + 2 * slots);
  ASSERT_FALSE(m->grant_copy(order1, order2)->cached);
  ASSERT_TRUE(m->grant_copy(order1, order2)->cached);  // now in the table
  create(same_slot_denied, "computing");
  EXPECT_EQ(m->grant_copy(order1, same_slot_denied)->value, decision::deny);
  EXPECT_EQ(m->grant_copy(order1, same_slot_denied)->value, decision::deny);
  const auto v = m->grant_copy(order1, order2);
  EXPECT_EQ(v->value, decision::permit);
  EXPECT_TRUE(v->cached);
  // A permitted object takes the slot over; order2's permit is still cached behind it.
  create(same_slot_order, "order");
  EXPECT_EQ(m->grant_copy(order1, same_slot_order)->value, decision::permit);
  const auto w = m->grant_copy(order1, order2);
  EXPECT_EQ(w->value, decision::permit);
  EXPECT_TRUE(w->cached);
  EXPECT_EQ(m->grant_copy(order1, same_slot_denied)->value, decision::deny);
  // Every operation has its own words: a cached grant_copy permits no event channel.
  EXPECT_FALSE(m->evtchn_unbound(order1, same_slot_order)->cached);
}

// A change that withdraws a permit empties the table: the next call decides again.
TEST_F(PermitTable, APolicyChangeLeavesNoPermitBehind) {
  ASSERT_EQ(m->grant_copy(device, order1)->value, decision::permit);
  ASSERT_TRUE(m->grant_copy(device, order1)->cached);
  const auto split = paper_policy(paper_variant::order_split);
  ASSERT_TRUE(m->change_policy(dom0, split.view()).has_value());
  const auto v = m->grant_copy(device, order1);
  EXPECT_EQ(v->value, decision::deny);
  EXPECT_FALSE(v->cached);
  EXPECT_EQ(v->generation, m->generation());
}

// Incarnations are 16 bits: after 65,535 restarts an id gets its old handle back. A permit the
// table held for the first life must be gone by then (removed when that life stopped).
TEST_F(PermitTable, AHandleThatComesBackFindsNoPermitOfAnEarlierLife) {
  ASSERT_TRUE(m->grant_copy(order1, order2)->permitted());
  ASSERT_TRUE(m->grant_copy(order1, order2)->cached);
  const auto first = m->domain(order2).incarnation;
  ASSERT_TRUE(m->domain_destroy(order2).has_value());
  for (;;) {
    create(order2, "computing");
    if (m->domain(order2).incarnation == first) break;
    ASSERT_TRUE(m->domain_destroy(order2).has_value());
  }
  const auto v = m->grant_copy(order1, order2);
  EXPECT_EQ(v->value, decision::deny);
  EXPECT_FALSE(v->cached);
}

// Relabelling the subject empties its row: its permits were decided for its old label.
TEST_F(PermitTable, ARelabelledSubjectKeepsNoPermit) {
  ASSERT_TRUE(m->grant_copy(order1, order2)->permitted());
  ASSERT_TRUE(m->grant_copy(order1, order2)->cached);
  ASSERT_TRUE(m->relabel(dom0, order1, label("computing"))->permitted());
  EXPECT_EQ(m->grant_copy(order1, order2)->value, decision::deny);
}

// Ids past the table or a domain with itself are errors on every path a sharing hook takes (the
// table, smp_locking's lock-free cache read, the locked path), before and after the pair of
// running domains behind them was decided and cached: no path reads a domain's slot for an id
// past the table (the asan configuration's bounds checks see it if one does).
template <class Monitor>
void ids_past_the_table_are_errors() {
  paper_setup<Monitor> p;
  p.boot_paper();
  constexpr auto past = static_cast<shype::domid_t>(shype::monitor_limits{}.max_domains);
  for (int round = 0; round < 2; ++round) {
    using edge = std::tuple<shype::domid_t, shype::domid_t, shype::errc>;
    const shype::domid_t o1 = order1;
    for (const auto& [s, o, e] : {edge{o1, past, shype::errc::unknown_domain}, edge{past, o1, shype::errc::unknown_domain},
                                  edge{o1, o1, shype::errc::invalid_argument}}) {
      for (const auto& r : {p.m->grant_copy(s, o), p.m->evtchn_unbound(s, o)}) {
        ASSERT_FALSE(r.has_value()) << s << "->" << o;
        EXPECT_EQ(r.error(), e) << s << "->" << o;
      }
    }
    ASSERT_TRUE(p.m->grant_copy(order1, order2).value().permitted());  // cached for the next round
    ASSERT_TRUE(p.m->evtchn_unbound(order1, order2).value().permitted());
  }
}
TEST(PermitTableEdges, IdsPastTheTableAreErrorsOnEveryPath) {
  ids_past_the_table_are_errors<paper_monitor>();
  ids_past_the_table_are_errors<shype::basic_monitor<shype::monitor_limits{}, shype::no_locking, shype::chinese_wall<64>,
                                                      shype::type_enforcement<64>>>();
}

// permit_slots = 0: no table; the decision cache alone gives the same answers and counts.
TEST(PermitTableOff, AMonitorWithoutOneDecidesAndCountsTheSame) {
  using bare = shype::basic_monitor<shype::monitor_limits{.permit_slots = 0}, shype::smp_locking, shype::chinese_wall<64>,
                                    shype::type_enforcement<64>>;
  paper_setup<bare> with_none;
  paper_setup<> with_table;
  with_none.boot_paper();
  with_table.boot_paper();
  for (int round = 0; round < 3; ++round) {
    for (shype::domid_t s : {dom0, device, order1, order2, ads, computing})
      for (shype::domid_t o : {dom0, device, order1, order2, ads, computing}) {
        if (s == o) continue;
        const auto a = with_none.m->grant_copy(s, o), b = with_table.m->grant_copy(s, o);
        ASSERT_TRUE(a.has_value() && b.has_value());
        EXPECT_EQ(a->value, b->value) << s << "->" << o;
        EXPECT_EQ(a->cached, b->cached) << s << "->" << o;
      }
  }
  EXPECT_EQ(with_none.m->stats()[hook_class::grant], with_table.m->stats()[hook_class::grant]);
}

}  // namespace
