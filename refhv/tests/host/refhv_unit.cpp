// SPDX-License-Identifier: Apache-2.0
// Host unit tests for refhv: the exit decoder, nested page tables, guest-memory checks,
// domains, event channels, grants and revocation, save/restore and hypercall validation,
// linked against a fake arch::port (fake_port.cpp). "Physical" memory is a host arena
// that the page allocator manages; the hypervisor's identity map makes pointers work.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../../arch/x86_64/cpu.hpp"
#include "../../arch/x86_64/exit.hpp"
#include "../../arch/x86_64/npt.hpp"
#include "../../arch/x86_64/svm.hpp"
#include "../../core/attest.hpp"
#include "../../core/boot.hpp"
#include "../../core/domain.hpp"
#include "../../core/evtchn.hpp"
#include "../../core/gmem.hpp"
#include "../../core/grant.hpp"
#include "../../core/hypercall.hpp"
#include "../../core/invariants.hpp"
#include "../../core/mac.hpp"
#include "../../core/page_alloc.hpp"
#include "../../core/resource.hpp"
#include "../../core/sched.hpp"
#include "../../core/vcpu.hpp"
#include "check.hpp"
#include "fake_port.hpp"

#include <shype/detail/policy_format.hpp>
#include <shype/detail/xxh64.hpp>
#include <shype/policy_view.hpp>

using namespace refhv;

// ---- a minimal harness ---------------------------------------------------------------
namespace {
struct test_case {
    const char* name;
    void (*fn)();
};
std::vector<test_case>& registry() {
    static std::vector<test_case> r;
    return r;
}
struct registrar {
    registrar(const char* n, void (*f)()) { registry().push_back({n, f}); }
};
}  // namespace

#define TEST(name)                                   \
    static void name();                              \
    static const registrar reg_##name(#name, name); \
    static void name()
#define CHECK_EQ(a, b)                                                                               \
    do {                                                                                             \
        ++g_checks;                                                                                  \
        const auto va_ = (a);                                                                        \
        const auto vb_ = (b);                                                                        \
        if (!(va_ == vb_)) {                                                                         \
            ++g_failures;                                                                            \
            std::printf("  %s:%d: CHECK_EQ(%s, %s) failed: %" PRId64 " != %" PRId64 "\n", __FILE__, \
                        __LINE__, #a, #b, static_cast<std::int64_t>(va_), static_cast<std::int64_t>(vb_)); \
        }                                                                                            \
    } while (false)

// ---- environment ------------------------------------------------------------------------
namespace {
constexpr u64 arena_bytes = 96ull << 20;
u8* g_arena = nullptr;

/// A policy compiled at build time by `shype compile` (refhv/tests/policies/).
std::vector<u8> policy_file(const char* name) {
    const std::string path = std::string(REFHV_POLICY_DIR) + "/" + name;
    std::vector<u8> bytes;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
        int c;
        while ((c = std::fgetc(f)) != EOF) bytes.push_back(static_cast<u8>(c));
        std::fclose(f);
    }
    if (bytes.empty()) {
        std::printf("cannot read %s\n", path.c_str());
        std::abort();
    }
    return bytes;
}

/// Load a policy as dom0 would; returns what POLICY_LOAD returns.
i64 load(const std::vector<u8>& bytes, u32 flags = 0) {
    refhv_policy_result r{};
    const auto x = mac::policy_load(dom0, view<const u8>{bytes.data(), bytes.size()}, flags, r);
    return x ? static_cast<i64>(x.value()) : -static_cast<i64>(x.error());
}

void reset_hypervisor() {
    if (g_arena == nullptr) g_arena = static_cast<u8*>(std::aligned_alloc(page_size, arena_bytes));
    pages::init(reinterpret_cast<u64>(g_arena), reinterpret_cast<u64>(g_arena) + arena_bytes);
    static const std::vector<u8> boot = policy_file("test.bin");
    char why[128] = "";
    if (!mac::init(view<const u8>{boot.data(), boot.size()}, why, sizeof why)) {
        std::printf("boot policy refused: %s\n", why);
        std::abort();
    }
    mac::set_revocation_hooks({evtchn::revoke, grant::revoke_by_policy, resource::revoke, resource::rename_labels});
    domains::init();
    resource::init();
    sched::init();
    fake::console.clear();
}

domain& make_domain(domid_t id, bool privileged, u64 mem = REFHV_DOMAIN_MIN_MEM, const char* label = "dom0") {
    if (id == dom0) (void)mac::domain_create(mac::hypervisor, id, label);
    auto r = domains::build({id, label, "", mem, privileged});
    if (!r) {
        std::printf("cannot build domain %u: %d\n", id, static_cast<int>(r.error()));
        std::abort();
    }
    domains::start(*r.value(), REFHV_GUEST_LOAD_GPA + 64, REFHV_GUEST_LOAD_GPA + 0x10000);
    return *r.value();
}

/// A guest domain created the way dom0 does it (ids from next_id()).
domain& make_domu(const char* label = "domu") {
    const domid_t id = domains::next_id();
    (void)mac::domain_create(dom0, id, label);
    return make_domain(id, false, REFHV_DOMAIN_MIN_MEM, label);
}

/// Tear down dom0 without ending the "run" (finish() on dom0 would call system_exit).
void drop_dom0(domain& d0) {
    domains::release(d0);
    d0 = domain{};
}

constexpr i64 no_value = 0x7777777777777777;
i64 call(domain& d, u64 op, u64 a0 = 0, u64 a1 = 0, u64 a2 = 0, u64 a3 = 0, u64 a4 = 0) {
    arch::request r;
    r.kind = arch::request_kind::hypercall;
    r.hypercall.op = op;
    r.hypercall.arg[0] = a0;
    r.hypercall.arg[1] = a1;
    r.hypercall.arg[2] = a2;
    r.hypercall.arg[3] = a3;
    r.hypercall.arg[4] = a4;
    const auto o = hypercall::dispatch(d, r);
    return o.set ? static_cast<i64>(o.rax) : no_value;
}
constexpr i64 e(int v) { return -static_cast<i64>(v); }
u64 window(u64 slot) { return REFHV_GRANT_WINDOW_GPA + slot * page_size; }
}  // namespace

// ---- exit decoding ------------------------------------------------------------------------
TEST(decode_vmmcall) {
    static arch::vmcb v{};
    arch::guest_gprs g{};
    v.control.exitcode = arch::exitcode::vmmcall;
    v.save.rax = 34;
    g.rdi = 1;
    g.rsi = 2;
    g.rdx = 3;
    g.r10 = 4;
    g.r8 = 5;
    const auto r = arch::decode_exit(v, g);
    CHECK(r.kind == arch::request_kind::hypercall);
    CHECK_EQ(r.insn_len, 3);
    CHECK_EQ(r.hypercall.op, 34u);
    CHECK(r.hypercall.arg[0] == 1 && r.hypercall.arg[1] == 2 && r.hypercall.arg[2] == 3 &&
          r.hypercall.arg[3] == 4 && r.hypercall.arg[4] == 5);
    CHECK(!r.pending_event);
}

TEST(decode_npf_and_io) {
    static arch::vmcb v{};
    arch::guest_gprs g{};
    v.control.exitcode = arch::exitcode::npf;
    v.control.exitinfo1 = 0x3 | (1ull << 33);  // present, write, during a guest walk
    v.control.exitinfo2 = 0x40001008;
    auto r = arch::decode_exit(v, g);
    CHECK(r.kind == arch::request_kind::nested_page_fault);
    CHECK(r.npf.present && r.npf.write && !r.npf.fetch && r.npf.in_walk);
    CHECK_EQ(r.npf.gpa, 0x40001008u);

    v.control.exitcode = arch::exitcode::ioio;
    v.control.exitinfo1 = (0xF4ull << 16) | (1u << 6);  // OUT dword to 0xf4
    v.control.exitinfo2 = 0x100123;
    r = arch::decode_exit(v, g);
    CHECK(r.kind == arch::request_kind::io);
    CHECK(r.io.port == 0xF4 && r.io.size == 4 && !r.io.in && !r.io.string && !r.io.rep);
    CHECK_EQ(r.io.next_rip, 0x100123u);
    v.control.exitinfo1 = (0x3F8ull << 16) | (1u << 4) | 1 | (1u << 2) | (1u << 3);  // REP INSB
    r = arch::decode_exit(v, g);
    CHECK(r.io.port == 0x3F8 && r.io.size == 1 && r.io.in && r.io.string && r.io.rep);
}

