// SPDX-License-Identifier: Apache-2.0
// Event channels: point-to-point notifications between domains (Xen's model).
// Delivery: the hypervisor sets the port's bit in the target's shared-info pending
// bitmap; if the port is unmasked and the upcall flag was clear, it sets the flag,
// raises a virtual interrupt on the domain's upcall vector (VMCB V_IRQ) and wakes it
// if it is blocked. Guests without an upcall vector poll the bitmap and SCHED_BLOCK.
// Allocation and binding are mediated (mac::evtchn_unbound, mac::evtchn_bind, bind-time);
// sends are not re-checked.
#pragma once

#include "domain.hpp"

namespace refhv::evtchn {

result<u64> alloc_unbound(domain& d, u64 remote) noexcept;
result<u64> bind_interdomain(domain& d, u64 remote, u64 remote_port) noexcept;
result<u64> send(domain& d, u64 port) noexcept;
result<u64> close(domain& d, u64 port) noexcept;
result<u64> status(domain& d, u64 port, u64 out_gpa) noexcept;
result<u64> set_vectors(domain& d, u64 upcall, u64 fault) noexcept;

/// Connect a fresh port in client `a` to a fresh port in server `b` for resource `res`, labelled
/// `resource_label` (mediated: resource access and channel). Both ports are found before
/// either is taken; both are marked as the connection's ends. Returns a's port in the low 16
/// bits, b's above.
result<u32> connect(domain& a, domain& b, u8 res, const char* resource_label) noexcept;
/// Does `server` hold a live connection end with `client` (one of its resources' clients)?
bool serves(const domain& server, domid_t client) noexcept;
/// Resource `res` was withdrawn: its live connections are revoked (both ends told), unbound
/// ends can no longer be rebound, and every port forgets the connection.
void withdraw_resource(u8 res) noexcept;
/// Domain `gone` was released: ports of other domains waiting for it (unbound) or revoked with
/// it now name nobody, so a new domain with the same id inherits none of them.
void forget_domain(domid_t gone) noexcept;

/// Mark `port` pending in `d`, raise the upcall, wake it.
void set_pending(domain& d, u16 port) noexcept;
/// Hypervisor notification on port 0.
void raise_virq(domain& d, u64 virq) noexcept;
/// Whether d has an event it has not acknowledged (used by SCHED_BLOCK).
bool has_pending(const domain& d) noexcept;

/// Close every port of a domain that stops running; peers become unbound.
void close_all(domain& d) noexcept;
/// Revocation by a policy change: the channel (or resource connection) registered under
/// `cookie` with binding `b` is revoked on both ends; both are told.
void revoke(u64 cookie, mac::binding b) noexcept;

}  // namespace refhv::evtchn
