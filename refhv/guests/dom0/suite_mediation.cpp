// SPDX-License-Identifier: Apache-2.0
// mediation: hostile guests against resource mediation and stale domain ids. Boot policy
// tests/policies/mediation.xml: "server" serves the resources red and blue, "client" uses red,
// "bclient" blue, "squatter" (another coalition) tries to take a name; mediation-v2.xml takes
// Red from client and Blue from server. Every step is an agent's hypercall (guests/scenario.hpp):
//  - a resource name is taken by the registration the policy lets a client use, not the first;
//  - MAC_COALITION answers the management domain, or a server about its own clients only;
//  - one client cannot fill a server's queue, and closing purges its queued connections;
//  - a client that closed its end and rebinds the server's port is mediated like an open, so
//    a policy change that takes its right to the resource revokes the rebound channel, and a
//    rebind after such a change is refused;
//  - a withdrawn registration revokes its live connections and drops its queued ones;
//  - a domain given a dead domain's id (after the ids wrap) inherits no grant, port or queued
//    connection.
#include "dom0.hpp"

namespace dom0 {
using namespace g;
namespace sc = scenario;

namespace {
// TE types are bits in name order: Blue 0, Management 1, Red 2, Shared 3.
constexpr u64 te_red = 1u << 2, te_shared = 1u << 3;
constexpr u64 domid_limit = 1024;  // the hypervisor's (core/domain.hpp): ids wrap to 1 after it
}  // namespace

int suite_mediation() {
    suite s("mediation");
    const u64 baseline = free_pages();
    static refhv_policy_result res;

    agent srv{"server", "server"}, cli{"client", "client"}, bcl{"bclient", "bclient"}, sq{"squatter", "squatter"};
    {
        const i64 a = start(srv, 0), b = start(cli, 1), c = start(bcl, 2), d = start(sq, 3);
        text t;
        t << "server=" << a << " client=" << b << " bclient=" << c << " squatter=" << d;
        s.check("agents_started", a > 0 && b > 0 && c > 0 && d > 0, t);
    }
    const u64 srv_id = static_cast<u64>(srv.id), cli_id = static_cast<u64>(cli.id), bcl_id = static_cast<u64>(bcl.id);

    // A squatter of another coalition registers the name first; the server the policy lets
    // serve red still gets it for red, and a red client reaches the server, not the squatter.
    i64 first_open = 0;
    {
        const i64 q = run(sq, sc::register_resource, 0, 0, 0, 0, "disk-red blue");
        const i64 r = run(srv, sc::register_resource, 0, 0, 0, 0, "disk-red red");
        const i64 b = run(srv, sc::register_resource, 0, 0, 0, 0, "disk-blue blue");
        const i64 dup = run(sq, sc::register_resource, 0, 0, 0, 0, "disk-red blue");
        first_open = run(cli, sc::open, 0, 0, 0, 0, "disk-red");
        run(cli, sc::status, static_cast<u64>(first_open));
        const u64 peer = cli.mb->out[1];
        text t;
        t << "squatter=" << q << " server red=" << r << " blue=" << b << " again=" << dup << " open=" << first_open
          << " peer=d" << peer;
        s.check("resource_name_decided_by_policy", q >= 0 && r >= 0 && b >= 0 && dup == -REFHV_EEXIST && first_open > 0 &&
                                                       peer == srv_id, t);
    }
    {
        const i64 a = run(cli, sc::coalition, bcl_id);  // a domU about a domain it does not serve
        const i64 b = run(srv, sc::coalition, cli_id);  // a server about its client
        const u64 mask = srv.mb->out[0];
        const i64 c = run(srv, sc::coalition, static_cast<u64>(sq.id));  // a server about a non-client
        static u64 m0;
        const i64 d = hc(REFHV_HC_MAC_COALITION, cli_id, gpa(&m0));  // the management domain
        text t;
        t << "client-about-bclient=" << a << " server-about-client=" << b << " mask=" << hex{mask}
          << " server-about-squatter=" << c << " dom0=" << d;
        s.check("coalition_query_decided_by_policy", a == -REFHV_EACCES && b == 0 && mask == (te_shared | te_red) &&
                                                          c == -REFHV_EACCES && d == 0 && m0 == (te_shared | te_red), t);
    }

    // One client may queue at most two connections at a server; another still gets in.
    i64 second_open = 0, blue_client_port = 0;
    {
        second_open = run(cli, sc::open, 0, 0, 0, 0, "disk-red");
        const i64 third = run(cli, sc::open, 0, 0, 0, 0, "disk-red");
        const i64 b = blue_client_port = run(bcl, sc::open, 0, 0, 0, 0, "disk-blue");
        text t;
        t << "client second=" << second_open << " third=" << third << " bclient=" << b;
        s.check("one_client_cannot_fill_the_queue", second_open > 0 && third == -REFHV_EAGAIN && b > 0, t);
    }
    i64 blue_server_port = 0;
    {
        // The client closes its queued connections: they leave the queue (and the server's ports).
        const i64 c1 = run(cli, sc::close, static_cast<u64>(first_open));
        const i64 c2 = run(cli, sc::close, static_cast<u64>(second_open));
        const i64 a1 = run(srv, sc::accept);
        const u64 who = srv.mb->out[1];
        blue_server_port = static_cast<i64>(srv.mb->out[2]);
        const i64 a2 = run(srv, sc::accept);
        text t;
        t << "close=" << c1 << "," << c2 << " accept=" << a1 << " from d" << who << " then " << a2;
        s.check("closed_connections_leave_the_queue", c1 == 0 && c2 == 0 && a1 == 0 && who == bcl_id &&
                                                           a2 == -REFHV_EAGAIN, t);
    }

    // Close and rebind: the client closes an accepted connection and binds the server's port again.
    i64 rebound = 0, plain = 0;
    {
        const i64 o = run(cli, sc::open, 0, 0, 0, 0, "disk-red");
        const i64 a = run(srv, sc::accept);
        const u64 sp = srv.mb->out[2];
        const i64 c = run(cli, sc::close, static_cast<u64>(o));
        run(srv, sc::status, sp);
        const u64 state = srv.mb->out[0];
        rebound = run(cli, sc::bind, srv_id, sp);
        const i64 snd = run(cli, sc::send, static_cast<u64>(rebound));
        // A plain channel between the two, the control: the policy change keeps it.
        const i64 up = run(srv, sc::alloc_unbound, cli_id);
        plain = run(cli, sc::bind, srv_id, static_cast<u64>(up));
        text t;
        t << "open=" << o << " accept=" << a << " close=" << c << " server port state=" << state << " rebind=" << rebound
          << " send=" << snd << " plain=" << plain;
        s.check("connection_rebound_after_close", o > 0 && a == 0 && c == 0 && state == REFHV_EVTCHN_UNBOUND && rebound > 0 &&
                                                      snd == 0 && plain > 0, t);
    }
    // Another accepted connection the client closes; it rebinds only after the change.
    u64 waiting_port = 0;
    i64 waiting_setup = 0;
    {
        const i64 o = run(cli, sc::open, 0, 0, 0, 0, "disk-red");
        const i64 a = run(srv, sc::accept);
        waiting_port = srv.mb->out[2];
        const i64 c = run(cli, sc::close, static_cast<u64>(o));
        waiting_setup = o > 0 && a == 0 && c == 0 ? 1 : -1;
    }
    const i64 queued_blue = run(bcl, sc::open, 0, 0, 0, 0, "disk-blue");  // stays queued

    {
        const i64 r = load_policy("mediation-v2.bin", res);
        text t;
        t << "load=" << r << " " << res.message;
        s.check("policy_v2_loaded", r > 0, t);
    }
    {
        // The rebound connection carried the client's attachment: revoked with it.
        const i64 a = run(cli, sc::send, static_cast<u64>(rebound));
        run(cli, sc::status, static_cast<u64>(rebound));
        const u64 state = cli.mb->out[0];
        const i64 b = run(cli, sc::send, static_cast<u64>(plain));
        text t;
        t << "send rebound=" << a << " state=" << state << " send plain=" << b;
        s.check("rebound_connection_revoked_by_policy", a == -REFHV_EACCES && state == REFHV_EVTCHN_REVOKED && b == 0, t);
    }
    {
        // The client may no longer use red: rebinding the server's end of a red connection is
        // refused like an open would be (a plain channel to the server is still allowed).
        const i64 b = run(cli, sc::bind, srv_id, waiting_port);
        run(srv, sc::status, waiting_port);
        const u64 state = srv.mb->out[0];
        text t;
        t << "setup=" << waiting_setup << " rebind=" << b << " server end state=" << state;
        s.check("rebind_refused_once_the_right_is_gone", waiting_setup == 1 && b == -REFHV_EACCES &&
                                                             state == REFHV_EVTCHN_UNBOUND, t);
    }
    {
        // The server may no longer serve blue: its live connection goes, although the client
        // may still use blue and share a channel with the server.
        const i64 a = run(bcl, sc::send, static_cast<u64>(blue_client_port));
        run(srv, sc::status, static_cast<u64>(blue_server_port));
        const u64 state = srv.mb->out[0];
        text t;
        t << "queued=" << queued_blue << " send=" << a << " server end state=" << state;
        s.check("withdrawn_resource_revokes_connections", queued_blue > 0 && a == -REFHV_EACCES &&
                                                              state == REFHV_EVTCHN_REVOKED, t);
    }
    {
        const i64 a = run(srv, sc::accept);
        const i64 o = run(bcl, sc::open, 0, 0, 0, 0, "disk-blue");
        text t;
        t << "accept=" << a << " (from d" << srv.mb->out[1] << ") open=" << o;
        s.check("withdrawn_resource_drops_queued_connections", a == -REFHV_EAGAIN && o == -REFHV_ENOENT, t);
    }

    // Stale ids: a victim is granted a page, offered a port and queues a connection, then goes;
    // once the ids wrap, a new domain gets its id and must inherit none of it.
    agent vic{"victim", "rclient"}, heir{"heir", "rclient"};
    {
        const i64 v = start(vic, 4);
        const u64 vid = static_cast<u64>(vic.id);
        const i64 ref = run(srv, sc::grant, vid, 0, 0, 0, "for the victim only");
        const i64 up = run(srv, sc::alloc_unbound, vid);
        const i64 o = run(vic, sc::open, 0, 0, 0, 0, "disk-red");
        hc(REFHV_HC_GRANT_UNMAP, window(4));
        destroy(vic.id);
        u64 fillers = 0;
        i64 last = 0;
        while (fillers < 2 * domid_limit) {
            last = create("filler", "mode=sleep");
            if (last <= 0) break;
            destroy(last);
            ++fillers;
            if (static_cast<u64>(last) == domid_limit - 1) break;  // the next id is the lowest free one
        }
        const i64 h = start(heir, 5);
        const i64 m = run(heir, sc::map, srv_id, static_cast<u64>(ref), 0, 0);
        const i64 b = run(heir, sc::bind, srv_id, static_cast<u64>(up));
        const i64 a = run(srv, sc::accept);
        run(srv, sc::status, static_cast<u64>(up));
        const u64 waits_for = srv.mb->out[1];
        text t;
        t << "victim=d" << v << " grant=" << ref << " port=" << up << " open=" << o << " fillers=" << fillers << " heir=d" << h
          << " map=" << m << " bind=" << b << " accept=" << a << " port waits for d" << waits_for;
        s.check("reused_id_inherits_nothing", v > 0 && ref >= 0 && up > 0 && o > 0 && static_cast<u64>(last) == domid_limit - 1 && h == v &&
                                                  m == -REFHV_ENOENT && b == -REFHV_EINVAL && a == -REFHV_EAGAIN &&
                                                  waits_for == 0xFFFF, t);
    }

    hc(REFHV_HC_GRANT_UNMAP, window(5));
    for (u64 slot = 0; slot < 4; ++slot) hc(REFHV_HC_GRANT_UNMAP, window(slot));
    destroy(heir.id);
    destroy(srv.id);
    destroy(cli.id);
    destroy(bcl.id);
    destroy(sq.id);
    return end_without_leak(s, baseline);
}

}  // namespace dom0
