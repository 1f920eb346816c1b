// SPDX-License-Identifier: Apache-2.0
// The policy in force and its changes. Policies are shype binaries (compiled from XML by
// `shype compile`); the monitor validates one completely before it is used. The policy in
// force lives in one of two buffers owned here: a new policy is copied into the other one,
// and the two swap roles only when the change succeeded, so the old bytes stay valid until
// nothing refers to them. The bindings a change takes back are queued and handed to the
// hypervisor's revocation hooks once the monitor is done.
#include <new>

#include "hypercall.hpp"
#include "lib.hpp"
#include "mac_acm.hpp"

namespace refhv::mac {

namespace acm {
namespace {
alignas(8) u8 g_buffers[2][hypercall::max_policy_bytes];
unsigned g_active = 0;  // which buffer holds the policy in force
revocation_hooks g_hooks{nullptr, nullptr, nullptr, nullptr};

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
}  // namespace

bool taken_by_change(binding b) noexcept { return g_revoking && queued(b); }
}  // namespace acm

using namespace acm;

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

void set_revocation_hooks(const revocation_hooks& h) noexcept { g_hooks = h; }

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

void policy_identity(char* name, usize cap, u32& major, u32& minor, u32& generation) noexcept {
    const shype::policy_view v = policy();
    if (cap != 0) {
        const usize n = v.name().size() < cap - 1 ? v.name().size() : cap - 1;
        lib::memcpy(name, v.name().data(), n);
        name[n] = '\0';
    }
    major = v.version().major;
    minor = v.version().minor;
    generation = static_cast<u32>(g_monitor.generation());
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

}  // namespace refhv::mac
