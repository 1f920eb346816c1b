// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::errc — why a request could not be evaluated.
//
// "Deny" is a decision (shype::decision), never an error. An errc says the request itself was
// wrong or could not be served (unknown domain, full table, malformed policy), and every caller
// treats it as a refusal: errors fail closed. One register wide, like NOVA's Status.

#include <cstdint>

namespace shype {

enum class errc : std::uint8_t {
  // --- requests -------------------------------------------------------------------------------
  invalid_argument = 1,  ///< a malformed request: bad enum value, subject equal to object, ...
  unknown_domain,        ///< domain id out of range, or no domain with that id
  domain_exists,         ///< create/restore/migrate-in on an id that is in use
  domain_not_running,    ///< the hook needs a running domain
  domain_not_saved,      ///< restore of a domain that is not saved
  unknown_label,         ///< label id not in the policy in force
  unknown_binding,       ///< stale or forged binding handle
  capacity_exhausted,    ///< a fixed-capacity table is full
  no_policy,             ///< no policy is loaded yet
  not_permitted,         ///< a management operation by a subject without the management label
  change_rejected,       ///< a live policy change would violate the policy; nothing changed
  // --- binary policies (see policy_view) ----------------------------------------------------------
  truncated,             ///< buffer shorter than the header or than total_size says
  bad_magic,             ///< not a shype binary policy
  unsupported_version,   ///< format major version not understood
  bad_header,            ///< header size, flags or reserved fields wrong
  bad_length,            ///< total_size disagrees with the buffer or the layout
  bad_checksum,          ///< XXH64 over the binary does not match
  bad_offset,            ///< a section offset is not where the layout puts it, or out of bounds
  bad_count,             ///< a count is inconsistent (e.g. TE types without the TE flag)
  bad_string,            ///< a name is empty, too long, out of bounds or has a control byte
  unsorted_names,        ///< names of one table are not strictly ascending
  duplicate_name,        ///< two entries of one table have the same name
  bad_bitset,            ///< a type set has bits beyond the number of types, or padding set
  empty_conflict_set,    ///< a conflict set holds no type
  invalid_label,         ///< a label holds two types of one conflict set
  bad_reference,         ///< an index (e.g. the bootstrap label) is out of range
  too_large,             ///< the policy exceeds the capacities this monitor was built with
  missing_section,       ///< a policy of the monitor needs a section the binary lacks
  // Values are part of the C ABI (adapters/c/shype.h): new codes go at the end.
  bad_span,              ///< a label's span of non-zero words does not match its type set
};

/// A short, stable name for an errc (used by the audit formatter and the shype tool).
[[nodiscard]] constexpr const char* to_string(errc e) noexcept {
  switch (e) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::unknown_domain: return "unknown_domain";
    case errc::domain_exists: return "domain_exists";
    case errc::domain_not_running: return "domain_not_running";
    case errc::domain_not_saved: return "domain_not_saved";
    case errc::unknown_label: return "unknown_label";
    case errc::unknown_binding: return "unknown_binding";
    case errc::capacity_exhausted: return "capacity_exhausted";
    case errc::no_policy: return "no_policy";
    case errc::not_permitted: return "not_permitted";
    case errc::change_rejected: return "change_rejected";
    case errc::truncated: return "truncated";
    case errc::bad_magic: return "bad_magic";
    case errc::unsupported_version: return "unsupported_version";
    case errc::bad_header: return "bad_header";
    case errc::bad_length: return "bad_length";
    case errc::bad_checksum: return "bad_checksum";
    case errc::bad_offset: return "bad_offset";
    case errc::bad_count: return "bad_count";
    case errc::bad_string: return "bad_string";
    case errc::unsorted_names: return "unsorted_names";
    case errc::duplicate_name: return "duplicate_name";
    case errc::bad_bitset: return "bad_bitset";
    case errc::bad_span: return "bad_span";
    case errc::empty_conflict_set: return "empty_conflict_set";
    case errc::invalid_label: return "invalid_label";
    case errc::bad_reference: return "bad_reference";
    case errc::too_large: return "too_large";
    case errc::missing_section: return "missing_section";
  }
  return "unknown_errc";
}

}  // namespace shype
