// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/compile/schema_rules.hpp>

#include <algorithm>
#include <cstddef>
#include <vector>

#include <shype/tool/compile/xml_document.hpp>

namespace shype::tool {
namespace {

constexpr int unbounded = -1;
constexpr const char* xsi_namespace = "http://www.w3.org/2001/XMLSchema-instance";

enum class content { elements, text, version };

struct type_rule;

struct particle {
  const char* name;
  int min;
  int max;
  const type_rule* type;
  bool lenient_missing = false;  ///< missing is a warning (PolicyHeader/Version: 2006 dialect)
};

struct attribute_rule {
  const char* name;
  bool required;
  const char* only_value;  ///< an enumeration of one value, or nullptr for any string
};

struct type_rule {
  content kind;
  std::vector<particle> children;
  std::vector<attribute_rule> attributes;
};

// The schema's types, in the XSD's terms. Local element declarations (PolicyName inside
// PolicyHeader, Name inside a label) get their type from the particle, as in the XSD.
const type_rule string_type{content::text, {}, {}};
const type_rule version_type{content::version, {}, {}};
const type_rule name_with_from{content::text, {}, {{"from", false, nullptr}}};
const type_rule types_type{content::elements, {{"Type", 1, unbounded, &string_type}}, {}};
const type_rule single_type{content::elements, {{"Type", 1, 1, &string_type}}, {}};
const type_rule from_policy{content::elements, {{"PolicyName", 1, 1, &string_type}, {"Version", 1, 1, &version_type}}, {}};
const type_rule policy_header{content::elements,
                              {{"PolicyName", 1, 1, &string_type},
                               {"PolicyUrl", 0, 1, &string_type},
                               {"Reference", 0, 1, &string_type},
                               {"Date", 0, 1, &string_type},
                               {"NameSpaceUrl", 0, 1, &string_type},
                               {"Version", 1, 1, &version_type, true},
                               {"FromPolicy", 0, 1, &from_policy}},
                              {}};
const type_rule conflict{content::elements, {{"Type", 1, unbounded, &string_type}}, {{"name", true, nullptr}}};
const type_rule conflict_sets{content::elements, {{"Conflict", 1, unbounded, &conflict}}, {}};
const type_rule chinese_wall{content::elements,
                             {{"ChineseWallTypes", 1, 1, &types_type}, {"ConflictSets", 0, 1, &conflict_sets}},
                             {{"priority", false, "PrimaryPolicyComponent"}}};
const type_rule simple_te{content::elements, {{"SimpleTypeEnforcementTypes", 1, 1, &types_type}},
                          {{"priority", false, "PrimaryPolicyComponent"}}};
const type_rule vm_label{content::elements,
                         {{"Name", 1, 1, &name_with_from},
                          {"SimpleTypeEnforcementTypes", 0, unbounded, &types_type},
                          {"ChineseWallTypes", 0, unbounded, &types_type}},
                         {}};
const type_rule resource_label{content::elements,
                               {{"Name", 1, 1, &name_with_from}, {"SimpleTypeEnforcementTypes", 1, 1, &single_type}},
                               {}};
const type_rule subject_labels{content::elements, {{"VirtualMachineLabel", 1, unbounded, &vm_label}},
                               {{"bootstrap", true, nullptr}}};
const type_rule object_labels{content::elements, {{"ResourceLabel", 1, unbounded, &resource_label}}, {}};
const type_rule label_template{content::elements,
                               {{"SubjectLabels", 0, 1, &subject_labels}, {"ObjectLabels", 0, 1, &object_labels}}, {}};
const type_rule policy_definition{content::elements,
                                  {{"PolicyHeader", 1, 1, &policy_header},
                                   {"SimpleTypeEnforcement", 0, 1, &simple_te},
                                   {"ChineseWall", 0, 1, &chinese_wall},
                                   {"SecurityLabelTemplate", 1, 1, &label_template}},
                                  {}};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

class checker {
 public:
  checker(const std::string& file, diagnostics& diag) : file_(file), diag_(diag) {}

