// SPDX-License-Identifier: Apache-2.0
#include "attest.hpp"
#include "boot.hpp"

#include "../arch/x86_64/port.hpp"
#include "domctl.hpp"
#include "lib.hpp"
#include "log.hpp"
#include "mac.hpp"

namespace refhv::boot {

bool option(const char* cmdline, const char* key, char* out, usize cap) noexcept {
    const usize klen = bounded_strlen(key, 64);
    const char* p = cmdline;
    while (*p != '\0') {
        while (*p == ' ') ++p;
        const char* word = p;
        while (*p != '\0' && *p != ' ') ++p;
        if (static_cast<usize>(p - word) > klen && lib::memcmp(word, key, klen) == 0 && word[klen] == '=') {
            const char* v = word + klen + 1;
            usize n = static_cast<usize>(p - v);
            if (cap == 0) return false;
            if (n >= cap) n = cap - 1;
            lib::memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
    }
    return false;
}

void module_cmdline(const char* cmdline, char* out, usize cap) noexcept {
    if (cap == 0) return;
    const char* name = cmdline;
    const char* p = cmdline;
    for (; *p != '\0' && *p != ' '; ++p)
        if (*p == '/') name = p + 1;
    lib::strlcpy(out, name, cap);
}

namespace {
u64 parse_u64(const char* s) noexcept {
    u64 v = 0;
    for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + static_cast<u64>(*s - '0');
    return v;
}

/// A module's command line without its leading path.
const char* args_of(const char* cmdline) noexcept {
    const char* p = cmdline;
    while (*p != '\0' && *p != ' ') ++p;
    while (*p == ' ') ++p;
    return p;
}
}  // namespace

result<void> init_mac(info& bi) noexcept {
    unsigned at = 0;
    for (unsigned i = 1; i < bi.nr_modules && at == 0; ++i) {
        const module& m = bi.modules[i];
        if (mac::looks_like_policy({static_cast<const u8*>(arch::phys_to_virt(m.start)), m.size})) at = i;
    }
    if (at == 0) {
        log::line("refhv: fatal: no boot policy (pass a `shype compile` binary as a boot module)");
        return fail(errc::noent);
    }
    const module& m = bi.modules[at];
    char why[128] = "";
    const view<const u8> bytes{static_cast<const u8*>(arch::phys_to_virt(m.start)), m.size};
    // With a TPM the boot policy is measured like every later one (attest.hpp): hashed first,
    // extended and logged once it is in force. One that cannot be measured is not used.
    attest::pending measured;
    if (auto r = attest::prepare(bytes, measured, why, sizeof why); !r) {
        log::line("refhv: fatal: boot policy in module ", log::dec{at}, " ", why);
        return r;
    }
    if (auto r = mac::init(bytes, why, sizeof why); !r) {
        log::line("refhv: fatal: boot policy in module ", log::dec{at}, " ", why);
        return r;
    }
    attest::commit(measured);
    char boot_label[REFHV_LABEL_MAX];
    mac::bootstrap_label(boot_label, sizeof boot_label);
    log::line("refhv: ACM: Chinese Wall + Type Enforcement, boot policy from module ", log::dec{at}, " (",
              log::dec{m.size}, " bytes), bootstrap label ", boot_label[0] != '\0' ? boot_label : "(none)");
    // The hypervisor keeps it: dom0 does not get it as a module.
    for (unsigned i = at; i + 1 < bi.nr_modules; ++i) bi.modules[i] = bi.modules[i + 1];
    --bi.nr_modules;
    if (option(bi.cmdline, "mac_trace", why, sizeof why) && why[0] == '1') mac::set_trace(true);
    return success;
}

result<domain*> build_dom0(const info& bi) noexcept {
    if (bi.nr_modules == 0) {
        log::line("refhv: fatal: no dom0 image (pass it with QEMU -initrd)");
        return fail(errc::noent);
    }
    const module& m0 = bi.modules[0];
    const auto* image = static_cast<const u8*>(arch::phys_to_virt(m0.start));

    u64 mem = default_dom0_mem;
    char buf[REFHV_LABEL_MAX];
    if (option(bi.cmdline, "dom0_mem", buf, sizeof buf)) mem = parse_u64(buf) << 20;
    char label[REFHV_LABEL_MAX];
    mac::bootstrap_label(label, sizeof label);  // the policy's management label, unless told otherwise
    if (option(bi.cmdline, "dom0_label", buf, sizeof buf)) lib::strlcpy(label, buf, sizeof label);
    if (!domctl::valid_label(label, sizeof label) || mem < REFHV_DOMAIN_MIN_MEM || mem > REFHV_DOMAIN_MAX_MEM) {
        log::line("refhv: fatal: bad dom0_mem or dom0_label");
        return fail(errc::inval);
    }

    refhv_image_header h;
    if (m0.size < sizeof h) return fail(errc::noexec);
    lib::memcpy(&h, image, sizeof h);
    if (auto r = domctl::check_image(h, m0.size, mem); !r) {
        log::line("refhv: fatal: module 0 is not a refhv guest image for ", log::dec{mem >> 20}, " MiB");
        return fail(r.error());
    }

    if (auto r = mac::enforce(mac::domain_create(mac::hypervisor, dom0, label)); !r) {
        log::line("refhv: fatal: the ACM refuses dom0 with label ", label);
        return fail(r.error());
    }
    auto built = domains::build({dom0, label, args_of(m0.cmdline), mem, true});
    if (!built) return built;
    domain& d = *built.value();
    REFHV_TRY(domains::write_mem(d, REFHV_GUEST_LOAD_GPA, image, h.file_size));

    // The other boot modules are copied into dom0's memory, after its image.
    u64 at = page_align_up(REFHV_GUEST_LOAD_GPA + h.mem_size);
    for (unsigned i = 1; i < bi.nr_modules; ++i) {
        const module& m = bi.modules[i];
        if (at + m.size > mem - guest_stack_reserve) {
            log::line("refhv: fatal: boot modules do not fit in dom0_mem");
            return fail(errc::nomem);
        }
        REFHV_TRY(domains::write_mem(d, at, arch::phys_to_virt(m.start), m.size));
        refhv_module& sm = d.start->modules[i - 1];
        sm.gpa = at;
        sm.size = m.size;
        module_cmdline(m.cmdline, sm.cmdline, sizeof sm.cmdline);
        at = page_align_up(at + m.size);
    }
    d.start->nr_modules = bi.nr_modules - 1;
    domains::start(d, h.entry, at);
    log::line("refhv: dom0 label ", label, " mem ", log::dec{mem >> 20}, " MiB, ", log::dec{bi.nr_modules - 1},
              " module(s)");
    return &d;
}

}  // namespace refhv::boot
