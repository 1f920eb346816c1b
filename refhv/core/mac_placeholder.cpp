// SPDX-License-Identifier: Apache-2.0
// PLACEHOLDER ACM -- REPLACED AT INTEGRATION by an adapter over the shype library.
//
// Permits everything, except sharing between pairs put on the debug deny list
// (REFHV_HC_DEBUG_MAC_DENY), which exists so the revocation path can be exercised
// end to end today. Keeps label names, hook statistics and a denial log so the
// policy-interface hypercalls have something true to report. The binary policy
// operations (load, get) answer ENOSYS until the real ACM is plugged in.
#include "mac.hpp"

#include "lib.hpp"

namespace refhv::mac {

namespace {
struct label_slot {
    bool used;
    domid_t dom;
    char name[REFHV_LABEL_MAX];
};
struct deny_pair {
    bool used;
    domid_t a, b;
};

constexpr usize max_labels = 32;
constexpr usize max_pairs = 8;
constexpr usize log_size = 16;

label_slot g_labels[max_labels];
deny_pair g_pairs[max_pairs];
refhv_mac_stats g_stats;
refhv_mac_denial g_log[log_size];
usize g_log_next = 0;
usize g_log_count = 0;
revocation_hooks g_hooks{nullptr, nullptr};

label_slot* find_label(domid_t dom) noexcept {
    for (auto& l : g_labels)
        if (l.used && l.dom == dom) return &l;
    return nullptr;
}

bool pair_denied(domid_t a, domid_t b) noexcept {
    for (const auto& p : g_pairs)
        if (p.used && ((p.a == a && p.b == b) || (p.a == b && p.b == a))) return true;
    return false;
}

decision record(hook h, domid_t subject, domid_t object, decision d) noexcept {
    const auto i = static_cast<usize>(h);
    if (i < 16) ++g_stats.hook_calls[i];
    if (d == decision::permit) {
        ++g_stats.permits;
    } else {
        ++g_stats.denials;
        g_log[g_log_next] = refhv_mac_denial{static_cast<u32>(h), subject, object, 0};
        g_log_next = (g_log_next + 1) % log_size;
        if (g_log_count < log_size) ++g_log_count;
    }
    return d;
}

decision pair_decision(hook h, domid_t a, domid_t b) noexcept {
    return record(h, a, b, pair_denied(a, b) ? decision::deny : decision::permit);
}
}  // namespace

void init() noexcept {
    lib::memset(g_labels, 0, sizeof g_labels);
    lib::memset(g_pairs, 0, sizeof g_pairs);
    lib::memset(&g_stats, 0, sizeof g_stats);
    g_log_next = g_log_count = 0;
}

result<decision> domain_create(domid_t subject, domid_t dom, const char* label) noexcept {
    label_slot* slot = find_label(dom);
    for (auto& l : g_labels) {
        if (slot != nullptr) break;
        if (!l.used) slot = &l;
    }
    if (slot == nullptr) return fail(errc::nospc);  // cannot evaluate: no room for the label
    slot->used = true;
    slot->dom = dom;
    lib::strlcpy(slot->name, label, sizeof slot->name);
    return record(hook::domain_create, subject, dom, decision::permit);
}

void domain_destroy(domid_t dom) noexcept {
    ++g_stats.hook_calls[static_cast<usize>(hook::domain_destroy)];
    if (label_slot* l = find_label(dom)) l->used = false;
}

result<decision> domain_save(domid_t subject, domid_t dom) noexcept {
    return record(hook::domain_save, subject, dom, decision::permit);
}

result<decision> domain_restore(domid_t subject, domid_t dom, const char* label) noexcept {
    auto r = domain_create(subject, dom, label);
    if (!r || r.value() == decision::deny) return r;
    return record(hook::domain_restore, subject, dom, decision::permit);
}

result<decision> evtchn_bind(domid_t a, domid_t b) noexcept { return pair_decision(hook::evtchn_bind, a, b); }

result<decision> grant_map(domid_t granter, domid_t mapper, access) noexcept {
    return pair_decision(hook::grant_map, mapper, granter);
}

result<decision> resource_register(domid_t server, const char*) noexcept {
    return record(hook::resource_register, server, invalid_domid, decision::permit);
}

result<decision> resource_access(domid_t dom, const char*) noexcept {
    return record(hook::resource_access, dom, invalid_domid, decision::permit);
}

result<u64> coalition(domid_t macdom, domid_t dom) noexcept {
    // Permit-all: every coalition is shared, unless the pair is on the deny list.
    const decision d = pair_decision(hook::coalition, macdom, dom);
    return d == decision::permit ? ~0ull : 0ull;  // u64 result
}

result<void> policy_load(domid_t subject, view<const u8>) noexcept {
    record(hook::policy, subject, invalid_domid, decision::permit);
    return fail(errc::nosys);  // integration: parse + activate + call the revocation hooks
}

result<usize> policy_get(domid_t subject, view<u8>) noexcept {
    record(hook::policy, subject, invalid_domid, decision::permit);
    return fail(errc::nosys);
}

result<decision> decide(domid_t, u32 op, domid_t a, domid_t b) noexcept {
    if (op != REFHV_MAC_OP_EVTCHN && op != REFHV_MAC_OP_GRANT_RO && op != REFHV_MAC_OP_GRANT_RW)
        return fail(errc::inval);
    return pair_denied(a, b) ? decision::deny : decision::permit;
}

result<usize> domain_label(domid_t dom, view<char> out) noexcept {
    const label_slot* l = find_label(dom);
    if (l == nullptr) return fail(errc::srch);
    const usize n = bounded_strlen(l->name, sizeof l->name);
    if (out.size < n + 1) return fail(errc::range);
    lib::memcpy(out.data, l->name, n);
    out.data[n] = '\0';
    return n;
}

void stats(refhv_mac_stats& out) noexcept { out = g_stats; }

usize denials(view<refhv_mac_denial> out) noexcept {
    const usize n = g_log_count < out.size ? g_log_count : out.size;
    // Oldest first among the last n entries.
    for (usize i = 0; i < n; ++i) out[i] = g_log[(g_log_next + log_size - n + i) % log_size];
    return n;
}

void set_revocation_hooks(const revocation_hooks& h) noexcept { g_hooks = h; }
void note_revocation() noexcept { ++g_stats.revocations; }

result<void> debug_deny_pair(domid_t a, domid_t b, bool deny) noexcept {
    deny_pair* slot = nullptr;
    for (auto& p : g_pairs)
        if (p.used && ((p.a == a && p.b == b) || (p.a == b && p.b == a))) slot = &p;
    if (deny && slot == nullptr) {
        for (auto& p : g_pairs)
            if (!p.used && slot == nullptr) slot = &p;
        if (slot == nullptr) return fail(errc::nospc);
        *slot = deny_pair{true, a, b};
    } else if (!deny && slot != nullptr) {
        slot->used = false;
    }
    // A policy change: the ACM asks the hypervisor to re-evaluate every cached decision.
    if (g_hooks.reevaluate_evtchns != nullptr) g_hooks.reevaluate_evtchns();
    if (g_hooks.reevaluate_grants != nullptr) g_hooks.reevaluate_grants();
    return success;
}

}  // namespace refhv::mac
