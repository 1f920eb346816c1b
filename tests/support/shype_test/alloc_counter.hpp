// SPDX-License-Identifier: Apache-2.0
#pragma once
// Heap allocations of the process, counted: linking the shype_alloc_counter object library
// replaces malloc, calloc, realloc and operator new with counting versions. The no-allocation
// test (tests/alloc/) asserts that a long run of the monitor allocates nothing; the benchmark
// suite (bench/) measures "zero allocation" (policy load) and "allocates on a miss" (the AVC
// peer) with it instead of assuming them. Not for sanitizer builds: they replace malloc
// themselves.

#include <cstddef>
#include <cstdint>

namespace shype_test {

struct alloc_totals {
  std::uint64_t calls = 0;  ///< malloc, calloc, realloc and operator new calls
  std::uint64_t bytes = 0;  ///< bytes requested by them
};

/// Everything allocated since the process started (all threads).
[[nodiscard]] alloc_totals allocations() noexcept;

}  // namespace shype_test
