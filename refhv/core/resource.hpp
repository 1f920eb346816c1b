// SPDX-License-Identifier: Apache-2.0
// Labelled virtual resources served by MAC domains (sHype section 4.4), e.g. a device
// domain offering "vdisk-order" (label "order") and "vdisk-ads" (label "ads").
// The server registers a name and a label; a client opens by name, which the hypervisor
// mediates with mac::resource_access(client, label) and mac::evtchn_bind(client, server),
// then connects an event channel and queues a connection record for the server (VIRQ
// REFHV_VIRQ_RESOURCE_CONNECT). The server accepts it and asks for the coalitions it
// shares with the client (mac::coalition) and those of the resource (mac::resource_types)
// before serving; data moves through grants. A server must itself be allowed to use the
// label it registers (a registration is a binding: a policy change may withdraw it, and
// then every connection to the resource is revoked). Names are unique per resource label:
// a name may be registered under several labels (by servers of different coalitions), and
// an open reaches the registration the policy lets the client use, so a domain of another
// coalition cannot take a name away from the server the policy lets serve it. A connection's
// ports stay marked as one while unbound: rebinding either end is mediated like the open.
// Queued connections (not yet accepted): see max_pending_connections in domain.hpp.
#pragma once

#include "domain.hpp"

namespace refhv::resource {

inline constexpr unsigned max_resources = 16;

result<u64> register_resource(domain& d, u64 desc_gpa) noexcept;
result<u64> open(domain& d, u64 name_gpa, u64 name_len) noexcept;
result<u64> accept(domain& d, u64 out_gpa) noexcept;
result<u64> coalition(domain& d, u64 domid, u64 out_gpa) noexcept;
/// RESOURCE_TYPES: the coalitions (TE types) of one of the caller's own resources.
result<u64> types(domain& d, u64 id, u64 out_gpa) noexcept;

/// A server stops: its resources disappear (their connections are revoked or forgotten).
void release_all(domain& d) noexcept;
/// Domain `gone` was released: no server's queue names it any more.
void forget_client(domid_t gone) noexcept;
/// Remove the queued (not yet accepted) connection of `server_port` from the server's queue;
/// whether there was one.
bool drop_pending(domain& server, u16 server_port) noexcept;
/// Revocation by a policy change: a registration (the resource is withdrawn and its live
/// connections revoked) or a client's attachment (its connection is revoked).
void revoke(u64 cookie, mac::binding b) noexcept;
/// After an applied policy change: each live resource's label follows a rename (mac hook).
void rename_labels() noexcept;
/// The label of a live registration (and its binding), or nullptr (for the checker).
const char* label_of(domid_t server, u16 id, mac::binding& reg_out) noexcept;
void init() noexcept;

}  // namespace refhv::resource
