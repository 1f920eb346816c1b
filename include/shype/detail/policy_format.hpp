// SPDX-License-Identifier: Apache-2.0
#pragma once
// The layout of a binary policy, format 1.1 (1.0 without renames), stated once. The writer
// (policy_builder), the checker (detail/policy_validator.hpp), the view (policy_view) and the
// tool's explainer (tools/shype/load_error_text.cpp) all read it from here, so they cannot drift
// apart: a header field's offset, size, name, the rule it obeys and the error that breaking the
// rule gives are one row of `header_fields`; a record field's are one row of `record_fields`; a
// section's words are one row of `sections`. docs/binary-format.md describes it for people;
// tests/unit/format_description_test.cpp corrupts every described field and checks that the
// loader answers what its row says.
//
// Everything is little-endian. A 128-byte header is followed by sections in a fixed order, each
// starting on an 8-byte boundary directly after the previous one (so every offset is determined
// by the counts and the loader can insist on it: nothing overlaps, nothing hides in gaps):
//
//   te_types   te_count  x name_ref                       names of TE types, ascending
//   cw_types   cw_count  x name_ref                       names of CW types, ascending
//   conflicts  conflict_count x (name_ref, cw set)        conflict sets, ascending by name
//   vm_labels  vm_label_count x (name_ref, spans, te set, cw set)  ascending by name
//   res_labels res_label_count x (name_ref, spans, te set)         ascending by name
//   mls        (vm + res labels) x (u16 secrecy, u16 integrity, u32 0, secrecy cats, integrity cats)
//              present only with flag_mls
//   renames    rename_count x (name_ref from, u16 kind, u16 label, u32 0)   ascending by (kind, from)
//              format 1.1 only: Xen ACM's <Name from="old">new</Name>, applied at a policy change
//   strings    strings_size bytes of names, then zero padding to a multiple of 8
//
// A name_ref is {u32 offset into strings, u32 length}; a set is ceil(count/64) u64 words with
// every bit beyond `count` zero. A label's spans are {u16 te_lo, te_hi, cw_lo, cw_hi}: the words
// [lo, hi) of its sets that can be non-zero, exactly (the first and last are non-zero; an empty
// set has lo = hi = 0; a resource label's CW span is 0, 0). Decisions AND only the overlap of
// two spans, so a label with a few types costs a word or two whatever the number of types. The
// checksum is XXH64 (seed 0) of the whole binary with the checksum field read as zero.

#include <cstddef>
#include <cstdint>

#include "../errc.hpp"
#include "../load_error.hpp"
#include "le.hpp"

