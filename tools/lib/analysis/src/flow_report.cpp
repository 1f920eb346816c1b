// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/analysis/flow_report.hpp>

#include <limits>
#include <unordered_map>

#include <shype/tool/analysis/policy_graph.hpp>
#include <shype/tool/io/json.hpp>
#include <shype/tool/io/text_escape.hpp>

namespace shype::tool {
namespace {

std::string shown(const flow_graph& g, std::size_t n) { return one_line(g.display(n)); }

std::string names_text(const flow_graph& g, const std::vector<std::size_t>& nodes) {
  std::string s;
  for (std::size_t n : nodes) {  // appended piece by piece: see q() in assertions.cpp (-Werror=restrict)
    if (!s.empty()) s += ", ";
    s += shown(g, n);
  }
  return s.empty() ? "-" : s;
}

std::string json_names(const flow_graph& g, const std::vector<std::size_t>& nodes) {
  std::string s = "[";
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i != 0) s += ',';
    s += json_string(g.display(nodes[i]));
  }
  return s + "]";
}

std::string json_list(const std::vector<std::string>& items) {
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
  return s + "]";
}

const char* mls_name(mls_model m) {
  switch (m) {
    case mls_model::none: return "none";
    case mls_model::bell_lapadula: return "blp";
    case mls_model::biba: return "biba";
    case mls_model::both: return "both";
  }
  return "?";
}

/// Nodes grouped by equal reach sets, in order of their first member.
std::vector<std::vector<std::size_t>> reach_groups(const flow_graph& g) {
  std::vector<std::vector<std::size_t>> groups;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> by_hash;
  for (std::size_t v = 0; v < g.size(); ++v) {
    auto& candidates = by_hash[g.reach(v).hash()];
    bool placed = false;
    for (std::size_t k : candidates)
      if (g.reach(groups[k].front()) == g.reach(v)) {
        groups[k].push_back(v);
        placed = true;
        break;
      }
    if (!placed) {
      candidates.push_back(groups.size());
      groups.push_back({v});
    }
  }
  return groups;
}

std::vector<std::size_t> reach_everything(const flow_graph& g) {
  std::vector<std::size_t> out;
  for (std::size_t v = 0; v < g.size(); ++v)
    if (g.reach(v).count() == g.size()) out.push_back(v);
  return out;
}

/// Per conflict set, per type: the VM labels holding it. Labels holding different types of one
/// set never run on one host.
struct wall_type {
  std::string type;
  std::vector<std::size_t> labels;
};
struct wall {
  std::string set;
  std::vector<wall_type> types;
};

std::vector<wall> walls(const decoded_policy& p) {
  std::vector<wall> out;
  if (!p.has_cw) return out;
  std::vector<std::vector<std::size_t>> holders(p.cw_types.size());
  for (std::size_t i = 0; i < p.vm_labels.size(); ++i)
    for (std::size_t t : p.vm_labels[i].cw) holders[t].push_back(i);
  for (const auto& c : p.conflict_sets) {
    wall w{c.name, {}};
    for (std::size_t t : c.types) w.types.push_back({p.cw_types[t], holders[t]});
    out.push_back(std::move(w));
  }
  return out;
}

std::string header(const decoded_policy& p, const flow_graph& g) {
  return "policy \"" + one_line(p.name) + "\" " + std::to_string(p.version.major) + "." + std::to_string(p.version.minor) + ": " +
         plural_text(p.vm_labels.size(), "VM label") + ", " + plural_text(p.resource_labels.size(), "resource label") + ", " +
         plural_text(g.edge_count(), "flow edge") + " (Bell-LaPadula/Biba: " + mls_name(g.mls()) + ")\n";
}

}  // namespace

