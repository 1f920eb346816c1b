// SPDX-License-Identifier: Apache-2.0
// shype::decision's own operations, over their whole (tiny) domain: deny overrides in
// operator&&, permitted, permit_if and to_string. Public API that the monitor does not call
// (it folds verdicts itself), so no other test would notice if one of them broke (issue 17's
// sampled mutation run: operator&& made to permit always survived).
#include <shype/decision.hpp>

#include <gtest/gtest.h>

namespace {

using shype::decision;
constexpr decision P = decision::permit, D = decision::deny;

// At compile time: the full truth table.
static_assert((P && P) == P);
static_assert((P && D) == D);
static_assert((D && P) == D);
static_assert((D && D) == D);
static_assert(shype::permitted(P) && !shype::permitted(D));
static_assert(shype::permit_if(true) == P && shype::permit_if(false) == D);

// And at run time, from values the compiler cannot fold.
decision opaque(bool permit) {
  volatile bool b = permit;
  return b ? P : D;
}

TEST(Decision, ConjunctionIsDenyOverrides) {
  for (bool a : {false, true})
    for (bool b : {false, true})
      EXPECT_EQ(opaque(a) && opaque(b), (a && b) ? P : D) << a << " && " << b;
}

TEST(Decision, PermittedAndPermitIf) {
  EXPECT_TRUE(shype::permitted(opaque(true)));
  EXPECT_FALSE(shype::permitted(opaque(false)));
  volatile bool yes = true, no = false;
  EXPECT_EQ(shype::permit_if(yes), P);
  EXPECT_EQ(shype::permit_if(no), D);
}

TEST(Decision, Names) {
  EXPECT_STREQ(shype::to_string(opaque(true)), "permit");
  EXPECT_STREQ(shype::to_string(opaque(false)), "deny");
}

}  // namespace
