// SPDX-License-Identifier: Apache-2.0
// The little C++ ABI support a freestanding image needs: no exceptions, no RTTI, no
// heap. Static objects with constructors are allowed (kmain runs .init_array); their
// destructors are never registered for running because the hypervisor never exits
// normally. Anything that would need the heap traps loudly instead of linking silently.
#include <cstddef>

#include "../core/panic.hpp"

extern "C" {
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
[[noreturn]] void __cxa_pure_virtual() { refhv::panic("pure virtual call"); }
}

void operator delete(void*) noexcept { refhv::panic("operator delete: there is no heap"); }
void operator delete(void*, std::size_t) noexcept { refhv::panic("operator delete: there is no heap"); }
