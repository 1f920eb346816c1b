// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/compile/xml_document.hpp>

#include <climits>
#include <memory>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <shype/tool/io/text_escape.hpp>

namespace shype::tool {
namespace {

struct error_sink {
  diagnostics* diag;
  const std::string* file;
  bool refused = false;  ///< a DTD or entity declaration stopped the parser
};

/// libxml2's messages sometimes span lines ("...indicate encoding !\nBytes: 0xFF ..."): one
/// diagnostic is one line.
std::string joined(std::string msg) {
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  for (char& c : msg)
    if (c == '\n') c = ' ';
  return msg;
}

// libxml2 reports through a thread-local handler; each error becomes one diagnostic.
void collect(void* user, xmlErrorPtr e) {
  if (e == nullptr) return;
  auto* sink = static_cast<error_sink*>(user);
  if (sink->refused) return;  // the parser was stopped on purpose: that error says it all
  const std::string msg = joined(e->message != nullptr ? e->message : "XML error");
  std::string element = "XML";
  if (e->node != nullptr) {
    const auto* n = static_cast<const xmlNode*>(e->node);
    if (n->type == XML_ELEMENT_NODE && n->name != nullptr) element = reinterpret_cast<const char*>(n->name);
  }
  if (e->level == XML_ERR_WARNING) sink->diag->warning(*sink->file, e->line, element, msg);
  else sink->diag->error(*sink->file, e->line, element, msg);
}

// A policy is one self-contained file: a DTD could declare entities (expanded a billion times,
// or naming /etc/passwd) or pull in other files. The SAX callback for <!DOCTYPE runs before the
// internal subset is parsed, so refusing there means no declaration is ever read.
error_sink* sink_of(void* ctx) { return static_cast<error_sink*>(static_cast<xmlParserCtxtPtr>(ctx)->_private); }

long current_line(void* ctx) {
  const auto* c = static_cast<xmlParserCtxtPtr>(ctx);
  return c->input != nullptr ? static_cast<long>(c->input->line) : 0;
}

void refuse(void* ctx, const std::string& message) {
  error_sink* sink = sink_of(ctx);
  if (!sink->refused) sink->diag->error(*sink->file, current_line(ctx), "XML", message);
  sink->refused = true;
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

void refuse_dtd(void* ctx, const xmlChar* name, const xmlChar*, const xmlChar*) {
  refuse(ctx, "<!DOCTYPE " + one_line(name != nullptr ? reinterpret_cast<const char*>(name) : "") +
                  ">: a DTD is not allowed in a policy (shype reads no DTD, expands no entities and loads no other file)");
}

void refuse_entity(void* ctx, const xmlChar* name, int, const xmlChar*, const xmlChar*, xmlChar*) {
  refuse(ctx, "<!ENTITY " + one_line(name != nullptr ? reinterpret_cast<const char*>(name) : "") +
                  ">: entity declarations are not allowed in a policy");
}

void refuse_external_subset(void* ctx, const xmlChar* name, const xmlChar* external_id, const xmlChar* system_id) {
  refuse_dtd(ctx, name, external_id, system_id);
}

struct free_ctxt {
  void operator()(xmlParserCtxtPtr c) const noexcept { xmlFreeParserCtxt(c); }
};

}  // namespace

xml_document::xml_document(const std::uint8_t* data, std::size_t size, const std::string& file, diagnostics& diag) {
  if (size > static_cast<std::size_t>(INT_MAX)) {
    diag.error(file, 0, "", "file too large for the XML parser");
    return;
  }
  error_sink sink{&diag, &file};
  const std::size_t errors_before = diag.error_count();
  std::unique_ptr<xmlParserCtxt, free_ctxt> ctxt(xmlCreateMemoryParserCtxt(reinterpret_cast<const char*>(data), static_cast<int>(size)));
  if (ctxt == nullptr || ctxt->sax == nullptr) {
    diag.error(file, 0, "XML", "cannot parse the document (out of memory)");
    return;
  }
  ctxt->_private = &sink;
  ctxt->sax->internalSubset = refuse_dtd;
  ctxt->sax->externalSubset = refuse_external_subset;
  ctxt->sax->entityDecl = refuse_entity;
  // Never XML_PARSE_NOENT, DTDLOAD or DTDATTR: no entity is substituted, no DTD fetched.
  xmlCtxtUseOptions(ctxt.get(), XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
  xmlSetStructuredErrorFunc(&sink, collect);
  (void)xmlParseDocument(ctxt.get());
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  xmlDocPtr d = ctxt->myDoc;
  ctxt->myDoc = nullptr;
  const bool well_formed = ctxt->wellFormed != 0 && !sink.refused;
  if (d != nullptr && (!well_formed || diag.error_count() != errors_before)) {  // recovered errors still make it invalid
    xmlFreeDoc(d);
    d = nullptr;
  }
  if (d == nullptr && diag.error_count() == errors_before) diag.error(file, 0, "XML", "cannot parse the document");
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
