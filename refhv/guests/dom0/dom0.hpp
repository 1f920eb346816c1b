// SPDX-License-Identifier: Apache-2.0
// dom0 test driver: one suite per QEMU boot, chosen by "suite=<name>" on its command line.
// This header is what the suites share (dom0.cpp); the suites themselves are listed in
// suites.hpp, which only the dispatcher (main.cpp) includes.
#pragma once

#include "../lib/rt.hpp"
#include "../scenario.hpp"

namespace dom0 {

/// A boot module dom0 was given (copied into its memory).
struct image {
    g::u64 gpa = 0, size = 0;
};
/// The boot module whose path ends in `name` (e.g. "test-v2.bin"); size 0 if none.
image module(const char* name);
/// The test guest image (testguest.bin).
image test_image();
/// POLICY_LOAD of `bytes` (flags REFHV_POLICY_*); the result record goes to `out`.
g::i64 load_policy(const image& bytes, refhv_policy_result& out, g::u64 flags = 0);
/// POLICY_LOAD of the boot module `name`.
g::i64 load_policy(const char* name, refhv_policy_result& out);

/// Create a domain from the test image; returns the domid or -errno.
g::i64 create(const char* label, const char* cmdline, g::u64 mem_bytes = REFHV_DOMAIN_MIN_MEM);
/// Query a domain.
g::i64 info(g::u64 domid, refhv_domain_info& out);
/// Wait until `domid` is no longer running (or timeout); returns its info state.
g::u32 wait_exit(g::u64 domid, refhv_domain_info& out, g::u64 timeout_ms = 5000);
/// Free pages in the hypervisor (for leak checks).
g::u64 free_pages();
/// Bind to (domid, remote_port), retrying while the peer has not allocated it yet (EINVAL).
g::i64 bind_retry(g::u64 domid, g::u64 remote_port, g::u64 timeout_ms = 3000);
/// Map grant `ref` of `granter` at window gpa `at`, retrying while it is not granted yet (ENOENT).
g::i64 map_retry(g::u64 granter, g::u64 ref, g::u64 at, g::u64 flags = 0);
/// Does `hay` contain `needle`?
bool contains(const char* hay, const char* needle);
/// Destroy a domain (ignoring errors).
void destroy(g::i64 domid);
/// A suite's ending: the case no_page_leak (the hypervisor's free pages are back at
/// `baseline`, taken when the suite began), then END; returns s.end().
int end_without_leak(g::suite& s, g::u64 baseline);
/// The verifier's nonce: the boot module nonce.bin (1..32 bytes; a module, because a command line
/// of 127 bytes has no room for it beside a long path); false if absent or of another size.
bool nonce_arg(refhv_attest_request& req);
/// ATTEST_QUOTE into `out` (REFHV_ATTEST_MAX_BYTES); the bytes or -errno.
g::i64 quote(const refhv_attest_request& req, g::u8* out);
/// Print an attestation for the host's verifier: "REFHV-ATTEST <tag> <hex>" lines of 64 bytes
/// each, then "REFHV-ATTEST <tag> end <bytes>" (`shype attest verify --log` reads them back).
void print_attestation(const char* tag, const g::u8* p, g::u64 n);
/// "<name>=<got>" detail text.
g::text got(const char* name, g::i64 v);

/// Collects (call, got, expected) mismatches for one case; the first is described.
class expectations {
public:
    void operator()(const char* what, g::i64 got_v, g::i64 want) {
        ++n_;
        if (got_v == want) return;
        if (bad_ == 0) detail_ << what << ": got " << got_v << " want " << want;
        ++bad_;
    }
    bool ok() const { return bad_ == 0; }
    g::text detail() const {
        g::text t;
        if (bad_ == 0) {
            t << n_ << " calls refused as specified";
        } else {
            t << bad_ << " wrong, first: " << detail_.c_str();
        }
        return t;
    }

private:
    int n_ = 0, bad_ = 0;
    g::text detail_;
};
/// An agent (guests/scenario.hpp): a test-guest domain carrying out dom0's commands.
struct agent {
    const char* name;
    const char* label;
    g::i64 id = 0;
    g::i64 port = 0;  // dom0's end of the mailbox channel
    scenario::mailbox* mb = nullptr;
};
/// dom0's grant-window address of slot `slot`.
constexpr g::u64 window(g::u64 slot) { return REFHV_GRANT_WINDOW_GPA + slot * REFHV_PAGE_SIZE; }
/// Create an agent ("mode=agent role=<name> <extra>") and connect its mailbox at dom0's window
/// slot `slot`. The create's result.
g::i64 start(agent& a, g::u64 slot, const char* extra = "");
/// One command to an agent; its result (the hypervisor's answer to what the agent tried).
g::i64 run(agent& a, g::u64 op, g::u64 a0 = 0, g::u64 a1 = 0, g::u64 a2 = 0, g::u64 a3 = 0, const char* txt = nullptr);

}  // namespace dom0
