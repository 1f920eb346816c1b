// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::policy_validator — the checks behind policy_view::load, one named function per
// rule, run in the order the format is laid out (detail/policy_format.hpp): header, checksum,
// counts and layout, then each table. It reads a buffer it does not trust, allocates nothing and
// changes nothing; the first broken rule is a load_error saying what and where, with the errc
// and offset the format's description gives for that field. On success it hands back what a
// view needs (flags, counts, bootstrap label); policy_view builds itself from that.

#include <compare>
#include <cstddef>
#include <cstdint>

#include "../byte_view.hpp"
#include "../ids.hpp"
#include "../load_error.hpp"
#include "../result.hpp"
#include "../string_ref.hpp"
#include "../type_set.hpp"
#include "le.hpp"
#include "policy_format.hpp"
#include "xxh64.hpp"

namespace shype::detail {

/// What a valid binary says about itself, for the view built over it.
struct validated_policy {
  std::uint64_t total = 0;
  std::uint32_t flags = 0;
  format::counts counts{};
  std::uint16_t bootstrap = format::no_bootstrap;
};

class policy_validator {
 public:
  using error = load_error;
  constexpr explicit policy_validator(byte_view b) noexcept : p_(b.data()), n_(b.size()) {}

  /// Every rule, in order; the first broken one is the answer.
  constexpr result<validated_policy, error> run() noexcept {
    if (auto r = header(); !r) return failure(r.error());
    if (auto r = checksum(); !r) return failure(r.error());
    if (auto r = counts_and_layout(); !r) return failure(r.error());
    if (auto r = body(); !r) return failure(r.error());
    return validated_policy{total_, flags_, c_, bootstrap_};
  }

 private:
  /// The header field at `offset` is wrong: the error and place its description names.
  [[nodiscard]] constexpr error header_error(std::size_t offset) const noexcept {
    const format::header_field* f = format::header_field_at(offset, minor_);
    if (f == nullptr) return error(errc::bad_header, policy_section::header, offset);
    return error(f->error, policy_section::header, f->reported_at);
  }
  /// The field at `field` of record `index` of section `s` (at `rec`) is wrong, as described.
  [[nodiscard]] static constexpr error record_error(policy_section s, std::uint64_t rec, std::size_t field,
                                                    std::uint32_t index, std::uint32_t other = error::none) noexcept {
    const format::record_field* f = format::record_field_at(s, field);
    return error(f != nullptr ? f->error : errc::bad_header, s, rec + field, index, other);
  }

  constexpr result<void, error> header() noexcept {
    namespace f = format;
    if (p_ == nullptr || n_ < f::header_size) return failure(error(errc::truncated, policy_section::header, n_));
    for (std::size_t i = 0; i < sizeof f::magic; ++i)
      if (p_[f::off::magic + i] != f::magic[i]) return failure(header_error(f::off::magic));
    minor_ = load_u16(p_ + f::off::minor);
    if (load_u16(p_ + f::off::major) != f::major) return failure(header_error(f::off::major));
    if (minor_ > f::minor) return failure(header_error(f::off::minor));
    if (load_u32(p_ + f::off::header_size) != f::header_size) return failure(header_error(f::off::header_size));
    total_ = load_u32(p_ + f::off::total_size);
    if (total_ > n_) return failure(error(errc::truncated, policy_section::header, f::off::total_size));
    if (total_ != n_ || total_ % 8 != 0 || total_ > f::max_total) return failure(header_error(f::off::total_size));
    return success;
  }

  constexpr result<void, error> checksum() const noexcept {
    namespace f = format;
    xxh64_state h;
    h.update(p_, f::off::checksum);
    h.update_zeros(8);
    h.update(p_ + f::off::checksum + 8, n_ - f::off::checksum - 8);
    if (h.digest() != load_u64(p_ + f::off::checksum)) return failure(header_error(f::off::checksum));
    return success;
  }