TEST(decode_other_exits) {
    static arch::vmcb v{};
    arch::guest_gprs g{};
    g.rcx = 0xC0000080;
    v.save.rax = 0x80000001;
    struct {
        u64 code;
        arch::request_kind kind;
    } cases[] = {
        {arch::exitcode::cpuid, arch::request_kind::cpuid},
        {arch::exitcode::msr, arch::request_kind::msr},
        {arch::exitcode::intr, arch::request_kind::interrupt},
        {arch::exitcode::hlt, arch::request_kind::halt},
        {arch::exitcode::shutdown, arch::request_kind::shutdown},
        {arch::exitcode::vmrun, arch::request_kind::svm_instruction},
        {arch::exitcode::clgi, arch::request_kind::svm_instruction},
        {arch::exitcode::xsetbv, arch::request_kind::xsetbv},
        {arch::exitcode::wbinvd, arch::request_kind::cache_flush},
        {0x21, arch::request_kind::debug_register},
        {arch::exitcode::invalid, arch::request_kind::vmrun_failed},
        {0x1234, arch::request_kind::unhandled},
        {0x50, arch::request_kind::unhandled},  // an exception we never intercept
    };
    for (const auto& c : cases) {
        v.control.exitcode = c.code;
        CHECK(arch::decode_exit(v, g).kind == c.kind);
    }
    v.control.exitcode = arch::exitcode::cpuid;
    auto r = arch::decode_exit(v, g);
    CHECK(r.cpuid.leaf == 0x80000001 && r.insn_len == 2);
    v.control.exitcode = arch::exitcode::msr;
    v.control.exitinfo1 = 1;
    r = arch::decode_exit(v, g);
    CHECK(r.msr.index == 0xC0000080 && r.msr.write);
    // An event interrupted by the exit must come back for re-injection.
    v.control.exitintinfo = arch::event::interrupt(0xF0);
    r = arch::decode_exit(v, g);
    CHECK(r.pending_event && r.exitintinfo == arch::event::interrupt(0xF0));
}

// ---- nested paging and memory --------------------------------------------------------------
TEST(npt_map_unmap_destroy) {
    reset_hypervisor();
    const u64 before = pages::free_count();
    const u64 root = arch::npt::create().value();
    const u64 page = pages::alloc();
    CHECK(arch::npt::map(root, 0x5000, page, arch::npt::writable | arch::npt::sw_owned).ok());
    const u64 e = arch::npt::lookup(root, 0x5000);
    CHECK_EQ(e & arch::npt::addr_mask, page);
    CHECK((e & arch::npt::user) != 0);  // nested walks are user accesses
    CHECK(arch::npt::map(root, 0x5000, page, 0).error() == errc::busy);
    CHECK(arch::npt::map(root, 0x5008, page, 0).error() == errc::inval);
    CHECK(arch::npt::map(root, arch::npt::max_gpa, page, 0).error() == errc::inval);
    CHECK_EQ(arch::npt::lookup(root, 0x6000), 0u);
    CHECK_EQ(arch::npt::lookup(root, ~0ull & ~page_mask), 0u);
    const u64 g = pages::alloc();
    CHECK(arch::npt::map(root, 0x40000000, g, arch::npt::sw_grant).ok());
    CHECK_EQ(arch::npt::unmap(root, 0x40000000) & arch::npt::addr_mask, g);
    CHECK_EQ(arch::npt::unmap(root, 0x40000000), 0u);
    pages::free(g);
    arch::npt::destroy(root);  // frees the owned page and every table
    CHECK_EQ(pages::free_count(), before);
}

TEST(guest_memory_ranges) {
    reset_hypervisor();
    domain& d = make_domain(dom0, true);
    CHECK(gmem::own(d, 0) == nullptr);                 // page 0 is never mapped
    CHECK(gmem::own(d, d.mem_bytes) == nullptr);
    CHECK(gmem::own(d, window(0)) == nullptr);
    CHECK(gmem::own(d, 0x1000) != nullptr);
    CHECK(gmem::check(d, 0xFFF, 2).error() == errc::fault);
    CHECK(gmem::check(d, d.mem_bytes - 1, 2).error() == errc::fault);
    CHECK(gmem::check(d, ~0ull - 1, 4).error() == errc::fault);
    CHECK(gmem::check(d, 0, 0).ok());
    u8 in[6000], out[6000];
    for (usize i = 0; i < sizeof in; ++i) in[i] = static_cast<u8>(i * 7);
    CHECK(gmem::write(d, 0x10F00, in, sizeof in).ok());  // spans two page boundaries
    CHECK(gmem::read(d, out, 0x10F00, sizeof out).ok());
    CHECK(std::memcmp(in, out, sizeof in) == 0);
    // A failing write changes nothing.
    u8 before[16];
    CHECK(gmem::read(d, before, d.mem_bytes - 16, 16).ok());
    CHECK(gmem::write(d, d.mem_bytes - 16, in, 32).error() == errc::fault);
    CHECK(gmem::read(d, out, d.mem_bytes - 16, 16).ok());
    CHECK(std::memcmp(before, out, 16) == 0);
}

TEST(domain_layout_and_vmcb) {
    reset_hypervisor();
    const u64 before = pages::free_count();
    domain& d = make_domain(dom0, true);
    const refhv_start_info& si = *d.start;
    CHECK(si.magic == REFHV_START_MAGIC && si.domid == 0 && (si.flags & REFHV_SIF_PRIVILEGED) != 0);
    CHECK_EQ(si.free_gpa_end, d.mem_bytes - guest_stack_reserve);
    CHECK(reinterpret_cast<u8*>(d.shared) == gmem::own(d, REFHV_SHARED_INFO_GPA));
    const auto* pml4 = reinterpret_cast<const u64*>(gmem::own(d, REFHV_GUEST_PT_GPA));
    CHECK_EQ(pml4[0] & ~0xFFFull, REFHV_GUEST_PT_GPA + 0x1000);
    const auto* pd1 = reinterpret_cast<const u64*>(gmem::own(d, REFHV_GUEST_PT_GPA + 0x3000));
    CHECK_EQ(pd1[0], 0x40000000ull | 0x83);  // the grant window is reachable by the guest
    const auto& c = d.vmcb->control;
    CHECK((c.intercept_misc1 & arch::svm::required_misc1) == arch::svm::required_misc1);
    CHECK((c.intercept_misc2 & arch::intercept2::vmrun) != 0);
    CHECK(c.np_control == 1 && c.n_cr3 == d.npt_root && c.guest_asid != 0);
    CHECK((c.int_ctl & arch::v_intr_masking) != 0);
    const auto& st = d.vmcb->save;
    CHECK((st.efer & (arch::efer::svme | arch::efer::lme | arch::efer::lma)) ==
          (arch::efer::svme | arch::efer::lme | arch::efer::lma));
    CHECK((st.cs.attrib & arch::seg_attr::long_mode_bit) != 0 && (st.cs.attrib & arch::seg_attr::db_bit) == 0);
    CHECK_EQ(st.rsp, d.mem_bytes);
    CHECK_EQ(d.gprs.rdi, REFHV_START_INFO_GPA);
    drop_dom0(d);
    CHECK_EQ(pages::free_count(), before);
}

