// SPDX-License-Identifier: Apache-2.0
// The hypervisor's console: a tiny type-safe formatter over a byte sink.
// log::line("refhv: d", log::dec{id}, " killed at ", log::hex{gpa}) prints one line.
// The sink is COM1 in the hypervisor and stdout in host tests.
#pragma once

#include "types.hpp"

namespace refhv::log {

struct hex {
    u64 v;
};
struct dec {
    u64 v;
};
struct sdec {
    i64 v;
};
struct str {
    const char* p;
    usize n;
};

/// Provided by the platform: write raw bytes to the console.
void sink(const char* s, usize n) noexcept;

void put(const char* s) noexcept;
void put(char c) noexcept;
void put(hex h) noexcept;
void put(dec d) noexcept;
void put(sdec d) noexcept;
void put(str s) noexcept;

template <class... A>
void line(const A&... a) noexcept {
    (put(a), ...);
    put('\n');
}

/// Format into a caller buffer (NUL-terminated, truncated); returns the length.
usize format_dec(char* buf, usize cap, u64 v) noexcept;

}  // namespace refhv::log
