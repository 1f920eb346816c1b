// SPDX-License-Identifier: Apache-2.0
// Hooks on several threads while another thread swaps policies continuously. Meant to run under
// ThreadSanitizer (the tsan build), where any data race fails the test; in every build it checks
// that each decision was taken entirely under one generation: policy A (even generations)
// permits advertising <-> order sharing, policy B (odd) denies it, so a verdict whose decision
// disagrees with its generation's parity would be a torn read. After each swap to B, no binding
// between the two coalitions may survive.
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "shype_test/fixture.hpp"

namespace {

using namespace shype_test;
using shype::access_mode;
using shype::decision;

// The hosted way to wait for a lock: yield after a few spins, since a preempted holder needs the
// CPU more than a waiter does (the test runs more threads than the machine has CPUs).
using yielding_monitor = shype::basic_monitor<shype::monitor_limits{}, shype::basic_smp_locking<shype::yield_after_spins<&sched_yield>>,
                                              shype::chinese_wall<64>, shype::type_enforcement<64>>;

template <class Monitor>
void decisions_under_one_generation() {
  const auto policy_b = paper_policy(paper_variant::v1);              // odd generations: deny
  const auto policy_a = paper_policy(paper_variant::ads_joins_order); // even generations: permit
  auto m = std::make_unique<Monitor>();
  ASSERT_TRUE(m->load_initial(policy_b.view()).has_value());  // generation 1
  const auto l = [&](const char* n) { return m->policy().find_vm_label(n); };
  ASSERT_TRUE(m->domain_create(dom0, l("dom0"))->permitted());
  ASSERT_TRUE(m->domain_create(order1, l("order"))->permitted());
  ASSERT_TRUE(m->domain_create(order2, l("order"))->permitted());
  ASSERT_TRUE(m->domain_create(ads, l("ads_a"))->permitted());

  constexpr int swaps = 300;
  std::atomic<bool> stop{false};
  std::atomic<long> torn{0}, permits{0}, denials{0}, survivors{0}, churn{0}, ops{0};

  auto check = [&](const shype::verdict& v) {
    const decision expected = v.generation % 2 == 0 ? decision::permit : decision::deny;
    if (v.value != expected) torn.fetch_add(1);
    (v.permitted() ? permits : denials).fetch_add(1);
    ops.fetch_add(1);
  };
  auto hooks = [&](shype::domid_t subject) {
    std::uint64_t cookie = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      if (auto r = m->evtchn_bind(subject, order1, ++cookie); r) {
        check(r->v);
        if (r->permitted()) (void)m->evtchn_close(r->handle);
      }
      if (auto r = m->grant_map(order2, subject, access_mode::read, ++cookie); r) check(r->v);
      if (auto r = m->grant_copy(subject, order2); r) check(r.value());
    }
  };
  // Domain operations take the monitor exclusively too: a spare advertiser comes and goes.
  auto domains = [&]() {
    while (!stop.load(std::memory_order_relaxed)) {
      if (auto r = m->domain_create(20, m->policy().find_vm_label("ads_a")); r && r->permitted()) {
        if (auto b = m->evtchn_bind(20, order2, 0); b) check(b->v);
        (void)m->domain_destroy(20);
        churn.fetch_add(1);
      }
    }
  };

  std::vector<std::thread> threads;
  threads.emplace_back(hooks, ads);
  threads.emplace_back(hooks, ads);
  threads.emplace_back(domains);
  for (int i = 0; i < swaps; ++i) {
    const auto& next = m->generation() % 2 == 0 ? policy_b : policy_a;
    auto r = m->change_policy(dom0, next.view());
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->value, decision::permit);
    if (r->generation % 2 == 1) {  // B is in force: nothing joins the coalitions any more
      m->for_each_binding([&](shype::binding_handle, const shype::binding& b) {
        const bool ads_side = b.subject == ads || b.subject == 20 || b.object == ads || b.object == 20;
        if (ads_side && shype::object_is_domain(b.kind)) survivors.fetch_add(1);
      });
    }
    // Let the hook threads work under every generation: a swap loop that outruns them would
    // prove nothing (on a loaded machine the threads may not even have started yet).
    const long seen = ops.load();
    while (ops.load() < seen + 50) std::this_thread::yield();
  }
  stop = true;
  for (auto& t : threads) t.join();

  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(survivors.load(), 0);
  EXPECT_GT(permits.load(), 0);
  EXPECT_GT(denials.load(), 0);
  EXPECT_EQ(m->generation(), 1u + swaps);
  const auto s = m->stats();
  EXPECT_EQ(s[shype::hook_class::evtchn].evaluations(), s[shype::hook_class::evtchn].hits + s[shype::hook_class::evtchn].misses);
  EXPECT_GT(s[shype::hook_class::grant].revocations, 0u);
}

TEST(Concurrency, DecisionsAreTakenUnderOneGenerationAndRevocationIsComplete) {
  decisions_under_one_generation<paper_monitor>();
}

// The same with a Relax policy that yields (basic_smp_locking<Relax>): waiting differently must
// not change what is decided.
TEST(Concurrency, YieldingLocksDecideTheSame) { decisions_under_one_generation<yielding_monitor>(); }

