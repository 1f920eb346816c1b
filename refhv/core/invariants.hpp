// SPDX-License-Identifier: Apache-2.0
// The isolation invariants, checked from scratch over the hypervisor's whole state (the
// checked image runs them after every hypercall and every domain kill; the host unit test
// and the in-guest fuzzer lean on them):
//   1. the ACM's running domains are exactly refhv's live domains, with the same labels;
//   2. no two running domains violate the Chinese Wall of the policy in force (computed
//      from the labels, not from the ACM's counters);
//   3. every live channel, grant mapping, resource attachment and registration carries a
//      binding the ACM holds under its cookie, which the policy in force permits; the ACM
//      holds no other binding; revoked and unbound objects hold none;
//   4. every nested-page-table entry of a foreign page is a live grant mapping in the grant
//      window of the page its granter granted, with the granted access; every other leaf is
//      the domain's own RAM inside its memory;
//   5. domains' memory (RAM, page tables, VMCB) is disjoint, every such page is allocated,
//      and every allocated page belongs to a domain (no leak).
#pragma once

#include "types.hpp"

namespace refhv::invariants {

/// nullptr if every invariant holds, else what broke (valid until the next call).
const char* check() noexcept;
/// Checks after `what` (e.g. "hypercall", its number, the caller); a violation is a
/// hypervisor bug: print it and stop (status 37).
void enforce(const char* what, u64 detail, domid_t by) noexcept;
/// Checks run so far.
u64 checks() noexcept;

}  // namespace refhv::invariants
