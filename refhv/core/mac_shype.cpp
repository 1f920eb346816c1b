// SPDX-License-Identifier: Apache-2.0
// The ACM: refhv's MAC seam (mac.hpp) over the shype library's reference monitor, with the
// paper's two policies stacked: Chinese Wall (placement) and Type Enforcement (sharing and
// resources). The monitor is constinit, sized for refhv's tables, and unlocked: refhv runs
// on one CPU with interrupts off in the hypervisor, so calls are already serialised.
//
// Policies are shype binaries (compiled from XML by `shype compile`); the monitor validates
// one completely before it is used. The policy in force lives in one of two buffers owned
// here: a new policy is copied into the other one, and the two swap roles only when the
// change succeeded, so the old bytes stay valid until nothing refers to them.
#include <new>

#include <shype/audit_log.hpp>
#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#include "domain.hpp"
#include "hypercall.hpp"
#include "lib.hpp"
#include "log.hpp"
#include "mac.hpp"

namespace refhv::mac {

namespace {
using cw_policy = shype::chinese_wall<64>;
using te_policy = shype::type_enforcement<64>;  // 64 TE types: a coalition mask is one u64
constexpr shype::monitor_limits limits{.max_domains = domid_limit,
                                       .cache_sets = 64,
                                       .cache_ways = 4,
                                       .max_bindings = 1024,
                                       .audit_entries = 64};
using monitor_t = shype::basic_monitor<limits, shype::no_locking, cw_policy, te_policy>;
static_assert(shype::hypervisor_subject == hypervisor, "the hypervisor's own subject id");

constinit monitor_t g_monitor;
alignas(8) u8 g_buffers[2][hypercall::max_policy_bytes];
unsigned g_active = 0;  // which buffer holds the policy in force
refhv_mac_stats g_stats;
revocation_hooks g_hooks{nullptr, nullptr, nullptr, nullptr};
bool g_trace = false;

/// A revocation taken by a policy change, carried out once the monitor is done.
struct revoked_binding {
    object kind;
    u64 cookie;
    binding b;
};
revoked_binding g_revoked[limits.max_bindings];
usize g_revoked_count = 0;
bool g_revoking = false;  // the hooks run: a queued handle is gone from the monitor already

bool queued(binding b) noexcept {
    for (usize i = 0; i < g_revoked_count; ++i)
        if (g_revoked[i].b == b) return true;
    return false;
}

// ---- conversions ---------------------------------------------------------------------
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
binding from(shype::binding_handle h) noexcept { return {h.index, h.serial}; }
shype::binding_handle to(binding b) noexcept { return {b.index, b.serial}; }
object object_of(shype::binding_kind k) noexcept {
    switch (k) {
    case shype::binding_kind::evtchn: return object::evtchn;
    case shype::binding_kind::grant_ro:
    case shype::binding_kind::grant_rw: return object::grant;
    default: return object::resource;
    }
}
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

shype::policy_view policy() noexcept { return g_monitor.policy(); }
shype::string_ref label_of(domid_t d) noexcept {
    const shype::domain_info i = g_monitor.domain(d);
    if (i.state == shype::domain_state::free) return "-";
    return policy().vm_label(i.label).name();
}
log::str str(shype::string_ref s) noexcept { return {s.data(), s.size()}; }
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

/// Count a hook's answer (and print it with mac_trace=1). `what` names the object when it
/// is not a domain (a resource label).
result<decision> record(hook h, domid_t subject, domid_t object_dom, const char* what,
                        const shype::result<shype::verdict>& r) noexcept {
    ++g_stats.hook_calls[static_cast<usize>(h)];
    const bool ok = r.has_value() && r.value().permitted();
    if (r.has_value()) ++(ok ? g_stats.permits : g_stats.denials);
    if (g_trace) {
        log::put("refhv: mac: ");
        log::put(hook_name(h));
        if (h == hook::domain_create || h == hook::domain_restore) {  // "create d6 as <label> by d0"
            log::put(" d");
            log::put(log::dec{object_dom});
            log::put(" as ");
            log::put(what);
            if (subject == hypervisor) {
                log::put(" by the hypervisor");
            } else {
                log::put(" by d");
                log::put(log::dec{subject});
            }
        } else {
            log::put(" d");
            log::put(log::dec{subject});
            log::put(" (");
            log::put(str(label_of(subject)));
            log::put(") -> ");
            if (what != nullptr) {
                log::put(what);
            } else {
                log::put("d");
                log::put(log::dec{object_dom});
                log::put(" (");
                log::put(str(label_of(object_dom)));
                log::put(")");
            }
        }
        log::put(": ");
        if (!r.has_value()) {
            log::put("error ");
            log::put(shype::to_string(r.error()));
        } else if (ok) {
            log::put("permit");
        } else {
            log::put("deny by ");
            log::put(monitor_t::policy_name(r.value().denied_by));
        }
        log::put('\n');
    }
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

/// "<errc> in <section> [element i] [and j] at offset n"
void describe(const shype::load_error& e, char* buf, usize cap) noexcept {
    shype::detail::text_writer w(buf, cap);
    w.put("refused: ").put(shype::to_string(e.code)).put(" in ").put(shype::to_string(e.section));
    if (e.index != shype::load_error::none) w.put(" element ").put_uint(e.index);
    if (e.other != shype::load_error::none) w.put(" and ").put_uint(e.other);
    w.put(" at offset ").put_uint(e.offset);
}

/// Would a change to `next` take the management label away from `subject`, which holds it now?
/// In refhv only dom0 can manage, so nobody could ever manage again (not even load the old
/// policy back): such a change is refused. Labels are mapped as the change maps them (renames).
/// A binary that does not load (`next` null) is left to change_policy, which describes it.
bool loses_management(domid_t subject, const shype::policy_view* next, shype::detail::text_writer& msg) noexcept {
    if (subject == hypervisor || next == nullptr) return false;
    const shype::domain_info me = g_monitor.domain(subject);
    if (me.state != shype::domain_state::running || me.label != policy().bootstrap_label()) return false;
    const shype::string_ref mine = label_of(subject);
    const shype::label_id boot = next->bootstrap_label();
    // dom0's label as the change maps it (its successor: a rename carries it over).
    if (boot != shype::no_label && next->find_successor(shype::label_kind::vm, mine) == boot) return false;
    msg.put("refused: d").put_uint(subject).put(" (").put(mine).put(") would lose the management label (the new policy's is ");
    msg.put(boot == shype::no_label ? shype::string_ref("none") : next->vm_label(boot).name()).put(")");
    return true;
}

/// After an applied change: every live domain's label name as the policy now in force has it
/// (a rename changes it; refhv keeps the name, e.g. for save images and DOMAIN_INFO).
void carry_domain_labels() noexcept {
    for (unsigned i = 0; domain* d = domains::slot(i); ++i) {
        if (!d->alive()) continue;
        const shype::domain_info info = g_monitor.domain(d->id);
        if (info.state != shype::domain_state::running) continue;
        const shype::string_ref n = policy().vm_label(info.label).name();
        if (n.size() >= sizeof d->label) continue;  // refused before the change (policy_load)
        lib::memcpy(d->label, n.data(), n.size());
        d->label[n.size()] = '\0';
    }
}

void run_revocations() noexcept {
    // Taken from the queue one by one: a hook may release other bindings of the same object,
    // and release() skips those the change took already (two of one channel, say).
    g_revoking = true;
    for (usize i = 0; i < g_revoked_count; ++i) {
        const revoked_binding& r = g_revoked[i];
        switch (r.kind) {
        case object::evtchn:
            if (g_hooks.evtchn != nullptr) g_hooks.evtchn(r.cookie, r.b);
            break;
        case object::grant:
            if (g_hooks.grant != nullptr) g_hooks.grant(r.cookie, r.b);
            break;
        case object::resource:
            if (g_hooks.resource != nullptr) g_hooks.resource(r.cookie, r.b);
            break;
        }
    }
    g_revoking = false;
    g_stats.revocations += g_revoked_count;
    g_revoked_count = 0;
}

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

// ---- set-up ----------------------------------------------------------------------------

bool looks_like_policy(view<const u8> bytes) noexcept {
    constexpr usize n = sizeof shype::detail::format::magic;
    return bytes.size >= n && lib::memcmp(bytes.data, shype::detail::format::magic, n) == 0;
}

result<void> init(view<const u8> boot_policy, char* why, usize why_cap) noexcept {
    new (&g_monitor) monitor_t{};  // host tests boot many times
    lib::memset(&g_stats, 0, sizeof g_stats);
    g_revoked_count = 0;
    g_active = 0;
    if (boot_policy.size > sizeof g_buffers[0]) {
        shype::detail::text_writer(why, why_cap).put("refused: policy larger than 64 KiB");
        return fail(errc::too_big);
    }
    lib::memcpy(g_buffers[0], boot_policy.data, boot_policy.size);
    const auto r = g_monitor.load_initial(shype::byte_view(g_buffers[0], boot_policy.size));
    if (!r) {
        describe(r.error(), why, why_cap);
        return fail(to_errc(r.error().code));
    }
    return success;
}

void bootstrap_label(char* out, usize cap) noexcept {
    if (cap == 0) return;
    out[0] = '\0';
    const shype::policy_view v = policy();
    if (v.bootstrap_label() == shype::no_label) return;
    const shype::string_ref n = v.vm_label(v.bootstrap_label()).name();
    if (n.size() + 1 > cap) return;
    lib::memcpy(out, n.data(), n.size());
    out[n.size()] = '\0';
}

void set_trace(bool on) noexcept { g_trace = on; }
void set_revocation_hooks(const revocation_hooks& h) noexcept { g_hooks = h; }

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
    if (g_trace) {
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

result<decision> resource_register(domid_t server, const char* resource_label, u64 cookie, binding& out) noexcept {
    out = binding{};
    const shype::resource_id r = policy().find_resource_label(resource_label);
    if (r == shype::policy_view::npos)
        return record(hook::resource_register, server, invalid_domid, resource_label, shype::failure(shype::errc::unknown_label));
    return record_bind(hook::resource_register, server, invalid_domid, resource_label,
                       g_monitor.resource_attach(server, r, shype::access_mode::read_write, cookie), out);
}

result<decision> resource_access(domid_t dom, const char* resource_label, u64 cookie, binding& out) noexcept {
    out = binding{};
    const shype::resource_id r = policy().find_resource_label(resource_label);
    if (r == shype::policy_view::npos)
        return record(hook::resource_access, dom, invalid_domid, resource_label, shype::failure(shype::errc::unknown_label));
    return record_bind(hook::resource_access, dom, invalid_domid, resource_label,
                       g_monitor.resource_attach(dom, r, shype::access_mode::read_write, cookie), out);
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
    if (g_revoking && queued(b)) {
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

// ---- policy interface ------------------------------------------------------------------

result<u64> policy_load(domid_t subject, view<const u8> bytes, u32 flags, refhv_policy_result& out) noexcept {
    ++g_stats.hook_calls[static_cast<usize>(hook::policy)];
    out = refhv_policy_result{};
    out.index = out.other = 0xFFFFFFFF;
    shype::detail::text_writer msg(out.message, sizeof out.message);
    if (bytes.size > sizeof g_buffers[0]) return fail(errc::too_big);
    const bool dry = (flags & REFHV_POLICY_DRY_RUN) != 0;
    u8* next = g_buffers[1 - g_active];
    lib::memcpy(next, bytes.data, bytes.size);
    // Read once here for refhv's own checks and messages; change_policy validates it again itself.
    const auto loaded = shype::policy_view::load(shype::byte_view(next, bytes.size));
    const shype::policy_view* nv = loaded ? &loaded.value() : nullptr;
    if (loses_management(subject, nv, msg)) {
        out.generation = g_monitor.generation();
        out.violations = 1;
        ++g_stats.denials;
        return fail(errc::busy);
    }

    g_revoked_count = 0;
    auto on_revoke = [&](shype::binding_handle h, const shype::binding& b) noexcept {
        if (dry || g_revoked_count == limits.max_bindings) return;  // the registry holds at most that many
        g_revoked[g_revoked_count++] = {object_of(b.kind), b.cookie, from(h)};
    };
    auto on_violation = [&](const shype::violation& v) noexcept {
        if (out.violations++ != 0) return;  // the first one is described
        if (v.kind == shype::violation_kind::rename_unknown) {
            msg.put("refused: ").put(shype::to_string(v.table)).put(" ").put(v.new_label).put(" is renamed from ").put(v.label);
            msg.put(", which the policy in force lacks");
            return;
        }
        msg.put("refused: d").put_uint(v.domain).put(" (").put(v.label);
        if (!v.new_label.empty() && v.new_label != v.label) msg.put(", renamed ").put(v.new_label);
        msg.put(")");
        if (v.kind == shype::violation_kind::label_missing) {
            msg.put(" has a label the new policy lacks");
        } else {
            msg.put(" would conflict under ").put(monitor_t::policy_name(v.policy_index));
            if (v.other != shype::hypervisor_subject) msg.put(" with d").put_uint(v.other);
        }
    };
    // refhv keeps labels by name in fixed buffers: a renamed label must fit them.
    if (nv != nullptr) {
        for (usize i = 0; i < nv->rename_count(); ++i) {
            const shype::rename_view rn = nv->rename(i);
            const shype::string_ref to = rn.kind == shype::label_kind::vm ? nv->vm_label(rn.label).name()
                                                                          : nv->resource_label(rn.label).name();
            if (to.size() < REFHV_LABEL_MAX) continue;
            msg.put("refused: ").put(shype::to_string(rn.kind)).put(" ").put(rn.from).put(" is renamed to a name of ");
            msg.put_uint(to.size()).put(" bytes; refhv's labels hold at most ").put_uint(REFHV_LABEL_MAX - 1);
            ++g_stats.denials;
            return fail(errc::inval);
        }
    }
    const auto r = g_monitor.change_policy(subject, shype::byte_view(next, bytes.size),
                                           dry ? shype::change_mode::dry_run : shype::change_mode::apply, on_revoke,
                                           on_violation);
    out.generation = g_monitor.generation();
    if (!r) {
        const shype::load_error& e = r.error();
        out.code = static_cast<u32>(e.code);
        out.section = static_cast<u32>(e.section);
        out.index = e.index;
        out.other = e.other;
        out.offset = e.offset;
        describe(e, out.message, sizeof out.message);
        ++g_stats.denials;
        return fail(to_errc(e.code));
    }
    const shype::change_report& rep = r.value();
    out.violations = static_cast<u32>(rep.violations);
    out.revoked = static_cast<u32>(rep.revoked);
    if (!rep.authorized) {
        management_refused(subject, out);
        ++g_stats.denials;
        return fail(errc::perm);
    }
    if (!shype::permitted(rep.value)) {
        ++g_stats.denials;
        return fail(errc::busy);
    }
    ++g_stats.permits;
    const shype::string_ref name = nv->name();  // change_policy accepted it, so it loaded
    msg.put(dry ? "would load " : "loaded ").put(name).put(", ").put_uint(rep.revoked).put(dry ? " to revoke" : " revoked");
    if (!dry) {
        g_active = 1 - g_active;
        run_revocations();
        carry_domain_labels();
        if (g_hooks.renamed != nullptr) g_hooks.renamed();
    }
    return static_cast<u64>(rep.revoked);
}

void management_refused(domid_t subject, refhv_policy_result& out) noexcept {
    out = refhv_policy_result{};
    out.index = out.other = 0xFFFFFFFF;
    out.generation = g_monitor.generation();
    shype::detail::text_writer(out.message, sizeof out.message)
        .put("refused: d")
        .put_uint(subject)
        .put(" (")
        .put(label_of(subject))
        .put(") does not hold the management label");
}

result<usize> policy_get(domid_t, view<u8> out) noexcept {
    ++g_stats.hook_calls[static_cast<usize>(hook::policy)];
    const shype::byte_view b = policy().bytes();
    if (out.size < b.size()) return fail(errc::range);
    lib::memcpy(out.data, b.data(), b.size());
    return b.size();
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

result<usize> resource_label_after_change(const char* old_name, view<char> out) noexcept {
    const shype::policy_view v = policy();
    const shype::resource_id r = v.find_successor(shype::label_kind::resource, old_name);
    if (r == shype::policy_view::npos) return fail(errc::noent);
    const shype::string_ref n = v.resource_label(r).name();
    if (out.size < n.size() + 1) return fail(errc::range);
    lib::memcpy(out.data, n.data(), n.size());
    out.data[n.size()] = '\0';
    return n.size();
}

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
