// SPDX-License-Identifier: Apache-2.0
// The hook adapter: each of mac.hpp's hooks as a call on the shype monitor, its answer
// counted and translated by record() (mac_stats.cpp). The policy itself (boot, load,
// revocations) is mac_policy.cpp's; mac_acm.hpp says how the ACM's files divide the work.
#include "lib.hpp"
#include "mac_acm.hpp"

namespace refhv::mac {

namespace acm {
constinit monitor_t g_monitor;
}  // namespace acm

using namespace acm;

// ---- management privilege --------------------------------------------------------------

result<decision> manage(domid_t subject, hook call) noexcept {
    ++g_stats.hook_calls[static_cast<usize>(hook::management)];
    shype::hook op = shype::hook::policy_change;  // the policy interface, and queries about domains
    switch (call) {
    case hook::domain_create: op = shype::hook::domain_create; break;
    case hook::domain_destroy: op = shype::hook::domain_destroy; break;
    case hook::domain_save: op = shype::hook::domain_save; break;
    case hook::domain_restore: op = shype::hook::domain_restore; break;
    default: break;
    }
    const auto r = g_monitor.authorize_management(subject, op);
    const bool ok = r.has_value() && r.value().permitted();
    if (r.has_value()) ++(ok ? g_stats.permits : g_stats.denials);
    if (tracing()) {
        const char* why = ok ? "permit" : r.has_value() ? "deny by management" : shype::to_string(r.error());
        log::line("refhv: mac: management (", shype::to_string(op), ") d", log::dec{subject}, " (",
                  str(label_of(subject)), "): ", why);
    }
    if (!r) return fail(to_errc(r.error()));
    return ok ? decision::permit : decision::deny;
}

// ---- domains ---------------------------------------------------------------------------

result<decision> domain_create(domid_t subject, domid_t dom, const char* label) noexcept {
    const shype::label_id l = policy().find_vm_label(label);
    if (l == shype::no_label) return record(hook::domain_create, subject, dom, label, shype::failure(shype::errc::unknown_label));
    const auto r = g_monitor.domain_create(dom, l);
    return record(hook::domain_create, subject, dom, label, r);
}

void domain_destroy(domid_t dom) noexcept {
    ++g_stats.hook_calls[static_cast<usize>(hook::domain_destroy)];
    // Every binding of a domain is given back before it goes; one left over is a bug in
    // the hypervisor's bookkeeping, which the checker reports (binding_count disagrees).
    (void)g_monitor.domain_destroy(dom, [&](shype::binding_handle, const shype::binding& b) noexcept {
        log::line("refhv: mac: BUG: d", log::dec{dom}, " still held a ", shype::to_string(b.kind), " binding");
    });
}

result<decision> domain_save(domid_t subject, domid_t dom) noexcept {
    // Saving needs no decision of its own: the domain stops running (domain_destroy follows)
    // and a restore is a new start, checked like a create.
    const bool running = g_monitor.domain(dom).state == shype::domain_state::running;
    return record(hook::domain_save, subject, dom, nullptr,
                  running ? shype::result<shype::verdict>(shype::verdict{shype::decision::permit})
                          : shype::result<shype::verdict>(shype::failure(shype::errc::domain_not_running)));
}

result<decision> domain_restore(domid_t subject, domid_t dom, const char* label) noexcept {
    const shype::label_id l = policy().find_vm_label(label);
    if (l == shype::no_label) return record(hook::domain_restore, subject, dom, label, shype::failure(shype::errc::unknown_label));
    return record(hook::domain_restore, subject, dom, label, g_monitor.domain_restore(dom, l));
}

// ---- sharing ---------------------------------------------------------------------------

result<decision> evtchn_unbound(domid_t a, domid_t b) noexcept {
    if (a == b) return decision::permit;  // a loopback port shares nothing
    return record(hook::evtchn_unbound, a, b, nullptr, g_monitor.evtchn_unbound(a, b));
}

result<decision> evtchn_bind(domid_t a, domid_t b, u64 cookie, binding& out) noexcept {
    out = binding{};
    if (a == b) return decision::permit;
    return record_bind(hook::evtchn_bind, a, b, nullptr, g_monitor.evtchn_bind(a, b, cookie), out);
}

result<decision> grant_map(domid_t granter, domid_t mapper, access acc, u64 cookie, binding& out) noexcept {
    const auto mode = acc == access::read_only ? shype::access_mode::read : shype::access_mode::read_write;
    return record_bind(hook::grant_map, mapper, granter, nullptr, g_monitor.grant_map(granter, mapper, mode, cookie), out);
}

namespace {
/// A server offering, or a client opening, a labelled resource: both are a read-write
/// attachment to the resource label, counted under `h`.
result<decision> attach(hook h, domid_t dom, const char* resource_label, u64 cookie, binding& out) noexcept {
    out = binding{};
    const shype::resource_id r = policy().find_resource_label(resource_label);
    if (r == shype::policy_view::npos)
        return record(h, dom, invalid_domid, resource_label, shype::failure(shype::errc::unknown_label));
    return record_bind(h, dom, invalid_domid, resource_label,
                       g_monitor.resource_attach(dom, r, shype::access_mode::read_write, cookie), out);
}
}  // namespace

result<decision> resource_register(domid_t server, const char* resource_label, u64 cookie, binding& out) noexcept {
    return attach(hook::resource_register, server, resource_label, cookie, out);
}

result<decision> resource_access(domid_t dom, const char* resource_label, u64 cookie, binding& out) noexcept {
    return attach(hook::resource_access, dom, resource_label, cookie, out);
}

result<decision> may_use(domid_t dom, const char* resource_label) noexcept {
    const shype::resource_id r = policy().find_resource_label(resource_label);
    if (r == shype::policy_view::npos) return fail(errc::noent);
    const auto v = g_monitor.evaluate_access(dom, r, shype::access_mode::read_write);
    if (!v) return fail(to_errc(v.error()));
    return v.value().permitted() ? decision::permit : decision::deny;
}

result<u64> coalition(domid_t macdom, domid_t dom, bool serves) noexcept {
    // The query tells the asker which of its coalitions another domain is in: the management
    // label may ask about anyone; a MAC domain about a client it serves that the policy lets
    // it share with (the paper's use, 4.4); nobody else about anybody.
    const shype::domain_info asker = g_monitor.domain(macdom);
    const bool management = asker.state == shype::domain_state::running && policy().bootstrap_label() != shype::no_label &&
                            asker.label == policy().bootstrap_label();
    if (!management) {
        const auto share = g_monitor.evaluate(shype::hook::evtchn_bind, macdom, dom);
        if (!share) return fail(to_errc(share.error()));
        // Not serving it: refused as the management label would be (the only other way in).
        const auto v = serves ? share.value()
                              : shype::verdict::make(shype::decision::deny, shype::verdict::management, false, share.value().generation);
        if (const auto d = record(hook::coalition, macdom, dom, nullptr, v); !d || d.value() != decision::permit)
            return fail(d ? errc::access : d.error());
    } else {
        ++g_stats.hook_calls[static_cast<usize>(hook::coalition)];
        ++g_stats.permits;
    }
    const auto r = g_monitor.coalition(macdom, dom);
    if (!r) return fail(to_errc(r.error()));
    return r.value().word(0);
}

result<u64> resource_types(const char* resource_label) noexcept {
    const shype::policy_view v = policy();
    const shype::resource_id r = v.find_resource_label(resource_label);
    if (r == shype::policy_view::npos) return fail(errc::noent);
    return v.resource_label(r).te().word(0);
}

void release(object kind, binding& b) noexcept {
    if (!b.valid()) return;
    if (taken_by_change(b)) {
        b = binding{};
        return;
    }
    switch (kind) {
    case object::evtchn: (void)g_monitor.evtchn_close(to(b)); break;
    case object::grant: (void)g_monitor.grant_unmap(to(b)); break;
    case object::resource: (void)g_monitor.resource_detach(to(b)); break;
    }
    b = binding{};
}

result<decision> decide(domid_t, u32 op, domid_t a, domid_t b) noexcept {
    shype::hook h;
    switch (op) {
    case REFHV_MAC_OP_EVTCHN: h = shype::hook::evtchn_bind; break;
    case REFHV_MAC_OP_GRANT_RO: h = shype::hook::grant_map_ro; break;
    case REFHV_MAC_OP_GRANT_RW: h = shype::hook::grant_map_rw; break;
    default: return fail(errc::inval);
    }
    const auto r = g_monitor.evaluate(h, a, b);
    if (!r) return fail(to_errc(r.error()));
    return r.value().permitted() ? decision::permit : decision::deny;
}

result<usize> domain_label(domid_t dom, view<char> out) noexcept {
    const shype::domain_info i = g_monitor.domain(dom);
    if (i.state != shype::domain_state::running) return fail(errc::srch);
    const shype::string_ref n = policy().vm_label(i.label).name();
    if (out.size < n.size() + 1) return fail(errc::range);
    lib::memcpy(out.data, n.data(), n.size());
    out.data[n.size()] = '\0';
    return n.size();
}

}  // namespace refhv::mac