  constexpr result<void, error> counts_and_layout() noexcept {
    namespace f = format;
    flags_ = load_u32(p_ + f::off::flags);
    if ((flags_ & ~f::known_flags) != 0) return failure(header_error(f::off::flags));
    c_ = f::read_counts(p_);
    if (minor_ < f::minor_renames) {
      if (load_u16(p_ + f::off::reserved) != 0) return failure(header_error(f::off::reserved));
    } else if (c_.renames == 0 || c_.renames > f::field_named("rename_count").max) {
      // A policy without renames is written as 1.0: a 1.1 binary has at least one.
      return failure(header_error(f::off::rename_count));
    }
    // Every table needs its section's flag; every count has its limit.
    for (const f::header_field& field : f::header_fields)
      if (field.check == f::rule::count && field.flag != 0 && (flags_ & field.flag) == 0 && in_this_minor(field) &&
          c_.of(field.section) != 0)
        return failure(header_error(field.offset));
    for (const f::header_field& field : f::header_fields)
      if (field.check == f::rule::count && in_this_minor(field) && c_.of(field.section) > field.max)
        return failure(header_error(field.offset));

    const f::layout l(c_);
    for (const f::header_field& field : f::header_fields) {  // the section offsets
      if (field.check != f::rule::section) continue;
      const std::uint64_t expect = f::table_of(l, c_, field.section).base;
      if (f::read(p_, field) != expect || expect > total_) return failure(header_error(field.offset));
    }  // the rename table has no offset field: it lies between mls and strings, checked by both
    strings_ = l.strings;
    strings_size_ = load_u32(p_ + f::off::strings_size);
    if (strings_ + strings_size_ > total_ || align8(strings_ + strings_size_) != total_)
      return failure(header_error(f::off::strings_size));
    for (std::uint64_t i = strings_ + strings_size_; i < total_; ++i)
      if (p_[i] != 0) return failure(error(errc::bad_length, policy_section::strings, i));
    return success;
  }

  [[nodiscard]] constexpr bool in_this_minor(const format::header_field& f) const noexcept {
    return f.since <= minor_ && minor_ <= f.until;
  }

  /// A name_ref at `rec`: in bounds, 1..255 bytes, no control bytes.
  constexpr result<void, error> name(std::uint64_t rec, policy_section s, std::uint32_t index) const noexcept {
    const std::uint64_t off = load_u32(p_ + rec), len = load_u32(p_ + rec + 4);
    if (len == 0 || len > format::max_name || off + len > strings_size_) return failure(error(errc::bad_string, s, rec, index));
    for (std::uint64_t i = 0; i < len; ++i) {
      const std::uint8_t ch = p_[strings_ + off + i];
      if (ch < 0x20 || ch == 0x7f) return failure(error(errc::bad_string, s, rec, index));
    }
    return success;
  }

  /// A table of records whose first field is a name: names valid and strictly ascending.
  constexpr result<void, error> names(policy_section s) const noexcept {
    const format::table t = format::table_of(format::layout(c_), c_, s);
    for (std::uint64_t i = 0; i < t.count; ++i) {
      const std::uint64_t rec = t.at(i);
      const auto idx = static_cast<std::uint32_t>(i);
      if (auto r = name(rec, s, idx); !r) return r;
      if (i == 0) continue;
      const auto order = string_at(rec - t.stride) <=> string_at(rec);
      if (order == 0) return failure(error(errc::duplicate_name, s, rec, idx, idx - 1));
      if (order > 0) return failure(error(errc::unsorted_names, s, rec, idx, idx - 1));
    }
    return success;
  }

