// SPDX-License-Identifier: Apache-2.0
#include "descriptors.hpp"

#include "../../core/lib.hpp"
#include "cpu.hpp"
#include "port.hpp"

extern "C" const char isr_stubs[];  // entry.S: stub n at isr_stubs + 16 n

namespace refhv::arch {

namespace {
alignas(16) u64 g_gdt[5];
alignas(16) tss64 g_tss;
alignas(16) idt_gate g_idt[256];
alignas(16) u8 g_ist1[16384];
}  // namespace

void init_descriptors() noexcept {
    g_gdt[0] = 0;
    g_gdt[1] = 0x00AF9A000000FFFFull;  // 64-bit code, DPL 0
    g_gdt[2] = 0x00CF92000000FFFFull;  // data
    lib::memset(&g_tss, 0, sizeof g_tss);
    g_tss.ist[0] = reinterpret_cast<u64>(g_ist1 + sizeof g_ist1);
    g_tss.iomap_base = sizeof(tss64);
    const u64 base = reinterpret_cast<u64>(&g_tss);
    const u64 limit = sizeof(tss64) - 1;
    g_gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |  // available 64-bit TSS
               (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    g_gdt[4] = base >> 32;
    port::load_gdt(g_gdt, sizeof g_gdt - 1, sel_code, sel_data);
    port::load_tr(sel_tss);

    for (unsigned v = 0; v < 256; ++v) {
        const u64 addr = reinterpret_cast<u64>(isr_stubs + 16 * v);
        idt_gate& g = g_idt[v];
        g.offset_lo = static_cast<u16>(addr & 0xFFFF);
        g.selector = sel_code;
        g.ist = (v == vec::df || v == vec::nmi || v == vec::mc) ? 1 : 0;
        g.type_attr = 0x8E;  // present, DPL 0, 64-bit interrupt gate
        g.offset_mid = static_cast<u16>((addr >> 16) & 0xFFFF);
        g.offset_hi = static_cast<u32>(addr >> 32);
        g.reserved = 0;
    }
    port::load_idt(g_idt, sizeof g_idt - 1);
}

}  // namespace refhv::arch
