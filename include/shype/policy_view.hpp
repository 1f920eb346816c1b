// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::policy_view — a validated, read-only view of a binary policy.
//
// The hypervisor never parses XML (paper, section 4.2): the shype tool compiles it into the
// binary described in detail/policy_format.hpp, and this loader checks a buffer completely
// before anything uses it — header, checksum, every offset and count, every name, every set,
// every label — allocating nothing and copying nothing. The policy in force *is* such a view
// over bytes the caller keeps alive. A defect gives a load_error saying what and where; a
// rejected buffer changes nothing.

#include <cstddef>
#include <cstdint>

#include "byte_view.hpp"
#include "detail/le.hpp"
#include "detail/policy_format.hpp"
#include "detail/xxh64.hpp"
#include "ids.hpp"
#include "label_view.hpp"
#include "load_error.hpp"
#include "rename_view.hpp"
#include "result.hpp"
#include "string_ref.hpp"
#include "type_set.hpp"

namespace shype {

namespace detail {
class policy_validator;
}

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
    return {name_at(rec), type_set_view(p_ + rec + 8, cw_words())};
  }
  [[nodiscard]] constexpr vm_label_view vm_label(label_id i) const noexcept {
    const auto rec = l_.vm_labels + l_.vm_stride * i;
    return {name_at(rec), set_at(rec, 0, 0, te_words()), set_at(rec, 4, 8 * l_.te_words, cw_words()), mls_at(i), i};
  }
  [[nodiscard]] constexpr resource_label_view resource_label(resource_id i) const noexcept {
    const auto rec = l_.res_labels + l_.res_stride * i;
    return {name_at(rec), set_at(rec, 0, 0, te_words()), mls_at(c_.vm_labels + i)};
  }
  /// The label the hypervisor gives the first (management) domain; no_label if none.
  [[nodiscard]] constexpr label_id bootstrap_label() const noexcept { return bootstrap_; }

  // --- renames (format 1.1; sorted by kind, then by the old name) -----------------------------------
  [[nodiscard]] constexpr std::size_t rename_count() const noexcept { return c_.renames; }
  [[nodiscard]] constexpr rename_view rename(std::size_t i) const noexcept {
    const auto rec = l_.renames + detail::format::rename_size * i;
    return {kind_at(rec), name_at(rec), detail::load_u16(p_ + rec + 10)};
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
  friend class detail::policy_validator;
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
  /// The type set of a label record: its span at rec + 8 + span_off, its words at rec + 16 + words_off.
  [[nodiscard]] constexpr type_set_view set_at(std::uint64_t rec, std::uint64_t span_off, std::uint64_t words_off,
                                               std::size_t words) const noexcept {
    const std::uint8_t* span = p_ + rec + detail::format::name_ref_size + span_off;
    return type_set_view(p_ + rec + detail::format::name_ref_size + detail::format::spans_size + words_off, words,
                         detail::load_u16(span), detail::load_u16(span + 2));
  }
  [[nodiscard]] constexpr label_kind kind_at(std::uint64_t rec) const noexcept {
    return detail::load_u16(p_ + rec + 8) == detail::format::rename_resource ? label_kind::resource : label_kind::vm;
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
    if (c == 0) return detail::load_u16(p_ + rec + 10);
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

namespace detail {

/// The checks of policy_view::load, one function per rule, in the order the format is laid out.
class policy_validator {
 public:
  using error = load_error;
  constexpr explicit policy_validator(byte_view b) noexcept : p_(b.data()), n_(b.size()) {}

  constexpr result<void, error> header() noexcept {
    namespace f = format;
    if (p_ == nullptr || n_ < f::header_size) return failure(error(errc::truncated, policy_section::header, n_));
    for (std::size_t i = 0; i < 8; ++i)
      if (p_[i] != f::magic[i]) return failure(error(errc::bad_magic, policy_section::header, f::off::magic));
    minor_ = load_u16(p_ + f::off::minor);
    if (load_u16(p_ + f::off::major) != f::major || minor_ > f::minor)
      return failure(error(errc::unsupported_version, policy_section::header, f::off::major));
    if (load_u32(p_ + f::off::header_size) != f::header_size)
      return failure(error(errc::bad_header, policy_section::header, f::off::header_size));
    total_ = load_u32(p_ + f::off::total_size);
    if (total_ > n_) return failure(error(errc::truncated, policy_section::header, f::off::total_size));
    if (total_ != n_ || total_ % 8 != 0 || total_ > f::max_total)
      return failure(error(errc::bad_length, policy_section::header, f::off::total_size));
    return success;
  }

  constexpr result<void, error> checksum() const noexcept {
    namespace f = format;
    xxh64_state h;
    h.update(p_, f::off::checksum);
    h.update_zeros(8);
    h.update(p_ + f::off::checksum + 8, n_ - f::off::checksum - 8);
    if (h.digest() != load_u64(p_ + f::off::checksum))
      return failure(error(errc::bad_checksum, policy_section::header, f::off::checksum));
    return success;
  }

  constexpr result<void, error> counts_and_layout() noexcept {
    namespace f = format;
    flags_ = load_u32(p_ + f::off::flags);
    if ((flags_ & ~f::known_flags) != 0) return failure(error(errc::bad_header, policy_section::header, f::off::flags));
    if (minor_ < f::minor_renames) {
      if (load_u16(p_ + f::off::reserved) != 0) return failure(error(errc::bad_header, policy_section::header, f::off::reserved));
    } else {
      // A policy without renames is written as 1.0: a 1.1 binary has at least one.
      c_.renames = load_u16(p_ + f::off::rename_count);
      if (c_.renames == 0 || c_.renames > f::max_renames)
        return failure(error(errc::bad_count, policy_section::header, f::off::rename_count));
    }
    c_.te = load_u16(p_ + f::off::te_count);
    c_.cw = load_u16(p_ + f::off::cw_count);
    c_.conflicts = load_u16(p_ + f::off::conflict_count);
    c_.vm_labels = load_u16(p_ + f::off::vm_label_count);
    c_.res_labels = load_u16(p_ + f::off::res_label_count);
    c_.categories = load_u16(p_ + f::off::category_count);
    c_.mls = (flags_ & f::flag_mls) != 0;
    if ((flags_ & f::flag_te) == 0 && c_.te != 0) return failure(error(errc::bad_count, policy_section::header, f::off::te_count));
    if ((flags_ & f::flag_cw) == 0 && c_.cw != 0) return failure(error(errc::bad_count, policy_section::header, f::off::cw_count));
    if ((flags_ & f::flag_cw) == 0 && c_.conflicts != 0)
      return failure(error(errc::bad_count, policy_section::header, f::off::conflict_count));
    if (!c_.mls && c_.categories != 0) return failure(error(errc::bad_count, policy_section::header, f::off::category_count));
    // The label table uses 0xFFFF as "no label": at most 0xFFFE labels.
    if (c_.vm_labels >= no_label) return failure(error(errc::bad_count, policy_section::header, f::off::vm_label_count));
    if (c_.res_labels >= no_label) return failure(error(errc::bad_count, policy_section::header, f::off::res_label_count));

    const f::layout l(c_);
    const struct { std::size_t field; std::uint64_t expect; } offsets[] = {
        {f::off::te_types, l.te_types},     {f::off::cw_types, l.cw_types}, {f::off::conflicts, l.conflicts},
        {f::off::vm_labels, l.vm_labels},   {f::off::res_labels, l.res_labels}, {f::off::mls, l.mls},
        {f::off::strings, l.strings},
    };  // the rename table has no offset field: it lies between mls and strings, checked by both
    for (const auto& o : offsets) {
      if (load_u32(p_ + o.field) != o.expect || o.expect > total_)
        return failure(error(errc::bad_offset, policy_section::header, o.field));
    }
    strings_ = l.strings;
    strings_size_ = load_u32(p_ + f::off::strings_size);
    if (strings_ + strings_size_ > total_ || align8(strings_ + strings_size_) != total_)
      return failure(error(errc::bad_length, policy_section::header, f::off::strings_size));
    for (std::uint64_t i = strings_ + strings_size_; i < total_; ++i)
      if (p_[i] != 0) return failure(error(errc::bad_length, policy_section::strings, i));
    return success;
  }

  /// A name_ref at `rec`: in bounds, 1..255 bytes, no control bytes.
  constexpr result<void, error> name(std::uint64_t rec, policy_section s, std::uint32_t index) const noexcept {
    const std::uint64_t off = load_u32(p_ + rec), len = load_u32(p_ + rec + 4);
    if (len == 0 || len > format::max_name || off + len > strings_size_)
      return failure(error(errc::bad_string, s, rec, index));
    for (std::uint64_t i = 0; i < len; ++i) {
      const std::uint8_t ch = p_[strings_ + off + i];
      if (ch < 0x20 || ch == 0x7f) return failure(error(errc::bad_string, s, rec, index));
    }
    return success;
  }

  /// A table of records whose first field is a name: names valid and strictly ascending.
  constexpr result<void, error> names(std::uint64_t base, std::uint64_t stride, std::uint64_t count,
                                      policy_section s) const noexcept {
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t rec = base + stride * i;
      if (auto r = name(rec, s, static_cast<std::uint32_t>(i)); !r) return r;
      if (i == 0) continue;
      const auto order = string_at(rec - stride) <=> string_at(rec);
      if (order == 0)
        return failure(error(errc::duplicate_name, s, rec, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i - 1)));
      if (order > 0)
        return failure(error(errc::unsorted_names, s, rec, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i - 1)));
    }
    return success;
  }

  /// A label's span of a set at `span` for the `words` words at `off`: exactly the words that are
  /// not zero (first and last of the span non-zero, everything outside it zero; empty: 0, 0).
  constexpr result<void, error> span(std::uint64_t span_off, std::uint64_t off, std::uint64_t words, policy_section s,
                                     std::uint32_t index) const noexcept {
    const std::uint64_t lo = load_u16(p_ + span_off), hi = load_u16(p_ + span_off + 2);
    std::uint64_t want_lo = 0, want_hi = 0;
    for (std::uint64_t i = 0; i < words; ++i) {
      if (load_u64(p_ + off + 8 * i) == 0) continue;
      if (want_hi == 0) want_lo = i;
      want_hi = i + 1;
    }
    if (lo != want_lo || hi != want_hi) return failure(error(errc::bad_span, s, span_off, index));
    return success;
  }

  /// A set of `bits` types at `off`: no bit beyond the count.
  constexpr result<void, error> set(std::uint64_t off, std::uint64_t bits, policy_section s, std::uint32_t index) const noexcept {
    const std::uint64_t words = format::words_for(bits);
    if (words == 0 || bits % 64 == 0) return success;
    const std::uint64_t last = load_u64(p_ + off + 8 * (words - 1));
    if ((last >> (bits % 64)) != 0) return failure(error(errc::bad_bitset, s, off + 8 * (words - 1), index));
    return success;
  }

  /// The strings section holds every name once, in the order the writer stores them (policy
  /// name, then each table), back to back: no gap, no overlap, nothing hidden between names, so
  /// one policy has exactly one binary. Checked last, after every name is known to be valid.
  constexpr result<void, error> names_packed() const noexcept {
    namespace f = format;
    const f::layout l(c_);
    std::uint64_t next = 0;
    auto at = [&](std::uint64_t rec, policy_section s, std::uint32_t index) -> result<void, error> {
      if (load_u32(p_ + rec) != next) return failure(error(errc::bad_string, s, rec, index));
      next += load_u32(p_ + rec + 4);
      return success;
    };
    const struct { std::uint64_t base, stride, count; policy_section s; } tables[] = {
        {l.te_types, 8, c_.te, policy_section::te_types},
        {l.cw_types, 8, c_.cw, policy_section::cw_types},
        {l.conflicts, l.conflict_stride, c_.conflicts, policy_section::conflict_sets},
        {l.vm_labels, l.vm_stride, c_.vm_labels, policy_section::vm_labels},
        {l.res_labels, l.res_stride, c_.res_labels, policy_section::resource_labels},
        {l.renames, f::rename_size, c_.renames, policy_section::renames},
    };
    if (auto r = at(f::off::name_off, policy_section::header, error::none); !r) return r;
    for (const auto& t : tables)
      for (std::uint64_t i = 0; i < t.count; ++i)
        if (auto r = at(t.base + t.stride * i, t.s, static_cast<std::uint32_t>(i)); !r) return r;
    if (next != strings_size_) return failure(error(errc::bad_length, policy_section::header, f::off::strings_size));
    return success;
  }

  /// The rename table: every `from` a valid name, kinds known, labels in range, records
  /// strictly ascending by (kind, from) (so one old name is renamed once), and no label renamed
  /// twice (quadratic, hence max_renames).
  constexpr result<void, error> renames() const noexcept {
    namespace f = format;
    const f::layout l(c_);
    constexpr policy_section s = policy_section::renames;
    for (std::uint64_t i = 0; i < c_.renames; ++i) {
      const std::uint64_t rec = l.renames + f::rename_size * i;
      const auto idx = static_cast<std::uint32_t>(i);
      if (auto r = name(rec, s, idx); !r) return r;
      const std::uint16_t kind = load_u16(p_ + rec + 8), label = load_u16(p_ + rec + 10);
      if (kind != f::rename_vm && kind != f::rename_resource) return failure(error(errc::bad_reference, s, rec + 8, idx));
      if (label >= (kind == f::rename_vm ? c_.vm_labels : c_.res_labels)) return failure(error(errc::bad_reference, s, rec + 10, idx));
      if (load_u32(p_ + rec + 12) != 0) return failure(error(errc::bad_header, s, rec + 12, idx));
      if (i == 0) continue;
      const std::uint64_t prev = rec - f::rename_size;
      const std::uint16_t prev_kind = load_u16(p_ + prev + 8);
      const auto order = prev_kind != kind ? (prev_kind < kind ? std::strong_ordering::less : std::strong_ordering::greater)
                                           : string_at(prev) <=> string_at(rec);
      if (order == 0) return failure(error(errc::duplicate_name, s, rec, idx, idx - 1));
      if (order > 0) return failure(error(errc::unsorted_names, s, rec, idx, idx - 1));
      // Records of one kind are contiguous: look back only through them.
      for (std::uint64_t j = i; j-- > 0;) {
        const std::uint64_t other = l.renames + f::rename_size * j;
        if (load_u16(p_ + other + 8) != kind) break;
        if (load_u16(p_ + other + 10) == label)
          return failure(error(errc::bad_reference, s, rec + 10, idx, static_cast<std::uint32_t>(j)));
      }
    }
    return success;
  }

  constexpr result<policy_view, error> body() const noexcept {
    namespace f = format;
    const f::layout l(c_);
    if (auto r = name(f::off::name_off, policy_section::header, error::none); !r) return failure(r.error());
    if (auto r = names(l.te_types, 8, c_.te, policy_section::te_types); !r) return failure(r.error());
    if (auto r = names(l.cw_types, 8, c_.cw, policy_section::cw_types); !r) return failure(r.error());

    if (auto r = names(l.conflicts, l.conflict_stride, c_.conflicts, policy_section::conflict_sets); !r) return failure(r.error());
    for (std::uint64_t i = 0; i < c_.conflicts; ++i) {
      const std::uint64_t rec = l.conflicts + l.conflict_stride * i;
      const auto idx = static_cast<std::uint32_t>(i);
      if (auto r = set(rec + 8, c_.cw, policy_section::conflict_sets, idx); !r) return failure(r.error());
      if (empty(type_set_view(p_ + rec + 8, static_cast<std::size_t>(l.cw_words))))
        return failure(error(errc::empty_conflict_set, policy_section::conflict_sets, rec, idx));
    }

    if (auto r = names(l.vm_labels, l.vm_stride, c_.vm_labels, policy_section::vm_labels); !r) return failure(r.error());
    for (std::uint64_t i = 0; i < c_.vm_labels; ++i) {
      const std::uint64_t rec = l.vm_labels + l.vm_stride * i;
      const auto idx = static_cast<std::uint32_t>(i);
      const std::uint64_t te_off = rec + f::name_ref_size + f::spans_size, cw_off = te_off + 8 * l.te_words;
      if (auto r = set(te_off, c_.te, policy_section::vm_labels, idx); !r) return failure(r.error());
      if (auto r = set(cw_off, c_.cw, policy_section::vm_labels, idx); !r) return failure(r.error());
      if (auto r = span(rec + 8, te_off, l.te_words, policy_section::vm_labels, idx); !r) return failure(r.error());
      if (auto r = span(rec + 12, cw_off, l.cw_words, policy_section::vm_labels, idx); !r) return failure(r.error());
      // A label holding two types of one conflict set could never run: it conflicts with itself.
      // Labels with fewer than two CW types cannot, which skips the scan for the common case.
      const type_set_view cw(p_ + cw_off, static_cast<std::size_t>(l.cw_words));  // all words: spans are checked
      if (count(cw) < 2) continue;
      for (std::uint64_t k = 0; k < c_.conflicts; ++k) {
        const type_set_view cs(p_ + l.conflicts + l.conflict_stride * k + 8, static_cast<std::size_t>(l.cw_words));
        if (count_common(cw, cs) > 1)
          return failure(error(errc::invalid_label, policy_section::vm_labels, rec, idx, static_cast<std::uint32_t>(k)));
      }
    }

    if (auto r = names(l.res_labels, l.res_stride, c_.res_labels, policy_section::resource_labels); !r) return failure(r.error());
    for (std::uint64_t i = 0; i < c_.res_labels; ++i) {
      const std::uint64_t rec = l.res_labels + l.res_stride * i;
      const std::uint64_t te_off = rec + f::name_ref_size + f::spans_size;
      const auto idx = static_cast<std::uint32_t>(i);
      if (auto r = set(te_off, c_.te, policy_section::resource_labels, idx); !r) return failure(r.error());
      if (auto r = span(rec + 8, te_off, l.te_words, policy_section::resource_labels, idx); !r) return failure(r.error());
      if (load_u32(p_ + rec + 12) != 0) return failure(error(errc::bad_span, policy_section::resource_labels, rec + 12, idx));
    }

    if (c_.mls) {
      for (std::uint64_t i = 0; i < c_.vm_labels + c_.res_labels; ++i) {
        const std::uint64_t rec = l.mls + l.mls_stride * i;
        const auto idx = static_cast<std::uint32_t>(i);
        if (load_u32(p_ + rec + 4) != 0) return failure(error(errc::bad_header, policy_section::mls, rec + 4, idx));
        if (auto r = set(rec + 8, c_.categories, policy_section::mls, idx); !r) return failure(r.error());
        if (auto r = set(rec + 8 + 8 * l.cat_words, c_.categories, policy_section::mls, idx); !r) return failure(r.error());
      }
    }

    if (auto r = renames(); !r) return failure(r.error());

    const std::uint16_t boot = load_u16(p_ + f::off::bootstrap);
    if (boot != f::no_bootstrap && boot >= c_.vm_labels)
      return failure(error(errc::bad_reference, policy_section::header, f::off::bootstrap));
    if (auto r = names_packed(); !r) return failure(r.error());
    return policy_view(p_, static_cast<std::size_t>(total_), flags_, c_, boot);
  }

 private:
  [[nodiscard]] constexpr string_ref string_at(std::uint64_t rec) const noexcept {
    return string_ref(p_ + strings_ + load_u32(p_ + rec), static_cast<std::size_t>(load_u32(p_ + rec + 4)));
  }

  const std::uint8_t* p_;
  std::uint64_t n_;
  std::uint64_t total_ = 0;
  std::uint32_t flags_ = 0;
  std::uint16_t minor_ = 0;
  format::counts c_{};
  std::uint64_t strings_ = 0, strings_size_ = 0;
};

}  // namespace detail

constexpr result<policy_view, load_error> policy_view::load(byte_view bytes) noexcept {
  detail::policy_validator v(bytes);
  if (auto r = v.header(); !r) return failure(r.error());
  if (auto r = v.checksum(); !r) return failure(r.error());
  if (auto r = v.counts_and_layout(); !r) return failure(r.error());
  return v.body();
}

}  // namespace shype
