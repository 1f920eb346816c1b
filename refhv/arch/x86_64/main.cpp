// SPDX-License-Identifier: Apache-2.0
// kmain: the hypervisor's 64-bit entry (from boot.S). Brings up the console, descriptor
// tables, SVM, the page allocator and the MAC seam, builds dom0 and starts scheduling.
// Also the platform's implementations of the core's hooks (console sink, panic, exit).
#include <refhv/hypercall.h>

#include "../../core/attest.hpp"
#include "../../core/boot.hpp"
#include "../../core/evtchn.hpp"
#include "../../core/grant.hpp"
#if REFHV_CHECK_INVARIANTS
#include "../../core/invariants.hpp"
#endif
#include "../../core/lib.hpp"
#include "../../core/log.hpp"
#include "../../core/mac.hpp"
#include "../../core/page_alloc.hpp"
#include "../../core/panic.hpp"
#include "../../core/resource.hpp"
#include "../../core/sched.hpp"
#include "cpu.hpp"
#include "descriptors.hpp"
#include "multiboot.hpp"
#include "platform.hpp"
#include "port.hpp"
#include "svm.hpp"
#include "tpm_tis.hpp"

extern "C" {
extern char __image_end[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
}

namespace refhv {

void log::sink(const char* s, usize n) noexcept { arch::serial::write(s, n); }

void panic(const char* what) noexcept {
    log::line("refhv: PANIC: ", what);
    arch::qemu_exit(REFHV_QEMU_EXIT_PANIC);
}

void system_exit(u32 qemu_code) noexcept {
    for (unsigned i = 0; i < max_domains; ++i)
        if (domain* d = domains::slot(i); d->state != dom_state::free) domains::console_flush(*d);
    log::line("refhv: exit: ", log::dec{sched::exits()}, " VM exits in ", log::dec{sched::now_ms()}, " ms");
#if REFHV_CHECK_INVARIANTS
    // Reached only if every check held: a violation stops the hypervisor at once.
    log::line("refhv: invariants: ", log::dec{invariants::checks()}, " checks, all held");
#endif
    arch::qemu_exit(qemu_code);
}

namespace {
boot::info g_boot;

void copy_string(char* dst, usize cap, u32 pa) noexcept {
    if (pa == 0) {
        dst[0] = '\0';
        return;
    }
    lib::strlcpy(dst, static_cast<const char*>(arch::phys_to_virt(pa)), cap);
}

/// Read the multiboot information into g_boot and find the RAM range to allocate from.
void read_multiboot(u32 mbi_pa, u64& ram_start, u64& ram_end) noexcept {
    namespace mb = arch::multiboot;
    const auto& mbi = *static_cast<const mb::info*>(arch::phys_to_virt(mbi_pa));
    if ((mbi.flags & mb::flag_cmdline) != 0) copy_string(g_boot.cmdline, sizeof g_boot.cmdline, mbi.cmdline);

    u64 top = reinterpret_cast<u64>(__image_end);
    g_boot.nr_modules = 0;
    if ((mbi.flags & mb::flag_mods) != 0) {
        const auto* mods = static_cast<const mb::module*>(arch::phys_to_virt(mbi.mods_addr));
        for (u32 i = 0; i < mbi.mods_count && i < REFHV_MAX_MODULES + 1; ++i) {
            boot::module& m = g_boot.modules[g_boot.nr_modules++];
            m.start = mods[i].mod_start;
            m.size = mods[i].mod_end - mods[i].mod_start;
            copy_string(m.cmdline, sizeof m.cmdline, mods[i].string);
            if (mods[i].string != 0 && bounded_strlen(m.cmdline, sizeof m.cmdline) + 1 == sizeof m.cmdline &&
                static_cast<const char*>(arch::phys_to_virt(mods[i].string))[sizeof m.cmdline - 1] != '\0')
                log::line("refhv: warning: module ", log::dec{i}, "'s command line is cut to ",
                          log::dec{sizeof m.cmdline - 1}, " bytes");
            if (mods[i].mod_end > top) top = mods[i].mod_end;
        }
        if (mbi.mods_count > REFHV_MAX_MODULES + 1) log::line("refhv: warning: extra boot modules ignored");
    }

    ram_start = page_align_up(top);
    ram_end = 0;
    if ((mbi.flags & mb::flag_mmap) != 0) {
        for (u64 p = mbi.mmap_addr; p < static_cast<u64>(mbi.mmap_addr) + mbi.mmap_length;) {
            mb::mmap_entry e;
            lib::memcpy(&e, arch::phys_to_virt(p), sizeof e);
            if (e.type == 1 && e.base <= ram_start && e.base + e.length > ram_start) ram_end = e.base + e.length;
            p += e.size + sizeof(e.size);
        }
    } else {
        ram_end = (static_cast<u64>(mbi.mem_upper) + 1024) * 1024;
    }
    if (ram_end > (4ull << 30)) ram_end = 4ull << 30;  // the identity map ends at 4 GiB
}

void enable_fpu() noexcept {
    using namespace arch;
    // FXSAVE/FXRSTOR switch guest x87/SSE state; the hypervisor itself never uses it.
    port::write_cr0((port::read_cr0() & ~(cr0::em | cr0::ts)) | cr0::mp | cr0::ne);
    port::write_cr4(port::read_cr4() | cr4::osfxsr | cr4::osxmmexcpt);
    // Which MXCSR bits FXRSTOR accepts here: saved images from outside are checked against it.
    alignas(16) static u8 area[512];
    lib::memset(area, 0, sizeof area);
    port::fxsave(area);
    u32 mask = 0;
    lib::memcpy(&mask, area + 28, sizeof mask);
    sched::set_mxcsr_mask(mask);
}
}  // namespace

}  // namespace refhv

extern "C" [[noreturn]] void kmain(refhv::u32 magic, refhv::u32 mbi_pa) {
    using namespace refhv;
    arch::serial::init();
    log::line("refhv: reference hypervisor starting, guest ABI ", log::dec{REFHV_ABI_MAJOR}, ".",
              log::dec{REFHV_ABI_MINOR});
    if (magic != arch::multiboot::boot_magic) panic("not started by a multiboot loader");
    for (auto* f = __init_array_start; f != __init_array_end; ++f) (*f)();
    arch::init_descriptors();
    enable_fpu();

    if (const char* why = arch::svm::unsupported_reason()) {
        log::line("refhv: fatal: ", why);
        arch::qemu_exit(REFHV_QEMU_EXIT_NO_SVM);
    }
    arch::svm::enable();
    const u32 asids = arch::port::cpuid(arch::cpuid_bits::ext_leaf_svm, 0).ebx;
    log::line("refhv: SVM enabled: nested paging, ", log::dec{asids}, " ASIDs");

    u64 ram_start = 0, ram_end = 0;
    read_multiboot(mbi_pa, ram_start, ram_end);
    if (ram_end <= ram_start) panic("no usable RAM above the image and modules");
    pages::init(ram_start, ram_end);
    log::line("refhv: ", log::dec{pages::free_count()}, " free pages at ", log::hex{ram_start}, "..",
              log::hex{ram_end});

    // The TPM (if QEMU has one) measures every policy put in force, the boot policy first.
    if (!attest::init(arch::tpm_tis::init() ? arch::tpm_tis::transmit : nullptr))
        log::line("refhv: attest: no TPM: policies are not measured, ATTEST_QUOTE is ENOENT");
    mac::set_revocation_hooks({evtchn::revoke, grant::revoke_by_policy, resource::revoke, resource::rename_labels});
    if (!boot::init_mac(g_boot)) arch::qemu_exit(REFHV_QEMU_EXIT_FAILURE);
    domains::init();
    resource::init();
    sched::init();
    if (!boot::build_dom0(g_boot)) {
        log::line("refhv: fatal: cannot build dom0");
        arch::qemu_exit(REFHV_QEMU_EXIT_FAILURE);
    }

    if (arch::hpet::init()) {
        sched::set_clock(arch::hpet::now_ns);
        log::line("refhv: clock: HPET");
    } else {
        log::line("refhv: clock: PIT ticks (no HPET)");
    }
    arch::pic::init(1u << 0);  // IRQ0 only: the PIT, for preemption
    arch::pit::init(sched::tick_hz);
    sched::run();
}
