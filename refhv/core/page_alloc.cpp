// SPDX-License-Identifier: Apache-2.0
#include "page_alloc.hpp"

#include "../arch/x86_64/port.hpp"
#include "lib.hpp"
#include "panic.hpp"

namespace refhv::pages {

namespace {
u64 g_base = 0;
u64 g_count = 0;
u64 g_free = 0;
u64 g_hint = 0;
u64 g_used[max_pages / 64];  // bit set = page in use

bool used(u64 i) noexcept { return (g_used[i / 64] >> (i % 64)) & 1u; }
void set_used(u64 i, bool v) noexcept {
    const u64 bit = 1ull << (i % 64);
    if (v)
        g_used[i / 64] |= bit;
    else
        g_used[i / 64] &= ~bit;
}
}  // namespace

void init(u64 start, u64 end) noexcept {
    start = page_align_up(start);
    end = page_align_down(end);
    g_base = start;
    g_count = end > start ? (end - start) / page_size : 0;
    if (g_count > max_pages) g_count = max_pages;
    g_free = g_count;
    g_hint = 0;
    lib::memset(g_used, 0, sizeof g_used);
}

u64 alloc() noexcept {
    for (u64 n = 0; n < g_count; ++n) {
        const u64 i = (g_hint + n) % g_count;
        if (!used(i)) {
            set_used(i, true);
            --g_free;
            g_hint = i + 1;
            const u64 pa = g_base + i * page_size;
            lib::memset(arch::phys_to_virt(pa), 0, page_size);
            return pa;
        }
    }
    return 0;
}

void free(u64 pa) noexcept {
    if (!owns(pa) || !page_aligned(pa)) panic("pages::free: foreign address");
    const u64 i = (pa - g_base) / page_size;
    if (!used(i)) panic("pages::free: double free");
    set_used(i, false);
    ++g_free;
}

u64 free_count() noexcept { return g_free; }
u64 total() noexcept { return g_count; }
bool owns(u64 pa) noexcept { return pa >= g_base && pa < g_base + g_count * page_size; }
u64 index_of(u64 pa) noexcept { return (pa - g_base) / page_size; }
bool in_use(u64 pa) noexcept { return owns(pa) && used(index_of(pa)); }
u64 base() noexcept { return g_base; }
const u64* bitmap() noexcept { return g_used; }

}  // namespace refhv::pages
