// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/compile/semantic_rules.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

#include <shype/tool/compile/compile_limits.hpp>
#include <shype/tool/compile/schema_rules.hpp>

namespace shype::tool {
namespace {

std::string q(const std::string& s) { return "\"" + s + "\""; }

/// A name the binary format can hold and a person can read. `what` is e.g. "TE type".
void check_name(const policy_source& p, const named& n, const char* element, const std::string& what, diagnostics& d) {
  if (n.text.empty()) {
    d.error(p.file, n.line, element, "empty " + what + " name");
    return;
  }
  if (n.text.size() > max_name_bytes) {
    d.error(p.file, n.line, element,
            what + " name is " + std::to_string(n.text.size()) + " bytes long (at most " + std::to_string(max_name_bytes) + ")");
    return;
  }
  for (char c : n.text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      d.error(p.file, n.line, element, what + " name " + q(n.text) + " contains a control character");
      return;
    }
  }
  if (n.text.front() == ' ' || n.text.back() == ' ')
    d.error(p.file, n.line, element, what + " name " + q(n.text) + " has leading or trailing white space");
}

/// Reports the second and later occurrences of each name in `items`.
void report_duplicates(const policy_source& p, const std::vector<named>& items, const char* element, const std::string& what,
                       diagnostics& d) {
  std::map<std::string, long> first;
  for (const auto& n : items) {
    if (n.text.empty()) continue;  // reported as empty elsewhere
    auto [it, fresh] = first.emplace(n.text, n.line);
    if (!fresh) d.error(p.file, n.line, element, "duplicate " + what + " " + q(n.text) + " (first defined on line " + std::to_string(it->second) + ")");
  }
}

std::set<std::string> names_of(const std::vector<named>& v) {
  std::set<std::string> s;
  for (const auto& n : v) s.insert(n.text);
  return s;
}

}  // namespace

void rule_policy_name(const policy_source& p, diagnostics& d) { check_name(p, p.policy_name, "PolicyName", "policy", d); }

void rule_version(const policy_source& p, diagnostics& d) {
  // The schema's VersionFormat lets any character separate the numbers; say so if it is not '.'.
  if (!p.version) return;
  const std::string& v = p.version->text;
  std::uint32_t major = 0, minor = 0;
  std::string separator;
  if (split_version(v, major, minor, separator) && separator != ".")
    d.warning(p.file, p.version->line, "Version",
              "version " + q(v) + " does not separate major and minor by '.': read as " + std::to_string(major) + "." + std::to_string(minor));
}

