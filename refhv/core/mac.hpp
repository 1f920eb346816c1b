// SPDX-License-Identifier: Apache-2.0
// The MAC seam: every sharing decision the hypervisor takes goes through this header,
// and nothing else in refhv knows what a policy is (sHype, ACSAC 2005, section 4.3:
// enforcement hooks here, the access control module behind them).
//
// Hook pattern (paper 4.3.2): the caller gathers the labels' owners (domain ids and,
// for resources, the resource label), asks for a decision, and enforces it locally.
// A deny is an answer, not an error: the hypercall then fails with REFHV_EACCES. A hook
// that cannot evaluate the request (unknown domain or label, full table) returns an
// error instead; the hypervisor fails closed and passes that error to the guest.
//
// Bind-time authorisation (4.3.2): event channels, grant mappings and resource
// attachments are checked when they are set up and registered with the ACM as a
// `binding`, under a cookie the hypervisor chooses (it names the channel, mapping or
// connection). Sends and memory accesses are not re-checked. A policy change makes the
// ACM revoke exactly the bindings the new policy no longer permits: it hands each one's
// cookie back through revocation_hooks, after the change is complete. A revoked channel
// fails later sends with REFHV_EACCES; a revoked mapping leaves the mapper's nested page
// table (TLB flushed), the mapper gets REFHV_VIRQ_GRANT_REVOKED and a later access is
// reported to it as REFHV_FAULT_REVOKED.
//
// Implementation: the ACM over the shype library's monitor (Chinese Wall + Type Enforcement)
// with the policy compiled by `shype compile`; core/mac_acm.hpp says which of its files
// (mac_shype, mac_stats, mac_policy, mac_check) holds what.
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
    evtchn_unbound = 11,
    management = 12,  ///< the management decision asked before every management call (manage())
};

/// Subject for operations the hypervisor starts itself (building dom0 at boot).
inline constexpr domid_t hypervisor = invalid_domid;

/// A registered binding (opaque): kept by the channel, mapping or connection it authorised
/// and handed back when that object goes away. Default: none.
struct binding {
    u32 index = 0xFFFFFFFF;
    u32 serial = 0;
    constexpr bool valid() const noexcept { return index != 0xFFFFFFFF; }
    friend constexpr bool operator==(const binding&, const binding&) noexcept = default;
};

/// What a revoked binding was.
enum class object : u8 { evtchn, grant, resource };

/// Enforce a hook's answer at the hook: permit goes on, deny is EACCES, an error is
/// passed on (fail closed).
constexpr result<void> enforce(const result<decision>& r) noexcept {
    if (!r) return fail(r.error());
    return r.value() == decision::permit ? success : result<void>{fail(errc::access)};
}

/// Does a boot module start like a shype binary policy (its magic)? The first such module
/// is the boot policy (as Xen's ACM found its policy among the multiboot modules).
bool looks_like_policy(view<const u8> bytes) noexcept;
/// Called once at boot, before dom0 is built: install the boot policy (a shype binary,
/// validated completely; the bytes are copied). On failure `why` says what is wrong.
result<void> init(view<const u8> boot_policy, char* why, usize why_cap) noexcept;
/// The policy's bootstrap (management) label, the one dom0 gets; empty if it has none.
void bootstrap_label(char* out, usize cap) noexcept;
/// Log every hook decision on the console (hypervisor option mac_trace=1).
void set_trace(bool on) noexcept;

// ---- management privilege -----------------------------------------------------------
/// May `subject` make a management call: domain control (`call` = domain_create, domain_destroy,
/// domain_save, domain_restore; also queries about other domains) or the policy interface
/// (`call` = policy)? Only a domain holding the policy's management (bootstrap) label may; the
/// answer is the ACM's on every call, never a flag the hypervisor keeps. A deny is audited under
/// the call (queries under the policy interface) and is not cached.
result<decision> manage(domid_t subject, hook call) noexcept;

// ---- domain management (never cached: the ACM tracks running domains) ---------
/// `subject` creates domain `dom` with label name `label`; the ACM assigns the label
/// and checks e.g. Chinese Wall conflicts. Called in domain_create and for dom0 at boot.
result<decision> domain_create(domid_t subject, domid_t dom, const char* label) noexcept;
/// `dom` stopped running (shut down, killed, destroyed or saved); always succeeds. The
/// hypervisor has already given back every binding of `dom`.
void domain_destroy(domid_t dom) noexcept;
/// `subject` saves `dom` (it stops running afterwards; domain_destroy follows).
result<decision> domain_save(domid_t subject, domid_t dom) noexcept;
/// `subject` restores a saved domain as `dom` with its saved label.
result<decision> domain_restore(domid_t subject, domid_t dom, const char* label) noexcept;

// ---- sharing between domains (bind-time, registered for revocation) -------------
/// `a` allocates an unbound port that `b` may bind (checked, not registered).
result<decision> evtchn_unbound(domid_t a, domid_t b) noexcept;
/// Event channel between `a` and `b`; on a permit between two domains, `out` is registered
/// under `cookie` (a loopback channel needs no decision and registers nothing).
result<decision> evtchn_bind(domid_t a, domid_t b, u64 cookie, binding& out) noexcept;
/// `mapper` maps a page granted by `granter`; registered under `cookie` on a permit.
result<decision> grant_map(domid_t granter, domid_t mapper, access acc, u64 cookie, binding& out) noexcept;

