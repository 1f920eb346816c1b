// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/analysis/flow_graph.hpp>

#include <algorithm>
#include <limits>

namespace shype::tool {

// --- node_set ---------------------------------------------------------------------------------

node_set& node_set::operator|=(const node_set& o) noexcept {
  for (std::size_t i = 0; i < words_.size(); ++i) words_[i] |= o.words_[i];
  return *this;
}

node_set& node_set::operator&=(const node_set& o) noexcept {
  for (std::size_t i = 0; i < words_.size(); ++i) words_[i] &= o.words_[i];
  return *this;
}

node_set& node_set::subtract(const node_set& o) noexcept {
  for (std::size_t i = 0; i < words_.size(); ++i) words_[i] &= ~o.words_[i];
  return *this;
}

bool node_set::intersects(const node_set& o) const noexcept {
  for (std::size_t i = 0; i < words_.size(); ++i)
    if ((words_[i] & o.words_[i]) != 0) return true;
  return false;
}

bool node_set::any() const noexcept {
  return std::any_of(words_.begin(), words_.end(), [](std::uint64_t w) { return w != 0; });
}

std::size_t node_set::count() const noexcept {
  std::size_t n = 0;
  for (std::uint64_t w : words_) n += static_cast<std::size_t>(__builtin_popcountll(w));
  return n;
}

std::size_t node_set::next(std::size_t i) const noexcept {
  if (i >= size_) return size_;
  std::size_t w = i / 64;
  std::uint64_t bits = words_[w] & (~std::uint64_t{0} << (i % 64));
  while (bits == 0) {
    if (++w == words_.size()) return size_;
    bits = words_[w];
  }
  return w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits));
}

std::uint64_t node_set::hash() const noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::uint64_t w : words_) h = (h ^ w) * 0x100000001b3ull;
  return h;
}

std::vector<std::size_t> node_set::members() const {
  std::vector<std::size_t> out;
  for_each([&](std::size_t i) { out.push_back(i); });
  return out;
}

// --- building ---------------------------------------------------------------------------------

