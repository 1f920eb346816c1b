// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading an input file whole, with the checks a hostile path needs.
//
// A policy, a trace or a configuration must be a regular file of bounded size: a directory, a
// named pipe (which would block), a device (/dev/zero never ends) or a file larger than the
// limit is refused with a reason, before anything is read or allocated for it. The descriptor
// is checked, not the name, so nothing can be swapped in between. No exception escapes.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <shype/tool/io/error.hpp>

namespace shype::tool {

/// The largest file the tool reads (policies and traces): 32 MiB (docs/shype-tool.md, "Limits").
inline constexpr std::size_t max_input_bytes = std::size_t{32} << 20;

/// The whole of the regular file `path`, at most `limit` bytes; or an error whose line does not
/// name the path (e.g. "is a directory, not a file").
[[nodiscard]] result<std::vector<std::uint8_t>> read_input_file(const std::string& path, std::size_t limit = max_input_bytes);

/// "32 MiB", "4096 bytes": a limit as the diagnostics state it.
[[nodiscard]] std::string size_text(std::size_t bytes);

/// The encoding the bytes announce if it is one shype does not read ("UTF-16 (little-endian)",
/// "UTF-32 (big-endian)", ...): a byte-order mark, or the first character '<' encoded in UTF-16
/// or UTF-32 (XML 1.0, appendix F). "" for anything else (UTF-8 with or without its BOM, a binary).
[[nodiscard]] std::string foreign_encoding(const std::vector<std::uint8_t>& bytes);

}  // namespace shype::tool
