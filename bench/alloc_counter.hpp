// SPDX-License-Identifier: Apache-2.0
#pragma once
// Heap allocations of the benchmark process, counted as tests/alloc/no_alloc_test.cpp does
// (malloc and operator new replaced by counting versions): how the figures "zero allocation"
// (policy load) and "allocates on a miss" (the AVC peer) are measured, not assumed.

#include <cstddef>
#include <cstdint>

namespace bench {

struct alloc_totals {
  std::uint64_t calls = 0;  ///< malloc, calloc, realloc and operator new calls
  std::uint64_t bytes = 0;  ///< bytes requested by them
};

/// Everything allocated since the process started (all threads).
[[nodiscard]] alloc_totals allocations() noexcept;

}  // namespace bench
