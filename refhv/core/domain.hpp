// SPDX-License-Identifier: Apache-2.0
// A domain: one SVM guest with its own nested page table, event-channel ports,
// grant table and grant-window mappings. Domains live in a fixed table; no heap.
#pragma once

#include <refhv/hypercall.h>

#include "../arch/x86_64/exit.hpp"
#include "../arch/x86_64/vmcb.hpp"
#include "mac.hpp"
#include "result.hpp"

namespace refhv {

inline constexpr unsigned max_domains = 8;
/// Domain ids are below this (the MAC layer sizes its tables by it); they wrap around to 1.
inline constexpr domid_t domid_limit = 1024;
/// A server's queue of connections it has not accepted yet (RESOURCE_ACCEPT): at most 8, and
/// at most 2 from any one client, so one client cannot fill it (EAGAIN beyond either bound).
/// An entry leaves the queue when accepted, or when its connection is closed or revoked.
inline constexpr unsigned max_pending_connections = 8;
inline constexpr unsigned max_pending_per_client = 2;
inline constexpr u64 guest_stack_reserve = 64 * 1024;  ///< top of memory, below it the free range ends

enum class dom_state : u8 {
    free,      ///< slot unused
    paused,    ///< built, not yet started
    runnable,
    blocked,   ///< in SCHED_BLOCK or HLT
    dead,      ///< shut down or killed: resources released, info kept until destroyed
};

/// The cookie under which a shared object is registered with the MAC layer: what it is,
/// whose it is and where. A revocation hands it back, so it finds exactly that object.
namespace cookie {
enum kind : u8 { channel = 1, mapping = 2, connection = 3, registration = 4 };
constexpr u64 make(kind k, domid_t dom, u16 index) noexcept {
    return (static_cast<u64>(k) << 32) | (static_cast<u64>(dom) << 16) | index;
}
constexpr kind kind_of(u64 c) noexcept { return static_cast<kind>(c >> 32); }
constexpr domid_t dom_of(u64 c) noexcept { return static_cast<domid_t>(c >> 16); }
constexpr u16 index_of(u64 c) noexcept { return static_cast<u16>(c); }
}  // namespace cookie

/// Which end of a resource connection a port is (RESOURCE_OPEN made it; it stays one while
/// unbound, so rebinding it is mediated like an open).
enum class conn_end : u8 { none, client, server };

struct evtchn_port {
    u8 state = REFHV_EVTCHN_FREE;
    u16 remote_port = 0;
    domid_t remote = invalid_domid;  ///< unbound: who may bind (or nobody); interdomain/revoked: the peer
    mac::binding bind{};    ///< interdomain between two domains: the channel's binding (both ends)
    mac::binding attach{};  ///< a resource client's end: its attachment to the resource
    conn_end conn = conn_end::none;  ///< a resource connection's end ...
    u8 res = 0;                      ///< ... to the resource with this id (a live registration)
};

/// One entry of a granter's grant table.
struct grant_entry {
    bool used = false;
    bool readonly = false;
    bool mapped = false;
    domid_t grantee = invalid_domid;
    u64 gpa = 0;      ///< the granter's page
    u64 map_gpa = 0;  ///< where the grantee mapped it
};

enum class map_state : u8 { free, active, revoked };
/// One page of a mapper's grant window (index = (gpa - window) / 4096).
struct grant_mapping {
    map_state state = map_state::free;
    bool writable = false;
    u16 ref = 0;
    domid_t granter = invalid_domid;
    u32 revoke_reason = 0;
    mac::binding bind{};  ///< active: the mapping's binding
};

struct domain {
    dom_state state = dom_state::free;
    domid_t id = invalid_domid;
    bool privileged = false;
    u8 upcall_vector = 0;
    u8 fault_vector = 0;
    bool io_warned = false;
    char label[REFHV_LABEL_MAX]{};
    char cmdline[REFHV_CMDLINE_MAX]{};

    arch::vmcb* vmcb = nullptr;
    u64 vmcb_pa = 0;
    arch::guest_gprs gprs{};
    alignas(16) u8 fpu[512]{};  ///< FXSAVE image while the domain does not own the FPU

    u64 npt_root = 0;
    u64 mem_bytes = 0;
    refhv_start_info* start = nullptr;    ///< host view of the guest's start info page
    refhv_shared_info* shared = nullptr;  ///< host view of the guest's shared info page

    evtchn_port ports[REFHV_EVTCHN_PORTS];
    grant_entry grants[REFHV_GRANT_REFS];
    grant_mapping maps[REFHV_GRANT_WINDOW_PAGES];
    refhv_resource_conn pending_conn[max_pending_connections]{};
    u8 pending_conn_count = 0;

    u32 exit_reason = REFHV_EXIT_NONE;
    i32 exit_code = 0;
    u64 fault_gpa = 0;
    u64 fault_rip = 0;
    u32 generation = 0;

    u64 wake_at_ms = 0;  ///< blocked: wake-up time, 0 = only an event wakes it
    bool blocked_in_call = false;  ///< blocked by SCHED_BLOCK (RAX reports why it woke), not HLT
    bool flush_tlb = true;
    u64 inject = 0;      ///< EVENTINJ for the next VMRUN, 0 = none

    char con[160]{};
    u16 con_len = 0;

    bool alive() const noexcept {
        return state == dom_state::paused || state == dom_state::runnable || state == dom_state::blocked;
    }
};

namespace domains {

void init() noexcept;
domain* find(domid_t id) noexcept;       ///< any occupied slot
domain* find_live(domid_t id) noexcept;  ///< paused, runnable or blocked
domain* slot(unsigned i) noexcept;
unsigned count() noexcept;
bool has_free_slot() noexcept;
/// The next unused id (ids grow until domid_limit, then wrap; an id in use is skipped).
domid_t next_id() noexcept;

struct build_params {
    domid_t id;
    const char* label;
    const char* cmdline;
    u64 mem_bytes;  ///< validated by the caller
    bool privileged;
};
/// Allocate a slot, its memory, nested page table and VMCB; write start info, shared
/// info and initial page tables. The domain is left paused. ENOSPC or ENOMEM.
result<domain*> build(const build_params& p) noexcept;
/// Set the entry point and free range and make the domain runnable.
void start(domain& d, u64 entry, u64 free_start) noexcept;
/// Copy hypervisor bytes into the domain's own memory (gpa range must be owned).
result<void> write_mem(domain& d, u64 gpa, const void* src, u64 len) noexcept;

/// The domain stops for good: record why, release everything it holds, tell dom0.
/// dom0 finishing ends the whole system.
void finish(domain& d, u32 reason, i32 code) noexcept;
/// Kill a domain for something it did (logged with its RIP).
void kill(domain& d, u32 reason, u64 fault_gpa) noexcept;
/// Free a dead domain's slot.
void reap(domain& d) noexcept;
/// Release memory and every shared object without logging (used by save and finish).
void release(domain& d) noexcept;

/// Append guest console output; complete lines go to the serial console.
void console_put(domain& d, const char* s, usize n) noexcept;
void console_flush(domain& d) noexcept;

}  // namespace domains

/// Provided by the platform: end the run (QEMU exit through isa-debug-exit).
[[noreturn]] void system_exit(u32 qemu_code) noexcept;

}  // namespace refhv
