// SPDX-License-Identifier: Apache-2.0
#include "log.hpp"

namespace refhv::log {

void put(const char* s) noexcept { sink(s, bounded_strlen(s, 4096)); }
void put(char c) noexcept { sink(&c, 1); }
void put(str s) noexcept { sink(s.p, s.n); }

void put(hex h) noexcept {
    char buf[18] = {'0', 'x'};
    usize n = 2;
    bool started = false;
    for (int shift = 60; shift >= 0; shift -= 4) {
        const unsigned nib = static_cast<unsigned>(h.v >> shift) & 0xFu;
        if (nib != 0 || started || shift == 0) {
            started = true;
            buf[n++] = "0123456789abcdef"[nib];
        }
    }
    sink(buf, n);
}

usize format_dec(char* buf, usize cap, u64 v) noexcept {
    char tmp[20];
    usize n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + static_cast<char>(v % 10));
        v /= 10;
    } while (v != 0);
    usize out = 0;
    while (n > 0 && out + 1 < cap) buf[out++] = tmp[--n];
    if (cap > 0) buf[out] = '\0';
    return out;
}

void put(dec d) noexcept {
    char buf[21];
    const usize n = format_dec(buf, sizeof buf, d.v);
    sink(buf, n);
}

void put(sdec d) noexcept {
    if (d.v < 0) {
        put('-');
        put(dec{static_cast<u64>(0) - static_cast<u64>(d.v)});
    } else {
        put(dec{static_cast<u64>(d.v)});
    }
}

}  // namespace refhv::log