// ---- hypercalls ---------------------------------------------------------------------------
TEST(domain_create_from_dom0_image) {
    reset_hypervisor();
    const u64 baseline = pages::free_count();
    domain& d0 = make_domain(dom0, true, 8ull << 20);
    const u64 after_dom0 = pages::free_count();
    // An image in dom0's memory: header, then a recognisable pattern.
    refhv_image_header h{REFHV_IMAGE_MAGIC, REFHV_ABI_VERSION, REFHV_GUEST_LOAD_GPA + 0x40, REFHV_GUEST_LOAD_GPA,
                         0x1000, 0x3000};
    CHECK(gmem::write_obj(d0, 0x200000, h).ok());
    const char pattern[] = "refhv-image-body";
    CHECK(gmem::write(d0, 0x200100, pattern, sizeof pattern).ok());
    refhv_domain_create req{};
    req.image_gpa = 0x200000;
    req.image_size = 0x1000;
    req.mem_bytes = REFHV_DOMAIN_MIN_MEM;
    std::strcpy(req.label, "hello");
    std::strcpy(req.cmdline, "mode=x");
    CHECK(gmem::write_obj(d0, 0x300000, req).ok());
    const i64 id = call(d0, REFHV_HC_DOMAIN_CREATE, 0x300000);
    CHECK(id > 0);
    domain* d = domains::find(static_cast<domid_t>(id));
    CHECK(d != nullptr && d->state == dom_state::runnable);
    char body[sizeof pattern];
    CHECK(gmem::read(*d, body, REFHV_GUEST_LOAD_GPA + 0x100, sizeof body).ok());
    CHECK(std::strcmp(body, pattern) == 0);
    CHECK_EQ(d->vmcb->save.rip, REFHV_GUEST_LOAD_GPA + 0x40);
    CHECK(std::strcmp(d->start->cmdline, "mode=x") == 0 && std::strcmp(d->start->label, "hello") == 0);
    CHECK_EQ(d->start->free_gpa_start, REFHV_GUEST_LOAD_GPA + 0x3000);
    // Unprivileged callers cannot; malformed requests change nothing.
    CHECK_EQ(call(*d, REFHV_HC_DOMAIN_CREATE, 0x300000), e(REFHV_EPERM));
    h.entry = REFHV_GUEST_LOAD_GPA + 0x2000;  // inside mem_size but not in the file
    CHECK(gmem::write_obj(d0, 0x200000, h).ok());
    const u64 mid = pages::free_count();
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_CREATE, 0x300000), e(REFHV_ENOEXEC));
    CHECK_EQ(pages::free_count(), mid);
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_DESTROY, static_cast<u64>(id)), 0);
    CHECK(domains::find(static_cast<domid_t>(id)) == nullptr);
    CHECK_EQ(pages::free_count(), after_dom0);
    drop_dom0(d0);
    CHECK_EQ(pages::free_count(), baseline);
}

TEST(management_needs_the_management_label) {
    // dom0 booted with another label than the policy's management label ("dom0" in test.xml):
    // privileged, but every management call is refused before its arguments are read.
    reset_hypervisor();
    domain& d0 = make_domain(dom0, true, 8ull << 20, "hello");
    domain& du = make_domu("domu");
    const u64 at = 0x200000;
    struct op {
        const char* name;
        u64 nr, a0, a1, a2;
    };
    const op ops[] = {
        {"create", REFHV_HC_DOMAIN_CREATE, at, 0, 0},
        {"destroy", REFHV_HC_DOMAIN_DESTROY, du.id, 0, 0},
        {"save", REFHV_HC_DOMAIN_SAVE, du.id, at, 4ull << 20},
        {"restore", REFHV_HC_DOMAIN_RESTORE, at, 4096, 0},
        {"info of another", REFHV_HC_DOMAIN_INFO, du.id, at, 0},
        {"load", REFHV_HC_POLICY_LOAD, at, 64, 0},
        {"get", REFHV_HC_POLICY_GET, at, 4096, 0},
        {"decide", REFHV_HC_POLICY_DECIDE, REFHV_MAC_OP_EVTCHN, 0, du.id},
        {"label of another", REFHV_HC_POLICY_LABEL, du.id, at, 32},
        {"stats", REFHV_HC_POLICY_STATS, at, 0, 0},
        {"denials", REFHV_HC_POLICY_DENIALS, at, 4, 0},
        {"audit", REFHV_HC_POLICY_AUDIT, at, 4096, 0},
        {"counters", REFHV_HC_POLICY_COUNTERS, at, 0, 0},
    };
    fake::console.clear();
    for (const op& o : ops) {
        const i64 r = call(d0, o.nr, o.a0, o.a1, o.a2);
        if (r != e(REFHV_EPERM)) std::printf("  %s by a non-management dom0 returned %" PRId64 "\n", o.name, r);
        CHECK_EQ(r, e(REFHV_EPERM));
    }
    CHECK(domains::find(du.id) != nullptr && du.alive());  // nothing was done
    CHECK(fake::console.find("refhv: d0 (hello) refused DOMAIN_CREATE: not the policy's management label") != std::string::npos);
    // The ACM audited each refusal under the call it refused.
    refhv_mac_denial log[16];
    const usize n = mac::denials(view<refhv_mac_denial>{log, 16});
    CHECK(n >= 4 && log[0].hook == 1 && log[0].subject == 0 && log[1].hook == 10 && log[2].hook == 6 && log[3].hook == 7);
    // What is not management still works: its own info and label, the version.
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_INFO, dom0, at), 0);
    CHECK_EQ(call(d0, REFHV_HC_POLICY_LABEL, dom0, at, 32), 5);
    CHECK_EQ(call(d0, REFHV_HC_VERSION), static_cast<i64>(REFHV_ABI_VERSION));
    // The management label without dom0's privilege is not enough either.
    domain& dm = make_domu("dom0");
    CHECK_EQ(call(dm, REFHV_HC_POLICY_GET, 0x180000, 4096), e(REFHV_EPERM));
    CHECK_EQ(call(dm, REFHV_HC_DOMAIN_DESTROY, du.id), e(REFHV_EPERM));
    drop_dom0(d0);
}

TEST(policy_change_keeps_dom0_management) {
    // A policy whose management label is another one would leave dom0, the only domain that can
    // manage, without management for good (it could not even load the old policy back): refused.
    reset_hypervisor();
    domain& d0 = make_domain(dom0, true, 8ull << 20);
    namespace f = shype::detail::format;
    std::vector<u8> other = policy_file("test.bin");
    const auto v = shype::policy_view::load(shype::byte_view(other.data(), other.size()));
    CHECK(v.has_value());
    const shype::label_id hello = v.value().find_vm_label("hello");
    other[f::off::bootstrap] = static_cast<u8>(hello);
    other[f::off::bootstrap + 1] = static_cast<u8>(hello >> 8);
    shype::detail::xxh64_state h;
    h.update(other.data(), f::off::checksum);
    h.update_zeros(8);
    h.update(other.data() + f::off::checksum + 8, other.size() - f::off::checksum - 8);
    const u64 sum = h.digest();
    for (unsigned i = 0; i < 8; ++i) other[f::off::checksum + i] = static_cast<u8>(sum >> (8 * i));
    CHECK(shype::policy_view::load(shype::byte_view(other.data(), other.size())).has_value());  // a valid policy
    for (const u32 flags : {0u, static_cast<u32>(REFHV_POLICY_DRY_RUN)}) {
        refhv_policy_result r{};
        const auto x = mac::policy_load(dom0, view<const u8>{other.data(), other.size()}, flags, r);
        CHECK(!x && x.error() == errc::busy);
        CHECK(std::strcmp(r.message, "refused: d0 (dom0) would lose the management label (the new policy's is hello)") == 0);
    }
    refhv_mac_counters c{};
    mac::counters(c);
    CHECK_EQ(c.generation, 1u);
    CHECK(mac::manage(dom0, mac::hook::policy).ok() && mac::manage(dom0, mac::hook::policy).value() == mac::decision::permit);
    drop_dom0(d0);
}

