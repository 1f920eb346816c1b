// SPDX-License-Identifier: Apache-2.0
// Self-check support for the isolation invariants (core/invariants.cpp, the checked image and
// the host tests): the hypervisor's view of every binding, every running domain and every
// placement checked against the monitor's, computed afresh rather than from its counters.
#include "mac_acm.hpp"

namespace refhv::mac {

using namespace acm;

namespace {
// ---- checking: a snapshot of the registry, so each object's binding is found in O(1) ----
struct snapshot_entry {
    bool live;
    bool seen;
    u32 serial;
    shype::binding b;
};
snapshot_entry g_snapshot[limits.max_bindings];
usize g_snapshot_high = 0;  // entries at and above are not live
}  // namespace

// ---- checking ----------------------------------------------------------------------------

usize begin_binding_check() noexcept {
    for (usize i = 0; i < g_snapshot_high; ++i) g_snapshot[i].live = false;
    g_snapshot_high = 0;
    g_monitor.for_each_binding([](shype::binding_handle h, const shype::binding& b) {
        if (h.index >= limits.max_bindings) return;
        g_snapshot[h.index] = {true, false, h.serial, b};
        if (h.index >= g_snapshot_high) g_snapshot_high = h.index + 1;
    });
    return g_monitor.binding_count();
}

bool binding_ok(object kind, binding b, domid_t subject, domid_t object_dom, const char* resource_label, access acc,
                u64 cookie) noexcept {
    if (!b.valid() || b.index >= g_snapshot_high) return false;
    snapshot_entry& e = g_snapshot[b.index];
    if (!e.live || e.seen || e.serial != b.serial || e.b.cookie != cookie || e.b.subject != subject) return false;
    e.seen = true;
    const shype::policy_view v = policy();
    switch (kind) {
    case object::evtchn: {
        if (e.b.kind != shype::binding_kind::evtchn || e.b.object != object_dom) return false;
        const auto r = g_monitor.evaluate(shype::hook::evtchn_bind, subject, object_dom);
        return r.has_value() && r.value().permitted();
    }
    case object::grant: {
        const bool ro = acc == access::read_only;
        if (e.b.kind != (ro ? shype::binding_kind::grant_ro : shype::binding_kind::grant_rw) || e.b.object != object_dom)
            return false;
        const auto r = g_monitor.evaluate(ro ? shype::hook::grant_map_ro : shype::hook::grant_map_rw, subject, object_dom);
        return r.has_value() && r.value().permitted();
    }
    case object::resource: {
        const shype::resource_id rid =
            resource_label != nullptr ? v.find_resource_label(resource_label) : static_cast<shype::resource_id>(e.b.object);
        if (e.b.kind != shype::binding_kind::resource_rw || rid >= v.resource_label_count() || e.b.object != rid) return false;
        const shype::domain_info d = g_monitor.domain(subject);
        if (d.state != shype::domain_state::running) return false;
        // The monitor has no side-effect-free resource evaluation: ask the policy type itself.
        const auto sl = v.vm_label(d.label);
        const auto rl = v.resource_label(rid);
        return shype::permitted(te_policy{}.access(
            v, shype::access_request<shype::vm_label_view, shype::resource_label_view>{shype::access_mode::read_write, sl, rl}));
    }
    }
    return false;
}

usize unclaimed_bindings() noexcept {
    usize n = 0;
    for (usize i = 0; i < g_snapshot_high; ++i)
        if (g_snapshot[i].live && !g_snapshot[i].seen) ++n;
    return n;
}

usize running_domains() noexcept {
    usize n = 0;
    for (domid_t d = 0; d < domid_limit; ++d) {
        const auto s = g_monitor.domain(d).state;
        if (s == shype::domain_state::running || s == shype::domain_state::starting) ++n;
    }
    return n;
}

bool placement_ok(char* why, usize cap) noexcept {
    const shype::policy_view v = policy();
    if (!v.has_cw()) return true;
    for (usize k = 0; k < v.conflict_set_count(); ++k) {
        const auto set = shype::type_set<64>::from(v.conflict_set(k).types());
        shype::type_set<64> running;
        domid_t holder = invalid_domid;
        for (domid_t d = 0; d < domid_limit; ++d) {
            const shype::domain_info i = g_monitor.domain(d);
            if (i.state != shype::domain_state::running && i.state != shype::domain_state::starting) continue;
            const auto mine = shype::type_set<64>::from(v.vm_label(i.label).cw()) & set;
            if (shype::count(running | mine) > 1) {
                shype::detail::text_writer w(why, cap);
                w.put("conflict set ").put(v.conflict_set(k).name()).put(": d").put_uint(d).put(" runs beside d").put_uint(holder);
                return false;
            }
            if (!shype::empty(mine)) holder = d;
            running |= mine;
        }
    }
    return true;
}

bool domain_ok(domid_t dom, const char* label) noexcept {
    const shype::domain_info i = g_monitor.domain(dom);
    return i.state == shype::domain_state::running && policy().vm_label(i.label).name() == shype::string_ref(label);
}

}  // namespace refhv::mac
