// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::te_table<MaxTypes, MaxLabels> — the Type Enforcement decision of every pair of VM
// labels of one policy, as a label x label permit bit matrix built once when the policy loads.
//
// The rule (type_enforcement::permits) reads two label records in place and ANDs their spans;
// the table answers with one bit at a compile-time stride: row a, bit b. It is built
// bit-sliced: first, for each type, the set of labels holding it (one pass over the labels'
// types); then each label's row is the OR of its types' sets, a word loop the compiler
// vectorises. The cost is (types per label) x (labels / 64) words per label, and no pair is
// ever evaluated one by one. A policy without a SimpleTypeEnforcement section does not
// restrict sharing: every bit is set.
//
// A policy of at most 64 TE types (or none) is kept narrow instead: one word of types per label,
// and a decision ANDs two words of a table of 8 bytes per label (1,000 labels: 8 KB, cache
// resident) instead of reading a row of the label x label matrix (1,000 labels: 125 KB).
//
// A table remembers the policy it was built for (where its bytes are, and their checksum):
// built_for(v) is false for any other view, and a caller then decides by the rule, so a table
// left from an earlier policy is never used. Capacities are template parameters; a policy
// beyond them leaves the table empty (build() is false) and the rule decides.

#include <cstddef>
#include <cstdint>

#include "decision.hpp"
#include "detail/policy_format.hpp"
#include "ids.hpp"
#include "policy_view.hpp"
#include "type_set.hpp"

namespace shype {

template <std::size_t MaxTypes, std::size_t MaxLabels>
class te_table {
  static_assert(MaxLabels >= 1 && MaxLabels < no_label, "te_table: 1..65534 labels");

 public:
  static constexpr std::size_t max_types = MaxTypes;
  static constexpr std::size_t max_labels = MaxLabels;
  /// Words of one row (and of one type's label set): a compile-time stride.
  static constexpr std::size_t row_words = (MaxLabels + 63) / 64;

  constexpr te_table() noexcept = default;

  /// Builds the table for `v`. False (and an empty table, built for nothing) if `v` has more
  /// VM labels or TE types than the capacities.
  constexpr bool build(const policy_view& v) noexcept {
    clear();
    const std::size_t n = v.vm_label_count();
    if (n > MaxLabels || v.te_type_count() > MaxTypes) return false;
    const std::size_t types = v.te_type_count();
    narrow_ = !v.has_te() || types <= 64;
    // Narrow: each label's types as one word (without TE every label holds "type 0": all share).
    if (narrow_) {
      for (std::size_t a = 0; a < n; ++a) {
        std::uint64_t m = v.has_te() ? 0 : 1;
        if (v.has_te())
          for_each_type(v.vm_label(static_cast<label_id>(a)).te(), [&](std::size_t t) noexcept {
            if (t < types) m |= std::uint64_t{1} << t;  // validated: always true
          });
        types_[a] = m;
      }
    }
    // Every row an earlier build wrote is zeroed, whole: a bit beyond the labels is a deny.
    const std::size_t written = narrow_ ? 0 : n;
    for (std::size_t a = 0; a < (dirty_ > written ? dirty_ : written); ++a)
      for (std::size_t i = 0; i < row_words; ++i) rows_[a][i] = 0;
    dirty_ = written;
    if (!narrow_) {
      const std::size_t w = (n + 63) / 64;
      for (std::size_t t = 0; t < types; ++t)
        for (std::size_t i = 0; i < w; ++i) members_[t][i] = 0;
      for (std::size_t a = 0; a < n; ++a) {
        const std::uint64_t bit = std::uint64_t{1} << (a % 64);
        for_each_type(v.vm_label(static_cast<label_id>(a)).te(), [&](std::size_t t) noexcept {
          if (t < types) members_[t][a / 64] |= bit;  // validated: always true
        });
      }
      for (std::size_t a = 0; a < n; ++a) {
        std::uint64_t* row = rows_[a];
        for_each_type(v.vm_label(static_cast<label_id>(a)).te(), [&](std::size_t t) noexcept {
          if (t >= types) return;
          const std::uint64_t* m = members_[t];
          for (std::size_t i = 0; i < w; ++i) row[i] |= m[i];
        });
      }
    }
    labels_ = n;
    bytes_ = v.bytes().data();
    checksum_ = v.checksum();
    return true;
  }

  /// Forgets the policy: built_for() is false until the next build().
  constexpr void clear() noexcept {
    narrow_ = true;  // and no label holds a type: a table built for nothing denies every pair
    for (auto& t : types_) t = 0;
    bytes_ = nowhere;
    checksum_ = 0;
    labels_ = 0;
  }

  /// Was this table built for exactly this policy: the same bytes at the same place? (The
  /// checksum covers the whole binary, its size included.)
  [[nodiscard]] constexpr bool built_for(const policy_view& v) const noexcept {
    return bytes_ == v.bytes().data() && checksum_ == v.checksum();  // an empty view is never nowhere
  }
  /// VM labels covered (those of the policy it was built for; 0 when empty).
  [[nodiscard]] constexpr std::size_t labels() const noexcept { return labels_; }

  /// The TE decision between VM labels a and b of the policy the table was built for. A label
  /// outside it is denied (fail closed): its row and bit are zero, and the capacity is checked.
  [[nodiscard]] constexpr decision permits(label_id a, label_id b) const noexcept {
    if (a >= MaxLabels || b >= MaxLabels) return decision::deny;
    if (narrow_) return permit_if((types_[a] & types_[b]) != 0);
    return permit_if(((rows_[a][b / 64] >> (b % 64)) & 1u) != 0);
  }
  /// Does the table decide from one word of types per label (a policy of at most 64 TE types)?
  [[nodiscard]] constexpr bool narrow() const noexcept { return narrow_; }

 private:
  std::uint64_t types_[MaxLabels] = {};  // narrow: label a's TE types (0 beyond the labels)
  bool narrow_ = false;
  std::uint64_t rows_[MaxLabels][row_words] = {};
  std::uint64_t members_[MaxTypes == 0 ? 1 : MaxTypes][row_words] = {};  // scratch of build()
  // An empty table's address: no policy_view points here (not null: an empty view does). A
  // header's worth of zeros, so even the checksum read through it stays in bounds.
  static constexpr std::uint8_t nowhere[detail::format::header_size] = {};
  const std::uint8_t* bytes_ = nowhere;
  std::uint64_t checksum_ = 0;
  std::size_t labels_ = 0;
  std::size_t dirty_ = 0;  // rows [0, dirty_) may hold bits
};

}  // namespace shype
