// SPDX-License-Identifier: Apache-2.0
#include "fuzz.hpp"

#include <shype/detail/policy_format.hpp>
#include <shype/detail/xxh64.hpp>

namespace g::fuzz {

namespace {
constexpr u64 page = REFHV_PAGE_SIZE;
constexpr u64 max_object = 512;  // every fixed-size output record fits

/// Numbers that sit on boundaries: sizes, ids, ports, page and address-space edges. As
/// addresses, none reaches the caller's start info, image or stack (below 0x100000 only
/// free low memory), so a call cannot be aimed at its own code.
u64 edge(rng& r) {
    static constexpr u64 values[] = {0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 255, 256, 4095, 0x7FFF, 0xFFFE,
                                     0xFFFF, 0x10000, 0xFFFFFFFF, 1ull << 32, 1ull << 39, 1ull << 47, 1ull << 63, ~0ull,
                                     ~0ull - 4095, ~0ull - 7, REFHV_GRANT_WINDOW_GPA, REFHV_GRANT_WINDOW_GPA + 63 * page,
                                     REFHV_GRANT_WINDOW_GPA + 64 * page, 0x80000000ull};
    return values[r.below(sizeof values / sizeof values[0])];
}
/// Any argument: random, on an edge, small (ids, ports, refs, sizes).
u64 any(rng& r) {
    switch (r.below(4)) {
    case 0: return r.next();
    case 1: return edge(r);
    case 2: return r.below(70);
    default: return r.below(4096);
    }
}

u64 mem_bytes() { return start_info().mem_bytes; }

/// A pointer the hypervisor may write `len` bytes through: mostly the scratch pages, else
/// one that must be refused as a whole (page 0, the last byte of RAM, so any write of two
/// bytes or more straddles its end, past RAM, the grant window, wrapping, far away). The
/// hypervisor clamps some lengths (a label to 32 bytes): only the last byte is sure to be
/// refused, so nothing lands on the caller's stack at the top of its RAM.
u64 out_ptr(context& c, u64 len) {
    if (c.r.chance(75)) {
        const u64 room = c.scratch_pages * page - len;
        return gpa(c.scratch) + c.r.below(room + 1);
    }
    switch (c.r.below(7)) {
    case 0: return 0;
    case 1: return c.r.below(page);
    case 2: return mem_bytes() - 1;
    case 3: return mem_bytes() + c.r.below(1ull << 20);
    case 4: return REFHV_GRANT_WINDOW_GPA + c.r.below(64) * page;
    case 5: return ~0ull - c.r.below(len + 8);
    default: return c.r.next();
    }
}
/// A pointer the hypervisor only reads: anything out_ptr gives, or any of the caller's RAM.
u64 in_ptr(context& c, u64 len) {
    if (c.r.chance(10)) return page + c.r.below(mem_bytes() - page);
    return out_ptr(c, len);
}

/// Domain ids near the caller's (others come and go), dom0, itself, nonsense.
u64 dom(context& c) {
    const u64 me = domid();
    switch (c.r.below(10)) {
    case 0:
    case 1: return 0;
    case 2: return me;
    case 3: return c.r.chance(50) ? 0xFFFF : edge(c.r);
    case 4:
    case 5: return c.r.below(16);
    default: return (me > 6 ? me - 6 : 0) + c.r.below(14);
    }
}
u64 port(context& c) { return c.r.chance(80) ? c.r.below(10) : (c.r.chance(50) ? c.r.below(70) : any(c.r)); }
u64 ref(context& c) { return c.r.chance(85) ? c.r.below(8) : any(c.r); }
u64 window(context& c) {
    const u64 w = REFHV_GRANT_WINDOW_GPA + c.r.below(c.r.chance(90) ? 8 : 66) * page;
    return c.r.chance(95) ? w : w + c.r.below(page);
}
u64 flags(context& c) { return c.r.chance(90) ? c.r.below(2) : any(c.r); }

const char* const k_names[] = {"vdisk-order", "vdisk-ads", "fz", "x", ""};
const char* const k_res_labels[] = {"order", "ads", "mgmt", "nope", ""};

void put_str(char* dst, u64 cap, const char* s) {
    u64 i = 0;
    for (; s[i] != '\0' && i + 1 < cap; ++i) dst[i] = s[i];
    dst[i] = '\0';
}

bool same(const u8* a, const u8* b, u64 n) {
    for (u64 i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

// ---- dom0's policy loads, with the oracle ----------------------------------------------
u8 g_mutant[16384];  // private: never granted, so no other domain changes it under us
u8 g_got[16384];

void recompute_checksum(u8* p, u64 n) {
    namespace f = shype::detail::format;
    if (n < f::header_size) return;
    shype::detail::xxh64_state h;
    h.update(p, f::off::checksum);
    h.update_zeros(8);
    h.update(p + f::off::checksum + 8, n - f::off::checksum - 8);
    const u64 sum = h.digest();
    for (unsigned i = 0; i < 8; ++i) p[f::off::checksum + i] = static_cast<u8>(sum >> (8 * i));
}

void policy_load(context& c) {
    const blob& b = c.policies[c.r.below(c.npolicies)];
    const u8* data = b.data;
    u64 size = b.size;
    switch (c.r.below(6)) {
    case 0:
    case 1: break;  // a valid policy as it is
    case 2: {       // a few bytes changed; half the time the checksum made right again
        for (u64 i = 0; i < size; ++i) g_mutant[i] = b.data[i];
        const u64 n = 1 + c.r.below(4);
        for (u64 i = 0; i < n; ++i) g_mutant[c.r.below(size)] = static_cast<u8>(c.r.next());
        if (c.r.chance(60)) recompute_checksum(g_mutant, size);
        data = g_mutant;
        break;
    }
    case 3: size = c.r.below(size); break;  // truncated
    case 4: {                               // garbage, sometimes behind a valid header
        size = 8 + c.r.below(sizeof g_mutant - 8);
        for (u64 i = 0; i < size; ++i) g_mutant[i] = static_cast<u8>(c.r.next());
        if (c.r.chance(50)) {
            for (u64 i = 0; i < 64 && i < b.size; ++i) g_mutant[i] = b.data[i];
            recompute_checksum(g_mutant, size);
        }
        data = g_mutant;
        break;
    }
    default:  // a count or offset field off by a little, checksum right
        for (u64 i = 0; i < size; ++i) g_mutant[i] = b.data[i];
        g_mutant[16 + c.r.below(64)] += static_cast<u8>(1 + c.r.below(3));
        recompute_checksum(g_mutant, size);
        data = g_mutant;
        break;
    }
    const u64 fl = c.r.chance(85) ? (c.r.chance(20) ? REFHV_POLICY_DRY_RUN : 0) : any(c.r);
    const u64 res = c.r.chance(70) ? out_ptr(c, sizeof(refhv_policy_result)) : 0;
    const i64 r = hc(REFHV_HC_POLICY_LOAD, gpa(data), c.r.chance(97) ? size : any(c.r), res, fl);
    ++c.calls;
    if (r >= 0) {
        ++c.succeeded;
        ++c.loads_ok;
        if (fl == 0) {
            for (u64 i = 0; i < size; ++i) c.expected[i] = data[i];
            c.expected_size = size;
        }
    } else {
        ++c.loads_refused;
    }
    // Oracle: the policy in force is exactly the last one loaded (a refused one changes nothing).
    const i64 got = hc(REFHV_HC_POLICY_GET, gpa(g_got), sizeof g_got);
    ++c.calls;
    if (got != static_cast<i64>(c.expected_size) || !same(g_got, c.expected, c.expected_size)) {
        ++c.oracle_failures;
        text t;
        t << "fuzz: ORACLE: load returned " << r << " (flags " << fl << "), policy in force has " << got
          << " bytes, expected " << c.expected_size;
        println(t);
    }
}

// ---- resource connections: close one end, rebind it -----------------------------------------
void remember(context& c, u64 peer, u64 port) {
    c.conns[c.nconns < 4 ? c.nconns++ : c.r.below(4)] = context::conn{peer, port};
}

/// Open a resource (as a client) or accept a connection (as a server), and remember it; or
/// take a remembered one, close this end and bind the peer's end again (a client rebinding
/// the server's port, or a server rebinding the client's): the hypervisor must mediate the
/// rebind like the open (resource access, the attachment registered), which the checker
/// verifies after the call.
i64 connection_op(context& c) {
    static refhv_evtchn_status st;
    if (c.nconns == 0 || c.r.chance(40)) {
        if (c.r.chance(15)) {  // serve something others can open
            static refhv_resource_desc d;
            put_str(d.name, sizeof d.name, k_names[c.r.below(4)]);
            put_str(d.label, sizeof d.label, k_res_labels[c.r.below(3)]);
            ++c.calls;
            return hc(REFHV_HC_RESOURCE_REGISTER, gpa(&d));
        }
        if (c.r.chance(50)) {
            const char* n = k_names[c.r.below(4)];
            const i64 p = hc(REFHV_HC_RESOURCE_OPEN, gpa(n), strlen(n));
            ++c.calls;
            if (p > 0) remember(c, 0, static_cast<u64>(p));
            return p;
        }
        static refhv_resource_conn rc;
        const i64 a = hc(REFHV_HC_RESOURCE_ACCEPT, gpa(&rc));
        ++c.calls;
        if (a == 0) remember(c, rc.client_domid, rc.server_port);
        return a;
    }
    const unsigned k = static_cast<unsigned>(c.r.below(c.nconns));
    context::conn& cn = c.conns[k];
    i64 r = hc(REFHV_HC_EVTCHN_STATUS, cn.port, gpa(&st));
    ++c.calls;
    if (r != 0 || st.state != REFHV_EVTCHN_INTERDOMAIN) {
        c.conns[k] = c.conns[--c.nconns];  // gone or revoked meanwhile
        return r;
    }
    const u64 peer = st.remote_domid, peer_port = st.remote_port;
    r = hc(REFHV_HC_EVTCHN_CLOSE, cn.port);
    ++c.calls;
    if (c.r.chance(20)) {  // the peer's end, with nothing else in between, or after a yield
        hc(REFHV_HC_SCHED_YIELD);
        ++c.calls;
    }
    r = hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, peer, peer_port);
    ++c.calls;
    if (r > 0) {
        ++c.rebinds;
        cn = context::conn{peer, static_cast<u64>(r)};
        if (c.r.chance(50)) {
            hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(r));
            ++c.calls;
        }
    } else {
        c.conns[k] = c.conns[--c.nconns];
    }
    return r;
}

// ---- dom0's domain management ------------------------------------------------------------
/// A domain gets a page granted, a port offered (by dom0) and then goes; the ids are then made
/// to wrap (refused creates use up ids cheaply) until a new domain gets its id. The heir must
/// inherit nothing (the checker verifies no object names a dead id); it then fuzzes as usual.
void id_reuse(context& c) {
    constexpr u64 limit = 1024;  // the hypervisor's domid_limit: ids wrap to 1 after it
    auto make = [&](const char* label) {
        auto* req = reinterpret_cast<refhv_domain_create*>(c.scratch);
        *req = refhv_domain_create{};
        req->image_gpa = gpa(c.image.data);
        req->image_size = c.image.size;
        req->mem_bytes = REFHV_DOMAIN_MIN_MEM;
        put_str(req->label, sizeof req->label, label);
        text cmd;
        cmd << c.cmdline << " seed=" << c.r.next();
        put_str(req->cmdline, sizeof req->cmdline, cmd.c_str());
        ++c.calls;
        return hc(REFHV_HC_DOMAIN_CREATE, gpa(req));
    };
    const char* label = c.labels[0];  // a label of the boot policy
    c.next_id_reuse = c.calls + 256;  // a full table or a refusal: another time
    i64 victim = make(label);
    for (unsigned i = 0; victim == -REFHV_ENOSPC && i < 8; ++i) {  // make room: one of its own domains goes
        hc(REFHV_HC_DOMAIN_DESTROY, static_cast<u64>(c.recent[i]));
        ++c.calls;
        victim = make(label);
    }
    if (victim <= 0) return;
    const u64 v = static_cast<u64>(victim);
    hc(REFHV_HC_GRANT_ACCESS, gpa(c.scratch) + c.r.below(c.scratch_pages) * page, v, flags(c));
    hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, v);
    for (int i = 0; i < 8; ++i) hc(REFHV_HC_SCHED_YIELD);  // let it make some references of its own
    hc(REFHV_HC_DOMAIN_DESTROY, v);
    c.calls += 11;
    // The next id after a fresh create tells where the counter is.
    const i64 probe = make(label);
    if (probe <= 0) return;
    hc(REFHV_HC_DOMAIN_DESTROY, static_cast<u64>(probe));
    ++c.calls;
    const u64 at = static_cast<u64>(probe) + 1;
    if (at <= v) return;  // wrapped already (a long run): the checker still sees every id go
    // Free ids between the counter and the victim's; up to 7 of them may be held by other
    // domains (skipped, not used up), so use up that many fewer, then create until it comes.
    const u64 span = (limit - at) + (v - 1);
    for (u64 i = 0; i + 7 < span; ++i) make("no-such-label");  // refused after taking an id
    for (int i = 0; i < 9; ++i) {
        const i64 heir = make(label);
        if (heir <= 0) return;
        if (static_cast<u64>(heir) == v) {
            ++c.id_reuses;
            c.next_id_reuse = c.calls + 4096;
            text t;
            t << "fuzz: d" << v << " was destroyed; after the ids wrapped, a new domain has its id";
            println(t);
            if (c.nborn < 16) c.born[c.nborn++] = heir;  // it fuzzes on; the caller tracks it
            c.recent[c.nrecent++ % 8] = heir;
            return;
        }
        hc(REFHV_HC_DOMAIN_DESTROY, static_cast<u64>(heir));
        ++c.calls;
    }
}

void domain_op(context& c) {
    switch (c.r.below(5)) {
    case 0:
    case 1: {  // create, mostly well formed
        auto* req = reinterpret_cast<refhv_domain_create*>(c.scratch + c.r.below(c.scratch_pages * page - sizeof(refhv_domain_create)));
        *req = refhv_domain_create{};
        req->image_gpa = c.r.chance(95) ? gpa(c.image.data) : in_ptr(c, 64);
        req->image_size = c.r.chance(95) ? c.image.size : any(c.r);
        req->mem_bytes = c.r.chance(95) ? REFHV_DOMAIN_MIN_MEM : any(c.r);
        put_str(req->label, sizeof req->label, c.labels[c.r.below(c.nlabels)]);
        text cmd;
        cmd << c.cmdline << " seed=" << c.r.next();
        put_str(req->cmdline, sizeof req->cmdline, cmd.c_str());
        if (c.r.chance(5)) reinterpret_cast<u8*>(req)[c.r.below(sizeof *req)] = static_cast<u8>(c.r.next());
        const i64 r = hc(REFHV_HC_DOMAIN_CREATE, c.r.chance(97) ? gpa(req) : in_ptr(c, sizeof *req));
        if (r > 0) {
            ++c.creates;
            if (c.nborn < 16) c.born[c.nborn++] = r;
            c.recent[c.nrecent++ % 8] = r;
        }
        c.succeeded += r >= 0;
        break;
    }
    case 2: c.succeeded += hc(REFHV_HC_DOMAIN_DESTROY, dom(c)) >= 0; break;
    case 3: {  // save into the stream buffer
        const i64 r = hc(REFHV_HC_DOMAIN_SAVE, dom(c), c.r.chance(95) ? gpa(c.save_buf) : out_ptr(c, page),
                         c.r.chance(90) ? c.save_cap : any(c.r));
        if (r > 0) c.saved = static_cast<u64>(r);
        c.succeeded += r >= 0;
        break;
    }
    default: {  // restore the last stream, sometimes with one byte of its header changed
        if (c.saved == 0) break;
        const u64 at = c.r.below(sizeof(refhv_save_header));
        const u8 old = c.save_buf[at];
        const bool corrupt = c.r.chance(30);
        if (corrupt) c.save_buf[at] = static_cast<u8>(c.r.next());
        const i64 r = hc(REFHV_HC_DOMAIN_RESTORE, gpa(c.save_buf), c.r.chance(95) ? c.saved : any(c.r));
        c.save_buf[at] = old;
        if (r > 0) {
            ++c.restores;
            if (c.nborn < 16) c.born[c.nborn++] = r;
            c.recent[c.nrecent++ % 8] = r;
        }
        c.succeeded += r >= 0;
        break;
    }
    }
    ++c.calls;
}
}  // namespace

