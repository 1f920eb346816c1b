// SPDX-License-Identifier: Apache-2.0
// GoogleTest main for the property tests that fails when no test ran: CTest selects tests by
// --gtest_filter, and a filter that matches nothing must not pass silently.
#include <cstdio>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  if (::testing::UnitTest::GetInstance()->test_to_run_count() == 0) {
    std::fprintf(stderr, "proptests: no test matched the filter\n");
    return 1;
  }
  return rc;
}
