// SPDX-License-Identifier: Apache-2.0
// The domain U test guest. "mode=<name>" on its command line picks what it does; its
// SCHED_SHUTDOWN code is what dom0 checks.
#include "../lib/rt.hpp"

#include "modes.hpp"

int guest_main(const refhv_start_info&) {
    char mode[32];
    g::arg("mode", mode, sizeof mode);
    for (const auto& m : testguest::modes)
        if (g::streq(mode, m.name)) return m.run();
    g::text t;
    t << "unknown mode '" << mode << "'";
    g::println(t);
    return 0x7F;
}
