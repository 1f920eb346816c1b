// SPDX-License-Identifier: Apache-2.0
// The monitor: every hook on the paper's scenario, the transactional placement, the cache, errors.
#include <shype/monitor.hpp>
#include <shype/null_policy.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "shype_test/fixture.hpp"

namespace {

using namespace shype_test;
using shype::access_mode;
using shype::decision;
using shype::errc;
using shype::hook;
using shype::hook_class;

class Monitor : public ::testing::Test, protected paper_setup<> {
 protected:
  void SetUp() override { boot_paper(); }
  bool bind(shype::domid_t a, shype::domid_t b) {
    auto r = m->evtchn_bind(a, b, 0);
    EXPECT_TRUE(r.has_value()) << a << "-" << b;
    return r.has_value() && r->permitted();
  }
};

// A label id one past the policy's labels is unknown wherever a domain gets a label, and nothing
// of the refused domain is left behind (its slot is still free for a valid start).
TEST_F(Monitor, ALabelIdPastThePolicysLabelsIsUnknown) {
  const auto past = static_cast<shype::label_id>(m->policy().vm_label_count());
  constexpr shype::domid_t d = 20;
  EXPECT_EQ(m->domain_create(d, past).error(), errc::unknown_label);
  EXPECT_EQ(m->domain_restore(d, past).error(), errc::unknown_label);
  EXPECT_EQ(m->migrate_in(d, past).error(), errc::unknown_label);
  EXPECT_EQ(m->relabel(shype::hypervisor_subject, order1, past).error(), errc::unknown_label);
  EXPECT_TRUE(m->domain_create(d, label("order")).value().permitted());
}

TEST(MonitorNoPolicy, EverythingFailsClosed) {
  auto m = std::make_unique<paper_monitor>();
  EXPECT_EQ(m->domain_create(0, 0).error(), errc::no_policy);
  EXPECT_EQ(m->evtchn_bind(0, 1, 0).error(), errc::no_policy);
  EXPECT_EQ(m->grant_map(0, 1, access_mode::read, 0).error(), errc::no_policy);
  EXPECT_EQ(m->resource_access(0, 0, access_mode::read).error(), errc::no_policy);
  EXPECT_EQ(m->coalition(0, 1).error(), errc::no_policy);
  EXPECT_EQ(m->change_policy(shype::hypervisor_subject, shype::byte_view()).error().code, errc::no_policy);
  EXPECT_FALSE(m->loaded());
}

TEST(MonitorLoad, ARejectedInitialPolicyLeavesNothingLoaded) {
  auto m = std::make_unique<paper_monitor>();
  auto p = paper_policy();
  p.bytes[40] ^= 1;  // corrupt: checksum
  EXPECT_EQ(m->load_initial(p.view()).error().code, errc::bad_checksum);
  EXPECT_FALSE(m->loaded());
  p.bytes[40] ^= 1;
  EXPECT_TRUE(m->load_initial(p.view()).has_value());
  EXPECT_EQ(m->load_initial(p.view()).error().code, errc::invalid_argument);  // only once: then change_policy
  auto small = std::make_unique<shype::monitor<shype::type_enforcement<2>>>();
  EXPECT_EQ(small->load_initial(p.view()).error().code, errc::too_large);
}

TEST_F(Monitor, OrderVmsShareChannelsAndPagesAdvertisingCannotReachOrder) {
  EXPECT_TRUE(bind(order1, order2));
  auto g = m->grant_map(order1, order2, access_mode::read_write, 7);
  ASSERT_TRUE(g.has_value());
  EXPECT_TRUE(g->permitted());
  EXPECT_TRUE(g->handle.valid());
  EXPECT_FALSE(bind(ads, order1));
  EXPECT_FALSE(bind(order2, ads));
  auto g2 = m->grant_map(ads, order1, access_mode::read, 8);
  ASSERT_TRUE(g2.has_value());
  EXPECT_FALSE(g2->permitted());
  EXPECT_FALSE(g2->handle.valid());  // nothing registered for a denial
  EXPECT_EQ(g2->v.denied_by, 1);     // position of type_enforcement in the stack
  EXPECT_EQ(m->evtchn_unbound(order1, computing)->value, decision::deny);
  EXPECT_EQ(m->grant_copy(dom0, computing)->value, decision::permit);
  EXPECT_EQ(m->binding_count(), 2u);
}

TEST_F(Monitor, TheDeviceDomainServesEachCoalitionOnlyItsDisk) {
  const auto vo = resource("vdisk_order"), va = resource("vdisk_ads");
  EXPECT_TRUE(m->resource_access(order1, vo, access_mode::read_write)->permitted());
  EXPECT_FALSE(m->resource_access(order1, va, access_mode::read)->permitted());
  EXPECT_TRUE(m->resource_access(ads, va, access_mode::read_write)->permitted());
  EXPECT_FALSE(m->resource_access(ads, vo, access_mode::read)->permitted());
  EXPECT_FALSE(m->resource_access(computing, vo, access_mode::read)->permitted());
  EXPECT_TRUE(m->resource_access(device, vo, access_mode::read_write)->permitted());
  EXPECT_EQ(m->resource_access(order1, 99, access_mode::read).error(), errc::unknown_label);
  // The side-effect-free evaluation agrees and counts nothing.
  const auto before = m->stats()[hook_class::resource];
  EXPECT_TRUE(m->evaluate_access(order1, vo, access_mode::read_write)->permitted());
  EXPECT_FALSE(m->evaluate_access(ads, vo, access_mode::read)->permitted());
  EXPECT_EQ(m->evaluate_access(order1, 99, access_mode::read).error(), errc::unknown_label);
  EXPECT_EQ(m->stats()[hook_class::resource], before);
  // The device domain may connect to both coalitions' VMs, never to the computing VM.
  EXPECT_TRUE(bind(device, order1));
  EXPECT_TRUE(bind(device, ads));
  EXPECT_FALSE(bind(device, computing));
}

TEST_F(Monitor, MacDomainQueryReturnsTheCommonCoalitions) {
  const auto v = m->policy();
  const auto order = v.find_te_type("Order"), adv = v.find_te_type("Advertising");
  EXPECT_EQ(m->coalition(device, order1).value(), paper_monitor::te_set{order});
  EXPECT_EQ(m->coalition(device, ads).value(), paper_monitor::te_set{adv});
  EXPECT_EQ(m->coalition(device, dom0).value(), (paper_monitor::te_set{order, adv}));
  EXPECT_TRUE(shype::empty(m->coalition(device, computing).value()));
  EXPECT_EQ(m->coalition(device, 42).error(), errc::unknown_domain);
  EXPECT_EQ(m->coalition(device, device).error(), errc::invalid_argument);
  EXPECT_EQ(m->stats()[hook_class::query].misses, 4u);
  EXPECT_EQ(m->stats()[hook_class::query].errors, 2u);
}

TEST_F(Monitor, ARivalIsRefusedWhileItsCompetitorRuns) {
  auto r = m->domain_create(rival, label("ads_b"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value, decision::deny);
  EXPECT_EQ(r->denied_by, 0);  // chinese_wall, first in the stack
  EXPECT_EQ(m->domain(rival).state, shype::domain_state::free);
  EXPECT_EQ(m->migrate_in(rival, label("ads_b"))->value, decision::deny);
  ASSERT_TRUE(m->domain_destroy(ads).has_value());
  EXPECT_EQ(m->domain_create(rival, label("ads_b"))->value, decision::permit);
  EXPECT_EQ(m->domain_create(ads, label("ads_a"))->value, decision::deny);
  // Audit: both refusals, naming the hook, the labels and the policy.
  std::vector<std::string> lines;
  m->audit().for_each([&](const shype::denial_record& d) {
    char buf[256];
    shype::format_denial(d, buf, sizeof buf);
    lines.emplace_back(buf);
  });
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "avc: denied { create } for source=dom9 slabel=\"ads_b\" target=host policy=chinese_wall generation=1 seq=0");
  EXPECT_EQ(lines[1], "avc: denied { migrate_in } for source=dom9 slabel=\"ads_b\" target=host policy=chinese_wall generation=1 seq=1");
}

TEST_F(Monitor, TwoPhaseStartReservesUntilCommitOrAbort) {
  ASSERT_TRUE(m->domain_destroy(ads).has_value());
  auto p = m->prepare_start(hook::domain_create, ads, label("ads_a"));
  ASSERT_TRUE(p.has_value() && p->permitted());
  EXPECT_EQ(m->domain(ads).state, shype::domain_state::starting);
  EXPECT_EQ(m->domain_create(rival, label("ads_b"))->value, decision::deny);  // reserved already
  EXPECT_EQ(m->evtchn_bind(ads, dom0, 0).error(), errc::domain_not_running);  // not running until commit
  ASSERT_TRUE(m->abort_start(ads).has_value());
  EXPECT_EQ(m->domain(ads).state, shype::domain_state::free);
  EXPECT_EQ(m->domain_create(rival, label("ads_b"))->value, decision::permit);  // given back
  EXPECT_EQ(m->commit_start(ads).error(), errc::invalid_argument);
}

TEST_F(Monitor, CachedDecisionsAreHitsAndAddUp) {
  const auto before = m->stats()[hook_class::evtchn];
  auto first = m->evtchn_bind(order1, order2, 1);
  auto second = m->evtchn_bind(order1, order2, 2);
  EXPECT_FALSE(first->v.cached);
  EXPECT_TRUE(second->v.cached);
  EXPECT_NE(first->handle, second->handle);  // every bind is its own binding
  auto d1 = m->evtchn_bind(ads, order1, 3);
  auto d2 = m->evtchn_bind(ads, order1, 4);
  EXPECT_FALSE(d2->permitted());
  EXPECT_TRUE(d2->v.cached);
  EXPECT_EQ(d2->v.denied_by, d1->v.denied_by);
  const auto after = m->stats()[hook_class::evtchn];
  EXPECT_EQ(after.hits - before.hits, 2u);
  EXPECT_EQ(after.misses - before.misses, 2u);
  EXPECT_EQ(after.evaluations() - before.evaluations(), 4u);
  EXPECT_EQ(after.denials - before.denials, 2u);
  // The cached decisions equal fresh evaluations.
  m->for_each_cached([&](shype::domid_t s, std::uint32_t o, std::uint8_t op, shype::cached_decision d) {
    if (op > static_cast<std::uint8_t>(hook::grant_copy)) return;
    EXPECT_EQ(m->evaluate(static_cast<hook>(op), s, static_cast<shype::domid_t>(o))->value, d.value);
  });
}

TEST_F(Monitor, AReusedDomainIdDoesNotInheritCachedPermits) {
  ASSERT_TRUE(bind(order1, order2));
  ASSERT_TRUE(m->evtchn_bind(order1, order2, 0)->v.cached);
  ASSERT_TRUE(m->domain_destroy(order2).has_value());
  create(order2, "computing");  // same id, another VM
  auto r = m->evtchn_bind(order1, order2, 0);
  EXPECT_FALSE(r->v.cached);
  EXPECT_EQ(r->v.value, decision::deny);
  EXPECT_GT(m->domain(order2).incarnation, 1);
}

TEST_F(Monitor, StoppingADomainClosesItsBindingsAndDropsItsCache) {
  const auto c1 = m->evtchn_bind(order1, order2, 11)->handle;
  const auto g1 = m->grant_map(order2, order1, access_mode::read, 12)->handle;
  const auto r1 = m->resource_attach(order1, resource("vdisk_order"), access_mode::read_write, 13)->handle;
  const auto keep = m->evtchn_bind(order2, dom0, 14)->handle;
  ASSERT_EQ(m->binding_count(), 4u);
  std::vector<std::uint64_t> closed;
  ASSERT_TRUE(m->domain_save(order1, [&](shype::binding_handle, const shype::binding& b) { closed.push_back(b.cookie); }).has_value());
  std::sort(closed.begin(), closed.end());
  EXPECT_EQ(closed, (std::vector<std::uint64_t>{11, 12, 13}));
  EXPECT_EQ(m->binding_count(), 1u);
  EXPECT_EQ(m->evtchn_close(c1).error(), errc::unknown_binding);
  EXPECT_EQ(m->grant_unmap(g1).error(), errc::unknown_binding);
  EXPECT_EQ(m->resource_detach(r1).error(), errc::unknown_binding);
  EXPECT_EQ(m->evtchn_bind(order1, order2, 0).error(), errc::domain_not_running);
  m->for_each_cached([&](shype::domid_t s, std::uint32_t o, std::uint8_t, shype::cached_decision) {
    EXPECT_NE(s, order1);
    EXPECT_NE(o, static_cast<std::uint32_t>(order1));
  });
  EXPECT_TRUE(m->evtchn_close(keep).has_value());
  EXPECT_EQ(m->evtchn_close(keep).error(), errc::unknown_binding);
}

TEST_F(Monitor, SaveRestoreKeepsTheLabelAndChecksPlacementAgain) {
  ASSERT_TRUE(m->domain_save(ads).has_value());
  EXPECT_EQ(m->domain(ads).state, shype::domain_state::saved);
  EXPECT_EQ(m->domain_create(rival, label("ads_b"))->value, decision::permit);  // ads_a no longer runs
  EXPECT_EQ(m->domain_restore(ads)->value, decision::deny);                    // now its rival does
  EXPECT_EQ(m->domain(ads).state, shype::domain_state::saved);                  // still saved
  ASSERT_TRUE(m->domain_destroy(rival).has_value());
  EXPECT_EQ(m->domain_restore(ads)->value, decision::permit);
  EXPECT_EQ(m->domain(ads).label, label("ads_a"));
  EXPECT_EQ(m->domain_restore(ads).error(), errc::domain_exists);
  EXPECT_EQ(m->domain_restore(rival).error(), errc::domain_not_saved);
  EXPECT_EQ(m->domain_restore(rival, label("ads_b"))->value, decision::deny);  // an image saved elsewhere
  EXPECT_EQ(m->domain_save(rival).error(), errc::unknown_domain);
}

TEST_F(Monitor, MigrationOutFreesTheHostMigrationInIsChecked) {
  ASSERT_TRUE(m->migrate_out(ads).has_value());
  EXPECT_EQ(m->domain(ads).state, shype::domain_state::free);
  EXPECT_EQ(m->migrate_in(rival, label("ads_b"))->value, decision::permit);
  EXPECT_EQ(m->migrate_in(ads, label("ads_a"))->value, decision::deny);
  EXPECT_EQ(m->migrate_in(rival, label("ads_b")).error(), errc::domain_exists);
}

TEST_F(Monitor, MalformedRequestsAreErrorsAndFailClosed) {
  EXPECT_EQ(m->evtchn_bind(order1, order1, 0).error(), errc::invalid_argument);
  EXPECT_EQ(m->evtchn_bind(order1, 300, 0).error(), errc::unknown_domain);
  EXPECT_EQ(m->evtchn_bind(order1, 77, 0).error(), errc::unknown_domain);  // in range, never created
  EXPECT_EQ(m->grant_map(4464, order1, access_mode::read, 0).error(), errc::unknown_domain);
  EXPECT_EQ(m->domain_create(order1, label("order")).error(), errc::domain_exists);
  EXPECT_EQ(m->domain_create(20, 200).error(), errc::unknown_label);
  EXPECT_EQ(m->domain_create(400, label("order")).error(), errc::unknown_domain);
  EXPECT_EQ(m->prepare_start(hook::evtchn_bind, 20, label("order")).error(), errc::invalid_argument);
  EXPECT_EQ(m->domain_destroy(77).error(), errc::unknown_domain);
  EXPECT_EQ(m->evtchn_close(shype::binding_handle{}).error(), errc::unknown_binding);
  // A handle of the wrong kind is refused and the binding stays.
  const auto g = m->grant_map(order1, order2, access_mode::read, 0)->handle;
  EXPECT_EQ(m->evtchn_close(g).error(), errc::invalid_argument);
  EXPECT_TRUE(m->grant_unmap(g).has_value());
  const auto s = m->stats();
  EXPECT_GE(s[hook_class::evtchn].errors, 5u);
  EXPECT_GE(s[hook_class::domain].errors, 5u);
}

TEST(MonitorCapacity, AFullRegistryRefusesTheBindingInsteadOfForgettingIt) {
  using small = shype::basic_monitor<shype::monitor_limits{.max_domains = 16, .cache_sets = 4, .cache_ways = 2, .max_bindings = 3, .audit_entries = 2},
                                     shype::no_locking, shype::chinese_wall<64>, shype::type_enforcement<64>>;
  paper_setup<small> s;
  s.boot_paper();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.m->evtchn_bind(order1, order2, 0)->permitted());
  EXPECT_EQ(s.m->evtchn_bind(order1, order2, 0).error(), errc::capacity_exhausted);
  EXPECT_EQ(s.m->binding_count(), 3u);
  // The audit ring keeps the last two denials and counts all.
  for (int i = 0; i < 5; ++i) (void)s.m->evtchn_bind(ads, order1, 0);
  EXPECT_EQ(s.m->audit().total(), 5u);
  EXPECT_EQ(s.m->audit().size(), 2u);
  std::vector<std::uint64_t> seqs;
  s.m->audit().for_each([&](const shype::denial_record& d) { seqs.push_back(d.seq); });
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{3, 4}));
}

