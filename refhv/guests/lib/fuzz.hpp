// SPDX-License-Identifier: Apache-2.0
// The in-guest hypercall fuzzer: one random hypercall (or grant-window access) per step,
// valid and malformed alike. Random operation numbers, random and edge-case arguments,
// random pointers, plausible-but-wrong domain ids, ports, grant refs and window slots;
// event channels, grants, mappings, resources, the coalition query, and, for dom0, domain
// create/destroy/save/restore and policy loads of valid, corrupted and truncated binaries.
// Sequences too: a resource connection closed by one end and rebound by either (the rebind
// must be mediated like the open), and, for dom0, a domain that is granted a page, offered a
// port and then destroyed, after which the ids are made to wrap so a new domain gets its id
// (it must inherit nothing).
//
// The fuzzer judges nothing about the answers itself except what only it can know (dom0
// checks that the policy in force is always the last one it loaded successfully): the
// checked hypervisor image verifies every isolation invariant after each hypercall and
// stops with status 37 on a violation, and any hypervisor crash stops the run too.
//
// Pointers a call may write through point into the fuzzer's scratch pages or outside the
// caller's RAM, never at its code, stack or start info, so a run stays long.
#pragma once

#include "rt.hpp"

namespace g::fuzz {

/// xorshift64*: small, seedable, reproducible.
class rng {
public:
    explicit rng(u64 seed) : s_(seed == 0 ? 0x9E3779B97F4A7C15ull : seed) {}
    u64 next() {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 0x2545F4914F6CDD1Dull;
    }
    u64 below(u64 n) { return n == 0 ? 0 : next() % n; }
    bool chance(unsigned percent) { return below(100) < percent; }

private:
    u64 s_;
};

/// A policy binary dom0 may load.
struct blob {
    const u8* data = nullptr;
    u64 size = 0;
};

struct context {
    explicit context(u64 seed) : r(seed) {}
    rng r;
    u8* scratch = nullptr;  ///< scratch_pages pages for every buffer a call reads or writes
    u64 scratch_pages = 0;
    bool privileged = false;

    // dom0 only.
    blob policies[4];       ///< valid binaries (the boot policy first)
    unsigned npolicies = 0;
    blob image;             ///< the guest image DOMAIN_CREATE uses
    u8* save_buf = nullptr;  ///< DOMAIN_SAVE stream buffer
    u64 save_cap = 0;
    u64 saved = 0;           ///< bytes of the last successful save
    u8* expected = nullptr;  ///< the policy that must be in force (oracle)
    u64 expected_size = 0;
    const char* const* labels = nullptr;  ///< label names to create domains with
    unsigned nlabels = 0;
    const char* cmdline = "";  ///< for the domains dom0 creates

    // Counters.
    u64 calls = 0, succeeded = 0, loads_ok = 0, loads_refused = 0, creates = 0, restores = 0;
    u64 oracle_failures = 0;  ///< dom0: the policy in force was not the one expected
    i64 born[16] = {};        ///< dom0: domains created or restored since the caller last looked
    unsigned nborn = 0;
    u64 rebinds = 0;          ///< connections rebound after one end closed them
    u64 id_reuses = 0;        ///< dom0: a new domain got the id of one it destroyed
    u64 next_id_reuse = 256;  ///< dom0: the id-reuse sequence runs when calls reach this
    i64 recent[8] = {};       ///< dom0: the last domains it created or restored (a ring)
    unsigned nrecent = 0;

    // Resource connections this domain holds, for close-and-rebind: (peer, my port).
    struct conn {
        u64 peer = 0;
        u64 port = 0;
    };
    conn conns[4];
    unsigned nconns = 0;
};

/// One step (one hypercall or window access).
void step(context& c);

}  // namespace g::fuzz
