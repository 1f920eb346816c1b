// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::load_error — why a binary policy was rejected, precisely enough to fix it.
//
// Besides the errc it names the section, the element (e.g. the label's index) and the byte
// offset of the defect; `other` is a second index where one is involved (the conflict set a
// label violates). The shype tool turns this into a one-line message with the names.

#include <cstdint>

#include "errc.hpp"

namespace shype {

enum class policy_section : std::uint8_t {
  header, te_types, cw_types, conflict_sets, vm_labels, resource_labels, mls, strings,
  renames,  ///< format 1.1's rename table
};

[[nodiscard]] constexpr const char* to_string(policy_section s) noexcept {
  switch (s) {
    case policy_section::header: return "header";
    case policy_section::te_types: return "te_types";
    case policy_section::cw_types: return "cw_types";
    case policy_section::conflict_sets: return "conflict_sets";
    case policy_section::vm_labels: return "vm_labels";
    case policy_section::resource_labels: return "resource_labels";
    case policy_section::mls: return "mls";
    case policy_section::strings: return "strings";
    case policy_section::renames: return "renames";
  }
  return "unknown_section";
}

struct load_error {
  static constexpr std::uint32_t none = 0xFFFFFFFF;

  errc code = errc::bad_header;
  policy_section section = policy_section::header;
  std::uint32_t index = none;   ///< element of the section, if any
  std::uint32_t other = none;   ///< a second element involved, if any
  std::uint64_t offset = 0;     ///< byte offset of the defect in the binary

  constexpr load_error() noexcept = default;
  constexpr load_error(errc c, policy_section s, std::uint64_t off = 0,
                       std::uint32_t idx = none, std::uint32_t oth = none) noexcept
      : code(c), section(s), index(idx), other(oth), offset(off) {}
  /// Lets a plain errc travel where a load_error is expected (e.g. errc::too_large).
  constexpr load_error(errc c) noexcept : code(c) {}  // NOLINT: implicit by design
  friend constexpr bool operator==(const load_error&, const load_error&) noexcept = default;
};

}  // namespace shype
