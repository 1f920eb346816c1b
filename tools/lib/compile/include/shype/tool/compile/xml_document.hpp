// SPDX-License-Identifier: Apache-2.0
#pragma once
// An XML document parsed with libxml2, owned, with every parser error as a diagnostic.
//
// The parser never touches the network and never loads external entities or DTDs: a policy is
// one self-contained file. Line numbers are kept past 65535 (XML_PARSE_BIG_LINES).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <libxml/tree.h>

#include <shype/tool/io/diagnostic.hpp>

namespace shype::tool {

class xml_document {
 public:
  /// Parses `size` bytes; `file` names the input in diagnostics. Check ok() afterwards.
  xml_document(const std::uint8_t* data, std::size_t size, const std::string& file, diagnostics& diag);

  [[nodiscard]] bool ok() const noexcept { return doc_ != nullptr; }
  [[nodiscard]] xmlDocPtr get() const noexcept { return doc_.get(); }
  [[nodiscard]] xmlNodePtr root() const noexcept { return doc_ ? xmlDocGetRootElement(doc_.get()) : nullptr; }

 private:
  struct free_doc {
    void operator()(xmlDocPtr d) const noexcept { xmlFreeDoc(d); }
  };
  std::unique_ptr<xmlDoc, free_doc> doc_;
};

// --- small helpers over libxml2's node API ------------------------------------------------------

/// The element's local name.
[[nodiscard]] std::string local_name(const xmlNode* n);
/// The element's namespace URI, or "" if it has none.
[[nodiscard]] std::string namespace_uri(const xmlNode* n);
/// The text content of a node (entity references expanded).
[[nodiscard]] std::string text_of(const xmlNode* n);
/// The node's line (libxml2 keeps it per node).
[[nodiscard]] long line_of(const xmlNode* n);
/// An attribute without namespace, if present.
[[nodiscard]] bool get_attribute(const xmlNode* n, const char* name, std::string& value);
/// Is every byte of s XML white space?
[[nodiscard]] bool is_blank(const std::string& s);

}  // namespace shype::tool
