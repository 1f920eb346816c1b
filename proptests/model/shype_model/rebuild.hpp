// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading a validated binary policy back: into a policy_spec (names and sets, for the naive
// model) and through policy_builder into bytes again (the loader's round-trip oracle).
//
// A binary the loader accepts is canonical (tables sorted, sets clean, no padding garbage,
// offsets where the layout puts them), so writing what the view shows through the one writer
// of the format must reproduce it byte for byte. Anything the loader lets through that the
// writer would never produce shows up as a difference.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <shype/policy_builder.hpp>
#include <shype/policy_view.hpp>

#include "policy_spec.hpp"

namespace shype_model {

inline std::string str(shype::string_ref s) { return std::string(s.data(), s.size()); }

template <class Set>
std::vector<std::uint16_t> members(const Set& s) {
  std::vector<std::uint16_t> v;
  shype::for_each_type(s, [&](std::size_t i) { v.push_back(static_cast<std::uint16_t>(i)); });
  return v;
}

/// The policy a view shows, as names and sets (type and label names are unique in a valid view).
inline policy_spec spec_of(const shype::policy_view& v) {
  policy_spec p;
  p.name = str(v.name());
  p.version_minor = v.version().minor;
  p.te_on = v.has_te();
  p.cw_on = v.has_cw();
  p.mls_on = v.has_mls();
  p.categories = static_cast<std::uint16_t>(v.category_count());
  for (std::size_t i = 0; i < v.te_type_count(); ++i) p.te_types.push_back(str(v.te_type_name(i)));
  for (std::size_t i = 0; i < v.cw_type_count(); ++i) p.cw_types.push_back(str(v.cw_type_name(i)));
  auto names = [](const std::vector<std::string>& pool, const std::vector<std::uint16_t>& ids) {
    name_set s;
    for (auto i : ids) s.insert(pool[i]);
    return s;
  };
  auto level = [](const shype::mls_level_view& l) {
    level_spec s;
    s.level = l.level;
    for (auto c : members(l.categories)) s.categories.insert(c);
    return s;
  };
  for (std::size_t k = 0; k < v.conflict_set_count(); ++k) {
    const auto c = v.conflict_set(k);
    p.conflicts.push_back({str(c.name()), names(p.cw_types, members(c.types()))});
  }
  for (std::size_t i = 0; i < v.vm_label_count(); ++i) {
    const auto l = v.vm_label(static_cast<shype::label_id>(i));
    label_spec s{str(l.name()), names(p.te_types, members(l.te())), names(p.cw_types, members(l.cw())), {}, {}};
    if (p.mls_on) {
      s.secrecy = level(l.secrecy());
      s.integrity = level(l.integrity());
    }
    p.labels.push_back(s);
  }
  for (std::size_t i = 0; i < v.resource_label_count(); ++i) {
    const auto r = v.resource_label(static_cast<shype::resource_id>(i));
    resource_spec s{str(r.name()), names(p.te_types, members(r.te())), {}, {}};
    if (p.mls_on) {
      s.secrecy = level(r.secrecy());
      s.integrity = level(r.integrity());
    }
    p.resources.push_back(s);
  }
  if (v.bootstrap_label() != shype::no_label) p.bootstrap = str(v.vm_label(v.bootstrap_label()).name());
  return p;
}

/// Enough for any binary of up to 16 KiB: every name_ref, label and set costs at least 8
/// bytes, and a set bit at least one bit.
inline constexpr std::size_t rebuild_max_bytes = 1u << 14;
inline constexpr shype::builder_limits rebuild_limits{
    .te_types = rebuild_max_bytes / 8, .cw_types = rebuild_max_bytes / 8, .conflict_sets = rebuild_max_bytes / 16,
    .vm_labels = rebuild_max_bytes / 8, .resource_labels = rebuild_max_bytes / 8, .type_refs = rebuild_max_bytes * 8,
    .name_bytes = rebuild_max_bytes, .renames = shype::detail::format::max_renames};

/// Writes what the view shows through policy_builder. nullopt only for binaries beyond
/// rebuild_max_bytes; an error of the builder is returned as an empty vector.
inline std::optional<std::vector<std::uint8_t>> rebuild(const shype::policy_view& v) {
  if (v.bytes().size() > rebuild_max_bytes) return std::nullopt;
  using builder = shype::policy_builder<rebuild_limits>;
  // Large (~600 KB): on the heap, once per thread, rebuilt in place for every use.
  static thread_local std::unique_ptr<builder> b;
  if (!b) b = std::make_unique<builder>("");
  std::destroy_at(b.get());
  std::construct_at(b.get(), v.name(), v.version());
  b->source_hash(v.source_hash());
  if (v.has_te()) b->enable_te();
  if (v.has_cw()) b->enable_cw();
  if (v.has_mls()) b->enable_mls(static_cast<std::uint16_t>(v.category_count()));
  std::vector<std::uint8_t> none;
  for (std::size_t i = 0; i < v.te_type_count(); ++i)
    if (!b->te_type(v.te_type_name(i))) return none;
  for (std::size_t i = 0; i < v.cw_type_count(); ++i)
    if (!b->cw_type(v.cw_type_name(i))) return none;
  auto list = [](const std::vector<std::uint16_t>& ids) { return shype::id_list(ids.data(), ids.size()); };
  for (std::size_t k = 0; k < v.conflict_set_count(); ++k) {
    const auto c = v.conflict_set(k);
    const auto ids = members(c.types());
    if (!b->conflict_set(c.name(), list(ids))) return none;
  }
  auto level = [](const shype::mls_level_view& l, std::vector<std::uint16_t>& store) {
    store = members(l.categories);
    return shype::mls_spec{l.level, shype::id_list(store.data(), store.size())};
  };
  std::vector<std::uint16_t> sc, ic;
  for (std::size_t i = 0; i < v.vm_label_count(); ++i) {
    const auto l = v.vm_label(static_cast<shype::label_id>(i));
    const auto te = members(l.te()), cw = members(l.cw());
    auto id = b->vm_label(l.name(), list(te), list(cw));
    if (!id) return none;
    if (v.has_mls() && !b->vm_label_mls(id.value(), level(l.secrecy(), sc), level(l.integrity(), ic))) return none;
  }
  for (std::size_t i = 0; i < v.resource_label_count(); ++i) {
    const auto r = v.resource_label(static_cast<shype::resource_id>(i));
    const auto te = members(r.te());
    auto id = b->resource_label(r.name(), list(te));
    if (!id) return none;
    if (v.has_mls() && !b->resource_label_mls(id.value(), level(r.secrecy(), sc), level(r.integrity(), ic))) return none;
  }
  // Labels were added in the view's order, so a label's builder id is its index.
  for (std::size_t i = 0; i < v.rename_count(); ++i) {
    const shype::rename_view r = v.rename(i);
    const auto renamed = r.kind == shype::label_kind::vm ? b->vm_label_from(r.label, r.from) : b->resource_label_from(r.label, r.from);
    if (!renamed) return none;
  }
  if (v.bootstrap_label() != shype::no_label) b->bootstrap(v.vm_label(v.bootstrap_label()).name());
  std::vector<std::uint8_t> out(b->size());
  auto n = b->build(out.data(), out.size());
  if (!n) return none;
  out.resize(n.value());
  return out;
}

}  // namespace shype_model
