// SPDX-License-Identifier: Apache-2.0
// What the hypervisor does with each decoded VM exit (arch::request).
#pragma once

#include "../arch/x86_64/port.hpp"
#include "domain.hpp"

namespace refhv::vcpu {

void handle(domain& d, const arch::request& r) noexcept;

/// CPUID as guests see it: the host's, minus SVM, XSAVE/AVX and MONITOR, plus the
/// hypervisor bit and leaves 0x40000000/1 ("refhv-shype", ABI version).
arch::cpuid_regs virtual_cpuid(u32 leaf, u32 subleaf) noexcept;

}  // namespace refhv::vcpu
