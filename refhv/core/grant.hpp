// SPDX-License-Identifier: Apache-2.0
// Grant tables: a domain grants one of its pages to one other domain (read-only or
// read-write); the grantee maps it into its grant window (REFHV_GRANT_WINDOW_GPA, a
// page the grantee chooses) through its nested page table. Mapping is mediated by
// mac::grant_map (bind-time; the mapping's binding is registered for revocation). Revocation -- by the granter, by the policy, or because the granter
// went away -- removes the nested mapping, flushes the mapper's TLB and leaves the
// window slot "revoked": a later access is a nested page fault that the hypervisor
// reports to the mapper (REFHV_FAULT_REVOKED on its fault vector) instead of killing it.
#pragma once

#include "domain.hpp"

namespace refhv::grant {

result<u64> access(domain& d, u64 page_gpa, u64 grantee, u64 flags) noexcept;
result<u64> revoke(domain& d, u64 ref) noexcept;
result<u64> map(domain& d, u64 granter, u64 ref, u64 gpa, u64 flags) noexcept;
result<u64> unmap(domain& d, u64 gpa) noexcept;

bool in_window(u64 gpa) noexcept;
/// A nested page fault at `r.npf.gpa` inside the grant window: record it in the
/// domain's shared info and queue the fault vector. False if the domain cannot be
/// told (no fault vector, or another event in flight): the caller kills it.
bool report_window_fault(domain& d, const arch::request& r) noexcept;

/// A domain stops running: revoke what it granted (mappers are told) and drop its mappings.
void release_all(domain& d) noexcept;
/// Domain `gone` was released: grants of other domains naming it as grantee now name nobody
/// (the granter keeps the ref until it revokes it), revoked window slots forget it as granter.
void forget_domain(domid_t gone) noexcept;
/// Revocation by a policy change: the mapping registered under `cookie` with binding `b`
/// leaves the mapper's nested page table; the mapper is told.
void revoke_by_policy(u64 cookie, mac::binding b) noexcept;

}  // namespace refhv::grant
