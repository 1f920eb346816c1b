// SPDX-License-Identifier: Apache-2.0
#pragma once
// Turns a shype::load_error into a message an operator can act on.
//
// The loader says what (errc), where (section, element index, byte offset) and which other
// element is involved; this reads the names of those elements out of the rejected buffer —
// carefully, since it is invalid — and phrases the rule that was broken, e.g.
//   offset 0x1a8: vm label 3 "dom_x": holds two types of conflict set "Protection1"

#include <cstddef>
#include <cstdint>
#include <string>

#include <shype/load_error.hpp>

#include <shype/tool/io/diagnostic.hpp>

namespace shype::tool {

/// The diagnostic for a binary policy the loader rejected with `e`.
[[nodiscard]] diagnostic describe_load_error(const std::string& file, const std::uint8_t* data, std::size_t size,
                                             const shype::load_error& e);

/// A load_error from policy_builder (no buffer to read names from): errc, section, index.
[[nodiscard]] std::string describe_builder_error(const shype::load_error& e);

}  // namespace shype::tool
