// SPDX-License-Identifier: Apache-2.0
#include "evtchn.hpp"

#include "../arch/x86_64/vmcb.hpp"
#include "gmem.hpp"
#include "log.hpp"
#include "mac.hpp"
#include "sched.hpp"

namespace refhv::evtchn {

namespace {
constexpr u64 nports = REFHV_EVTCHN_PORTS;

int free_port(const domain& d) noexcept {
    for (unsigned p = 1; p < nports; ++p)
        if (d.ports[p].state == REFHV_EVTCHN_FREE) return static_cast<int>(p);
    return -1;
}

/// The remote domain of a request: live, and named by a valid id.
result<domain*> remote_domain(u64 id) noexcept {
    if (id >= invalid_domid) return fail(errc::srch);
    domain* r = domains::find_live(static_cast<domid_t>(id));
    if (r == nullptr) return fail(errc::srch);
    return r;
}

/// The other end of an interdomain or revoked port, if it still points back at us.
evtchn_port* peer_of(const domain& d, u16 port, domain** out = nullptr) noexcept {
    const evtchn_port& p = d.ports[port];
    domain* r = domains::find_live(p.remote);
    if (r == nullptr || p.remote_port >= nports) return nullptr;
    evtchn_port& rp = r->ports[p.remote_port];
    if ((rp.state != REFHV_EVTCHN_INTERDOMAIN && rp.state != REFHV_EVTCHN_REVOKED) || rp.remote != d.id ||
        rp.remote_port != port)
        return nullptr;
    if (out != nullptr) *out = r;
    return &rp;
}

void upcall(domain& d) noexcept {
    if (d.shared == nullptr) return;
    if (d.shared->upcall_pending == 0) {
        d.shared->upcall_pending = 1;
        if (d.upcall_vector != 0 && d.vmcb != nullptr) {
            d.vmcb->control.int_vector = d.upcall_vector;
            d.vmcb->control.int_ctl |= arch::v_irq;
        }
    }
    sched::wake(d);
}
}  // namespace

bool has_pending(const domain& d) noexcept {
    if (d.shared == nullptr) return false;
    return d.shared->upcall_pending != 0 || (d.shared->evtchn_pending & ~d.shared->evtchn_mask) != 0;
}

void set_pending(domain& d, u16 port) noexcept {
    if (d.shared == nullptr || port >= nports) return;
    const u64 bit = 1ull << port;
    d.shared->evtchn_pending |= bit;
    if ((d.shared->evtchn_mask & bit) == 0) upcall(d);
}

void raise_virq(domain& d, u64 virq) noexcept {
    if (d.shared == nullptr) return;
    d.shared->virq_pending |= virq;
    set_pending(d, 0);
}

result<u64> alloc_unbound(domain& d, u64 remote) noexcept {
    auto r = remote_domain(remote);
    if (!r) return fail(r.error());
    const int p = free_port(d);
    if (p < 0) return fail(errc::nospc);
    // Hook: may d offer a channel to the remote domain at all?
    REFHV_TRY(mac::enforce(mac::evtchn_unbound(d.id, r.value()->id)));
    d.ports[p] = evtchn_port{REFHV_EVTCHN_UNBOUND, 0, r.value()->id};
    return static_cast<u64>(p);
}

result<u64> bind_interdomain(domain& d, u64 remote, u64 remote_port) noexcept {
    // Decode and validate everything first.
    auto r = remote_domain(remote);
    if (!r) return fail(r.error());
    domain& rd = *r.value();
    if (remote_port == 0 || remote_port >= nports) return fail(errc::inval);
    evtchn_port& rp = rd.ports[remote_port];
    if (rp.state != REFHV_EVTCHN_UNBOUND || rp.remote != d.id) return fail(errc::inval);
    const int p = free_port(d);
    if (p < 0) return fail(errc::nospc);
    if (&rd == &d && static_cast<u64>(p) == remote_port) return fail(errc::inval);
    // Hook: bind-time MAC decision, registered under the channel's cookie for revocation.
    mac::binding b;
    REFHV_TRY(mac::enforce(mac::evtchn_bind(d.id, rd.id, cookie::make(cookie::channel, d.id, static_cast<u16>(p)), b)));
    // Perform.
    d.ports[p] = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, static_cast<u16>(remote_port), rd.id, b, {}};
    rp = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, static_cast<u16>(p), d.id, b, {}};
    return static_cast<u64>(p);
}

result<u64> send(domain& d, u64 port) noexcept {
    if (port == 0 || port >= nports) return fail(errc::inval);
    const auto p = static_cast<u16>(port);
    switch (d.ports[p].state) {
    case REFHV_EVTCHN_INTERDOMAIN: {
        domain* r = nullptr;
        if (peer_of(d, p, &r) == nullptr) return fail(errc::notconn);
        set_pending(*r, d.ports[p].remote_port);
        return 0;
    }
    case REFHV_EVTCHN_REVOKED: return fail(errc::access);
    case REFHV_EVTCHN_UNBOUND: return fail(errc::notconn);
    default: return fail(errc::inval);
    }
}