TEST(event_channels) {
    reset_hypervisor();
    static const std::vector<u8> v1 = policy_file("test.bin"), v2 = policy_file("test-v2.bin");
    domain& d0 = make_domain(dom0, true);
    domain& d1 = make_domu("peer");
    CHECK(call(d1, REFHV_HC_SET_VECTORS, 0xF0, 0xF1) == 0);
    const i64 p1 = call(d1, REFHV_HC_EVTCHN_ALLOC_UNBOUND, 0);
    CHECK_EQ(p1, 1);
    CHECK_EQ(call(d0, REFHV_HC_EVTCHN_BIND_INTERDOMAIN, d1.id, 2), e(REFHV_EINVAL));
    const i64 p0 = call(d0, REFHV_HC_EVTCHN_BIND_INTERDOMAIN, d1.id, 1);
    CHECK(p0 > 0);
    CHECK_EQ(call(d0, REFHV_HC_EVTCHN_BIND_INTERDOMAIN, d1.id, 1), e(REFHV_EINVAL));  // already bound
    CHECK_EQ(call(d0, REFHV_HC_EVTCHN_SEND, static_cast<u64>(p0)), 0);
    CHECK((d1.shared->evtchn_pending & 2) != 0 && d1.shared->upcall_pending == 1);
    CHECK((d1.vmcb->control.int_ctl & arch::v_irq) != 0 && d1.vmcb->control.int_vector == 0xF0);
    // A blocked domain wakes on an event; SCHED_BLOCK then reports 0.
    d1.shared->upcall_pending = 0;
    d1.shared->evtchn_pending = 0;
    CHECK_EQ(call(d1, REFHV_HC_SCHED_BLOCK, 0), no_value);
    CHECK(d1.state == dom_state::blocked && d1.vmcb->save.rax == 1);
    CHECK_EQ(call(d0, REFHV_HC_EVTCHN_SEND, static_cast<u64>(p0)), 0);
    CHECK(d1.state == dom_state::runnable && d1.vmcb->save.rax == 0);
    // Policy revocation (test-v2 isolates "peer"): both ends revoked, both told, sends refused.
    CHECK(invariants::check() == nullptr);
    CHECK_EQ(load(v2), 1);
    CHECK(d0.ports[p0].state == REFHV_EVTCHN_REVOKED && d1.ports[1].state == REFHV_EVTCHN_REVOKED);
    CHECK(!d0.ports[p0].bind.valid() && !d1.ports[1].bind.valid());
    CHECK((d0.shared->virq_pending & REFHV_VIRQ_EVTCHN_REVOKED) != 0);
    CHECK_EQ(call(d1, REFHV_HC_EVTCHN_SEND, 1), e(REFHV_EACCES));
    CHECK_EQ(call(d1, REFHV_HC_EVTCHN_ALLOC_UNBOUND, 0), e(REFHV_EACCES));
    CHECK(invariants::check() == nullptr);
    CHECK_EQ(load(v1), 0);
    CHECK(d0.ports[p0].state == REFHV_EVTCHN_REVOKED);  // revocation is not undone by a permit
    CHECK_EQ(call(d0, REFHV_HC_EVTCHN_CLOSE, static_cast<u64>(p0)), 0);
    CHECK_EQ(call(d1, REFHV_HC_EVTCHN_CLOSE, 1), 0);
    // Close semantics: the peer falls back to unbound.
    const i64 q1 = call(d1, REFHV_HC_EVTCHN_ALLOC_UNBOUND, 0);
    const i64 q0 = call(d0, REFHV_HC_EVTCHN_BIND_INTERDOMAIN, d1.id, static_cast<u64>(q1));
    CHECK_EQ(call(d0, REFHV_HC_EVTCHN_CLOSE, static_cast<u64>(q0)), 0);
    CHECK(d1.ports[q1].state == REFHV_EVTCHN_UNBOUND && d1.ports[q1].remote == 0);
    CHECK_EQ(call(d1, REFHV_HC_EVTCHN_SEND, static_cast<u64>(q1)), e(REFHV_ENOTCONN));
    // Port exhaustion.
    i64 last = 0;
    for (int i = 0; i < 70 && last >= 0; ++i) last = call(d1, REFHV_HC_EVTCHN_ALLOC_UNBOUND, 0);
    CHECK_EQ(last, e(REFHV_ENOSPC));
}

TEST(grants_and_revocation) {
    reset_hypervisor();
    static const std::vector<u8> v1 = policy_file("test.bin"), v2 = policy_file("test-v2.bin");
    const u64 baseline = pages::free_count();
    domain& d0 = make_domain(dom0, true);
    domain& d1 = make_domu("granter");
    d0.fault_vector = 0xF1;
    const u64 page = 0x150000;
    CHECK(gmem::write_obj(d1, page, u64{0x1122334455667788}).ok());
    CHECK_EQ(call(d1, REFHV_HC_GRANT_ACCESS, page, 0, 0), 0);
    CHECK_EQ(call(d0, REFHV_HC_GRANT_MAP, d1.id, 0, window(3), 0), 0);
    const u64 leaf = arch::npt::lookup(d0.npt_root, window(3));
    CHECK((leaf & arch::npt::sw_grant) != 0 && (leaf & arch::npt::writable) != 0 && (leaf & arch::npt::sw_owned) == 0);
    CHECK_EQ(leaf & arch::npt::addr_mask, arch::npt::lookup(d1.npt_root, page) & arch::npt::addr_mask);
    // The mapper cannot use a grant mapping as a hypercall buffer (confused deputy).
    CHECK_EQ(call(d0, REFHV_HC_CONSOLE_WRITE, window(3), 8), e(REFHV_EFAULT));
    // Revocation by the policy: the nested entry goes, the TLB is flushed, the mapper is told.
    d0.flush_tlb = false;
    CHECK(invariants::check() == nullptr);
    CHECK_EQ(load(v2, REFHV_POLICY_DRY_RUN), 1);  // would revoke the mapping; changes nothing
    CHECK(d0.maps[3].state == map_state::active);
    CHECK_EQ(load(v2), 1);
    CHECK_EQ(arch::npt::lookup(d0.npt_root, window(3)), 0u);
    CHECK(d0.flush_tlb);
    CHECK(d0.maps[3].state == map_state::revoked && d0.shared->revocation.reason == REFHV_REVOKED_BY_POLICY);
    CHECK((d0.shared->virq_pending & REFHV_VIRQ_GRANT_REVOKED) != 0);
    CHECK_EQ(call(d0, REFHV_HC_GRANT_MAP, d1.id, 0, window(4), 0), e(REFHV_EACCES));
    // The next access faults: reported on the fault vector, not fatal.
    arch::request npf;
    npf.kind = arch::request_kind::nested_page_fault;
    npf.npf.gpa = window(3) + 8;
    npf.npf.write = true;
    d0.inject = 0;
    vcpu::handle(d0, npf);
    CHECK(d0.alive());
    CHECK(d0.shared->fault.reason == REFHV_FAULT_REVOKED && d0.shared->fault.gpa == window(3) + 8 &&
          d0.shared->fault.write == 1);
    CHECK_EQ(d0.inject, arch::event::interrupt(0xF1));
    CHECK(invariants::check() == nullptr);
    CHECK_EQ(load(v1), 0);
    CHECK_EQ(call(d0, REFHV_HC_GRANT_UNMAP, window(3)), 0);
    // Read-only: the mapping is read-only in the nested table; a write is reported.
    CHECK_EQ(call(d1, REFHV_HC_GRANT_ACCESS, page, 0, REFHV_GRANT_READONLY), 1);
    CHECK_EQ(call(d0, REFHV_HC_GRANT_MAP, d1.id, 1, window(5), 0), e(REFHV_EPERM));
    CHECK_EQ(call(d0, REFHV_HC_GRANT_MAP, d1.id, 1, window(5), REFHV_GRANT_READONLY), 0);
    CHECK((arch::npt::lookup(d0.npt_root, window(5)) & arch::npt::writable) == 0);
    npf.npf.gpa = window(5);
    npf.npf.present = true;
    d0.inject = 0;
    vcpu::handle(d0, npf);
    CHECK(d0.alive() && d0.shared->fault.reason == REFHV_FAULT_READ_ONLY);
    // The granter dies while mapped: the mapping is revoked before its page is freed.
    CHECK_EQ(call(d1, REFHV_HC_GRANT_ACCESS, page + 0x1000, 0, 0), 2);  // lowest free ref
    CHECK_EQ(call(d0, REFHV_HC_GRANT_MAP, d1.id, 2, window(6), 0), 0);
    domains::reap(d1);
    CHECK(d0.maps[5].state == map_state::revoked && d0.maps[6].state == map_state::revoked);
    CHECK_EQ(d0.shared->revocation.reason, REFHV_REVOKED_GRANTER_GONE);
    CHECK_EQ(arch::npt::lookup(d0.npt_root, window(6)), 0u);
    // Without a fault vector the domain cannot be told: it is killed.
    domain& d2 = make_domu();
    npf.npf.gpa = window(0);
    vcpu::handle(d2, npf);
    CHECK(d2.state == dom_state::dead && d2.exit_reason == REFHV_EXIT_NPF && d2.fault_gpa == window(0));
    domains::reap(d2);
    drop_dom0(d0);
    CHECK_EQ(pages::free_count(), baseline);
}

