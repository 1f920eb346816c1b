// SPDX-License-Identifier: Apache-2.0
// A memory limit that holds in every process a fuzz target runs in, whatever the engine.
//
// libFuzzer has -rss_limit_mb, but its watcher is a thread, and AFL++'s fork server forks the
// target without it; ASan's hard_rss_limit_mb is a thread too, and AFL++'s -m (an address-space
// limit) cannot be used with ASan, which reserves terabytes of shadow. So, linked into every
// fuzz binary:
//   - under ASan, a malloc hook (inherited by every forked child) that aborts, with a message and
//     a stack, once the heap holds more than the limit: AFL++ and libFuzzer both see a crash;
//   - without ASan (the g++/clang replay tests), an address-space limit: allocation fails there.
// The limit is SHYPE_FUZZ_MEMORY_LIMIT_MB from the environment, else the build's default
// (fuzz/CMakeLists.txt: the target's own, at most SHYPE_FUZZ_MEMORY_LIMIT_MB); 0 turns it off.
// fuzz/README.md lists it.

#include <cstddef>
#include <cstdio>
#include <cstdlib>

#include <sys/resource.h>

#ifndef SHYPE_FUZZ_MEMORY_LIMIT_MB
#error "SHYPE_FUZZ_MEMORY_LIMIT_MB must give the default memory limit"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SHYPE_FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHYPE_FUZZ_ASAN 1
#endif
#endif

#ifdef SHYPE_FUZZ_ASAN
#include <sanitizer/allocator_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace {

std::size_t limit_mb() {
  const char* env = std::getenv("SHYPE_FUZZ_MEMORY_LIMIT_MB");
  if (env == nullptr || *env == '\0') return SHYPE_FUZZ_MEMORY_LIMIT_MB;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(env, &end, 10);
  if (*end != '\0' || v > (1ull << 24)) {
    std::fprintf(stderr, "fuzz: SHYPE_FUZZ_MEMORY_LIMIT_MB=%s is not a number of MiB\n", env);
    std::abort();
  }
  return static_cast<std::size_t>(v);
}

#ifdef SHYPE_FUZZ_ASAN
std::size_t limit_bytes = 0;
std::size_t since_check = 0;
bool reported = false;

// Asking the allocator for its total takes a lock: ask after each MiB allocated, or at once for
// a large block.
void on_malloc(const volatile void*, std::size_t size) {
  since_check += size;
  if (reported || (since_check < (std::size_t{1} << 20) && size < (std::size_t{64} << 20))) return;
  since_check = 0;
  const std::size_t held = __sanitizer_get_current_allocated_bytes();
  if (held <= limit_bytes) return;
  reported = true;
  std::fprintf(stderr, "==fuzz== ERROR: memory limit: the heap holds %zu MiB, over the limit of %zu MiB "
                       "(SHYPE_FUZZ_MEMORY_LIMIT_MB; fuzz/README.md)\n",
               held >> 20, limit_bytes >> 20);
  __sanitizer_print_stack_trace();
  std::fprintf(stderr, "SUMMARY: fuzz: memory limit of %zu MiB exceeded\n", limit_bytes >> 20);
  std::abort();
}
void on_free(const volatile void*) {}
#endif

[[maybe_unused]] const bool installed = [] {
  const std::size_t mb = limit_mb();
  if (mb == 0) return false;
#ifdef SHYPE_FUZZ_ASAN
  limit_bytes = mb << 20;
  return __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
#else
  // The address space holds the program and its libraries too: allow 256 MiB for them.
  const rlim_t bytes = static_cast<rlim_t>(mb + 256) << 20;
  rlimit r{};
  if (getrlimit(RLIMIT_AS, &r) == 0 && (r.rlim_max == RLIM_INFINITY || r.rlim_max > bytes)) {
    r.rlim_cur = bytes;
    return setrlimit(RLIMIT_AS, &r) == 0;
  }
  return false;
#endif
}();

}  // namespace
