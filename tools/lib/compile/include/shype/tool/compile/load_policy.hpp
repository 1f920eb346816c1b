// SPDX-License-Identifier: Apache-2.0
#pragma once
// Every policy argument of the tool, XML source or compiled binary, through one function: the
// kind told by content (kind_of, policy_file.hpp), XML compiled, a binary validated.

#include <cstdint>
#include <string>
#include <vector>

#include <shype/tool/io/policy_file.hpp>

namespace shype::tool {

/// Compiles (XML) or validates (binary) bytes named `file`; UTF-16 and UTF-32 text is refused
/// as such (foreign_encoding, input_file.hpp).
[[nodiscard]] loaded_policy load_policy(const std::vector<std::uint8_t>& bytes, const std::string& file);

/// Reads `path` and loads it as above.
[[nodiscard]] loaded_policy load_policy_file(const std::string& path);

}  // namespace shype::tool