TEST(policy_change_renames_labels) {
    // Xen ACM's <Name from="old">new</Name>: running domains and registered resources carry on
    // under the new names, which refhv keeps (DOMAIN_INFO, save images, resource lookups).
    reset_hypervisor();
    static const std::vector<u8> renamed = policy_file("test-renames.bin"), unknown = policy_file("test-renames-unknown.bin");
    domain& d0 = make_domain(dom0, true, 8ull << 20);
    domain& dev = make_domu("device");
    domain& client = make_domu("order");
    domain& ctr = make_domu("counter");
    refhv_resource_desc desc{};
    std::strcpy(desc.name, "vdisk-order");
    std::strcpy(desc.label, "order");
    CHECK(gmem::write_obj(dev, 0x180000, desc).ok());
    CHECK_EQ(call(dev, REFHV_HC_RESOURCE_REGISTER, 0x180000), 0);

    // A rename from a label the policy in force lacks is refused; nothing changes.
    refhv_policy_result res{};
    const auto refused = mac::policy_load(dom0, view<const u8>{unknown.data(), unknown.size()}, 0, res);
    CHECK(!refused && refused.error() == errc::busy);
    CHECK(std::strcmp(res.message, "refused: VM label legacy is renamed from ancient, which the policy in force lacks") == 0);
    if (std::strcmp(res.message, "refused: VM label legacy is renamed from ancient, which the policy in force lacks") != 0)
        std::printf("  message: %s\n", res.message);
    CHECK(std::strcmp(ctr.label, "counter") == 0);

    // The renaming policy: nothing is revoked, the names follow.
    CHECK_EQ(load(renamed), 0);
    CHECK(std::strcmp(ctr.label, "tally") == 0);
    CHECK(std::strcmp(client.label, "order") == 0);  // the VM label order is not renamed
    mac::binding reg;
    const char* rl = resource::label_of(dev.id, 0, reg);
    CHECK(rl != nullptr && std::strcmp(rl, "orders") == 0);
    CHECK(invariants::check() == nullptr);
    // The client opens the resource under its new label.
    CHECK(gmem::write(client, 0x180000, "vdisk-order", 11).ok());
    CHECK(call(client, REFHV_HC_RESOURCE_OPEN, 0x180000, 11) >= 0);
    // A save image records the label in force.
    const u64 buf = 0x200000, size = sizeof(refhv_save_header) + ctr.mem_bytes;
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_SAVE, ctr.id, buf, size), static_cast<i64>(size));
    refhv_save_header h;
    CHECK(gmem::read_obj(d0, h, buf).ok() && std::strcmp(h.label, "tally") == 0);
}

TEST(save_restore_roundtrip) {
    reset_hypervisor();
    domain& d0 = make_domain(dom0, true, 8ull << 20);
    domain& d1 = make_domu("counter");
    d1.gprs.r12 = 0xABCDEF;
    d1.vmcb->save.rax = 0x42;
    d1.vmcb->save.rip = 0x123456;
    d1.upcall_vector = 0xF0;
    CHECK(gmem::write_obj(d1, 0x180000, u64{0xFEEDFACE}).ok());
    const u64 buf = 0x200000;
    const u64 size = sizeof(refhv_save_header) + d1.mem_bytes;
    const domid_t old = d1.id;
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_SAVE, old, buf, size - 1), e(REFHV_ERANGE));
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_SAVE, old, buf, size), static_cast<i64>(size));
    CHECK(domains::find(old) == nullptr);
    const i64 id = call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size);
    CHECK(id > 0 && id != old);
    domain* r = domains::find(static_cast<domid_t>(id));
    CHECK(r != nullptr && r->state == dom_state::runnable && r->generation == 1);
    CHECK(r->gprs.r12 == 0xABCDEF && r->vmcb->save.rax == 0x42 && r->vmcb->save.rip == 0x123456);
    CHECK(r->upcall_vector == 0xF0 && std::strcmp(r->label, "counter") == 0);
    u64 v = 0;
    CHECK(gmem::read_obj(*r, v, 0x180000).ok() && v == 0xFEEDFACE);
    CHECK(r->start->domid == static_cast<u32>(id) && r->start->generation == 1 && r->start->flags == 0);
    // The saved MXCSR is checked against the CPU's MXCSR_MASK (FXRSTOR of another bit would fault
    // in the hypervisor): refused with a line naming it, nothing built, whatever the mask allows kept.
    refhv_save_header h;
    CHECK(gmem::read_obj(d0, h, buf).ok());
    const refhv_save_header good = h;
    auto set_mxcsr = [&](u32 m) {
        h = good;
        std::memcpy(h.vcpu.fxsave + 24, &m, sizeof m);
        CHECK(gmem::write_obj(d0, buf, h).ok());
    };
    const u64 free_before = pages::free_count();
    for (const u32 bad : {0xFFFF1F80u, 0x00011F80u, 0x80001F80u}) {  // above any mask
        set_mxcsr(bad);
        fake::console.clear();
        CHECK_EQ(call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size), e(REFHV_EINVAL));
        CHECK(fake::console.find("refhv: restore refused: saved MXCSR") != std::string::npos);
    }
    CHECK_EQ(pages::free_count(), free_before);
    // DAZ (bit 6) exists only where the CPU says so; a mask of 0 means the default 0xFFBF (no DAZ).
    CHECK_EQ(sched::mxcsr_mask(), sched::mxcsr_mask_default);
    set_mxcsr(0x1FC0);
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size), e(REFHV_EINVAL));
    sched::set_mxcsr_mask(0xFFFF);
    const i64 id2 = call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size);
    CHECK(id2 > 0);
    if (domain* r2 = domains::find(static_cast<domid_t>(id2))) CHECK(r2->fpu[24] == 0xC0 && r2->fpu[25] == 0x1F);
    set_mxcsr(0x11F80);
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size), e(REFHV_EINVAL));
    sched::set_mxcsr_mask(0);
    CHECK_EQ(sched::mxcsr_mask(), 0xFFBFu);
    // Another value a VMRUN would refuse: an undefined PAT memory type.
    h = good;
    h.vcpu.g_pat = 0x0007040600070402ull;
    CHECK(gmem::write_obj(d0, buf, h).ok());
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size), e(REFHV_EINVAL));
    h = good;
    h.vcpu.efer &= ~arch::efer::lma;
    CHECK(gmem::write_obj(d0, buf, h).ok());
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size), e(REFHV_EINVAL));
}

// Create and restore are admitted by one step (domctl's admit: slot, id, the ACM's hook, build).
// Whichever call it is, a build that runs out of memory gives the ACM's admission back and loses
// no page, an ACM refusal (a label the policy lacks) builds nothing, and with memory back the
// same requests succeed.
TEST(create_and_restore_share_admission) {
    reset_hypervisor();
    domain& d0 = make_domain(dom0, true, 8ull << 20);
    // A save stream (at 0x200000) and a create request (image at 0x600000, request at 0x700000).
    domain& d1 = make_domu("counter");
    const u64 buf = 0x200000;
    const u64 size = sizeof(refhv_save_header) + d1.mem_bytes;
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_SAVE, d1.id, buf, size), static_cast<i64>(size));
    refhv_image_header img{REFHV_IMAGE_MAGIC, REFHV_ABI_VERSION, REFHV_GUEST_LOAD_GPA + 0x40, REFHV_GUEST_LOAD_GPA,
                           0x1000, 0x3000};
    CHECK(gmem::write_obj(d0, 0x600000, img).ok());
    refhv_domain_create req{};
    req.image_gpa = 0x600000;
    req.image_size = 0x1000;
    req.mem_bytes = REFHV_DOMAIN_MIN_MEM;
    std::strcpy(req.label, "hello");
    CHECK(gmem::write_obj(d0, 0x700000, req).ok());
    const usize running = mac::running_domains();
    const unsigned domains_before = domains::count();

    // Out of memory: both refused with ENOMEM, the ACM back where it was, every page back.
    std::vector<u64> held;
    while (pages::free_count() > 16) held.push_back(pages::alloc());
    const u64 few = pages::free_count();
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_CREATE, 0x700000), e(REFHV_ENOMEM));
    CHECK_EQ(mac::running_domains(), running);
    CHECK_EQ(pages::free_count(), few);
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size), e(REFHV_ENOMEM));
    CHECK_EQ(mac::running_domains(), running);
    CHECK_EQ(pages::free_count(), few);
    CHECK_EQ(domains::count(), domains_before);
    for (const u64 pa : held) pages::free(pa);

    // The ACM refuses a label the policy lacks (ENOENT) before anything is built.
    const u64 free_before = pages::free_count();
    refhv_save_header h;
    CHECK(gmem::read_obj(d0, h, buf).ok());
    const refhv_save_header good = h;
    std::strcpy(h.label, "no-such-label");
    CHECK(gmem::write_obj(d0, buf, h).ok());
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size), e(REFHV_ENOENT));
    std::strcpy(req.label, "no-such-label");
    CHECK(gmem::write_obj(d0, 0x700000, req).ok());
    CHECK_EQ(call(d0, REFHV_HC_DOMAIN_CREATE, 0x700000), e(REFHV_ENOENT));
    CHECK_EQ(mac::running_domains(), running);
    CHECK_EQ(pages::free_count(), free_before);
    CHECK_EQ(domains::count(), domains_before);

    // With memory and known labels, the same requests are admitted.
    CHECK(gmem::write_obj(d0, buf, good).ok());
    std::strcpy(req.label, "hello");
    CHECK(gmem::write_obj(d0, 0x700000, req).ok());
    const i64 restored = call(d0, REFHV_HC_DOMAIN_RESTORE, buf, size);
    const i64 created = call(d0, REFHV_HC_DOMAIN_CREATE, 0x700000);
    CHECK(restored > 0 && created > 0 && restored != created);
    CHECK_EQ(mac::running_domains(), running + 2);
    CHECK(mac::domain_ok(static_cast<domid_t>(restored), "counter") && mac::domain_ok(static_cast<domid_t>(created), "hello"));
}

