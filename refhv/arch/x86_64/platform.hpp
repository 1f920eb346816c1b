// SPDX-License-Identifier: Apache-2.0
// PC platform devices the hypervisor drives itself: the COM1 UART, the 8259 PICs,
// the 8254 PIT and QEMU's isa-debug-exit device.
#pragma once

#include "../../core/types.hpp"

namespace refhv::arch {

namespace serial {
void init() noexcept;
void write(const char* s, usize n) noexcept;
}  // namespace serial

namespace pic {
inline constexpr u8 master_base = 0x20;  ///< IRQ0 -> vector 0x20, clear of CPU exceptions
inline constexpr u8 slave_base = 0x28;
/// Remap both PICs and mask every line except `unmasked` (bit n = IRQ n).
void init(u16 unmasked) noexcept;
void eoi(u8 irq) noexcept;
/// IRQ7/IRQ15 may be spurious: true if the in-service bit is clear.
bool spurious(u8 irq) noexcept;
}  // namespace pic

namespace pit {
/// Program channel 0 as a rate generator at `hz`.
void init(u32 hz) noexcept;
}  // namespace pit

namespace hpet {
/// Start the HPET main counter at its fixed q35 address (0xFED00000); false if absent.
bool init() noexcept;
/// Nanoseconds since init(); only after init() returned true.
u64 now_ns() noexcept;
}  // namespace hpet

/// Exit QEMU through isa-debug-exit (port 0xf4). QEMU's status is (code << 1) | 1.
[[noreturn]] void qemu_exit(u32 code) noexcept;

}  // namespace refhv::arch
