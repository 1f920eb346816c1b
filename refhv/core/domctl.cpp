// SPDX-License-Identifier: Apache-2.0
#include "domctl.hpp"

#include "../arch/x86_64/cpu.hpp"
#include "../arch/x86_64/port.hpp"
#include "../arch/x86_64/vmcb.hpp"
#include "gmem.hpp"
#include "lib.hpp"
#include "log.hpp"
#include "mac.hpp"
#include "sched.hpp"

namespace refhv::domctl {

namespace {
static_assert(sizeof(refhv_save_header) % 8 == 0);

result<domain*> target(domain& caller, u64 domid) noexcept {
    if (domid >= invalid_domid) return fail(errc::srch);
    if (domid == caller.id) return fail(errc::inval);  // never oneself (or dom0, the only caller)
    domain* d = domains::find_live(static_cast<domid_t>(domid));
    if (d == nullptr) return fail(errc::srch);
    return d;
}

// ---- vCPU state in the save stream ------------------------------------------
refhv_segment to_abi(const arch::vmcb_segment& s) noexcept { return {s.selector, s.attrib, s.limit, s.base}; }
arch::vmcb_segment from_abi(const refhv_segment& s) noexcept {
    return {s.selector, static_cast<u16>(s.attrib & 0x0FFF), s.limit, s.base};  // attributes are 12 bits
}

void capture(domain& d, refhv_vcpu_state& v) noexcept {
    const auto& st = d.vmcb->save;
    const auto& g = d.gprs;
    const u64 gpr[16] = {st.rax, g.rcx, g.rdx, g.rbx, st.rsp, g.rbp, g.rsi, g.rdi,
                         g.r8,   g.r9,  g.r10, g.r11, g.r12, g.r13, g.r14, g.r15};
    lib::memcpy(v.gpr, gpr, sizeof gpr);
    v.rip = st.rip;
    v.rflags = st.rflags;
    v.cr0 = st.cr0;
    v.cr2 = st.cr2;
    v.cr3 = st.cr3;
    v.cr4 = st.cr4;
    v.efer = st.efer;
    v.es = to_abi(st.es);
    v.cs = to_abi(st.cs);
    v.ss = to_abi(st.ss);
    v.ds = to_abi(st.ds);
    v.fs = to_abi(st.fs);
    v.gs = to_abi(st.gs);
    v.gdtr = to_abi(st.gdtr);
    v.ldtr = to_abi(st.ldtr);
    v.idtr = to_abi(st.idtr);
    v.tr = to_abi(st.tr);
    v.star = st.star;
    v.lstar = st.lstar;
    v.cstar = st.cstar;
    v.sfmask = st.sfmask;
    v.kernel_gs_base = st.kernel_gs_base;
    v.g_pat = st.g_pat;
    v.upcall_vector = d.upcall_vector;
    v.fault_vector = d.fault_vector;
    v.pending_event = d.inject;
    sched::sync_fpu(d);
    lib::memcpy(v.fxsave, d.fpu, sizeof v.fxsave);
}

/// A restore refused for the saved vCPU state: one line naming the field, then EINVAL.
result<void> refuse(const char* field) noexcept {
    log::line("refhv: restore refused: saved vCPU ", field, " is not valid");
    return fail(errc::inval);
}

/// A saved vCPU must describe a 64-bit guest VMRUN accepts; the stream comes from dom0
/// memory, so every field is checked (a bad one would only kill the restored domain,
/// but refusing it up front gives dom0 an error instead). The FXSAVE image is different:
/// the hypervisor itself loads it with FXRSTOR, which raises #GP in the hypervisor for an
/// MXCSR bit the CPU does not support, so that check is what keeps the host alive.
result<void> check_vcpu(const refhv_vcpu_state& v) noexcept {
    using namespace arch;
    const u64 efer_ok = efer::sce | efer::lme | efer::lma | efer::nxe | efer::svme;
    if ((v.efer & ~efer_ok) != 0 || (v.efer & (efer::lme | efer::lma)) != (efer::lme | efer::lma))
        return refuse("EFER");
    if ((v.cr0 >> 32) != 0 || (v.cr0 & (cr0::pe | cr0::pg)) != (cr0::pe | cr0::pg)) return refuse("CR0");
    if ((v.cr0 & cr0::nw) != 0 && (v.cr0 & cr0::cd) == 0) return refuse("CR0 (NW without CD)");
    const u64 cr4_ok = 0x1 /*VME*/ | 0x2 /*PVI*/ | 0x4 /*TSD*/ | 0x8 /*DE*/ | cr4::pse | cr4::pae |
                       0x40 /*MCE*/ | cr4::pge | cr4::osfxsr | cr4::osxmmexcpt;
    if ((v.cr4 & ~cr4_ok) != 0 || (v.cr4 & cr4::pae) == 0) return refuse("CR4");
    if (v.cr3 >= (1ull << 52)) return refuse("CR3");
    if ((v.cs.attrib & seg_attr::long_mode_bit) != 0 && (v.cs.attrib & seg_attr::db_bit) != 0)
        return refuse("CS (L and D)");
    constexpr u64 rflags_ok = 0x00000000003F7FD7ull & ~(1ull << 17);  // architectural bits, no VM86
    if ((v.rflags & ~rflags_ok) != 0) return refuse("RFLAGS");
    // Each PAT entry is a memory type 0, 1, 4, 5, 6 or 7 (VMRUN refuses others).
    for (unsigned i = 0; i < 8; ++i) {
        const u64 type = (v.g_pat >> (8 * i)) & 0xFF;
        if (type == 2 || type == 3 || type > 7) return refuse("PAT");
    }
    auto vec_ok = [](u32 x) { return x == 0 || (x >= 32 && x <= 255); };
    if (!vec_ok(v.upcall_vector) || !vec_ok(v.fault_vector)) return refuse("event vectors");
    if (v.pending_event != 0) {
        const u64 type = v.pending_event & (7ull << 8);
        const u64 vector = v.pending_event & 0xFF;
        if ((v.pending_event & event::valid) == 0 || (v.pending_event & 0x7FFFF000ull) != 0) return refuse("pending event");
        if (type != event::type_intr && !(type == event::type_exception && vector < 32 && vector != 2))
            return refuse("pending event");
    }
    u32 mxcsr = 0;
    lib::memcpy(&mxcsr, v.fxsave + 24, sizeof mxcsr);
    if ((mxcsr & ~sched::mxcsr_mask()) != 0) {
        log::line("refhv: restore refused: saved MXCSR ", log::hex{mxcsr}, " sets bits outside the CPU's MXCSR_MASK ",
                  log::hex{sched::mxcsr_mask()}, " (FXRSTOR would fault)");
        return fail(errc::inval);
    }
    return success;
}

void load_vcpu(domain& d, const refhv_vcpu_state& v) noexcept {
    auto& st = d.vmcb->save;
    auto& g = d.gprs;
    st.rax = v.gpr[0];
    g.rcx = v.gpr[1];
    g.rdx = v.gpr[2];
    g.rbx = v.gpr[3];
    st.rsp = v.gpr[4];
    g.rbp = v.gpr[5];
    g.rsi = v.gpr[6];
    g.rdi = v.gpr[7];
    g.r8 = v.gpr[8];
    g.r9 = v.gpr[9];
    g.r10 = v.gpr[10];
    g.r11 = v.gpr[11];
    g.r12 = v.gpr[12];
    g.r13 = v.gpr[13];
    g.r14 = v.gpr[14];
    g.r15 = v.gpr[15];
    st.rip = v.rip;
    st.rflags = v.rflags | arch::rflags::fixed1;
    st.cr0 = v.cr0;
    st.cr2 = v.cr2;
    st.cr3 = v.cr3;
    st.cr4 = v.cr4;
    st.efer = v.efer | arch::efer::svme;  // VMRUN requires it
    st.es = from_abi(v.es);
    st.cs = from_abi(v.cs);
    st.ss = from_abi(v.ss);
    st.ds = from_abi(v.ds);
    st.fs = from_abi(v.fs);
    st.gs = from_abi(v.gs);
    st.gdtr = from_abi(v.gdtr);
    st.ldtr = from_abi(v.ldtr);
    st.idtr = from_abi(v.idtr);
    st.tr = from_abi(v.tr);
    st.cpl = static_cast<u8>((st.ss.attrib >> 5) & 3);
    st.star = v.star;
    st.lstar = v.lstar;
    st.cstar = v.cstar;
    st.sfmask = v.sfmask;
    st.kernel_gs_base = v.kernel_gs_base;
    st.g_pat = v.g_pat;
    d.upcall_vector = static_cast<u8>(v.upcall_vector);
    d.fault_vector = static_cast<u8>(v.fault_vector);
    d.inject = v.pending_event;
    lib::memcpy(d.fpu, v.fxsave, sizeof d.fpu);  // MXCSR checked against the CPU's mask (check_vcpu)
}

u8 g_zero_page[page_size];

// ---- admission: what create and restore share ---------------------------------------
/// A new domain's memory size (create's request, restore's stream header): page-aligned,
/// between the ABI's minimum and maximum.
bool valid_mem_bytes(u64 mem_bytes) noexcept {
    return mem_bytes >= REFHV_DOMAIN_MIN_MEM && mem_bytes <= REFHV_DOMAIN_MAX_MEM && page_aligned(mem_bytes);
}
/// A new domain's names: a valid label name, a command line terminated within its field.
template <usize L, usize C>
result<void> check_names(const char (&label)[L], const char (&cmdline)[C]) noexcept {
    if (!valid_label(label, L)) return fail(errc::inval);
    if (bounded_strlen(cmdline, C) == C) return fail(errc::inval);
    return success;
}

/// The hook that admits a new domain: mac::domain_create or mac::domain_restore.
using admission_hook = result<mac::decision> (*)(domid_t subject, domid_t dom, const char* label) noexcept;

/// Admission, shared by create and restore once the request is validated: a free slot, the
/// next id, the ACM's decision under `hook` (it assigns the label; a deny is EACCES), then the
/// domain's memory and VMCB. A failed build gives the ACM's admission back, so a refusal at
/// any step leaves nothing behind. The domain is built but not started.
result<domain*> admit(domain& caller, const char* label, const char* cmdline, u64 mem_bytes,
                      admission_hook hook) noexcept {
    if (!domains::has_free_slot()) return fail(errc::nospc);
    const domid_t id = domains::next_id();
    REFHV_TRY(mac::enforce(hook(caller.id, id, label)));
    auto built = domains::build({id, label, cmdline, mem_bytes, false});
    if (!built) {
        mac::domain_destroy(id);
        return fail(built.error());
    }
    return built.value();
}
}  // namespace

bool valid_label(const char* s, usize cap) noexcept {
    const usize n = bounded_strlen(s, cap);
    if (n == 0 || n == cap) return false;
    for (usize i = 0; i < n; ++i)
        if (s[i] <= 0x20 || s[i] >= 0x7F) return false;
    return true;
}

result<void> check_image(const refhv_image_header& h, u64 image_size, u64 mem_bytes) noexcept {
    if (h.magic != REFHV_IMAGE_MAGIC || (h.abi_version >> 16) != REFHV_ABI_MAJOR) return fail(errc::noexec);
    if (h.load_gpa != REFHV_GUEST_LOAD_GPA) return fail(errc::noexec);
    if (h.file_size < sizeof h || h.file_size > image_size || h.mem_size < h.file_size) return fail(errc::noexec);
    if (mem_bytes < guest_stack_reserve || h.mem_size > REFHV_IMAGE_MAX ||
        REFHV_GUEST_LOAD_GPA + h.mem_size > mem_bytes - guest_stack_reserve)
        return fail(errc::inval);
    if (h.entry < REFHV_GUEST_LOAD_GPA + sizeof h || h.entry >= REFHV_GUEST_LOAD_GPA + h.file_size)
        return fail(errc::noexec);
    return success;
}

result<u64> create(domain& caller, u64 req_gpa) noexcept {
    // Decode.
    refhv_domain_create req;
    REFHV_TRY(gmem::read_obj(caller, req, req_gpa));
    // Validate.
    if (req.flags != 0 || req.reserved != 0) return fail(errc::inval);
    REFHV_TRY(check_names(req.label, req.cmdline));
    if (!valid_mem_bytes(req.mem_bytes)) return fail(errc::inval);
    if (req.image_size > REFHV_IMAGE_MAX) return fail(errc::too_big);
    if (req.image_size < sizeof(refhv_image_header)) return fail(errc::noexec);
    REFHV_TRY(gmem::check(caller, req.image_gpa, req.image_size));
    refhv_image_header h;
    REFHV_TRY(gmem::read_obj(caller, h, req.image_gpa));
    REFHV_TRY(check_image(h, req.image_size, req.mem_bytes));
    // Admit: the ACM assigns the label (and may refuse, e.g. a Chinese Wall conflict).
    auto admitted = admit(caller, req.label, req.cmdline, req.mem_bytes, mac::domain_create);
    if (!admitted) return fail(admitted.error());
    // Perform.
    domain& d = *admitted.value();
    const domid_t id = d.id;
    (void)gmem::copy(d, REFHV_GUEST_LOAD_GPA, caller, req.image_gpa, h.file_size);  // both ranges checked
    domains::start(d, h.entry, REFHV_GUEST_LOAD_GPA + h.mem_size);
    log::line("refhv: d", log::dec{caller.id}, " created d", log::dec{id}, " label ", d.label, " mem ",
              log::dec{req.mem_bytes >> 10}, " KiB");
    return id;
}

result<u64> destroy(domain& caller, u64 domid) noexcept {
    if (domid >= invalid_domid) return fail(errc::srch);
    if (domid == caller.id || domid == dom0) return fail(errc::inval);
    domain* d = domains::find(static_cast<domid_t>(domid));
    if (d == nullptr) return fail(errc::srch);
    domains::reap(*d);
    return 0;
}

result<u64> info(domain& caller, u64 domid, u64 out_gpa) noexcept {
    if (domid >= invalid_domid) return fail(errc::srch);
    const domain* d = domains::find(static_cast<domid_t>(domid));
    if (d == nullptr) return fail(errc::srch);
    refhv_domain_info di{};
    di.domid = d->id;
    di.state = d->alive() ? REFHV_DOM_RUNNING
               : d->exit_reason == REFHV_EXIT_SHUTDOWN ? REFHV_DOM_SHUTDOWN
                                                        : REFHV_DOM_KILLED;
    di.exit_reason = d->exit_reason;
    di.exit_code = d->exit_code;
    di.fault_gpa = d->fault_gpa;
    di.fault_rip = d->fault_rip;
    di.mem_bytes = d->mem_bytes;
    di.generation = d->generation;
    lib::strlcpy(di.label, d->label, sizeof di.label);
    REFHV_TRY(gmem::write_obj(caller, out_gpa, di));
    return 0;
}

result<u64> save(domain& caller, u64 domid, u64 buf_gpa, u64 buf_size) noexcept {
    auto t = target(caller, domid);
    if (!t) return fail(t.error());
    domain& d = *t.value();
    const u64 needed = sizeof(refhv_save_header) + d.mem_bytes;
    if (buf_size < needed) return fail(errc::range);
    REFHV_TRY(gmem::check(caller, buf_gpa, needed));
    REFHV_TRY(mac::enforce(mac::domain_save(caller.id, d.id)));

    refhv_save_header h{};
    h.magic = REFHV_SAVE_MAGIC;
    h.version = REFHV_SAVE_VERSION;
    h.header_size = sizeof h;
    h.mem_bytes = d.mem_bytes;
    h.generation = d.generation;
    lib::strlcpy(h.label, d.label, sizeof h.label);
    lib::strlcpy(h.cmdline, d.cmdline, sizeof h.cmdline);
    capture(d, h.vcpu);
    (void)gmem::write_obj(caller, buf_gpa, h);
    const u64 pages_at = buf_gpa + sizeof h;
    (void)gmem::write(caller, pages_at, g_zero_page, page_size);  // page 0 is never mapped
    for (u64 gpa = page_size; gpa < d.mem_bytes; gpa += page_size)
        (void)gmem::copy(caller, pages_at + gpa, d, gpa, page_size);

    log::line("refhv: d", log::dec{caller.id}, " saved d", log::dec{d.id}, " (", log::dec{needed}, " bytes)");
    // The saved domain stops running here; its channels and grants are closed.
    d.exit_reason = REFHV_EXIT_DESTROYED;
    domains::release(d);
    d.state = dom_state::dead;
    domains::reap(d);
    return needed;
}

result<u64> restore(domain& caller, u64 buf_gpa, u64 size) noexcept {
    // Decode and validate the whole stream before building anything.
    refhv_save_header h;
    if (size < sizeof h) return fail(errc::inval);
    REFHV_TRY(gmem::read_obj(caller, h, buf_gpa));
    if (h.magic != REFHV_SAVE_MAGIC || h.version != REFHV_SAVE_VERSION || h.header_size != sizeof h)
        return fail(errc::inval);
    if (!valid_mem_bytes(h.mem_bytes)) return fail(errc::inval);
    if (size != sizeof h + h.mem_bytes) return fail(errc::inval);
    REFHV_TRY(gmem::check(caller, buf_gpa, size));
    REFHV_TRY(check_names(h.label, h.cmdline));
    REFHV_TRY(check_vcpu(h.vcpu));
    // Admit: a restore is a new start, checked like a create.
    auto admitted = admit(caller, h.label, h.cmdline, h.mem_bytes, mac::domain_restore);
    if (!admitted) return fail(admitted.error());

    domain& d = *admitted.value();
    const domid_t id = d.id;
    const u64 pages_at = buf_gpa + sizeof h;
    for (u64 gpa = page_size; gpa < h.mem_bytes; gpa += page_size)
        (void)gmem::copy(d, gpa, caller, pages_at + gpa, page_size);
    // The hypervisor-owned facts in start info are rewritten, not trusted from the stream.
    d.generation = h.generation + 1;
    refhv_start_info& si = *d.start;
    si.magic = REFHV_START_MAGIC;
    si.abi_version = REFHV_ABI_VERSION;
    si.domid = id;
    si.flags = 0;
    si.mem_bytes = h.mem_bytes;
    si.generation = d.generation;
    lib::strlcpy(si.label, d.label, sizeof si.label);
    // Channels did not survive the save: drop their pending bits.
    d.shared->evtchn_pending = 0;
    d.shared->upcall_pending = 0;
    d.shared->virq_pending = 0;
    load_vcpu(d, h.vcpu);
    d.state = dom_state::runnable;
    log::line("refhv: d", log::dec{caller.id}, " restored d", log::dec{id}, " label ", d.label, " generation ",
              log::dec{d.generation});
    return id;
}

}  // namespace refhv::domctl
