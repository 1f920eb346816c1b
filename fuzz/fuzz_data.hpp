// SPDX-License-Identifier: Apache-2.0
#pragma once
// The example policies of fuzz/data/simulate, built into the fuzzer (fuzz/CMakeLists.txt writes
// fuzz_data.inc from the files at configure time): a fuzzer run by OSS-Fuzz or ClusterFuzzLite
// runs on a machine without the source tree, so it reads no file of ours at run time.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shype_fuzz {

struct embedded_policy {
  const char* name;       ///< the file name in fuzz/data/simulate
  std::string_view xml;   ///< its text
};

inline constexpr embedded_policy simulate_policies[] = {
#include "fuzz_data.inc"
};

inline std::vector<std::uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

}  // namespace shype_fuzz
