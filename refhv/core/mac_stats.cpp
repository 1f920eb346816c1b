// SPDX-License-Identifier: Apache-2.0
// Statistics and translation at the seam: every hook's answer counted (and traced with
// mac_trace=1), the library's errors and denial records turned into refhv's ABI
// (refhv_mac_stats, refhv_mac_counters, refhv_mac_denial, AVC lines).
#include "lib.hpp"
#include "mac_acm.hpp"

namespace refhv::mac {

namespace acm {
refhv_mac_stats g_stats;

namespace {
bool g_trace = false;

u32 hook_number(shype::hook h) noexcept {
    switch (h) {
    case shype::hook::domain_create:
    case shype::hook::migrate_in: return static_cast<u32>(hook::domain_create);
    case shype::hook::domain_restore: return static_cast<u32>(hook::domain_restore);
    case shype::hook::domain_save: return static_cast<u32>(hook::domain_save);
    case shype::hook::evtchn_unbound: return static_cast<u32>(hook::evtchn_unbound);
    case shype::hook::evtchn_bind: return static_cast<u32>(hook::evtchn_bind);
    case shype::hook::grant_map_ro:
    case shype::hook::grant_map_rw:
    case shype::hook::grant_copy: return static_cast<u32>(hook::grant_map);
    case shype::hook::resource_access: return static_cast<u32>(hook::resource_access);
    case shype::hook::coalition_query: return static_cast<u32>(hook::coalition);
    case shype::hook::policy_change:
    case shype::hook::relabel: return static_cast<u32>(hook::policy);
    default: return static_cast<u32>(hook::domain_destroy);
    }
}
const char* hook_name(hook h) noexcept {
    switch (h) {
    case hook::domain_create: return "create";
    case hook::evtchn_bind: return "evtchn_bind";
    case hook::grant_map: return "grant_map";
    case hook::resource_access: return "resource_access";
    case hook::resource_register: return "resource_register";
    case hook::domain_save: return "save";
    case hook::domain_restore: return "restore";
    case hook::coalition: return "coalition";
    case hook::policy: return "policy";
    case hook::domain_destroy: return "destroy";
    case hook::evtchn_unbound: return "evtchn_unbound";
    case hook::management: return "management";
    }
    return "?";
}
}  // namespace

errc to_errc(shype::errc e) noexcept {
    switch (e) {
    case shype::errc::invalid_argument:
    case shype::errc::domain_not_saved:
    case shype::errc::no_policy: return errc::inval;
    case shype::errc::unknown_domain:
    case shype::errc::domain_not_running: return errc::srch;
    case shype::errc::domain_exists: return errc::exist;
    case shype::errc::unknown_label:
    case shype::errc::unknown_binding: return errc::noent;
    case shype::errc::capacity_exhausted: return errc::nospc;
    case shype::errc::not_permitted: return errc::perm;
    case shype::errc::change_rejected: return errc::busy;
    case shype::errc::too_large: return errc::too_big;
    default: return errc::inval;  // a malformed binary policy
    }
}
object object_of(shype::binding_kind k) noexcept {
    switch (k) {
    case shype::binding_kind::evtchn: return object::evtchn;
    case shype::binding_kind::grant_ro:
    case shype::binding_kind::grant_rw: return object::grant;
    default: return object::resource;
    }
}
bool tracing() noexcept { return g_trace; }

namespace {
/// One hook's answer on the console (mac_trace=1): "refhv: mac: create d6 as <label> by d0:
/// permit", "refhv: mac: evtchn_bind d1 (<label>) -> d2 (<label>): deny by <policy>".
void trace(hook h, domid_t subject, domid_t object_dom, const char* what,
           const shype::result<shype::verdict>& r) noexcept {
    auto say = [](const auto&... a) noexcept { (log::put(a), ...); };
    say("refhv: mac: ", hook_name(h));
    if (h == hook::domain_create || h == hook::domain_restore) {
        say(" d", log::dec{object_dom}, " as ", what);
        if (subject == hypervisor) {
            say(" by the hypervisor");
        } else {
            say(" by d", log::dec{subject});
        }
    } else {
        say(" d", log::dec{subject}, " (", str(label_of(subject)), ") -> ");
        if (what != nullptr) {
            say(what);
        } else {
            say("d", log::dec{object_dom}, " (", str(label_of(object_dom)), ")");
        }
    }
    say(": ");
    if (!r.has_value()) {
        say("error ", shype::to_string(r.error()));
    } else if (r.value().permitted()) {
        say("permit");
    } else {
        say("deny by ", monitor_t::policy_name(r.value().denied_by));
    }
    log::put('\n');
}
}  // namespace

/// Count a hook's answer (and print it with mac_trace=1). `what` names the object when it
/// is not a domain (a resource label).
result<decision> record(hook h, domid_t subject, domid_t object_dom, const char* what,
                        const shype::result<shype::verdict>& r) noexcept {
    ++g_stats.hook_calls[static_cast<usize>(h)];
    const bool ok = r.has_value() && r.value().permitted();
    if (r.has_value()) ++(ok ? g_stats.permits : g_stats.denials);
    if (g_trace) trace(h, subject, object_dom, what, r);
    if (!r.has_value()) return fail(to_errc(r.error()));
    return ok ? decision::permit : decision::deny;
}

/// A registered binding's hook: the verdict, and the handle on a permit.
result<decision> record_bind(hook h, domid_t subject, domid_t object_dom, const char* what,
                             const shype::result<shype::bind_result>& r, binding& out) noexcept {
    out = binding{};
    if (!r.has_value()) return record(h, subject, object_dom, what, shype::failure(r.error()));
    if (r.value().permitted()) out = from(r.value().handle);
    return record(h, subject, object_dom, what, r.value().v);
}
}  // namespace acm

using namespace acm;

void set_trace(bool on) noexcept { g_trace = on; }

void stats(refhv_mac_stats& out) noexcept { out = g_stats; }

void counters(refhv_mac_counters& out) noexcept {
    out = refhv_mac_counters{};
    out.generation = g_monitor.generation();
    out.bindings = static_cast<u32>(g_monitor.binding_count());
    out.denials_logged = g_monitor.audit().total();
    const shype::stats_snapshot s = g_monitor.stats();
    static_assert(REFHV_MAC_CLASSES == shype::hook_class_count);
    for (usize c = 0; c < REFHV_MAC_CLASSES; ++c) {
        const shype::hook_counters& k = s.by_class[c];
        out.by_class[c] = {k.hits, k.misses, k.denials, k.errors, k.revocations};
    }
}

usize denials(view<refhv_mac_denial> out) noexcept {
    const auto& log = g_monitor.audit();
    const usize have = log.size();
    const usize skip = have > out.size ? have - out.size : 0;
    usize i = 0, n = 0;
    log.for_each([&](const shype::denial_record& r) {
        if (i++ < skip) return;
        const bool domain_object = r.object_kind == shype::audit_object::domain || r.object_kind == shype::audit_object::resource;
        out[n++] = refhv_mac_denial{hook_number(r.op), r.subject, domain_object ? r.object : 0xFFFFu, 0};
    });
    return n;
}

usize audit_text(view<char> out) noexcept {
    const auto& log = g_monitor.audit();
    char line[256];
    // Newest lines first in priority: find the oldest record from which every line fits.
    usize lens[limits.audit_entries] = {};
    usize count = 0, total = 0;
    log.for_each([&](const shype::denial_record& r) { lens[count++] = shype::format_denial(r, line, sizeof line) + 1; });
    usize first = count;
    while (first > 0 && total + lens[first - 1] <= out.size) total += lens[--first];
    usize i = 0, at = 0;
    log.for_each([&](const shype::denial_record& r) {
        if (i++ < first) return;
        const usize n = shype::format_denial(r, line, sizeof line);
        lib::memcpy(out.data + at, line, n);
        out.data[at + n] = '\n';
        at += n + 1;
    });
    return at;
}

}  // namespace refhv::mac
