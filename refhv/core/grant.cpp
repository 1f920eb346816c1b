// SPDX-License-Identifier: Apache-2.0
#include "grant.hpp"

#include "../arch/x86_64/npt.hpp"
#include "../arch/x86_64/vmcb.hpp"
#include "evtchn.hpp"
#include "gmem.hpp"
#include "log.hpp"
#include "mac.hpp"

namespace refhv::grant {

namespace {
constexpr u64 window_end = REFHV_GRANT_WINDOW_GPA + REFHV_GRANT_WINDOW_PAGES * page_size;

unsigned slot_of(u64 gpa) noexcept { return static_cast<unsigned>((gpa - REFHV_GRANT_WINDOW_GPA) / page_size); }
u64 gpa_of(unsigned slot) noexcept { return REFHV_GRANT_WINDOW_GPA + slot * page_size; }

/// Remove an active mapping from the mapper's nested page table and tell the mapper.
void revoke_mapping(domain& mapper, unsigned slot, u32 reason) noexcept {
    grant_mapping& m = mapper.maps[slot];
    if (m.state != map_state::active) return;
    mac::release(mac::object::grant, m.bind);  // none left when the policy took it
    (void)arch::npt::unmap(mapper.npt_root, gpa_of(slot));
    mapper.flush_tlb = true;  // applied (TLB_CONTROL) at its next VMRUN
    m.state = map_state::revoked;
    m.revoke_reason = reason;
    if (mapper.shared != nullptr) {
        auto& rec = mapper.shared->revocation;
        rec.gpa = gpa_of(slot);
        rec.granter = m.granter;
        rec.reason = reason;
        ++rec.count;
    }
    evtchn::raise_virq(mapper, REFHV_VIRQ_GRANT_REVOKED);
}

/// The granter's entry behind a mapping, if it still exists.
grant_entry* entry_of(const grant_mapping& m, domain** granter = nullptr) noexcept {
    domain* g = domains::find_live(m.granter);
    if (g == nullptr || m.ref >= REFHV_GRANT_REFS) return nullptr;
    if (granter != nullptr) *granter = g;
    return &g->grants[m.ref];
}
}  // namespace

bool in_window(u64 gpa) noexcept { return gpa >= REFHV_GRANT_WINDOW_GPA && gpa < window_end; }

result<u64> access(domain& d, u64 page_gpa, u64 grantee, u64 flags) noexcept {
    if (!page_aligned(page_gpa)) return fail(errc::inval);
    if ((flags & ~static_cast<u64>(REFHV_GRANT_READONLY)) != 0) return fail(errc::inval);
    // Only ordinary RAM: not the pages the hypervisor shares with the guest or its page tables.
    if (page_gpa < REFHV_GUEST_LOW_FREE_GPA || gmem::own(d, page_gpa) == nullptr) return fail(errc::fault);
    if (grantee >= invalid_domid || grantee == d.id) return fail(errc::inval);
    if (domains::find_live(static_cast<domid_t>(grantee)) == nullptr) return fail(errc::srch);
    for (u64 ref = 0; ref < REFHV_GRANT_REFS; ++ref) {
        grant_entry& e = d.grants[ref];
        if (e.used) continue;
        e = grant_entry{true, (flags & REFHV_GRANT_READONLY) != 0, false, static_cast<domid_t>(grantee),
                        page_gpa, 0};
        return ref;
    }
    return fail(errc::nospc);
}

result<u64> revoke(domain& d, u64 ref) noexcept {
    if (ref >= REFHV_GRANT_REFS) return fail(errc::inval);
    grant_entry& e = d.grants[ref];
    if (!e.used) return fail(errc::noent);
    if (e.mapped) {
        if (domain* m = domains::find_live(e.grantee)) revoke_mapping(*m, slot_of(e.map_gpa), REFHV_REVOKED_BY_GRANTER);
    }
    e = grant_entry{};
    return 0;
}

result<u64> map(domain& d, u64 granter, u64 ref, u64 gpa, u64 flags) noexcept {
    // Decode and validate.
    if ((flags & ~static_cast<u64>(REFHV_GRANT_READONLY)) != 0) return fail(errc::inval);
    if (!page_aligned(gpa) || !in_window(gpa)) return fail(errc::inval);
    if (d.maps[slot_of(gpa)].state != map_state::free) return fail(errc::busy);
    if (granter >= invalid_domid || granter == d.id) return fail(errc::inval);
    domain* g = domains::find_live(static_cast<domid_t>(granter));
    if (g == nullptr) return fail(errc::srch);
    if (ref >= REFHV_GRANT_REFS) return fail(errc::inval);
    grant_entry& e = g->grants[ref];
    if (!e.used || e.grantee != d.id) return fail(errc::noent);
    const bool writable = (flags & REFHV_GRANT_READONLY) == 0;
    if (writable && e.readonly) return fail(errc::perm);
    if (e.mapped) return fail(errc::busy);
    const u64 granter_entry = arch::npt::lookup(g->npt_root, e.gpa);
    if ((granter_entry & arch::npt::sw_owned) == 0) return fail(errc::fault);  // cannot happen: checked at grant
    // Hook: shared-memory decision, registered under the mapping's cookie for revocation.
    const auto acc = writable ? mac::access::read_write : mac::access::read_only;
    mac::binding b;
    REFHV_TRY(mac::enforce(mac::grant_map(g->id, d.id, acc, cookie::make(cookie::mapping, d.id, static_cast<u16>(slot_of(gpa))), b)));
    // Perform.
    const u64 hpa = granter_entry & arch::npt::addr_mask;
    // Cannot fail: the slot is free and the window's tables were built with the domain.
    if (auto r = arch::npt::map(d.npt_root, gpa, hpa, arch::npt::sw_grant | (writable ? arch::npt::writable : 0)); !r) {
        mac::release(mac::object::grant, b);
        return fail(r.error());
    }
    d.maps[slot_of(gpa)] = grant_mapping{map_state::active, writable, static_cast<u16>(ref), g->id, 0, b};
    e.mapped = true;
    e.map_gpa = gpa;
    return 0;
}

result<u64> unmap(domain& d, u64 gpa) noexcept {
    if (!page_aligned(gpa) || !in_window(gpa)) return fail(errc::inval);
    grant_mapping& m = d.maps[slot_of(gpa)];
    if (m.state == map_state::free) return fail(errc::noent);
    if (m.state == map_state::active) {
        mac::release(mac::object::grant, m.bind);
        (void)arch::npt::unmap(d.npt_root, gpa);
        d.flush_tlb = true;
        if (grant_entry* e = entry_of(m)) {
            e->mapped = false;
            e->map_gpa = 0;
        }
    }
    m = grant_mapping{};
    return 0;
}

bool report_window_fault(domain& d, const arch::request& r) noexcept {
    if (d.fault_vector == 0 || d.shared == nullptr || r.pending_event || d.inject != 0) return false;
    const grant_mapping& m = d.maps[slot_of(page_align_down(r.npf.gpa))];
    u32 reason = REFHV_FAULT_UNMAPPED;
    if (m.state == map_state::revoked)
        reason = REFHV_FAULT_REVOKED;
    else if (m.state == map_state::active && r.npf.write && !m.writable)
        reason = REFHV_FAULT_READ_ONLY;
    else if (m.state == map_state::active)
        return false;  // a fault on a good mapping: not something we can explain
    auto& f = d.shared->fault;
    f.gpa = r.npf.gpa;
    f.rip = d.vmcb->save.rip;
    f.reason = reason;
    f.write = r.npf.write ? 1 : 0;
    ++f.count;
    // An external-interrupt-type event: delivered through the guest IDT without regard to
    // RFLAGS.IF, with the faulting RIP in the frame (the access did not complete).
    d.inject = arch::event::interrupt(d.fault_vector);
    return true;
}

void release_all(domain& d) noexcept {
    // What d granted: revoke from the mappers.
    for (u64 ref = 0; ref < REFHV_GRANT_REFS; ++ref) {
        grant_entry& e = d.grants[ref];
        if (e.used && e.mapped) {
            if (domain* m = domains::find_live(e.grantee))
                revoke_mapping(*m, slot_of(e.map_gpa), REFHV_REVOKED_GRANTER_GONE);
        }
        e = grant_entry{};
    }
    // What d mapped: unmap (the granter's pages are not d's to free).
    for (unsigned s = 0; s < REFHV_GRANT_WINDOW_PAGES; ++s)
        if (d.maps[s].state != map_state::free) (void)unmap(d, gpa_of(s));
}

void forget_domain(domid_t gone) noexcept {
    for (unsigned i = 0; i < max_domains; ++i) {
        domain& x = *domains::slot(i);
        if (!x.alive() || x.id == gone) continue;
        for (auto& e : x.grants)
            if (e.used && e.grantee == gone) e.grantee = invalid_domid;  // unmapped already (release_all)
        for (auto& m : x.maps)
            if (m.state == map_state::revoked && m.granter == gone) m.granter = invalid_domid;
    }
}

void revoke_by_policy(u64 key, mac::binding taken) noexcept {
    domain* d = domains::find_live(cookie::dom_of(key));
    const unsigned s = cookie::index_of(key);
    if (d == nullptr || s >= REFHV_GRANT_WINDOW_PAGES) return;
    grant_mapping& m = d->maps[s];
    if (m.state != map_state::active || m.bind != taken) return;  // not this mapping's binding
    m.bind = mac::binding{};  // the ACM dropped it already
    if (grant_entry* e = entry_of(m)) {
        e->mapped = false;
        e->map_gpa = 0;
    }
    revoke_mapping(*d, s, REFHV_REVOKED_BY_POLICY);
    log::line("refhv: revoked grant mapping of d", log::dec{m.granter}, " ref ", log::dec{m.ref}, " at d",
              log::dec{d->id}, ":", log::hex{gpa_of(s)});
}

}  // namespace refhv::grant
