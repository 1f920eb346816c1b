// SPDX-License-Identifier: Apache-2.0
#include "evtchn.hpp"

#include "../arch/x86_64/vmcb.hpp"
#include "gmem.hpp"
#include "log.hpp"
#include "mac.hpp"
#include "resource.hpp"
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

/// A port back to FREE (its pending bit too).
void free_port_at(domain& d, u16 port) noexcept {
    d.ports[port] = evtchn_port{};
    if (d.shared != nullptr) d.shared->evtchn_pending &= ~(1ull << port);
}

/// The hooks of a resource connection, registered under the client's port's connection cookie:
/// may the client use a resource with this label, and share a channel with its server? Used by
/// RESOURCE_OPEN and by every rebind of a connection's port, so no channel to a server's
/// connection exists without the client's attachment.
result<void> authorize_connection(domid_t client, u16 client_port, domid_t server, const char* label,
                                  mac::binding& attach, mac::binding& bind) noexcept {
    const u64 key = cookie::make(cookie::connection, client, client_port);
    REFHV_TRY(mac::enforce(mac::resource_access(client, label, key, attach)));
    if (auto r = mac::enforce(mac::evtchn_bind(client, server, key, bind)); !r) {
        mac::release(mac::object::resource, attach);
        return fail(r.error());
    }
    return success;
}

/// Revoke a live channel on both ends: its bindings go back, sends fail with EACCES, a
/// connection the server had not accepted leaves its queue, both are told.
void revoke_pair(domain& d, u16 p, domain& r, evtchn_port& rp) noexcept {
    evtchn_port& lp = d.ports[p];
    mac::release(mac::object::evtchn, lp.bind);
    rp.bind = mac::binding{};
    mac::release(mac::object::resource, lp.attach);
    mac::release(mac::object::resource, rp.attach);
    // Both ends stay pointing at each other, revoked, so each side can still close.
    lp.state = REFHV_EVTCHN_REVOKED;
    rp.state = REFHV_EVTCHN_REVOKED;
    if (lp.conn == conn_end::server) (void)resource::drop_pending(d, p);
    if (rp.conn == conn_end::server) (void)resource::drop_pending(r, lp.remote_port);
    log::line("refhv: revoked event channel d", log::dec{d.id}, ":", log::dec{p}, " <-> d", log::dec{r.id}, ":",
              log::dec{lp.remote_port});
    raise_virq(d, REFHV_VIRQ_EVTCHN_REVOKED);
    raise_virq(r, REFHV_VIRQ_EVTCHN_REVOKED);
}

/// Bind d's free port `p` to the unbound end `rport` of a resource connection in `rd`: mediated
/// like the open that made the connection (resource access for the client, channel), with the
/// attachment on the client's end, whichever side rebinds.
result<u64> rebind_connection(domain& d, u16 p, domain& rd, u16 rport) noexcept {
    evtchn_port& rp = rd.ports[rport];
    if (&rd == &d) return fail(errc::inval);
    const bool d_is_client = rp.conn == conn_end::server;
    domain& client = d_is_client ? d : rd;
    domain& server = d_is_client ? rd : d;
    mac::binding reg;
    const char* label = resource::label_of(server.id, rp.res, reg);
    if (label == nullptr) return fail(errc::noent);  // withdrawn (a withdrawal unmarks its ports: unreachable)
    mac::binding attach, bind;
    REFHV_TRY(authorize_connection(client.id, d_is_client ? p : rport, server.id, label, attach, bind));
    const u8 res = rp.res;
    d.ports[p] = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, rport, rd.id, bind, d_is_client ? attach : mac::binding{},
                             d_is_client ? conn_end::client : conn_end::server, res};
    rp = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, p, d.id, bind, d_is_client ? mac::binding{} : attach,
                     d_is_client ? conn_end::server : conn_end::client, res};
    return p;
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
    d.ports[p] = evtchn_port{REFHV_EVTCHN_UNBOUND, 0, r.value()->id, {}, {}, conn_end::none, 0};
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
    // The unbound end of a resource connection: the rebind is a connection again.
    if (rp.conn != conn_end::none) return rebind_connection(d, static_cast<u16>(p), rd, static_cast<u16>(remote_port));
    // Hook: bind-time MAC decision, registered under the channel's cookie for revocation.
    mac::binding b;
    REFHV_TRY(mac::enforce(mac::evtchn_bind(d.id, rd.id, cookie::make(cookie::channel, d.id, static_cast<u16>(p)), b)));
    // Perform.
    d.ports[p] = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, static_cast<u16>(remote_port), rd.id, b, {}, conn_end::none, 0};
    rp = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, static_cast<u16>(p), d.id, b, {}, conn_end::none, 0};
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
    if (lp.conn == conn_end::server) (void)resource::drop_pending(d, p);  // never to be accepted
    if (lp.state == REFHV_EVTCHN_INTERDOMAIN) {
        // The channel's bindings go back to the ACM; Xen semantics: the peer becomes
        // unbound, waiting for us again (a connection's end stays one: rebinding it is mediated).
        domain* r = nullptr;
        evtchn_port* rp = peer_of(d, p, &r);
        mac::release(mac::object::evtchn, lp.bind);
        mac::release(mac::object::resource, lp.attach);
        if (rp != nullptr) {
            mac::release(mac::object::resource, rp->attach);
            if (lp.conn == conn_end::client && resource::drop_pending(*r, lp.remote_port)) {
                // The server never accepted it: the connection goes entirely, its port too, so
                // opening and closing cannot use up a server's queue or ports.
                free_port_at(*r, lp.remote_port);
            } else {
                *rp = evtchn_port{REFHV_EVTCHN_UNBOUND, 0, d.id, {}, {}, rp->conn, rp->res};
            }
        }
    } else if (lp.state == REFHV_EVTCHN_REVOKED) {
        if (evtchn_port* rp = peer_of(d, p)) {  // stays revoked, now orphaned
            rp->remote = invalid_domid;
            rp->conn = conn_end::none;
            rp->res = 0;
        }
    }
    free_port_at(d, p);
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

