// SPDX-License-Identifier: Apache-2.0
#include "gmem.hpp"

#include "../arch/x86_64/npt.hpp"
#include "../arch/x86_64/port.hpp"
#include "lib.hpp"

namespace refhv::gmem {

u8* own(const domain& d, u64 gpa) noexcept {
    if (d.npt_root == 0 || gpa >= d.mem_bytes) return nullptr;
    const u64 e = arch::npt::lookup(d.npt_root, page_align_down(gpa));
    if ((e & arch::npt::sw_owned) == 0) return nullptr;
    return static_cast<u8*>(arch::phys_to_virt(e & arch::npt::addr_mask)) + (gpa & page_mask);
}

result<void> check(const domain& d, u64 gpa, u64 len) noexcept {
    if (len == 0) return success;
    if (gpa + len < gpa) return fail(errc::fault);  // wraps
    if (gpa >= d.mem_bytes || len > d.mem_bytes - gpa) return fail(errc::fault);
    for (u64 p = page_align_down(gpa); p < gpa + len; p += page_size)
        if (own(d, p) == nullptr) return fail(errc::fault);
    return success;
}

result<void> read(const domain& d, void* dst, u64 gpa, u64 len) noexcept {
    REFHV_TRY(check(d, gpa, len));
    auto* out = static_cast<u8*>(dst);
    while (len > 0) {
        const u64 chunk = page_size - (gpa & page_mask) < len ? page_size - (gpa & page_mask) : len;
        lib::memcpy(out, own(d, gpa), chunk);
        out += chunk;
        gpa += chunk;
        len -= chunk;
    }
    return success;
}

result<void> write(const domain& d, u64 gpa, const void* src, u64 len) noexcept {
    REFHV_TRY(check(d, gpa, len));
    const auto* in = static_cast<const u8*>(src);
    while (len > 0) {
        const u64 chunk = page_size - (gpa & page_mask) < len ? page_size - (gpa & page_mask) : len;
        lib::memcpy(own(d, gpa), in, chunk);
        in += chunk;
        gpa += chunk;
        len -= chunk;
    }
    return success;
}

result<void> copy(const domain& dst, u64 dst_gpa, const domain& src, u64 src_gpa, u64 len) noexcept {
    if (&dst == &src) return fail(errc::inval);  // only ever between two domains
    REFHV_TRY(check(dst, dst_gpa, len));
    REFHV_TRY(check(src, src_gpa, len));
    while (len > 0) {
        u64 chunk = page_size - (dst_gpa & page_mask);
        const u64 s_room = page_size - (src_gpa & page_mask);
        if (s_room < chunk) chunk = s_room;
        if (len < chunk) chunk = len;
        lib::memcpy(own(dst, dst_gpa), own(src, src_gpa), chunk);
        dst_gpa += chunk;
        src_gpa += chunk;
        len -= chunk;
    }
    return success;
}

}  // namespace refhv::gmem
