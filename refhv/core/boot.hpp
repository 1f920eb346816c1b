// SPDX-License-Identifier: Apache-2.0
// From boot information to a running dom0: the platform-independent half of booting.
#pragma once

#include "domain.hpp"

namespace refhv::boot {

struct module {
    u64 start;  ///< host-physical
    u64 size;
    char cmdline[REFHV_CMDLINE_MAX];
};

struct info {
    char cmdline[256];
    module modules[REFHV_MAX_MODULES + 1];  ///< modules[0] is dom0
    unsigned nr_modules;
};

inline constexpr u64 default_dom0_mem = 16ull << 20;

/// The value of `key=` in a space-separated command line, copied into `out`.
bool option(const char* cmdline, const char* key, char* out, usize cap) noexcept;

/// A boot module's command line as a guest sees it: the host path of its first word reduced
/// to the file name (the host's directories mean nothing to a guest and would crowd the
/// arguments out of refhv_module::cmdline), then its arguments; cut to `cap` - 1 characters.
void module_cmdline(const char* cmdline, char* out, usize cap) noexcept;

/// Start the ACM with the boot policy: the first module after dom0 that is a shype binary
/// policy, validated completely; it is taken out of the list (dom0 does not get it).
/// Option mac_trace=1 logs every hook decision.
result<void> init_mac(info& bi) noexcept;

/// Build dom0 from modules[0] (options: dom0_mem=<MiB>, dom0_label=<name>, by default the
/// policy's bootstrap label) and copy the other modules into its memory, listed in its
/// start info. dom0 is left runnable.
result<domain*> build_dom0(const info& bi) noexcept;

}  // namespace refhv::boot
