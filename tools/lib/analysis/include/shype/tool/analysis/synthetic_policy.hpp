// SPDX-License-Identifier: Apache-2.0
#pragma once
// Synthetic ACM policies of any size, as XML: for the benchmark suite (the same XML compiled by
// `shype compile` and exported by `shype export-selinux`) and for differential tests.
//
// Deterministic for a given spec (seeded xorshift). Conflict sets partition the Chinese Wall
// types; every VM label holds one Chinese Wall type (so no label conflicts with itself) and a
// random number of TE types in [te_min, te_max]; every resource label one TE type.

#include <cstddef>
#include <cstdint>
#include <string>

namespace shype::tool {

struct synthetic_spec {
  std::string name = "synthetic";
  std::size_t te_types = 64;
  std::size_t cw_types = 0;       ///< 0: no ChineseWall section
  std::size_t conflict_sets = 0;  ///< each holds cw_types / conflict_sets types (at least 2)
  std::size_t vm_labels = 100;
  std::size_t resource_labels = 100;
  std::size_t te_min = 1, te_max = 3;  ///< TE types per VM label
  std::uint64_t seed = 1;
};

[[nodiscard]] std::string synthetic_policy_xml(const synthetic_spec& s);

/// Names the generator uses, so callers can address labels: "vm0042", "res0007", "te0003", "cw0001".
[[nodiscard]] std::string synthetic_name(const char* prefix, std::size_t i);

}  // namespace shype::tool
