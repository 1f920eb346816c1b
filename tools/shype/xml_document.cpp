// SPDX-License-Identifier: Apache-2.0
#include "xml_document.hpp"

#include <climits>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

namespace shype::tool {
namespace {

struct error_sink {
  diagnostics* diag;
  const std::string* file;
};

// libxml2 reports through a thread-local handler; each error becomes one diagnostic.
void collect(void* user, xmlErrorPtr e) {
  if (e == nullptr) return;
  auto* sink = static_cast<error_sink*>(user);
  std::string msg = e->message != nullptr ? e->message : "XML error";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string element = "XML";
  if (e->node != nullptr) {
    const auto* n = static_cast<const xmlNode*>(e->node);
    if (n->type == XML_ELEMENT_NODE && n->name != nullptr) element = reinterpret_cast<const char*>(n->name);
  }
  if (e->level == XML_ERR_WARNING) sink->diag->warning(*sink->file, e->line, element, msg);
  else sink->diag->error(*sink->file, e->line, element, msg);
}

}  // namespace

xml_document::xml_document(const std::uint8_t* data, std::size_t size, const std::string& file, diagnostics& diag) {
  if (size > static_cast<std::size_t>(INT_MAX)) {
    diag.error(file, 0, "", "file too large for the XML parser");
    return;
  }
  error_sink sink{&diag, &file};
  xmlSetStructuredErrorFunc(&sink, collect);
  const std::size_t errors_before = diag.error_count();
  // No XML_PARSE_NOENT / DTDLOAD: external entities and DTDs are never fetched.
  xmlDocPtr d = xmlReadMemory(reinterpret_cast<const char*>(data), static_cast<int>(size), file.c_str(), nullptr,
                              XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  if (d == nullptr && diag.error_count() == errors_before) diag.error(file, 0, "XML", "cannot parse the document");
  if (d != nullptr && diag.error_count() != errors_before) {  // recovered errors still make it invalid
    xmlFreeDoc(d);
    d = nullptr;
  }
  doc_.reset(d);
}

std::string local_name(const xmlNode* n) { return n->name != nullptr ? reinterpret_cast<const char*>(n->name) : ""; }

std::string namespace_uri(const xmlNode* n) {
  return n->ns != nullptr && n->ns->href != nullptr ? reinterpret_cast<const char*>(n->ns->href) : "";
}

std::string text_of(const xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  if (c == nullptr) return {};
  std::string s = reinterpret_cast<const char*>(c);
  xmlFree(c);
  return s;
}

long line_of(const xmlNode* n) { return xmlGetLineNo(n); }

bool get_attribute(const xmlNode* n, const char* name, std::string& value) {
  xmlChar* v = xmlGetNoNsProp(n, reinterpret_cast<const xmlChar*>(name));
  if (v == nullptr) return false;
  value = reinterpret_cast<const char*>(v);
  xmlFree(v);
  return true;
}

bool is_blank(const std::string& s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

}  // namespace shype::tool
