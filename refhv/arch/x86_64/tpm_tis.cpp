// SPDX-License-Identifier: Apache-2.0
// TIS FIFO driver (TCG PC Client Platform TPM Profile 1.05, section 6.5). Registers of
// locality 0; the window is uncached in the identity map (3..4 GiB is device space).
#include "tpm_tis.hpp"

#include "port.hpp"

namespace refhv::arch::tpm_tis {

namespace {
constexpr u64 base = 0xFED40000;
constexpr u64 reg_access = 0x00, reg_sts = 0x18, reg_fifo = 0x24, reg_did_vid = 0xF00;
constexpr u8 access_valid = 0x80, access_active = 0x20, access_request = 0x02;
constexpr u32 sts_valid = 0x80, sts_ready = 0x40, sts_go = 0x20, sts_avail = 0x10, sts_expect = 0x08;
// Polls are bounded by a count, not a clock (the TPM is brought up before the clock is):
// far more than a key generation takes under emulation, and finite if the device hangs.
constexpr u64 max_polls = 400'000'000;

volatile u8& reg8(u64 off) noexcept { return *static_cast<volatile u8*>(phys_to_virt(base + off)); }
volatile u32& reg32(u64 off) noexcept { return *static_cast<volatile u32*>(phys_to_virt(base + off)); }

/// Wait until every bit of `bits` is set in STS; false on timeout.
bool wait_sts(u32 bits) noexcept {
    for (u64 i = 0; i < max_polls; ++i)
        if ((reg32(reg_sts) & bits) == bits) return true;
    return false;
}

/// The burst count: how many bytes the FIFO takes or gives now (0: wait).
u32 burst() noexcept {
    for (u64 i = 0; i < max_polls; ++i)
        if (const u32 b = (reg32(reg_sts) >> 8) & 0xFFFF; b != 0) return b;
    return 0;
}

bool read_bytes(u8* out, usize n) noexcept {
    for (usize done = 0; done < n;) {
        const u32 b = burst();
        if (b == 0) return false;
        for (u32 i = 0; i < b && done < n; ++i) out[done++] = reg8(reg_fifo);
    }
    return true;
}
}  // namespace

bool init() noexcept {
    const u32 id = reg32(reg_did_vid);
    if (id == 0 || id == 0xFFFFFFFF) return false;
    if ((reg8(reg_access) & access_valid) == 0) return false;
    reg8(reg_access) = access_request;
    for (u64 i = 0; i < max_polls; ++i)
        if ((reg8(reg_access) & (access_valid | access_active)) == (access_valid | access_active)) return true;
    return false;
}

bool transmit(const u8* cmd, usize n, u8* rsp, usize cap, usize& got) noexcept {
    got = 0;
    if (n < 10 || cap < 10) return false;
    reg32(reg_sts) = sts_ready;  // abort whatever was there, become ready for a command
    if (!wait_sts(sts_ready)) return false;
    for (usize done = 0; done < n;) {
        const u32 b = burst();
        if (b == 0) return false;
        for (u32 i = 0; i < b && done < n; ++i) reg8(reg_fifo) = cmd[done++];
    }
    // The TPM expects no more bytes: the size in the header was the size sent.
    if (!wait_sts(sts_valid) || (reg32(reg_sts) & sts_expect) != 0) return false;
    reg32(reg_sts) = sts_go;
    if (!wait_sts(sts_valid | sts_avail)) return false;
    if (!read_bytes(rsp, 10)) return false;
    const usize size = (usize{rsp[2]} << 24) | (usize{rsp[3]} << 16) | (usize{rsp[4]} << 8) | rsp[5];
    const bool fits = size >= 10 && size <= cap;
    if (fits && !read_bytes(rsp + 10, size - 10)) return false;
    reg32(reg_sts) = sts_ready;  // done with this response (a response too big is dropped)
    if (!fits) return false;
    got = size;
    return true;
}

}  // namespace refhv::arch::tpm_tis