// Reading the registry (binding_count, for_each_binding) while other threads bind and close:
// a bind writes it under a shared lock_ plus registry_mutex_, so a reader needs both (TSan
// reports the race otherwise).
TEST(Concurrency, ReadingTheBindingsWhileHooksBindIsSafe) {
  const auto policy = paper_policy(paper_variant::v1);
  auto m = std::make_unique<yielding_monitor>();
  ASSERT_TRUE(m->load_initial(policy.view()).has_value());
  const auto l = [&](const char* n) { return m->policy().find_vm_label(n); };
  ASSERT_TRUE(m->domain_create(order1, l("order"))->permitted());
  ASSERT_TRUE(m->domain_create(order2, l("order"))->permitted());
  std::atomic<bool> stop{false};
  std::atomic<long> binds{0};
  auto binder = [&] {
    std::uint64_t cookie = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      if (auto r = m->evtchn_bind(order1, order2, ++cookie); r && r->permitted()) {
        binds.fetch_add(1);
        (void)m->evtchn_close(r->handle);
      }
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(binder);
  threads.emplace_back(binder);
  std::size_t most = 0;
  while (binds.load() < 2000) {
    most = std::max(most, m->binding_count());
    std::size_t seen = 0;
    m->for_each_binding([&](shype::binding_handle, const shype::binding&) { ++seen; });
    most = std::max(most, seen);
    std::this_thread::yield();
  }
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_LE(most, 2u);  // two binders, each closing what it bound
  EXPECT_EQ(m->binding_count(), 0u);
}

// A policy change plans while hooks go on (lock_ shared) and binds keep creating and emptying
// (kind, subject, object) groups of the registry meanwhile: the apply must decide the groups
// created during the plan (or rescan them all when more were created than it logs), and, with a
// group pool too small for every triple, the bindings left without a group one by one. After
// each change to B no binding between Advertising and Order may survive.
template <class Monitor>
void binds_during_a_plan_are_revoked_by_its_apply() {
  const auto policy_b = paper_policy(paper_variant::v1);
  const auto policy_a = paper_policy(paper_variant::ads_joins_order);
  auto m = std::make_unique<Monitor>();
  ASSERT_TRUE(m->load_initial(policy_a.view()).has_value());
  const auto l = [&](const char* n) { return m->policy().find_vm_label(n); };
  std::vector<shype::domid_t> ads_side, order_side;
  for (shype::domid_t d = 10; d < 20; ++d) {
    ASSERT_TRUE(m->domain_create(d, l("ads_a"))->permitted());
    ads_side.push_back(d);
  }
  for (shype::domid_t d = 20; d < 32; ++d) {
    ASSERT_TRUE(m->domain_create(d, l("order"))->permitted());
    order_side.push_back(d);
  }
  std::atomic<bool> stop{false};
  std::atomic<long> binds{0};
  auto binder = [&](unsigned seed) {
    std::uint64_t cookie = 0;
    std::vector<shype::binding_handle> mine;
    while (!stop.load(std::memory_order_relaxed)) {
      seed = seed * 1103515245u + 12345u;
      const auto a = ads_side[(seed >> 8) % ads_side.size()], o = order_side[(seed >> 16) % order_side.size()];
      const auto r = (seed >> 4) % 3 == 0   ? m->evtchn_bind(a, o, ++cookie)
                     : (seed >> 4) % 3 == 1 ? m->grant_map(o, a, access_mode::read, ++cookie)
                                            : m->grant_map(a, o, access_mode::read_write, ++cookie);
      if (r && r->permitted()) {
        binds.fetch_add(1);
        mine.push_back(r->handle);
      }
      if (mine.size() > 64 || (seed >> 20) % 4 == 0) {  // close some: groups empty and are reused
        for (std::size_t i = 0; i < mine.size(); i += 2) {
          (void)m->evtchn_close(mine[i]);
          (void)m->grant_unmap(mine[i]);
        }
        mine.clear();
      }
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(binder, 1u);
  threads.emplace_back(binder, 2u);
  long survivors = 0;
  for (int i = 0; i < 60; ++i) {  // kept short: the tsan build runs it too
    auto r = m->change_policy(shype::hypervisor_subject, (i % 2 == 0 ? policy_b : policy_a).view());
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->value, decision::permit);
    if (i % 2 == 0) {  // B in force: nothing between the coalitions
      m->for_each_binding([&](shype::binding_handle, const shype::binding& b) {
        if (shype::object_is_domain(b.kind)) ++survivors;
      });
    }
    const long seen = binds.load();
    for (int spin = 0; spin < 200 && binds.load() < seen + 20; ++spin) std::this_thread::yield();
  }
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(survivors, 0);
  EXPECT_GT(binds.load(), 0);
}

constexpr shype::monitor_limits few_groups{.binding_groups = 16};
using few_groups_monitor = shype::basic_monitor<few_groups, shype::basic_smp_locking<shype::yield_after_spins<&sched_yield>>,
                                                shype::chinese_wall<64>, shype::type_enforcement<64>>;

TEST(Concurrency, BindsDuringAPlanAreRevokedByItsApply) { binds_during_a_plan_are_revoked_by_its_apply<yielding_monitor>(); }
TEST(Concurrency, BindsDuringAPlanAreRevokedByItsApplyWithoutGroups) {
  binds_during_a_plan_are_revoked_by_its_apply<few_groups_monitor>();
}

}  // namespace
