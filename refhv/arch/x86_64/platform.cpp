// SPDX-License-Identifier: Apache-2.0
#include "platform.hpp"

#include "port.hpp"

namespace refhv::arch {

namespace serial {
namespace {
constexpr u16 com1 = 0x3F8;
constexpr u16 reg_data = 0, reg_ier = 1, reg_fcr = 2, reg_lcr = 3, reg_mcr = 4, reg_lsr = 5;
constexpr u8 lsr_thr_empty = 0x20;

void put(char c) noexcept {
    while ((port::inb(com1 + reg_lsr) & lsr_thr_empty) == 0) {
    }
    port::outb(com1 + reg_data, static_cast<u8>(c));
}
}  // namespace

void init() noexcept {
    port::outb(com1 + reg_ier, 0x00);  // polled: no UART interrupts
    port::outb(com1 + reg_lcr, 0x80);  // DLAB to set the divisor
    port::outb(com1 + reg_data, 0x01); // 115200 baud
    port::outb(com1 + reg_ier, 0x00);
    port::outb(com1 + reg_lcr, 0x03);  // 8N1
    port::outb(com1 + reg_fcr, 0xC7);  // FIFO on, cleared
    port::outb(com1 + reg_mcr, 0x03);  // DTR, RTS
}

void write(const char* s, usize n) noexcept {
    for (usize i = 0; i < n; ++i) {
        if (s[i] == '\n') put('\r');
        put(s[i]);
    }
}
}  // namespace serial

namespace pic {
namespace {
constexpr u16 m_cmd = 0x20, m_data = 0x21, s_cmd = 0xA0, s_data = 0xA1;
}

void init(u16 unmasked) noexcept {
    port::outb(m_cmd, 0x11);  // ICW1: edge, cascade, ICW4 follows
    port::outb(s_cmd, 0x11);
    port::outb(m_data, master_base);  // ICW2: vector offsets
    port::outb(s_data, slave_base);
    port::outb(m_data, 0x04);  // ICW3: slave on IRQ2
    port::outb(s_data, 0x02);
    port::outb(m_data, 0x01);  // ICW4: 8086 mode
    port::outb(s_data, 0x01);
    const u16 mask = static_cast<u16>(~unmasked & ~(1u << 2));  // keep the cascade line open
    port::outb(m_data, static_cast<u8>(mask & 0xFF));
    port::outb(s_data, static_cast<u8>(mask >> 8));
}

void eoi(u8 irq) noexcept {
    if (irq >= 8) port::outb(s_cmd, 0x20);
    port::outb(m_cmd, 0x20);
}

bool spurious(u8 irq) noexcept {
    const u16 cmd = irq >= 8 ? s_cmd : m_cmd;
    port::outb(cmd, 0x0B);  // OCW3: read ISR
    const u8 isr = port::inb(cmd);
    if ((isr & 0x80) != 0) return false;
    if (irq >= 8) port::outb(m_cmd, 0x20);  // the master saw a real IRQ2
    return true;
}
}  // namespace pic

namespace pit {
void init(u32 hz) noexcept {
    const u32 divisor = 1193182u / hz;
    port::outb(0x43, 0x34);  // channel 0, lo/hi byte, mode 2 (rate generator)
    port::outb(0x40, static_cast<u8>(divisor & 0xFF));
    port::outb(0x40, static_cast<u8>((divisor >> 8) & 0xFF));
}
}  // namespace pit

namespace hpet {
namespace {
// Memory-mapped registers (IA-PC HPET spec 2.3): capabilities (period in femtoseconds in the
// upper half), configuration (bit 0 enables the counter), main counter.
constexpr u64 base = 0xFED00000;  // where QEMU's q35 puts it (uncached in our identity map)
constexpr u64 reg_caps = 0x00, reg_config = 0x10, reg_counter = 0xF0;
u64 g_period_fs = 0;
u64 g_start = 0;

volatile u64& reg(u64 off) noexcept { return *static_cast<volatile u64*>(phys_to_virt(base + off)); }
}  // namespace

bool init() noexcept {
    const u64 caps = reg(reg_caps);
    const u64 period = caps >> 32;
    // A valid period is at most 100 ns (spec); all ones means nothing answered.
    if (caps == ~0ull || period == 0 || period > 100000000ull) return false;
    g_period_fs = period;
    reg(reg_config) = reg(reg_config) | 1;
    g_start = reg(reg_counter);
    return true;
}

u64 now_ns() noexcept {
    const u64 ticks = reg(reg_counter) - g_start;
    // Split to avoid overflow: ticks * period_fs can exceed 64 bits after a few hours.
    return (ticks / 1000000) * g_period_fs + (ticks % 1000000) * g_period_fs / 1000000;
}
}  // namespace hpet

void qemu_exit(u32 code) noexcept {
    port::outl(0xF4, code);
    // Without the device (or with a different iobase) we land here: stop the CPU.
    port::halt_forever();
}

}  // namespace refhv::arch
