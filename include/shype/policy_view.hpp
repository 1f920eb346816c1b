// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::policy_view — a validated, read-only view of a binary policy.
//
// The hypervisor never parses XML (paper, section 4.2): the shype tool compiles it into the
// binary described in detail/policy_format.hpp, and this loader checks a buffer completely
// before anything uses it — header, checksum, every offset and count, every name, every set,
// every label (the rules are in detail/policy_validator.hpp) — allocating nothing and copying
// nothing. The policy in force *is* such a view over bytes the caller keeps alive. A defect
// gives a load_error saying what and where; a rejected buffer changes nothing.

#include <cstddef>
#include <cstdint>

#include "byte_view.hpp"
#include "detail/le.hpp"
#include "detail/policy_format.hpp"
#include "detail/policy_validator.hpp"
#include "ids.hpp"
#include "label_view.hpp"
#include "load_error.hpp"
#include "rename_view.hpp"
#include "result.hpp"
#include "string_ref.hpp"
#include "type_set.hpp"

namespace shype {

/// A policy version from the PolicyHeader, e.g. 1.0.
struct policy_version {
  std::uint32_t major = 0, minor = 0;
  friend constexpr bool operator==(const policy_version&, const policy_version&) noexcept = default;
};

class policy_view {
 public:
  /// Validates `bytes` as a binary policy. On success the view points into `bytes`, which the
  /// caller keeps alive (and unmodified) as long as the view is used.
  [[nodiscard]] static constexpr result<policy_view, load_error> load(byte_view bytes) noexcept;

  constexpr policy_view() noexcept = default;

  // --- header -------------------------------------------------------------------------------------
  [[nodiscard]] constexpr string_ref name() const noexcept { return name_; }
  [[nodiscard]] constexpr policy_version version() const noexcept {
    return {detail::load_u32(p_ + detail::format::off::version_major), detail::load_u32(p_ + detail::format::off::version_minor)};
  }
  [[nodiscard]] constexpr std::uint64_t checksum() const noexcept { return detail::load_u64(p_ + detail::format::off::checksum); }
  /// SHA-256 of the policy's source (32 bytes), as recorded by the compiler.
  [[nodiscard]] constexpr const std::uint8_t* source_hash() const noexcept { return p_ + detail::format::off::source_hash; }
  [[nodiscard]] constexpr byte_view bytes() const noexcept { return {p_, size_}; }
  [[nodiscard]] constexpr bool has_te() const noexcept { return (flags_ & detail::format::flag_te) != 0; }
  [[nodiscard]] constexpr bool has_cw() const noexcept { return (flags_ & detail::format::flag_cw) != 0; }
  [[nodiscard]] constexpr bool has_mls() const noexcept { return (flags_ & detail::format::flag_mls) != 0; }

  // --- tables (all sorted by name; an index is a type's bit or a label's id) ------------------------
  [[nodiscard]] constexpr std::size_t te_type_count() const noexcept { return c_.te; }
  [[nodiscard]] constexpr std::size_t cw_type_count() const noexcept { return c_.cw; }
  [[nodiscard]] constexpr std::size_t conflict_set_count() const noexcept { return c_.conflicts; }
  [[nodiscard]] constexpr std::size_t vm_label_count() const noexcept { return c_.vm_labels; }
  [[nodiscard]] constexpr std::size_t resource_label_count() const noexcept { return c_.res_labels; }
  [[nodiscard]] constexpr std::size_t category_count() const noexcept { return c_.categories; }
  [[nodiscard]] constexpr std::size_t te_words() const noexcept { return static_cast<std::size_t>(l_.te_words); }
  [[nodiscard]] constexpr std::size_t cw_words() const noexcept { return static_cast<std::size_t>(l_.cw_words); }

