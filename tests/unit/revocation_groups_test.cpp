// SPDX-License-Identifier: Apache-2.0
// Revocation by (kind, subject, object) group (binding_registry's index, policy_change's plan
// and apply): many bindings over many label pairs, changes that flip some pairs, and after each
// one exactly the bindings the new policy forbids are gone, each reported once, counted in the
// report and the statistics. The oracle is the monitor's uncached evaluate(), which asks the
// policies directly and knows nothing of the registry. Run with a group pool large enough for
// every triple, with one far too small (the fallback: bindings without a group are decided one
// by one) and with smp_locking; with relabels, closes (groups freed and reused) and resources
// renumbered by a change in between.
#include <shype/monitor.hpp>

#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "shype_test/policies.hpp"

namespace {

using shype::access_mode;
using shype::binding_kind;
using shype::domid_t;
using shype::hook_class;

constexpr shype::builder_limits grid_limits{.te_types = 32, .cw_types = 1, .conflict_sets = 1, .vm_labels = 16,
                                            .resource_labels = 8, .type_refs = 256, .name_bytes = 1024};
constexpr std::size_t labels = 12, types = 16, domains = 20, resources = 4;

/// Label i's TE types in policy variant v: two of 16, from a small generator. A variant moves
/// the labels with (i + v) % 3 == 0 (about a third); variant 100 moves label 5 only; variant
/// 200 is variant 0 with a resource label that sorts first, so every resource id shifts by one.
unsigned type_of(unsigned v, unsigned i, unsigned k) {
  const unsigned seed = v == 100 ? (i == 5 ? 7u : 0u) : v == 200 ? 0u : ((i + v) % 3 == 0 ? v : 0u);
  return ((seed * 2654435761u + i * 40503u + k * 977u) >> 7) % types;
}

shype_test::policy_buffer<8192> grid_policy(unsigned v) {
  shype::policy_builder<grid_limits> b("grid", {1, v});
  std::uint16_t t[types];
  char name[16];
  for (unsigned i = 0; i < types; ++i) {
    std::snprintf(name, sizeof name, "t%02u", i);
    t[i] = b.te_type(name).value();
  }
  for (unsigned i = 0; i < labels; ++i) {
    std::snprintf(name, sizeof name, "l%02u", i);
    const unsigned a = type_of(v, i, 0), c = type_of(v, i, 1);
    (void)(a == c ? b.vm_label(name, {t[a]}, {}) : b.vm_label(name, {t[a], t[c]}, {}));
  }
  if (v == 200) (void)b.resource_label("a_first", {t[0]});
  for (unsigned r = 0; r < resources; ++r) {
    std::snprintf(name, sizeof name, "r%u", r);
    const unsigned a = type_of(v, r + 3, 0), c = type_of(v, r * 5, 1);
    (void)(a == c ? b.resource_label(name, {t[a]}) : b.resource_label(name, {t[a], t[c]}));
  }
  b.bootstrap("l00");
  shype_test::policy_buffer<8192> out;
  auto r = b.build(out.bytes, sizeof out.bytes);
  out.ok = r.has_value();
  out.size = r.has_value() ? r.value() : 0;
  return out;
}

struct record {
  binding_kind kind;
  domid_t subject;
  std::uint32_t object;  // a domain, or the resource's index in the name list r0..r3
  shype::binding_handle handle;
};

template <class Monitor>
class groups_fixture {
 public:
  groups_fixture() {
    policies_.push_back(grid_policy(0));  // kept alive: the monitor views the policy in force
    if (!policies_.back().ok || !m->load_initial(policies_.back().view())) std::abort();
    for (domid_t d = 0; d < domains; ++d)
      if (!m->domain_create(d, static_cast<shype::label_id>(d % labels))) std::abort();
  }

  std::unique_ptr<Monitor> m = std::make_unique<Monitor>();

