// SPDX-License-Identifier: Apache-2.0
#pragma once
// Text from outside (names in a policy, a trace's words, libxml2's messages, a domain name from
// libvirt) put safely into line-oriented output: diagnostics, logs, status listings.
//
// One diagnostic or log entry is one line, so nothing an input holds may start another: control
// characters, invalid UTF-8 and the Unicode line separators are written as visible escapes.
// Also the one strict UTF-8 decoder of the tool (the JSON and XML writers use it too).

#include <cstddef>
#include <string>
#include <string_view>

namespace shype::tool {

/// The length (1-4) of the well-formed UTF-8 sequence at s[i], with its code point in `cp`; 0 if
/// the bytes there are not one (a stray continuation byte, a truncated, overlong or surrogate
/// sequence, or a code point above U+10FFFF).
[[nodiscard]] std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) noexcept;

/// Is every byte of s part of a well-formed UTF-8 sequence?
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

enum class escape_backslash : bool { no, yes };

/// s as one line of printable text: \n \r \t as written in C, other C0 controls, DEL and each
/// byte of invalid UTF-8 as \xNN, the C1 controls and U+2028/U+2029 (line breaks to some
/// readers) as \uNNNN. Backslashes are doubled with escape_backslash::yes, which makes the
/// escaping reversible (logs); diagnostics leave them alone so that messages stay as written.
[[nodiscard]] std::string one_line(std::string_view s, escape_backslash backslash = escape_backslash::no);

}  // namespace shype::tool
