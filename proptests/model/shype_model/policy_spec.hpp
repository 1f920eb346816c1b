// SPDX-License-Identifier: Apache-2.0
#pragma once
// A policy as plain sets of names: what the property tests and the fuzzers generate, what the
// naive model decides with, and what policy_builder turns into the binary the monitor loads.
//
// Generators (RapidCheck, or fuzzer bytes) produce a raw_policy: bit masks over small fixed
// pools of names. make_spec() turns any raw_policy into a *valid* policy_spec (no label holds
// two types of one conflict set, the bootstrap label exists, ...), so no test input is ever
// thrown away. The pools are larger than the monitors' capacities (8 TE and 8 CW types), so
// some generated policies are too large and must be refused.
//
// The decision functions at the bottom are deliberately naive: sets of strings and loops, no
// bit tricks, no indices. They are the reference the monitor's word-parallel code is compared to.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <shype/hook.hpp>
#include <shype/policy_builder.hpp>

namespace shype_model {

inline constexpr std::size_t te_pool = 10;        ///< names t0..t9
inline constexpr std::size_t cw_pool = 10;        ///< names c0..c9
inline constexpr std::size_t conflict_pool = 4;   ///< names x0..x3
inline constexpr std::size_t label_pool = 6;      ///< names L0..L5
inline constexpr std::size_t resource_pool = 4;   ///< names r0..r3
inline constexpr std::size_t category_pool = 4;   ///< MLS categories 0..3
inline constexpr std::size_t level_pool = 4;      ///< MLS levels 0..3

/// A generated policy before it is made valid. Every field may hold any value.
struct raw_policy {
  std::uint16_t te_mask = 0, cw_mask = 0;  ///< which pool types exist
  std::uint8_t flags = 0;                  ///< bit 0 TE section, 1 CW section, 2 MLS section, 3 bootstrap label
  std::uint16_t conflicts[conflict_pool] = {};  ///< CW types of each conflict set (empty: absent)
  std::uint8_t labels = 0;                      ///< which VM labels exist
  std::uint16_t label_te[label_pool] = {}, label_cw[label_pool] = {};
  std::uint8_t resources = 0;  ///< which resource labels exist
  std::uint16_t resource_te[resource_pool] = {};
  std::uint8_t bootstrap = 0;  ///< picks the bootstrap label among those that exist
  std::uint8_t order = 0;      ///< insertion order into the builder (it must not matter)
  std::uint8_t version = 0;
  std::uint8_t categories = 0;
  std::uint8_t secrecy[label_pool + resource_pool] = {};    ///< level (low 2 bits) | categories << 4
  std::uint8_t integrity[label_pool + resource_pool] = {};
};

using name_set = std::set<std::string>;

struct level_spec {
  std::uint16_t level = 0;
  std::set<std::uint16_t> categories;
  friend bool operator==(const level_spec&, const level_spec&) = default;
};
struct label_spec {
  std::string name;
  name_set te, cw;
  level_spec secrecy, integrity;
  friend bool operator==(const label_spec&, const label_spec&) = default;
};
struct resource_spec {
  std::string name;
  name_set te;
  level_spec secrecy, integrity;
  friend bool operator==(const resource_spec&, const resource_spec&) = default;
};
struct conflict_spec {
  std::string name;
  name_set cw;
  friend bool operator==(const conflict_spec&, const conflict_spec&) = default;
};

/// A label renamed from a name of the policy it replaces (Xen ACM's <Name from="old">).
struct rename_spec {
  bool resource = false;
  std::string label, from;
};

/// A valid policy. Lists are in insertion order; the builder sorts them.
struct policy_spec {
  std::string name = "model";
  std::uint32_t version_minor = 0;
  bool te_on = false, cw_on = false, mls_on = false;
  std::uint16_t categories = 0;
  std::vector<std::string> te_types, cw_types;
  std::vector<conflict_spec> conflicts;
  std::vector<label_spec> labels;
  std::vector<resource_spec> resources;
  std::optional<std::string> bootstrap;
  std::vector<rename_spec> renames;  ///< at most one per label, one per old name and kind
};

// --- raw -> valid ----------------------------------------------------------------------------------

inline std::string pool_name(char prefix, std::size_t i) { return std::string(1, prefix) + std::to_string(i); }

namespace detail {
inline bool bit(unsigned mask, std::size_t i) { return ((mask >> i) & 1u) != 0; }

inline level_spec level_of(std::uint8_t raw, std::uint16_t categories) {
  level_spec l;
  l.level = static_cast<std::uint16_t>(raw & 3u);
  for (std::uint16_t c = 0; c < categories; ++c)
    if (bit(raw >> 4u, c)) l.categories.insert(c);
  return l;
}

/// Rotates (and maybe reverses) a list: the builder must produce the same bytes in any order.
template <class T>
void reorder(std::vector<T>& v, std::uint8_t order) {
  if (v.empty()) return;
  std::rotate(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(order % v.size()), v.end());
  if ((order & 0x80u) != 0) std::reverse(v.begin(), v.end());
}
}  // namespace detail

/// Makes any raw_policy valid: masks are cut to the types that exist, a label's CW types are
/// dropped greedily until no conflict set holds two of them, empty conflict sets disappear.
inline policy_spec make_spec(const raw_policy& r) {
  using detail::bit;
  policy_spec p;
  p.version_minor = r.version;
  p.te_on = bit(r.flags, 0);
  p.cw_on = bit(r.flags, 1);
  p.mls_on = bit(r.flags, 2);
  p.categories = p.mls_on ? static_cast<std::uint16_t>(r.categories % (category_pool + 1)) : 0;
  const unsigned te = p.te_on ? r.te_mask : 0u, cw = p.cw_on ? r.cw_mask : 0u;
  for (std::size_t i = 0; i < te_pool; ++i)
    if (bit(te, i)) p.te_types.push_back(pool_name('t', i));
  for (std::size_t i = 0; i < cw_pool; ++i)
    if (bit(cw, i)) p.cw_types.push_back(pool_name('c', i));
  auto te_names = [&](unsigned m) {
    name_set s;
    for (std::size_t i = 0; i < te_pool; ++i)
      if (bit(m & te, i)) s.insert(pool_name('t', i));
    return s;
  };
  for (std::size_t k = 0; k < conflict_pool; ++k) {
    conflict_spec c{pool_name('x', k), {}};
    for (std::size_t i = 0; i < cw_pool; ++i)
      if (bit(r.conflicts[k] & cw, i)) c.cw.insert(pool_name('c', i));
    if (!c.cw.empty()) p.conflicts.push_back(c);
  }
  for (std::size_t l = 0; l < label_pool; ++l) {
    if (!bit(r.labels, l)) continue;
    label_spec s{pool_name('L', l), te_names(r.label_te[l]), {}, {}, {}};
    for (std::size_t i = 0; i < cw_pool; ++i) {
      if (!bit(r.label_cw[l] & cw, i)) continue;
      const std::string t = pool_name('c', i);
      bool clash = false;  // another type of one of t's conflict sets is already in the label
      for (const auto& c : p.conflicts)
        if (c.cw.count(t) != 0)
          for (const auto& u : s.cw)
            if (c.cw.count(u) != 0) clash = true;
      if (!clash) s.cw.insert(t);
    }
    if (p.mls_on) {
      s.secrecy = detail::level_of(r.secrecy[l], p.categories);
      s.integrity = detail::level_of(r.integrity[l], p.categories);
    }
    p.labels.push_back(s);
  }
  for (std::size_t i = 0; i < resource_pool; ++i) {
    if (!bit(r.resources, i)) continue;
    resource_spec s{pool_name('r', i), te_names(r.resource_te[i]), {}, {}};
    if (p.mls_on) {
      s.secrecy = detail::level_of(r.secrecy[label_pool + i], p.categories);
      s.integrity = detail::level_of(r.integrity[label_pool + i], p.categories);
    }
    p.resources.push_back(s);
  }
  if (bit(r.flags, 3) && !p.labels.empty()) p.bootstrap = p.labels[r.bootstrap % p.labels.size()].name;
  detail::reorder(p.te_types, r.order);
  detail::reorder(p.cw_types, static_cast<std::uint8_t>(r.order + 1));
  detail::reorder(p.conflicts, static_cast<std::uint8_t>(r.order + 2));
  detail::reorder(p.labels, static_cast<std::uint8_t>(r.order + 3));
  detail::reorder(p.resources, static_cast<std::uint8_t>(r.order + 4));
  return p;
}

// --- spec -> binary ------------------------------------------------------------------------------------

inline constexpr shype::builder_limits model_builder_limits{
    .te_types = te_pool, .cw_types = cw_pool, .conflict_sets = conflict_pool, .vm_labels = label_pool,
    .resource_labels = resource_pool, .type_refs = 512, .name_bytes = 512};

using policy_bytes = std::shared_ptr<const std::vector<std::uint8_t>>;

/// The binary of a spec; nullptr (and `why`) if the builder refuses it, which for a spec made
/// by make_spec() is itself a bug.
inline policy_bytes build(const policy_spec& p, std::string* why = nullptr) {
  auto b = std::make_unique<shype::policy_builder<model_builder_limits>>(
      shype::string_ref(p.name.data(), p.name.size()), shype::policy_version{1, p.version_minor});
  auto fail = [&](const char* what) -> policy_bytes {
    if (why != nullptr) *why = what;
    return nullptr;
  };
  auto sref = [](const std::string& s) { return shype::string_ref(s.data(), s.size()); };
  if (p.te_on) b->enable_te();
  if (p.cw_on) b->enable_cw();
  if (p.mls_on) b->enable_mls(p.categories);
  auto index_of = [](const std::vector<std::string>& v, const std::string& n) {
    return static_cast<std::uint16_t>(std::find(v.begin(), v.end(), n) - v.begin());
  };
  auto ids = [&](const std::vector<std::string>& pool, const name_set& s) {
    std::vector<std::uint16_t> out;
    for (const auto& n : s) out.push_back(index_of(pool, n));
    return out;
  };
  for (const auto& t : p.te_types)
    if (!b->te_type(sref(t))) return fail("te_type");
  for (const auto& t : p.cw_types)
    if (!b->cw_type(sref(t))) return fail("cw_type");
  for (const auto& c : p.conflicts) {
    const auto v = ids(p.cw_types, c.cw);
    if (!b->conflict_set(sref(c.name), shype::id_list(v.data(), v.size()))) return fail("conflict_set");
  }
  auto mls = [](const level_spec& l, std::vector<std::uint16_t>& store) {
    store.assign(l.categories.begin(), l.categories.end());
    return shype::mls_spec{l.level, shype::id_list(store.data(), store.size())};
  };
  std::vector<std::uint16_t> s_cats, i_cats;
  for (const auto& l : p.labels) {
    const auto te = ids(p.te_types, l.te), cw = ids(p.cw_types, l.cw);
    auto id = b->vm_label(sref(l.name), shype::id_list(te.data(), te.size()), shype::id_list(cw.data(), cw.size()));
    if (!id) return fail("vm_label");
    if (p.mls_on && !b->vm_label_mls(id.value(), mls(l.secrecy, s_cats), mls(l.integrity, i_cats))) return fail("vm_label_mls");
  }
  for (const auto& r : p.resources) {
    const auto te = ids(p.te_types, r.te);
    auto id = b->resource_label(sref(r.name), shype::id_list(te.data(), te.size()));
    if (!id) return fail("resource_label");
    if (p.mls_on && !b->resource_label_mls(id.value(), mls(r.secrecy, s_cats), mls(r.integrity, i_cats)))
      return fail("resource_label_mls");
  }
  for (const auto& r : p.renames) {
    // Builder ids are insertion positions.
    if (r.resource) {
      const auto at = std::find_if(p.resources.begin(), p.resources.end(), [&](const resource_spec& x) { return x.name == r.label; });
      if (!b->resource_label_from(static_cast<shype::resource_id>(at - p.resources.begin()), sref(r.from))) return fail("resource_label_from");
    } else {
      const auto at = std::find_if(p.labels.begin(), p.labels.end(), [&](const label_spec& x) { return x.name == r.label; });
      if (!b->vm_label_from(static_cast<shype::label_id>(at - p.labels.begin()), sref(r.from))) return fail("vm_label_from");
    }
  }
  if (p.bootstrap) b->bootstrap(sref(*p.bootstrap));
  auto out = std::make_shared<std::vector<std::uint8_t>>(b->size());
  auto n = b->build(out->data(), out->size());
  if (!n) return fail(shype::to_string(n.error().code));
  out->resize(n.value());
  return out;
}

// --- the naive reference -----------------------------------------------------------------------------

/// Label names in id order: a label's id is the number of names below it.
inline std::vector<std::string> label_names(const policy_spec& p) {
  std::vector<std::string> v;
  for (const auto& l : p.labels) v.push_back(l.name);
  std::sort(v.begin(), v.end());
  return v;
}
inline std::vector<std::string> resource_names(const policy_spec& p) {
  std::vector<std::string> v;
  for (const auto& r : p.resources) v.push_back(r.name);
  std::sort(v.begin(), v.end());
  return v;
}
inline std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

inline const label_spec* find_label(const policy_spec& p, const std::string& name) {
  for (const auto& l : p.labels)
    if (l.name == name) return &l;
  return nullptr;
}
inline const resource_spec* find_resource(const policy_spec& p, const std::string& name) {
  for (const auto& r : p.resources)
    if (r.name == name) return &r;
  return nullptr;
}

/// The id a name has in the binary, or no_label.
inline std::uint16_t label_id_of(const policy_spec& p, const std::string& name) {
  if (find_label(p, name) == nullptr) return shype::no_label;
  std::uint16_t below = 0;
  for (const auto& l : p.labels)
    if (l.name < name) ++below;
  return below;
}
inline std::uint16_t resource_id_of(const policy_spec& p, const std::string& name) {
  if (find_resource(p, name) == nullptr) return shype::no_label;
  std::uint16_t below = 0;
  for (const auto& r : p.resources)
    if (r.name < name) ++below;
  return below;
}

inline bool share_a_type(const name_set& a, const name_set& b) {
  for (const auto& t : a)
    for (const auto& u : b)
      if (t == u) return true;
  return false;
}

/// Type Enforcement: may two VMs with these labels share? (No TE section: always.)
inline bool te_permits(const policy_spec& p, const std::string& a, const std::string& b) {
  if (!p.te_on) return true;
  const label_spec *x = find_label(p, a), *y = find_label(p, b);
  return x != nullptr && y != nullptr && share_a_type(x->te, y->te);
}
/// Type Enforcement: may a VM with label `a` use resource `r`?
inline bool te_permits_access(const policy_spec& p, const std::string& a, const std::string& r) {
  if (!p.te_on) return true;
  const label_spec* x = find_label(p, a);
  const resource_spec* y = find_resource(p, r);
  return x != nullptr && y != nullptr && share_a_type(x->te, y->te);
}

/// Chinese Wall: may VMs with labels `a` and `b` run on one host at the same time? They may
/// not if a conflict set holds a type of one and a *different* type of the other.
inline bool cw_conflict(const policy_spec& p, const std::string& a, const std::string& b) {
  if (!p.cw_on) return false;
  const label_spec *x = find_label(p, a), *y = find_label(p, b);
  if (x == nullptr || y == nullptr) return false;
  for (const auto& c : p.conflicts)
    for (const auto& t : x->cw)
      for (const auto& u : y->cw)
        if (t != u && c.cw.count(t) != 0 && c.cw.count(u) != 0) return true;
  return false;
}

/// MLS: does level a dominate level b?
inline bool dominates(const level_spec& a, const level_spec& b) {
  if (a.level < b.level) return false;
  for (auto c : b.categories)
    if (a.categories.count(c) == 0) return false;
  return true;
}
/// Bell-LaPadula: information may flow from x to y if y's secrecy dominates x's.
template <class X, class Y>
bool blp_flow(const X& x, const Y& y) { return dominates(y.secrecy, x.secrecy); }
/// Biba: information may flow from x to y if x's integrity dominates y's.
template <class X, class Y>
bool biba_flow(const X& x, const Y& y) { return dominates(x.integrity, y.integrity); }

/// Does this sharing hook move information one way only (a read-only grant, a copy)?
inline bool one_way(shype::hook op) { return op == shype::hook::grant_map_ro || op == shype::hook::grant_copy; }

inline std::ostream& operator<<(std::ostream& os, const raw_policy& r) {
  os << "{te=" << r.te_mask << " cw=" << r.cw_mask << " flags=" << unsigned{r.flags} << " cs=[";
  for (auto c : r.conflicts) os << c << ' ';
  os << "] labels=" << unsigned{r.labels} << " lte=[";
  for (auto c : r.label_te) os << c << ' ';
  os << "] lcw=[";
  for (auto c : r.label_cw) os << c << ' ';
  os << "] res=" << unsigned{r.resources} << " rte=[";
  for (auto c : r.resource_te) os << c << ' ';
  os << "] boot=" << unsigned{r.bootstrap} << " order=" << unsigned{r.order} << " cats=" << unsigned{r.categories} << "}";
  return os;
}

/// A compact description for failure messages: "L0{te:t1,t2 cw:c0} ...".
inline std::string describe(const policy_spec& p) {
  std::string s = p.te_on ? "TE" : "noTE";
  s += p.cw_on ? " CW" : " noCW";
  if (p.mls_on) s += " MLS";
  auto join = [](const name_set& n) {
    std::string o;
    for (const auto& x : n) o += (o.empty() ? "" : ",") + x;
    return o;
  };
  s += " types{" + std::to_string(p.te_types.size()) + " te, " + std::to_string(p.cw_types.size()) + " cw}";
  for (const auto& c : p.conflicts) s += " " + c.name + "{" + join(c.cw) + "}";
  for (const auto& l : p.labels) s += " " + l.name + "{te:" + join(l.te) + " cw:" + join(l.cw) + "}";
  for (const auto& r : p.resources) s += " " + r.name + "{te:" + join(r.te) + "}";
  if (p.bootstrap) s += " boot=" + *p.bootstrap;
  return s;
}

}  // namespace shype_model
