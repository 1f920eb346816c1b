// SPDX-License-Identifier: Apache-2.0
#include "domain.hpp"

#include <new>

#include "../arch/x86_64/cpu.hpp"
#include "../arch/x86_64/npt.hpp"
#include "../arch/x86_64/port.hpp"
#include "../arch/x86_64/svm.hpp"
#include "evtchn.hpp"
#include "gmem.hpp"
#include "grant.hpp"
#include "lib.hpp"
#include "log.hpp"
#include "mac.hpp"
#include "page_alloc.hpp"
#include "resource.hpp"
#include "sched.hpp"

namespace refhv::domains {

namespace {
domain g_domains[max_domains];
domid_t g_next_id = 1;  // dom0 is built explicitly with id 0

const char* reason_name(u32 r) noexcept {
    switch (r) {
    case REFHV_EXIT_SHUTDOWN: return "shutdown";
    case REFHV_EXIT_NPF: return "nested page fault outside its memory";
    case REFHV_EXIT_TRIPLE_FAULT: return "triple fault";
    case REFHV_EXIT_VMRUN_FAILED: return "VMRUN refused its state";
    case REFHV_EXIT_UNHANDLED: return "unhandled VM exit";
    case REFHV_EXIT_DESTROYED: return "destroyed";
    default: return "?";
    }
}

/// Identity map of guest-physical 0..2 GiB with 2 MiB pages, in the guest's own memory.
void write_guest_page_tables(domain& d) noexcept {
    constexpr u64 pml4 = REFHV_GUEST_PT_GPA, pdpt = pml4 + 0x1000, pd0 = pml4 + 0x2000;
    constexpr u64 p_rw = 0x3, p_rw_ps = 0x83;
    auto* t4 = reinterpret_cast<u64*>(gmem::own(d, pml4));
    auto* t3 = reinterpret_cast<u64*>(gmem::own(d, pdpt));
    t4[0] = pdpt | p_rw;
    for (u64 i = 0; i < 2; ++i) {
        t3[i] = (pd0 + i * 0x1000) | p_rw;
        auto* t2 = reinterpret_cast<u64*>(gmem::own(d, pd0 + i * 0x1000));
        for (u64 j = 0; j < 512; ++j) t2[j] = ((i << 30) + (j << 21)) | p_rw_ps;
    }
}

/// Power-on x87/SSE state in FXSAVE format: FCW = 0x37F, MXCSR = 0x1F80.
void init_fpu(domain& d) noexcept {
    lib::memset(d.fpu, 0, sizeof d.fpu);
    d.fpu[0] = 0x7F;
    d.fpu[1] = 0x03;
    d.fpu[24] = 0x80;
    d.fpu[25] = 0x1F;
}
}  // namespace

void init() noexcept {
    for (auto& d : g_domains) new (&d) domain{};
    g_next_id = 1;
}

domain* find(domid_t id) noexcept {
    if (id == invalid_domid) return nullptr;
    for (auto& d : g_domains)
        if (d.state != dom_state::free && d.id == id) return &d;
    return nullptr;
}

domain* find_live(domid_t id) noexcept {
    domain* d = find(id);
    return d != nullptr && d->alive() ? d : nullptr;
}

domain* slot(unsigned i) noexcept { return i < max_domains ? &g_domains[i] : nullptr; }

unsigned count() noexcept {
    unsigned n = 0;
    for (const auto& d : g_domains)
        if (d.state != dom_state::free) ++n;
    return n;
}

bool has_free_slot() noexcept { return count() < max_domains; }

domid_t next_id() noexcept {
    // Ids are reused only after domid_limit creations, and never while a slot holds them.
    for (;;) {
        if (g_next_id >= domid_limit) g_next_id = 1;
        if (find(g_next_id) == nullptr) return g_next_id++;
        ++g_next_id;
    }
}

result<domain*> build(const build_params& p) noexcept {
    domain* d = nullptr;
    unsigned index = 0;
    for (unsigned i = 0; i < max_domains; ++i) {
        if (g_domains[i].state == dom_state::free) {
            d = &g_domains[i];
            index = i;
            break;
        }
    }
    if (d == nullptr) return fail(errc::nospc);

    new (d) domain{};
    d->id = p.id;
    d->privileged = p.privileged;
    d->mem_bytes = p.mem_bytes;
    lib::strlcpy(d->label, p.label, sizeof d->label);
    lib::strlcpy(d->cmdline, p.cmdline, sizeof d->cmdline);

    auto undo = [d]() noexcept {
        if (d->npt_root != 0) arch::npt::destroy(d->npt_root);
        if (d->vmcb_pa != 0) pages::free(d->vmcb_pa);
        new (d) domain{};
    };

    d->vmcb_pa = pages::alloc();
    const auto root = arch::npt::create();
    if (d->vmcb_pa == 0 || !root) {
        if (root) arch::npt::destroy(root.value());
        undo();
        return fail(errc::nomem);
    }
    d->npt_root = root.value();
    d->vmcb = static_cast<arch::vmcb*>(arch::phys_to_virt(d->vmcb_pa));

    // Guest RAM: every page from 0x1000 to mem_bytes, owned. Page 0 stays unmapped.
    for (u64 gpa = page_size; gpa < p.mem_bytes; gpa += page_size) {
        const u64 hpa = pages::alloc();
        if (hpa == 0) {
            undo();
            return fail(errc::nomem);
        }
        if (!arch::npt::map(d->npt_root, gpa, hpa, arch::npt::writable | arch::npt::sw_owned)) {
            pages::free(hpa);
            undo();
            return fail(errc::nomem);
        }
    }

    // The grant window's tables exist from the start: mapping a grant never allocates.
    static_assert(REFHV_GRANT_WINDOW_PAGES <= 512 && (REFHV_GRANT_WINDOW_GPA & 0x1FFFFF) == 0);
    if (!arch::npt::prepare(d->npt_root, REFHV_GRANT_WINDOW_GPA)) {
        undo();
        return fail(errc::nomem);
    }

    d->start = reinterpret_cast<refhv_start_info*>(gmem::own(*d, REFHV_START_INFO_GPA));
    d->shared = reinterpret_cast<refhv_shared_info*>(gmem::own(*d, REFHV_SHARED_INFO_GPA));
    refhv_start_info& si = *d->start;
    si.magic = REFHV_START_MAGIC;
    si.abi_version = REFHV_ABI_VERSION;
    si.domid = d->id;
    si.flags = p.privileged ? REFHV_SIF_PRIVILEGED : 0;
    si.mem_bytes = p.mem_bytes;
    lib::strlcpy(si.label, d->label, sizeof si.label);
    lib::strlcpy(si.cmdline, d->cmdline, sizeof si.cmdline);
    write_guest_page_tables(*d);

    for (auto& port : d->ports) port = evtchn_port{};
    d->ports[0].state = REFHV_EVTCHN_RESERVED;
    init_fpu(*d);

    const bool nx = (arch::port::cpuid(0x80000001, 0).edx & arch::cpuid_bits::edx_nx) != 0;
    arch::svm::init_guest_vmcb(*d->vmcb, arch::svm::guest_setup{d->npt_root, index + 1, 0,
                                                               p.mem_bytes, REFHV_GUEST_PT_GPA, nx});
    d->state = dom_state::paused;
    return d;
}

void start(domain& d, u64 entry, u64 free_start) noexcept {
    d.vmcb->save.rip = entry;
    d.gprs.rdi = REFHV_START_INFO_GPA;
    d.start->free_gpa_start = page_align_up(free_start);
    d.start->free_gpa_end = d.mem_bytes - guest_stack_reserve;
    d.state = dom_state::runnable;
}

result<void> write_mem(domain& d, u64 gpa, const void* src, u64 len) noexcept {
    return gmem::write(d, gpa, src, len);
}

void release(domain& d) noexcept {
    console_flush(d);
    evtchn::close_all(d);
    grant::release_all(d);
    resource::release_all(d);
    // Nothing of other domains may still name this id: a later domain given it after the
    // ids wrap must inherit no port, grant or queued connection (Xen names domains by id too).
    evtchn::forget_domain(d.id);
    grant::forget_domain(d.id);
    resource::forget_client(d.id);
    sched::forget(d);
    if (d.npt_root != 0) arch::npt::destroy(d.npt_root);
    if (d.vmcb_pa != 0) pages::free(d.vmcb_pa);
    d.npt_root = 0;
    d.vmcb_pa = 0;
    d.vmcb = nullptr;
    d.start = nullptr;
    d.shared = nullptr;
    mac::domain_destroy(d.id);
}

void finish(domain& d, u32 reason, i32 code) noexcept {
    if (!d.alive()) return;
    d.exit_reason = reason;
    d.exit_code = code;
    release(d);
    d.state = dom_state::dead;
    if (reason == REFHV_EXIT_SHUTDOWN)
        log::line("refhv: d", log::dec{d.id}, " shut down, code ", log::sdec{code});
    else if (reason != REFHV_EXIT_DESTROYED)
        log::line("refhv: d", log::dec{d.id}, " killed: ", reason_name(reason));

    if (d.id == dom0) {
        const bool ok = reason == REFHV_EXIT_SHUTDOWN && code == 0;
        log::line("refhv: dom0 ", ok ? "finished" : "failed", "; exiting with ",
                  ok ? "success" : "failure");
        system_exit(ok ? REFHV_QEMU_EXIT_SUCCESS : REFHV_QEMU_EXIT_FAILURE);
    }
    if (domain* d0 = find_live(dom0)) evtchn::raise_virq(*d0, REFHV_VIRQ_DOMAIN_EXIT);
}

void kill(domain& d, u32 reason, u64 fault_gpa) noexcept {
    d.fault_gpa = fault_gpa;
    d.fault_rip = d.vmcb != nullptr ? d.vmcb->save.rip : 0;
    log::line("refhv: d", log::dec{d.id}, " fault: reason ", log::dec{reason}, " rip ",
              log::hex{d.fault_rip}, " gpa ", log::hex{fault_gpa});
    finish(d, reason, -1);
}

void reap(domain& d) noexcept {
    if (d.alive()) finish(d, REFHV_EXIT_DESTROYED, 0);
    new (&d) domain{};
}

void console_flush(domain& d) noexcept {
    if (d.con_len == 0) return;
    if (d.id != dom0) {
        // Other domains are prefixed, so only dom0 can print the test protocol.
        log::put("[d");
        log::put(log::dec{d.id});
        log::put("] ");
    }
    log::sink(d.con, d.con_len);
    log::put('\n');
    d.con_len = 0;
}

void console_put(domain& d, const char* s, usize n) noexcept {
    for (usize i = 0; i < n; ++i) {
        char c = s[i];
        if (c == '\n') {
            if (d.con_len == 0) {
                d.con[d.con_len++] = ' ';  // keep empty lines visible but harmless
            }
            console_flush(d);
            continue;
        }
        if (c == '\r') continue;
        if ((c < 0x20 && c != '\t') || c == 0x7F) c = '?';  // no terminal control from guests
        d.con[d.con_len++] = c;
        if (d.con_len == sizeof d.con) console_flush(d);
    }
}

}  // namespace refhv::domains
