// SPDX-License-Identifier: Apache-2.0
// `shype analyze` against `shype simulate` (issue 14): one fact, two independent computations.
//
// On a random ACM policy, the flow graph (tools/lib/analysis/flow_graph.cpp, from the decoded
// policy's type sets and conflict sets) must have exactly the edges the reference monitor
// permits when a trace tries every pair — two domains created on one host, then bind and grant;
// a domain and each resource label, access — and its transitive closure must equal the closure
// of those permitted operations, computed here naively (Floyd-Warshall).
//
// The simulator composes Chinese Wall and Type Enforcement only, whose flows go both ways; the
// directed part of the closure (Bell-LaPadula/Biba, trusted labels) and the shortest paths are
// checked against a breadth-first search per label on random MLS binaries.

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <shype/policy_builder.hpp>
#include <shype/policy_view.hpp>

#include <shype/tool/analysis/flow_graph.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/compile/load_policy.hpp>

namespace {

using namespace shype::tool;

struct random_policy {
  std::size_t te = 0, cw = 0;                     ///< 0: no such section
  std::vector<std::vector<std::size_t>> sets;     ///< conflict sets (CW type indices, >= 2 each)
  std::vector<std::vector<std::size_t>> vm_te, vm_cw;
  std::vector<std::size_t> res_te;                ///< one TE type each (the schema's rule)
};

std::string name(const char* prefix, std::size_t i) { return prefix + std::to_string(i); }

/// The members of a random subset of [0, n) (n <= 8), drawn as one bit mask: no generator
/// loops until it has enough, so size 0 (everything at its minimum) terminates too.
std::vector<std::size_t> subset(std::size_t n) {
  const auto mask = *rc::gen::inRange<unsigned>(0, 1u << n);
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i)
    if ((mask >> i) & 1u) out.push_back(i);
  return out;
}

random_policy generate() {
  random_policy p;
  p.te = *rc::gen::weightedOneOf<std::size_t>({{1, rc::gen::just<std::size_t>(0)}, {6, rc::gen::inRange<std::size_t>(1, 6)}});
  p.cw = *rc::gen::weightedOneOf<std::size_t>({{1, rc::gen::just<std::size_t>(0)}, {4, rc::gen::inRange<std::size_t>(2, 7)}});
  if (p.cw >= 2) {
    const std::size_t n = *rc::gen::inRange<std::size_t>(0, 4);
    for (std::size_t k = 0; k < n; ++k) {
      auto s = subset(p.cw);
      if (s.size() < 2) s = {0, 1};  // a conflict set holds two types at least
      p.sets.push_back(std::move(s));
    }
  }
  const std::size_t vms = *rc::gen::inRange<std::size_t>(1, 9);
  for (std::size_t i = 0; i < vms; ++i) {
    std::vector<std::size_t> cw;
    // A label may not hold two types of one conflict set (it could never run): skip such a type.
    for (std::size_t t : subset(p.cw)) {
      bool clash = false;
      for (const auto& s : p.sets)
        for (std::size_t u : cw)
          clash = clash || (std::count(s.begin(), s.end(), t) != 0 && std::count(s.begin(), s.end(), u) != 0);
      if (!clash) cw.push_back(t);
    }
    p.vm_te.push_back(subset(p.te));
    p.vm_cw.push_back(std::move(cw));
  }
  if (p.te > 0) {
    const std::size_t n = *rc::gen::inRange<std::size_t>(0, 4);
    for (std::size_t r = 0; r < n; ++r) p.res_te.push_back(*rc::gen::inRange<std::size_t>(0, p.te));
  }
  return p;
}

std::string types_xml(const char* element, const char* prefix, const std::vector<std::size_t>& ids) {
  std::string s = std::string("<") + element + ">";
  if (ids.empty()) s += "<Type/>";
  for (std::size_t t : ids) s += "<Type>" + name(prefix, t) + "</Type>";
  return s + "</" + element + ">";
}

