// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/compile/policy_source.hpp>

#include <shype/tool/compile/xml_document.hpp>

namespace shype::tool {
namespace {

/// The element children of n with this local name, in document order.
std::vector<const xmlNode*> children(const xmlNode* n, const char* name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next)
    if (c->type == XML_ELEMENT_NODE && local_name(c) == name) out.push_back(c);
  return out;
}

const xmlNode* child(const xmlNode* n, const char* name) {
  auto c = children(n, name);
  return c.empty() ? nullptr : c.front();
}

named text_item(const xmlNode* n) { return {text_of(n), line_of(n)}; }

/// The `from` attribute of a label's Name element (present even if empty), with its line.
std::optional<named> from_of(const xmlNode* name) {
  named f;
  f.line = line_of(name);
  if (!get_attribute(name, "from", f.text)) return std::nullopt;
  return f;
}

/// The Type children of every `list` child of n (a label may repeat its type lists).
std::vector<named> types_in(const xmlNode* n, const char* list) {
  std::vector<named> out;
  for (const xmlNode* l : children(n, list))
    for (const xmlNode* t : children(l, "Type")) out.push_back(text_item(t));
  return out;
}

}  // namespace

policy_source extract_policy(xmlDocPtr doc, const std::string& file) {
  policy_source p;
  p.file = file;
  for (const xmlNode* n = doc->children; n != nullptr; n = n->next)
    if (n->type == XML_PI_NODE && local_name(n) == "shype") p.shype_instructions.push_back(text_item(n));

  const xmlNode* root = xmlDocGetRootElement(doc);
  if (const xmlNode* h = child(root, "PolicyHeader")) {
    p.header_line = line_of(h);
    if (const xmlNode* n = child(h, "PolicyName")) p.policy_name = text_item(n);
    if (const xmlNode* v = child(h, "Version")) p.version = text_item(v);
  }
  if (const xmlNode* te = child(root, "SimpleTypeEnforcement")) {
    p.has_te = true;
    p.te_line = line_of(te);
    p.te_types = types_in(te, "SimpleTypeEnforcementTypes");
  }
  if (const xmlNode* cw = child(root, "ChineseWall")) {
    p.has_cw = true;
    p.cw_line = line_of(cw);
    p.cw_types = types_in(cw, "ChineseWallTypes");
    if (const xmlNode* sets = child(cw, "ConflictSets")) {
      for (const xmlNode* c : children(sets, "Conflict")) {
        conflict_set_source s;
        s.name.line = line_of(c);
        (void)get_attribute(c, "name", s.name.text);
        for (const xmlNode* t : children(c, "Type")) s.types.push_back(text_item(t));
        p.conflict_sets.push_back(std::move(s));
      }
    }
  }
  if (const xmlNode* tmpl = child(root, "SecurityLabelTemplate")) {
    if (const xmlNode* subjects = child(tmpl, "SubjectLabels")) {
      p.has_subject_labels = true;
      p.bootstrap.line = line_of(subjects);
      (void)get_attribute(subjects, "bootstrap", p.bootstrap.text);
      for (const xmlNode* l : children(subjects, "VirtualMachineLabel")) {
        vm_label_source v;
        v.line = line_of(l);
        if (const xmlNode* n = child(l, "Name")) {
          v.name = text_item(n);
          v.from = from_of(n);
        }
        v.te = types_in(l, "SimpleTypeEnforcementTypes");
        v.cw = types_in(l, "ChineseWallTypes");
        p.vm_labels.push_back(std::move(v));
      }
    }
    if (const xmlNode* objects = child(tmpl, "ObjectLabels")) {
      for (const xmlNode* l : children(objects, "ResourceLabel")) {
        resource_label_source r;
        r.line = line_of(l);
        if (const xmlNode* n = child(l, "Name")) {
          r.name = text_item(n);
          r.from = from_of(n);
        }
        r.te = types_in(l, "SimpleTypeEnforcementTypes");
        p.resource_labels.push_back(std::move(r));
      }
    }
  }
  return p;
}

}  // namespace shype::tool