TEST(cpuid_is_filtered) {
    reset_hypervisor();
    fake::cpuid = [](u32, u32) { return arch::cpuid_regs{~0u, ~0u, ~0u, ~0u}; };
    auto l1 = vcpu::virtual_cpuid(1, 0);
    CHECK((l1.ecx & arch::cpuid_bits::ecx_xsave) == 0 && (l1.ecx & arch::cpuid_bits::ecx_hypervisor) != 0);
    auto ext = vcpu::virtual_cpuid(0x80000001, 0);
    CHECK((ext.ecx & arch::cpuid_bits::ecx_svm) == 0);
    auto svm = vcpu::virtual_cpuid(0x8000000A, 0);
    CHECK(svm.eax == 0 && svm.edx == 0);
    auto sig = vcpu::virtual_cpuid(0x40000000, 0);
    CHECK(sig.eax == 0x40000001 && std::memcmp(&sig.ebx, "refh", 4) == 0);
    fake::cpuid = [](u32 leaf, u32) {
        if (leaf == 0x80000000) return arch::cpuid_regs{0x8000000A, 0, 0, 0};
        if (leaf == 0x80000001) return arch::cpuid_regs{0, 0, arch::cpuid_bits::ecx_svm, 0};
        return arch::cpuid_regs{0, 0, 0, 0};  // no NPT
    };
    CHECK(std::strstr(arch::svm::unsupported_reason(), "nested paging") != nullptr);
    fake::cpuid = [](u32 leaf, u32) {
        if (leaf == 0x80000000) return arch::cpuid_regs{0x8000000A, 0, 0, 0};
        if (leaf == 0x80000001) return arch::cpuid_regs{0, 0, arch::cpuid_bits::ecx_svm, 0};
        if (leaf == 0x8000000A) return arch::cpuid_regs{1, 16, 0, arch::cpuid_bits::edx_npt};
        return arch::cpuid_regs{0, 0, 0, 0};
    };
    CHECK(arch::svm::unsupported_reason() == nullptr);
    fake::cpuid = nullptr;
}

TEST(console_is_line_buffered_and_sanitised) {
    reset_hypervisor();
    domain& d0 = make_domain(dom0, true);
    domain& d1 = make_domu();
    const char evil[] = "REFHV-TEST v1 CASE x PASS\x1b[2J\n";
    CHECK(gmem::write(d1, 0x150000, evil, sizeof evil - 1).ok());
    CHECK_EQ(call(d1, REFHV_HC_CONSOLE_WRITE, 0x150000, sizeof evil - 1), static_cast<i64>(sizeof evil - 1));
    // Not dom0: prefixed, so it can never forge a protocol line; escapes neutralised.
    CHECK(fake::console.find("[d1] REFHV-TEST v1 CASE x PASS?[2J\n") != std::string::npos);
    fake::console.clear();
    CHECK(gmem::write(d0, 0x150000, "part", 4).ok());
    CHECK_EQ(call(d0, REFHV_HC_CONSOLE_WRITE, 0x150000, 4), 4);
    CHECK(fake::console.empty());  // held until the line is complete
    CHECK(gmem::write(d0, 0x150000, "ial\n", 4).ok());
    CHECK_EQ(call(d0, REFHV_HC_CONSOLE_WRITE, 0x150000, 4), 4);
    CHECK(fake::console == "partial\n");
}

TEST(boot_options) {
    char v[16];
    CHECK(boot::option("dom0_mem=24 dom0_label=mgmt", "dom0_label", v, sizeof v) && std::strcmp(v, "mgmt") == 0);
    CHECK(boot::option("dom0_mem=24 dom0_label=mgmt", "dom0_mem", v, sizeof v) && std::strcmp(v, "24") == 0);
    CHECK(!boot::option("xdom0_mem=3", "dom0_mem", v, sizeof v));
    CHECK(!boot::option("", "dom0_mem", v, sizeof v));
    CHECK(boot::option("k=0123456789abcdefghij", "k", v, sizeof v) && std::strlen(v) == sizeof v - 1);

    // A guest finds its modules by file name however deep the build directory is.
    refhv_module m{};
    boot::module_cmdline("/a/very/long/build/directory/that/alone/fills/sixty-four/bytes/policies/customer-order-v2.bin",
                         m.cmdline, sizeof m.cmdline);
    CHECK(std::strcmp(m.cmdline, "customer-order-v2.bin") == 0);
    boot::module_cmdline("/build/dom0.bin suite=policy a/b=c", m.cmdline, sizeof m.cmdline);
    CHECK(std::strcmp(m.cmdline, "dom0.bin suite=policy a/b=c") == 0);
    boot::module_cmdline("plain.bin", m.cmdline, sizeof m.cmdline);
    CHECK(std::strcmp(m.cmdline, "plain.bin") == 0);
    boot::module_cmdline("/dir/", m.cmdline, sizeof m.cmdline);
    CHECK(std::strcmp(m.cmdline, "") == 0);
}

