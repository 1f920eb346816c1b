// SPDX-License-Identifier: Apache-2.0
// arch::port for host tests: no privileged instruction is executed. CPUID answers come
// from a table the test controls; everything else is recorded or ignored.
#include "fake_port.hpp"

#include "../../arch/x86_64/exit.hpp"
#include "../../core/domain.hpp"
#include "../../core/log.hpp"
#include "../../core/panic.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace fake {
refhv::arch::cpuid_regs (*cpuid)(refhv::u32, refhv::u32) = nullptr;
std::string console;
int fxsaves = 0, fxrstors = 0;
}  // namespace fake

namespace refhv::arch {
void port::outb(u16, u8) noexcept {}
u8 port::inb(u16) noexcept { return 0xFF; }
void port::outl(u16, u32) noexcept {}
u64 port::rdmsr(u32) noexcept { return 0; }
void port::wrmsr(u32, u64) noexcept {}
cpuid_regs port::cpuid(u32 leaf, u32 sub) noexcept {
    if (fake::cpuid != nullptr) return fake::cpuid(leaf, sub);
    return {0, 0, 0, 0};
}
u64 port::read_cr0() noexcept { return 0; }
u64 port::read_cr2() noexcept { return 0; }
u64 port::read_cr3() noexcept { return 0; }
u64 port::read_cr4() noexcept { return 0; }
void port::write_cr0(u64) noexcept {}
void port::write_cr4(u64) noexcept {}
void port::load_gdt(const void*, u16, u16, u16) noexcept {}
void port::load_idt(const void*, u16) noexcept {}
void port::load_tr(u16) noexcept {}
void port::fxsave(void*) noexcept { ++fake::fxsaves; }
void port::fxrstor(const void*) noexcept { ++fake::fxrstors; }
void port::vmsave(u64) noexcept {}
void port::wait_for_interrupt() noexcept {}
void port::halt_forever() noexcept { std::abort(); }
}  // namespace refhv::arch

// The world switch never runs on the host.
extern "C" void svm_world_switch(refhv::arch::guest_gprs*, refhv::u64, refhv::u64) { std::abort(); }

namespace refhv {
void log::sink(const char* s, usize n) noexcept { fake::console.append(s, n); }
void panic(const char* what) noexcept {
    std::fprintf(stderr, "panic: %s\n", what);
    std::abort();
}
void system_exit(u32 code) noexcept {
    std::fprintf(stderr, "system_exit(%u) in a host test\n", code);
    std::abort();
}
}  // namespace refhv
