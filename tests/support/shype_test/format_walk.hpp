// SPDX-License-Identifier: Apache-2.0
#pragma once
// Walks the format's description (shype/detail/policy_format.hpp): a binary that has every
// section, and one corruption per rule that breaks exactly the rule a described field obeys.
// The library's test checks the loader answers what each row says; the tool's test checks the
// explainer names each row's field. A new rule without a corruption here fails both.
#include <shype/detail/le.hpp>
#include <shype/detail/policy_format.hpp>
#include <shype/policy_builder.hpp>

#include <cstdint>
#include <vector>

#include "shype_test/reseal.hpp"

namespace shype_test {

/// A binary with every section: TE, Chinese Wall with a conflict set, MLS with categories, a
/// bootstrap label and (with `renames`, format 1.1) a rename of each kind.
inline std::vector<std::uint8_t> every_section_policy(bool renames) {
  shype::policy_builder<> b("walk");
  const auto t0 = b.te_type("T0").value(), t1 = b.te_type("T1").value();
  const auto c0 = b.cw_type("C0").value(), c1 = b.cw_type("C1").value();
  (void)b.conflict_set("Clash", {c0, c1});
  b.enable_mls(2);
  const auto boot = b.vm_label("boot", {t0, t1}, {}).value();
  const auto guest = b.vm_label("guest", {t1}, {c0}).value();
  const auto disk = b.resource_label("disk", {t1}).value();
  (void)b.vm_label_mls(boot, {1, {0}}, {1, {1}});
  (void)b.vm_label_mls(guest, {0, {}}, {0, {0, 1}});
  (void)b.resource_label_mls(disk, {0, {1}}, {0, {}});
  b.bootstrap("boot");
  if (renames) {
    (void)b.vm_label_from(guest, "old_guest");
    (void)b.resource_label_from(disk, "old_disk");
  }
  std::vector<std::uint8_t> out(b.size());
  const auto n = b.build(out.data(), out.size());
  if (!n || n.value() != out.size()) return {};
  return out;
}

/// The base a header field is walked on: format 1.1 unless the field exists only in 1.0.
inline std::vector<std::uint8_t> base_for(const shype::detail::format::header_field& f) {
  return every_section_policy(f.since <= shype::detail::format::minor_renames && shype::detail::format::minor_renames <= f.until);
}

/// Breaks the rule header field `h` obeys in `b` (a base_for(h) binary) and nothing else, then
/// reseals the checksum unless the checksum is the field. False: no rule to break (opaque).
inline bool break_header_rule(std::vector<std::uint8_t>& b, const shype::detail::format::header_field& h) {
  namespace f = shype::detail::format;
  using f::rule;
  const std::uint64_t v = f::read(b.data(), h);
  switch (h.check) {
    case rule::opaque: return false;
    case rule::magic_bytes: b[h.offset] ^= 0xFF; break;
    case rule::major_version: f::write(b.data(), h, f::major + 1u); break;
    case rule::minor_version: f::write(b.data(), h, f::minor + 1u); break;
    case rule::header_bytes: f::write(b.data(), h, f::header_size + 8); break;
    case rule::total_size: f::write(b.data(), h, v - 8); break;
    case rule::flag_bits: f::write(b.data(), h, v | 0x80000000u); break;
    case rule::checksum: f::write(b.data(), h, v ^ 1); return true;
    case rule::name: f::write(b.data(), h, h.offset == f::off::name_off ? 0x10000u : 0u); break;
    case rule::count:
      if (h.flag != 0) {  // a table without its flag: clear it, and empty the tables before this one that need it
        const f::header_field& flags = *f::header_field_at(f::off::flags, 0);
        f::write(b.data(), flags, f::read(b.data(), flags) & ~std::uint64_t{h.flag});
        for (const f::header_field& other : f::header_fields)
          if (other.check == rule::count && other.flag == h.flag && other.offset < h.offset) f::write(b.data(), other, 0);
      } else {
        f::write(b.data(), h, h.max + 1u);
      }
      break;
    case rule::reserved: f::write(b.data(), h, 1); break;
    case rule::label: f::write(b.data(), h, f::read_counts(b.data()).vm_labels); break;
    case rule::section: f::write(b.data(), h, v + 8); break;
    case rule::strings_size: f::write(b.data(), h, v + 8); break;
  }
  reseal(b);
  return true;
}

/// The offset of record 0 of section `s` in `b`.
inline std::uint64_t first_record(const std::vector<std::uint8_t>& b, shype::policy_section s) {
  namespace f = shype::detail::format;
  const f::counts c = f::read_counts(b.data());
  return f::table_of(f::layout(c), c, s).base;
}

/// Changes record field `r` of record 0 of its section (xor 7 into its first byte: a wrong span,
/// an unknown kind, a label out of range, a reserved field set) and reseals.
inline std::uint64_t break_record_field(std::vector<std::uint8_t>& b, const shype::detail::format::record_field& r) {
  const std::uint64_t at = first_record(b, r.section) + r.offset;
  b[at] ^= 7;
  reseal(b);
  return at;
}

}  // namespace shype_test
