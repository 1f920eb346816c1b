// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/decoded_policy.hpp>

#include <algorithm>

#include <shype/detail/le.hpp>
#include <shype/detail/policy_format.hpp>
#include <shype/type_set.hpp>

namespace shype::tool {
namespace {

std::string str(shype::string_ref s) { return std::string(s.data(), s.size()); }

template <class S>
std::vector<std::size_t> indices(const S& set) {
  std::vector<std::size_t> out;
  shype::for_each_type(set, [&](std::size_t i) { out.push_back(i); });
  return out;
}

std::optional<decoded_mls> mls_of(const shype::policy_view& v, const auto& label) {
  if (!v.has_mls()) return std::nullopt;
  decoded_mls m;
  m.secrecy = {label.secrecy().level, indices(label.secrecy().categories)};
  m.integrity = {label.integrity().level, indices(label.integrity().categories)};
  return m;
}

}  // namespace

decoded_policy decode(const shype::policy_view& v) {
  decoded_policy p;
  p.name = str(v.name());
  p.version = v.version();
  p.size = v.bytes().size();
  p.format_major = shype::detail::load_u16(v.bytes().data() + shype::detail::format::off::major);
  p.format_minor = shype::detail::load_u16(v.bytes().data() + shype::detail::format::off::minor);
  p.checksum = v.checksum();
  std::copy_n(v.source_hash(), 32, p.source_hash.begin());
  p.has_te = v.has_te();
  p.has_cw = v.has_cw();
  p.has_mls = v.has_mls();
  p.categories = v.category_count();
  for (std::size_t i = 0; i < v.te_type_count(); ++i) p.te_types.push_back(str(v.te_type_name(i)));
  for (std::size_t i = 0; i < v.cw_type_count(); ++i) p.cw_types.push_back(str(v.cw_type_name(i)));
  for (std::size_t i = 0; i < v.conflict_set_count(); ++i) {
    const auto s = v.conflict_set(i);
    p.conflict_sets.push_back({str(s.name()), indices(s.types())});
  }
  for (std::size_t i = 0; i < v.vm_label_count(); ++i) {
    const auto l = v.vm_label(static_cast<shype::label_id>(i));
    p.vm_labels.push_back({str(l.name()), indices(l.te()), indices(l.cw()), mls_of(v, l),
                           str(v.renamed_from(shype::label_kind::vm, static_cast<std::uint16_t>(i)))});
  }
  for (std::size_t i = 0; i < v.resource_label_count(); ++i) {
    const auto l = v.resource_label(static_cast<shype::resource_id>(i));
    p.resource_labels.push_back({str(l.name()), indices(l.te()), mls_of(v, l),
                                 str(v.renamed_from(shype::label_kind::resource, static_cast<std::uint16_t>(i)))});
  }
  if (v.bootstrap_label() != shype::no_label) p.bootstrap = v.bootstrap_label();
  return p;
}

std::vector<std::size_t> common(const std::vector<std::size_t>& a, const std::vector<std::size_t>& b) {
  std::vector<std::size_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

bool decoded_policy::may_share(const decoded_vm_label& a, const decoded_vm_label& b) const {
  return !has_te || !common(a.te, b.te).empty();
}

bool decoded_policy::may_access(const decoded_vm_label& a, const decoded_resource_label& r) const {
  return !has_te || !common(a.te, r.te).empty();
}

std::optional<std::size_t> decoded_policy::conflict_between(const decoded_vm_label& a, const decoded_vm_label& b) const {
  if (!has_cw) return std::nullopt;
  for (std::size_t k = 0; k < conflict_sets.size(); ++k) {
    const auto ca = common(a.cw, conflict_sets[k].types), cb = common(b.cw, conflict_sets[k].types);
    // Conflict: each holds a type of the set, and they are not the same single type.
    for (std::size_t x : ca)
      for (std::size_t y : cb)
        if (x != y) return k;
  }
  return std::nullopt;
}

std::vector<std::string> decoded_policy::te_names(const std::vector<std::size_t>& ids) const {
  std::vector<std::string> out;
  for (std::size_t i : ids) out.push_back(te_types.at(i));
  return out;
}

std::vector<std::string> decoded_policy::cw_names(const std::vector<std::size_t>& ids) const {
  std::vector<std::string> out;
  for (std::size_t i : ids) out.push_back(cw_types.at(i));
  return out;
}

std::string join(const std::vector<std::string>& names, const char* sep) {
  if (names.empty()) return "-";
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : sep) + n;
  return s;
}

}  // namespace shype::tool