  /// Binds every permitted (kind, subject, object) `copies` times (plus resources).
  void bind_all(int copies) {
    for (int c = 0; c < copies; ++c)
      for (domid_t s = 0; s < domains; ++s) {
        for (domid_t o = 0; o < domains; ++o) {
          if (s == o) continue;
          add(binding_kind::evtchn, s, o, m->evtchn_bind(s, o, ++cookie_));
          add(binding_kind::grant_ro, s, o, m->grant_map(s, o, access_mode::read, ++cookie_));
          add(binding_kind::grant_rw, s, o, m->grant_map(s, o, access_mode::read_write, ++cookie_));
        }
        for (std::uint32_t r = 0; r < resources; ++r) {
          add(binding_kind::resource_read, s, r, m->resource_attach(s, resource(r), access_mode::read, ++cookie_));
          add(binding_kind::resource_rw, s, r, m->resource_attach(s, resource(r), access_mode::read_write, ++cookie_));
        }
      }
  }
  /// Closes every `one_in`-th live binding (groups empty and are freed, later reused).
  void close_some(std::size_t one_in) {
    std::size_t i = 0;
    for (auto it = live_.begin(); it != live_.end();) {
      if (i++ % one_in != 0) {
        ++it;
        continue;
      }
      const auto& r = it->second;
      const auto closed = r.kind == binding_kind::evtchn                                               ? m->evtchn_close(r.handle)
                          : r.kind == binding_kind::grant_ro || r.kind == binding_kind::grant_rw ? m->grant_unmap(r.handle)
                                                                                                   : m->resource_detach(r.handle);
      ASSERT_TRUE(closed.has_value());
      it = live_.erase(it);
    }
  }

  /// Changes to variant v and checks that exactly the bindings it forbids were revoked.
  void change_and_check(unsigned v, shype::change_mode mode = shype::change_mode::apply) {
    policies_.push_back(grid_policy(v));
    ASSERT_TRUE(policies_.back().ok);
    std::vector<std::uint64_t> told;
    const auto before = m->stats();
    auto r = m->change_policy(shype::hypervisor_subject, policies_.back().view(), mode,
                              [&](shype::binding_handle, const shype::binding& b) { told.push_back(b.cookie); });
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->value, shype::decision::permit);
    const std::set<std::uint64_t> revoked(told.begin(), told.end());
    EXPECT_EQ(revoked.size(), told.size()) << "a binding was reported twice";
    EXPECT_EQ(r->revoked, told.size());
    if (mode == shype::change_mode::dry_run) {
      dry_ = revoked;
      dry_run_ = true;
      policies_.pop_back();
      return;
    }
    // The oracle: the policy now in force, asked directly.
    std::set<std::uint64_t> want;
    std::size_t per_class[shype::hook_class_count] = {};
    for (const auto& [cookie, rec] : live_)
      if (!permitted(rec)) {
        want.insert(cookie);
        ++per_class[static_cast<std::size_t>(class_of(rec.kind))];
      }
    EXPECT_EQ(revoked, want) << "variant " << v;
    if (dry_run_) {
      EXPECT_EQ(dry_, want) << "the dry run reported something else";
    }
    dry_run_ = false;
    const auto after = m->stats();
    for (std::size_t c = 0; c < shype::hook_class_count; ++c)
      EXPECT_EQ(after[static_cast<hook_class>(c)].revocations - before[static_cast<hook_class>(c)].revocations, per_class[c]);
    for (auto c : want) live_.erase(c);
    check_registry();
  }

  /// Relabels domain d and checks that exactly d's bindings the new label forbids were revoked.
  void relabel_and_check(domid_t d, shype::label_id l) {
    std::set<std::uint64_t> revoked;
    auto r = m->relabel(shype::hypervisor_subject, d, l, [&](shype::binding_handle, const shype::binding& b) { revoked.insert(b.cookie); });
    ASSERT_TRUE(r.has_value() && r->permitted());
    std::set<std::uint64_t> want;
    for (const auto& [cookie, rec] : live_)
      if (!permitted(rec)) want.insert(cookie);
    EXPECT_EQ(revoked, want);
    for (auto c : want) live_.erase(c);
    check_registry();
  }