  [[nodiscard]] constexpr string_ref te_type_name(std::size_t i) const noexcept { return name_at(l_.te_types + 8 * i); }
  [[nodiscard]] constexpr string_ref cw_type_name(std::size_t i) const noexcept { return name_at(l_.cw_types + 8 * i); }
  [[nodiscard]] constexpr conflict_set_view conflict_set(std::size_t i) const noexcept {
    const auto rec = l_.conflicts + l_.conflict_stride * i;
    return {name_at(rec), type_set_view(p_ + rec + detail::format::rec::conflict_set, cw_words())};
  }
  [[nodiscard]] constexpr vm_label_view vm_label(label_id i) const noexcept {
    const auto rec = l_.vm_labels + l_.vm_stride * i;
    return {name_at(rec), set_at(rec, detail::format::rec::te_span, 0, te_words()),
            set_at(rec, detail::format::rec::cw_span, 8 * l_.te_words, cw_words()), mls_at(i), i};
  }
  [[nodiscard]] constexpr resource_label_view resource_label(resource_id i) const noexcept {
    const auto rec = l_.res_labels + l_.res_stride * i;
    return {name_at(rec), set_at(rec, detail::format::rec::te_span, 0, te_words()), mls_at(c_.vm_labels + i)};
  }
  /// The label the hypervisor gives the first (management) domain; no_label if none.
  [[nodiscard]] constexpr label_id bootstrap_label() const noexcept { return bootstrap_; }

  // --- renames (format 1.1; sorted by kind, then by the old name) -----------------------------------
  [[nodiscard]] constexpr std::size_t rename_count() const noexcept { return c_.renames; }
  [[nodiscard]] constexpr rename_view rename(std::size_t i) const noexcept {
    const auto rec = l_.renames + detail::format::rename_size * i;
    return {kind_at(rec), name_at(rec), detail::load_u16(p_ + rec + detail::format::rec::label)};
  }
  /// The label of kind `k` renamed from `from` (a name in the policy this one replaces), or npos.
  [[nodiscard]] constexpr std::uint16_t find_rename(label_kind k, string_ref from) const noexcept;
  /// The name label `i` of kind `k` was renamed from; empty if it was not renamed.
  [[nodiscard]] constexpr string_ref renamed_from(label_kind k, std::uint16_t i) const noexcept {
    for (std::size_t r = 0; r < c_.renames; ++r) {
      const rename_view v = rename(r);
      if (v.kind == k && v.label == i) return v.from;
    }
    return {};
  }
  /// The label of kind `k` that the replaced policy's label `old_name` becomes under this one:
  /// the label renamed from it if there is one, else the label of the same name unless that one
  /// was renamed from another (it then stands for the other). npos: `old_name` has no successor.
  [[nodiscard]] constexpr std::uint16_t find_successor(label_kind k, string_ref old_name) const noexcept {
    if (const std::uint16_t r = find_rename(k, old_name); r != npos) return r;
    const std::uint16_t same = k == label_kind::vm ? find_vm_label(old_name) : find_resource_label(old_name);
    if (same == npos || c_.renames == 0 || renamed_from(k, same).empty()) return same;
    return npos;
  }

  // --- lookup by name (binary search: every table is sorted) -----------------------------------------
  [[nodiscard]] constexpr label_id find_vm_label(string_ref n) const noexcept {
    return find(n, l_.vm_labels, l_.vm_stride, c_.vm_labels);
  }
  [[nodiscard]] constexpr resource_id find_resource_label(string_ref n) const noexcept {
    return find(n, l_.res_labels, l_.res_stride, c_.res_labels);
  }
  [[nodiscard]] constexpr std::uint16_t find_te_type(string_ref n) const noexcept { return find(n, l_.te_types, 8, c_.te); }
  [[nodiscard]] constexpr std::uint16_t find_cw_type(string_ref n) const noexcept { return find(n, l_.cw_types, 8, c_.cw); }
  [[nodiscard]] constexpr std::uint16_t find_conflict_set(string_ref n) const noexcept {
    return find(n, l_.conflicts, l_.conflict_stride, c_.conflicts);
  }
  static constexpr std::uint16_t npos = 0xFFFF;