void step(context& c) {
    const bool priv = c.privileged;
    rng& r = c.r;
    if (priv && r.chance(4)) return policy_load(c);
    if (priv && r.chance(6)) return c.calls >= c.next_id_reuse ? id_reuse(c) : domain_op(c);
    i64 ret = 0;
    switch (r.below(34)) {
    case 0: {  // any operation number with any arguments (never ones that would stop dom0 itself)
        u64 op = r.chance(80) ? r.below(128) : r.next();
        // DOMAIN_SAVE is left to domain_op(): with any arguments its 2 MiB stream could cover
        // the caller's own image.
        if (op == REFHV_HC_SCHED_BLOCK || op == REFHV_HC_DEBUG_CRASH || op == REFHV_HC_CONSOLE_WRITE ||
            op == REFHV_HC_DOMAIN_SAVE ||
            ((priv || r.chance(99)) && (op == REFHV_HC_SCHED_SHUTDOWN || op == REFHV_HC_SET_VECTORS)))
            op = REFHV_HC_VERSION;
        ret = hc(op, any(r), any(r), any(r), any(r), any(r));
        break;
    }
    case 1: ret = hc(REFHV_HC_CONSOLE_WRITE, out_ptr(c, 8) | 0x8000000000000000ull, r.below(8)); break;  // refused
    case 2: ret = hc(REFHV_HC_SCHED_YIELD); break;
    case 3: ret = r.chance(20) ? hc(REFHV_HC_SCHED_BLOCK, 1) : hc(REFHV_HC_SCHED_YIELD); break;  // idle time is lost time
    case 4: ret = hc(REFHV_HC_SYS_INFO, out_ptr(c, sizeof(refhv_sys_info))); break;
    case 5: ret = hc(REFHV_HC_DOMAIN_INFO, dom(c), out_ptr(c, sizeof(refhv_domain_info))); break;
    case 6:
    case 7: ret = hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, dom(c)); break;
    case 8:
    case 9: ret = hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, dom(c), port(c)); break;
    case 10: ret = hc(REFHV_HC_EVTCHN_SEND, port(c)); break;
    case 11: ret = hc(REFHV_HC_EVTCHN_CLOSE, port(c)); break;
    case 12: ret = hc(REFHV_HC_EVTCHN_STATUS, port(c), out_ptr(c, sizeof(refhv_evtchn_status))); break;
    case 13:
    case 14: {
        // dom0 grants only its scratch pages: a mapper may write there, never on its stack.
        const u64 pg = r.chance(85) ? gpa(c.scratch) + r.below(c.scratch_pages) * page : priv ? out_ptr(c, page) : in_ptr(c, 1);
        ret = hc(REFHV_HC_GRANT_ACCESS, pg, dom(c), flags(c));
        break;
    }
    case 15: ret = hc(REFHV_HC_GRANT_REVOKE, ref(c)); break;
    case 16:
    case 17: ret = hc(REFHV_HC_GRANT_MAP, dom(c), ref(c), window(c), flags(c)); break;
    case 18: ret = hc(REFHV_HC_GRANT_UNMAP, window(c)); break;
    case 19:
    case 20: {  // touch the grant window: mapped pages work, the rest is reported as a fault
        const u64 at = REFHV_GRANT_WINDOW_GPA + r.below(8) * page + (r.below(page) & ~7ull);
        u64 v = 0;
        ret = r.chance(50) ? probe_read64(at, &v) : probe_write64(at, r.next());
        break;
    }
    case 21: {
        auto* d = reinterpret_cast<refhv_resource_desc*>(c.scratch + r.below(c.scratch_pages * page - sizeof(refhv_resource_desc)));
        put_str(d->name, sizeof d->name, k_names[r.below(5)]);
        put_str(d->label, sizeof d->label, k_res_labels[r.below(5)]);
        if (r.chance(10)) reinterpret_cast<u8*>(d)[r.below(sizeof *d)] = static_cast<u8>(r.next());
        ret = hc(REFHV_HC_RESOURCE_REGISTER, r.chance(95) ? gpa(d) : in_ptr(c, sizeof *d));
        break;
    }
    case 22: {
        const char* n = k_names[r.below(5)];
        ret = hc(REFHV_HC_RESOURCE_OPEN, r.chance(95) ? gpa(n) : in_ptr(c, 16), r.chance(95) ? strlen(n) : any(r));
        break;
    }
    case 23: ret = hc(REFHV_HC_RESOURCE_ACCEPT, out_ptr(c, sizeof(refhv_resource_conn))); break;
    case 24: ret = hc(REFHV_HC_MAC_COALITION, dom(c), out_ptr(c, 8)); break;
    case 25: ret = hc(REFHV_HC_RESOURCE_TYPES, r.below(20), out_ptr(c, 8)); break;
    case 26: ret = hc(REFHV_HC_POLICY_DECIDE, r.below(5), dom(c), dom(c)); break;
    case 27: {
        const u64 n = r.chance(90) ? 1 + r.below(64) : any(r);
        ret = hc(REFHV_HC_POLICY_LABEL, dom(c), out_ptr(c, n > max_object ? max_object : n), n);
        break;
    }
    case 28: ret = hc(REFHV_HC_POLICY_STATS, out_ptr(c, sizeof(refhv_mac_stats))); break;
    case 29: {
        const u64 n = r.below(20);
        ret = hc(REFHV_HC_POLICY_DENIALS, out_ptr(c, 16 * sizeof(refhv_mac_denial)), n);
        break;
    }
    case 30: {  // the hypervisor writes at most 16 KiB, whatever the size says
        const u64 n = r.chance(90) ? r.below(c.scratch_pages * page / 2) : any(r);
        ret = hc(REFHV_HC_POLICY_AUDIT, out_ptr(c, n > 16384 ? 16384 : n), n);
        break;
    }
    case 31: ret = hc(REFHV_HC_POLICY_COUNTERS, out_ptr(c, sizeof(refhv_mac_counters))); break;
    default:
        if (connection_op(c) >= 0) ++c.succeeded;
        return;
    }
    ++c.calls;
    if (ret >= 0) ++c.succeeded;
}

}  // namespace g::fuzz