  void element(const xmlNode* e, const type_rule& t) {
    attributes(e, t);
    switch (t.kind) {
      case content::elements: children(e, t); break;
      case content::text: text_only(e); break;
      case content::version:
        if (text_only(e)) {
          const std::string v = text_of(e);
          if (!is_version_format(v))
            error(e, quoted(v) + " is not a VersionFormat (1 to 8 digits, one character, 1 to 8 digits)");
        }
        break;
    }
  }

  void error(const xmlNode* n, const std::string& msg) { diag_.error(file_, line_of(n), element_name(n), msg); }

 private:
  static std::string element_name(const xmlNode* n) {
    while (n != nullptr && n->type != XML_ELEMENT_NODE) n = n->parent;
    return n != nullptr ? local_name(n) : "XML";
  }

  void attributes(const xmlNode* e, const type_rule& t) {
    for (const xmlAttr* a = e->properties; a != nullptr; a = a->next) {
      const std::string name = reinterpret_cast<const char*>(a->name);
      if (a->ns != nullptr) {
        // xsi:schemaLocation and friends are allowed everywhere; other namespaces nowhere.
        if (reinterpret_cast<const char*>(a->ns->href) == std::string(xsi_namespace)) continue;
        error(e, "unexpected attribute " + quoted(name) + " in namespace " + quoted(reinterpret_cast<const char*>(a->ns->href)));
        continue;
      }
      const attribute_rule* rule = nullptr;
      for (const auto& r : t.attributes)
        if (name == r.name) rule = &r;
      if (rule == nullptr) {
        error(e, "unexpected attribute " + quoted(name));
        continue;
      }
      if (rule->only_value != nullptr) {
        std::string v;
        (void)get_attribute(e, rule->name, v);
        if (v != rule->only_value)
          error(e, "attribute " + quoted(name) + " is " + quoted(v) + ", the only allowed value is " + quoted(rule->only_value));
      }
    }
    for (const auto& r : t.attributes) {
      std::string v;
      if (r.required && !get_attribute(e, r.name, v)) error(e, "missing required attribute " + quoted(r.name));
    }
  }

  /// Simple content: text only. Returns false if an element child was found.
  bool text_only(const xmlNode* e) {
    bool ok = true;
    for (const xmlNode* c = e->children; c != nullptr; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) {
        error(c, "element " + quoted(local_name(c)) + " is not allowed inside " + local_name(e) + " (text only)");
        ok = false;
      }
    }
    return ok;
  }

  static bool in_namespace(const xmlNode* c) { return namespace_uri(c) == acm_namespace; }

