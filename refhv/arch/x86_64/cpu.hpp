// SPDX-License-Identifier: Apache-2.0
// Architectural constants: MSRs, control-register bits, CPUID feature bits.
#pragma once

#include "../../core/types.hpp"

namespace refhv::arch {

namespace msr {
inline constexpr u32 efer = 0xC0000080;
inline constexpr u32 vm_cr = 0xC0010114;
inline constexpr u32 vm_hsave_pa = 0xC0010117;
}  // namespace msr

namespace efer {
inline constexpr u64 sce = 1ull << 0, lme = 1ull << 8, lma = 1ull << 10, nxe = 1ull << 11,
                     svme = 1ull << 12;
}
namespace vm_cr {
inline constexpr u64 svmdis = 1ull << 4;
}

namespace cr0 {
inline constexpr u64 pe = 1ull << 0, mp = 1ull << 1, em = 1ull << 2, ts = 1ull << 3, et = 1ull << 4,
                     ne = 1ull << 5, wp = 1ull << 16, am = 1ull << 18, nw = 1ull << 29,
                     cd = 1ull << 30, pg = 1ull << 31;
}
namespace cr4 {
inline constexpr u64 pse = 1ull << 4, pae = 1ull << 5, pge = 1ull << 7, osfxsr = 1ull << 9,
                     osxmmexcpt = 1ull << 10, osxsave = 1ull << 18;
}
namespace rflags {
inline constexpr u64 fixed1 = 1ull << 1, tf = 1ull << 8, intf = 1ull << 9;
}

namespace cpuid_bits {
inline constexpr u32 ext_leaf_svm = 0x8000000A;
inline constexpr u32 ecx_svm = 1u << 2;          ///< leaf 0x80000001 ECX
inline constexpr u32 edx_npt = 1u << 0;          ///< leaf 0x8000000A EDX
inline constexpr u32 edx_nrips = 1u << 3;        ///< leaf 0x8000000A EDX
inline constexpr u32 edx_nx = 1u << 20;          ///< leaf 0x80000001 EDX
inline constexpr u32 ecx_hypervisor = 1u << 31;  ///< leaf 1 ECX
inline constexpr u32 ecx_xsave = 1u << 26, ecx_osxsave = 1u << 27, ecx_avx = 1u << 28;  ///< leaf 1
inline constexpr u32 ecx_monitor = 1u << 3;      ///< leaf 1
}  // namespace cpuid_bits

namespace vec {
inline constexpr u8 ud = 6, df = 8, gp = 13, pf = 14, mc = 18, nmi = 2;
}

}  // namespace refhv::arch