  [[nodiscard]] std::size_t live_count() const { return live_.size(); }

 private:
  static hook_class class_of(binding_kind k) {
    return k == binding_kind::evtchn ? hook_class::evtchn : shype::object_is_domain(k) ? hook_class::grant : hook_class::resource;
  }
  shype::resource_id resource(std::uint32_t r) const {
    const std::string n = "r" + std::to_string(r);
    return m->policy().find_resource_label(n.c_str());
  }
  void add(binding_kind k, domid_t s, std::uint32_t o, const shype::result<shype::bind_result>& r) {
    ASSERT_TRUE(r.has_value());
    if (r->permitted()) live_[cookie_] = record{k, s, o, r->handle};
  }
  bool permitted(const record& r) const {
    switch (r.kind) {
      case binding_kind::evtchn: return m->evaluate(shype::hook::evtchn_bind, r.subject, static_cast<domid_t>(r.object))->permitted();
      case binding_kind::grant_ro: return m->evaluate(shype::hook::grant_map_ro, r.subject, static_cast<domid_t>(r.object))->permitted();
      case binding_kind::grant_rw: return m->evaluate(shype::hook::grant_map_rw, r.subject, static_cast<domid_t>(r.object))->permitted();
      case binding_kind::resource_read: return m->evaluate_access(r.subject, resource(r.object), access_mode::read)->permitted();
      case binding_kind::resource_rw: return m->evaluate_access(r.subject, resource(r.object), access_mode::read_write)->permitted();
    }
    return false;
  }
  /// The registry holds exactly the bindings expected, resources under their current ids.
  void check_registry() const {
    std::map<std::uint64_t, shype::binding> got;
    m->for_each_binding([&](shype::binding_handle, const shype::binding& b) { got[b.cookie] = b; });
    ASSERT_EQ(got.size(), live_.size());
    for (const auto& [cookie, rec] : live_) {
      const auto it = got.find(cookie);
      ASSERT_NE(it, got.end()) << "binding " << cookie << " lost";
      const std::uint32_t object = shype::object_is_domain(rec.kind) ? rec.object : resource(rec.object);
      EXPECT_EQ(it->second.object, object) << "binding " << cookie << " names another object";
    }
  }

  std::deque<shype_test::policy_buffer<8192>> policies_;  // a deque: the one in force must not move
  std::map<std::uint64_t, record> live_;
  std::set<std::uint64_t> dry_;
  bool dry_run_ = false;
  std::uint64_t cookie_ = 0;
};

template <class Monitor>
void exactly_the_flipped_pairs_are_revoked() {
  groups_fixture<Monitor> f;
  f.bind_all(2);
  ASSERT_GT(f.live_count(), 500u) << "the test needs many bindings over many pairs";
  const unsigned sequence[] = {1, 2, 0, 100, 0, 4, 5};
  for (const unsigned v : sequence) {
    f.change_and_check(v, shype::change_mode::dry_run);
    f.change_and_check(v);
    f.bind_all(1);  // what the new policy permits, on top of the survivors
  }
}

template <class Monitor>
void closes_relabels_and_renumbered_resources_keep_it_exact() {
  groups_fixture<Monitor> f;
  f.bind_all(2);
  f.close_some(3);  // groups freed (and reused by the next bind_all)
  f.change_and_check(200);  // every resource id shifts: kept resource bindings follow their label
  f.bind_all(1);
  f.change_and_check(1);  // and are still found (revoked or kept) by their group afterwards
  f.relabel_and_check(4, 9);
  f.relabel_and_check(7, 2);
  f.bind_all(1);
  f.close_some(5);
  f.change_and_check(2);
  f.change_and_check(100);  // one label moves: only its domains' bindings are visited
  f.bind_all(1);
  f.change_and_check(0);
}