bool parse_source_hash_instruction(const std::string& data, std::uint8_t (&hash)[32]) {
  const std::string key = "source-sha256=\"";
  std::string s = data;
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.size() != key.size() + 64 + 1 || s.compare(0, key.size(), key) != 0 || s.back() != '"') return false;
  for (std::size_t i = 0; i < 32; ++i) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = nibble(s[key.size() + 2 * i]), lo = nibble(s[key.size() + 2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    hash[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

void rule_source_hash_instruction(const policy_source& p, diagnostics& d) {
  for (std::size_t i = 0; i < p.shype_instructions.size(); ++i) {
    const named& pi = p.shype_instructions[i];
    std::uint8_t h[32];
    if (i > 0) d.error(p.file, pi.line, "?shype", "more than one <?shype?> processing instruction");
    else if (!parse_source_hash_instruction(pi.text, h))
      d.error(p.file, pi.line, "?shype", "expected <?shype source-sha256=\"<64 hex digits>\"?>");
  }
}

void rule_type_names(const policy_source& p, diagnostics& d) {
  for (const auto& t : p.te_types) check_name(p, t, "Type", "TE type", d);
  for (const auto& t : p.cw_types) check_name(p, t, "Type", "Chinese Wall type", d);
}

void rule_unique_types(const policy_source& p, diagnostics& d) {
  report_duplicates(p, p.te_types, "Type", "TE type", d);
  report_duplicates(p, p.cw_types, "Type", "Chinese Wall type", d);
}

void rule_conflict_set_names(const policy_source& p, diagnostics& d) {
  std::vector<named> names;
  for (const auto& s : p.conflict_sets) {
    check_name(p, s.name, "Conflict", "conflict set", d);
    names.push_back(s.name);
  }
  report_duplicates(p, names, "Conflict", "conflict set", d);
}

void rule_conflict_set_types_known(const policy_source& p, diagnostics& d) {
  const auto known = names_of(p.cw_types);
  for (const auto& s : p.conflict_sets)
    for (const auto& t : s.types)
      if (!t.text.empty() && known.count(t.text) == 0)
        d.error(p.file, t.line, "Type", "conflict set " + q(s.name.text) + " references unknown Chinese Wall type " + q(t.text));
}

void rule_conflict_set_not_empty(const policy_source& p, diagnostics& d) {
  for (const auto& s : p.conflict_sets) {
    std::set<std::string> distinct;
    for (const auto& t : s.types) {
      if (t.text.empty()) continue;
      if (!distinct.insert(t.text).second)
        d.warning(p.file, t.line, "Type", "conflict set " + q(s.name.text) + " lists " + q(t.text) + " twice");
    }
    if (distinct.empty()) d.error(p.file, s.name.line, "Conflict", "conflict set " + q(s.name.text) + " holds no type");
    else if (distinct.size() == 1)
      d.warning(p.file, s.name.line, "Conflict", "conflict set " + q(s.name.text) + " holds one type and can never conflict");
  }
}

void rule_label_names(const policy_source& p, diagnostics& d) {
  std::vector<named> vm, res;
  for (const auto& l : p.vm_labels) {
    check_name(p, l.name, "Name", "VM label", d);
    vm.push_back(l.name);
  }
  for (const auto& l : p.resource_labels) {
    check_name(p, l.name, "Name", "resource label", d);
    res.push_back(l.name);
  }
  // VM labels and resource labels are separate tables: one name may be both.
  report_duplicates(p, vm, "Name", "VM label", d);
  report_duplicates(p, res, "Name", "resource label", d);
}

void rule_toolstack_names(const policy_source& p, diagnostics& d) {
  auto lint = [&](const named& n, const char* element, const char* what) {
    if (std::string w = toolstack_name_warning(what, n.text); !w.empty()) d.warning(p.file, n.line, element, w);
  };
  lint(p.policy_name, "PolicyName", "policy");
  for (const auto& l : p.vm_labels) lint(l.name, "Name", "VM label");
  for (const auto& l : p.resource_labels) lint(l.name, "Name", "resource label");
}

void rule_label_renames(const policy_source& p, diagnostics& d) {
  // What `from` names is checked against the policy in force only at a change (the compiler
  // does not know it); here: a well-formed name, one label per old name, and the format's limit.
  std::size_t count = 0;
  auto check = [&](const auto& labels, const std::string& what) {
    std::map<std::string, const named*> first;  // old name -> the label renamed from it
    for (const auto& l : labels) {
      if (!l.from) continue;
      ++count;
      const named& f = *l.from;
      check_name(p, f, "Name", "old " + what, d);
      if (f.text.empty()) continue;
      if (f.text == l.name.text)
        d.warning(p.file, f.line, "Name", what + " " + q(l.name.text) + " is renamed from its own name: nothing is renamed");
      auto [it, fresh] = first.emplace(f.text, &l.name);
      if (!fresh)
        d.error(p.file, f.line, "Name", what + " " + q(l.name.text) + " is renamed from " + q(f.text) + ", as is " + what + " " +
                                            q(it->second->text) + " (line " + std::to_string(it->second->line) + ")");
    }
  };
  check(p.vm_labels, "VM label");
  check(p.resource_labels, "resource label");
  if (count > compile_limits.renames)
    d.error(p.file, 0, "SecurityLabelTemplate",
            "too many renames (from attributes): " + std::to_string(count) + " (the binary format takes at most " +
                std::to_string(compile_limits.renames) + ")");
}

void rule_label_types_known(const policy_source& p, diagnostics& d) {
  const auto te = names_of(p.te_types), cw = names_of(p.cw_types);
  auto check = [&](const std::string& who, const std::vector<named>& types, bool section, const std::set<std::string>& known,
                   const char* kind) {
    if (!section) return;  // rule_label_types_need_section reports these
    for (const auto& t : types)
      if (!t.text.empty() && known.count(t.text) == 0)
        d.error(p.file, t.line, "Type", who + " references unknown " + kind + " " + q(t.text));
  };
  for (const auto& l : p.vm_labels) {
    check("VM label " + q(l.name.text), l.te, p.has_te, te, "TE type");
    check("VM label " + q(l.name.text), l.cw, p.has_cw, cw, "Chinese Wall type");
  }
  for (const auto& l : p.resource_labels) check("resource label " + q(l.name.text), l.te, p.has_te, te, "TE type");
}

void rule_label_types_need_section(const policy_source& p, diagnostics& d) {
  auto check = [&](const std::string& who, const std::vector<named>& types, bool section, const char* kind, const char* sec) {
    if (section) return;
    for (const auto& t : types)
      if (!t.text.empty())
        d.error(p.file, t.line, "Type", who + " has " + kind + " " + q(t.text) + " but the policy has no " + sec + " section");
  };
  for (const auto& l : p.vm_labels) {
    check("VM label " + q(l.name.text), l.te, p.has_te, "TE type", "SimpleTypeEnforcement");
    check("VM label " + q(l.name.text), l.cw, p.has_cw, "Chinese Wall type", "ChineseWall");
  }
  for (const auto& l : p.resource_labels) check("resource label " + q(l.name.text), l.te, p.has_te, "TE type", "SimpleTypeEnforcement");
}

void rule_label_repeated_type(const policy_source& p, diagnostics& d) {
  auto check = [&](const std::string& who, const std::vector<named>& types) {
    std::set<std::string> seen;
    for (const auto& t : types)
      if (!t.text.empty() && !seen.insert(t.text).second) d.warning(p.file, t.line, "Type", who + " lists " + q(t.text) + " twice");
  };
  for (const auto& l : p.vm_labels) {
    check("VM label " + q(l.name.text), l.te);
    check("VM label " + q(l.name.text), l.cw);
  }
  for (const auto& l : p.resource_labels) check("resource label " + q(l.name.text), l.te);
}

void rule_label_conflicts(const policy_source& p, diagnostics& d) {
  // A label holding two types of one conflict set conflicts with itself: it could never run.
  for (const auto& l : p.vm_labels) {
    for (const auto& s : p.conflict_sets) {
      const auto members = names_of(s.types);
      std::vector<std::string> hit;
      for (const auto& t : l.cw)
        if (!t.text.empty() && members.count(t.text) != 0 && std::find(hit.begin(), hit.end(), t.text) == hit.end())
          hit.push_back(t.text);
      if (hit.size() >= 2)
        d.error(p.file, l.line, "VirtualMachineLabel",
                "VM label " + q(l.name.text) + " holds Chinese Wall types " + q(hit[0]) + " and " + q(hit[1]) +
                    " of conflict set " + q(s.name.text));
    }
  }
}

void rule_bootstrap_label(const policy_source& p, diagnostics& d) {
  if (!p.has_subject_labels) {
    d.warning(p.file, 0, "SecurityLabelTemplate", "no SubjectLabels: no domain can be started under this policy");
    return;
  }
  for (const auto& l : p.vm_labels)
    if (l.name.text == p.bootstrap.text) return;
  d.error(p.file, p.bootstrap.line, "SubjectLabels", "bootstrap label " + q(p.bootstrap.text) + " is not a VirtualMachineLabel of this policy");
}

void rule_capacity(const policy_source& p, diagnostics& d) {
  auto check = [&](std::size_t n, std::size_t max, long line, const char* element, const char* what) {
    if (n > max) d.error(p.file, line, element, std::string("too many ") + what + ": " + std::to_string(n) + " (this compiler takes at most " + std::to_string(max) + ")");
  };
  check(p.te_types.size(), compile_limits.te_types, p.te_line, "SimpleTypeEnforcement", "TE types");
  check(p.cw_types.size(), compile_limits.cw_types, p.cw_line, "ChineseWall", "Chinese Wall types");
  check(p.conflict_sets.size(), compile_limits.conflict_sets, p.cw_line, "ChineseWall", "conflict sets");
  check(p.vm_labels.size(), compile_limits.vm_labels, p.bootstrap.line, "SubjectLabels", "VM labels");
  check(p.resource_labels.size(), compile_limits.resource_labels, 0, "ObjectLabels", "resource labels");
  std::size_t refs = 0, bytes = p.policy_name.text.size() + p.bootstrap.text.size();
  for (const auto& t : p.te_types) bytes += t.text.size();
  for (const auto& t : p.cw_types) bytes += t.text.size();
  for (const auto& s : p.conflict_sets) {
    refs += s.types.size();
    bytes += s.name.text.size();
  }
  for (const auto& l : p.vm_labels) {
    refs += l.te.size() + l.cw.size();
    bytes += l.name.text.size() + (l.from ? l.from->text.size() : 0);
  }
  for (const auto& l : p.resource_labels) {
    refs += l.te.size();
    bytes += l.name.text.size() + (l.from ? l.from->text.size() : 0);
  }
  check(refs, compile_limits.type_refs, 0, "SecurityPolicyDefinition", "type references");
  check(bytes, compile_limits.name_bytes, 0, "SecurityPolicyDefinition", "bytes of names");
}

std::string toolstack_name_warning(const std::string& what, const std::string& name) {
  if (name.find(':') == std::string::npos) return {};
  return what + " name " + q(name) + " contains ':': Xen's toolstack writes labels as ACM:POLICY:LABEL and cannot use it";
}

const std::vector<named_rule>& semantic_rules() {
  static const std::vector<named_rule> rules = {
      {"policy-name", rule_policy_name},
      {"version", rule_version},
      {"source-hash-instruction", rule_source_hash_instruction},
      {"type-names", rule_type_names},
      {"unique-types", rule_unique_types},
      {"conflict-set-names", rule_conflict_set_names},
      {"conflict-set-types-known", rule_conflict_set_types_known},
      {"conflict-set-not-empty", rule_conflict_set_not_empty},
      {"label-names", rule_label_names},
      {"toolstack-names", rule_toolstack_names},
      {"label-renames", rule_label_renames},
      {"label-types-known", rule_label_types_known},
      {"label-types-need-section", rule_label_types_need_section},
      {"label-repeated-type", rule_label_repeated_type},
      {"label-conflicts", rule_label_conflicts},
      {"bootstrap-label", rule_bootstrap_label},
      {"capacity", rule_capacity},
  };
  return rules;
}

void check_semantics(const policy_source& p, diagnostics& diag) {
  diagnostics found;
  for (const auto& r : semantic_rules()) r.check(p, found);
  std::vector<diagnostic> list = found.list();
  std::stable_sort(list.begin(), list.end(), [](const diagnostic& a, const diagnostic& b) { return a.line < b.line; });
  for (auto& x : list) diag.add(std::move(x));
}

}  // namespace shype::tool