namespace shype::detail::format {

inline constexpr std::uint8_t magic[8] = {'S', 'H', 'Y', 'P', 'E', 'P', 'O', 'L'};
inline constexpr std::uint16_t major = 1;
/// The newest minor this loader reads. 1.1 adds the rename table; a policy without renames is
/// still written as 1.0 (one policy, one binary, and a 1.0 loader still takes it), so a 1.1
/// binary always has at least one rename.
inline constexpr std::uint16_t minor = 1;
inline constexpr std::uint16_t minor_renames = 1;
inline constexpr std::size_t header_size = 128;
inline constexpr std::size_t name_ref_size = 8;
inline constexpr std::size_t spans_size = 8;  // u16 te_lo, te_hi, cw_lo, cw_hi
inline constexpr std::size_t max_name = 255;
inline constexpr std::uint16_t no_bootstrap = 0xFFFF;
inline constexpr std::size_t max_total = 0x7FFFFFFF;  // offsets are u32; stay far from wrap-around
inline constexpr std::size_t rename_size = 16;  // name_ref from, u16 kind, u16 label, u32 0
/// At most this many renames: the loader's check that no label is renamed twice is quadratic.
inline constexpr std::size_t max_renames = 1024;
/// At most this many labels of a kind: 0xFFFF is "no label".
inline constexpr std::size_t max_labels = 0xFFFE;
inline constexpr std::uint16_t rename_vm = 0;        // kind: a VirtualMachineLabel
inline constexpr std::uint16_t rename_resource = 1;  // kind: a ResourceLabel

inline constexpr std::uint32_t flag_te = 1u << 0;
inline constexpr std::uint32_t flag_cw = 1u << 1;
inline constexpr std::uint32_t flag_mls = 1u << 2;
inline constexpr std::uint32_t known_flags = flag_te | flag_cw | flag_mls;

/// A flag bit and the section it announces, as a person says it ("the TE flag").
struct flag_desc {
  std::uint32_t bit;
  const char* name;
};
inline constexpr flag_desc flags[] = {{flag_te, "TE"}, {flag_cw, "Chinese Wall"}, {flag_mls, "MLS"}};

/// A rename record's kind and what it renames.
struct kind_desc {
  std::uint16_t value;
  const char* name;
};
inline constexpr kind_desc rename_kinds[] = {{rename_vm, "VM label"}, {rename_resource, "resource label"}};

/// The error of a field no rule constrains (no errc is 0).
inline constexpr errc unchecked = errc{};

// --- the header ---------------------------------------------------------------------------------

/// The rule a header field obeys; each is one check of the loader.
enum class rule : std::uint8_t {
  magic_bytes,   ///< the 8 bytes of `magic`
  major_version, ///< equals `major`
  minor_version, ///< at most `minor` (a defect is reported at the major field: the version is one thing)
  header_bytes,  ///< equals `header_size`
  total_size,    ///< the buffer's size (larger: truncated), a multiple of 8, at most max_total
  flag_bits,     ///< no bit outside known_flags
  checksum,      ///< XXH64 of the binary with this field read as zero
  opaque,        ///< recorded, never checked (the source hash, the policy's own version)
  name,          ///< the policy name's name_ref (reported at its offset field)
  count,         ///< a table's count: 0 unless `flag` is set, at most `max`
  reserved,      ///< 0
  label,         ///< a VM label's index, or no_bootstrap
  section,       ///< equals the layout's offset of `section`, within total_size
  strings_size,  ///< the names, packed, end where total_size says (padded to 8)
};

struct header_field {
  const char* name;             ///< as the explainer says it: "header field te_count"
  std::uint16_t offset, size;
  rule check;
  errc error;                   ///< what load() reports when the rule is broken (opaque: unchecked)
  std::uint16_t reported_at;    ///< the offset load() reports the defect at
  std::uint16_t since = 0, until = 0xFFFF;  ///< the minors the field exists in
  policy_section section = policy_section::header;  ///< count and section rules: the table
  std::uint32_t flag = 0;       ///< count rule: the flag a non-zero count needs
  std::uint32_t max = 0xFFFF;   ///< count rule: the largest count
  const char* what = "";        ///< count rule: what is counted, plural ("TE types")
};

namespace detail_rows {
using s = policy_section;
constexpr header_field row(const char* n, std::uint16_t off, std::uint16_t size, rule r, errc e) noexcept {
  return {n, off, size, r, e, off};
}
constexpr header_field count(const char* n, std::uint16_t off, s sec, std::uint32_t flag, std::uint32_t max,
                             const char* what) noexcept {
  return {n, off, 2, rule::count, errc::bad_count, off, 0, 0xFFFF, sec, flag, max, what};
}
constexpr header_field section(const char* n, std::uint16_t off, s sec) noexcept {
  return {n, off, 4, rule::section, errc::bad_offset, off, 0, 0xFFFF, sec};
}
}  // namespace detail_rows

/// Every header field, in offset order. Two rows share offset 94: the field is reserved in
/// format 1.0 and the rename count in 1.1.
inline constexpr header_field header_fields[] = {
    detail_rows::row("magic", 0, 8, rule::magic_bytes, errc::bad_magic),
    detail_rows::row("major", 8, 2, rule::major_version, errc::unsupported_version),
    {"minor", 10, 2, rule::minor_version, errc::unsupported_version, 8},
    detail_rows::row("header_size", 12, 4, rule::header_bytes, errc::bad_header),
    detail_rows::row("total_size", 16, 4, rule::total_size, errc::bad_length),
    detail_rows::row("flags", 20, 4, rule::flag_bits, errc::bad_header),
    detail_rows::row("checksum", 24, 8, rule::checksum, errc::bad_checksum),
    detail_rows::row("source_hash", 32, 32, rule::opaque, unchecked),
    detail_rows::row("version_major", 64, 4, rule::opaque, unchecked),
    detail_rows::row("version_minor", 68, 4, rule::opaque, unchecked),
    detail_rows::row("name", 72, 4, rule::name, errc::bad_string),
    {"name_len", 76, 4, rule::name, errc::bad_string, 72},
    detail_rows::count("te_count", 80, policy_section::te_types, flag_te, 0xFFFF, "TE types"),
    detail_rows::count("cw_count", 82, policy_section::cw_types, flag_cw, 0xFFFF, "Chinese Wall types"),
    detail_rows::count("conflict_count", 84, policy_section::conflict_sets, flag_cw, 0xFFFF, "conflict sets"),
    detail_rows::count("vm_label_count", 86, policy_section::vm_labels, 0, max_labels, "VM labels"),
    detail_rows::count("res_label_count", 88, policy_section::resource_labels, 0, max_labels, "resource labels"),
    detail_rows::count("category_count", 90, policy_section::mls, flag_mls, 0xFFFF, "MLS categories"),
    detail_rows::row("bootstrap", 92, 2, rule::label, errc::bad_reference),
    {"reserved", 94, 2, rule::reserved, errc::bad_header, 94, 0, minor_renames - 1},
    {"rename_count", 94, 2, rule::count, errc::bad_count, 94, minor_renames, 0xFFFF, policy_section::renames, 0,
     max_renames, "renames"},
    detail_rows::section("te_types", 96, policy_section::te_types),
    detail_rows::section("cw_types", 100, policy_section::cw_types),
    detail_rows::section("conflicts", 104, policy_section::conflict_sets),
    detail_rows::section("vm_labels", 108, policy_section::vm_labels),
    detail_rows::section("res_labels", 112, policy_section::resource_labels),
    detail_rows::section("mls", 116, policy_section::mls),
    detail_rows::section("strings", 120, policy_section::strings),
    detail_rows::row("strings_size", 124, 4, rule::strings_size, errc::bad_length),
};

/// The field at `offset` in a binary of format 1.`minor`; nullptr if no field starts there.
[[nodiscard]] constexpr const header_field* header_field_at(std::uint64_t offset, std::uint16_t minor_version) noexcept {
  for (const header_field& f : header_fields)
    if (f.offset == offset && f.since <= minor_version && minor_version <= f.until) return &f;
  return nullptr;
}

/// The row of the field named `name` (a compile-time lookup: an unknown name does not compile).
[[nodiscard]] consteval const header_field& field_named(const char* name) noexcept {
  std::size_t i = 0;
  for (; i < sizeof header_fields / sizeof header_fields[0]; ++i) {
    const char* a = header_fields[i].name;
    const char* b = name;
    while (*a != 0 && *a == *b) ++a, ++b;
    if (*a == *b) break;
  }
  return header_fields[i];  // past the end if not found: not a constant expression
}
[[nodiscard]] consteval std::size_t offset_of(const char* name) noexcept { return field_named(name).offset; }

/// Header field offsets, by name (from header_fields).
namespace off {
inline constexpr std::size_t magic = offset_of("magic");
inline constexpr std::size_t major = offset_of("major");
inline constexpr std::size_t minor = offset_of("minor");
inline constexpr std::size_t header_size = offset_of("header_size");
inline constexpr std::size_t total_size = offset_of("total_size");
inline constexpr std::size_t flags = offset_of("flags");
inline constexpr std::size_t checksum = offset_of("checksum");
inline constexpr std::size_t source_hash = offset_of("source_hash");
inline constexpr std::size_t version_major = offset_of("version_major");
inline constexpr std::size_t version_minor = offset_of("version_minor");
inline constexpr std::size_t name_off = offset_of("name");
inline constexpr std::size_t name_len = offset_of("name_len");
inline constexpr std::size_t te_count = offset_of("te_count");
inline constexpr std::size_t cw_count = offset_of("cw_count");
inline constexpr std::size_t conflict_count = offset_of("conflict_count");
inline constexpr std::size_t vm_label_count = offset_of("vm_label_count");
inline constexpr std::size_t res_label_count = offset_of("res_label_count");
inline constexpr std::size_t category_count = offset_of("category_count");
inline constexpr std::size_t bootstrap = offset_of("bootstrap");
inline constexpr std::size_t reserved = offset_of("reserved");          // format 1.0: reserved, 0
inline constexpr std::size_t rename_count = offset_of("rename_count");  // format 1.1: renames, 1..max_renames
inline constexpr std::size_t te_types = offset_of("te_types");
inline constexpr std::size_t cw_types = offset_of("cw_types");
inline constexpr std::size_t conflicts = offset_of("conflicts");
inline constexpr std::size_t vm_labels = offset_of("vm_labels");
inline constexpr std::size_t res_labels = offset_of("res_labels");
inline constexpr std::size_t mls = offset_of("mls");
inline constexpr std::size_t strings = offset_of("strings");
inline constexpr std::size_t strings_size = offset_of("strings_size");
}  // namespace off

/// The header's rows tile it exactly, in order (per minor), and each says what breaking it gives.
[[nodiscard]] consteval bool header_fields_tile_the_header() noexcept {
  for (std::uint16_t m = 0; m <= minor; ++m) {
    std::size_t at = 0;
    for (const header_field& f : header_fields) {
      if (f.since > m || m > f.until) continue;
      if (f.offset != at || f.size == 0) return false;
      if ((f.check == rule::opaque) != (f.error == unchecked)) return false;
      if (f.check == rule::count && f.section == policy_section::header) return false;
      at += f.size;
    }
    if (at != header_size) return false;
  }
  return true;
}
static_assert(header_fields_tile_the_header(), "policy_format: header_fields must tile the 128-byte header");

/// A header field's value (the buffer holds at least the header).
[[nodiscard]] constexpr std::uint64_t read(const std::uint8_t* p, const header_field& f) noexcept {
  switch (f.size) {
    case 2: return load_u16(p + f.offset);
    case 4: return load_u32(p + f.offset);
    case 8: return load_u64(p + f.offset);
    default: return 0;  // byte strings (magic, source hash) are not numbers
  }
}
constexpr void write(std::uint8_t* p, const header_field& f, std::uint64_t v) noexcept {
  switch (f.size) {
    case 2: store_le<std::uint16_t>(p + f.offset, static_cast<std::uint16_t>(v)); break;
    case 4: store_le<std::uint32_t>(p + f.offset, static_cast<std::uint32_t>(v)); break;
    case 8: store_le<std::uint64_t>(p + f.offset, v); break;
    default: break;
  }
}

// --- records ------------------------------------------------------------------------------------

/// Offsets inside a record.
namespace rec {
inline constexpr std::size_t name = 0;          // every named record starts with its name_ref
inline constexpr std::size_t te_span = 8;       // labels: u16 lo, hi
inline constexpr std::size_t cw_span = 12;      // labels: u16 lo, hi (a resource label's: 0, 0)
inline constexpr std::size_t sets = name_ref_size + spans_size;  // labels: the TE set, then (VM) the CW set
inline constexpr std::size_t conflict_set = name_ref_size;       // conflict sets: the CW set
inline constexpr std::size_t kind = 8;          // renames
inline constexpr std::size_t label = 10;        // renames
inline constexpr std::size_t rename_reserved = 12;
inline constexpr std::size_t secrecy = 0;       // mls: u16 level
inline constexpr std::size_t integrity = 2;     // mls: u16 level
inline constexpr std::size_t mls_reserved = 4;  // mls: u32 0
inline constexpr std::size_t categories = 8;    // mls: secrecy categories, then integrity categories
}  // namespace rec

/// A field of a record and the error breaking its rule gives (unchecked: any value goes).
struct record_field {
  policy_section section;
  const char* name;  ///< as the explainer says it: "TE span says ..."
  std::uint16_t offset, size;
  errc error;  ///< unchecked: any value goes
};
inline constexpr record_field record_fields[] = {
    {policy_section::vm_labels, "TE span", rec::te_span, 4, errc::bad_span},
    {policy_section::vm_labels, "CW span", rec::cw_span, 4, errc::bad_span},
    {policy_section::resource_labels, "TE span", rec::te_span, 4, errc::bad_span},
    {policy_section::resource_labels, "CW span", rec::cw_span, 4, errc::bad_span},
    {policy_section::renames, "kind", rec::kind, 2, errc::bad_reference},
    {policy_section::renames, "label", rec::label, 2, errc::bad_reference},
    {policy_section::renames, "reserved field", rec::rename_reserved, 4, errc::bad_header},
    {policy_section::mls, "secrecy level", rec::secrecy, 2, unchecked},
    {policy_section::mls, "integrity level", rec::integrity, 2, unchecked},
    {policy_section::mls, "reserved field", rec::mls_reserved, 4, errc::bad_header},
};

/// The field of a record of section `s` at `offset` into it; nullptr if none is described there.
[[nodiscard]] constexpr const record_field* record_field_at(policy_section s, std::uint64_t offset) noexcept {
  for (const record_field& f : record_fields)
    if (f.section == s && f.offset == offset) return &f;
  return nullptr;
}

// --- sections -----------------------------------------------------------------------------------

/// How a person names one element of a section, and whether its records start with a name.
struct section_desc {
  policy_section section;
  const char* what;  ///< "vm label"
  bool named;
};
inline constexpr section_desc sections[] = {
    {policy_section::header, "header", false},
    {policy_section::te_types, "TE type", true},
    {policy_section::cw_types, "Chinese Wall type", true},
    {policy_section::conflict_sets, "conflict set", true},
    {policy_section::vm_labels, "vm label", true},
    {policy_section::resource_labels, "resource label", true},
    {policy_section::mls, "MLS record", false},
    {policy_section::strings, "strings", false},
    {policy_section::renames, "rename", true},
};
[[nodiscard]] constexpr const section_desc& section(policy_section s) noexcept {
  for (const section_desc& d : sections)
    if (d.section == s) return d;
  return sections[0];
}

[[nodiscard]] constexpr std::uint64_t words_for(std::uint64_t bits) noexcept { return (bits + 63) / 64; }

/// The counts a layout is computed from.
struct counts {
  std::uint64_t te = 0, cw = 0, conflicts = 0, vm_labels = 0, res_labels = 0, categories = 0, renames = 0;
  bool mls = false;

