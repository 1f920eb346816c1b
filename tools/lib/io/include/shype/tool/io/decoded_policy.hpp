// SPDX-License-Identifier: Apache-2.0
#pragma once
// A validated binary policy copied into plain containers, for the commands that read a whole
// policy (dump, diff, graph). Indices are the binary's (tables sorted by name).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <shype/policy_view.hpp>

namespace shype::tool {

struct decoded_level {
  std::uint16_t level = 0;
  std::vector<std::size_t> categories;
};

struct decoded_mls {
  decoded_level secrecy, integrity;
};

struct decoded_conflict_set {
  std::string name;
  std::vector<std::size_t> types;  ///< CW type indices, ascending
};

struct decoded_vm_label {
  std::string name;
  std::vector<std::size_t> te, cw;
  std::optional<decoded_mls> mls;
  std::string from;  ///< the name it was renamed from (format 1.1), empty if none
};

struct decoded_resource_label {
  std::string name;
  std::vector<std::size_t> te;
  std::optional<decoded_mls> mls;
  std::string from;  ///< as decoded_vm_label::from
};

struct decoded_policy {
  std::string name;
  shype::policy_version version;
  std::size_t size = 0;
  std::uint16_t format_major = 1, format_minor = 0;  ///< of the binary (1.1: it renames labels)
  std::uint64_t checksum = 0;
  std::array<std::uint8_t, 32> source_hash{};
  bool has_te = false, has_cw = false, has_mls = false;
  std::size_t categories = 0;
  std::vector<std::string> te_types, cw_types;
  std::vector<decoded_conflict_set> conflict_sets;
  std::vector<decoded_vm_label> vm_labels;
  std::vector<decoded_resource_label> resource_labels;
  std::optional<std::size_t> bootstrap;  ///< index into vm_labels

  /// May domains with these two labels share (Type Enforcement)? Always, without a TE section.
  [[nodiscard]] bool may_share(const decoded_vm_label& a, const decoded_vm_label& b) const;
  [[nodiscard]] bool may_access(const decoded_vm_label& a, const decoded_resource_label& r) const;
  /// The conflict set that keeps these two labels off one host, if any.
  [[nodiscard]] std::optional<std::size_t> conflict_between(const decoded_vm_label& a, const decoded_vm_label& b) const;
  /// Names of the given type indices.
  [[nodiscard]] std::vector<std::string> te_names(const std::vector<std::size_t>& ids) const;
  [[nodiscard]] std::vector<std::string> cw_names(const std::vector<std::size_t>& ids) const;
};

[[nodiscard]] decoded_policy decode(const shype::policy_view& v);

/// Indices common to two ascending lists.
[[nodiscard]] std::vector<std::size_t> common(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b);

/// "a, b, c" (or "-" when empty).
[[nodiscard]] std::string join(const std::vector<std::string>& names, const char* sep = ", ");

}  // namespace shype::tool
