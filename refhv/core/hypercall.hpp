// SPDX-License-Identifier: Apache-2.0
// Hypercall dispatch: decode (operation and raw 64-bit arguments), validate (every
// argument, before any state changes), perform. Argument pointers are guest-physical
// and must lie in the caller's own memory (gmem); ids, ports, refs and sizes are
// range-checked; management operations ask for the management privilege first (dom0
// holding the policy's management label: mac::manage, on every call).
#pragma once

#include "domain.hpp"

namespace refhv::hypercall {

struct outcome {
    bool set;  ///< false when the operation already arranged RAX (block) or the caller is gone
    u64 rax;
};

outcome dispatch(domain& d, const arch::request& r) noexcept;

/// Largest buffer the policy calls move (a binary policy blob).
inline constexpr u64 max_policy_bytes = 64 * 1024;
inline constexpr u64 max_console_bytes = 4096;
/// Largest POLICY_AUDIT answer: the whole denial log as text.
inline constexpr u64 max_audit_bytes = 16 * 1024;
inline constexpr u64 max_block_ms = 3600 * 1000;

}  // namespace refhv::hypercall
