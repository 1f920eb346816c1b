// SPDX-License-Identifier: Apache-2.0
// The integer names the hypervisor (namespace refhv) and its guests (namespace g) share, said
// once: fixed-width integers and the domain id, which is the shype library's (shype/ids.hpp).
// Each side brings them in with `using namespace refhv::ints`. Freestanding: <cstddef> and
// <cstdint> only.
#pragma once

#include <shype/ids.hpp>

#include <cstddef>
#include <cstdint>

namespace refhv::ints {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i32 = std::int32_t;
using i64 = std::int64_t;
using usize = std::size_t;

/// A domain id: the hypervisor's numbering is the monitor's (below domid_limit, core/domain.hpp).
using shype::domid_t;

}  // namespace refhv::ints