// The checker must notice each kind of breakage it exists for (else the fuzzer proves nothing).
TEST(invariants_detect_violations) {
    reset_hypervisor();
    domain& d0 = make_domain(dom0, true);
    domain& d1 = make_domu("granter");
    d0.fault_vector = 0xF1;
    CHECK(invariants::check() == nullptr);
    auto broken = [](const char* needle) {
        const char* why = invariants::check();
        const bool ok = why != nullptr && std::strstr(why, needle) != nullptr;
        if (!ok) std::printf("  expected a violation with '%s', got '%s'\n", needle, why != nullptr ? why : "none");
        return ok;
    };
    // 1. A foreign page in a nested table without a grant mapping.
    const u64 foreign = arch::npt::lookup(d1.npt_root, 0x150000) & arch::npt::addr_mask;
    CHECK(arch::npt::map(d0.npt_root, window(7), foreign, arch::npt::sw_grant).ok());
    CHECK(broken("without a live mapping"));
    (void)arch::npt::unmap(d0.npt_root, window(7));
    CHECK(invariants::check() == nullptr);
    // 2. A mapping whose binding the ACM no longer holds.
    CHECK_EQ(call(d1, REFHV_HC_GRANT_ACCESS, 0x150000, 0, 0), 0);
    CHECK_EQ(call(d0, REFHV_HC_GRANT_MAP, d1.id, 0, window(2), 0), 0);
    CHECK(invariants::check() == nullptr);
    mac::binding kept = d0.maps[2].bind;
    mac::release(mac::object::grant, kept);
    CHECK(broken("no binding the policy permits"));
    CHECK_EQ(call(d0, REFHV_HC_GRANT_UNMAP, window(2)), 0);
    // 3. A binding no object claims.
    mac::binding orphan;
    CHECK(mac::evtchn_bind(d0.id, d1.id, 42, orphan).ok() && orphan.valid());
    CHECK(broken("no object claims"));
    mac::release(mac::object::evtchn, orphan);
    CHECK(invariants::check() == nullptr);
    // 4. A page allocated that nobody owns; then one owned twice.
    const u64 leaked = pages::alloc();
    CHECK(broken("a leak"));
    pages::free(leaked);
    const u64 mine = arch::npt::unmap(d0.npt_root, 0x150000);
    const u64 theirs = arch::npt::lookup(d1.npt_root, 0x160000) & arch::npt::addr_mask;
    CHECK(arch::npt::map(d0.npt_root, 0x150000, theirs, arch::npt::sw_owned | arch::npt::writable).ok());
    CHECK(broken("is not its alone"));
    (void)arch::npt::unmap(d0.npt_root, 0x150000);
    CHECK(arch::npt::map(d0.npt_root, 0x150000, mine & arch::npt::addr_mask, arch::npt::sw_owned | arch::npt::writable).ok());
    CHECK(invariants::check() == nullptr);
    // 5. The ACM and the hypervisor disagree on who runs.
    const domid_t ghost = domains::next_id();
    CHECK(mac::domain_create(dom0, ghost, "hello").ok());
    CHECK(broken("the ACM runs"));
    mac::domain_destroy(ghost);
    CHECK(invariants::check() == nullptr);
    // 6. A resource connection whose client end lost its attachment (a rebind that skipped
    //    the resource decision looked like this).
    domain& client = make_domu("order");
    refhv_resource_desc desc{};
    std::strcpy(desc.name, "disk");
    std::strcpy(desc.label, "order");
    CHECK(domains::write_mem(d0, 0x150000, &desc, sizeof desc).ok());
    CHECK(domains::write_mem(client, 0x150000, "disk", 4).ok());
    CHECK_EQ(call(d0, REFHV_HC_RESOURCE_REGISTER, 0x150000), 0);
    const i64 cp = call(client, REFHV_HC_RESOURCE_OPEN, 0x150000, 4);
    CHECK(cp > 0);
    CHECK(invariants::check() == nullptr);
    mac::binding attach = client.ports[cp].attach;
    mac::release(mac::object::resource, client.ports[cp].attach);
    CHECK(broken("carries no attachment"));
    CHECK(mac::resource_access(client.id, "order", cookie::make(cookie::connection, client.id, static_cast<u16>(cp)), attach).ok());
    client.ports[cp].attach = attach;
    CHECK(invariants::check() == nullptr);
    // 7. A port that names a domain that is gone (a later domain with its id would inherit it).
    const i64 up = call(client, REFHV_HC_EVTCHN_ALLOC_UNBOUND, d0.id);
    CHECK(up > 0);
    client.ports[up].remote = 900;
    CHECK(broken("which is gone"));
    client.ports[up].remote = d0.id;
    CHECK(invariants::check() == nullptr);
    domains::reap(client);
    domains::reap(d1);
    drop_dom0(d0);
}

// Random hypercalls with adversarial arguments from dom0 and a domU: nothing may crash
// (ASan/UBSan in sanitizer builds), and once the domUs are gone every page is back.
TEST(random_hypercalls_are_contained) {
    reset_hypervisor();
    const u64 baseline = pages::free_count();
    domain& d0 = make_domain(dom0, true, 8ull << 20);
    const u64 with_dom0 = pages::free_count();
    u64 state = 0x9E3779B97F4A7C15ull;
    auto rnd = [&] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const u64 interesting[] = {0,
                               1,
                               2,
                               63,
                               64,
                               0xFFFF,
                               0x1000,
                               0x2000,
                               0x7000,
                               0x150000,
                               0x150008,
                               REFHV_DOMAIN_MIN_MEM - 8,
                               REFHV_DOMAIN_MIN_MEM,
                               8ull << 20,
                               window(0),
                               window(63),
                               window(64),
                               1ull << 39,
                               1ull << 63,
                               ~0ull,
                               ~0ull - 4095};
    auto arg = [&]() -> u64 {
        const u64 r = rnd();
        if ((r & 3) != 0) return interesting[(r >> 8) % (sizeof interesting / sizeof interesting[0])];
        return rnd() % 64;  // small ids, ports, refs
    };
    const u64 ops[] = {REFHV_HC_VERSION, REFHV_HC_CONSOLE_WRITE, REFHV_HC_SCHED_YIELD, REFHV_HC_SET_VECTORS,
                       REFHV_HC_SYS_INFO, REFHV_HC_DOMAIN_DESTROY, REFHV_HC_DOMAIN_SAVE, REFHV_HC_DOMAIN_RESTORE,
                       REFHV_HC_DOMAIN_INFO, REFHV_HC_EVTCHN_ALLOC_UNBOUND, REFHV_HC_EVTCHN_BIND_INTERDOMAIN,
                       REFHV_HC_EVTCHN_SEND, REFHV_HC_EVTCHN_CLOSE, REFHV_HC_EVTCHN_STATUS, REFHV_HC_GRANT_ACCESS,
                       REFHV_HC_GRANT_REVOKE, REFHV_HC_GRANT_MAP, REFHV_HC_GRANT_UNMAP, REFHV_HC_RESOURCE_REGISTER,
                       REFHV_HC_RESOURCE_OPEN, REFHV_HC_RESOURCE_ACCEPT, REFHV_HC_MAC_COALITION,
                       REFHV_HC_POLICY_LOAD, REFHV_HC_POLICY_GET, REFHV_HC_POLICY_DECIDE, REFHV_HC_POLICY_LABEL,
                       REFHV_HC_POLICY_STATS, REFHV_HC_POLICY_DENIALS, REFHV_HC_POLICY_AUDIT, REFHV_HC_POLICY_COUNTERS,
                       REFHV_HC_RESOURCE_TYPES, REFHV_HC_ATTEST_QUOTE, REFHV_HC_DEBUG_TPM_EXTEND, 96, 12345,
                       REFHV_HC_SCHED_SHUTDOWN, REFHV_HC_DOMAIN_CREATE, REFHV_HC_SCHED_BLOCK};
    u64 calls = 0;
    for (int round = 0; round < 40; ++round) {
        while (domains::count() < 4) (void)make_domu();
        for (int i = 0; i < 500; ++i) {
            const u64 op = ops[rnd() % (sizeof ops / sizeof ops[0])];
            domain* caller = &d0;
            const unsigned pick = static_cast<unsigned>(rnd() % max_domains);
            if (domain* s = domains::slot(pick); s->alive() && (rnd() & 1)) caller = s;
            if (caller == &d0 && op == REFHV_HC_SCHED_SHUTDOWN) continue;  // ends the run by design
            (void)call(*caller, op, arg(), arg(), arg(), arg(), arg());
            ++calls;
            if (const char* why = invariants::check()) {
                CHECK(why == nullptr);
                std::printf("  after op %" PRIu64 ": %s\n", op, why);
                return;
            }
            if (caller->state == dom_state::blocked) caller->state = dom_state::runnable;
        }
        for (unsigned s = 0; s < max_domains; ++s)
            if (domain* d = domains::slot(s); d->state != dom_state::free && d != &d0) domains::reap(*d);
        for (unsigned s = 0; s < REFHV_GRANT_WINDOW_PAGES; ++s) (void)grant::unmap(d0, window(s));
        for (unsigned s = 0; s < REFHV_GRANT_REFS; ++s) (void)grant::revoke(d0, s);
        CHECK_EQ(pages::free_count(), with_dom0);
    }
    CHECK(calls > 10000);
    drop_dom0(d0);
    CHECK_EQ(pages::free_count(), baseline);
}


