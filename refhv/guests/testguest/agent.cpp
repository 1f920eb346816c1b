// SPDX-License-Identifier: Apache-2.0
// An agent of the customer-order scenario (guests/scenario.hpp): runs dom0's commands one
// at a time, printing what it tried and what the hypervisor answered; with serve=1 it is
// also the device domain serving labelled virtual disks to the clients that may use them.
#include "../lib/rt.hpp"
#include "../scenario.hpp"
#include "modes.hpp"

namespace testguest {
using namespace g;
namespace sc = scenario;

namespace {
char g_role[24];
sc::mailbox* g_mb = nullptr;
char* g_page = nullptr;         // the page this agent shares (op grant)
sc::disk_request* g_req = nullptr;  // its vdisk request page (granted to the server on first use)
i64 g_req_ref = -1;

u64 window(u64 slot) { return REFHV_GRANT_WINDOW_GPA + slot * REFHV_PAGE_SIZE; }

const char* errname(i64 r) {
    switch (-r) {
    case REFHV_EPERM: return " (EPERM)";
    case REFHV_ENOENT: return " (ENOENT)";
    case REFHV_ESRCH: return " (ESRCH)";
    case REFHV_EACCES: return " (EACCES: denied by the policy)";
    case REFHV_EFAULT: return " (EFAULT)";
    case REFHV_EBUSY: return " (EBUSY)";
    case REFHV_EINVAL: return " (EINVAL)";
    case REFHV_ENOTCONN: return " (ENOTCONN)";
    default: return "";
    }
}
const char* fault_name(u64 reason) {
    switch (reason) {
    case REFHV_FAULT_UNMAPPED: return "unmapped";
    case REFHV_FAULT_READ_ONLY: return "read-only";
    case REFHV_FAULT_REVOKED: return "revoked";
    default: return "?";
    }
}

void say(text& t) {
    text line;
    line << g_role << ": " << t.c_str();
    println(line);
}

/// Read a page of text through probes (a revoked mapping faults; the fault is reported).
i64 read_text(u64 addr, char* out, u64 cap) {
    for (u64 i = 0; i + 8 <= cap; i += 8) {
        u64 v = 0;
        if (const i64 r = probe_read64(addr + i, &v); r != 0) return r;
        for (u64 k = 0; k < 8; ++k) out[i + k] = static_cast<char>(v >> (8 * k));
    }
    out[cap - 1] = '\0';
    return 0;
}
i64 write_text(u64 addr, const char* in, u64 cap) {
    for (u64 i = 0; i + 8 <= cap; i += 8) {
        u64 v = 0;
        for (u64 k = 0; k < 8; ++k) v |= static_cast<u64>(static_cast<u8>(in[i + k])) << (8 * k);
        if (const i64 r = probe_write64(addr + i, v); r != 0) return r;
    }
    return 0;
}

// ---- the device domain -------------------------------------------------------------------
struct connection {
    bool used;
    u32 client, port, resource;
    bool mapped;
};
connection g_conns[sc::server_slots];

void serve() {
    static refhv_resource_conn c;
    while (hc(REFHV_HC_RESOURCE_ACCEPT, gpa(&c)) == 0) {
        // Paper 4.4: serve a client only a disk of a coalition both belong to.
        static u64 shared, types;
        const i64 q = hc(REFHV_HC_MAC_COALITION, c.client_domid, gpa(&shared));
        const i64 t = hc(REFHV_HC_RESOURCE_TYPES, c.resource_id, gpa(&types));
        text m;
        m << "d" << c.client_domid << " connects to disk " << c.resource_id << ": coalitions shared " << hex{shared}
          << ", disk's " << hex{types};
        if (q != 0 || t != 0 || (shared & types) == 0) {
            m << " -> refused";
            say(m);
            continue;
        }
        for (unsigned i = 0; i < sc::server_slots; ++i) {
            if (g_conns[i].used) continue;
            g_conns[i] = connection{true, c.client_domid, c.server_port, c.resource_id, false};
            m << " -> accepted (window slot " << (sc::server_slots + i) << ")";
            break;
        }
        say(m);
    }
    for (unsigned i = 0; i < sc::server_slots; ++i) {
        connection& k = g_conns[i];
        if (!k.used || !event_seen(static_cast<u16>(k.port))) continue;
        clear_events(static_cast<u16>(k.port));
        const u64 slot = sc::server_slots + i;
        if (!k.mapped) {
            // The client's request page is the grant it made to us.
            i64 r = -REFHV_ENOENT;
            for (u64 ref = 0; ref < REFHV_GRANT_REFS && r == -REFHV_ENOENT; ++ref)
                r = hc(REFHV_HC_GRANT_MAP, k.client, ref, window(slot), 0);
            text m;
            m << "map d" << k.client << "'s request page at slot " << slot << " -> " << r << errname(r);
            say(m);
            if (r != 0) continue;
            k.mapped = true;
        }
        auto* rq = ptr<sc::disk_request>(window(slot));
        if (rq->magic != sc::disk_magic || rq->sector >= 1024) {
            rq->status = 2;
        } else {
            for (u64 w = 0; w < 64; ++w) rq->data[w] = sc::disk_word(k.resource, rq->sector, w);
            rq->resource = k.resource;
            rq->status = 1;
        }
        const i64 s = hc(REFHV_HC_EVTCHN_SEND, k.port);
        text m;
        m << "served sector " << rq->sector << " of disk " << k.resource << " to d" << k.client << " (send -> " << s
          << errname(s) << ")";
        say(m);
    }
}

// ---- commands ------------------------------------------------------------------------------
void run(sc::mailbox& mb) {
    text t;
    i64 r = 0;
    for (auto& o : mb.out) o = 0;
    switch (mb.op) {
    case sc::alloc_unbound:
        r = hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, mb.arg[0]);
        t << "offer an event channel to d" << mb.arg[0];
        break;
    case sc::bind:
        r = hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, mb.arg[0], mb.arg[1]);
        t << "bind to d" << mb.arg[0] << " port " << mb.arg[1];
        break;
    case sc::send:
        r = hc(REFHV_HC_EVTCHN_SEND, mb.arg[0]);
        t << "send on port " << mb.arg[0];
        break;
    case sc::wait:
        r = wait_event(static_cast<u16>(mb.arg[0]), mb.arg[1]) ? 1 : 0;
        t << "wait for an event on port " << mb.arg[0] << (r == 1 ? ": received" : ": none");
        break;
    case sc::status: {
        refhv_evtchn_status st{};
        r = hc(REFHV_HC_EVTCHN_STATUS, mb.arg[0], gpa(&st));
        mb.out[0] = st.state;
        mb.out[1] = st.remote_domid;
        t << "status of port " << mb.arg[0] << ": state " << st.state
          << (st.state == REFHV_EVTCHN_REVOKED ? " (revoked)" : st.state == REFHV_EVTCHN_INTERDOMAIN ? " (connected)" : "");
        break;
    }
    case sc::grant:
        for (u64 i = 0; i < sizeof mb.text; ++i) g_page[i] = mb.text[i];
        r = hc(REFHV_HC_GRANT_ACCESS, gpa(g_page), mb.arg[0], mb.arg[1] != 0 ? REFHV_GRANT_READONLY : 0);
        t << "grant a page (\"" << g_page << "\") to d" << mb.arg[0] << (mb.arg[1] != 0 ? " read-only" : " read-write");
        break;
    case sc::map:
        r = hc(REFHV_HC_GRANT_MAP, mb.arg[0], mb.arg[1], window(mb.arg[2]), mb.arg[3] != 0 ? REFHV_GRANT_READONLY : 0);
        t << "map d" << mb.arg[0] << "'s grant " << mb.arg[1] << " at window slot " << mb.arg[2];
        break;
    case sc::window_read:
    case sc::window_write: {
        const u64 before = fault_count();
        const bool rd = mb.op == sc::window_read;
        r = rd ? read_text(window(mb.arg[0]), mb.text, sizeof mb.text) : write_text(window(mb.arg[0]), mb.text, sizeof mb.text);
        t << (rd ? "read window slot " : "write window slot ") << mb.arg[0];
        if (r == 0) t << ": \"" << mb.text << "\"";
        if (fault_count() != before) {
            mb.out[0] = shared_info().fault.reason;
            t << ": FAULT reported by the hypervisor (" << fault_name(mb.out[0]) << " mapping)";
        }
        break;
    }
    case sc::page_read:
        for (u64 i = 0; i < sizeof mb.text; ++i) mb.text[i] = g_page[i];
        mb.text[sizeof mb.text - 1] = '\0';
        t << "my shared page reads \"" << mb.text << "\"";
        break;
    case sc::open:
        r = hc(REFHV_HC_RESOURCE_OPEN, gpa(mb.text), strlen(mb.text));
        t << "open " << mb.text;
        break;
    case sc::vdisk_read: {
        refhv_evtchn_status st{};
        r = hc(REFHV_HC_EVTCHN_STATUS, mb.arg[0], gpa(&st));
        if (r == 0 && g_req_ref < 0) {
            g_req_ref = hc(REFHV_HC_GRANT_ACCESS, gpa(g_req), st.remote_domid, 0);
            r = g_req_ref < 0 ? g_req_ref : 0;
        }
        if (r == 0) {
            g_req->magic = sc::disk_magic;
            g_req->sector = mb.arg[1];
            g_req->status = 0;
            clear_events(static_cast<u16>(mb.arg[0]));
            r = hc(REFHV_HC_EVTCHN_SEND, mb.arg[0]);
        }
        if (r == 0) r = wait_event(static_cast<u16>(mb.arg[0]), 3000) && g_req->status == 1 ? 0 : -REFHV_EAGAIN;
        if (r == 0) {
            for (u64 w = 0; w < 64 && r == 0; ++w)
                if (g_req->data[w] != sc::disk_word(g_req->resource, mb.arg[1], w)) r = -REFHV_EINVAL;
            mb.out[0] = g_req->resource;
        }
        t << "read sector " << mb.arg[1] << " through port " << mb.arg[0];
        if (r == 0) t << ": served from disk " << g_req->resource;
        break;
    }
    case sc::coalition:
        r = hc(REFHV_HC_MAC_COALITION, mb.arg[0], gpa(&mb.out[0]));
        t << "which coalitions do I share with d" << mb.arg[0] << "? mask " << hex{mb.out[0]};
        break;
    case sc::register_resource: {
        static refhv_resource_desc d;
        d = refhv_resource_desc{};
        u64 i = 0, k = 0;
        for (; mb.text[i] != ' ' && mb.text[i] != '\0' && i + 1 < sizeof d.name; ++i) d.name[i] = mb.text[i];
        while (mb.text[i] == ' ') ++i;
        for (; mb.text[i] != '\0' && k + 1 < sizeof d.label; ++i, ++k) d.label[k] = mb.text[i];
        r = hc(REFHV_HC_RESOURCE_REGISTER, gpa(&d));
        t << "register " << d.name << " labelled " << d.label;
        break;
    }
    case sc::faults: {
        volatile refhv_shared_info& sh = shared_info();
        mb.out[0] = sh.fault.count;
        mb.out[1] = sh.fault.reason;
        mb.out[2] = sh.revocation.count;
        mb.out[3] = sh.revocation.reason;
        t << "faults reported " << mb.out[0] << ", mappings revoked under me " << mb.out[2];
        break;
    }
    case sc::close:
        r = hc(REFHV_HC_EVTCHN_CLOSE, mb.arg[0]);
        t << "close port " << mb.arg[0];
        break;
    case sc::accept: {
        static refhv_resource_conn c;
        c = refhv_resource_conn{};
        r = hc(REFHV_HC_RESOURCE_ACCEPT, gpa(&c));
        mb.out[0] = c.resource_id;
        mb.out[1] = c.client_domid;
        mb.out[2] = c.server_port;
        t << "accept a connection";
        if (r == 0) t << ": d" << c.client_domid << " to resource " << c.resource_id << " on port " << c.server_port;
        break;
    }
    default:
        r = -REFHV_EINVAL;
        t << "unknown command " << mb.op;
        break;
    }
    if (mb.op != sc::wait && mb.op != sc::page_read && mb.op != sc::faults) t << " -> " << r << (r < 0 ? errname(r) : "");
    say(t);
    mb.ret = r;
}
}  // namespace

int agent() {
    arg("role", g_role, sizeof g_role);
    const bool serving = arg_u64("serve", 0) != 0;
    auto* pages = static_cast<char*>(alloc_pages(3));
    if (pages == nullptr) return 1;
    g_mb = reinterpret_cast<sc::mailbox*>(pages);
    g_page = pages + REFHV_PAGE_SIZE;
    g_req = reinterpret_cast<sc::disk_request*>(pages + 2 * REFHV_PAGE_SIZE);
    // The mailbox: port 1 and grant ref 0, both for dom0.
    if (hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, 0) != 1) return 2;
    if (hc(REFHV_HC_GRANT_ACCESS, gpa(g_mb), 0, 0) != 0) return 3;
    for (;;) {
        if (serving) serve();
        sc::mailbox& mb = *g_mb;
        if (mb.seq != mb.done) {
            run(mb);
            mb.done = mb.seq;
            hc(REFHV_HC_EVTCHN_SEND, 1);
        }
        hc(REFHV_HC_SCHED_BLOCK, 5);  // an event (a command, a request) wakes us earlier
    }
}

}  // namespace testguest