  /// The count a header field of rule::count holds (mls: the categories).
  [[nodiscard]] constexpr std::uint64_t& of(policy_section s) noexcept {
    switch (s) {
      case policy_section::te_types: return te;
      case policy_section::cw_types: return cw;
      case policy_section::conflict_sets: return conflicts;
      case policy_section::vm_labels: return vm_labels;
      case policy_section::resource_labels: return res_labels;
      case policy_section::mls: return categories;
      default: return renames;
    }
  }
  [[nodiscard]] constexpr std::uint64_t of(policy_section s) const noexcept { return const_cast<counts&>(*this).of(s); }
};

/// The counts a header states (the buffer holds at least the header; not yet validated).
[[nodiscard]] constexpr counts read_counts(const std::uint8_t* p) noexcept {
  counts c;
  const std::uint16_t m = load_u16(p + off::minor);
  for (const header_field& f : header_fields)
    if (f.check == rule::count && f.since <= m && m <= f.until) c.of(f.section) = read(p, f);
  c.mls = (load_u32(p + off::flags) & flag_mls) != 0;
  return c;
}

/// Canonical section offsets and record strides for given counts.
struct layout {
  std::uint64_t te_words, cw_words, cat_words;
  std::uint64_t conflict_stride, vm_stride, res_stride, mls_stride;
  std::uint64_t te_types, cw_types, conflicts, vm_labels, res_labels, mls, renames, strings;

