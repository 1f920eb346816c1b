// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/analysis/policy_graph.hpp>

namespace shype::tool {
namespace {

std::string te_id(const std::string& n) { return dot_quote("te:" + n); }
std::string cw_id(const std::string& n) { return dot_quote("cw:" + n); }
std::string vm_id(const std::string& n) { return dot_quote("vm:" + n); }
std::string res_id(const std::string& n) { return dot_quote("res:" + n); }

/// Collects the edges of one kind of pair until there are too many; then drops them all.
class pair_edges {
 public:
  explicit pair_edges(const char* what) : what_(what) {}
  /// false once over the limit: stop looking for more.
  bool add(std::string edge) {
    if (++count_ > max_graph_pair_edges) return false;
    text_ += edge;
    return true;
  }
  [[nodiscard]] bool full() const { return count_ > max_graph_pair_edges; }
  /// Appends the edges to `g`, or a comment and a note saying why they are not there.
  void emit(std::string& g, std::vector<std::string>* left_out) const {
    if (!full()) {
      g += text_;
      return;
    }
    const std::string note = std::string("more than ") + std::to_string(max_graph_pair_edges) + " " + what_ +
                             ": those edges are left out (labels are still joined to their types)";
    g += "  // " + note + "\n";
    if (left_out != nullptr) left_out->push_back(note);
  }

 private:
  const char* what_;
  std::size_t count_ = 0;
  std::string text_;
};

}  // namespace

std::string dot_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string policy_dot(const decoded_policy& p, std::vector<std::string>* left_out) {
  std::string g;
  g += "graph " + dot_quote(p.name) + " {\n";
  g += "  graph [label=" + dot_quote("policy " + p.name + " " + std::to_string(p.version.major) + "." + std::to_string(p.version.minor) +
                                     ": coalitions (TE) and conflict sets (Chinese Wall)") +
       ", labelloc=t, fontname=\"Helvetica\", rankdir=LR, nodesep=0.3, ranksep=1.2];\n";
  g += "  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n";

  if (p.has_te) {
    g += "  subgraph cluster_te {\n    label=\"TE types (coalitions)\"; style=rounded; color=\"#4a78b5\";\n";
    for (const auto& t : p.te_types) g += "    " + te_id(t) + " [label=" + dot_quote(t) + ", shape=ellipse, style=filled, fillcolor=\"#d8e8ff\"];\n";
    g += "  }\n";
  }
  if (p.has_cw) {
    g += "  subgraph cluster_cw {\n    label=\"Chinese Wall types\"; style=rounded; color=\"#b54a4a\";\n";
    for (const auto& t : p.cw_types) g += "    " + cw_id(t) + " [label=" + dot_quote(t) + ", shape=hexagon, style=filled, fillcolor=\"#ffe0e0\"];\n";
    g += "  }\n";
  }
  for (std::size_t i = 0; i < p.vm_labels.size(); ++i) {
    const auto& l = p.vm_labels[i];
    const bool boot = p.bootstrap && *p.bootstrap == i;
    g += "  " + vm_id(l.name) + " [label=" + dot_quote(l.name + (boot ? "\n(bootstrap)" : "")) +
         ", shape=box, style=\"rounded,filled\", fillcolor=\"#f0f0f0\"];\n";
  }
  for (const auto& r : p.resource_labels) g += "  " + res_id(r.name) + " [label=" + dot_quote(r.name) + ", shape=cylinder];\n";

  // Membership: labels and their types. Edge direction sets the columns, left to right:
  // resource labels, TE types, VM labels, Chinese Wall types.
  g += "  // membership: labels and their types\n";
  for (const auto& l : p.vm_labels) {
    for (std::size_t t : l.te) g += "  " + te_id(p.te_types[t]) + " -- " + vm_id(l.name) + " [color=\"#4a78b5\"];\n";
    for (std::size_t t : l.cw) g += "  " + vm_id(l.name) + " -- " + cw_id(p.cw_types[t]) + " [color=\"#b54a4a\", style=dotted];\n";
  }
  for (const auto& r : p.resource_labels)
    for (std::size_t t : r.te) g += "  " + res_id(r.name) + " -- " + te_id(p.te_types[t]) + " [color=\"#4a78b5\"];\n";

  g += "  // who may talk to whom (Type Enforcement)\n";
  pair_edges share("pairs of VM labels may share");
  for (std::size_t i = 0; i < p.vm_labels.size() && !share.full(); ++i) {
    for (std::size_t j = i + 1; j < p.vm_labels.size(); ++j) {
      const auto &a = p.vm_labels[i], &b = p.vm_labels[j];
      if (!p.may_share(a, b)) continue;
      const std::string via = p.has_te ? join(p.te_names(common(a.te, b.te))) : "no TE section";
      if (!share.add("  " + vm_id(a.name) + " -- " + vm_id(b.name) + " [color=\"#2a7a2a\", penwidth=2, constraint=false, tooltip=" +
                     dot_quote("may share: " + via) + "];\n"))
        break;
    }
  }
  share.emit(g, left_out);

  g += "  // conflict sets (Chinese Wall)\n";
  pair_edges types("pairs of types in conflict sets");
  for (const auto& c : p.conflict_sets) {
    for (std::size_t i = 0; i < c.types.size() && !types.full(); ++i)
      for (std::size_t j = i + 1; j < c.types.size(); ++j)
        if (!types.add("  " + cw_id(p.cw_types[c.types[i]]) + " -- " + cw_id(p.cw_types[c.types[j]]) +
                       " [color=red, style=dashed, constraint=false, label=" + dot_quote(c.name) + "];\n"))
          break;
  }
  types.emit(g, left_out);
  pair_edges apart("pairs of VM labels are kept off one host");
  for (std::size_t i = 0; i < p.vm_labels.size() && !apart.full(); ++i) {
    for (std::size_t j = i + 1; j < p.vm_labels.size(); ++j) {
      const auto &a = p.vm_labels[i], &b = p.vm_labels[j];
      if (auto k = p.conflict_between(a, b))
        if (!apart.add("  " + vm_id(a.name) + " -- " + vm_id(b.name) + " [color=red, style=dashed, constraint=false, tooltip=" +
                       dot_quote("never on one host: conflict set " + p.conflict_sets[*k].name) + "];\n"))
          break;
    }
  }
  apart.emit(g, left_out);
  g += "}\n";
  return g;
}

}  // namespace shype::tool
