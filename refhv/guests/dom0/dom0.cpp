// SPDX-License-Identifier: Apache-2.0
// What the suites share (dom0.hpp): boot modules, domain control, retries, agents, the
// no_page_leak ending. Suites call these; nothing here calls a suite.
#include "dom0.hpp"

namespace dom0 {

using namespace g;

image module(const char* name) {
    const refhv_start_info& si = start_info();
    const std::size_t n = strlen(name);
    for (u32 i = 0; i < si.nr_modules && i < REFHV_MAX_MODULES; ++i) {
        const char* path = si.modules[i].cmdline;
        std::size_t len = 0;
        while (len < sizeof si.modules[i].cmdline && path[len] != '\0' && path[len] != ' ') ++len;
        if (len < n) continue;
        if ((len == n || path[len - n - 1] == '/') && streq_n(path + len - n, name, n)) return {si.modules[i].gpa, si.modules[i].size};
    }
    return {};
}

image test_image() { return module("testguest.bin"); }

i64 load_policy(const image& bytes, refhv_policy_result& out, u64 flags) {
    return hc(REFHV_HC_POLICY_LOAD, bytes.gpa, bytes.size, gpa(&out), flags);
}
i64 load_policy(const char* name, refhv_policy_result& out) { return load_policy(module(name), out); }

bool nonce_arg(refhv_attest_request& req) {
    req = refhv_attest_request{};
    const image m = module("nonce.bin");
    if (m.size == 0 || m.size > REFHV_ATTEST_NONCE_MAX) return false;
    for (u64 i = 0; i < m.size; ++i) req.nonce[i] = ptr<const u8>(m.gpa)[i];
    req.nonce_size = static_cast<u32>(m.size);
    return true;
}

i64 quote(const refhv_attest_request& req, u8* out) {
    return hc(REFHV_HC_ATTEST_QUOTE, gpa(&req), gpa(out), REFHV_ATTEST_MAX_BYTES);
}

void print_attestation(const char* tag, const u8* p, u64 n) {
    constexpr char digits[] = "0123456789abcdef";
    for (u64 at = 0; at < n; at += 64) {
        text t;
        t << "REFHV-ATTEST " << tag << " ";
        for (u64 i = at; i < n && i < at + 64; ++i) t << digits[p[i] >> 4] << digits[p[i] & 15];
        println(t);
    }
    text t;
    t << "REFHV-ATTEST " << tag << " end " << n;
    println(t);
}

i64 create(const char* label, const char* cmdline, u64 mem_bytes) {
    static refhv_domain_create req;
    const image img = test_image();
    req = refhv_domain_create{};
    req.image_gpa = img.gpa;
    req.image_size = img.size;
    req.mem_bytes = mem_bytes;
    for (std::size_t i = 0; label[i] != '\0' && i + 1 < sizeof req.label; ++i) req.label[i] = label[i];
    for (std::size_t i = 0; cmdline[i] != '\0' && i + 1 < sizeof req.cmdline; ++i) req.cmdline[i] = cmdline[i];
    return hc(REFHV_HC_DOMAIN_CREATE, gpa(&req));
}

i64 info(u64 domid, refhv_domain_info& out) { return hc(REFHV_HC_DOMAIN_INFO, domid, gpa(&out)); }

u32 wait_exit(u64 domid, refhv_domain_info& out, u64 timeout_ms) {
    const u64 until = now_ms() + timeout_ms;
    for (;;) {
        if (info(domid, out) != 0) return 0;
        if (out.state != REFHV_DOM_RUNNING || now_ms() >= until) return out.state;
        wait_virq(REFHV_VIRQ_DOMAIN_EXIT, until - now_ms());
    }
}

u64 free_pages() {
    refhv_sys_info si{};
    hc(REFHV_HC_SYS_INFO, gpa(&si));
    return si.free_pages;
}

i64 bind_retry(u64 domid, u64 remote_port, u64 timeout_ms) {
    const u64 until = now_ms() + timeout_ms;
    i64 r = -REFHV_EINVAL;
    while (now_ms() < until) {
        r = hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, domid, remote_port);
        if (r != -REFHV_EINVAL) return r;
        hc(REFHV_HC_SCHED_BLOCK, 1);
    }
    return r;
}

i64 map_retry(u64 granter, u64 ref, u64 at, u64 flags) {
    i64 r = -REFHV_ENOENT;
    for (int i = 0; i < 1000 && r == -REFHV_ENOENT; ++i) {
        r = hc(REFHV_HC_GRANT_MAP, granter, ref, at, flags);
        if (r == -REFHV_ENOENT) hc(REFHV_HC_SCHED_BLOCK, 1);
    }
    return r;
}

bool contains(const char* hay, const char* needle) {
    const std::size_t n = strlen(needle);
    for (; *hay != '\0'; ++hay)
        if (streq_n(hay, needle, n)) return true;
    return false;
}

void destroy(i64 domid) {
    if (domid > 0) hc(REFHV_HC_DOMAIN_DESTROY, static_cast<u64>(domid));
}

i64 start(agent& a, u64 slot, const char* extra) {
    text cmd;
    cmd << "mode=agent role=" << a.name << " " << extra;
    a.id = create(a.label, cmd.c_str());
    if (a.id <= 0) return a.id;
    a.port = bind_retry(static_cast<u64>(a.id), 1);
    const i64 m = map_retry(static_cast<u64>(a.id), 0, window(slot));
    if (a.port <= 0 || m != 0) return -REFHV_EINVAL;
    a.mb = ptr<scenario::mailbox>(window(slot));
    return a.id;
}

i64 run(agent& a, u64 op, u64 a0, u64 a1, u64 a2, u64 a3, const char* txt) {
    scenario::mailbox& mb = *a.mb;
    mb.op = op;
    mb.arg[0] = a0;
    mb.arg[1] = a1;
    mb.arg[2] = a2;
    mb.arg[3] = a3;
    if (txt != nullptr) {
        std::size_t i = 0;
        for (; txt[i] != '\0' && i + 1 < sizeof mb.text; ++i) mb.text[i] = txt[i];
        mb.text[i] = '\0';
    }
    const u64 seq = mb.seq + 1;
    mb.seq = seq;
    hc(REFHV_HC_EVTCHN_SEND, static_cast<u64>(a.port));
    const u64 until = now_ms() + 8000;
    while (mb.done != seq && now_ms() < until) wait_event(static_cast<u16>(a.port), 20);
    return mb.done == seq ? mb.ret : -REFHV_EAGAIN;
}

int end_without_leak(suite& s, u64 baseline) {
    const u64 now = free_pages();
    text t;
    t << "baseline=" << baseline << " now=" << now;
    s.check("no_page_leak", now == baseline, t);
    return s.end();
}

text got(const char* name, i64 v) {
    text t;
    t << name << "=" << v;
    return t;
}

}  // namespace dom0
