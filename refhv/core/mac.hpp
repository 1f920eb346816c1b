// SPDX-License-Identifier: Apache-2.0
// The MAC seam: every sharing decision the hypervisor takes goes through this header,
// and nothing else in refhv knows what a policy is (sHype, ACSAC 2005, section 4.3:
// enforcement hooks here, the access control module behind them).
//
// Hook pattern (paper 4.3.2): the caller gathers the labels' owners (domain ids and,
// for resources, the resource label), asks for a decision, and enforces it locally.
// A deny is an answer, not an error: the hypercall then fails with REFHV_EACCES. A hook
// that cannot evaluate the request (unknown domain, full table, no policy) returns an
// error instead; the hypervisor fails closed and passes that error to the guest.
//
// Bind-time authorisation and caching (4.3.2): event channels and grant mappings are
// checked when they are set up; the decision is cached in the channel or mapping
// itself (it exists only because it was permitted). After a policy change the MAC
// layer calls the hypervisor's re-evaluation functions (revocation_hooks below), which
// ask again for every live channel and mapping and revoke those now denied: a revoked
// channel fails later sends with REFHV_EACCES; a revoked mapping is removed from the
// mapper's nested page table (TLB flushed), the mapper gets REFHV_VIRQ_GRANT_REVOKED
// and a later access is reported to it as REFHV_FAULT_REVOKED.
//
// Current implementation: core/mac_placeholder.cpp, a permit-all stand-in (plus a
// debug deny list for testing revocation). It is REPLACED AT INTEGRATION by an adapter
// over the shype library (include/shype/); the signatures here are the contract.
#pragma once

#include <refhv/hypercall.h>

#include "result.hpp"

namespace refhv::mac {

enum class decision : bool { deny = false, permit = true };
enum class access : u8 { read_only, read_write };

/// Hook numbers reported in refhv_mac_stats::hook_calls and refhv_mac_denial::hook.
enum class hook : u8 {
    domain_create = 1,
    evtchn_bind = 2,
    grant_map = 3,
    resource_access = 4,
    resource_register = 5,
    domain_save = 6,
    domain_restore = 7,
    coalition = 8,
    policy = 9,
    domain_destroy = 10,
};

/// Subject for operations the hypervisor starts itself (building dom0 at boot).
inline constexpr domid_t hypervisor = invalid_domid;

/// Enforce a hook's answer at the hook: permit goes on, deny is EACCES, an error is
/// passed on (fail closed).
constexpr result<void> enforce(const result<decision>& r) noexcept {
    if (!r) return fail(r.error());
    return r.value() == decision::permit ? success : result<void>{fail(errc::access)};
}
/// For re-evaluation: only a clear permit keeps a shared object alive.
constexpr bool permitted(const result<decision>& r) noexcept { return r && r.value() == decision::permit; }

/// Called once at boot, before dom0 is built.
void init() noexcept;

// ---- domain management (never cached: the ACM tracks running domains) ---------
/// `subject` creates domain `dom` with label name `label`; the ACM assigns the label
/// and checks e.g. Chinese Wall conflicts. Called in domain_create and for dom0 at boot.
result<decision> domain_create(domid_t subject, domid_t dom, const char* label) noexcept;
/// `dom` stopped running (shut down, killed, destroyed or saved); always succeeds.
void domain_destroy(domid_t dom) noexcept;
/// `subject` saves `dom` (it stops running afterwards; domain_destroy follows).
result<decision> domain_save(domid_t subject, domid_t dom) noexcept;
/// `subject` restores a saved domain as `dom` with its saved label.
result<decision> domain_restore(domid_t subject, domid_t dom, const char* label) noexcept;

// ---- sharing between domains (bind-time, cached in the object) ------------------
/// Event channel between `a` and `b` (interdomain bind and resource connections).
result<decision> evtchn_bind(domid_t a, domid_t b) noexcept;
/// `mapper` maps a page granted by `granter`.
result<decision> grant_map(domid_t granter, domid_t mapper, access acc) noexcept;

// ---- MAC domains: labelled virtual resources (paper 4.4) -------------------------
/// `server` offers a resource labelled `resource_label`.
result<decision> resource_register(domid_t server, const char* resource_label) noexcept;
/// `dom` opens a resource labelled `resource_label`.
result<decision> resource_access(domid_t dom, const char* resource_label) noexcept;
/// Coalitions (TE types, one bit each) shared by MAC domain `macdom` and `dom`.
result<u64> coalition(domid_t macdom, domid_t dom) noexcept;

// ---- policy interface (privileged; the hypercall layer checks the caller first) ----
/// Load a binary policy; on success the ACM re-evaluates (revocation_hooks).
result<void> policy_load(domid_t subject, view<const u8> bytes) noexcept;
/// Copy the active binary policy out; returns its size.
result<usize> policy_get(domid_t subject, view<u8> out) noexcept;
/// The decision the policy gives for REFHV_MAC_OP_* between a and b, without side effects.
result<decision> decide(domid_t subject, u32 op, domid_t a, domid_t b) noexcept;
/// The label name of `dom` (NUL-terminated in `out`); returns its length.
result<usize> domain_label(domid_t dom, view<char> out) noexcept;
/// Hook statistics.
void stats(refhv_mac_stats& out) noexcept;
/// Most recent denials, newest last; returns how many were written.
usize denials(view<refhv_mac_denial> out) noexcept;

// ---- revocation: implemented by the hypervisor, called by the ACM ----------------
struct revocation_hooks {
    void (*reevaluate_evtchns)() noexcept;  ///< evtchn::reevaluate
    void (*reevaluate_grants)() noexcept;   ///< grant::reevaluate
};
void set_revocation_hooks(const revocation_hooks& h) noexcept;
/// Count one revocation performed by a re-evaluation (for stats).
void note_revocation() noexcept;

// ---- testing the revocation path before the real ACM exists ---------------------
/// Placeholder only: deny (or permit again) all sharing between a and b, then re-evaluate.
result<void> debug_deny_pair(domid_t a, domid_t b, bool deny) noexcept;

}  // namespace refhv::mac
