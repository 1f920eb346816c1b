// SPDX-License-Identifier: Apache-2.0
// The ACM behind refhv's MAC seam (mac.hpp): the shype library's reference monitor with the
// paper's two policies stacked, Chinese Wall (placement) and Type Enforcement (sharing and
// resources). The monitor is constinit, sized for refhv's tables, and unlocked: refhv runs
// on one CPU with interrupts off in the hypervisor, so calls are already serialised.
//
// This header is internal to the ACM's files, one concern each (as FLASK splits hooks.c,
// avc.c and flask_op.c):
//   mac_shype.cpp   the hook adapter: mac.hpp's hooks as monitor calls
//   mac_stats.cpp   statistics and tracing of every hook's answer, the translation of the
//                   library's errors and denials into refhv's ABI
//   mac_policy.cpp  the policy: boot policy, the double-buffered load, renames, revocations
//   mac_check.cpp   self-check support for the isolation invariants (core/invariants.cpp)
#pragma once

#include <shype/audit_log.hpp>
#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#include "domain.hpp"
#include "log.hpp"
#include "mac.hpp"

namespace refhv::mac::acm {

using cw_policy = shype::chinese_wall<64>;
using te_policy = shype::type_enforcement<64>;  // 64 TE types: a coalition mask is one u64
inline constexpr shype::monitor_limits limits{.max_domains = domid_limit,
                                              .cache_sets = 64,
                                              .cache_ways = 4,
                                              .max_bindings = 1024,
                                              .audit_entries = 64};
using monitor_t = shype::basic_monitor<limits, shype::no_locking, cw_policy, te_policy>;
static_assert(shype::hypervisor_subject == hypervisor, "the hypervisor's own subject id");

/// The reference monitor (mac_shype.cpp); mac_policy.cpp's init() starts it afresh.
extern monitor_t g_monitor;
/// Hook statistics at the seam (mac_stats.cpp).
extern refhv_mac_stats g_stats;

inline shype::policy_view policy() noexcept { return g_monitor.policy(); }
/// The label name of a domain the monitor knows; "-" for a free slot.
inline shype::string_ref label_of(domid_t d) noexcept {
    const shype::domain_info i = g_monitor.domain(d);
    if (i.state == shype::domain_state::free) return "-";
    return policy().vm_label(i.label).name();
}
inline log::str str(shype::string_ref s) noexcept { return {s.data(), s.size()}; }
inline binding from(shype::binding_handle h) noexcept { return {h.index, h.serial}; }
inline shype::binding_handle to(binding b) noexcept { return {b.index, b.serial}; }

// ---- mac_stats.cpp -------------------------------------------------------------------------
/// The library's error as refhv's (a malformed binary policy is EINVAL).
errc to_errc(shype::errc e) noexcept;
/// What kind of refhv object a binding of the library's kind is.
object object_of(shype::binding_kind k) noexcept;
/// Is mac_trace=1 on (set_trace)?
bool tracing() noexcept;
/// Count a hook's answer (and print it with mac_trace=1). `what` names the object when it
/// is not a domain (a resource label).
result<decision> record(hook h, domid_t subject, domid_t object_dom, const char* what,
                        const shype::result<shype::verdict>& r) noexcept;
/// A registered binding's hook: the verdict, and the handle on a permit.
result<decision> record_bind(hook h, domid_t subject, domid_t object_dom, const char* what,
                             const shype::result<shype::bind_result>& r, binding& out) noexcept;

// ---- mac_policy.cpp ------------------------------------------------------------------------
/// While a policy change's revocations run: did the change take `b` already (so releasing it
/// is only forgetting the handle)?
bool taken_by_change(binding b) noexcept;

}  // namespace refhv::mac::acm
