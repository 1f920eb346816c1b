// SPDX-License-Identifier: Apache-2.0
// The counting allocator behind shype_test/alloc_counter.hpp.
#include "shype_test/alloc_counter.hpp"

#include <atomic>
#include <new>

namespace {
std::atomic<std::uint64_t> calls{0}, bytes{0};
void count(std::size_t n) noexcept {
  calls.fetch_add(1, std::memory_order_relaxed);
  bytes.fetch_add(n, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* malloc(std::size_t n) {
  count(n);
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  count(a * b);
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  count(n);
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
}
void* operator new(std::size_t n) {
  count(n);
  if (void* p = __libc_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }

namespace shype_test {
alloc_totals allocations() noexcept {
  return {calls.load(std::memory_order_relaxed), bytes.load(std::memory_order_relaxed)};
}
}  // namespace shype_test
