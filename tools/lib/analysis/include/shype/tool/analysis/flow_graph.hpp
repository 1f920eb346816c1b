// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::tool::flow_graph — who can pass information to whom under a policy (`shype analyze`).
//
// Two labels sharing no TE type may still exchange information through a third that holds
// both types (a device domain serving two coalitions, dom0): sHype decides each operation
// alone, so only a graph and its transitive closure show such flows. Nodes are the VM labels
// (0..V-1) and the resource labels (V..V+R-1). An edge x -> y says a domain (or resource)
// labelled x may pass information to one labelled y in a single permitted operation:
//   - VM x -> VM y (x != y): Type Enforcement lets them share (a common TE type, or no TE
//     section) and no conflict set keeps them off one host (sharing needs one host);
//   - VM x <-> resource r: Type Enforcement lets x access r;
//   - with Bell-LaPadula and/or Biba (flow_options::mls) an edge exists only in the directions
//     the MLS order allows (a read-only grant flows granter -> mapper; a read-write access
//     needs both directions, a read only resource -> domain).
// A trusted label is taken not to relay: paths may start or end at it, never pass through it.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <shype/tool/io/decoded_policy.hpp>
#include <shype/tool/io/error.hpp>

namespace shype::tool {

/// The most labels (VM and resource together) one analysis takes: the closure holds a bit per
/// pair of labels (8192 labels: 8 MiB). docs/shype-tool.md, "Limits".
inline constexpr std::size_t max_flow_nodes = 8192;
/// Shortest paths listed per question (how many exist is still counted).
inline constexpr std::size_t max_listed_paths = 16;

/// A set of nodes of one graph, one bit each.
class node_set {
 public:
  node_set() = default;
  explicit node_set(std::size_t n) : size_(n), words_((n + 63) / 64, 0) {}

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool test(std::size_t i) const noexcept { return ((words_[i / 64] >> (i % 64)) & 1u) != 0; }
  void set(std::size_t i) noexcept { words_[i / 64] |= std::uint64_t{1} << (i % 64); }
  void reset(std::size_t i) noexcept { words_[i / 64] &= ~(std::uint64_t{1} << (i % 64)); }
  node_set& operator|=(const node_set& o) noexcept;
  node_set& operator&=(const node_set& o) noexcept;
  /// Removes the members of o.
  node_set& subtract(const node_set& o) noexcept;
  [[nodiscard]] bool intersects(const node_set& o) const noexcept;
  [[nodiscard]] bool any() const noexcept;
  [[nodiscard]] std::size_t count() const noexcept;
  /// The first member at or after i, or size() if there is none.
  [[nodiscard]] std::size_t next(std::size_t i) const noexcept;
  [[nodiscard]] bool operator==(const node_set& o) const noexcept = default;
  /// Calls f(i) for each member, ascending.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t w = 0; w < words_.size(); ++w)
      for (std::uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) f(w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits)));
  }
  /// A hash of the members (equal sets hash alike).
  [[nodiscard]] std::uint64_t hash() const noexcept;
  /// The members, ascending.
  [[nodiscard]] std::vector<std::size_t> members() const;

 private:
  std::size_t size_ = 0;
  std::vector<std::uint64_t> words_;
};

/// Which information-flow orders give edges a direction (the monitor's composition decides).
enum class mls_model { none, bell_lapadula, biba, both };

struct flow_options {
  mls_model mls = mls_model::none;
  std::vector<std::size_t> trusted;  ///< nodes that do not relay
};

/// Shortest paths from one set of nodes to another.
struct flow_paths {
  bool exists = false;
  std::size_t length = 0;                       ///< edges on each shortest path
  std::vector<std::vector<std::size_t>> paths;  ///< at most max_listed_paths, each from a source to a target
  std::uint64_t total = 0;                      ///< how many shortest paths there are (saturating)
};

/// A label through which information passes between two labels that may not pass it directly.
struct flow_relay {
  std::size_t node = 0;
  std::size_t from = 0, to = 0;  ///< one example: from -> node -> to, and no edge from -> to
};

