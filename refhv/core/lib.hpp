// SPDX-License-Identifier: Apache-2.0
// Byte helpers the hypervisor uses by name. In the freestanding build they are the
// implementations in lib/string.cpp (which the compiler may also call implicitly).
#pragma once

#include "types.hpp"

#if __STDC_HOSTED__
#include <cstring>  // host tests use the C library's versions
#else
extern "C" {
void* memcpy(void* dst, const void* src, std::size_t n);
void* memset(void* dst, int c, std::size_t n);
void* memmove(void* dst, const void* src, std::size_t n);
int memcmp(const void* a, const void* b, std::size_t n);
std::size_t strlen(const char* s);
}
#endif

namespace refhv::lib {
inline void memcpy(void* d, const void* s, usize n) noexcept { ::memcpy(d, s, n); }
inline void memset(void* d, int c, usize n) noexcept { ::memset(d, c, n); }
inline int memcmp(const void* a, const void* b, usize n) noexcept { return ::memcmp(a, b, n); }

/// Copy a NUL-terminated string into a fixed buffer, always terminating it.
inline void strlcpy(char* dst, const char* src, usize cap) noexcept {
    if (cap == 0) return;
    const usize n = bounded_strlen(src, cap - 1);
    ::memcpy(dst, src, n);
    dst[n] = '\0';
}
inline bool streq(const char* a, const char* b, usize cap) noexcept {
    for (usize i = 0; i < cap; ++i) {
        if (a[i] != b[i]) return false;
        if (a[i] == '\0') return true;
    }
    return true;
}
}  // namespace refhv::lib
