// SPDX-License-Identifier: Apache-2.0
#include "resource.hpp"

#include "evtchn.hpp"
#include "gmem.hpp"
#include "lib.hpp"
#include "log.hpp"
#include "mac.hpp"

namespace refhv::resource {

namespace {
struct resource {
    bool used;
    domid_t server;
    char name[REFHV_RESOURCE_NAME_MAX];
    char label[REFHV_LABEL_MAX];
    mac::binding reg;  ///< the server's attachment to the label it serves
};
resource g_resources[max_resources];

/// Non-empty, NUL-terminated within the buffer, printable ASCII.
bool valid_name(const char* s, usize cap) noexcept {
    const usize n = bounded_strlen(s, cap);
    if (n == 0 || n == cap) return false;
    for (usize i = 0; i < n; ++i)
        if (s[i] <= 0x20 || s[i] >= 0x7F) return false;
    return true;
}
}  // namespace

void init() noexcept {
    for (auto& r : g_resources) r = resource{};
}

result<u64> register_resource(domain& d, u64 desc_gpa) noexcept {
    refhv_resource_desc desc;
    REFHV_TRY(gmem::read_obj(d, desc, desc_gpa));
    if (!valid_name(desc.name, sizeof desc.name) || !valid_name(desc.label, sizeof desc.label))
        return fail(errc::inval);
    resource* free_slot = nullptr;
    u64 id = 0;
    for (u64 i = 0; i < max_resources; ++i) {
        resource& r = g_resources[i];
        // A name is unique per resource label, not global: a domain of another coalition
        // cannot take a name away from the server the policy lets serve it (open picks by policy).
        if (r.used && lib::streq(r.name, desc.name, sizeof r.name) && lib::streq(r.label, desc.label, sizeof r.label))
            return fail(errc::exist);
        if (!r.used && free_slot == nullptr) {
            free_slot = &r;
            id = i;
        }
    }
    if (free_slot == nullptr) return fail(errc::nospc);
    // Hook: a server may only offer what its own label may use (paper 4.4: a MAC domain is a
    // member of the coalitions it serves); registered, so a policy change can take it back.
    mac::binding reg;
    REFHV_TRY(mac::enforce(mac::resource_register(d.id, desc.label, cookie::make(cookie::registration, d.id, static_cast<u16>(id)), reg)));
    free_slot->reg = reg;
    free_slot->used = true;
    free_slot->server = d.id;
    lib::strlcpy(free_slot->name, desc.name, sizeof free_slot->name);
    lib::strlcpy(free_slot->label, desc.label, sizeof free_slot->label);
    return id;
}

result<u64> open(domain& d, u64 name_gpa, u64 name_len) noexcept {
    if (name_len == 0 || name_len >= REFHV_RESOURCE_NAME_MAX) return fail(errc::inval);
    char name[REFHV_RESOURCE_NAME_MAX] = {};
    REFHV_TRY(gmem::read(d, name, name_gpa, name_len));
    if (!valid_name(name, sizeof name)) return fail(errc::inval);
    // Which registration of the name: the one the policy lets this client use (lowest id
    // first); if none, the first of the name, so the open is refused (and audited) by the hook.
    resource* res = nullptr;
    resource* first = nullptr;
    u32 id = 0, first_id = 0;
    for (u32 i = 0; i < max_resources && res == nullptr; ++i) {
        resource& r = g_resources[i];
        if (!r.used || r.server == d.id || !lib::streq(r.name, name, sizeof name)) continue;
        if (first == nullptr) {
            first = &r;
            first_id = i;
        }
        if (auto ok = mac::may_use(d.id, r.label); ok && ok.value() == mac::decision::permit) {
            res = &r;
            id = i;
        }
    }
    if (res == nullptr) {
        res = first;
        id = first_id;
    }
    if (res == nullptr) return fail(errc::noent);
    domain* server = domains::find_live(res->server);
    if (server == nullptr) return fail(errc::noent);
    unsigned mine = 0;
    for (unsigned i = 0; i < server->pending_conn_count; ++i) mine += server->pending_conn[i].client_domid == d.id ? 1 : 0;
    if (server->pending_conn_count >= max_pending_connections || mine >= max_pending_per_client) return fail(errc::again);
    // Hooks (in connect): may this domain use a resource with this label, and share a
    // channel with its server?
    auto ports = evtchn::connect(d, *server, static_cast<u8>(id), res->label);
    if (!ports) return fail(ports.error());
    const u32 client_port = ports.value() & 0xFFFF;
    const u32 server_port = ports.value() >> 16;
    server->pending_conn[server->pending_conn_count++] = refhv_resource_conn{id, d.id, server_port, 0};
    evtchn::raise_virq(*server, REFHV_VIRQ_RESOURCE_CONNECT);
    return client_port;
}

bool drop_pending(domain& server, u16 server_port) noexcept {
    for (unsigned i = 0; i < server.pending_conn_count; ++i) {
        if (server.pending_conn[i].server_port != server_port) continue;
        for (unsigned k = i + 1; k < server.pending_conn_count; ++k) server.pending_conn[k - 1] = server.pending_conn[k];
        --server.pending_conn_count;
        server.pending_conn[server.pending_conn_count] = refhv_resource_conn{};
        return true;
    }
    return false;
}

result<u64> accept(domain& d, u64 out_gpa) noexcept {
    REFHV_TRY(gmem::check(d, out_gpa, sizeof(refhv_resource_conn)));
    if (d.pending_conn_count == 0) return fail(errc::again);
    REFHV_TRY(gmem::write_obj(d, out_gpa, d.pending_conn[0]));
    for (unsigned i = 1; i < d.pending_conn_count; ++i) d.pending_conn[i - 1] = d.pending_conn[i];
    --d.pending_conn_count;
    return 0;
}

result<u64> coalition(domain& d, u64 domid, u64 out_gpa) noexcept {
    REFHV_TRY(gmem::check(d, out_gpa, sizeof(u64)));
    if (domid >= invalid_domid) return fail(errc::srch);
    if (domains::find_live(static_cast<domid_t>(domid)) == nullptr) return fail(errc::srch);
    // Decided by the ACM: the management domain may ask about anyone, a MAC domain only about
    // a client connected to one of its resources (paper 4.4), and only as the policy lets them share.
    auto mask = mac::coalition(d.id, static_cast<domid_t>(domid), evtchn::serves(d, static_cast<domid_t>(domid)));
    if (!mask) return fail(mask.error());
    REFHV_TRY(gmem::write_obj(d, out_gpa, mask.value()));
    return 0;
}

result<u64> types(domain& d, u64 id, u64 out_gpa) noexcept {
    REFHV_TRY(gmem::check(d, out_gpa, sizeof(u64)));
    if (id >= max_resources || !g_resources[id].used || g_resources[id].server != d.id) return fail(errc::noent);
    auto mask = mac::resource_types(g_resources[id].label);
    if (!mask) return fail(mask.error());
    REFHV_TRY(gmem::write_obj(d, out_gpa, mask.value()));
    return 0;
}

namespace {
/// A registration ends (its server went, or the policy took it back): its connections are
/// revoked and their unbound ends forgotten, its queued connections dropped.
void withdraw(resource& r, u8 id) noexcept {
    r.used = false;
    evtchn::withdraw_resource(id);
    if (domain* server = domains::find_live(r.server)) {
        unsigned k = 0;
        for (unsigned i = 0; i < server->pending_conn_count; ++i)
            if (server->pending_conn[i].resource_id != id) server->pending_conn[k++] = server->pending_conn[i];
        for (unsigned i = k; i < server->pending_conn_count; ++i) server->pending_conn[i] = refhv_resource_conn{};
        server->pending_conn_count = static_cast<u8>(k);
    }
}
}  // namespace

void release_all(domain& d) noexcept {
    for (u8 i = 0; i < max_resources; ++i) {
        resource& r = g_resources[i];
        if (!r.used || r.server != d.id) continue;
        mac::release(mac::object::resource, r.reg);
        withdraw(r, i);
    }
    d.pending_conn_count = 0;
}

void forget_client(domid_t gone) noexcept {
    for (unsigned i = 0; i < max_domains; ++i) {
        domain& x = *domains::slot(i);
        if (!x.alive()) continue;
        unsigned k = 0;
        for (unsigned j = 0; j < x.pending_conn_count; ++j)
            if (x.pending_conn[j].client_domid != gone) x.pending_conn[k++] = x.pending_conn[j];
        for (unsigned j = k; j < x.pending_conn_count; ++j) x.pending_conn[j] = refhv_resource_conn{};
        x.pending_conn_count = static_cast<u8>(k);
    }
}

void revoke(u64 key, mac::binding taken) noexcept {
    if (cookie::kind_of(key) == cookie::connection) {
        evtchn::revoke(key, taken);  // a client's attachment: its connection goes
        return;
    }
    const u16 id = cookie::index_of(key);
    if (cookie::kind_of(key) != cookie::registration || id >= max_resources) return;
    resource& r = g_resources[id];
    if (!r.used || r.reg != taken || r.server != cookie::dom_of(key)) return;
    // The server may no longer serve this label: the resource is withdrawn, with every
    // connection to it (a label the server may not use must not flow through it).
    r.reg = mac::binding{};
    log::line("refhv: revoked resource ", r.name, " (", r.label, ") of d", log::dec{r.server});
    withdraw(r, static_cast<u8>(id));
}

void rename_labels() noexcept {
    for (resource& r : g_resources) {
        if (!r.used) continue;
        char now[REFHV_LABEL_MAX];
        if (!mac::resource_label_after_change(r.label, view<char>{now, sizeof now})) continue;  // withdrawn already
        if (lib::streq(now, r.label, sizeof now)) continue;
        log::line("refhv: resource ", r.name, " of d", log::dec{r.server}, ": label ", r.label, " renamed ", now);
        lib::strlcpy(r.label, now, sizeof r.label);
    }
}

const char* label_of(domid_t server, u16 id, mac::binding& reg_out) noexcept {
    if (id >= max_resources || !g_resources[id].used || g_resources[id].server != server) return nullptr;
    reg_out = g_resources[id].reg;
    return g_resources[id].label;
}

}  // namespace refhv::resource
