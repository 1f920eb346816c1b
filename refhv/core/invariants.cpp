// SPDX-License-Identifier: Apache-2.0
#include "invariants.hpp"

#include <type_traits>

#include "../arch/x86_64/npt.hpp"
#include "../arch/x86_64/port.hpp"
#include "domain.hpp"
#include "lib.hpp"
#include "log.hpp"
#include "mac.hpp"
#include "page_alloc.hpp"
#include "panic.hpp"
#include "resource.hpp"

namespace refhv::invariants {

namespace {
char g_why[192];
u64 g_checks = 0;
u64 g_marks[pages::max_pages / 64];  // pages claimed by some domain in this check

/// Record the first violation (formatted like a log line) and report failure.
template <class... A>
bool broken(const A&... a) noexcept {
    usize n = 0;
    auto add = [&](const char* s) {
        while (*s != '\0' && n + 1 < sizeof g_why) g_why[n++] = *s++;
    };
    auto add_num = [&](u64 v, bool hex) {
        char buf[24];
        usize k = 0;
        do {
            const u64 digit = v % (hex ? 16 : 10);
            buf[k++] = static_cast<char>(digit < 10 ? '0' + digit : 'a' + digit - 10);
            v /= hex ? 16 : 10;
        } while (v != 0);
        if (hex) add("0x");
        while (k > 0 && n + 1 < sizeof g_why) g_why[n++] = buf[--k];
    };
    auto one = [&](const auto& x) {
        using T = std::remove_cvref_t<decltype(x)>;
        if constexpr (std::is_same_v<T, log::hex>) add_num(x.v, true);
        else if constexpr (std::is_same_v<T, log::dec>) add_num(x.v, false);
        else add(x);
    };
    (one(a), ...);
    g_why[n] = '\0';
    return false;
}

/// The page allocator's view, read once per check.
struct allocator_view {
    u64 base, count;
    const u64* used;
};
allocator_view g_alloc;

/// Claim a page for a domain: it must be allocated and nobody else's.
inline bool claim(u64 pa, domid_t who, const char* what) noexcept {
    const u64 i = (pa - g_alloc.base) / page_size;
    const u64 bit = 1ull << (i % 64);
    if (pa < g_alloc.base || i >= g_alloc.count || (g_alloc.used[i / 64] & bit) == 0)
        return broken("d", log::dec{who}, " uses ", what, " page ", log::hex{pa}, " that is not allocated");
    if ((g_marks[i / 64] & bit) != 0) return broken("d", log::dec{who}, "'s ", what, " page ", log::hex{pa}, " is not its alone");
    g_marks[i / 64] |= bit;
    return true;
}

/// A foreign page at `gpa`: only through a live grant mapping of exactly that page.
bool check_foreign(const domain& d, u64 gpa, u64 e) noexcept {
    const u64 pa = e & arch::npt::addr_mask;
    const u64 slot = (gpa - REFHV_GRANT_WINDOW_GPA) / page_size;
    if (gpa < REFHV_GRANT_WINDOW_GPA || slot >= REFHV_GRANT_WINDOW_PAGES)
        return broken("d", log::dec{d.id}, " maps a foreign page at gpa ", log::hex{gpa}, " outside the grant window");
    const grant_mapping& m = d.maps[slot];
    const domain* g = domains::find_live(m.granter);
    if (m.state != map_state::active || g == nullptr || m.ref >= REFHV_GRANT_REFS)
        return broken("d", log::dec{d.id}, " maps a foreign page at ", log::hex{gpa}, " without a live mapping");
    const grant_entry& ge = g->grants[m.ref];
    const u64 source = arch::npt::lookup(g->npt_root, ge.gpa);
    if (!ge.used || !ge.mapped || ge.grantee != d.id || ge.map_gpa != gpa || (source & arch::npt::sw_owned) == 0 ||
        (source & arch::npt::addr_mask) != pa)
        return broken("d", log::dec{d.id}, " window ", log::hex{gpa}, " is not the page d", log::dec{g->id}, " granted as ref ",
                      log::dec{m.ref});
    if (((e & arch::npt::writable) != 0) != m.writable || (m.writable && ge.readonly))
        return broken("d", log::dec{d.id}, " window ", log::hex{gpa}, " has the wrong access");
    return true;
}

/// Every entry of one table of d's nested page table, recursively; tables are claimed, leaves
/// are the domain's own RAM inside its memory, or grant mappings. Written as plain loops: it
/// runs after every hypercall of the checked image, under emulation.
bool walk(const domain& d, u64 table_pa, unsigned level, u64 base, u64& grants) noexcept {
    const auto* t = static_cast<const u64*>(arch::phys_to_virt(table_pa));
    if (level == 0) {
        // The hot loop (thousands of leaves per check): own RAM inside the domain's memory is
        // claimed inline; everything else takes the careful path below.
        const bool inside = base >= page_size && base + 512 * page_size <= d.mem_bytes;
        for (u64 i = 0; i < 512; ++i) {
            const u64 e = t[i];
            if ((e & arch::npt::present) == 0) continue;
            if (inside && (e & (arch::npt::sw_owned | arch::npt::sw_grant)) == arch::npt::sw_owned) {
                const u64 pa = e & arch::npt::addr_mask;
                const u64 k = (pa - g_alloc.base) / page_size, bit = 1ull << (k % 64);
                if (pa >= g_alloc.base && k < g_alloc.count && (g_alloc.used[k / 64] & bit) != 0 && (g_marks[k / 64] & bit) == 0) {
                    g_marks[k / 64] |= bit;
                    continue;
                }
            }
            const u64 gpa = base + i * page_size;
            const u64 kind = e & (arch::npt::sw_owned | arch::npt::sw_grant);
            if (kind == arch::npt::sw_owned) {
                if (gpa < page_size || gpa >= d.mem_bytes)
                    return broken("d", log::dec{d.id}, " has RAM at gpa ", log::hex{gpa}, " outside its memory");
                if (!claim(e & arch::npt::addr_mask, d.id, "RAM")) return false;
            } else if (kind == arch::npt::sw_grant) {
                ++grants;
                if (!check_foreign(d, gpa, e)) return false;
            } else {
                return broken("d", log::dec{d.id}, " gpa ", log::hex{gpa}, " is neither its RAM nor a grant");
            }
        }
        return true;
    }
    for (u64 i = 0; i < 512; ++i) {
        const u64 e = t[i];
        if ((e & arch::npt::present) == 0) continue;
        const u64 pa = e & arch::npt::addr_mask;
        if ((e & arch::npt::large) != 0) return broken("d", log::dec{d.id}, " has a large nested page");
        if (!claim(pa, d.id, "page-table") || !walk(d, pa, level - 1, base + (i << (12 + 9 * level)), grants)) return false;
    }
    return true;
}

/// Bits set in a word (the kernel has no libgcc, so no __builtin_popcount).
constexpr u64 popcount(u64 x) noexcept {
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (x * 0x0101010101010101ull) >> 56;
}
static_assert(popcount(0) == 0 && popcount(~0ull) == 64 && popcount(0x8000000000000101ull) == 3);

bool check_domain_memory(const domain& d) noexcept {
    if (d.npt_root == 0 || d.vmcb_pa == 0) return broken("live d", log::dec{d.id}, " has no page table or VMCB");
    if (!claim(d.vmcb_pa, d.id, "VMCB") || !claim(d.npt_root, d.id, "page-table root")) return false;
    u64 grants = 0;
    if (!walk(d, d.npt_root, 3, 0, grants)) return false;
    u64 active = 0;
    for (const auto& m : d.maps) active += m.state == map_state::active ? 1 : 0;
    if (active != grants) return broken("d", log::dec{d.id}, " has ", log::dec{active}, " active mappings but ", log::dec{grants}, " in its page table");
    return true;
}

/// A domain id another object still names: a live domain or nobody, never a stale one.
bool names_live_or_nobody(domid_t id) noexcept { return id == invalid_domid || domains::find_live(id) != nullptr; }

/// A port marked as a resource connection's end names a live registration, served by `server`.
bool connection_resource_ok(const domain& d, u16 p, domid_t server, const char*& label) noexcept {
    mac::binding reg;
    label = resource::label_of(server, d.ports[p].res, reg);
    if (label == nullptr)
        return broken("d", log::dec{d.id}, " port ", log::dec{p}, " is a connection to resource ", log::dec{d.ports[p].res},
                      " that d", log::dec{server}, " does not serve");
    return true;
}

bool check_channels(const domain& d) noexcept {
    for (u16 p = 1; p < REFHV_EVTCHN_PORTS; ++p) {
        const evtchn_port& lp = d.ports[p];
        const bool free_like = lp.state == REFHV_EVTCHN_FREE || lp.state == REFHV_EVTCHN_UNBOUND || lp.state == REFHV_EVTCHN_REVOKED;
        if (free_like) {
            if (lp.bind.valid() || lp.attach.valid())
                return broken("d", log::dec{d.id}, " port ", log::dec{p}, " in state ", log::dec{lp.state}, " still holds a binding");
            if (lp.state != REFHV_EVTCHN_FREE && !names_live_or_nobody(lp.remote))
                return broken("d", log::dec{d.id}, " port ", log::dec{p}, " names d", log::dec{lp.remote}, ", which is gone");
            if (lp.conn != conn_end::none) {
                const char* label = nullptr;
                if (lp.state == REFHV_EVTCHN_FREE || lp.remote == invalid_domid)
                    return broken("d", log::dec{d.id}, " port ", log::dec{p}, " is a connection's end to nobody");
                if (!connection_resource_ok(d, p, lp.conn == conn_end::server ? d.id : lp.remote, label)) return false;
            }
            continue;
        }
        if (lp.state != REFHV_EVTCHN_INTERDOMAIN) return broken("d", log::dec{d.id}, " port ", log::dec{p}, " in a bad state");
        const domain* r = domains::find_live(lp.remote);
        if (r == nullptr || lp.remote_port == 0 || lp.remote_port >= REFHV_EVTCHN_PORTS)
            return broken("d", log::dec{d.id}, " port ", log::dec{p}, " is connected to nothing");
        const evtchn_port& rp = r->ports[lp.remote_port];
        if (rp.state != REFHV_EVTCHN_INTERDOMAIN || rp.remote != d.id || rp.remote_port != p)
            return broken("d", log::dec{d.id}, " port ", log::dec{p}, " and its peer disagree");
        if (r == &d) {  // loopback: nothing shared, nothing registered
            if (lp.bind.valid() || lp.attach.valid() || lp.conn != conn_end::none)
                return broken("d", log::dec{d.id}, " loopback port ", log::dec{p}, " holds a binding");
            continue;
        }
        if (lp.bind != rp.bind) return broken("the ends of d", log::dec{d.id}, ":", log::dec{p}, " hold different bindings");
        if (lp.attach.valid() && rp.attach.valid()) return broken("both ends of d", log::dec{d.id}, ":", log::dec{p}, " are clients");
        // A resource connection: one client end and one server end, of one live registration of
        // the server's, and the client's end carries its attachment (however it was bound).
        const bool conn = lp.conn != conn_end::none || rp.conn != conn_end::none;
        if (conn) {
            const bool ends_ok = (lp.conn == conn_end::client && rp.conn == conn_end::server) ||
                                 (lp.conn == conn_end::server && rp.conn == conn_end::client);
            if (!ends_ok || lp.res != rp.res)
                return broken("channel d", log::dec{d.id}, ":", log::dec{p}, " is half a resource connection");
            const evtchn_port& client_end = lp.conn == conn_end::client ? lp : rp;
            if (!client_end.attach.valid() || (lp.conn == conn_end::client ? rp : lp).attach.valid())
                return broken("resource connection d", log::dec{d.id}, ":", log::dec{p}, " carries no attachment of its client");
        } else if (lp.attach.valid() || rp.attach.valid()) {
            return broken("channel d", log::dec{d.id}, ":", log::dec{p}, " holds an attachment but is no resource connection");
        }
        if (d.id > r->id) continue;  // each channel once, from its lower domain
        // The binder is whichever end the cookie names.
        const struct { const domain* a; u16 pa; const domain* b; } ends[2] = {{&d, p, r}, {r, lp.remote_port, &d}};
        bool found = false;
        constexpr cookie::kind kinds[] = {cookie::channel, cookie::connection};
        for (const auto& end : ends) {
            for (const auto k : kinds) {
                if (found) break;
                found = mac::binding_ok(mac::object::evtchn, lp.bind, end.a->id, end.b->id, nullptr, mac::access::read_write,
                                        cookie::make(k, end.a->id, end.pa));
            }
        }
        if (!found)
            return broken("channel d", log::dec{d.id}, ":", log::dec{p}, " <-> d", log::dec{r->id}, " has no binding the policy permits");
        for (const auto& end : ends) {
            const evtchn_port& ep = end.a->ports[end.pa];
            if (!ep.attach.valid()) continue;
            const char* label = nullptr;
            if (!connection_resource_ok(*end.a, end.pa, end.b->id, label)) return false;
            if (!mac::binding_ok(mac::object::resource, ep.attach, end.a->id, invalid_domid, label, mac::access::read_write,
                                 cookie::make(cookie::connection, end.a->id, end.pa)))
                return broken("connection d", log::dec{end.a->id}, ":", log::dec{end.pa}, " has no attachment the policy permits");
        }
    }
    return true;
}

/// A server's queue: connections it has not accepted, each a live one of its own resources with
/// a live client, within the bounds.
bool check_pending(const domain& d) noexcept {
    if (d.pending_conn_count > max_pending_connections) return broken("d", log::dec{d.id}, "'s connection queue overflows");
    for (unsigned i = 0; i < d.pending_conn_count; ++i) {
        const refhv_resource_conn& c = d.pending_conn[i];
        const u32 sp = c.server_port;
        const bool ok = sp > 0 && sp < REFHV_EVTCHN_PORTS && d.ports[sp].state == REFHV_EVTCHN_INTERDOMAIN &&
                        d.ports[sp].conn == conn_end::server && d.ports[sp].remote == c.client_domid &&
                        d.ports[sp].res == c.resource_id && domains::find_live(static_cast<domid_t>(c.client_domid)) != nullptr;
        if (!ok) return broken("d", log::dec{d.id}, " queues a stale connection from d", log::dec{c.client_domid}, " on port ", log::dec{sp});
        unsigned same = 0;
        for (unsigned k = 0; k < d.pending_conn_count; ++k) same += d.pending_conn[k].client_domid == c.client_domid ? 1 : 0;
        if (same > max_pending_per_client)
            return broken("d", log::dec{d.id}, " queues more than ", log::dec{max_pending_per_client}, " connections of d", log::dec{c.client_domid});
    }
    return true;
}

bool check_mappings(const domain& d) noexcept {
    for (u16 s = 0; s < REFHV_GRANT_WINDOW_PAGES; ++s) {
        const grant_mapping& m = d.maps[s];
        if (m.state != map_state::active) {
            if (m.bind.valid()) return broken("d", log::dec{d.id}, " window slot ", log::dec{s}, " is not active but holds a binding");
            continue;
        }
        const auto acc = m.writable ? mac::access::read_write : mac::access::read_only;
        if (!mac::binding_ok(mac::object::grant, m.bind, m.granter, d.id, nullptr, acc, cookie::make(cookie::mapping, d.id, s)))
            return broken("mapping at d", log::dec{d.id}, " slot ", log::dec{s}, " of d", log::dec{m.granter}, " has no binding the policy permits");
    }
    for (u16 ref = 0; ref < REFHV_GRANT_REFS; ++ref) {
        const grant_entry& e = d.grants[ref];
        if (e.used && !names_live_or_nobody(e.grantee))
            return broken("d", log::dec{d.id}, " grant ref ", log::dec{ref}, " names d", log::dec{e.grantee}, ", which is gone");
        if (!e.used || !e.mapped) continue;
        const domain* m = domains::find_live(e.grantee);
        const u64 slot = (e.map_gpa - REFHV_GRANT_WINDOW_GPA) / page_size;
        if (m == nullptr || e.map_gpa < REFHV_GRANT_WINDOW_GPA || slot >= REFHV_GRANT_WINDOW_PAGES ||
            m->maps[slot].state != map_state::active || m->maps[slot].granter != d.id || m->maps[slot].ref != ref)
            return broken("d", log::dec{d.id}, " grant ref ", log::dec{ref}, " says mapped, but no mapping matches");
    }
    return true;
}

bool check_registrations(const domain& d) noexcept {
    for (u16 id = 0; id < resource::max_resources; ++id) {
        mac::binding reg;
        const char* label = resource::label_of(d.id, id, reg);
        if (label == nullptr) continue;
        if (!mac::binding_ok(mac::object::resource, reg, d.id, invalid_domid, label, mac::access::read_write,
                             cookie::make(cookie::registration, d.id, id)))
            return broken("resource ", log::dec{id}, " of d", log::dec{d.id}, " has no registration the policy permits");
    }
    return true;
}

bool run() noexcept {
    g_alloc = {pages::base(), pages::total(), pages::bitmap()};
    lib::memset(g_marks, 0, (g_alloc.count + 63) / 64 * sizeof(u64));
    const usize held = mac::begin_binding_check();
    usize live = 0;
    for (unsigned i = 0; i < max_domains; ++i) {
        const domain& d = *domains::slot(i);
        if (d.state == dom_state::free) continue;
        if (!d.alive()) {
            if (d.npt_root != 0 || d.vmcb_pa != 0) return broken("dead d", log::dec{d.id}, " still holds memory");
            continue;
        }
        ++live;
        if (!mac::domain_ok(d.id, d.label)) return broken("the ACM does not run d", log::dec{d.id}, " with label ", d.label);
        if (!check_domain_memory(d) || !check_channels(d) || !check_mappings(d) || !check_registrations(d) ||
            !check_pending(d))
            return false;
    }
    if (mac::running_domains() != live)
        return broken("the ACM runs ", log::dec{mac::running_domains()}, " domains, refhv ", log::dec{live});
    char why[96];
    if (!mac::placement_ok(why, sizeof why)) return broken("Chinese Wall: ", why);
    if (const usize lost = mac::unclaimed_bindings(); lost != 0)
        return broken("the ACM holds ", log::dec{lost}, " of ", log::dec{held}, " bindings no object claims");
    u64 claimed = 0;
    for (u64 i = 0; i < (g_alloc.count + 63) / 64; ++i) claimed += popcount(g_marks[i]);
    const u64 used = pages::total() - pages::free_count();
    if (claimed != used) return broken(log::dec{used}, " pages allocated, ", log::dec{claimed}, " belong to domains: a leak");
    return true;
}
}  // namespace

const char* check() noexcept {
    ++g_checks;
    return run() ? nullptr : g_why;
}

void enforce(const char* what, u64 detail, domid_t by) noexcept {
    if (const char* why = check()) {
        log::line("refhv: INVARIANT VIOLATED after ", what, " ", log::dec{detail}, " by d", log::dec{by}, ": ", why);
        panic("isolation invariant violated");
    }
}

u64 checks() noexcept { return g_checks; }

}  // namespace refhv::invariants
