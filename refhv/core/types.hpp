// SPDX-License-Identifier: Apache-2.0
// Basic vocabulary of the hypervisor: fixed-width integers, domain ids, pages.
#pragma once

#include <cstddef>
#include <cstdint>

namespace refhv {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i32 = std::int32_t;
using i64 = std::int64_t;
using usize = std::size_t;

/// A domain id as seen by guests (below domid_limit, see domain.hpp).
using domid_t = u16;
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
