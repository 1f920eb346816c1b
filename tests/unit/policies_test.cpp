// SPDX-License-Identifier: Apache-2.0
// Each policy on its own: null, Type Enforcement, Chinese Wall, Bell-LaPadula, Biba.
#include <shype/bell_lapadula.hpp>
#include <shype/biba.hpp>
#include <shype/chinese_wall.hpp>
#include <shype/label.hpp>
#include <shype/null_policy.hpp>
#include <shype/policy.hpp>
#include <shype/type_enforcement.hpp>

#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "shype_test/policies.hpp"

namespace {

using shype::decision;
using shype::errc;

struct loaded {
  shype_test::policy_buffer<> buf;
  shype::policy_view view;
  explicit loaded(shype_test::policy_buffer<> b) : buf(b), view(shype::policy_view::load(buf.view()).value()) {}
  loaded(const loaded&) = delete;
  [[nodiscard]] shype::vm_label_view label(const char* n) const { return view.vm_label(view.find_vm_label(n)); }
};

std::vector<std::uint8_t> build(shype_test::builder& b) {
  std::vector<std::uint8_t> out(b.size());
  EXPECT_TRUE(b.build(out.data(), out.size()).has_value());
  return out;
}

// --- the concept ------------------------------------------------------------------------------------

struct not_a_policy {};
struct declares_sharing_without_it {
  static constexpr const char name[] = "liar";
  static constexpr shype::hook_kind hooks = shype::hook_kind::sharing;
  [[nodiscard]] constexpr shype::result<void, shype::load_error> accepts(const shype::policy_view&) const noexcept {
    return shype::success;
  }
};
static_assert(shype::policy<shype::null_policy>);
static_assert(shype::policy<shype::type_enforcement<8>>);
static_assert(shype::policy<shype::chinese_wall<8>>);
static_assert(shype::policy<shype::bell_lapadula<8>>);
static_assert(shype::policy<shype::biba<8>>);
static_assert(!shype::policy<not_a_policy>);
static_assert(!shype::policy<int>);
static_assert(shype::policy<declares_sharing_without_it>);  // models the concept...
static_assert(!shype::answers_sharing<declares_sharing_without_it>);  // ...but check_policy() refuses it
static_assert(shype::answers_sharing<shype::type_enforcement<8>>);
static_assert(shype::answers_placement<shype::chinese_wall<8>>);
static_assert(!shype::answers_placement<shype::type_enforcement<8>>);

// --- Type Enforcement ---------------------------------------------------------------------------------

TEST(TypeEnforcement, PermitsExactlyWhenACoalitionIsShared) {
  const loaded p(shype_test::paper_policy());
  const shype::type_enforcement<64> te;
  auto share = [&](const char* a, const char* b) {
    const auto la = p.label(a), lb = p.label(b);
    return te.share(p.view, shype::share_request<shype::vm_label_view>{shype::hook::evtchn_bind, shype::flow::both, la, lb});
  };
  EXPECT_EQ(share("order", "device"), decision::permit);
  EXPECT_EQ(share("order", "dom0"), decision::permit);
  EXPECT_EQ(share("ads_a", "ads_b"), decision::permit);
  EXPECT_EQ(share("order", "ads_a"), decision::deny);
  EXPECT_EQ(share("computing", "device"), decision::deny);
  EXPECT_EQ(share("computing", "order"), decision::deny);
  // Resources: the device domain's disks, by coalition.
  auto access = [&](const char* d, const char* r) {
    const auto l = p.label(d);
    const auto res = p.view.resource_label(p.view.find_resource_label(r));
    return te.access(p.view, shype::access_request<shype::vm_label_view, shype::resource_label_view>{shype::access_mode::read_write, l, res});
  };
  EXPECT_EQ(access("order", "vdisk_order"), decision::permit);
  EXPECT_EQ(access("order", "vdisk_ads"), decision::deny);
  EXPECT_EQ(access("ads_b", "vdisk_ads"), decision::permit);
  EXPECT_EQ(access("device", "vdisk_ads"), decision::permit);
  EXPECT_EQ(access("computing", "vdisk_order"), decision::deny);
}

TEST(TypeEnforcement, WithoutATeSectionSharingIsUnrestricted) {
  shype_test::builder b("cw-only");
  const auto x = b.cw_type("x").value();
  (void)b.vm_label("a", {}, {x});
  (void)b.vm_label("b", {}, {});
  const auto bytes = build(b);
  const auto v = shype::policy_view::load(shype::byte_view(bytes.data(), bytes.size())).value();
  EXPECT_FALSE(v.has_te());
  const auto la = v.vm_label(0), lb = v.vm_label(1);
  EXPECT_EQ(shype::type_enforcement<8>{}.share(v, shype::share_request<shype::vm_label_view>{shype::hook::grant_map_rw, shype::flow::both, la, lb}),
            decision::permit);
}

// The names audit lines carry (`policy=...`) and tools parse: each MLS policy under its own.
static_assert(std::string_view(shype::bell_lapadula<8>::name) == "bell_lapadula");
static_assert(std::string_view(shype::biba<8>::name) == "biba");

TEST(TypeEnforcement, WithoutATeSectionEveryResourceMayBeUsed) {
  shype_test::builder b("cw-only-resources");
  const auto x = b.cw_type("x").value();
  (void)b.vm_label("a", {}, {x});
  (void)b.resource_label("disk", {});
  const auto bytes = build(b);
  const auto v = shype::policy_view::load(shype::byte_view(bytes.data(), bytes.size())).value();
  ASSERT_FALSE(v.has_te());
  const auto la = v.vm_label(0);
  const auto disk = v.resource_label(0);
  for (const auto mode : {shype::access_mode::read, shype::access_mode::read_write})
    EXPECT_EQ(shype::type_enforcement<8>{}.access(v, shype::access_request<shype::vm_label_view, decltype(disk)>{mode, la, disk}),
              decision::permit);
}

TEST(TypeEnforcement, RefusesPoliciesBeyondItsCapacity) {
  const loaded p(shype_test::paper_policy());
  EXPECT_TRUE(shype::type_enforcement<3>{}.accepts(p.view).has_value());
  EXPECT_EQ(shype::type_enforcement<2>{}.accepts(p.view).error().code, errc::too_large);
}

// --- Chinese Wall ---------------------------------------------------------------------------------------

class ChineseWall : public ::testing::Test {
 protected:
  const loaded p{shype_test::paper_policy()};
  shype::chinese_wall<64> cw;
  shype::chinese_wall<64>::state_type s{};
  decision start(const char* l) { return cw.prepare(s, p.view, p.label(l)); }
  void stop(const char* l) { cw.release(s, p.view, p.label(l)); }
};

TEST_F(ChineseWall, RivalsNeverRunTogether) {
  EXPECT_EQ(start("ads_a"), decision::permit);
  EXPECT_EQ(start("ads_b"), decision::deny);
  EXPECT_EQ(start("order"), decision::permit);      // not in the conflict set
  EXPECT_EQ(start("computing"), decision::permit);
  EXPECT_EQ(start("ads_a"), decision::permit);      // same type again: no conflict with itself
  stop("ads_a");
  EXPECT_EQ(start("ads_b"), decision::deny);        // one ads_a still runs (reference counts)
  stop("ads_a");
  EXPECT_EQ(start("ads_b"), decision::permit);      // the last ads_a is gone
  EXPECT_EQ(start("ads_a"), decision::deny);
}

TEST_F(ChineseWall, AbortGivesTheReservationBack) {
  EXPECT_EQ(start("ads_a"), decision::permit);
  cw.abort(s, p.view, p.label("ads_a"));
  EXPECT_EQ(start("ads_b"), decision::permit);
}

TEST_F(ChineseWall, LabelsOutsideConflictSetsAreNeverBlocked) {
  EXPECT_EQ(start("dom0"), decision::permit);  // no CW type at all
  EXPECT_EQ(start("ads_a"), decision::permit);
  EXPECT_EQ(start("dom0"), decision::permit);
  EXPECT_EQ(start("device"), decision::permit);
}

TEST(ChineseWallSets, ATypeInSeveralConflictSets) {
  shype_test::builder b("multi");
  const auto a = b.cw_type("a").value(), m = b.cw_type("m").value(), z = b.cw_type("z").value();
  (void)b.conflict_set("am", {a, m});
  (void)b.conflict_set("mz", {m, z});
  (void)b.vm_label("la", {}, {a});
  (void)b.vm_label("lm", {}, {m});
  (void)b.vm_label("lz", {}, {z});
  (void)b.vm_label("laz", {}, {a, z});  // a and z share no set: valid
  const auto bytes = build(b);
  const auto v = shype::policy_view::load(shype::byte_view(bytes.data(), bytes.size())).value();
  const shype::chinese_wall<8> cw;
  shype::chinese_wall<8>::state_type s{};
  auto l = [&](const char* n) { return v.vm_label(v.find_vm_label(n)); };
  EXPECT_EQ(cw.prepare(s, v, l("laz")), decision::permit);
  EXPECT_EQ(cw.prepare(s, v, l("lm")), decision::deny);  // m conflicts with a and with z
  EXPECT_EQ(cw.prepare(s, v, l("la")), decision::permit);
  EXPECT_EQ(cw.prepare(s, v, l("lz")), decision::permit);
  cw.release(s, v, l("laz"));
  cw.release(s, v, l("la"));
  EXPECT_EQ(cw.prepare(s, v, l("lm")), decision::deny);  // z still runs
  cw.release(s, v, l("lz"));
  EXPECT_EQ(cw.prepare(s, v, l("lm")), decision::permit);
}

TEST(ChineseWallSets, WithoutACwSectionPlacementIsUnrestricted) {
  shype_test::builder b("te-only");
  const auto t = b.te_type("t").value();
  (void)b.vm_label("a", {t}, {});
  const auto bytes = build(b);
  const auto v = shype::policy_view::load(shype::byte_view(bytes.data(), bytes.size())).value();
  EXPECT_FALSE(v.has_cw());
  shype::chinese_wall<8>::state_type s{};
  EXPECT_EQ(shype::chinese_wall<8>{}.prepare(s, v, v.vm_label(0)), decision::permit);
  EXPECT_EQ(shype::chinese_wall<2>{}.accepts(v).has_value(), true);
}

// --- Bell-LaPadula and Biba ------------------------------------------------------------------------------

class Mls : public ::testing::Test {
 protected:
  void SetUp() override {
    shype_test::builder b("mls");
    b.enable_mls(4);
    // secret{1} dominates confidential{1} dominates public{}; "other" is secret{2}, incomparable.
    const auto pub = b.vm_label("public", {}, {}).value();
    const auto conf = b.vm_label("confidential", {}, {}).value();
    const auto sec = b.vm_label("secret", {}, {}).value();
    const auto oth = b.vm_label("other", {}, {}).value();
    const auto peer = b.vm_label("secret_peer", {}, {}).value();
    ASSERT_TRUE(b.vm_label_mls(pub, {0, {}}, {2, {1}}).has_value());
    ASSERT_TRUE(b.vm_label_mls(conf, {1, {1}}, {1, {1}}).has_value());
    ASSERT_TRUE(b.vm_label_mls(sec, {2, {1}}, {0, {}}).has_value());
    ASSERT_TRUE(b.vm_label_mls(oth, {2, {2}}, {0, {}}).has_value());
    ASSERT_TRUE(b.vm_label_mls(peer, {2, {1}}, {0, {}}).has_value());
    const auto disk = b.resource_label("conf_disk", {}).value();
    ASSERT_TRUE(b.resource_label_mls(disk, {1, {1}}, {1, {1}}).has_value());
    bytes = build(b);
    v = shype::policy_view::load(shype::byte_view(bytes.data(), bytes.size())).value();
  }
  shype::vm_label_view l(const char* n) const { return v.vm_label(v.find_vm_label(n)); }
  template <class P>
  decision share(P p, shype::hook h, const char* a, const char* b) const {
    const auto la = l(a), lb = l(b);
    return p.share(v, shype::share_request<shype::vm_label_view>{h, shype::flow_of(h), la, lb});
  }
  template <class P>
  decision access(P p, const char* a, shype::access_mode m) const {
    const auto la = l(a);
    const auto r = v.resource_label(0);
    return p.access(v, shype::access_request<shype::vm_label_view, shype::resource_label_view>{m, la, r});
  }
  std::vector<std::uint8_t> bytes;
  shype::policy_view v;
};

TEST_F(Mls, BellLaPadulaOnlyLetsInformationFlowUp) {
  const shype::bell_lapadula<4> blp;
  using shype::hook;
  // A read-only grant flows from granter to mapper.
  EXPECT_EQ(share(blp, hook::grant_map_ro, "public", "secret"), decision::permit);
  EXPECT_EQ(share(blp, hook::grant_map_ro, "secret", "public"), decision::deny);
  EXPECT_EQ(share(blp, hook::grant_map_ro, "confidential", "other"), decision::deny);  // categories differ
  // Channels and read-write grants flow both ways: only equal levels.
  EXPECT_EQ(share(blp, hook::evtchn_bind, "public", "secret"), decision::deny);
  EXPECT_EQ(share(blp, hook::grant_map_rw, "secret", "secret_peer"), decision::permit);
  EXPECT_EQ(share(blp, hook::evtchn_bind, "secret", "other"), decision::deny);
  // Resources: reading needs the subject to dominate the disk, writing also the reverse.
  EXPECT_EQ(access(blp, "secret", shype::access_mode::read), decision::permit);
  EXPECT_EQ(access(blp, "secret", shype::access_mode::read_write), decision::deny);
  EXPECT_EQ(access(blp, "confidential", shype::access_mode::read_write), decision::permit);
  EXPECT_EQ(access(blp, "public", shype::access_mode::read), decision::deny);
}

TEST_F(Mls, BibaOnlyLetsInformationFlowDown) {
  const shype::biba<4> biba;
  using shype::hook;
  EXPECT_EQ(share(biba, hook::grant_map_ro, "public", "secret"), decision::permit);  // integrity 2{1} -> 0{}
  EXPECT_EQ(share(biba, hook::grant_map_ro, "secret", "public"), decision::deny);    // low integrity may not feed high
  EXPECT_EQ(share(biba, hook::grant_map_ro, "confidential", "secret"), decision::permit);
  EXPECT_EQ(share(biba, hook::evtchn_bind, "public", "confidential"), decision::deny);
  EXPECT_EQ(share(biba, hook::evtchn_bind, "secret", "other"), decision::permit);  // equal integrity
  EXPECT_EQ(access(biba, "public", shype::access_mode::read), decision::deny);       // no read down
  EXPECT_EQ(access(biba, "secret", shype::access_mode::read), decision::permit);
  EXPECT_EQ(access(biba, "confidential", shype::access_mode::read_write), decision::permit);
}

TEST_F(Mls, RequireAnMlsSectionThatFits) {
  EXPECT_TRUE(shype::bell_lapadula<4>{}.accepts(v).has_value());
  EXPECT_EQ(shype::bell_lapadula<3>{}.accepts(v).error().code, errc::too_large);
  const loaded plain(shype_test::paper_policy());
  EXPECT_EQ(shype::biba<4>{}.accepts(plain.view).error().code, errc::missing_section);
  EXPECT_EQ(shype::bell_lapadula<4>{}.accepts(plain.view).error().code, errc::missing_section);
}

TEST(MlsValues, DominanceOnValueLabels) {
  using L = shype::mls_level<8>;
  EXPECT_TRUE(shype::dominates(L{3, {1, 2}}, L{2, {1}}));
  EXPECT_FALSE(shype::dominates(L{3, {1}}, L{2, {1, 2}}));
  EXPECT_FALSE(shype::dominates(L{1, {1, 2}}, L{2, {1}}));
  EXPECT_TRUE(shype::dominates(L{2, {}}, L{2, {}}));
}

}  // namespace
