// SPDX-License-Identifier: Apache-2.0
// The MAC-domain scenario of sHype section 4.4: a device domain serves two labelled
// virtual disks; clients open them by name; the hypervisor mediates the open and the
// server asks for the coalitions it shares with each client before serving it.
#include "../lib/rt.hpp"
#include "modes.hpp"

namespace testguest {
using namespace g;

namespace {
constexpr u64 vdsk_magic = 0x5644534B;

void set_str(char* dst, std::size_t cap, const char* s) {
    std::size_t i = 0;
    for (; s[i] != '\0' && i + 1 < cap; ++i) dst[i] = s[i];
    dst[i] = '\0';
}

struct connection {
    bool used;
    u32 client;
    u32 port;
    u32 resource;
    bool mapped;
};
}  // namespace

// Exit codes: 0 when `requests=` requests were served; otherwise the failed step.
int vdisk_server() {
    const u64 want = arg_u64("requests", 2);
    static refhv_resource_desc desc;
    set_str(desc.name, sizeof desc.name, "vdisk-order");
    set_str(desc.label, sizeof desc.label, "order");
    if (hc(REFHV_HC_RESOURCE_REGISTER, gpa(&desc)) != 0) return 1;
    set_str(desc.name, sizeof desc.name, "vdisk-ads");
    set_str(desc.label, sizeof desc.label, "ads");
    if (hc(REFHV_HC_RESOURCE_REGISTER, gpa(&desc)) != 1) return 2;
    if (hc(REFHV_HC_RESOURCE_REGISTER, gpa(&desc)) != -REFHV_EEXIST) return 3;

    connection conns[8] = {};
    u64 served = 0;
    while (served < want) {
        // New connections.
        static refhv_resource_conn c;
        while (hc(REFHV_HC_RESOURCE_ACCEPT, gpa(&c)) == 0) {
            // Paper 4.4: serve a client only a resource of a coalition it is in.
            static u64 mask, types;
            if (hc(REFHV_HC_MAC_COALITION, c.client_domid, gpa(&mask)) != 0) return 4;
            if (hc(REFHV_HC_RESOURCE_TYPES, c.resource_id, gpa(&types)) != 0) return 7;
            if ((mask & types) == 0) continue;  // the hypervisor's own check makes this unreachable
            for (auto& k : conns) {
                if (k.used) continue;
                k = connection{true, c.client_domid, c.server_port, c.resource_id, false};
                break;
            }
        }
        // Requests on established connections.
        for (unsigned i = 0; i < 8; ++i) {
            connection& k = conns[i];
            if (!k.used || !event_seen(static_cast<u16>(k.port))) continue;
            clear_events(static_cast<u16>(k.port));
            const u64 win = REFHV_GRANT_WINDOW_GPA + i * REFHV_PAGE_SIZE;
            if (!k.mapped) {
                if (hc(REFHV_HC_GRANT_MAP, k.client, 0, win, 0) != 0) return 5;
                k.mapped = true;
            }
            auto* rq = ptr<vdisk_request>(win);
            if (rq->magic != vdsk_magic || rq->sector >= 1024) {
                rq->status = 2;
            } else {
                for (unsigned w = 0; w < 64; ++w) rq->data[w] = vdisk_word(k.resource, rq->sector, w);
                rq->resource = k.resource;
                rq->status = 1;
            }
            if (hc(REFHV_HC_EVTCHN_SEND, k.port) != 0) return 6;
            ++served;
        }
        hc(REFHV_HC_SCHED_BLOCK, 50);
    }
    // Let the last clients read their answers before our grants' mappers see us go.
    sleep_ms(50);
    for (unsigned i = 0; i < 8; ++i)
        if (conns[i].mapped) hc(REFHV_HC_GRANT_UNMAP, REFHV_GRANT_WINDOW_GPA + i * REFHV_PAGE_SIZE);
    return 0;
}

// Exit codes: 0 when the expected outcome happened (expect=ok|noent|eacces).
int vdisk_client() {
    char name[32], expect[16];
    arg("name", name, sizeof name);
    arg("expect", expect, sizeof expect);
    const u64 sector = arg_u64("sector", 7);
    // The server may not have registered yet: retry ENOENT for a while.
    i64 port = -REFHV_ENOENT;
    for (int i = 0; i < 200 && port == -REFHV_ENOENT; ++i) {
        port = hc(REFHV_HC_RESOURCE_OPEN, gpa(name), strlen(name));
        if (port == -REFHV_ENOENT && streq(expect, "noent") && i > 20) return 0;
        if (port == -REFHV_ENOENT) sleep_ms(5);
    }
    if (streq(expect, "noent")) return port == -REFHV_ENOENT ? 0 : 1;
    if (streq(expect, "eacces")) return port == -REFHV_EACCES ? 0 : 1;
    if (port <= 0) return 2;
    refhv_evtchn_status st{};
    if (hc(REFHV_HC_EVTCHN_STATUS, static_cast<u64>(port), gpa(&st)) != 0 || st.state != REFHV_EVTCHN_INTERDOMAIN)
        return 3;
    auto* rq = static_cast<vdisk_request*>(alloc_pages(1));
    rq->magic = vdsk_magic;
    rq->sector = sector;
    if (hc(REFHV_HC_GRANT_ACCESS, gpa(rq), st.remote_domid, 0) != 0) return 4;  // ref 0, by convention
    if (hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(port)) != 0) return 5;
    if (!wait_event(static_cast<u16>(port), 5000)) return 6;
    if (rq->status != 1) return 7;
    const unsigned resource = static_cast<unsigned>(rq->resource);
    const bool order = streq(name, "vdisk-order");
    if (resource != (order ? 0u : 1u)) return 8;
    for (unsigned w = 0; w < 64; ++w)
        if (rq->data[w] != vdisk_word(resource, sector, w)) return 9;
    text t;
    t << "vdisk-client: read sector " << sector << " of " << name << " through d" << st.remote_domid;
    println(t);
    return 0;
}

}  // namespace testguest