  /// A label's span (at field `span` of the record at `rec`) of the `words` words at `off`:
  /// exactly the words that are not zero (first and last non-zero, everything outside zero).
  constexpr result<void, error> span(policy_section s, std::uint64_t rec, std::size_t span, std::uint64_t off,
                                     std::uint64_t words, std::uint32_t index) const noexcept {
    const std::uint64_t lo = load_u16(p_ + rec + span), hi = load_u16(p_ + rec + span + 2);
    std::uint64_t want_lo = 0, want_hi = 0;
    for (std::uint64_t i = 0; i < words; ++i) {
      if (load_u64(p_ + off + 8 * i) == 0) continue;
      if (want_hi == 0) want_lo = i;
      want_hi = i + 1;
    }
    if (lo != want_lo || hi != want_hi) return failure(record_error(s, rec, span, index));
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

  /// Runs `check(rec, index, layout)` on every record of section `s`; the first failure stops.
  template <class Check>
  constexpr result<void, error> each_record(policy_section s, Check check) const noexcept {
    const format::layout l(c_);
    const format::table t = format::table_of(l, c_, s);
    for (std::uint64_t i = 0; i < t.count; ++i)
      if (auto r = check(t.at(i), static_cast<std::uint32_t>(i), l); !r) return r;
    return success;
  }

  /// Conflict sets: a valid, non-empty CW set each.
  constexpr result<void, error> conflict_sets() const noexcept {
    constexpr policy_section s = policy_section::conflict_sets;
    return each_record(s, [&](std::uint64_t rec, std::uint32_t idx, const format::layout& l) -> result<void, error> {
      if (auto r = set(rec + format::rec::conflict_set, c_.cw, s, idx); !r) return r;
      if (empty(type_set_view(p_ + rec + format::rec::conflict_set, static_cast<std::size_t>(l.cw_words))))
        return failure(error(errc::empty_conflict_set, s, rec, idx));
      return success;
    });
  }

  /// VM labels: valid sets, exact spans, and no two types of one conflict set.
  constexpr result<void, error> vm_labels() const noexcept {
    namespace f = format;
    constexpr policy_section s = policy_section::vm_labels;
    return each_record(s, [&](std::uint64_t rec, std::uint32_t idx, const f::layout& l) -> result<void, error> {
      const std::uint64_t te_off = rec + f::rec::sets, cw_off = te_off + 8 * l.te_words;
      if (auto r = set(te_off, c_.te, s, idx); !r) return r;
      if (auto r = set(cw_off, c_.cw, s, idx); !r) return r;
      if (auto r = span(s, rec, f::rec::te_span, te_off, l.te_words, idx); !r) return r;
      if (auto r = span(s, rec, f::rec::cw_span, cw_off, l.cw_words, idx); !r) return r;
      // A label holding two types of one conflict set could never run: it conflicts with itself.
      // Labels with fewer than two CW types cannot, which skips the scan for the common case.
      const type_set_view cw(p_ + cw_off, static_cast<std::size_t>(l.cw_words));  // all words: spans are checked
      if (count(cw) < 2) return success;
      const f::table sets = f::table_of(l, c_, policy_section::conflict_sets);
      for (std::uint64_t k = 0; k < sets.count; ++k) {
        const type_set_view cs(p_ + sets.at(k) + f::rec::conflict_set, static_cast<std::size_t>(l.cw_words));
        if (count_common(cw, cs) > 1) return failure(error(errc::invalid_label, s, rec, idx, static_cast<std::uint32_t>(k)));
      }
      return success;
    });
  }

  /// Resource labels: a valid TE set, its exact span, and an empty CW span.
  constexpr result<void, error> resource_labels() const noexcept {
    namespace f = format;
    constexpr policy_section s = policy_section::resource_labels;
    return each_record(s, [&](std::uint64_t rec, std::uint32_t idx, const f::layout& l) -> result<void, error> {
      const std::uint64_t te_off = rec + f::rec::sets;
      if (auto r = set(te_off, c_.te, s, idx); !r) return r;
      if (auto r = span(s, rec, f::rec::te_span, te_off, l.te_words, idx); !r) return r;
      if (load_u32(p_ + rec + f::rec::cw_span) != 0) return failure(record_error(s, rec, f::rec::cw_span, idx));
      return success;
    });
  }

  /// MLS records (with flag_mls): reserved field zero, category sets valid.
  constexpr result<void, error> mls_records() const noexcept {
    namespace f = format;
    constexpr policy_section s = policy_section::mls;
    return each_record(s, [&](std::uint64_t rec, std::uint32_t idx, const f::layout& l) -> result<void, error> {
      if (load_u32(p_ + rec + f::rec::mls_reserved) != 0) return failure(record_error(s, rec, f::rec::mls_reserved, idx));
      if (auto r = set(rec + f::rec::categories, c_.categories, s, idx); !r) return r;
      return set(rec + f::rec::categories + 8 * l.cat_words, c_.categories, s, idx);
    });
  }

  /// The rename table: every `from` a valid name, kinds known, labels in range, records
  /// strictly ascending by (kind, from) (so one old name is renamed once), and no label renamed
  /// twice (quadratic, hence max_renames).
  constexpr result<void, error> renames() const noexcept {
    namespace f = format;
    constexpr policy_section s = policy_section::renames;
    const f::table t = f::table_of(f::layout(c_), c_, s);
    for (std::uint64_t i = 0; i < t.count; ++i) {
      const std::uint64_t rec = t.at(i);
      const auto idx = static_cast<std::uint32_t>(i);
      if (auto r = name(rec, s, idx); !r) return r;
      const std::uint16_t kind = load_u16(p_ + rec + f::rec::kind), label = load_u16(p_ + rec + f::rec::label);
      if (kind != f::rename_vm && kind != f::rename_resource) return failure(record_error(s, rec, f::rec::kind, idx));
      if (label >= (kind == f::rename_vm ? c_.vm_labels : c_.res_labels)) return failure(record_error(s, rec, f::rec::label, idx));
      if (load_u32(p_ + rec + f::rec::rename_reserved) != 0) return failure(record_error(s, rec, f::rec::rename_reserved, idx));
      if (i == 0) continue;
      const std::uint64_t prev = rec - t.stride;
      const std::uint16_t prev_kind = load_u16(p_ + prev + f::rec::kind);
      const auto order = prev_kind != kind ? (prev_kind < kind ? std::strong_ordering::less : std::strong_ordering::greater)
                                           : string_at(prev) <=> string_at(rec);
      if (order == 0) return failure(error(errc::duplicate_name, s, rec, idx, idx - 1));
      if (order > 0) return failure(error(errc::unsorted_names, s, rec, idx, idx - 1));
      // Records of one kind are contiguous: look back only through them.
      for (std::uint64_t j = i; j-- > 0;) {
        const std::uint64_t other = t.at(j);
        if (load_u16(p_ + other + f::rec::kind) != kind) break;
        if (load_u16(p_ + other + f::rec::label) == label)
          return failure(record_error(s, rec, f::rec::label, idx, static_cast<std::uint32_t>(j)));
      }
    }
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
    if (auto r = at(f::off::name_off, policy_section::header, error::none); !r) return r;
    for (const policy_section s : f::named_tables) {
      const f::table t = f::table_of(l, c_, s);
      for (std::uint64_t i = 0; i < t.count; ++i)
        if (auto r = at(t.at(i), s, static_cast<std::uint32_t>(i)); !r) return r;
    }
    if (next != strings_size_) return failure(header_error(f::off::strings_size));
    return success;
  }

  constexpr result<void, error> body() noexcept {
    namespace f = format;
    if (auto r = name(f::off::name_off, policy_section::header, error::none); !r) return r;
    if (auto r = names(policy_section::te_types); !r) return r;
    if (auto r = names(policy_section::cw_types); !r) return r;
    if (auto r = names(policy_section::conflict_sets); !r) return r;
    if (auto r = conflict_sets(); !r) return r;
    if (auto r = names(policy_section::vm_labels); !r) return r;
    if (auto r = vm_labels(); !r) return r;
    if (auto r = names(policy_section::resource_labels); !r) return r;
    if (auto r = resource_labels(); !r) return r;
    if (auto r = mls_records(); !r) return r;
    if (auto r = renames(); !r) return r;
    bootstrap_ = load_u16(p_ + f::off::bootstrap);
    if (bootstrap_ != f::no_bootstrap && bootstrap_ >= c_.vm_labels) return failure(header_error(f::off::bootstrap));
    return names_packed();
  }

  [[nodiscard]] constexpr string_ref string_at(std::uint64_t rec) const noexcept {
    return string_ref(p_ + strings_ + load_u32(p_ + rec), static_cast<std::size_t>(load_u32(p_ + rec + 4)));
  }

  const std::uint8_t* p_;
  std::uint64_t n_;
  std::uint64_t total_ = 0;
  std::uint32_t flags_ = 0;
  std::uint16_t minor_ = 0;
  std::uint16_t bootstrap_ = format::no_bootstrap;
  format::counts c_{};
  std::uint64_t strings_ = 0, strings_size_ = 0;
};

}  // namespace shype::detail
