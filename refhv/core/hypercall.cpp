// SPDX-License-Identifier: Apache-2.0
#include "hypercall.hpp"

#include "attest.hpp"
#include "domctl.hpp"
#include "evtchn.hpp"
#include "gmem.hpp"
#include "grant.hpp"
#include "log.hpp"
#include "mac.hpp"
#include "page_alloc.hpp"
#include "resource.hpp"
#include "sched.hpp"

namespace refhv::hypercall {

namespace {
// Staging for policy blobs and audit text, so the MAC layer only ever sees hypervisor memory.
u8 g_policy_buf[max_policy_bytes];
char g_text[max_audit_bytes];

template <class T>
outcome done(const result<T>& r) noexcept {
    if (!r) return {true, to_ret(r.error())};
    return {true, static_cast<u64>(r.value())};
}
outcome err(errc e) noexcept { return {true, to_ret(e)}; }
outcome val(u64 v) noexcept { return {true, v}; }

bool valid_domid(u64 v) noexcept { return v < invalid_domid; }

/// Management calls (domain control, queries about other domains, the policy interface) need
/// both refhv's own rule, that only dom0 manages, and the ACM's management decision, asked on
/// every call: a dom0 booted with another label than the policy's management label (or left
/// without it by a policy change) manages nothing. Asked before any argument is read. Only
/// dom0 can get past the first rule, so only dom0's refusals are logged (one line each).
result<void> may_manage(const domain& d, mac::hook call, const char* what) noexcept {
    if (!d.privileged) return fail(errc::perm);
    const auto r = mac::manage(d.id, call);
    if (r && r.value() == mac::decision::permit) return success;
    log::line("refhv: d", log::dec{d.id}, " (", d.label, ") refused ", what,
              r ? ": not the policy's management label" : ": the ACM could not decide");
    return fail(r ? errc::perm : r.error());
}

/// Run `call()` if `d` may make management call `hook` (the hypercall `what`).
template <class F>
outcome managed(const domain& d, mac::hook hook, const char* what, F&& call) noexcept {
    if (const auto ok = may_manage(d, hook, what); !ok) return err(ok.error());
    return done(call());
}

result<u64> console_write(domain& d, u64 gpa, u64 len) noexcept {
    if (len > max_console_bytes) return fail(errc::too_big);
    REFHV_TRY(gmem::check(d, gpa, len));
    char buf[256];
    for (u64 done_bytes = 0; done_bytes < len;) {
        const u64 n = len - done_bytes < sizeof buf ? len - done_bytes : sizeof buf;
        REFHV_TRY(gmem::read(d, buf, gpa + done_bytes, n));
        domains::console_put(d, buf, n);
        done_bytes += n;
    }
    return len;
}

result<u64> sys_info(domain& d, u64 out) noexcept {
    const refhv_sys_info si{pages::free_count(), pages::total(), sched::now_ms(), domains::count(), max_domains};
    REFHV_TRY(gmem::write_obj(d, out, si));
    return 0;
}

// ---- policy interface ------------------------------------------------------
result<u64> policy_load(domain& d, u64 gpa, u64 size, u64 result_gpa, u64 flags) noexcept {
    if (size == 0 || (flags & ~static_cast<u64>(REFHV_POLICY_DRY_RUN)) != 0) return fail(errc::inval);
    if (size > max_policy_bytes) return fail(errc::too_big);
    if (result_gpa != 0) REFHV_TRY(gmem::check(d, result_gpa, sizeof(refhv_policy_result)));
    REFHV_TRY(gmem::read(d, g_policy_buf, gpa, size));
    refhv_policy_result res{};
    const view<const u8> bytes{g_policy_buf, size};
    // Measured policies: the TPM hashes it first (a policy that cannot be measured does not go
    // in force); the PCR is extended and the event logged only once the change was applied.
    attest::pending m;
    const bool dry = (flags & REFHV_POLICY_DRY_RUN) != 0;
    if (!dry) {
        if (const auto ok = attest::prepare(bytes, m, res.message, sizeof res.message); !ok) {
            res.index = res.other = 0xFFFFFFFF;
            u32 major = 0, minor = 0;
            mac::policy_identity(nullptr, 0, major, minor, res.generation);  // the generation in force
            res.error = -static_cast<i32>(ok.error());
            if (result_gpa != 0) REFHV_TRY(gmem::write_obj(d, result_gpa, res));
            return fail(ok.error());
        }
    }
    const auto r = mac::policy_load(d.id, bytes, static_cast<u32>(flags), res);
    if (r && !dry) attest::commit(m);
    res.error = r ? static_cast<i32>(r.value()) : -static_cast<i32>(r.error());
    if (result_gpa != 0) REFHV_TRY(gmem::write_obj(d, result_gpa, res));
    return r;
}

/// POLICY_LOAD refused before the policy was looked at (no management): the result record
/// still says why, when the caller asked for one and it fits in its memory.
void policy_load_refused(domain& d, u64 result_gpa, errc e) noexcept {
    if (result_gpa == 0) return;
    refhv_policy_result res{};
    mac::management_refused(d.id, res);
    res.error = -static_cast<i32>(e);
    (void)gmem::write_obj(d, result_gpa, res);  // a bad pointer loses only the record
}

result<u64> policy_get(domain& d, u64 gpa, u64 size) noexcept {
    if (size == 0) return fail(errc::inval);
    if (size > max_policy_bytes) return fail(errc::too_big);
    REFHV_TRY(gmem::check(d, gpa, size));
    auto n = mac::policy_get(d.id, view<u8>{g_policy_buf, size});
    if (!n) return fail(n.error());
    if (n.value() > size) return fail(errc::range);  // never trust a size from below the seam
    REFHV_TRY(gmem::write(d, gpa, g_policy_buf, n.value()));
    return n.value();
}

result<u64> policy_decide(domain& d, u64 op, u64 a, u64 b) noexcept {
    if (op > 0xFFFFFFFF) return fail(errc::inval);
    if (!valid_domid(a) || !valid_domid(b)) return fail(errc::srch);
    auto r = mac::decide(d.id, static_cast<u32>(op), static_cast<domid_t>(a), static_cast<domid_t>(b));
    if (!r) return fail(r.error());
    return r.value() == mac::decision::permit ? 1 : 0;
}

result<u64> policy_label(domain& d, u64 domid, u64 gpa, u64 size) noexcept {
    if (!valid_domid(domid)) return fail(errc::srch);
    if (size == 0) return fail(errc::inval);
    if (size > REFHV_LABEL_MAX) size = REFHV_LABEL_MAX;
    REFHV_TRY(gmem::check(d, gpa, size));
    char buf[REFHV_LABEL_MAX];
    auto n = mac::domain_label(static_cast<domid_t>(domid), view<char>{buf, size});
    if (!n) return fail(n.error());
    REFHV_TRY(gmem::write(d, gpa, buf, n.value() + 1));
    return n.value();
}

result<u64> policy_stats(domain& d, u64 gpa) noexcept {
    refhv_mac_stats s{};
    REFHV_TRY(gmem::check(d, gpa, sizeof s));
    mac::stats(s);
    REFHV_TRY(gmem::write_obj(d, gpa, s));
    return 0;
}

result<u64> policy_counters(domain& d, u64 gpa) noexcept {
    refhv_mac_counters c{};
    REFHV_TRY(gmem::check(d, gpa, sizeof c));
    mac::counters(c);
    REFHV_TRY(gmem::write_obj(d, gpa, c));
    return 0;
}

result<u64> policy_audit(domain& d, u64 gpa, u64 size) noexcept {
    if (size == 0) return fail(errc::inval);
    if (size > max_audit_bytes) size = max_audit_bytes;  // the log is never longer
    REFHV_TRY(gmem::check(d, gpa, size));
    const usize n = mac::audit_text(view<char>{g_text, size});
    REFHV_TRY(gmem::write(d, gpa, g_text, n));
    return n;
}

result<u64> policy_denials(domain& d, u64 gpa, u64 max) noexcept {
    constexpr u64 cap = 16;
    if (max == 0) return fail(errc::inval);
    if (max > cap) return fail(errc::too_big);
    REFHV_TRY(gmem::check(d, gpa, max * sizeof(refhv_mac_denial)));
    refhv_mac_denial out[cap];
    const usize n = mac::denials(view<refhv_mac_denial>{out, max});
    REFHV_TRY(gmem::write(d, gpa, out, n * sizeof(refhv_mac_denial)));
    return n;
}

}  // namespace

outcome dispatch(domain& d, const arch::request& r) noexcept {
    const u64* a = r.hypercall.arg;
    using mac::hook;

    switch (r.hypercall.op) {
    case REFHV_HC_VERSION: return val(REFHV_ABI_VERSION);
    case REFHV_HC_CONSOLE_WRITE: return done(console_write(d, a[0], a[1]));
    case REFHV_HC_SCHED_YIELD:
        sched::yield(d);
        return val(0);
    case REFHV_HC_SCHED_BLOCK:
        if (a[0] > max_block_ms) return err(errc::inval);
        if (evtchn::has_pending(d)) return val(0);
        sched::block(d, a[0], true);
        return {false, 0};
    case REFHV_HC_SCHED_SHUTDOWN:
        if (a[0] > 0xFFFFFFFFull) return err(errc::inval);
        domains::finish(d, REFHV_EXIT_SHUTDOWN, static_cast<i32>(static_cast<u32>(a[0])));
        return {false, 0};
    case REFHV_HC_SET_VECTORS: return done(evtchn::set_vectors(d, a[0], a[1]));
    case REFHV_HC_SYS_INFO: return done(sys_info(d, a[0]));

    case REFHV_HC_DOMAIN_CREATE:
        return managed(d, hook::domain_create, "DOMAIN_CREATE", [&] { return domctl::create(d, a[0]); });
    case REFHV_HC_DOMAIN_DESTROY:
        return managed(d, hook::domain_destroy, "DOMAIN_DESTROY", [&] { return domctl::destroy(d, a[0]); });
    case REFHV_HC_DOMAIN_SAVE:
        return managed(d, hook::domain_save, "DOMAIN_SAVE", [&] { return domctl::save(d, a[0], a[1], a[2]); });
    case REFHV_HC_DOMAIN_RESTORE:
        return managed(d, hook::domain_restore, "DOMAIN_RESTORE", [&] { return domctl::restore(d, a[0], a[1]); });
    case REFHV_HC_DOMAIN_INFO:  // on oneself anyone; on another domain, a management query
        if (a[0] == d.id) return done(domctl::info(d, a[0], a[1]));
        return managed(d, hook::policy, "DOMAIN_INFO", [&] { return domctl::info(d, a[0], a[1]); });

    case REFHV_HC_EVTCHN_ALLOC_UNBOUND: return done(evtchn::alloc_unbound(d, a[0]));
    case REFHV_HC_EVTCHN_BIND_INTERDOMAIN: return done(evtchn::bind_interdomain(d, a[0], a[1]));
    case REFHV_HC_EVTCHN_SEND: return done(evtchn::send(d, a[0]));
    case REFHV_HC_EVTCHN_CLOSE: return done(evtchn::close(d, a[0]));
    case REFHV_HC_EVTCHN_STATUS: return done(evtchn::status(d, a[0], a[1]));

    case REFHV_HC_GRANT_ACCESS: return done(grant::access(d, a[0], a[1], a[2]));
    case REFHV_HC_GRANT_REVOKE: return done(grant::revoke(d, a[0]));
    case REFHV_HC_GRANT_MAP: return done(grant::map(d, a[0], a[1], a[2], a[3]));
    case REFHV_HC_GRANT_UNMAP: return done(grant::unmap(d, a[0]));

    case REFHV_HC_RESOURCE_REGISTER: return done(resource::register_resource(d, a[0]));
    case REFHV_HC_RESOURCE_OPEN: return done(resource::open(d, a[0], a[1]));
    case REFHV_HC_RESOURCE_ACCEPT: return done(resource::accept(d, a[0]));
    case REFHV_HC_MAC_COALITION: return done(resource::coalition(d, a[0], a[1]));
    case REFHV_HC_RESOURCE_TYPES: return done(resource::types(d, a[0], a[1]));

    // The policy interface. POLICY_LOAD is decided again inside the change (atomically with it).
    case REFHV_HC_POLICY_LOAD:
        if (const auto ok = may_manage(d, hook::policy, "POLICY_LOAD"); !ok) {
            policy_load_refused(d, a[2], ok.error());
            return err(ok.error());
        }
        return done(policy_load(d, a[0], a[1], a[2], a[3]));
    case REFHV_HC_POLICY_GET: return managed(d, hook::policy, "POLICY_GET", [&] { return policy_get(d, a[0], a[1]); });
    case REFHV_HC_POLICY_DECIDE:
        return managed(d, hook::policy, "POLICY_DECIDE", [&] { return policy_decide(d, a[0], a[1], a[2]); });
    case REFHV_HC_POLICY_LABEL:  // one's own label anyone; another domain's, a management query
        if (a[0] == d.id) return done(policy_label(d, a[0], a[1], a[2]));
        return managed(d, hook::policy, "POLICY_LABEL", [&] { return policy_label(d, a[0], a[1], a[2]); });
    case REFHV_HC_POLICY_STATS: return managed(d, hook::policy, "POLICY_STATS", [&] { return policy_stats(d, a[0]); });
    case REFHV_HC_POLICY_DENIALS:
        return managed(d, hook::policy, "POLICY_DENIALS", [&] { return policy_denials(d, a[0], a[1]); });
    case REFHV_HC_POLICY_AUDIT:
        return managed(d, hook::policy, "POLICY_AUDIT", [&] { return policy_audit(d, a[0], a[1]); });
    case REFHV_HC_POLICY_COUNTERS:
        return managed(d, hook::policy, "POLICY_COUNTERS", [&] { return policy_counters(d, a[0]); });

    case REFHV_HC_ATTEST_QUOTE:
        return managed(d, hook::policy, "ATTEST_QUOTE", [&] { return attest::quote(d, a[0], a[1], a[2]); });

#if REFHV_DEBUG_HYPERCALLS
    case REFHV_HC_DEBUG_TPM_EXTEND:
        if (!d.privileged) return err(errc::perm);
        return done(attest::debug_extend(d, a[0]));
    case REFHV_HC_DEBUG_CRASH:
        if (!d.privileged) return err(errc::perm);
        asm volatile("ud2");  // a deliberate host exception: the trap handler dumps and exits
        return err(errc::inval);
#endif
    default: return err(errc::nosys);
    }
}

}  // namespace refhv::hypercall
