// SPDX-License-Identifier: Apache-2.0
// The customer-order scenario (the main job): dom0 drives "agents", test-guest domains
// that carry out one command at a time and report what the hypervisor answered, so dom0
// can print each step and judge it against what the paper's Figure 2 expects.
//
// Mailbox: an agent grants one page read-write to dom0 (grant ref 0) and offers dom0 an
// event channel (port 1). dom0 writes a command and bumps `seq`, then notifies; the agent
// runs it, fills the result, sets `done = seq` and notifies back. An agent started with
// serve=1 is also a MAC domain serving virtual disks (sHype section 4.4) between commands.
#pragma once

#include <cstdint>

namespace scenario {

enum op : std::uint64_t {
    alloc_unbound = 1,  // arg0 remote domid                          -> port
    bind,               // arg0 remote domid, arg1 remote port         -> port
    send,               // arg0 port                                   -> 0
    wait,               // arg0 port, arg1 ms                          -> 1 event seen, 0 none
    status,             // arg0 port                                   -> 0; out0 state, out1 remote
    grant,              // arg0 grantee, arg1 read-only; text -> page  -> grant ref
    map,                // arg0 granter, arg1 ref, arg2 slot, arg3 ro   -> 0
    window_read,        // arg0 slot: the page's text -> text          -> 0, or -vector (out0 fault reason)
    window_write,       // arg0 slot; text -> the page                 -> 0, or -vector (out0 fault reason)
    page_read,          // the agent's own shared page -> text         -> 0
    open,               // text: resource name                         -> port
    vdisk_read,         // arg0 port, arg1 sector                      -> 0 served (out0 resource), or error
    coalition,          // arg0 domid                                  -> 0; out0 mask
    register_resource,  // text: "name label"                          -> resource id
    faults,             // -> 0; out0 faults, out1 last fault reason, out2 revocations, out3 last revocation reason
    close,              // arg0 port                                   -> 0
    accept,             // -> 0; out0 resource id, out1 client domid, out2 server port (or -EAGAIN)
};

struct mailbox {
    volatile std::uint64_t seq;
    volatile std::uint64_t done;
    std::uint64_t op;
    std::uint64_t arg[4];
    std::int64_t ret;
    std::uint64_t out[4];
    char text[64];
};

/// Word i of sector s of virtual disk r (both ends compute it).
constexpr std::uint64_t disk_word(std::uint64_t r, std::uint64_t s, std::uint64_t i) {
    return 0xD15C000000000000ull | (r << 40) | (s << 16) | i;
}

/// A vdisk request page (the client grants it to the device domain).
struct disk_request {
    std::uint64_t magic;  // disk_magic
    std::uint64_t sector;
    std::uint64_t status;  // 0 pending, 1 served, 2 refused
    std::uint64_t resource;
    std::uint64_t data[64];
};
inline constexpr std::uint64_t disk_magic = 0x5644534B;  // "VDSK"
inline constexpr std::uint64_t server_slots = 8;          // the server maps clients at window slots 8..15

}  // namespace scenario