class flow_graph {
 public:
  /// Builds the graph and its closure; an error if the policy is larger than max_flow_nodes or
  /// the MLS model needs an MLS section the policy lacks.
  [[nodiscard]] static result<flow_graph> build(const decoded_policy& p, const flow_options& o);

  [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }
  [[nodiscard]] std::size_t vm_count() const noexcept { return vms_; }
  [[nodiscard]] bool is_vm(std::size_t n) const noexcept { return n < vms_; }
  [[nodiscard]] bool trusted(std::size_t n) const noexcept { return trusted_.test(n); }
  /// The MLS model the edges were built with.
  [[nodiscard]] mls_model mls() const noexcept { return mls_; }
  /// The label's name.
  [[nodiscard]] const std::string& name(std::size_t n) const { return names_[n]; }
  /// As paths print it: a VM label's name, "resource:NAME" for a resource label.
  [[nodiscard]] std::string display(std::size_t n) const;
  /// Direct edges n -> m (never n itself).
  [[nodiscard]] const node_set& out(std::size_t n) const { return out_[n]; }
  [[nodiscard]] std::size_t edge_count() const noexcept;
  /// Every node that information at n can reach (n included): the transitive closure.
  [[nodiscard]] const node_set& reach(std::size_t n) const { return reach_[n]; }
  /// May VM labels a and b never run on one host (Chinese Wall)? a == b: may two domains of a.
  [[nodiscard]] bool never_together(std::size_t a, std::size_t b) const { return conflicts_[a].test(b); }
  [[nodiscard]] node_set empty_set() const { return node_set(size()); }
  [[nodiscard]] node_set all_set() const;

  /// The node of a VM label, resource label, or the index of a TE type, by name.
  [[nodiscard]] std::optional<std::size_t> find_vm(const std::string& n) const;
  [[nodiscard]] std::optional<std::size_t> find_resource(const std::string& n) const;
  [[nodiscard]] std::optional<std::size_t> find_te_type(const std::string& n) const;
  /// The labels (VM and resource) holding TE type t.
  [[nodiscard]] const node_set& te_holders(std::size_t t) const { return te_holders_[t]; }

  /// The relays, ascending (trusted labels are not relays: they are taken not to pass anything on).
  [[nodiscard]] std::vector<flow_relay> relays() const;
  /// Shortest paths from any node of `from` to any node of `to`; a node in both is a path of
  /// length 0. Trusted nodes only start or end a path.
  [[nodiscard]] flow_paths shortest_paths(const node_set& from, const node_set& to) const;

 private:
  std::size_t vms_ = 0;
  mls_model mls_ = mls_model::none;
  std::vector<std::string> names_, te_names_;
  std::unordered_map<std::string, std::size_t> vm_index_, resource_index_, te_index_;
  std::vector<node_set> te_holders_;  ///< per TE type, the labels holding it
  std::vector<node_set> out_, in_, reach_, conflicts_;
  node_set trusted_;
};

/// What `--from`/`--to` or an assertion names: a set of labels and how to call it.
struct flow_endpoint {
  node_set nodes;
  std::string what;       ///< "VM label \"dom_Order\"", "TE type \"Order\" (3 labels)"
  bool has_resource = false;
  bool type = false;  ///< named a TE type (all labels holding it)
};

/// Resolves NAME against the graph's policy: a VM label, a resource label or a TE type (all labels
/// holding it); "vm:", "resource:" or "type:" in front says which when a name is ambiguous.
/// An error if it names nothing, or more than one thing.
[[nodiscard]] result<flow_endpoint> resolve_endpoint(const flow_graph& g, const std::string& name);

/// The nodes of labels given by name (each a VM or resource label, as resolve_endpoint reads
/// it), for flow_options::trusted; an error about the first that is no label.
[[nodiscard]] result<std::vector<std::size_t>> label_nodes(const flow_graph& g, const std::vector<std::string>& names);

/// "none", "blp", "biba", "both" -> the model; nullopt for anything else.
[[nodiscard]] std::optional<mls_model> parse_mls_model(const std::string& s);

}  // namespace shype::tool
