// SPDX-License-Identifier: Apache-2.0
#pragma once
// Identifiers the monitor and the embedding hypervisor exchange. Plain integers, one register:
// hooks are called from hypercall paths that pass them straight through.

#include <cstdint>

namespace shype {

/// A domain (VM) id, as the hypervisor numbers its domains. Must be below the monitor's
/// max_domains; the monitor tracks reuse of an id itself (a reused id is a new domain).
using domid_t = std::uint16_t;

/// Index of a VirtualMachineLabel in the policy in force (labels are sorted by name).
using label_id = std::uint16_t;

/// Index of a ResourceLabel in the policy in force.
using resource_id = std::uint16_t;

/// Policy generation: bumped by every successful policy change. 32 bits keep a verdict in one
/// register; after 2^32 changes it wraps (skipping 0, "no policy") and the cache is emptied.
using generation_t = std::uint32_t;

inline constexpr label_id no_label = 0xFFFF;

}  // namespace shype
