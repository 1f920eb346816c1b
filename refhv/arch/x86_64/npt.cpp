// SPDX-License-Identifier: Apache-2.0
#include "npt.hpp"

#include "../../core/page_alloc.hpp"
#include "../../core/panic.hpp"
#include "port.hpp"

namespace refhv::arch::npt {

namespace {
constexpr u64 table_flags = present | writable | user;

u64* table(u64 pa) noexcept { return static_cast<u64*>(phys_to_virt(pa)); }
unsigned index(u64 gpa, unsigned level) noexcept {  // level 3 = PML4 ... 0 = PT
    return static_cast<unsigned>((gpa >> (12 + 9 * level)) & 0x1FF);
}

/// Walk to the level-0 table for gpa, allocating tables when `alloc` is set.
u64* leaf_table(u64 root, u64 gpa, bool alloc) noexcept {
    u64* t = table(root);
    for (unsigned level = 3; level > 0; --level) {
        u64& e = t[index(gpa, level)];
        if ((e & present) == 0) {
            if (!alloc) return nullptr;
            const u64 pa = pages::alloc();
            if (pa == 0) return nullptr;
            e = pa | table_flags;
        }
        t = table(e & addr_mask);
    }
    return t;
}

void destroy_level(u64 pa, unsigned level) noexcept {
    u64* t = table(pa);
    for (unsigned i = 0; i < 512; ++i) {
        const u64 e = t[i];
        if ((e & present) == 0) continue;
        if (level > 0) {
            destroy_level(e & addr_mask, level - 1);
        } else if ((e & sw_grant) != 0) {
            panic("npt::destroy: grant mapping still present");
        } else if ((e & sw_owned) != 0) {
            pages::free(e & addr_mask);
        }
    }
    pages::free(pa);
}
}  // namespace

result<u64> create() noexcept {
    const u64 pa = pages::alloc();
    if (pa == 0) return fail(errc::nomem);
    return pa;
}

result<void> map(u64 root, u64 gpa, u64 hpa, u64 flags) noexcept {
    if (!page_aligned(gpa) || !page_aligned(hpa) || gpa >= max_gpa) return fail(errc::inval);
    u64* t = leaf_table(root, gpa, true);
    if (t == nullptr) return fail(errc::nomem);
    u64& e = t[index(gpa, 0)];
    if ((e & present) != 0) return fail(errc::busy);
    e = hpa | present | user | (flags & (writable | sw_owned | sw_grant));
    return success;
}

result<void> prepare(u64 root, u64 gpa) noexcept {
    if (gpa >= max_gpa) return fail(errc::inval);
    if (leaf_table(root, gpa, true) == nullptr) return fail(errc::nomem);
    return success;
}

u64 lookup(u64 root, u64 gpa) noexcept {
    if (gpa >= max_gpa) return 0;
    u64* t = leaf_table(root, gpa, false);
    if (t == nullptr) return 0;
    const u64 e = t[index(gpa, 0)];
    return (e & present) != 0 ? e : 0;
}

u64 unmap(u64 root, u64 gpa) noexcept {
    if (gpa >= max_gpa) return 0;
    u64* t = leaf_table(root, gpa, false);
    if (t == nullptr) return 0;
    u64& e = t[index(gpa, 0)];
    const u64 old = e;
    e = 0;
    return (old & present) != 0 ? old : 0;
}

void destroy(u64 root) noexcept { destroy_level(root, 3); }

}  // namespace refhv::arch::npt