namespace {

bool dominates(const decoded_level& a, const decoded_level& b) {
  return a.level >= b.level && std::includes(a.categories.begin(), a.categories.end(), b.categories.begin(), b.categories.end());
}

/// May information flow from a label at x to one at y under the model? (information_flow.hpp)
bool mls_flow(mls_model m, const decoded_mls& x, const decoded_mls& y) {
  const bool blp = dominates(y.secrecy, x.secrecy);
  const bool biba = dominates(x.integrity, y.integrity);
  switch (m) {
    case mls_model::none: return true;
    case mls_model::bell_lapadula: return blp;
    case mls_model::biba: return biba;
    case mls_model::both: return blp && biba;
  }
  return false;
}

/// Chinese Wall: for each VM label, the VM labels it may never share a host with. Two labels
/// conflict when each holds a type of one conflict set and those are not one and the same type
/// (decoded_policy::conflict_between); computed per set with prefix and suffix unions so the
/// cost stays linear in the memberships.
std::vector<node_set> conflict_masks(const decoded_policy& p, std::size_t n) {
  const std::size_t vms = p.vm_labels.size();
  std::vector<node_set> masks(vms, node_set(n));
  if (!p.has_cw) return masks;
  std::vector<node_set> holders(p.cw_types.size(), node_set(n));
  for (std::size_t i = 0; i < vms; ++i)
    for (std::size_t t : p.vm_labels[i].cw) holders[t].set(i);
  std::vector<std::size_t> seen(vms, 0), position(vms, 0);
  std::vector<std::size_t> touched;
  for (const auto& set : p.conflict_sets) {
    const std::size_t m = set.types.size();
    std::vector<node_set> prefix(m + 1, node_set(n)), suffix(m + 1, node_set(n));
    for (std::size_t i = 0; i < m; ++i) (prefix[i + 1] = prefix[i]) |= holders[set.types[i]];
    for (std::size_t i = m; i-- > 0;) (suffix[i] = suffix[i + 1]) |= holders[set.types[i]];
    touched.clear();
    for (std::size_t i = 0; i < m; ++i)
      holders[set.types[i]].for_each([&](std::size_t a) {
        if (seen[a]++ == 0) touched.push_back(a);
        position[a] = i;
      });
    for (std::size_t a : touched) {
      if (seen[a] >= 2) {
        masks[a] |= prefix[m];  // two types of one set: in conflict with every holder, itself included
      } else {
        masks[a] |= prefix[position[a]];
        masks[a] |= suffix[position[a] + 1];
      }
      seen[a] = 0;
    }
  }
  return masks;
}

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

/// Strongly connected components of `adj` (Tarjan, iterative); components are numbered in the
/// order they complete, which is a reverse topological order: a component's successors come first.
std::vector<std::size_t> components(const std::vector<node_set>& adj, std::size_t& count) {
  const std::size_t n = adj.size();
  std::vector<std::size_t> index(n, none), low(n, 0), comp(n, none), cursor(n, 0);
  std::vector<std::size_t> stack, call;
  std::vector<bool> on_stack(n, false);
  std::size_t next_index = 0;
  count = 0;
  for (std::size_t root = 0; root < n; ++root) {
    if (index[root] != none) continue;
    call.push_back(root);
    index[root] = low[root] = next_index++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!call.empty()) {
      const std::size_t v = call.back();
      const std::size_t w = adj[v].next(cursor[v]);
      if (w < n) {
        cursor[v] = w + 1;
        if (index[w] == none) {
          index[w] = low[w] = next_index++;
          stack.push_back(w);
          on_stack[w] = true;
          call.push_back(w);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      call.pop_back();
      if (!call.empty()) low[call.back()] = std::min(low[call.back()], low[v]);
      if (low[v] == index[v]) {
        std::size_t x = none;
        do {
          x = stack.back();
          stack.pop_back();
          on_stack[x] = false;
          comp[x] = count;
        } while (x != v);
        ++count;
      }
    }
  }
  return comp;
}

/// The reflexive transitive closure of `adj`, one set per node.
std::vector<node_set> closure(const std::vector<node_set>& adj) {
  const std::size_t n = adj.size();
  std::size_t count = 0;
  const std::vector<std::size_t> comp = components(adj, count);
  std::vector<std::vector<std::size_t>> members(count);
  for (std::size_t v = 0; v < n; ++v) members[comp[v]].push_back(v);
  std::vector<node_set> reach(count, node_set(n));
  std::vector<std::size_t> stamp(count, none), succ;
  for (std::size_t c = 0; c < count; ++c) {
    node_set& r = reach[c];
    succ.clear();
    for (std::size_t v : members[c]) {
      r.set(v);
      adj[v].for_each([&](std::size_t w) {
        const std::size_t d = comp[w];
        if (d != c && stamp[d] != c) {
          stamp[d] = c;
          succ.push_back(d);
        }
      });
    }
    // Later components may reach earlier ones: take them first, then skip what they cover.
    std::sort(succ.rbegin(), succ.rend());
    for (std::size_t d : succ)
      if (!r.test(members[d].front())) r |= reach[d];
  }
  std::vector<node_set> out(n);
  for (std::size_t v = 0; v < n; ++v) out[v] = reach[comp[v]];
  return out;
}

}  // namespace

result<flow_graph> flow_graph::build(const decoded_policy& p, const flow_options& o) {
  const std::size_t vms = p.vm_labels.size(), n = vms + p.resource_labels.size();
  if (n > max_flow_nodes) {
    return error("the policy has " + std::to_string(n) + " labels (VM and resource); an analysis takes at most " + std::to_string(max_flow_nodes));
  }
  if (o.mls != mls_model::none && !p.has_mls) {
    return error("the policy has no MLS section, so Bell-LaPadula and Biba give no direction (use --mls none)");
  }
  flow_graph g;
  g.vms_ = vms;
  g.mls_ = o.mls;
  for (std::size_t i = 0; i < vms; ++i) {
    g.names_.push_back(p.vm_labels[i].name);
    g.vm_index_.emplace(p.vm_labels[i].name, i);
  }
  for (std::size_t r = 0; r < p.resource_labels.size(); ++r) {
    g.names_.push_back(p.resource_labels[r].name);
    g.resource_index_.emplace(p.resource_labels[r].name, vms + r);
  }
  g.te_names_ = p.te_types;
  for (std::size_t t = 0; t < p.te_types.size(); ++t) g.te_index_.emplace(p.te_types[t], t);
  g.trusted_ = node_set(n);
  for (std::size_t t : o.trusted)
    if (t < n) g.trusted_.set(t);

  node_set vm_mask(n), all(n);
  for (std::size_t i = 0; i < n; ++i) {
    all.set(i);
    if (i < vms) vm_mask.set(i);
  }
  // Type Enforcement: who shares a TE type with whom.
  g.te_holders_.assign(p.te_types.size(), node_set(n));
  for (std::size_t i = 0; i < vms; ++i)
    for (std::size_t t : p.vm_labels[i].te) g.te_holders_[t].set(i);
  for (std::size_t r = 0; r < p.resource_labels.size(); ++r)
    for (std::size_t t : p.resource_labels[r].te) g.te_holders_[t].set(vms + r);
  g.out_.assign(n, node_set(n));
  for (std::size_t i = 0; i < n; ++i) {
    node_set& s = g.out_[i];
    if (!p.has_te) {
      s = all;
    } else {
      for (std::size_t t : i < vms ? p.vm_labels[i].te : p.resource_labels[i - vms].te) s |= g.te_holders_[t];
    }
    if (i >= vms) s &= vm_mask;  // resources connect to domains only
    s.reset(i);
  }
  // Chinese Wall: sharing needs one host.
  g.conflicts_ = conflict_masks(p, n);
  for (std::size_t i = 0; i < vms; ++i) g.out_[i].subtract(g.conflicts_[i]);
  // Bell-LaPadula / Biba: only the directions the order allows.
  if (o.mls != mls_model::none) {
    auto level = [&](std::size_t i) -> const decoded_mls& {
      return *(i < vms ? p.vm_labels[i].mls : p.resource_labels[i - vms].mls);
    };
    for (std::size_t i = 0; i < n; ++i) {
      node_set keep = g.out_[i];
      g.out_[i].for_each([&](std::size_t j) {
        bool ok = mls_flow(o.mls, level(i), level(j));
        if (i < vms && j >= vms) ok = ok && mls_flow(o.mls, level(j), level(i));  // writing a resource needs read-write
        if (!ok) keep.reset(j);
      });
      g.out_[i] = std::move(keep);
    }
  }
  g.in_.assign(n, node_set(n));
  for (std::size_t i = 0; i < n; ++i) g.out_[i].for_each([&](std::size_t j) { g.in_[j].set(i); });

  // The closure: trusted nodes pass nothing on, except what starts at them.
  std::vector<node_set> cut = g.out_;
  g.trusted_.for_each([&](std::size_t t) { cut[t] = node_set(n); });
  g.reach_ = closure(cut);
  // A trusted source reaches through its own edges into the cut closure, where every trusted
  // node (another trusted one included) is an end: computed first, assigned after.
  std::vector<std::pair<std::size_t, node_set>> sources;
  g.trusted_.for_each([&](std::size_t t) {
    node_set r(n);
    r.set(t);
    g.out_[t].for_each([&](std::size_t j) { r |= g.reach_[j]; });
    sources.emplace_back(t, std::move(r));
  });
  for (auto& [t, r] : sources) g.reach_[t] = std::move(r);
  return g;
}

// --- queries ----------------------------------------------------------------------------------

std::string flow_graph::display(std::size_t n) const { return is_vm(n) ? names_[n] : "resource:" + names_[n]; }

std::size_t flow_graph::edge_count() const noexcept {
  std::size_t e = 0;
  for (const auto& s : out_) e += s.count();
  return e;
}

node_set flow_graph::all_set() const {
  node_set s(size());
  for (std::size_t i = 0; i < size(); ++i) s.set(i);
  return s;
}

std::optional<std::size_t> flow_graph::find_vm(const std::string& n) const {
  auto it = vm_index_.find(n);
  return it == vm_index_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
}

std::optional<std::size_t> flow_graph::find_resource(const std::string& n) const {
  auto it = resource_index_.find(n);
  return it == resource_index_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
}

std::optional<std::size_t> flow_graph::find_te_type(const std::string& n) const {
  auto it = te_index_.find(n);
  return it == te_index_.end() ? std::nullopt : std::optional<std::size_t>(it->second);
}

std::vector<flow_relay> flow_graph::relays() const {
  std::vector<flow_relay> out;
  for (std::size_t v = 0; v < size(); ++v) {
    if (trusted(v)) continue;
    for (std::size_t u = in_[v].next(0); u < size(); u = in_[v].next(u + 1)) {
      node_set onward = out_[v];
      onward.subtract(out_[u]);
      onward.reset(u);
      const std::size_t w = onward.next(0);
      if (w < size()) {
        out.push_back({v, u, w});
        break;
      }
    }
  }
  return out;
}

flow_paths flow_graph::shortest_paths(const node_set& from, const node_set& to) const {
  flow_paths r;
  const std::size_t n = size();
  std::vector<node_set> levels{from};
  node_set seen = from;
  // Breadth first from every source at once; a trusted node past the sources is not expanded.
  while (!levels.back().intersects(to)) {
    node_set next(n);
    levels.back().for_each([&](std::size_t u) {
      if (levels.size() == 1 || !trusted(u)) next |= out_[u];
    });
    next.subtract(seen);
    if (!next.any()) return r;
    seen |= next;
    levels.push_back(std::move(next));
  }
  r.exists = true;
  r.length = levels.size() - 1;
  // Predecessors of v on a shortest path: expanded nodes of the level before with an edge to v.
  auto preds = [&](std::size_t v, std::size_t level) {
    node_set p = in_[v];
    p &= levels[level - 1];
    if (level - 1 > 0) p.subtract(trusted_);
    return p;
  };
  // How many shortest paths (saturating): counted level by level.
  std::vector<std::uint64_t> ways(n, 0);
  levels[0].for_each([&](std::size_t s) { ways[s] = 1; });
  for (std::size_t l = 1; l < levels.size(); ++l)
    levels[l].for_each([&](std::size_t v) {
      preds(v, l).for_each([&](std::size_t u) {
        ways[v] = ways[u] > std::numeric_limits<std::uint64_t>::max() - ways[v] ? std::numeric_limits<std::uint64_t>::max() : ways[v] + ways[u];
      });
    });
  node_set targets = levels.back();
  targets &= to;
  targets.for_each([&](std::size_t t) {
    r.total = ways[t] > std::numeric_limits<std::uint64_t>::max() - r.total ? std::numeric_limits<std::uint64_t>::max() : r.total + ways[t];
  });
  // List the first max_listed_paths, walking back from each target.
  std::vector<std::size_t> path;
  auto walk = [&](auto&& self, std::size_t v, std::size_t level) -> void {
    if (r.paths.size() >= max_listed_paths) return;
    path.push_back(v);
    if (level == 0) {
      r.paths.emplace_back(path.rbegin(), path.rend());
    } else {
      const node_set p = preds(v, level);
      for (std::size_t u = p.next(0); u < n && r.paths.size() < max_listed_paths; u = p.next(u + 1)) self(self, u, level - 1);
    }
    path.pop_back();
  };
  targets.for_each([&](std::size_t t) { walk(walk, t, levels.size() - 1); });
  std::sort(r.paths.begin(), r.paths.end());
  return r;
}

// --- names ------------------------------------------------------------------------------------

result<flow_endpoint> resolve_endpoint(const flow_graph& g, const std::string& name) {
  struct candidate {
    const char* kind;
    flow_endpoint e;
  };
  std::vector<candidate> found;
  auto add = [&](const std::string& n, bool vm, bool res, bool te) {
    if (vm)
      if (auto i = g.find_vm(n)) {
        node_set s = g.empty_set();
        s.set(*i);
        found.push_back({"a VM label", {s, "VM label \"" + n + "\"", false, false}});
      }
    if (res)
      if (auto i = g.find_resource(n)) {
        node_set s = g.empty_set();
        s.set(*i);
        found.push_back({"a resource label", {s, "resource label \"" + n + "\"", true, false}});
      }
    if (te)
      if (auto t = g.find_te_type(n)) {
        const node_set& s = g.te_holders(*t);
        const std::size_t k = s.count();
        found.push_back({"a TE type", {s, "TE type \"" + n + "\" (" + std::to_string(k) + (k == 1 ? " label)" : " labels)"), s.next(g.vm_count()) < g.size(), true}});
      }
  };
  add(name, true, true, true);
  for (const auto& [prefix, vm, res, te] : {std::tuple{"vm:", true, false, false}, std::tuple{"resource:", false, true, false},
                                            std::tuple{"type:", false, false, true}}) {
    const std::string pre = prefix;
    if (name.size() > pre.size() && name.compare(0, pre.size(), pre) == 0) add(name.substr(pre.size()), vm, res, te);
  }
  if (found.size() == 1) return std::move(found.front().e);
  if (found.empty()) {
    return error("\"" + name + "\" is no VM label, resource label or TE type of the policy");
  }
  std::string why = "\"" + name + "\" is ambiguous: it names " + found[0].kind;
  for (std::size_t i = 1; i < found.size(); ++i) why += (i + 1 == found.size() ? " and " : ", ") + std::string(found[i].kind);
  return error(why + " (say which: vm:NAME, resource:NAME or type:NAME)");
}

result<std::vector<std::size_t>> label_nodes(const flow_graph& g, const std::vector<std::string>& names) {
  std::vector<std::size_t> out;
  for (const auto& name : names) {
    auto e = resolve_endpoint(g, name);
    if (!e) return std::move(e).failure();
    if (e->type) return error("\"" + name + "\" is a TE type, not a label");
    out.push_back(e->nodes.next(0));
  }
  return out;
}

std::optional<mls_model> parse_mls_model(const std::string& s) {
  if (s == "none") return mls_model::none;
  if (s == "blp") return mls_model::bell_lapadula;
  if (s == "biba") return mls_model::biba;
  if (s == "both") return mls_model::both;
  return std::nullopt;
}

}  // namespace shype::tool
