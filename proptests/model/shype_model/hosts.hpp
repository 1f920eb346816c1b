// SPDX-License-Identifier: Apache-2.0
#pragma once
// The hosts the harness runs: their capacities, the monitor each one runs, and the names the
// harness's operations, selectors and invariants share.

#include <cstddef>
#include <cstdint>
#include <string>

#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

namespace shype_model {

/// Small capacities, so that eviction, a full registry and out-of-range ids are all reached.
inline constexpr shype::monitor_limits host_limits{
    .max_domains = 8, .cache_sets = 4, .cache_ways = 2, .max_bindings = 5, .audit_entries = 8};
inline constexpr std::size_t host_types = 8;  ///< TE and CW capacity: the pools hold 10 of each
inline constexpr std::size_t host_count = 3;
/// VM labels of TE's decision table (te_table.hpp): more than the pool's 6, so no policy is
/// refused for it, and every sharing decision the model checks comes from the table, rebuilt
/// on every policy change.
inline constexpr std::size_t host_te_labels = 64;
using host_monitor = shype::basic_monitor<host_limits, shype::smp_locking, shype::chinese_wall<host_types>,
                                          shype::type_enforcement<host_types, host_te_labels>>;
inline constexpr std::uint8_t cw_index = 0;  ///< position of each policy in the stack (verdict::denied_by)
inline constexpr std::uint8_t te_index = 1;
inline constexpr std::size_t max_dom = host_limits.max_domains;
inline constexpr shype::domid_t hv = shype::hypervisor_subject;

/// A subject as the trace prints it.
inline std::string dom_name(shype::domid_t d) { return d == hv ? std::string("hv") : "d" + std::to_string(d); }

}  // namespace shype_model
