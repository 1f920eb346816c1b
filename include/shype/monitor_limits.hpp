// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::monitor_limits — every capacity of a monitor, as one class-type template parameter:
// the monitor's memory is fixed at compile time and running out of room is an errc.

#include <cstddef>

namespace shype {

/// Capacities of a monitor (a class-type template parameter).
struct monitor_limits {
  std::size_t max_domains = 256;   ///< domain ids 0..max_domains-1
  std::size_t cache_sets = 256;    ///< decision cache sets (a power of two)
  std::size_t cache_ways = 4;      ///< entries per set
  std::size_t max_bindings = 4096; ///< live channels, grant mappings and resource attachments
  std::size_t audit_entries = 64;  ///< denials kept
  std::size_t revocation_memo = 4096;  ///< distinct (kind, label, label) decisions memoised per policy change
  // New fields go last: an embedder may still initialise this positionally.
  /// Distinct (kind, subject domain, object) triples of live bindings a policy change decides
  /// once each; bindings beyond it are decided one by one (correct, slower: binding_registry.hpp).
  std::size_t binding_groups = 1024;
  /// Cached permits probed before the cache, per domain and sharing hook (a power of two; 0:
  /// none): max_domains × 5 × permit_slots words of 4 bytes (detail/hit_path.hpp).
  std::size_t permit_slots = 8;
};

}  // namespace shype