  void children(const xmlNode* e, const type_rule& t) {
    const auto& ps = t.children;
    std::size_t p = 0;  // current particle
    int count = 0;      // occurrences of particle p so far
    const xmlNode* current = nullptr;  // the child being matched
    auto missing = [&](std::size_t k, int have) {
      if (have >= ps[k].min) return;
      // Present further on: that element gets "out of order", not this "missing".
      for (const xmlNode* later = current; later != nullptr; later = later->next)
        if (later->type == XML_ELEMENT_NODE && in_namespace(later) && local_name(later) == ps[k].name) return;
      if (ps[k].lenient_missing) {
        diag_.warning(file_, line_of(e), local_name(e),
                      std::string("no ") + ps[k].name + " element (2006 dialect): compiled as version 0.0");
        return;
      }
      error(e, std::string("missing required element ") + ps[k].name);
    };
    for (const xmlNode* c = e->children; c != nullptr; c = c->next) {
      if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE || c->type == XML_ENTITY_REF_NODE) {
        const std::string text = text_of(c);
        if (!is_blank(text)) {
          // libxml2 gives a text node the line where it ends: count back to its first non-blank.
          const auto first = text.find_first_not_of(" \t\r\n");
          const auto newlines = [&](std::size_t from, std::size_t to) {
            return static_cast<long>(std::count(text.begin() + static_cast<std::ptrdiff_t>(from), text.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
          };
          long line = line_of(c) - newlines(first, text.size());
          if (c->type != XML_TEXT_NODE || line <= 0) line = line_of(e);
          diag_.error(file_, line, local_name(e), "text is not allowed inside " + local_name(e));
        }
        continue;
      }
      if (c->type != XML_ELEMENT_NODE) continue;  // comments and processing instructions
      current = c;
      const std::string name = local_name(c);
      if (!in_namespace(c)) {
        error(c, "element " + quoted(name) + " is not in the namespace " + quoted(acm_namespace) +
                     (namespace_uri(c).empty() ? " (xmlns=\"http://www.ibm.com\" missing?)" : ""));
        continue;
      }
      // The first particle at or after p that takes this element.
      std::size_t q = p;
      while (q < ps.size() && !(name == ps[q].name && (q > p || ps[q].max == unbounded || count < ps[q].max))) ++q;
      if (q < ps.size()) {
        for (std::size_t k = p; k < q; ++k) missing(k, k == p ? count : 0);
        if (q > p) count = 0;
        p = q;
        ++count;
        element(c, *ps[q].type);
        continue;
      }
      // Not acceptable here: say why as precisely as the content model allows.
      std::size_t known = ps.size();
      for (std::size_t k = 0; k < ps.size(); ++k)
        if (name == ps[k].name) known = k;
      if (known == ps.size()) {
        std::string allowed;
        for (const auto& x : ps) allowed += (allowed.empty() ? "" : ", ") + std::string(x.name);
        error(c, "unexpected element in " + local_name(e) + " (allowed: " + allowed + ")");
      } else if (known == p) {
        error(c, "at most " + std::to_string(ps[known].max) + " " + name + " allowed in " + local_name(e));
      } else {
        error(c, "element out of order in " + local_name(e) + ": " + name + " must come before " + ps[p].name);
      }
    }
    current = nullptr;
    for (std::size_t k = p; k < ps.size(); ++k) missing(k, k == p ? count : 0);
  }

  const std::string& file_;
  diagnostics& diag_;
};

}  // namespace

bool split_version(const std::string& s, std::uint32_t& major, std::uint32_t& minor, std::string& separator) {
  // An XSD pattern matches the whole value, and `.` is any one character but a line break (here
  // one UTF-8 sequence). Try the first digit run from its longest, as a backtracking engine does:
  // "123" is valid (1, '2', 3), as xmllint agrees.
  std::size_t lead = 0;
  while (lead < s.size() && lead < 8 && s[lead] >= '0' && s[lead] <= '9') ++lead;
  for (std::size_t m = lead; m >= 1; --m) {
    if (m >= s.size()) continue;
    const auto c = static_cast<unsigned char>(s[m]);
    if (c == '\n' || c == '\r') continue;
    const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    const std::size_t first = m + len;
    std::size_t k = first;
    while (k < s.size() && s[k] >= '0' && s[k] <= '9') ++k;
    if (k != s.size() || k == first || k - first > 8) continue;
    major = static_cast<std::uint32_t>(std::stoul(s.substr(0, m)));
    minor = static_cast<std::uint32_t>(std::stoul(s.substr(first)));
    separator = s.substr(m, len);
    return true;
  }
  return false;
}

bool is_version_format(const std::string& s) {
  std::uint32_t major = 0, minor = 0;
  std::string separator;
  return split_version(s, major, minor, separator);
}

bool check_schema(xmlNodePtr root, const std::string& file, diagnostics& diag) {
  const std::size_t before = diag.error_count();
  checker c(file, diag);
  if (root == nullptr) {
    diag.error(file, 0, "XML", "the document has no root element");
    return false;
  }
  if (local_name(root) != "SecurityPolicyDefinition" || namespace_uri(root) != acm_namespace) {
    c.error(root, "the root element must be SecurityPolicyDefinition in the namespace \"" + std::string(acm_namespace) + "\"");
    return false;
  }
  c.element(root, policy_definition);
  return diag.error_count() == before;
}

}  // namespace shype::tool
