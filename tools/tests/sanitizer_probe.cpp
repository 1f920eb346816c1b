// SPDX-License-Identifier: Apache-2.0
// A program with undefined behaviour (a signed overflow) that otherwise exits 1, as a refusal of
// the tool does. Built only under ASan/UBSan: the test tool_cli_sanitizer_exit_code checks that a
// test sees the sanitizer's exit code (86, cmake/sanitizer_defaults.cpp), not a 1 it could take
// for the expected refusal.
#include <climits>

int main(int argc, char**) {
  volatile int big = INT_MAX;
  const int sum = big + argc;  // argc >= 1: overflows
  return sum == 0 ? 0 : 1;
}
