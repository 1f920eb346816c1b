// SPDX-License-Identifier: Apache-2.0
// Live policy change: validation, violations, dry run, atomic swap, revocation, resource remap.
#include <shype/monitor.hpp>

#include <algorithm>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "shype_test/fixture.hpp"

namespace {

using namespace shype_test;
using shype::access_mode;
using shype::change_mode;
using shype::decision;
using shype::errc;
using shype::hook_class;

class Revocation : public ::testing::Test, protected paper_setup<> {
 protected:
  void SetUp() override {
    boot_paper();
    // The live sharing of the scenario, cookies name them.
    ch_order = m->evtchn_bind(order1, order2, 1)->handle;
    ch_dev_order = m->evtchn_bind(device, order1, 2)->handle;
    gr_dev_order = m->grant_map(order2, device, access_mode::read_write, 3)->handle;
    ch_dev_ads = m->evtchn_bind(device, ads, 4)->handle;
    ch_dom0_comp = m->evtchn_bind(dom0, computing, 5)->handle;
    res_order = m->resource_attach(order1, resource("vdisk_order"), access_mode::read_write, 6)->handle;
    res_ads = m->resource_attach(ads, resource("vdisk_ads"), access_mode::read, 7)->handle;
    ASSERT_EQ(m->binding_count(), 7u);
  }
  using cookies = std::set<std::uint64_t>;
  struct outcome {
    shype::change_report report;
    cookies revoked;
    std::vector<shype::violation> violations;
  };
  outcome change(const policy_buffer<>& p, change_mode mode = change_mode::apply) {
    outcome o;
    auto r = m->change_policy(dom0, p.view(), mode,
                              [&](shype::binding_handle, const shype::binding& b) { o.revoked.insert(b.cookie); },
                              [&](const shype::violation& v) { o.violations.push_back(v); });
    EXPECT_TRUE(r.has_value());
    if (r) o.report = r.value();
    return o;
  }
  cookies live() const {
    cookies c;
    m->for_each_binding([&](shype::binding_handle, const shype::binding& b) { c.insert(b.cookie); });
    return c;
  }
  shype::binding_handle ch_order, ch_dev_order, gr_dev_order, ch_dev_ads, ch_dom0_comp, res_order, res_ads;
};

TEST_F(Revocation, AChangeThatOnlyAddsSharingRevokesNothing) {
  const auto v2 = paper_policy(paper_variant::ads_joins_order);
  ASSERT_FALSE(m->evtchn_bind(ads, order1, 0)->permitted());  // cached deny under generation 1
  const auto o = change(v2);
  EXPECT_EQ(o.report.value, decision::permit);
  EXPECT_EQ(o.report.revoked, 0u);
  EXPECT_EQ(o.report.generation, 2u);
  EXPECT_TRUE(o.revoked.empty());
  auto r = m->evtchn_bind(ads, order1, 0);
  EXPECT_TRUE(r->permitted());  // the cached deny died with generation 1
  EXPECT_FALSE(r->v.cached);
  EXPECT_EQ(r->v.generation, 2u);
}

TEST_F(Revocation, RevokesExactlyWhatTheNewPolicyForbids) {
  const auto split = paper_policy(paper_variant::order_split);  // the device no longer serves Order
  ASSERT_TRUE(m->evtchn_bind(device, order2, 0)->permitted());  // cached permit, generation 1
  const auto o = change(split);
  EXPECT_EQ(o.report.value, decision::permit);
  EXPECT_EQ(o.revoked, (cookies{2, 3, 0}));   // device-order channels and the grant
  EXPECT_EQ(o.report.revoked, 3u);
  EXPECT_EQ(live(), (cookies{1, 4, 5, 6, 7}));  // everything permitted survives
  EXPECT_EQ(m->evtchn_close(ch_dev_order).error(), errc::unknown_binding);
  EXPECT_EQ(m->grant_unmap(gr_dev_order).error(), errc::unknown_binding);
  auto again = m->evtchn_bind(device, order2, 0);
  EXPECT_FALSE(again->permitted());  // not the generation-1 permit
  EXPECT_EQ(m->stats()[hook_class::evtchn].revocations, 2u);
  EXPECT_EQ(m->stats()[hook_class::grant].revocations, 1u);
}

TEST_F(Revocation, ADryRunReportsTheSameAndChangesNothing) {
  const auto split = paper_policy(paper_variant::order_split);
  const auto before = live();
  const auto dry = change(split, change_mode::dry_run);
  EXPECT_EQ(dry.report.value, decision::permit);
  EXPECT_EQ(dry.revoked, (cookies{2, 3}));
  EXPECT_EQ(m->generation(), 1u);
  EXPECT_EQ(live(), before);
  EXPECT_TRUE(m->evtchn_bind(device, order2, 0)->permitted());  // the old policy still decides
  const auto applied = change(split);
  EXPECT_EQ(applied.revoked, (cookies{2, 3, 0}));  // the same list, plus the bind made since
}

TEST_F(Revocation, AConflictRejectsTheChangeAndTheOldPolicyStaysInForce) {
  const auto bad = paper_policy(paper_variant::orders_in_conflict);
  const auto before = live();
  const auto o = change(bad);
  EXPECT_EQ(o.report.value, decision::deny);
  EXPECT_TRUE(o.report.authorized);
  ASSERT_EQ(o.violations.size(), 1u);
  EXPECT_EQ(o.violations[0].kind, shype::violation_kind::conflict);
  EXPECT_EQ(o.violations[0].domain, computing);  // placed last, conflicts with...
  EXPECT_EQ(o.violations[0].other, order1);      // ...the first Order VM
  EXPECT_EQ(o.violations[0].policy_index, 0);
  EXPECT_EQ(name(o.violations[0].label), "computing");
  EXPECT_TRUE(o.revoked.empty());
  EXPECT_EQ(m->generation(), 1u);
  EXPECT_EQ(live(), before);
  EXPECT_EQ(name(m->policy().name()), "customer-order");
  EXPECT_EQ(m->policy().version().minor, 0u);
  // Remove the conflict and the same change goes through.
  ASSERT_TRUE(m->domain_destroy(computing).has_value());
  const auto ok = change(bad);
  EXPECT_EQ(ok.report.value, decision::permit);
  EXPECT_EQ(m->domain_create(computing, label("computing"))->value, decision::deny);  // the new wall
}

TEST_F(Revocation, AMissingLabelRejectsTheChangeEvenForASavedDomain) {
  const auto gone = paper_policy(paper_variant::no_computing);
  ASSERT_TRUE(m->domain_save(computing).has_value());
  const auto o = change(gone);
  EXPECT_EQ(o.report.value, decision::deny);
  ASSERT_EQ(o.violations.size(), 1u);
  EXPECT_EQ(o.violations[0].kind, shype::violation_kind::label_missing);
  EXPECT_EQ(o.violations[0].domain, computing);
  EXPECT_EQ(m->generation(), 1u);
  ASSERT_TRUE(m->domain_destroy(computing).has_value());
  EXPECT_EQ(change(gone).report.value, decision::permit);
}

TEST_F(Revocation, LabelsAndResourcesAreMappedByName) {
  // A policy whose tables sort differently: every id changes, the meaning does not.
  builder b("renumbered", {2, 0});
  const auto order = b.te_type("Order").value(), adv = b.te_type("Advertising").value(), comp = b.te_type("Computing").value();
  const auto a0 = b.te_type("AAA").value();
  const auto cw_a = b.cw_type("AdsA").value(), cw_b = b.cw_type("AdsB").value();
  (void)b.cw_type("OrderCo");
  (void)b.cw_type("ComputeCo");
  (void)b.conflict_set("advertisers", {cw_a, cw_b});
  (void)b.vm_label("aaa_first", {a0}, {});
  (void)b.vm_label("dom0", {order, adv, comp}, {});
  (void)b.vm_label("device", {order, adv}, {});
  (void)b.vm_label("order", {order}, {});
  (void)b.vm_label("ads_a", {adv}, {cw_a});
  (void)b.vm_label("ads_b", {adv}, {cw_b});
  (void)b.vm_label("computing", {comp}, {});
  (void)b.resource_label("a_disk", {a0});
  (void)b.resource_label("vdisk_ads", {adv});  // vdisk_order is gone
  b.bootstrap("dom0");
  policy_buffer<> p;
  auto n = b.build(p.bytes, sizeof p.bytes);
  ASSERT_TRUE(n.has_value());
  p.size = n.value();
  const auto old_ads_label = m->domain(ads).label;
  const auto o = change(p);
  EXPECT_EQ(o.report.value, decision::permit);
  EXPECT_EQ(o.revoked, (cookies{6}));  // the attachment of a disk whose label disappeared
  EXPECT_NE(m->domain(ads).label, old_ads_label);
  EXPECT_EQ(name(m->policy().vm_label(m->domain(ads).label).name()), "ads_a");
  // The surviving attachment now names vdisk_ads under its new id.
  m->for_each_binding([&](shype::binding_handle, const shype::binding& bd) {
    if (bd.cookie == 7) {
      EXPECT_EQ(name(m->policy().resource_label(static_cast<shype::resource_id>(bd.object)).name()), "vdisk_ads");
    }
  });
  EXPECT_FALSE(m->resource_access(ads, m->policy().find_resource_label("a_disk"), access_mode::read)->permitted());
  EXPECT_TRUE(m->resource_detach(res_ads).has_value());
}

TEST_F(Revocation, AMalformedBinaryIsAnErrorAndChangesNothing) {
  auto bad = paper_policy(paper_variant::order_split);
  bad.bytes[bad.size - 1] ^= 0xFF;
  auto r = m->change_policy(dom0, bad.view());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::bad_checksum);
  EXPECT_EQ(m->generation(), 1u);
  EXPECT_EQ(m->binding_count(), 7u);
  EXPECT_EQ(m->stats()[hook_class::management].errors, 1u);
}

}  // namespace
