// SPDX-License-Identifier: Apache-2.0
// Nested page tables (AMD64 APM vol. 2, 15.25): the guest-physical -> host-physical
// map of one domain. Same 4-level format as long-mode paging, 4 KiB leaves only.
// Two software bits in each leaf say where the host page came from, so teardown
// frees exactly the pages the domain owns and never a page granted to it.
#pragma once

#include "../../core/result.hpp"

namespace refhv::arch::npt {

inline constexpr u64 present = 1ull << 0;
inline constexpr u64 writable = 1ull << 1;
inline constexpr u64 user = 1ull << 2;  ///< nested walks are user accesses: required on every level
inline constexpr u64 accessed = 1ull << 5;
inline constexpr u64 dirty = 1ull << 6;
inline constexpr u64 large = 1ull << 7;
inline constexpr u64 sw_owned = 1ull << 9;   ///< leaf: page allocated to this domain
inline constexpr u64 sw_grant = 1ull << 10;  ///< leaf: another domain's page mapped by grant
inline constexpr u64 addr_mask = 0x000FFFFFFFFFF000ull;

/// Guest-physical addresses the tables accept: below 512 GiB (one top-level entry).
inline constexpr u64 max_gpa = 1ull << 39;

/// A fresh, empty top-level table.
result<u64> create() noexcept;
/// Map one page. `flags` is writable and one of sw_owned / sw_grant. EBUSY if already mapped,
/// ENOMEM if an intermediate table cannot be allocated, EINVAL for a bad gpa.
result<void> map(u64 root, u64 gpa, u64 hpa, u64 flags) noexcept;
/// Allocate the intermediate tables for `gpa` now, so a later map() there cannot fail
/// for lack of memory (used for the grant window at domain creation).
result<void> prepare(u64 root, u64 gpa) noexcept;
/// The leaf entry for `gpa`, or 0.
u64 lookup(u64 root, u64 gpa) noexcept;
/// Remove the leaf for `gpa`; returns the old entry (0 if none). The caller flushes the TLB.
u64 unmap(u64 root, u64 gpa) noexcept;
/// Free every table page and every sw_owned page. No sw_grant leaf may remain.
void destroy(u64 root) noexcept;

}  // namespace refhv::arch::npt
