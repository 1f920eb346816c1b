// SPDX-License-Identifier: Apache-2.0
// hostile: every malformed argument is refused with the documented error, nothing is
// half-done, and the hypervisor keeps working afterwards (no leak, domains still run).
#include "dom0.hpp"

namespace dom0 {
using namespace g;

namespace {
constexpr i64 e(int v) { return -static_cast<i64>(v); }

void set_str(char* dst, std::size_t cap, const char* s) {
    std::size_t i = 0;
    for (; s[i] != '\0' && i + 1 < cap; ++i) dst[i] = s[i];
    dst[i] = '\0';
}
}  // namespace

int suite_hostile() {
    suite s("hostile");
    const u64 baseline = free_pages();
    const u64 mem = start_info().mem_bytes;
    static u8 buf[8192];
    static refhv_domain_create req;
    const image img = test_image();

    {
        expectations x;
        x("op 12345", hc(12345), e(REFHV_ENOSYS));
        x("op ~0", hc(~0ull), e(REFHV_ENOSYS));
        x("op 7", hc(7), e(REFHV_ENOSYS));
        s.check("unknown_operations", x.ok(), x.detail());
    }
    {
        expectations x;
        x("gpa 0", hc(REFHV_HC_CONSOLE_WRITE, 0, 8), e(REFHV_EFAULT));
        x("past RAM", hc(REFHV_HC_CONSOLE_WRITE, mem, 1), e(REFHV_EFAULT));
        x("straddling RAM end", hc(REFHV_HC_CONSOLE_WRITE, mem - 2, 4), e(REFHV_EFAULT));
        x("wrapping", hc(REFHV_HC_CONSOLE_WRITE, ~0ull - 15, 32), e(REFHV_EFAULT));
        x("grant window", hc(REFHV_HC_CONSOLE_WRITE, REFHV_GRANT_WINDOW_GPA, 4), e(REFHV_EFAULT));
        x("4 GiB", hc(REFHV_HC_CONSOLE_WRITE, 1ull << 32, 4), e(REFHV_EFAULT));
        x("length 4097", hc(REFHV_HC_CONSOLE_WRITE, gpa(buf), 4097), e(REFHV_E2BIG));
        x("length 2^63", hc(REFHV_HC_CONSOLE_WRITE, gpa(buf), 1ull << 63), e(REFHV_E2BIG));
        x("length 0", hc(REFHV_HC_CONSOLE_WRITE, 0, 0), 0);
        x("sys_info to gpa 8", hc(REFHV_HC_SYS_INFO, 8), e(REFHV_EFAULT));
        s.check("bad_pointers", x.ok(), x.detail());
    }
    {
        expectations x;
        auto fresh = [&] {
            req = refhv_domain_create{};
            req.image_gpa = img.gpa;
            req.image_size = img.size;
            req.mem_bytes = REFHV_DOMAIN_MIN_MEM;
            set_str(req.label, sizeof req.label, "x");
            set_str(req.cmdline, sizeof req.cmdline, "mode=hello");
        };
        x("request at gpa 0", hc(REFHV_HC_DOMAIN_CREATE, 0), e(REFHV_EFAULT));
        x("request past RAM", hc(REFHV_HC_DOMAIN_CREATE, mem - 8), e(REFHV_EFAULT));
        fresh(); req.flags = 1;
        x("flags", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        fresh(); req.reserved = 5;
        x("reserved", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        fresh(); req.label[0] = '\0';
        x("empty label", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        fresh(); for (auto& c : req.label) c = 'a';
        x("unterminated label", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        fresh(); req.label[0] = ' ';
        x("label with space", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        fresh(); for (auto& c : req.cmdline) c = 'a';
        x("unterminated cmdline", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        fresh(); req.mem_bytes = 4096;
        x("tiny memory", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        fresh(); req.mem_bytes = 1ull << 40;
        x("huge memory", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        fresh(); req.mem_bytes = REFHV_DOMAIN_MIN_MEM + 100;
        x("unaligned memory", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        fresh(); req.image_size = 1ull << 62;
        x("huge image", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_E2BIG));
        fresh(); req.image_size = 8;
        x("image smaller than header", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_ENOEXEC));
        fresh(); req.image_gpa = mem - 4096;
        x("image past RAM", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EFAULT));
        fresh(); req.image_gpa = ~0ull - 4095;
        x("image wrapping", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EFAULT));
        fresh(); req.image_gpa = gpa(buf); req.image_size = sizeof buf;
        x("not an image", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_ENOEXEC));
        // A valid header whose entry point lies outside the image.
        fresh();
        for (std::size_t i = 0; i < sizeof(refhv_image_header); ++i) buf[i] = ptr<u8>(img.gpa)[i];
        reinterpret_cast<refhv_image_header*>(buf)->entry = 0x5000000;
        req.image_gpa = gpa(buf);
        x("entry outside image", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_ENOEXEC));
        reinterpret_cast<refhv_image_header*>(buf)->entry = REFHV_GUEST_LOAD_GPA + 64;
        reinterpret_cast<refhv_image_header*>(buf)->mem_size = 64ull << 20;
        x("image larger than memory", hc(REFHV_HC_DOMAIN_CREATE, gpa(&req)), e(REFHV_EINVAL));
        s.check("domain_create_validation", x.ok(), x.detail());
    }
    {
        expectations x;
        static refhv_domain_info di;
        x("destroy d999", hc(REFHV_HC_DOMAIN_DESTROY, 999), e(REFHV_ESRCH));
        x("destroy dom0", hc(REFHV_HC_DOMAIN_DESTROY, 0), e(REFHV_EINVAL));
        x("destroy 0xFFFF", hc(REFHV_HC_DOMAIN_DESTROY, 0xFFFF), e(REFHV_ESRCH));
        x("destroy 2^40", hc(REFHV_HC_DOMAIN_DESTROY, 1ull << 40), e(REFHV_ESRCH));
        x("info d999", hc(REFHV_HC_DOMAIN_INFO, 999, gpa(&di)), e(REFHV_ESRCH));
        x("info bad out", hc(REFHV_HC_DOMAIN_INFO, 0, 16), e(REFHV_EFAULT));
        x("save dom0", hc(REFHV_HC_DOMAIN_SAVE, 0, gpa(buf), sizeof buf), e(REFHV_EINVAL));
        x("save d999", hc(REFHV_HC_DOMAIN_SAVE, 999, gpa(buf), sizeof buf), e(REFHV_ESRCH));
        s.check("domid_validation", x.ok(), x.detail());
    }
    {
        expectations x;
        static refhv_evtchn_status st;
        x("send 0", hc(REFHV_HC_EVTCHN_SEND, 0), e(REFHV_EINVAL));
        x("send 64", hc(REFHV_HC_EVTCHN_SEND, 64), e(REFHV_EINVAL));
        x("send -1", hc(REFHV_HC_EVTCHN_SEND, ~0ull), e(REFHV_EINVAL));
        x("send free 17", hc(REFHV_HC_EVTCHN_SEND, 17), e(REFHV_EINVAL));
        x("close 0", hc(REFHV_HC_EVTCHN_CLOSE, 0), e(REFHV_EINVAL));
        x("close free 63", hc(REFHV_HC_EVTCHN_CLOSE, 63), e(REFHV_EINVAL));
        x("close 2^32", hc(REFHV_HC_EVTCHN_CLOSE, 1ull << 32), e(REFHV_EINVAL));
        x("status 64", hc(REFHV_HC_EVTCHN_STATUS, 64, gpa(&st)), e(REFHV_EINVAL));
        x("status bad out", hc(REFHV_HC_EVTCHN_STATUS, 1, mem), e(REFHV_EFAULT));
        x("alloc_unbound d999", hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, 999), e(REFHV_ESRCH));
        x("alloc_unbound 2^20", hc(REFHV_HC_EVTCHN_ALLOC_UNBOUND, 1ull << 20), e(REFHV_ESRCH));
        x("bind d999", hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, 999, 1), e(REFHV_ESRCH));
        x("bind port 0", hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, 0, 0), e(REFHV_EINVAL));
        x("bind port 64", hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, 0, 64), e(REFHV_EINVAL));
        x("bind free port", hc(REFHV_HC_EVTCHN_BIND_INTERDOMAIN, 0, 40), e(REFHV_EINVAL));
        s.check("event_channel_validation", x.ok(), x.detail());
    }
    {
        expectations x;
        const u64 page = (gpa(buf) + 4095) & ~4095ull;
        x("grant unaligned", hc(REFHV_HC_GRANT_ACCESS, page + 8, 0, 0), e(REFHV_EINVAL));
        x("grant gpa 0", hc(REFHV_HC_GRANT_ACCESS, 0, 1, 0), e(REFHV_EFAULT));
        x("grant shared info", hc(REFHV_HC_GRANT_ACCESS, REFHV_SHARED_INFO_GPA, 1, 0), e(REFHV_EFAULT));
        x("grant past RAM", hc(REFHV_HC_GRANT_ACCESS, mem, 1, 0), e(REFHV_EFAULT));
        x("grant window page", hc(REFHV_HC_GRANT_ACCESS, REFHV_GRANT_WINDOW_GPA, 1, 0), e(REFHV_EFAULT));
        x("grant to self", hc(REFHV_HC_GRANT_ACCESS, page, 0, 0), e(REFHV_EINVAL));
        x("grant to d999", hc(REFHV_HC_GRANT_ACCESS, page, 999, 0), e(REFHV_ESRCH));
        x("grant bad flags", hc(REFHV_HC_GRANT_ACCESS, page, 999, 6), e(REFHV_EINVAL));
        x("revoke 32", hc(REFHV_HC_GRANT_REVOKE, 32), e(REFHV_EINVAL));
        x("revoke unused 5", hc(REFHV_HC_GRANT_REVOKE, 5), e(REFHV_ENOENT));
        x("revoke 2^63", hc(REFHV_HC_GRANT_REVOKE, 1ull << 63), e(REFHV_EINVAL));
        const u64 w = REFHV_GRANT_WINDOW_GPA;
        x("map unaligned", hc(REFHV_HC_GRANT_MAP, 1, 0, w + 4, 0), e(REFHV_EINVAL));
        x("map below window", hc(REFHV_HC_GRANT_MAP, 1, 0, w - 4096, 0), e(REFHV_EINVAL));
        x("map past window", hc(REFHV_HC_GRANT_MAP, 1, 0, w + REFHV_GRANT_WINDOW_PAGES * 4096, 0), e(REFHV_EINVAL));
        x("map into own RAM", hc(REFHV_HC_GRANT_MAP, 1, 0, page, 0), e(REFHV_EINVAL));
        x("map from self", hc(REFHV_HC_GRANT_MAP, 0, 0, w, 0), e(REFHV_EINVAL));
        x("map from d999", hc(REFHV_HC_GRANT_MAP, 999, 0, w, 0), e(REFHV_ESRCH));
        x("map bad flags", hc(REFHV_HC_GRANT_MAP, 999, 0, w, 8), e(REFHV_EINVAL));
        x("unmap outside window", hc(REFHV_HC_GRANT_UNMAP, page), e(REFHV_EINVAL));
        x("unmap unmapped", hc(REFHV_HC_GRANT_UNMAP, w + 4096), e(REFHV_ENOENT));
        s.check("grant_validation", x.ok(), x.detail());
    }
    {
        expectations x;
        x("vectors 5", hc(REFHV_HC_SET_VECTORS, 5, 0), e(REFHV_EINVAL));
        x("vectors 256", hc(REFHV_HC_SET_VECTORS, 256, 0), e(REFHV_EINVAL));
        x("vectors equal", hc(REFHV_HC_SET_VECTORS, 0xF0, 0xF0), e(REFHV_EINVAL));
        x("vectors restored", hc(REFHV_HC_SET_VECTORS, upcall_vector, fault_vector), 0);
        x("block 2^40 ms", hc(REFHV_HC_SCHED_BLOCK, 1ull << 40), e(REFHV_EINVAL));
        x("shutdown code 2^33", hc(REFHV_HC_SCHED_SHUTDOWN, 1ull << 33), e(REFHV_EINVAL));
        s.check("scheduling_validation", x.ok(), x.detail());
    }
    {
        expectations x;
        static refhv_resource_desc desc;
        static refhv_resource_conn conn;
        static u64 mask;
        x("register bad pointer", hc(REFHV_HC_RESOURCE_REGISTER, mem - 16), e(REFHV_EFAULT));
        desc = refhv_resource_desc{};
        x("register empty name", hc(REFHV_HC_RESOURCE_REGISTER, gpa(&desc)), e(REFHV_EINVAL));
        for (auto& c : desc.name) c = 'n';
        set_str(desc.label, sizeof desc.label, "l");
        x("register unterminated", hc(REFHV_HC_RESOURCE_REGISTER, gpa(&desc)), e(REFHV_EINVAL));
        x("open length 0", hc(REFHV_HC_RESOURCE_OPEN, gpa(buf), 0), e(REFHV_EINVAL));
        x("open length 1000", hc(REFHV_HC_RESOURCE_OPEN, gpa(buf), 1000), e(REFHV_EINVAL));
        x("open bad pointer", hc(REFHV_HC_RESOURCE_OPEN, mem - 2, 8), e(REFHV_EFAULT));
        set_str(reinterpret_cast<char*>(buf), 32, "no-such-disk");
        x("open unknown", hc(REFHV_HC_RESOURCE_OPEN, gpa(buf), 12), e(REFHV_ENOENT));
        x("accept bad pointer", hc(REFHV_HC_RESOURCE_ACCEPT, 0), e(REFHV_EFAULT));
        x("accept nothing", hc(REFHV_HC_RESOURCE_ACCEPT, gpa(&conn)), e(REFHV_EAGAIN));
        x("coalition d999", hc(REFHV_HC_MAC_COALITION, 999, gpa(&mask)), e(REFHV_ESRCH));
        x("coalition bad out", hc(REFHV_HC_MAC_COALITION, 0, mem), e(REFHV_EFAULT));
        s.check("resource_validation", x.ok(), x.detail());
    }
    {
        expectations x;
        x("load bad pointer", hc(REFHV_HC_POLICY_LOAD, mem - 8, 64), e(REFHV_EFAULT));
        x("load size 0", hc(REFHV_HC_POLICY_LOAD, gpa(buf), 0), e(REFHV_EINVAL));
        x("load 1 MiB", hc(REFHV_HC_POLICY_LOAD, gpa(buf), 1ull << 20), e(REFHV_E2BIG));
        x("get size 0", hc(REFHV_HC_POLICY_GET, gpa(buf), 0), e(REFHV_EINVAL));
        x("get bad pointer", hc(REFHV_HC_POLICY_GET, 0, 64), e(REFHV_EFAULT));
        x("decide bad op", hc(REFHV_HC_POLICY_DECIDE, 99, 0, 0), e(REFHV_EINVAL));
        x("decide op 2^40", hc(REFHV_HC_POLICY_DECIDE, 1ull << 40, 0, 0), e(REFHV_EINVAL));
        x("decide d2^20", hc(REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_EVTCHN, 0, 1ull << 20), e(REFHV_ESRCH));
        x("label bad out", hc(REFHV_HC_POLICY_LABEL, 0, mem, 32), e(REFHV_EFAULT));
        x("label size 0", hc(REFHV_HC_POLICY_LABEL, 0, gpa(buf), 0), e(REFHV_EINVAL));
        x("label size 2", hc(REFHV_HC_POLICY_LABEL, 0, gpa(buf), 2), e(REFHV_ERANGE));
        x("label d999", hc(REFHV_HC_POLICY_LABEL, 999, gpa(buf), 32), e(REFHV_ESRCH));
        x("stats bad out", hc(REFHV_HC_POLICY_STATS, mem - 8), e(REFHV_EFAULT));
        x("denials max 0", hc(REFHV_HC_POLICY_DENIALS, gpa(buf), 0), e(REFHV_EINVAL));
        x("denials max 1000", hc(REFHV_HC_POLICY_DENIALS, gpa(buf), 1000), e(REFHV_E2BIG));
        x("load flags", hc(REFHV_HC_POLICY_LOAD, gpa(buf), 64, 0, 2), e(REFHV_EINVAL));
        x("load result bad pointer", hc(REFHV_HC_POLICY_LOAD, gpa(buf), 64, mem - 8, 0), e(REFHV_EFAULT));
        x("load not a policy", hc(REFHV_HC_POLICY_LOAD, gpa(buf), 64), e(REFHV_EINVAL));
        x("get 8 bytes", hc(REFHV_HC_POLICY_GET, gpa(buf), 8), e(REFHV_ERANGE));
        x("audit size 0", hc(REFHV_HC_POLICY_AUDIT, gpa(buf), 0), e(REFHV_EINVAL));
        x("audit bad pointer", hc(REFHV_HC_POLICY_AUDIT, mem - 8, 64), e(REFHV_EFAULT));
        x("counters bad out", hc(REFHV_HC_POLICY_COUNTERS, 0), e(REFHV_EFAULT));
        x("resource types unknown", hc(REFHV_HC_RESOURCE_TYPES, 3, gpa(buf)), e(REFHV_ENOENT));
        x("resource types 2^40", hc(REFHV_HC_RESOURCE_TYPES, 1ull << 40, gpa(buf)), e(REFHV_ENOENT));
        x("resource types bad out", hc(REFHV_HC_RESOURCE_TYPES, 0, 8), e(REFHV_EFAULT));
        x("debug op 96 is gone", hc(96, 0, 1, 2), e(REFHV_ENOSYS));
        s.check("policy_validation", x.ok(), x.detail());
    }
    {
        expectations x;
        static u8 stream[4096];
        x("restore size 0", hc(REFHV_HC_DOMAIN_RESTORE, gpa(stream), 0), e(REFHV_EINVAL));
        x("restore bad pointer", hc(REFHV_HC_DOMAIN_RESTORE, mem - 64, 4096), e(REFHV_EFAULT));
        x("restore garbage", hc(REFHV_HC_DOMAIN_RESTORE, gpa(stream), sizeof stream), e(REFHV_EINVAL));
        auto* h = reinterpret_cast<refhv_save_header*>(stream);
        h->magic = REFHV_SAVE_MAGIC;
        h->version = REFHV_SAVE_VERSION;
        h->header_size = sizeof *h;
        h->mem_bytes = REFHV_DOMAIN_MIN_MEM;
        x("restore truncated", hc(REFHV_HC_DOMAIN_RESTORE, gpa(stream), sizeof stream), e(REFHV_EINVAL));
        // A consistent size, but the buffer runs off the end of our RAM.
        const u64 near_end = start_info().free_gpa_end - 4096;
        for (std::size_t i = 0; i < sizeof *h; ++i) ptr<u8>(near_end)[i] = stream[i];
        x("restore past RAM", hc(REFHV_HC_DOMAIN_RESTORE, near_end, sizeof *h + REFHV_DOMAIN_MIN_MEM), e(REFHV_EFAULT));
        s.check("restore_validation", x.ok(), x.detail());
    }
    {
        // The same, from a domain without privilege.
        const i64 id = create("hostile", "mode=hostile");
        refhv_domain_info di{};
        const u32 st = id > 0 ? wait_exit(static_cast<u64>(id), di) : 0;
        destroy(id);
        text t;
        t << "state=" << st << " wrong answers=" << di.exit_code;
        s.check("unprivileged_domain_refused", st == REFHV_DOM_SHUTDOWN && di.exit_code == 0, t);
    }
    {
        // Fill every slot, then one more.
        i64 ids[8] = {};
        int made = 0;
        i64 last = 0;
        for (int i = 0; i < 8; ++i) {
            last = create("filler", "mode=sleep");
            if (last <= 0) break;
            ids[made++] = last;
        }
        for (int i = 0; i < made; ++i) destroy(ids[i]);
        text t;
        t << "created=" << made << " then " << last;
        s.check("domain_slots_exhausted", made == 7 && last == e(REFHV_ENOSPC), t);
    }
    {
        // Ask for more memory than there is: creation fails cleanly, no page is lost.
        i64 ids[8] = {};
        int made = 0;
        i64 last = 0;
        for (int i = 0; i < 7; ++i) {
            last = create("big", "mode=sleep", REFHV_DOMAIN_MAX_MEM);
            if (last <= 0) break;
            ids[made++] = last;
        }
        for (int i = 0; i < made; ++i) destroy(ids[i]);
        const u64 now = free_pages();
        text t;
        t << "created=" << made << " then " << last << " free=" << now << " baseline=" << baseline;
        s.check("out_of_memory_rolls_back", last == e(REFHV_ENOMEM) && now == baseline, t);
    }
    {
        const i64 id = create("hello", "mode=hello code=42");
        refhv_domain_info di{};
        const u32 st = id > 0 ? wait_exit(static_cast<u64>(id), di) : 0;
        destroy(id);
        const u64 now = free_pages();
        text t;
        t << "state=" << st << " code=" << di.exit_code << " free=" << now << " baseline=" << baseline;
        s.check("still_healthy", st == REFHV_DOM_SHUTDOWN && di.exit_code == 42 && now == baseline, t);
    }
    return s.end();
}

}  // namespace dom0
