// SPDX-License-Identifier: Apache-2.0
#pragma once
// Damaging a valid binary policy on purpose, and resealing it (total size, checksum) so that the
// damage reaches the loader's checks behind those two gates. The property tests require the
// loader to refuse every structural damage; make_seeds writes one input per damage into the
// loader's fuzz corpus, so that its replay test covers each rule of the format.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <shype/detail/le.hpp>
#include <shype/detail/policy_format.hpp>
#include <shype/detail/xxh64.hpp>

namespace shype_model {

enum class damage : std::uint8_t {
  flip_bit,        ///< one bit anywhere behind the checksum (may still be a valid policy)
  swap_name_refs,  ///< two neighbouring entries of a table swap their name refs: unsorted
  alias_name,      ///< an entry's name ref points at its predecessor's name: a duplicate
  swap_names,      ///< two names of equal length swap places and refs: sorted, but not packed
  unsort_names,    ///< two neighbouring names of equal length swap their bytes: packed, unsorted
  copy_name,       ///< a name's bytes overwrite its equal-length successor's: packed, a duplicate
  grow_strings,    ///< the strings section claims bytes no name uses
  stray_bit,       ///< a type set gets a bit at or beyond the number of types
};
inline constexpr std::size_t damage_count = 8;
/// Damages every valid loader must refuse (flip_bit may happen to produce another valid policy).
inline bool structural(damage d) { return d != damage::flip_bit; }

inline const char* to_string(damage d) {
  constexpr const char* names[damage_count] = {"flip_bit",     "swap_name_refs", "alias_name",   "swap_names",
                                               "unsort_names", "copy_name",      "grow_strings", "stray_bit"};
  return names[static_cast<std::size_t>(d)];
}

/// Writes total_size and the checksum for the bytes as they are.
inline void reseal(std::vector<std::uint8_t>& b) {
  namespace f = shype::detail::format;
  shype::detail::store_le<std::uint32_t>(b.data() + f::off::total_size, static_cast<std::uint32_t>(b.size()));
  shype::detail::xxh64_state h;
  h.update(b.data(), f::off::checksum);
  h.update_zeros(8);
  h.update(b.data() + f::off::checksum + 8, b.size() - f::off::checksum - 8);
  shype::detail::store_le<std::uint64_t>(b.data() + f::off::checksum, h.digest());
}

/// Applies `d` to a valid binary (from policy_builder) and reseals it; `r` chooses where. A
/// damage the policy offers no room for (e.g. a table with one entry) falls back to another:
/// the result says which was applied.
inline damage apply(std::vector<std::uint8_t>& b, damage d, std::uint32_t r) {
  namespace f = shype::detail::format;
  using shype::detail::load_u32;
  const f::counts c = f::read_counts(b.data());
  const f::layout l(c);
  using table = f::table;
  const table tables[] = {f::table_of(l, c, shype::policy_section::te_types), f::table_of(l, c, shype::policy_section::cw_types),
                          f::table_of(l, c, shype::policy_section::conflict_sets),
                          f::table_of(l, c, shype::policy_section::vm_labels),
                          f::table_of(l, c, shype::policy_section::resource_labels)};
  const table* with_two = nullptr;  // a table with at least two entries, chosen by r
  for (std::size_t k = 0; k < 5 && with_two == nullptr; ++k)
    if (tables[(r + k) % 5].count >= 2) with_two = &tables[(r + k) % 5];
  auto ref = [&](const table& t, std::uint64_t i) { return static_cast<std::size_t>(t.base + t.stride * i); };
  auto swap8 = [&](std::size_t x, std::size_t y) {
    for (std::size_t i = 0; i < 8; ++i) std::swap(b[x + i], b[y + i]);
  };

  switch (d) {
    case damage::swap_name_refs:
      if (with_two == nullptr) break;
      {
        const std::uint64_t i = (r >> 8) % (with_two->count - 1);
        swap8(ref(*with_two, i), ref(*with_two, i + 1));
      }
      reseal(b);
      return d;
    case damage::alias_name:
      if (with_two == nullptr) break;
      {
        const std::uint64_t i = (r >> 8) % (with_two->count - 1);
        for (std::size_t k = 0; k < 8; ++k) b[ref(*with_two, i + 1) + k] = b[ref(*with_two, i) + k];
      }
      reseal(b);
      return d;
    case damage::swap_names:
    case damage::unsort_names:
    case damage::copy_name:
      for (const auto& t : tables) {
        for (std::uint64_t i = 0; i + 1 < t.count; ++i) {
          const std::size_t x = ref(t, i), y = ref(t, i + 1);
          const std::uint32_t lx = load_u32(b.data() + x + 4), ly = load_u32(b.data() + y + 4);
          if (lx != ly) continue;
          const std::size_t sx = static_cast<std::size_t>(l.strings + load_u32(b.data() + x));
          const std::size_t sy = static_cast<std::size_t>(l.strings + load_u32(b.data() + y));
          if (d == damage::copy_name) {
            for (std::size_t k = 0; k < lx; ++k) b[sy + k] = b[sx + k];
          } else {
            for (std::size_t k = 0; k < lx; ++k) std::swap(b[sx + k], b[sy + k]);
            if (d == damage::swap_names)
              for (std::size_t k = 0; k < 4; ++k) std::swap(b[x + k], b[y + k]);  // offsets follow the bytes
          }
          reseal(b);
          return d;
        }
      }
      break;
    case damage::grow_strings: {
      const std::uint32_t size = load_u32(b.data() + f::off::strings_size);
      const std::uint32_t grown = size + 1 + r % 8;
      shype::detail::store_le<std::uint32_t>(b.data() + f::off::strings_size, grown);
      while (b.size() < l.strings + grown || b.size() % 8 != 0) b.push_back(0);
      reseal(b);
      return d;
    }
    case damage::stray_bit:
      if (c.vm_labels != 0 && (c.te % 64 != 0 || c.cw % 64 != 0)) {
        const std::uint64_t label = r % c.vm_labels;
        const bool te = c.te % 64 != 0 && (c.cw % 64 == 0 || (r & 0x100) != 0);
        const std::uint64_t count = te ? c.te : c.cw;
        const std::uint64_t words = f::words_for(count);
        const std::uint64_t set = l.vm_labels + l.vm_stride * label + f::name_ref_size + f::spans_size + (te ? 0 : 8 * l.te_words);
        const std::uint64_t bit = count % 64 + (r >> 9) % (64 - count % 64);
        b[static_cast<std::size_t>(set + 8 * (words - 1) + bit / 8)] |= static_cast<std::uint8_t>(1u << (bit % 8));
        reseal(b);
        return d;
      }
      break;
    case damage::flip_bit:
      break;
  }
  // flip_bit, and the fallback of a damage this policy has no room for.
  const std::size_t at = f::off::source_hash + r % (b.size() - f::off::source_hash);
  b[at] ^= static_cast<std::uint8_t>(1u << ((r >> 24) % 8));
  reseal(b);
  return damage::flip_bit;
}

}  // namespace shype_model
