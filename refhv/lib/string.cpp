// SPDX-License-Identifier: Apache-2.0
// The four memory functions a freestanding C++ compiler may emit calls to, plus strlen
// (std::char_traits uses it). Simple loops: the compiler must not turn them back into
// calls to themselves, so the copies are
// done with string instructions rather than loops a compiler could turn into calls.
#include <cstddef>

extern "C" {

void* memcpy(void* dst, const void* src, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    if (((reinterpret_cast<std::size_t>(d) | reinterpret_cast<std::size_t>(s) | n) & 7) == 0) {
        std::size_t q = n / 8;
        asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(q) : : "memory");
        return dst;
    }
    asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dst;
}

void* memset(void* dst, int c, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(static_cast<unsigned char>(c)) : "memory");
    return dst;
}

void* memmove(void* dst, const void* src, std::size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) {
        asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    } else {  // overlapping with dst above src: copy backwards
        d += n - 1;
        s += n - 1;
        asm volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    }
    return dst;
}

int memcmp(const void* a, const void* b, std::size_t n) {
    const auto* x = static_cast<const unsigned char*>(a);
    const auto* y = static_cast<const unsigned char*>(b);
    for (std::size_t i = 0; i < n; ++i)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

std::size_t strlen(const char* s) {
    std::size_t n = 0;
    while (s[n] != '\0') ++n;
    return n;
}

}  // extern "C"
