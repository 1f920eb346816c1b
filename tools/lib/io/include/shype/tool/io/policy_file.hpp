// SPDX-License-Identifier: Apache-2.0
#pragma once
// Policy files: read whole, written atomically, told apart by kind, and a binary validated.
// (XML or binary through one function: load_policy, <shype/tool/compile/load_policy.hpp>.)
//
// The kind is told by content, not by file name: a binary starts with the magic "SHYPEPOL";
// a file whose first non-blank character (after an optional UTF-8 byte-order mark) is '<' is
// XML; anything else is taken as a binary, so a damaged one gets the loader's diagnosis. Text in
// UTF-16 or UTF-32 (a byte-order mark, or '<' so encoded) is refused as such by load_policy.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <shype/tool/io/diagnostic.hpp>

namespace shype::tool {

enum class policy_kind { xml, binary };

struct loaded_policy {
  policy_kind kind = policy_kind::xml;
  std::vector<std::uint8_t> binary;  ///< validated by policy_view::load; empty on failure
  diagnostics diag;                  ///< errors and warnings, already naming the file
  [[nodiscard]] bool ok() const noexcept { return !binary.empty(); }
};

/// Reads a whole regular file of at most max_input_bytes (input_file.hpp); nullopt (and a
/// diagnostic naming the file and what is wrong) if it cannot.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> read_file(const std::string& path, diagnostics& diag);

/// Replaces a file atomically (atomic_file.hpp); false (and a diagnostic) if it cannot, and then
/// the old file is unchanged.
bool write_file(const std::string& path, const std::uint8_t* data, std::size_t size, diagnostics& diag);

[[nodiscard]] policy_kind kind_of(const std::vector<std::uint8_t>& bytes);

/// Validates bytes named `file` as a binary policy (kind binary; what is wrong, explained by
/// describe_load_error, if policy_view::load refuses them).
[[nodiscard]] loaded_policy load_binary_policy(const std::vector<std::uint8_t>& bytes, const std::string& file);

}  // namespace shype::tool