  constexpr explicit layout(const counts& c) noexcept
      : te_words(words_for(c.te)),
        cw_words(words_for(c.cw)),
        cat_words(words_for(c.categories)),
        conflict_stride(name_ref_size + 8 * cw_words),
        vm_stride(name_ref_size + spans_size + 8 * (te_words + cw_words)),
        res_stride(name_ref_size + spans_size + 8 * te_words),
        mls_stride(8 + 16 * cat_words),
        te_types(header_size),
        cw_types(te_types + name_ref_size * c.te),
        conflicts(cw_types + name_ref_size * c.cw),
        vm_labels(conflicts + conflict_stride * c.conflicts),
        res_labels(vm_labels + vm_stride * c.vm_labels),
        mls(res_labels + res_stride * c.res_labels),
        renames(mls + (c.mls ? mls_stride * (c.vm_labels + c.res_labels) : 0)),
        strings(renames + rename_size * c.renames) {}
};

/// Where a section's records are: record i starts at base + stride * i.
struct table {
  std::uint64_t base = 0, stride = 0, count = 0;
  [[nodiscard]] constexpr std::uint64_t at(std::uint64_t i) const noexcept { return base + stride * i; }
};
[[nodiscard]] constexpr table table_of(const layout& l, const counts& c, policy_section s) noexcept {
  switch (s) {
    case policy_section::te_types: return {l.te_types, name_ref_size, c.te};
    case policy_section::cw_types: return {l.cw_types, name_ref_size, c.cw};
    case policy_section::conflict_sets: return {l.conflicts, l.conflict_stride, c.conflicts};
    case policy_section::vm_labels: return {l.vm_labels, l.vm_stride, c.vm_labels};
    case policy_section::resource_labels: return {l.res_labels, l.res_stride, c.res_labels};
    case policy_section::mls: return {l.mls, l.mls_stride, c.mls ? c.vm_labels + c.res_labels : 0};
    case policy_section::renames: return {l.renames, rename_size, c.renames};
    case policy_section::strings: return {l.strings, 0, 0};
    case policy_section::header: break;
  }
  return {};
}

/// The named tables in the order their names are stored in the strings section (after the
/// policy's own name): the writer appends in this order and the loader insists on it.
inline constexpr policy_section named_tables[] = {
    policy_section::te_types,  policy_section::cw_types,        policy_section::conflict_sets,
    policy_section::vm_labels, policy_section::resource_labels, policy_section::renames,
};

}  // namespace shype::detail::format