std::string plural_text(std::size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

std::string path_text(const flow_graph& g, const std::vector<std::size_t>& path) {
  std::string s;
  for (std::size_t n : path) {
    if (!s.empty()) s += " -> ";
    s += shown(g, n);
  }
  return s;
}

std::string flow_summary_text(const decoded_policy& p, const flow_graph& g) {
  std::string s = header(p, g);
  const node_set trusted = [&] {
    node_set t = g.empty_set();
    for (std::size_t v = 0; v < g.size(); ++v)
      if (g.trusted(v)) t.set(v);
    return t;
  }();
  if (trusted.any()) s += "trusted (relay nothing): " + names_text(g, trusted.members()) + "\n";
  s += "\nwho reaches whom (each label reaches itself):\n";
  if (g.size() == 0) s += "  none (the policy has no labels)\n";
  std::size_t budget = max_summary_reach_names;
  for (const auto& group : reach_groups(g)) {
    const node_set& r = g.reach(group.front());
    const std::size_t k = r.count();
    std::string to = k == g.size() ? "every label" : plural_text(k, "label") + " (not listed: the summary lists " +
                                                         std::to_string(max_summary_reach_names) + " names at most; ask with --from)";
    if (k != g.size() && k <= budget) {
      budget -= k;
      to = names_text(g, r.members());
    }
    s += "  " + names_text(g, group) + "\n    -> " + to + "\n";
  }
  s += "\nrelays (information passes through them between labels that may not share directly):\n";
  const auto relays = g.relays();
  if (relays.empty()) s += "  none\n";
  for (const auto& r : relays) s += "  " + shown(g, r.node) + ": e.g. " + path_text(g, {r.from, r.node, r.to}) + "\n";
  s += "\nreach every label: " + names_text(g, reach_everything(g)) + "\n";
  s += "\nnever on one host (Chinese Wall: labels holding different types of one conflict set):\n";
  const auto ws = walls(p);
  if (ws.empty()) s += "  none\n";
  for (const auto& w : ws) {
    s += "  conflict set \"" + one_line(w.set) + "\":";
    for (std::size_t i = 0; i < w.types.size(); ++i)
      s += std::string(i ? " |" : "") + " " + one_line(w.types[i].type) + " {" + (w.types[i].labels.empty() ? "" : names_text(g, w.types[i].labels)) + "}";
    s += "\n";
  }
  return s;
}

std::string flow_summary_json(const decoded_policy& p, const flow_graph& g) {
  const auto relays = g.relays();
  std::vector<bool> is_relay(g.size(), false);
  for (const auto& r : relays) is_relay[r.node] = true;
  std::vector<std::string> labels, groups, relay_items, wall_items;
  std::vector<std::size_t> trusted;
  for (std::size_t v = 0; v < g.size(); ++v) {
    if (g.trusted(v)) trusted.push_back(v);
    labels.push_back("{\"label\":" + json_string(g.display(v)) + ",\"kind\":\"" + (g.is_vm(v) ? "vm" : "resource") +
                     "\",\"reaches\":" + std::to_string(g.reach(v).count()) + ",\"relay\":" + (is_relay[v] ? "true" : "false") +
                     ",\"trusted\":" + (g.trusted(v) ? "true" : "false") + "}");
  }
  std::size_t budget = max_summary_reach_names;
  for (const auto& group : reach_groups(g)) {
    const node_set& r = g.reach(group.front());
    const std::size_t k = r.count();
    std::string item = "{\"from\":" + json_names(g, group) + ",\"to_count\":" + std::to_string(k);
    if (k <= budget) {  // past the budget "to" is left out; to_count stays
      budget -= k;
      item += ",\"to\":" + json_names(g, r.members());
    }
    groups.push_back(item + "}");
  }
  for (const auto& r : relays)
    relay_items.push_back("{\"label\":" + json_string(g.display(r.node)) + ",\"example\":" + json_names(g, {r.from, r.node, r.to}) + "}");
  for (const auto& w : walls(p)) {
    std::vector<std::string> types;
    for (const auto& t : w.types) types.push_back("{\"type\":" + json_string(t.type) + ",\"labels\":" + json_names(g, t.labels) + "}");
    wall_items.push_back("{\"conflict_set\":" + json_string(w.set) + ",\"types\":" + json_list(types) + "}");
  }
  return "{\"policy\":" + json_string(p.name) + ",\"version\":\"" + std::to_string(p.version.major) + "." + std::to_string(p.version.minor) +
         "\",\"mls\":\"" + mls_name(g.mls()) + "\",\"edges\":" + std::to_string(g.edge_count()) + ",\"trusted\":" + json_names(g, trusted) +
         ",\"labels\":" + json_list(labels) + ",\"reach\":" + json_list(groups) + ",\"relays\":" + json_list(relay_items) +
         ",\"reach_everything\":" + json_names(g, reach_everything(g)) + ",\"never_on_one_host\":" + json_list(wall_items) + "}\n";
}

flow_answer answer_flow_question(const flow_graph& g, const flow_question& q) {
  flow_answer a;
  if (q.from != nullptr && q.to != nullptr) {
    const flow_paths fp = g.shortest_paths(q.from->nodes, q.to->nodes);
    a.exists = fp.exists;
    const std::string between = "from " + one_line(q.from->what) + " to " + one_line(q.to->what);
    std::vector<std::string> paths;
    if (!fp.exists) {
      a.text = "no flow " + between + "\n";
    } else {
      const std::string total = fp.total == std::numeric_limits<std::uint64_t>::max() ? "more than 18446744073709551614" : std::to_string(fp.total);
      a.text = "flow " + between + ": " + total + " shortest path" + (fp.total == 1 ? "" : "s") + " of " + plural_text(fp.length, "step") +
               (fp.paths.size() < fp.total ? " (" + std::to_string(fp.paths.size()) + " shown)" : "") + "\n";
      for (const auto& path : fp.paths) {
        a.text += "  " + path_text(g, path) + "\n";
        paths.push_back(json_names(g, path));
      }
    }
    a.json = "{\"from\":" + json_string(q.from->what) + ",\"to\":" + json_string(q.to->what) + ",\"flow\":" + (fp.exists ? "true" : "false");
    if (fp.exists) a.json += ",\"length\":" + std::to_string(fp.length) + ",\"shortest_paths\":" + std::to_string(fp.total) + ",\"paths\":" + json_list(paths);
    a.json += "}\n";
    return a;
  }
  if (q.from != nullptr) {
    node_set r = g.empty_set();
    q.from->nodes.for_each([&](std::size_t v) { r |= g.reach(v); });
    node_set others = r;
    others.subtract(q.from->nodes);
    a.exists = others.any();
    a.text = one_line(q.from->what) + " reaches " + plural_text(r.count(), "label") + ": " + names_text(g, r.members()) + "\n";
    a.json = "{\"from\":" + json_string(q.from->what) + ",\"reaches\":" + json_names(g, r.members()) + "}\n";
    return a;
  }
  std::vector<std::size_t> sources;
  bool other = false;
  for (std::size_t v = 0; v < g.size(); ++v)
    if (g.reach(v).intersects(q.to->nodes)) {
      sources.push_back(v);
      other = other || !q.to->nodes.test(v);
    }
  a.exists = other;
  a.text = plural_text(sources.size(), "label") + " reach " + one_line(q.to->what) + ": " + names_text(g, sources) + "\n";
  a.json = "{\"to\":" + json_string(q.to->what) + ",\"reached_from\":" + json_names(g, sources) + "}\n";
  return a;
}

std::string flow_dot(const decoded_policy& p, const flow_graph& g, std::vector<std::string>* left_out) {
  std::vector<bool> relay(g.size(), false);
  for (const auto& r : g.relays()) relay[r.node] = true;
  std::string d = "digraph " + dot_quote(p.name) + " {\n";
  d += "  graph [label=" +
       dot_quote("policy " + p.name + " " + std::to_string(p.version.major) + "." + std::to_string(p.version.minor) +
                 ": information flows (relays in orange)") +
       ", labelloc=t, fontname=\"Helvetica\", rankdir=LR];\n  node [fontname=\"Helvetica\"];\n  edge [color=\"#2a7a2a\"];\n";
  for (std::size_t v = 0; v < g.size(); ++v) {
    std::string label = g.name(v);
    std::string style = g.is_vm(v) ? "shape=box, style=\"rounded,filled\"" : "shape=cylinder, style=filled";
    if (g.trusted(v)) {
      label += "\n(trusted)";
      style += ", fillcolor=\"#d0d0d0\"";
    } else if (relay[v]) {
      label += "\n(relay)";
      style += ", fillcolor=\"#ffb347\", penwidth=2";
    } else {
      style += ", fillcolor=\"#f0f0f0\"";
    }
    d += "  " + dot_quote(g.display(v)) + " [label=" + dot_quote(label) + ", " + style + "];\n";
  }
  // One edge per pair: both ways (dir=both) or the one direction the MLS order allows.
  std::string edges;
  std::size_t count = 0;
  for (std::size_t v = 0; v < g.size() && count <= max_graph_pair_edges; ++v)
    g.out(v).for_each([&](std::size_t w) {
      const bool back = g.out(w).test(v);
      if (back && w < v) return;
      if (++count > max_graph_pair_edges) return;
      edges += "  " + dot_quote(g.display(v)) + " -> " + dot_quote(g.display(w)) + (back ? " [dir=both]" : "") + ";\n";
    });
  if (count > max_graph_pair_edges) {
    const std::string note = "more than " + std::to_string(max_graph_pair_edges) + " flow edges: those edges are left out";
    d += "  // " + note + "\n";
    if (left_out != nullptr) left_out->push_back(note);
  } else {
    d += edges;
  }
  return d + "}\n";
}

}  // namespace shype::tool
