// SPDX-License-Identifier: Apache-2.0
// panic(): a broken hypervisor invariant. Never used for anything a guest can cause;
// guest faults kill the guest, guest requests return errors.
#pragma once

namespace refhv {
/// Provided by the platform: print `what` and stop (QEMU exit 37 in the hypervisor).
[[noreturn]] void panic(const char* what) noexcept;
}  // namespace refhv

#define REFHV_ASSERT(cond)                                                    \
    do {                                                                      \
        if (!(cond)) ::refhv::panic("assertion failed: " #cond " @ " __FILE__); \
    } while (false)