result<u64> close(domain& d, u64 port) noexcept {
    if (port == 0 || port >= nports) return fail(errc::inval);
    const auto p = static_cast<u16>(port);
    evtchn_port& lp = d.ports[p];
    if (lp.state == REFHV_EVTCHN_FREE) return fail(errc::inval);
    if (lp.state == REFHV_EVTCHN_INTERDOMAIN) {
        // The channel's bindings go back to the ACM; Xen semantics: the peer becomes
        // unbound, waiting for us again.
        evtchn_port* rp = peer_of(d, p);
        mac::release(mac::object::evtchn, lp.bind);
        mac::release(mac::object::resource, lp.attach);
        if (rp != nullptr) {
            mac::release(mac::object::resource, rp->attach);
            *rp = evtchn_port{REFHV_EVTCHN_UNBOUND, 0, d.id, {}, {}};
        }
    } else if (lp.state == REFHV_EVTCHN_REVOKED) {
        if (evtchn_port* rp = peer_of(d, p)) rp->remote = invalid_domid;  // stays revoked, now orphaned
    }
    lp = evtchn_port{};
    if (d.shared != nullptr) d.shared->evtchn_pending &= ~(1ull << p);
    return 0;
}

result<u64> status(domain& d, u64 port, u64 out_gpa) noexcept {
    if (port >= nports) return fail(errc::inval);
    const evtchn_port& p = d.ports[port];
    const refhv_evtchn_status st{p.state, p.remote, p.remote_port, 0};
    REFHV_TRY(gmem::write_obj(d, out_gpa, st));
    return 0;
}

result<u64> set_vectors(domain& d, u64 upcall_vec, u64 fault_vec) noexcept {
    auto ok = [](u64 v) { return v == 0 || (v >= 32 && v <= 255); };
    if (!ok(upcall_vec) || !ok(fault_vec)) return fail(errc::inval);
    if (upcall_vec != 0 && upcall_vec == fault_vec) return fail(errc::inval);
    d.upcall_vector = static_cast<u8>(upcall_vec);
    d.fault_vector = static_cast<u8>(fault_vec);
    // Deliver what arrived before the vector was registered.
    if (d.shared != nullptr && d.shared->upcall_pending != 0 && d.upcall_vector != 0 && d.vmcb != nullptr) {
        d.vmcb->control.int_vector = d.upcall_vector;
        d.vmcb->control.int_ctl |= arch::v_irq;
    }
    return 0;
}

result<u32> connect(domain& a, domain& b, const char* resource_label) noexcept {
    const int pa = free_port(a);
    if (pa < 0) return fail(errc::nospc);
    a.ports[pa].state = REFHV_EVTCHN_UNBOUND;  // hold it while looking in b (a may be b)
    const int pb = free_port(b);
    a.ports[pa].state = REFHV_EVTCHN_FREE;
    if (pb < 0) return fail(errc::nospc);
    const u64 key = cookie::make(cookie::connection, a.id, static_cast<u16>(pa));
    // Hooks: may a use a resource with this label at all, and may a and b share a channel?
    mac::binding attach, bind;
    REFHV_TRY(mac::enforce(mac::resource_access(a.id, resource_label, key, attach)));
    if (auto r = mac::enforce(mac::evtchn_bind(a.id, b.id, key, bind)); !r) {
        mac::release(mac::object::resource, attach);
        return fail(r.error());
    }
    a.ports[pa] = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, static_cast<u16>(pb), b.id, bind, attach};
    b.ports[pb] = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, static_cast<u16>(pa), a.id, bind, {}};
    return static_cast<u32>(pa) | (static_cast<u32>(pb) << 16);
}

void close_all(domain& d) noexcept {
    for (u64 p = 1; p < nports; ++p)
        if (d.ports[p].state != REFHV_EVTCHN_FREE) (void)close(d, p);
}

void revoke(u64 key, mac::binding taken) noexcept {
    domain* d = domains::find_live(cookie::dom_of(key));
    const u16 p = cookie::index_of(key);
    if (d == nullptr || p == 0 || p >= nports || d->ports[p].state != REFHV_EVTCHN_INTERDOMAIN) return;
    evtchn_port& lp = d->ports[p];
    domain* r = nullptr;
    evtchn_port* rp = peer_of(*d, p, &r);
    if (rp == nullptr || (lp.bind != taken && lp.attach != taken)) return;  // not this channel's binding
    // The ACM already dropped the binding it revoked; the channel's other one goes back too.
    if (lp.bind == taken) lp.bind = rp->bind = mac::binding{};
    if (lp.attach == taken) lp.attach = mac::binding{};
    mac::release(mac::object::evtchn, lp.bind);
    rp->bind = mac::binding{};
    mac::release(mac::object::resource, lp.attach);
    mac::release(mac::object::resource, rp->attach);
    // Both ends stay pointing at each other, revoked, so each side can still close.
    lp.state = REFHV_EVTCHN_REVOKED;
    rp->state = REFHV_EVTCHN_REVOKED;
    log::line("refhv: revoked event channel d", log::dec{d->id}, ":", log::dec{p}, " <-> d", log::dec{r->id}, ":",
              log::dec{lp.remote_port});
    raise_virq(*d, REFHV_VIRQ_EVTCHN_REVOKED);
    raise_virq(*r, REFHV_VIRQ_EVTCHN_REVOKED);
}

}  // namespace refhv::evtchn
