// SPDX-License-Identifier: Apache-2.0
#pragma once
// The policy compiler: ACM policy XML -> binary policy (paper, section 4.2).
//
// The pipeline, as Muen's: parse (libxml2) -> the schema's structural rules -> extract ->
// every semantic rule, collecting all errors -> build through shype::policy_builder, the one
// writer of the binary format, which sorts every table (same XML, same bytes) and runs the
// loader on its own output. A stage runs only if the one before found no error.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <shype/tool/io/diagnostic.hpp>
#include <shype/tool/compile/policy_source.hpp>

namespace shype::tool {

struct compile_result {
  std::vector<std::uint8_t> binary;  ///< empty unless the policy compiled
  diagnostics diag;
  [[nodiscard]] bool ok() const noexcept { return !binary.empty(); }
};

/// Compiles XML bytes; `file` names them in diagnostics. The binary records the SHA-256 of
/// these bytes, or the hash of a `<?shype source-sha256="..."?>` instruction if the XML has one.
[[nodiscard]] compile_result compile_xml(const std::uint8_t* data, std::size_t size, const std::string& file);

/// The last stage alone: a policy_source that passed every rule -> binary (for the tests).
[[nodiscard]] compile_result build_binary(const policy_source& p, const std::uint8_t (&source_hash)[32]);

}  // namespace shype::tool
