// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/analysis/policy_diff.hpp>

#include <map>

namespace shype::tool {
namespace {

std::string q(const std::string& s) { return "\"" + s + "\""; }

std::string names(const std::vector<std::string>& v) {
  if (v.empty()) return "-";
  std::string s;
  for (const auto& n : v) s += (s.empty() ? "" : ", ") + q(n);
  return s;
}

std::string version(const shype::policy_version& v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

/// Added and removed names of a table.
void table(const std::vector<std::string>& a, const std::vector<std::string>& b, const char* what, std::vector<std::string>& out) {
  std::map<std::string, int> seen;
  for (const auto& n : a) seen[n] |= 1;
  for (const auto& n : b) seen[n] |= 2;
  for (const auto& [n, where] : seen) {
    if (where == 2) out.push_back("added    " + std::string(what) + " " + q(n));
    if (where == 1) out.push_back("removed  " + std::string(what) + " " + q(n));
  }
}

template <class T>
std::map<std::string, const T*> by_name(const std::vector<T>& v) {
  std::map<std::string, const T*> m;
  for (const auto& x : v) m[x.name] = &x;
  return m;
}

/// The label of `b` each label of `a` becomes, as a live change maps them (policy_view::
/// find_successor): the label renamed from it, else the one of the same name unless that one
/// is renamed from another. Labels of `a` without a successor are absent.
template <class T>
std::map<std::string, const T*> successors(const std::vector<T>& a, const std::vector<T>& b) {
  std::map<std::string, const T*> renamed_from, named, out;
  for (const auto& x : b) {
    if (!x.from.empty()) renamed_from[x.from] = &x;
    named[x.name] = &x;
  }
  for (const auto& x : a) {
    if (auto r = renamed_from.find(x.name); r != renamed_from.end()) out[x.name] = r->second;
    else if (auto n = named.find(x.name); n != named.end() && n->second->from.empty()) out[x.name] = n->second;
  }
  return out;
}

/// `"a"`, or `"a" (renamed "b")`.
std::string shown(const std::string& old_name, const std::string& new_name) {
  return old_name == new_name ? q(old_name) : q(old_name) + " (renamed " + q(new_name) + ")";
}

std::string vm_types(const decoded_policy& p, const decoded_vm_label& l) {
  return "te " + names(p.te_names(l.te)) + "; cw " + names(p.cw_names(l.cw));
}

}  // namespace

std::vector<std::string> diff_policies(const decoded_policy& a, const decoded_policy& b) {
  std::vector<std::string> out;
  if (a.name != b.name) out.push_back("changed  policy name " + q(a.name) + " -> " + q(b.name));
  if (!(a.version == b.version)) out.push_back("changed  version " + version(a.version) + " -> " + version(b.version));
  auto section = [&](bool x, bool y, const char* what, const char* meaning) {
    if (x && !y) out.push_back(std::string("removed  section ") + what + " (" + meaning + " no longer restricted)");
    if (!x && y) out.push_back(std::string("added    section ") + what);
  };
  section(a.has_te, b.has_te, "SimpleTypeEnforcement", "sharing");
  section(a.has_cw, b.has_cw, "ChineseWall", "placement");
  table(a.te_types, b.te_types, "TE type", out);
  table(a.cw_types, b.cw_types, "Chinese Wall type", out);

  // Conflict sets: compared by the names of their types.
  {
    const auto ma = by_name(a.conflict_sets), mb = by_name(b.conflict_sets);
    for (const auto& [n, s] : mb)
      if (ma.count(n) == 0) out.push_back("added    conflict set " + q(n) + ": " + names(b.cw_names(s->types)));
    for (const auto& [n, s] : ma) {
      auto it = mb.find(n);
      if (it == mb.end()) out.push_back("removed  conflict set " + q(n) + ": " + names(a.cw_names(s->types)));
      else if (a.cw_names(s->types) != b.cw_names(it->second->types))
        out.push_back("changed  conflict set " + q(n) + ": " + names(a.cw_names(s->types)) + " -> " + names(b.cw_names(it->second->types)));
    }
  }

  // Labels are compared with their successors (renames applied), as a live change maps them.
  const auto va = by_name(a.vm_labels), vb = by_name(b.vm_labels);
  const auto sv = successors(a.vm_labels, b.vm_labels);
  std::map<const decoded_vm_label*, std::string> vm_reached;  // label of b -> the label of a it continues
  for (const auto& [n, l] : sv) vm_reached[l] = n;
  for (const auto& [n, l] : vb)
    if (vm_reached.count(l) == 0) out.push_back("added    VM label " + q(n) + ": " + vm_types(b, *l));
  for (const auto& [n, l] : va) {
    auto it = sv.find(n);
    if (it == sv.end()) {
      out.push_back("removed  VM label " + q(n) + ": " + vm_types(a, *l));
      continue;
    }
    if (it->second->name != n) out.push_back("renamed  VM label " + q(n) + " -> " + q(it->second->name));
    if (vm_types(a, *l) != vm_types(b, *it->second))
      out.push_back("changed  VM label " + shown(n, it->second->name) + ": " + vm_types(a, *l) + " -> " + vm_types(b, *it->second));
  }
  const auto ra = by_name(a.resource_labels), rb = by_name(b.resource_labels);
  const auto sr = successors(a.resource_labels, b.resource_labels);
  std::map<const decoded_resource_label*, std::string> res_reached;
  for (const auto& [n, l] : sr) res_reached[l] = n;
  for (const auto& [n, l] : rb)
    if (res_reached.count(l) == 0) out.push_back("added    resource label " + q(n) + ": te " + names(b.te_names(l->te)));
  for (const auto& [n, l] : ra) {
    auto it = sr.find(n);
    if (it == sr.end()) {
      out.push_back("removed  resource label " + q(n) + ": te " + names(a.te_names(l->te)));
      continue;
    }
    if (it->second->name != n) out.push_back("renamed  resource label " + q(n) + " -> " + q(it->second->name));
    if (a.te_names(l->te) != b.te_names(it->second->te))
      out.push_back("changed  resource label " + shown(n, it->second->name) + ": te " + names(a.te_names(l->te)) + " -> " +
                    names(b.te_names(it->second->te)));
  }
  const std::string boot_a = a.bootstrap ? a.vm_labels[*a.bootstrap].name : "", boot_b = b.bootstrap ? b.vm_labels[*b.bootstrap].name : "";
  if (boot_a != boot_b) out.push_back("changed  bootstrap label " + (boot_a.empty() ? "-" : q(boot_a)) + " -> " + (boot_b.empty() ? "-" : q(boot_b)));

  // What the change means for domains with labels both policies have (by successor): at most
  // max_diff_pair_lines lines, then one saying the list stops there.
  const std::size_t pairs_from = out.size();
  auto room = [&] { return out.size() - pairs_from < max_diff_pair_lines; };
  std::vector<std::string> both;
  // Quadratic in the labels: look each label up once, build text only for a difference.
  std::vector<const decoded_vm_label*> in_a, in_b;
  for (const auto& [n, l] : sv) {
    both.push_back(n);
    in_a.push_back(va.at(n));
    in_b.push_back(l);
  }
  auto vm_shown = [&](std::size_t i) { return shown(both[i], in_b[i]->name); };
  for (std::size_t i = 0; i < both.size() && room(); ++i) {
    for (std::size_t j = i; j < both.size() && room(); ++j) {
      const auto &xa = *in_a[i], &ya = *in_a[j], &xb = *in_b[i], &yb = *in_b[j];
      const bool before = a.may_share(xa, ya), after = b.may_share(xb, yb);
      if (before == after) continue;
      const std::string pair_text = vm_shown(i) + " <-> " + vm_shown(j);
      if (after) out.push_back("allow    share " + pair_text + " (common TE types: " + names(b.te_names(common(xb.te, yb.te))) + ")");
      else out.push_back("forbid   share " + pair_text);
    }
  }
  std::vector<std::string> res_both;
  std::vector<const decoded_resource_label*> res_a, res_b;
  for (const auto& [n, l] : sr) {
    res_both.push_back(n);
    res_a.push_back(ra.at(n));
    res_b.push_back(l);
  }
  for (std::size_t i = 0; i < both.size() && room(); ++i) {
    for (std::size_t k = 0; k < res_both.size() && room(); ++k) {
      const bool before = a.may_access(*in_a[i], *res_a[k]), after = b.may_access(*in_b[i], *res_b[k]);
      if (before == after) continue;
      const std::string pair_text = vm_shown(i) + " -> " + shown(res_both[k], res_b[k]->name);
      out.push_back((after ? "allow    access " : "forbid   access ") + pair_text);
    }
  }
  for (std::size_t i = 0; i < both.size() && room(); ++i) {
    for (std::size_t j = i + 1; j < both.size() && room(); ++j) {
      const auto before = a.conflict_between(*in_a[i], *in_a[j]);
      const auto after = b.conflict_between(*in_b[i], *in_b[j]);
      if (before.has_value() == after.has_value()) continue;
      const std::string pair_text = vm_shown(i) + " / " + vm_shown(j);
      if (before && !after) out.push_back("allow    same host " + pair_text + " (no conflict set keeps them apart now)");
      if (!before && after) out.push_back("forbid   same host " + pair_text + " (conflict set " + q(b.conflict_sets[*after].name) + ")");
    }
  }
  if (!room())
    out.push_back("...      the list of pairs stops at " + std::to_string(max_diff_pair_lines) + " lines (the limit of a diff); more pairs may differ");
  return out;
}

}  // namespace shype::tool
