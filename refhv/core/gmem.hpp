// SPDX-License-Identifier: Apache-2.0
// Access to a domain's memory on its behalf. Every hypercall pointer goes through here:
// a range is accepted only if every page in it is RAM the domain owns (a sw_owned leaf
// of its nested page table). Grant-window pages are refused, so the hypervisor can
// never be made to write into a page another domain granted read-only. Ranges are
// checked completely before the first byte moves, so a bad range changes nothing.
#pragma once

#include "domain.hpp"

namespace refhv::gmem {

/// Host pointer to the byte at `gpa` if its page is the domain's own RAM, else nullptr.
u8* own(const domain& d, u64 gpa) noexcept;
/// EFAULT unless [gpa, gpa + len) is entirely the domain's own RAM (len 0 is fine).
result<void> check(const domain& d, u64 gpa, u64 len) noexcept;
result<void> read(const domain& d, void* dst, u64 gpa, u64 len) noexcept;
result<void> write(const domain& d, u64 gpa, const void* src, u64 len) noexcept;
/// Copy between two domains' own memory (image loading, save, restore).
result<void> copy(const domain& dst, u64 dst_gpa, const domain& src, u64 src_gpa, u64 len) noexcept;

template <class T>
result<void> read_obj(const domain& d, T& out, u64 gpa) noexcept {
    return read(d, &out, gpa, sizeof(T));
}
template <class T>
result<void> write_obj(const domain& d, u64 gpa, const T& in) noexcept {
    return write(d, gpa, &in, sizeof(T));
}

}  // namespace refhv::gmem