// ---- measured policies (core/attest) over a fake TPM --------------------------------------
namespace {
/// Answers the commands arch/tpm2 sends with well-formed responses (the real encoding is tested
/// against swtpm in tpm2_unit); counts PCR_Extends and can be told to fail a command.
namespace fake_tpm {
u32 extends = 0, fail_cc = 0;
u8 digest_seed = 0;
std::vector<u8> rsp;
void u16be(u16 v) { rsp.push_back(static_cast<u8>(v >> 8)), rsp.push_back(static_cast<u8>(v)); }
void u32be(u32 v) { u16be(static_cast<u16>(v >> 16)), u16be(static_cast<u16>(v)); }
void begin(u16 tag, u32 rc) {
    rsp.clear();
    u16be(tag);
    u32be(0);
    u32be(rc);
}
void params(const std::vector<u8>& p) {  // parameterSize, parameters, one password session's response
    u32be(static_cast<u32>(p.size()));
    rsp.insert(rsp.end(), p.begin(), p.end());
    for (int i = 0; i < 5; ++i) rsp.push_back(0);
}
std::vector<u8> sized(usize n, u8 fill) {
    std::vector<u8> v{static_cast<u8>(n >> 8), static_cast<u8>(n)};
    v.insert(v.end(), n, fill);
    return v;
}
bool transport(const u8* cmd, usize, u8* out, usize cap, usize& got) noexcept {
    const u32 cc = (u32{cmd[6]} << 24) | (u32{cmd[7]} << 16) | (u32{cmd[8]} << 8) | cmd[9];
    if (cc == fail_cc) {
        begin(0x8001, 0x101);  // TPM_RC_FAILURE
    } else if (cc == tpm2::cc_startup) {
        begin(0x8001, 0);
    } else if (cc == tpm2::cc_hash_sequence_start) {
        begin(0x8001, 0);
        u32be(0x80000001);
    } else if (cc == tpm2::cc_sequence_update) {
        begin(0x8002, 0);
        params({});
    } else if (cc == tpm2::cc_sequence_complete) {
        begin(0x8002, 0);
        params(sized(32, ++digest_seed));
    } else if (cc == tpm2::cc_pcr_extend) {
        ++extends;
        begin(0x8002, 0);
        params({});
    } else if (cc == tpm2::cc_pcr_read) {
        begin(0x8001, 0);
        u32be(extends);
        u32be(1), u16be(tpm2::alg_sha256), rsp.push_back(3), rsp.push_back(0), rsp.push_back(0x10), rsp.push_back(0);
        u32be(1);
        const auto v = sized(32, static_cast<u8>(extends));
        rsp.insert(rsp.end(), v.begin(), v.end());
    } else if (cc == tpm2::cc_create_primary) {
        begin(0x8002, 0);
        u32be(0x80000000);
        params(sized(88, 0xA5));
    } else if (cc == tpm2::cc_quote) {
        begin(0x8002, 0);
        auto p = sized(100, 0x51);
        p.insert(p.end(), 72, 0x5A);  // the signature
        params(p);
    } else {
        return false;
    }
    const u32 n = static_cast<u32>(rsp.size());
    rsp[2] = static_cast<u8>(n >> 24), rsp[3] = static_cast<u8>(n >> 16), rsp[4] = static_cast<u8>(n >> 8),
    rsp[5] = static_cast<u8>(n);
    if (n > cap) return false;
    std::memcpy(out, rsp.data(), n);
    got = n;
    return true;
}
}  // namespace fake_tpm

/// POLICY_LOAD through the hypercall layer (where measuring happens), the binary at gpa `at`.
i64 load_via_hypercall(domain& d0, const std::vector<u8>& bytes, u64 flags = 0) {
    constexpr u64 at = 0x200000, res = 0x1F0000;
    CHECK(gmem::write(d0, at, bytes.data(), bytes.size()).ok());
    return call(d0, REFHV_HC_POLICY_LOAD, at, bytes.size(), res, flags);
}
i64 quote(domain& d) {
    refhv_attest_request req{};
    req.nonce_size = 4;
    constexpr u64 at = 0x180000, out = 0x300000;
    CHECK(gmem::write_obj(d, at, req).ok());
    return call(d, REFHV_HC_ATTEST_QUOTE, at, out, REFHV_ATTEST_MAX_BYTES);
}
u32 generation() {
    refhv_mac_counters c{};
    mac::counters(c);
    return c.generation;
}
}  // namespace

TEST(measured_policies) {
    reset_hypervisor();
    fake_tpm::extends = fake_tpm::fail_cc = 0;
    CHECK(attest::init(fake_tpm::transport));
    domain& d0 = make_domain(dom0, true, 8ull << 20);
    const std::vector<u8> v1 = policy_file("test.bin"), v2 = policy_file("test-v2.bin");
    // An applied change is measured: one extension, one event; the quote carries the log.
    CHECK_EQ(load_via_hypercall(d0, v2), 0);
    CHECK_EQ(fake_tpm::extends, 2u);  // the policy's digest, then the event record's
    CHECK_EQ(attest::events(), 1u);
    const i64 n = quote(d0);
    CHECK_EQ(n, static_cast<i64>(sizeof(refhv_attestation) + 100 + 72 + 88 + sizeof(refhv_attest_event)));
    refhv_attestation h{};
    CHECK(gmem::read(d0, &h, 0x300000, sizeof h).ok());
    CHECK(h.magic == REFHV_ATTEST_MAGIC && h.events == 1 && h.pcr == REFHV_ATTEST_PCR && h.pcr_value[0] == 2);
    refhv_attest_event ev{};
    CHECK(gmem::read(d0, &ev, 0x300000 + sizeof h + 100 + 72 + 88, sizeof ev).ok());
    CHECK(ev.generation == 2 && std::strcmp(ev.name, "refhv.tests") == 0 && ev.digest[0] == fake_tpm::digest_seed - 1);
    // A refused binary, a dry run: hashed at most, never extended or logged.
    std::vector<u8> bad = v1;
    bad[bad.size() / 2] ^= 0x40;
    CHECK_EQ(load_via_hypercall(d0, bad), e(REFHV_EINVAL));
    CHECK(load_via_hypercall(d0, v1, REFHV_POLICY_DRY_RUN) >= 0);
    CHECK_EQ(fake_tpm::extends, 2u);
    CHECK_EQ(attest::events(), 1u);
    // A domain without the management label gets no quote.
    domain& du = make_domu("domu");
    CHECK_EQ(quote(du), e(REFHV_EPERM));
    // The log's limit: 64 policies per boot; the 65th change is refused (it could not be logged)
    // and changes nothing.
    for (usize i = attest::events(); i < REFHV_ATTEST_MAX_EVENTS; ++i) CHECK(load_via_hypercall(d0, i % 2 ? v2 : v1) >= 0);
    CHECK_EQ(attest::events(), REFHV_ATTEST_MAX_EVENTS);
    const u32 gen = generation();
    CHECK_EQ(load_via_hypercall(d0, v1), e(REFHV_ENOSPC));
    refhv_policy_result r{};
    CHECK(gmem::read_obj(d0, r, 0x1F0000).ok());
    CHECK(std::strcmp(r.message, "refused: the measurement log is full (64 policies per boot)") == 0);
    CHECK_EQ(generation(), gen);
    CHECK_EQ(attest::events(), REFHV_ATTEST_MAX_EVENTS);
    drop_dom0(d0);
}

TEST(measurement_failures_fail_closed) {
    reset_hypervisor();
    fake_tpm::extends = fake_tpm::fail_cc = 0;
    CHECK(attest::init(fake_tpm::transport));
    domain& d0 = make_domain(dom0, true, 8ull << 20);
    const std::vector<u8> v2 = policy_file("test-v2.bin"), v1 = policy_file("test.bin");
    // The TPM cannot hash it: the policy does not go in force.
    fake_tpm::fail_cc = tpm2::cc_sequence_complete;
    CHECK_EQ(load_via_hypercall(d0, v2), e(REFHV_EBUSY));
    CHECK_EQ(generation(), 1u);
    // The extension fails after the change: in force, but no quote from now on.
    fake_tpm::fail_cc = tpm2::cc_pcr_extend;
    CHECK_EQ(load_via_hypercall(d0, v2), 0);
    CHECK_EQ(generation(), 2u);
    fake_tpm::fail_cc = 0;
    CHECK_EQ(quote(d0), e(REFHV_EBUSY));
    CHECK(fake::console.find("refhv: attest: a policy is in force unmeasured: quotes are refused from now on") !=
          std::string::npos);
    // Without a TPM: nothing measured, loads work, ATTEST_QUOTE is ENOENT.
    CHECK(!attest::init(nullptr));
    CHECK_EQ(load_via_hypercall(d0, v1), 0);
    CHECK_EQ(attest::events(), 0u);
    CHECK_EQ(quote(d0), e(REFHV_ENOENT));
    drop_dom0(d0);
    attest::init(nullptr);  // the other tests run without a TPM
}

int main() {
    std::setvbuf(stdout, nullptr, _IONBF, 0);
    for (const auto& t : registry()) {
        const int before = g_failures;
        t.fn();
        std::printf("%s %s\n", g_failures == before ? "PASS" : "FAIL", t.name);
    }
    std::printf("%d checks, %d failed, %zu tests\n", g_checks, g_failures, registry().size());
    std::free(g_arena);
    return g_failures == 0 ? 0 : 1;
}
