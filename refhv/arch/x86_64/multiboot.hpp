// SPDX-License-Identifier: Apache-2.0
// Multiboot (v1) information structure as QEMU's -kernel loader passes it.
#pragma once

#include <cstddef>

#include "../../core/types.hpp"

namespace refhv::arch::multiboot {

inline constexpr u32 boot_magic = 0x2BADB002;
inline constexpr u32 flag_cmdline = 1u << 2;
inline constexpr u32 flag_mods = 1u << 3;
inline constexpr u32 flag_mmap = 1u << 6;

struct info {
    u32 flags;
    u32 mem_lower, mem_upper;
    u32 boot_device;
    u32 cmdline;
    u32 mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
};
static_assert(offsetof(info, cmdline) == 16 && offsetof(info, mmap_addr) == 48);

struct module {
    u32 mod_start, mod_end;
    u32 string;
    u32 reserved;
};
static_assert(sizeof(module) == 16);

struct [[gnu::packed]] mmap_entry {
    u32 size;  ///< of the rest of the entry
    u64 base;
    u64 length;
    u32 type;  ///< 1 = usable RAM
};
static_assert(sizeof(mmap_entry) == 24);

}  // namespace refhv::arch::multiboot
