// SPDX-License-Identifier: Apache-2.0
// Physical page allocator: one bit per 4 KiB page over a single RAM range, fixed-size
// bitmap, no heap. Pages come back zeroed, so a domain never sees a previous owner's data.
#pragma once

#include "types.hpp"

namespace refhv::pages {

/// Largest range the bitmap covers: 1 GiB.
inline constexpr u64 max_pages = (1ull << 30) / page_size;

/// Manage [start, end); both are rounded inwards to page boundaries.
void init(u64 start, u64 end) noexcept;
/// A zeroed page's physical address, or 0 when memory is exhausted.
u64 alloc() noexcept;
/// Return a page; panics on a double free or a foreign address (a hypervisor bug).
void free(u64 pa) noexcept;
u64 free_count() noexcept;
u64 total() noexcept;
bool owns(u64 pa) noexcept;
/// Is `pa` (a page this allocator owns) handed out? Its index in the range.
bool in_use(u64 pa) noexcept;
u64 index_of(u64 pa) noexcept;
/// The allocator's range and its in-use bitmap (one bit per page), for the checker.
u64 base() noexcept;
const u64* bitmap() noexcept;

}  // namespace refhv::pages
