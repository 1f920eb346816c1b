// SPDX-License-Identifier: Apache-2.0
#pragma once
// Recomputes a binary policy's checksum after a test patched its bytes, so that the loader
// reaches the defect the test planted instead of stopping at the checksum.
#include <shype/detail/le.hpp>
#include <shype/detail/policy_format.hpp>
#include <shype/detail/xxh64.hpp>

#include <cstdint>
#include <vector>

namespace shype_test {

inline void reseal(std::vector<std::uint8_t>& b) {
  namespace f = shype::detail::format;
  shype::detail::xxh64_state h;
  h.update(b.data(), f::off::checksum);
  h.update_zeros(8);
  h.update(b.data() + f::off::checksum + 8, b.size() - f::off::checksum - 8);
  shype::detail::store_le<std::uint64_t>(b.data() + f::off::checksum, h.digest());
}

}  // namespace shype_test