std::string xml(const random_policy& p) {
  std::string x = "<?xml version=\"1.0\"?>\n<SecurityPolicyDefinition xmlns=\"http://www.ibm.com\"><PolicyHeader><PolicyName>prop</PolicyName>"
                  "<Version>1.0</Version></PolicyHeader>";
  std::vector<std::size_t> all_te, all_cw;
  for (std::size_t t = 0; t < p.te; ++t) all_te.push_back(t);
  for (std::size_t t = 0; t < p.cw; ++t) all_cw.push_back(t);
  if (p.te > 0) x += "<SimpleTypeEnforcement>" + types_xml("SimpleTypeEnforcementTypes", "te", all_te) + "</SimpleTypeEnforcement>";
  if (p.cw > 0) {
    x += "<ChineseWall priority=\"PrimaryPolicyComponent\">" + types_xml("ChineseWallTypes", "cw", all_cw);
    if (!p.sets.empty()) {
      x += "<ConflictSets>";
      for (std::size_t k = 0; k < p.sets.size(); ++k) {
        x += "<Conflict name=\"" + name("cs", k) + "\">";
        for (std::size_t t : p.sets[k]) x += "<Type>" + name("cw", t) + "</Type>";
        x += "</Conflict>";
      }
      x += "</ConflictSets>";
    }
    x += "</ChineseWall>";
  }
  x += "<SecurityLabelTemplate><SubjectLabels bootstrap=\"vm0\">";
  for (std::size_t i = 0; i < p.vm_te.size(); ++i) {
    x += "<VirtualMachineLabel><Name>" + name("vm", i) + "</Name>";
    if (p.te > 0) x += types_xml("SimpleTypeEnforcementTypes", "te", p.vm_te[i]);
    if (p.cw > 0) x += types_xml("ChineseWallTypes", "cw", p.vm_cw[i]);
    x += "</VirtualMachineLabel>";
  }
  x += "</SubjectLabels>";
  if (!p.res_te.empty()) {
    x += "<ObjectLabels>";
    for (std::size_t r = 0; r < p.res_te.size(); ++r)
      x += "<ResourceLabel><Name>" + name("res", r) + "</Name>" + types_xml("SimpleTypeEnforcementTypes", "te", {p.res_te[r]}) + "</ResourceLabel>";
    x += "</ObjectLabels>";
  }
  return x + "</SecurityLabelTemplate></SecurityPolicyDefinition>\n";
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

/// Node numbering shared by both sides: VM labels vm0.., then resource labels res0...
struct edges {
  std::size_t n = 0;
  std::vector<std::vector<bool>> e;
};

/// What `shype simulate` permits, one pair at a time, on one host.
edges simulate_edges(const random_policy& p, const std::string& policy_file, const std::string& dir) {
  const std::size_t vms = p.vm_te.size(), n = vms + p.res_te.size();
  std::ostringstream trace;
  std::map<long, std::pair<std::size_t, std::size_t>> shares, accesses;  // trace line -> pair
  long line = 0;
  std::size_t dom = 0;
  auto op = [&](const std::string& s) {
    trace << s << "\n";
    return ++line;
  };
  for (std::size_t i = 0; i < vms; ++i)
    for (std::size_t j = i + 1; j < vms; ++j) {
      const std::string a = name("d", dom++), b = name("d", dom++);
      op("create " + a + " " + name("vm", i));
      op("create " + b + " " + name("vm", j));
      shares[op("bind " + a + " " + b)] = {i, j};
      shares[op("grant " + a + " " + b)] = {i, j};
      shares[op("grant " + b + " " + a + " ro")] = {j, i};
      op("destroy " + a);
      op("destroy " + b);
    }
  for (std::size_t i = 0; i < vms; ++i) {
    const std::string a = name("d", dom++);
    op("create " + a + " " + name("vm", i));
    for (std::size_t r = 0; r < p.res_te.size(); ++r) accesses[op("access " + a + " " + name("res", r))] = {i, vms + r};
    op("destroy " + a);
  }
  const std::string trace_file = dir + "/trace.txt";
  spit(trace_file, trace.str());
  std::ostringstream out, err;
  const int rc = run_shype({"simulate", policy_file, trace_file}, out, err);
  RC_ASSERT(rc == 0);
  edges s{n, std::vector<std::vector<bool>>(n, std::vector<bool>(n, false))};
  std::istringstream lines(out.str());
  std::string l;
  while (std::getline(lines, l)) {
    const auto at = l.find("\"line\":");
    RC_ASSERT(at != std::string::npos);
    const long no = std::stol(l.substr(at + 7));
    const bool permit = l.find("\"decision\":\"permit\"") != std::string::npos;
    if (!permit) continue;
    if (auto it = shares.find(no); it != shares.end()) {
      // bind and a read-write grant pass information both ways; a read-only grant from the
      // granter to the mapper (with TE and CW alone it is permitted exactly when they are).
      s.e[it->second.first][it->second.second] = true;
      if (l.find("\"op\":\"bind\"") != std::string::npos || l.find("\"op\":\"grant\"") != std::string::npos) {
        s.e[it->second.second][it->second.first] = true;
      }
    }
    if (auto it = accesses.find(no); it != accesses.end()) {
      s.e[it->second.first][it->second.second] = true;  // read-write access: both ways
      s.e[it->second.second][it->second.first] = true;
    }
  }
  return s;
}

std::vector<std::vector<bool>> closure(edges s) {
  for (std::size_t i = 0; i < s.n; ++i) s.e[i][i] = true;
  for (std::size_t k = 0; k < s.n; ++k)
    for (std::size_t i = 0; i < s.n; ++i)
      for (std::size_t j = 0; j < s.n; ++j)
        if (s.e[i][k] && s.e[k][j]) s.e[i][j] = true;
  return s.e;
}

RC_GTEST_PROP(AnalysisVsSimulate, ReachabilityIsTheClosureOfPermittedOperations, ()) {
  const random_policy p = generate();
  const std::string dir = SHYPE_PROP_SCRATCH;
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/policy.xml";
  spit(file, xml(p));
  const loaded_policy lp = load_policy_file(file);
  RC_ASSERT(lp.ok());
  const decoded_policy d = decode(shype::policy_view::load(shype::byte_view(lp.binary.data(), lp.binary.size())).value());
  const auto g = flow_graph::build(d, {});
  RC_ASSERT(g.ok());

  const edges sim = simulate_edges(p, file, dir);
  // The graph's node of each of our numbers (its tables are sorted by name: vm10 < vm2).
  std::vector<std::size_t> node(sim.n);
  for (std::size_t i = 0; i < p.vm_te.size(); ++i) node[i] = *g->find_vm(name("vm", i));
  for (std::size_t r = 0; r < p.res_te.size(); ++r) node[p.vm_te.size() + r] = *g->find_resource(name("res", r));

  for (std::size_t i = 0; i < sim.n; ++i)
    for (std::size_t j = 0; j < sim.n; ++j)
      if (i != j) RC_ASSERT(g->out(node[i]).test(node[j]) == sim.e[i][j]);
  const auto reach = closure(sim);
  for (std::size_t i = 0; i < sim.n; ++i)
    for (std::size_t j = 0; j < sim.n; ++j) RC_ASSERT(g->reach(node[i]).test(node[j]) == reach[i][j]);
  RC_TAG(g->relays().empty() ? "no relay" : "relays");
}

/// A random binary with an MLS section: 2 TE types, up to 10 labels at random levels.
std::vector<std::uint8_t> mls_binary() {
  auto b = std::make_unique<shype::policy_builder<>>("mls");
  const std::uint16_t te[2] = {b->te_type("a").value(), b->te_type("b").value()};
  b->enable_mls(2);
  // An id_list only points at its ids: each level keeps its categories in `cats` until set.
  std::vector<std::uint16_t> cats[2];
  auto level = [&](int k) {
    cats[k].clear();
    for (std::size_t c : subset(2)) cats[k].push_back(static_cast<std::uint16_t>(c));
    return shype::mls_spec{static_cast<std::uint16_t>(*rc::gen::inRange(0, 3)), shype::id_list(cats[k].data(), cats[k].size())};
  };
  const std::size_t vms = *rc::gen::inRange<std::size_t>(1, 8), res = *rc::gen::inRange<std::size_t>(0, 3);
  for (std::size_t i = 0; i < vms; ++i) {
    std::vector<std::uint16_t> types;
    for (std::size_t t : subset(2)) types.push_back(te[t]);
    const auto l = b->vm_label(shype::string_ref(name("vm", i).c_str()), shype::id_list(types.data(), types.size()), {}).value();
    const auto s = level(0), in = level(1);
    RC_ASSERT(b->vm_label_mls(l, s, in).has_value());
  }
  for (std::size_t r = 0; r < res; ++r) {
    const std::uint16_t t = te[*rc::gen::inRange(0, 2)];
    const auto l = b->resource_label(shype::string_ref(name("res", r).c_str()), {t}).value();
    const auto s = level(0), in = level(1);
    RC_ASSERT(b->resource_label_mls(l, s, in).has_value());
  }
  b->bootstrap("vm0");
  std::vector<std::uint8_t> out(b->size());
  RC_ASSERT(b->build(out.data(), out.size()).has_value());
  return out;
}

RC_GTEST_PROP(AnalysisDirected, ClosureAndPathsMatchASearchPerLabel, ()) {
  const auto bin = mls_binary();
  const decoded_policy d = decode(shype::policy_view::load(shype::byte_view(bin.data(), bin.size())).value());
  const auto model = *rc::gen::element(mls_model::none, mls_model::bell_lapadula, mls_model::biba, mls_model::both);
  flow_options o{.mls = model, .trusted = {}};
  const std::size_t n = d.vm_labels.size() + d.resource_labels.size();
  for (std::size_t v : subset(std::min<std::size_t>(n, 8)))
    if (*rc::gen::inRange(0, 3) == 0) o.trusted.push_back(v);
  const auto g = flow_graph::build(d, o);
  RC_ASSERT(g.ok());
  for (std::size_t s = 0; s < n; ++s) {
    // Breadth first from s; a trusted node other than s is reached but not expanded.
    std::vector<std::size_t> dist(n, n + 1);
    std::vector<std::size_t> queue{s};
    dist[s] = 0;
    for (std::size_t k = 0; k < queue.size(); ++k) {
      const std::size_t u = queue[k];
      if (u != s && g->trusted(u)) continue;
      for (std::size_t w = 0; w < n; ++w)
        if (g->out(u).test(w) && dist[w] > n) {
          dist[w] = dist[u] + 1;
          queue.push_back(w);
        }
    }
    for (std::size_t t = 0; t < n; ++t) {
      RC_ASSERT(g->reach(s).test(t) == (dist[t] <= n));
      node_set from = g->empty_set(), to = g->empty_set();
      from.set(s);
      to.set(t);
      const flow_paths fp = g->shortest_paths(from, to);
      RC_ASSERT(fp.exists == (dist[t] <= n));
      if (!fp.exists) continue;
      RC_ASSERT(fp.length == dist[t]);
      RC_ASSERT(!fp.paths.empty());
      RC_ASSERT(fp.total >= fp.paths.size());
      for (const auto& path : fp.paths) {
        RC_ASSERT(path.size() == dist[t] + 1);
        RC_ASSERT(path.front() == s && path.back() == t);
        for (std::size_t k = 0; k + 1 < path.size(); ++k) {
          RC_ASSERT(g->out(path[k]).test(path[k + 1]));
          if (k > 0) RC_ASSERT(!g->trusted(path[k]));
        }
      }
    }
  }
}

}  // namespace