constexpr shype::monitor_limits roomy{.max_domains = 32, .max_bindings = 16384, .revocation_memo = 64, .binding_groups = 8192};
constexpr shype::monitor_limits cramped{.max_domains = 32, .max_bindings = 16384, .revocation_memo = 64, .binding_groups = 16};
using te = shype::type_enforcement<32>;
using roomy_monitor = shype::basic_monitor<roomy, shype::no_locking, te>;
using cramped_monitor = shype::basic_monitor<cramped, shype::no_locking, te>;
using smp_monitor = shype::basic_monitor<roomy, shype::smp_locking, te>;

// The group table alone (detail/binding_groups.hpp), against a map: 2,048 keys churning through 3
// groups in 8 slots and 16 in 32 make probe runs, within the table and around its end, and every
// leave that frees a group erases its slot by shifting entries back.
// join() must find every live group again after any erase: an entry left behind a hole (its home
// misjudged) would get a second group for its key.
template <std::size_t Groups>
void join_finds_every_live_group_after_any_erase() {
  using groups = shype::detail::binding_groups<Groups>;
  auto g = std::make_unique<groups>();
  std::map<std::uint64_t, std::pair<std::uint32_t, std::uint32_t>> model;  // key -> (group, bindings)
  std::uint64_t x = 88172645463325252ull;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  std::size_t erased = 0;
  for (int step = 0; step < 20000; ++step) {
    if (!model.empty() && (model.size() == Groups || next() % 2 == 0)) {  // a binding of a live group goes
      auto it = std::next(model.begin(), static_cast<std::ptrdiff_t>(next() % model.size()));
      g->leave(it->second.first);
      if (--it->second.second == 0) {
        model.erase(it);
        ++erased;
      }
      continue;
    }
    // Half the joins are of a live group's key (it must be found wherever erases moved it).
    const std::uint64_t k = !model.empty() && next() % 2 == 0
                                ? std::next(model.begin(), static_cast<std::ptrdiff_t>(next() % model.size()))->first
                                : groups::key(static_cast<std::uint8_t>(next() % 4), static_cast<std::uint16_t>(next() % 64),
                                              static_cast<std::uint32_t>(next() % 8));
    auto it = model.find(k);
    if (it == model.end() && model.size() == Groups) continue;  // the pool is full
    const std::uint32_t i = g->join(k);
    ASSERT_NE(i, groups::none) << "step " << step;
    if (it != model.end()) {
      ASSERT_EQ(i, it->second.first) << "step " << step << ": a live group was not found";
      ++it->second.second;
    } else {
      for (const auto& [other, v] : model) ASSERT_NE(v.first, i) << "step " << step << ": group reused while live";
      model[k] = {i, 1};
    }
  }
  EXPECT_GT(erased, 1000u);  // the erase path ran often
}
TEST(RevocationGroups, JoinFindsEveryLiveGroupAfterAnyErase) {
  join_finds_every_live_group_after_any_erase<3>();   // 8 slots: runs wrap around the table's end often
  join_finds_every_live_group_after_any_erase<16>();  // 32 slots
}

TEST(RevocationGroups, ExactlyTheBindingsOfFlippedPairsAreRevoked) { exactly_the_flipped_pairs_are_revoked<roomy_monitor>(); }
TEST(RevocationGroups, WithTheGroupPoolExhaustedEveryBindingIsDecidedAlone) {
  exactly_the_flipped_pairs_are_revoked<cramped_monitor>();
}
TEST(RevocationGroups, SmpLockingRevokesTheSame) { exactly_the_flipped_pairs_are_revoked<smp_monitor>(); }
TEST(RevocationGroups, ClosesRelabelsAndRenumberedResourcesKeepItExact) {
  closes_relabels_and_renumbered_resources_keep_it_exact<roomy_monitor>();
}
TEST(RevocationGroups, ClosesRelabelsAndRenumberedResourcesKeepItExactWithoutGroups) {
  closes_relabels_and_renumbered_resources_keep_it_exact<cramped_monitor>();
}

}  // namespace