TEST(MonitorNull, TheNullPolicyPermitsEverything) {
  paper_setup<shype::monitor<shype::null_policy>> s;
  s.boot_paper();
  s.create(rival, "ads_b");  // no Chinese Wall
  EXPECT_TRUE(s.m->evtchn_bind(ads, order1, 0)->permitted());
  EXPECT_TRUE(s.m->resource_access(computing, s.resource("vdisk_order"), access_mode::read_write)->permitted());
}

// --- the transactional pattern with a stack that denies late -------------------------------------------

/// Records the placement calls it sees (shared log across instances).
inline std::vector<std::string> calls;

struct recorder {
  static constexpr const char name[] = "recorder";
  static constexpr shype::hook_kind hooks = shype::hook_kind::placement;
  struct state_type {
    int reserved = 0;
  };
  template <class L>
  decision prepare(state_type& s, const shype::policy_view&, const L& l) const {
    calls.push_back("prepare " + name_of(l));
    ++s.reserved;
    return decision::permit;
  }
  template <class L>
  void commit(state_type&, const shype::policy_view&, const L& l) const { calls.push_back("commit " + name_of(l)); }
  template <class L>
  void abort(state_type& s, const shype::policy_view&, const L& l) const {
    calls.push_back("abort " + name_of(l));
    --s.reserved;
  }
  template <class L>
  void release(state_type& s, const shype::policy_view&, const L& l) const {
    calls.push_back("release " + name_of(l));
    --s.reserved;
  }
  void reset(state_type& s, const shype::policy_view&) const { s.reserved = 0; }
  [[nodiscard]] shype::result<void, shype::load_error> accepts(const shype::policy_view&) const { return shype::success; }
  template <class L>
  static std::string name_of(const L& l) { return shype_test::name(l.name()); }
};

