// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/compile/policy_writer.hpp>

#include <cstdio>

#include <shype/tool/io/sha256.hpp>
#include <shype/tool/io/text_escape.hpp>

namespace shype::tool {
namespace {

std::string hex64(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string version_text(const shype::policy_version& v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

std::string level_text(const decoded_level& l) {
  std::string s = std::to_string(l.level) + " {";
  for (std::size_t i = 0; i < l.categories.size(); ++i) {
    if (i != 0) s += ',';
    s += std::to_string(l.categories[i]);
  }
  return s + "}";
}

/// Why `compile` would not give this name back, or "" (the compiler's name rules, semantic_rules.cpp).
std::string name_problem(const std::string& n) {
  if (n.empty()) return "an empty name";
  if (!is_valid_utf8(n)) return "a name that is not valid UTF-8";
  for (char c : n)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "name \"" + one_line(n) + "\" has a control character";
  if (n.front() == ' ' || n.back() == ' ') return "name \"" + n + "\" has leading or trailing white space";
  return {};
}

/// The largest major or minor version the schema's VersionFormat can write (8 digits).
constexpr std::uint32_t max_xml_version = 99999999;

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string dump_text(const decoded_policy& p) {
  std::string s;
  s += "policy: " + p.name + "\n";
  s += "version: " + version_text(p.version) + "\n";
  s += "size: " + std::to_string(p.size) + " bytes (format " + std::to_string(p.format_major) + "." +
       std::to_string(p.format_minor) + ")\n";
  s += "checksum: " + hex64(p.checksum) + " (XXH64)\n";
  s += "source-sha256: " + to_hex(p.source_hash.data(), p.source_hash.size()) + "\n";
  std::string sections;
  if (p.has_te) sections += " type-enforcement";
  if (p.has_cw) sections += " chinese-wall";
  if (p.has_mls) sections += " mls(" + std::to_string(p.categories) + " categories)";
  s += "sections:" + (sections.empty() ? std::string(" none") : sections) + "\n";
  s += "bootstrap: " + (p.bootstrap ? p.vm_labels[*p.bootstrap].name : std::string("-")) + "\n";

  s += "\nTE types (" + std::to_string(p.te_types.size()) + "):\n";
  for (const auto& t : p.te_types) s += "  " + t + "\n";
  s += "\nChinese Wall types (" + std::to_string(p.cw_types.size()) + "):\n";
  for (const auto& t : p.cw_types) s += "  " + t + "\n";
  s += "\nconflict sets (" + std::to_string(p.conflict_sets.size()) + "):\n";
  for (const auto& c : p.conflict_sets) s += "  " + c.name + ": " + join(p.cw_names(c.types)) + "\n";
  s += "\nVM labels (" + std::to_string(p.vm_labels.size()) + "):\n";
  for (const auto& l : p.vm_labels) {
    s += "  " + l.name + "\n";
    if (!l.from.empty()) s += "    renamed from: " + l.from + "\n";
    s += "    te: " + join(p.te_names(l.te)) + "\n";
    s += "    cw: " + join(p.cw_names(l.cw)) + "\n";
    if (l.mls) s += "    mls: secrecy " + level_text(l.mls->secrecy) + ", integrity " + level_text(l.mls->integrity) + "\n";
  }
  s += "\nresource labels (" + std::to_string(p.resource_labels.size()) + "):\n";
  for (const auto& l : p.resource_labels) {
    s += "  " + l.name + "\n";
    if (!l.from.empty()) s += "    renamed from: " + l.from + "\n";
    s += "    te: " + join(p.te_names(l.te)) + "\n";
    if (l.mls) s += "    mls: secrecy " + level_text(l.mls->secrecy) + ", integrity " + level_text(l.mls->integrity) + "\n";
  }
  return s;
}

bool dump_xml(const decoded_policy& p, const std::string& file, std::string& out, diagnostics& diag) {
  const std::size_t errors = diag.error_count();
  auto refuse = [&](const std::string& why) { diag.error(file, 0, "", "cannot be written as ACM policy XML: " + why); };
  if (p.has_mls) refuse("it has an MLS section, which the Xen schema has no element for");
  if (p.has_te && p.te_types.empty()) refuse("its SimpleTypeEnforcement section has no type (the schema needs at least one)");
  if (p.has_cw && p.cw_types.empty()) refuse("its ChineseWall section has no type (the schema needs at least one)");
  if (!p.vm_labels.empty() && !p.bootstrap) refuse("it has VM labels but no bootstrap label");
  for (const auto& r : p.resource_labels)
    if (r.te.size() > 1) refuse("resource label \"" + r.name + "\" has " + std::to_string(r.te.size()) + " TE types (the schema allows one)");
  // What the compiler refuses would not survive the trip back.
  if (p.version.major > max_xml_version || p.version.minor > max_xml_version)
    refuse("version " + version_text(p.version) + " does not fit the schema's VersionFormat (at most 8 digits each: " +
           std::to_string(max_xml_version) + "." + std::to_string(max_xml_version) + ")");
  auto check_utf8 = [&](const std::string& n) {
    if (std::string why = name_problem(n); !why.empty()) refuse("it has " + why);
  };
  check_utf8(p.name);
  for (const auto& n : p.te_types) check_utf8(n);
  for (const auto& n : p.cw_types) check_utf8(n);
  for (const auto& c : p.conflict_sets) check_utf8(c.name);
  for (const auto& l : p.vm_labels) {
    check_utf8(l.name);
    if (!l.from.empty()) check_utf8(l.from);  // empty: not renamed
  }
  for (const auto& l : p.resource_labels) {
    check_utf8(l.name);
    if (!l.from.empty()) check_utf8(l.from);  // empty: not renamed
  }
  if (diag.error_count() != errors) return false;

  auto e = [](const std::string& s) { return xml_escape(s); };
  // A label's Name, with the rename it carries (Xen ACM's from attribute).
  auto name_element = [&](const std::string& n, const std::string& from) {
    return (from.empty() ? std::string("<Name>") : "<Name from=\"" + e(from) + "\">") + e(n) + "</Name>";
  };
  std::string& x = out;
  x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<?shype source-sha256=\"" + to_hex(p.source_hash.data(), p.source_hash.size()) + "\"?>\n";
  x += "<!-- Written by shype dump from a compiled policy (checksum " + hex64(p.checksum) + "); compiles back to the same bytes. -->\n";
  x += "<SecurityPolicyDefinition xmlns=\"http://www.ibm.com\">\n";
  x += "  <PolicyHeader>\n";
  x += "    <PolicyName>" + e(p.name) + "</PolicyName>\n";
  x += "    <Version>" + version_text(p.version) + "</Version>\n";
  x += "  </PolicyHeader>\n";
  if (p.has_te) {
    x += "  <SimpleTypeEnforcement>\n    <SimpleTypeEnforcementTypes>\n";
    for (const auto& t : p.te_types) x += "      <Type>" + e(t) + "</Type>\n";
    x += "    </SimpleTypeEnforcementTypes>\n  </SimpleTypeEnforcement>\n";
  }
  if (p.has_cw) {
    x += "  <ChineseWall>\n    <ChineseWallTypes>\n";
    for (const auto& t : p.cw_types) x += "      <Type>" + e(t) + "</Type>\n";
    x += "    </ChineseWallTypes>\n";
    if (!p.conflict_sets.empty()) {
      x += "    <ConflictSets>\n";
      for (const auto& c : p.conflict_sets) {
        x += "      <Conflict name=\"" + e(c.name) + "\">\n";
        for (const auto& t : p.cw_names(c.types)) x += "        <Type>" + e(t) + "</Type>\n";
        x += "      </Conflict>\n";
      }
      x += "    </ConflictSets>\n";
    }
    x += "  </ChineseWall>\n";
  }
  x += "  <SecurityLabelTemplate>\n";
  if (!p.vm_labels.empty()) {
    x += "    <SubjectLabels bootstrap=\"" + e(p.vm_labels[*p.bootstrap].name) + "\">\n";
    for (const auto& l : p.vm_labels) {
      x += "      <VirtualMachineLabel>\n        " + name_element(l.name, l.from) + "\n";
      if (!l.te.empty()) {
        x += "        <SimpleTypeEnforcementTypes>\n";
        for (const auto& t : p.te_names(l.te)) x += "          <Type>" + e(t) + "</Type>\n";
        x += "        </SimpleTypeEnforcementTypes>\n";
      }
      if (!l.cw.empty()) {
        x += "        <ChineseWallTypes>\n";
        for (const auto& t : p.cw_names(l.cw)) x += "          <Type>" + e(t) + "</Type>\n";
        x += "        </ChineseWallTypes>\n";
      }
      x += "      </VirtualMachineLabel>\n";
    }
    x += "    </SubjectLabels>\n";
  }
  if (!p.resource_labels.empty()) {
    x += "    <ObjectLabels>\n";
    for (const auto& l : p.resource_labels) {
      x += "      <ResourceLabel>\n        " + name_element(l.name, l.from) + "\n        <SimpleTypeEnforcementTypes>\n";
      // The schema wants exactly one Type; an empty one means "no type".
      x += l.te.empty() ? "          <Type/>\n" : "          <Type>" + e(p.te_types[l.te.front()]) + "</Type>\n";
      x += "        </SimpleTypeEnforcementTypes>\n      </ResourceLabel>\n";
    }
    x += "    </ObjectLabels>\n";
  }
  x += "  </SecurityLabelTemplate>\n";
  x += "</SecurityPolicyDefinition>\n";
  return true;
}

}  // namespace shype::tool
