// SPDX-License-Identifier: Apache-2.0
#pragma once
// The structural rules of Xen's ACM policy schema (security_policy.xsd), checked by hand.
//
// The compiler must not depend on a schema file being installed next to it, so the XSD's rules
// are written down here as a table of content models: which children an element has, in which
// order and how often, its attributes, and the lexical form of VersionFormat. The check walks
// the whole document and reports every violation with its line. One leniency, documented in
// docs/shype-tool.md: a PolicyHeader without Version (the 2006 dialect) is a warning, and the
// policy compiles as version 0.0. A test compares the verdicts with `xmllint --schema`.

#include <cstdint>
#include <string>

#include <libxml/tree.h>

#include <shype/tool/io/diagnostic.hpp>

namespace shype::tool {

/// The namespace of every element of the schema.
inline constexpr const char* acm_namespace = "http://www.ibm.com";

/// Checks the document against the schema's structure; returns false if it found errors.
bool check_schema(xmlNodePtr root, const std::string& file, diagnostics& diag);

/// The XSD's VersionFormat: `[0-9]{1,8}.[0-9]{1,8}`, where `.` is any one character.
[[nodiscard]] bool is_version_format(const std::string& s);

/// How a regex engine matches VersionFormat (greedy, backtracking): the longest major part
/// that leaves a separator and 1-8 digits. "1.0" -> 1, 0; "217" -> 2, 7. False if no match.
bool split_version(const std::string& s, std::uint32_t& major, std::uint32_t& minor, std::string& separator);

}  // namespace shype::tool