// ---- MAC domains: labelled virtual resources (paper 4.4) -------------------------
/// `server` offers a resource labelled `resource_label` (it must be allowed to use it);
/// registered under `cookie`.
result<decision> resource_register(domid_t server, const char* resource_label, u64 cookie, binding& out) noexcept;
/// `dom` opens a resource labelled `resource_label`; registered under `cookie`.
result<decision> resource_access(domid_t dom, const char* resource_label, u64 cookie, binding& out) noexcept;
/// May `dom` use a resource labelled `resource_label` under the policy in force? A fresh
/// decision with no side effects (no binding, no audit): which registration of a name a client
/// reaches.
result<decision> may_use(domid_t dom, const char* resource_label) noexcept;
/// Coalitions (TE types, one bit each) shared by MAC domain `macdom` and `dom`. A decision:
/// the management domain may ask about any domain; another only about a domain it `serves`
/// (a client connected to one of its resources) and that the policy lets it share with.
/// Otherwise EACCES (counted as a denial).
result<u64> coalition(domid_t macdom, domid_t dom, bool serves) noexcept;
/// The TE types (coalitions) of a resource label, one bit each.
result<u64> resource_types(const char* resource_label) noexcept;

/// Give a binding back (its object closed); `b` is reset. A no-op for an invalid handle.
void release(object kind, binding& b) noexcept;

// ---- policy interface (the hypercall layer asks manage() first) ----------------------
/// Change the policy (REFHV_POLICY_DRY_RUN: only report). Returns the number of bindings
/// revoked (or that would be); `out` says precisely why a policy was refused.
result<u64> policy_load(domid_t subject, view<const u8> bytes, u32 flags, refhv_policy_result& out) noexcept;
/// Fill `out` for a POLICY_LOAD refused because `subject` lacks the management label (the
/// generation in force and the message a refused change gives).
void management_refused(domid_t subject, refhv_policy_result& out) noexcept;
/// Copy the active binary policy out; returns its size.
result<usize> policy_get(domid_t subject, view<u8> out) noexcept;
/// The decision the policy gives for REFHV_MAC_OP_* between a and b, without side effects.
result<decision> decide(domid_t subject, u32 op, domid_t a, domid_t b) noexcept;
/// The label name of `dom` (NUL-terminated in `out`); returns its length.
result<usize> domain_label(domid_t dom, view<char> out) noexcept;
/// Right after an applied policy change: the name the policy now in force gives the resource
/// label that was `old_name` before it (Xen ACM's <Name from="old"> renames applied), NUL-
/// terminated in `out`; ENOENT if it has none. refhv keeps resource labels by name.
result<usize> resource_label_after_change(const char* old_name, view<char> out) noexcept;
/// The policy in force: its name (NUL-terminated, cut to fit `cap`), version and generation
/// (what a measurement of it records).
void policy_identity(char* name, usize cap, u32& major, u32& minor, u32& generation) noexcept;
/// Hook statistics at the seam.
void stats(refhv_mac_stats& out) noexcept;
/// The ACM's own counters by hook class.
void counters(refhv_mac_counters& out) noexcept;
/// Most recent denials, oldest first; returns how many were written.
usize denials(view<refhv_mac_denial> out) noexcept;
/// The denial log as AVC lines ("avc: denied { bind } for ...\n"), oldest first, whole
/// lines only; returns the bytes written.
usize audit_text(view<char> out) noexcept;

// ---- revocation: implemented by the hypervisor, called by the ACM ----------------
/// `revoke` is called once per binding a policy change took back, after the change.
struct revocation_hooks {
    void (*evtchn)(u64 cookie, binding b) noexcept;    ///< evtchn::revoke
    void (*grant)(u64 cookie, binding b) noexcept;     ///< grant::revoke_by_policy
    void (*resource)(u64 cookie, binding b) noexcept;  ///< resource::revoke
    /// After an applied change, once the revocations ran: labels kept by name follow renames
    /// (resource::rename_labels; domains' labels are carried over by the ACM itself).
    void (*renamed)() noexcept;
};
void set_revocation_hooks(const revocation_hooks& h) noexcept;

// ---- checking (the fuzzer's invariants, core/invariants.cpp) ---------------------
/// Start a check of the bindings: snapshot the ACM's registry; returns how many it holds.
usize begin_binding_check() noexcept;
/// Is `b` a live binding of this kind between these domains (or a domain and a resource
/// label; nullptr: whichever it names) under `cookie`, seen for the first time in this
/// check, and does the policy in force permit it now?
bool binding_ok(object kind, binding b, domid_t subject, domid_t object_dom, const char* resource_label, access acc,
                u64 cookie) noexcept;
/// Bindings of the snapshot no binding_ok() call claimed (the hypervisor lost track of them).
usize unclaimed_bindings() noexcept;
/// Domains the ACM counts as running (or starting).
usize running_domains() noexcept;
/// Does the set of running domains satisfy every placement rule (Chinese Wall) of the
/// policy in force? Computed from the labels, not from the ACM's counters. `why` names
/// the first offending pair.
bool placement_ok(char* why, usize cap) noexcept;
/// Is `dom` running in the ACM with label `label`?
bool domain_ok(domid_t dom, const char* label) noexcept;

}  // namespace refhv::mac