/// Refuses to place any label named "ads_a".
struct veto {
  static constexpr const char name[] = "veto";
  static constexpr shype::hook_kind hooks = shype::hook_kind::placement;
  struct state_type {};
  template <class L>
  decision prepare(state_type&, const shype::policy_view&, const L& l) const {
    return shype::permit_if(!(l.name() == shype::string_ref("ads_a")));
  }
  template <class L> void commit(state_type&, const shype::policy_view&, const L&) const {}
  template <class L> void abort(state_type&, const shype::policy_view&, const L&) const {}
  template <class L> void release(state_type&, const shype::policy_view&, const L&) const {}
  void reset(state_type&, const shype::policy_view&) const {}
  [[nodiscard]] shype::result<void, shype::load_error> accepts(const shype::policy_view&) const { return shype::success; }
};

TEST(MonitorTransactions, ALaterDenialRollsBackEarlierReservationsInReverse) {
  using stacked = shype::monitor<shype::chinese_wall<64>, recorder, veto>;
  paper_setup<stacked> s;
  calls.clear();
  auto r = s.m->domain_create(ads, s.label("ads_a"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value, decision::deny);
  EXPECT_EQ(r->denied_by, 2);
  EXPECT_STREQ(stacked::policy_name(r->denied_by), "veto");
  EXPECT_EQ(calls, (std::vector<std::string>{"prepare ads_a", "abort ads_a"}));
  // chinese_wall (before the recorder) was rolled back too: the rival may start.
  calls.clear();
  EXPECT_EQ(s.m->domain_create(rival, s.label("ads_b"))->value, decision::permit);
  EXPECT_EQ(calls, (std::vector<std::string>{"prepare ads_b", "commit ads_b"}));
  calls.clear();
  ASSERT_TRUE(s.m->domain_destroy(rival).has_value());
  EXPECT_EQ(calls, (std::vector<std::string>{"release ads_b"}));
}

TEST(MonitorTransactions, AnEarlierDenialAsksNoLaterPolicy) {
  using stacked = shype::monitor<shype::chinese_wall<64>, recorder>;
  paper_setup<stacked> s;
  s.create(ads, "ads_a");
  calls.clear();
  EXPECT_EQ(s.m->domain_create(rival, s.label("ads_b"))->value, decision::deny);
  EXPECT_TRUE(calls.empty());
}

// --- management ------------------------------------------------------------------------------------------

TEST_F(Monitor, OnlyTheManagementLabelMayChangeThePolicyOrRelabel) {
  const auto v2 = paper_policy(paper_variant::ads_joins_order);
  auto refused = m->change_policy(order1, v2.view());
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(refused->authorized);
  EXPECT_EQ(refused->value, decision::deny);
  EXPECT_EQ(m->generation(), 1u);
  EXPECT_FALSE(m->relabel(order1, order2, label("computing"))->permitted());
  EXPECT_FALSE(m->authorize_management(ads)->permitted());
  EXPECT_TRUE(m->authorize_management(dom0)->permitted());
  EXPECT_TRUE(m->authorize_management(shype::hypervisor_subject)->permitted());
  std::vector<std::string> lines;
  m->audit().for_each([&](const shype::denial_record& d) {
    char buf[256];
    shype::format_denial(d, buf, sizeof buf);
    lines.emplace_back(buf);
  });
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "avc: denied { load_policy } for source=dom2 slabel=\"order\" target=policy policy=management generation=1 seq=0");
  // A hypervisor's domain control asks the same decision; the denial names the call.
  EXPECT_FALSE(m->authorize_management(ads, shype::hook::domain_create)->permitted());
  EXPECT_TRUE(m->authorize_management(dom0, shype::hook::domain_save)->permitted());
  std::string last;
  m->audit().for_each([&](const shype::denial_record& d) {
    char buf[256];
    shype::format_denial(d, buf, sizeof buf);
    last = buf;
  });
  EXPECT_NE(last.find("avc: denied { create } for source=dom"), std::string::npos) << last;
  EXPECT_NE(last.find("policy=management"), std::string::npos) << last;
  auto ok = m->change_policy(dom0, v2.view());
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(ok->authorized);
  EXPECT_EQ(ok->value, decision::permit);
  EXPECT_EQ(m->generation(), 2u);
}

