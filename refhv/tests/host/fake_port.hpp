// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "../../arch/x86_64/port.hpp"

namespace fake {
/// CPUID answers for the code under test (nullptr: all zero).
extern refhv::arch::cpuid_regs (*cpuid)(refhv::u32, refhv::u32);
/// Everything the hypervisor printed.
extern std::string console;
extern int fxsaves, fxrstors;
}  // namespace fake
