// SPDX-License-Identifier: Apache-2.0
// Decision logic in constant expressions: a policy is built, loaded and decided at compile time.
// If any of it stopped being constexpr, or decided differently, this file would not compile.
#include <shype/chinese_wall.hpp>
#include <shype/label.hpp>
#include <shype/policy_builder.hpp>
#include <shype/policy_view.hpp>
#include <shype/type_enforcement.hpp>

#include <gtest/gtest.h>

#include "shype_test/policies.hpp"

namespace {

using shype::decision;

// --- the rules on value labels ---------------------------------------------------------------------
using te = shype::type_enforcement<128>;
constexpr shype::vm_label<128, 8> order{{1}, {}}, ads{{2}, {}}, dom0{{1, 2, 100}, {}}, lone{{}, {}};
static_assert(te::permits(order.te(), dom0.te()) == decision::permit);
static_assert(te::permits(order.te(), ads.te()) == decision::deny);
static_assert(te::permits(dom0.te(), shype::type_set<128>{100}) == decision::permit);
static_assert(te::permits(lone.te(), lone.te()) == decision::deny);  // no type: shares with nobody

// --- a whole policy at compile time --------------------------------------------------------------------
constexpr auto paper = shype_test::paper_policy();
static_assert(paper.ok && paper.size > 0);
constexpr auto view = shype::policy_view::load(paper.view()).value();
static_assert(view.vm_label_count() == 6 && view.bootstrap_label() == view.find_vm_label("dom0"));

constexpr decision te_share(const char* a, const char* b) {
  const auto la = view.vm_label(view.find_vm_label(a)), lb = view.vm_label(view.find_vm_label(b));
  return te{}.share(view, shype::share_request<shype::vm_label_view>{shype::hook::evtchn_bind, shype::flow::both, la, lb});
}
static_assert(te_share("order", "device") == decision::permit);
static_assert(te_share("ads_a", "order") == decision::deny);
static_assert(te_share("computing", "dom0") == decision::permit);
static_assert(te_share("computing", "device") == decision::deny);

/// Starts labels in order on one host; the decision of the last.
template <std::size_t N>
constexpr decision cw_start_all(const char* const (&labels)[N]) {
  const shype::chinese_wall<8> cw;
  shype::chinese_wall<8>::state_type s{};
  decision d = decision::permit;
  for (const char* l : labels) d = cw.prepare(s, view, view.vm_label(view.find_vm_label(l)));
  return d;
}
constexpr const char* ads_then_rival[] = {"ads_a", "order", "ads_b"};
constexpr const char* ads_twice[] = {"ads_a", "computing", "ads_a"};
static_assert(cw_start_all(ads_then_rival) == decision::deny);
static_assert(cw_start_all(ads_twice) == decision::permit);

constexpr decision cw_after_release() {
  const shype::chinese_wall<8> cw;
  shype::chinese_wall<8>::state_type s{};
  const auto a = view.vm_label(view.find_vm_label("ads_a")), b = view.vm_label(view.find_vm_label("ads_b"));
  (void)cw.prepare(s, view, a);
  cw.release(s, view, a);
  return cw.prepare(s, view, b);
}
static_assert(cw_after_release() == decision::permit);

// A corrupted policy is refused at compile time too.
constexpr bool corrupted_is_refused() {
  auto p = shype_test::paper_policy();
  p.bytes[200] ^= 1;
  return !shype::policy_view::load(p.view()).has_value();
}
static_assert(corrupted_is_refused());

// The same checks at run time, so the test binary reports them too.
TEST(Constexpr, SameDecisionsAtRunTime) {
  EXPECT_EQ(te_share("order", "device"), decision::permit);
  EXPECT_EQ(te_share("ads_a", "order"), decision::deny);
  EXPECT_EQ(cw_start_all(ads_then_rival), decision::deny);
  EXPECT_EQ(cw_start_all(ads_twice), decision::permit);
  EXPECT_EQ(cw_after_release(), decision::permit);
  EXPECT_TRUE(corrupted_is_refused());
}

}  // namespace