TEST_F(Monitor, RelabelChecksPlacementAndRevokesWhatTheNewLabelMayNotDo) {
  const auto c = m->evtchn_bind(order1, order2, 21)->handle;
  const auto g = m->grant_map(dom0, order2, access_mode::read, 22)->handle;
  std::vector<std::uint64_t> revoked;
  auto r = m->relabel(dom0, order2, label("computing"), [&](shype::binding_handle, const shype::binding& b) { revoked.push_back(b.cookie); });
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->permitted());
  EXPECT_EQ(revoked, (std::vector<std::uint64_t>{21}));  // order1 and computing share nothing; dom0 shares Computing
  EXPECT_EQ(m->evtchn_close(c).error(), errc::unknown_binding);
  EXPECT_TRUE(m->grant_unmap(g).has_value());
  EXPECT_EQ(m->domain(order2).label, label("computing"));
  EXPECT_EQ(m->stats()[hook_class::evtchn].revocations, 1u);
  // Placement: the only advertiser may switch sides; with a rival running, the rival may not.
  EXPECT_TRUE(m->relabel(dom0, ads, label("ads_b"))->permitted());
  create(rival, "ads_b");
  auto refused = m->relabel(dom0, rival, label("ads_a"));
  EXPECT_FALSE(refused->permitted());
  EXPECT_EQ(refused->denied_by, 0);
  EXPECT_EQ(m->domain(rival).label, label("ads_b"));           // unchanged
  EXPECT_EQ(m->domain_create(30, label("ads_a"))->value, decision::deny);  // and still counted as ads_b
}

}  // namespace