  /// Same bytes, same policy.
  [[nodiscard]] friend constexpr bool operator==(const policy_view& a, const policy_view& b) noexcept {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i)
      if (a.p_[i] != b.p_[i]) return false;
    return true;
  }

 private:
  using layout = detail::format::layout;

  constexpr policy_view(const std::uint8_t* p, std::size_t n, std::uint32_t flags, detail::format::counts c,
                        std::uint16_t bootstrap) noexcept
      : p_(p), size_(n), flags_(flags), c_(c), l_(c), bootstrap_(bootstrap) {
    name_ = name_at_header();
  }

  [[nodiscard]] constexpr string_ref string_at(std::uint64_t off, std::uint64_t len) const noexcept {
    return string_ref(p_ + l_.strings + off, static_cast<std::size_t>(len));
  }
  [[nodiscard]] constexpr string_ref name_at(std::uint64_t rec) const noexcept {
    return string_at(detail::load_u32(p_ + rec), detail::load_u32(p_ + rec + 4));
  }
  [[nodiscard]] constexpr string_ref name_at_header() const noexcept {
    return string_at(detail::load_u32(p_ + detail::format::off::name_off), detail::load_u32(p_ + detail::format::off::name_len));
  }
  /// The type set of a label record: its span at rec + span, its words at rec + rec::sets + words_off.
  [[nodiscard]] constexpr type_set_view set_at(std::uint64_t rec, std::uint64_t span, std::uint64_t words_off,
                                               std::size_t words) const noexcept {
    const std::uint8_t* lo_hi = p_ + rec + span;
    return type_set_view(p_ + rec + detail::format::rec::sets + words_off, words, detail::load_u16(lo_hi),
                         detail::load_u16(lo_hi + 2));
  }
  [[nodiscard]] constexpr label_kind kind_at(std::uint64_t rec) const noexcept {
    return detail::load_u16(p_ + rec + detail::format::rec::kind) == detail::format::rename_resource ? label_kind::resource : label_kind::vm;
  }
  [[nodiscard]] constexpr mls_view mls_at(std::uint64_t i) const noexcept {
    if (!has_mls()) return {};
    return mls_view(p_ + l_.mls + l_.mls_stride * i, static_cast<std::size_t>(l_.cat_words));
  }

  [[nodiscard]] constexpr std::uint16_t find(string_ref n, std::uint64_t base, std::uint64_t stride, std::uint64_t count) const noexcept;

  const std::uint8_t* p_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t flags_ = 0;
  detail::format::counts c_{};
  layout l_{detail::format::counts{}};
  std::uint16_t bootstrap_ = no_label;
  string_ref name_{};
};

// --- implementation ---------------------------------------------------------------------------------

constexpr std::uint16_t policy_view::find_rename(label_kind k, string_ref from) const noexcept {
  std::uint64_t lo = 0, hi = c_.renames;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const std::uint64_t rec = l_.renames + detail::format::rename_size * mid;
    const label_kind mk = kind_at(rec);
    const auto c = mk != k ? (mk < k ? std::strong_ordering::less : std::strong_ordering::greater) : name_at(rec) <=> from;
    if (c == 0) return detail::load_u16(p_ + rec + detail::format::rec::label);
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return npos;
}

constexpr std::uint16_t policy_view::find(string_ref n, std::uint64_t base, std::uint64_t stride,
                                          std::uint64_t count) const noexcept {
  std::uint64_t lo = 0, hi = count;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    const auto c = name_at(base + stride * mid) <=> n;
    if (c == 0) return static_cast<std::uint16_t>(mid);
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return npos;
}

constexpr result<policy_view, load_error> policy_view::load(byte_view bytes) noexcept {
  auto v = detail::policy_validator(bytes).run();
  if (!v) return failure(v.error());
  const detail::validated_policy& p = v.value();
  return policy_view(bytes.data(), static_cast<std::size_t>(p.total), p.flags, p.counts, p.bootstrap);
}

}  // namespace shype
