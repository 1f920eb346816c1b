// SPDX-License-Identifier: Apache-2.0
#pragma once
// The oracle of a fuzz target fails by trapping: libFuzzer, AFL++ and the replay test all see
// a crash, and the message says which property broke.

#include <cstdio>
#include <string>

namespace shype_fuzz {

[[noreturn]] inline void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz oracle violated: %s\n", what.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

inline void require(bool ok, const std::string& what) {
  if (!ok) broken(what);
}

}  // namespace shype_fuzz