result<u32> connect(domain& a, domain& b, u8 res, const char* resource_label) noexcept {
    const int pa = free_port(a);
    if (pa < 0) return fail(errc::nospc);
    a.ports[pa].state = REFHV_EVTCHN_UNBOUND;  // hold it while looking in b (a may be b)
    const int pb = free_port(b);
    a.ports[pa].state = REFHV_EVTCHN_FREE;
    if (pb < 0) return fail(errc::nospc);
    mac::binding attach, bind;
    REFHV_TRY(authorize_connection(a.id, static_cast<u16>(pa), b.id, resource_label, attach, bind));
    a.ports[pa] = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, static_cast<u16>(pb), b.id, bind, attach, conn_end::client, res};
    b.ports[pb] = evtchn_port{REFHV_EVTCHN_INTERDOMAIN, static_cast<u16>(pa), a.id, bind, {}, conn_end::server, res};
    return static_cast<u32>(pa) | (static_cast<u32>(pb) << 16);
}

bool serves(const domain& server, domid_t client) noexcept {
    for (u16 p = 1; p < nports; ++p) {
        const evtchn_port& sp = server.ports[p];
        if (sp.state == REFHV_EVTCHN_INTERDOMAIN && sp.conn == conn_end::server && sp.remote == client) return true;
    }
    return false;
}

void withdraw_resource(u8 res) noexcept {
    for (unsigned i = 0; i < max_domains; ++i) {
        domain& x = *domains::slot(i);
        if (!x.alive()) continue;
        for (u16 p = 1; p < nports; ++p) {
            evtchn_port& xp = x.ports[p];
            if (xp.conn == conn_end::none || xp.res != res) continue;
            if (xp.state == REFHV_EVTCHN_INTERDOMAIN) {
                domain* r = nullptr;
                if (evtchn_port* rp = peer_of(x, p, &r)) {
                    revoke_pair(x, p, *r, *rp);
                    rp->conn = conn_end::none;
                    rp->res = 0;
                }
            } else if (xp.state == REFHV_EVTCHN_UNBOUND) {
                xp.remote = invalid_domid;  // nobody may rebind a connection to a withdrawn resource
            }
            xp.conn = conn_end::none;
            xp.res = 0;
        }
    }
}

void forget_domain(domid_t gone) noexcept {
    for (unsigned i = 0; i < max_domains; ++i) {
        domain& x = *domains::slot(i);
        if (!x.alive() || x.id == gone) continue;
        for (u16 p = 1; p < nports; ++p) {
            evtchn_port& xp = x.ports[p];
            if ((xp.state != REFHV_EVTCHN_UNBOUND && xp.state != REFHV_EVTCHN_REVOKED) || xp.remote != gone) continue;
            // Waiting for (or revoked with) a domain that is gone: nobody, so a later domain
            // given the same id inherits nothing.
            xp.remote = invalid_domid;
            xp.conn = conn_end::none;
            xp.res = 0;
        }
    }
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
    // The ACM already dropped the binding it revoked; the channel's others go back too.
    if (lp.bind == taken) lp.bind = rp->bind = mac::binding{};
    if (lp.attach == taken) lp.attach = mac::binding{};
    revoke_pair(*d, p, *r, *rp);
}

}  // namespace refhv::evtchn
