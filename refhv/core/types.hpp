// SPDX-License-Identifier: Apache-2.0
// Basic vocabulary of the hypervisor: fixed-width integers, domain ids, pages.
#pragma once

#include <refhv/ints.hpp>

namespace refhv {

// u8 ... i64, usize and domid_t (the library's): shared with the guests.
using namespace ints;

inline constexpr domid_t dom0 = 0;
inline constexpr domid_t invalid_domid = 0xFFFF;

inline constexpr u64 page_size = 4096;
inline constexpr u64 page_mask = page_size - 1;

constexpr u64 page_align_down(u64 v) noexcept { return v & ~page_mask; }
constexpr u64 page_align_up(u64 v) noexcept { return (v + page_mask) & ~page_mask; }
constexpr bool page_aligned(u64 v) noexcept { return (v & page_mask) == 0; }

/// A non-owning view of bytes; the hypervisor's own span, so nothing here depends on <span>.
template <class T>
struct view {
    T* data = nullptr;
    usize size = 0;
    constexpr T& operator[](usize i) const noexcept { return data[i]; }
    constexpr T* begin() const noexcept { return data; }
    constexpr T* end() const noexcept { return data + size; }
};

/// Length of a NUL-terminated string within at most `max` bytes; `max` if unterminated.
constexpr usize bounded_strlen(const char* s, usize max) noexcept {
    usize n = 0;
    while (n < max && s[n] != '\0') ++n;
    return n;
}

}  // namespace refhv
