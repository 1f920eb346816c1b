// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/load_error_text.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>

#include <shype/detail/le.hpp>
#include <shype/detail/policy_format.hpp>
#include <shype/detail/xxh64.hpp>

// Every word about the format — a field's name, what a count counts, the flag a table needs, the
// value a field must hold, what a section's element is called — comes from the format's
// description (shype/detail/policy_format.hpp), which the loader checks by; only the phrasing
// of each rule lives here.

namespace shype::tool {
namespace {

namespace f = shype::detail::format;
using shype::errc;
using shype::load_error;
using shype::policy_section;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string q(const std::string& s) { return "\"" + s + "\""; }
std::string num(std::uint64_t v) { return std::to_string(v); }

/// A buffer the loader rejected. Its header is copied, zero-padded, so the format's own readers
/// (f::read, f::read_counts) apply to a file too short to hold one; everything past the header
/// is read with bounds checks.
class rejected {
 public:
  rejected(const std::uint8_t* p, std::size_t n)
      : p_(p), n_(p == nullptr ? 0 : n), header_(copy_header(p_, n_)), c_(f::read_counts(header_.data())), l_(c_) {}

  [[nodiscard]] std::size_t size() const { return n_; }
  [[nodiscard]] const f::counts& counts() const { return c_; }
  [[nodiscard]] const f::layout& layout() const { return l_; }
  [[nodiscard]] std::uint16_t minor() const { return shype::detail::load_u16(header_.data() + f::off::minor); }
  [[nodiscard]] f::table table(policy_section s) const { return f::table_of(l_, c_, s); }

  /// The header field at `offset` as this file's minor has it, or nullptr.
  [[nodiscard]] const f::header_field* field(std::uint64_t offset) const { return f::header_field_at(offset, minor()); }
  /// The value of the header field at `offset` (0 if there is none).
  [[nodiscard]] std::uint64_t header(std::uint64_t offset) const {
    const f::header_field* h = field(offset);
    return h != nullptr ? f::read(header_.data(), *h) : 0;
  }

  /// A little-endian number of `bytes` bytes at `off`; 0 outside the buffer.
  [[nodiscard]] std::uint64_t at(std::uint64_t off, std::size_t bytes) const {
    if (off > n_ || n_ - off < bytes) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v |= std::uint64_t{p_[off + i]} << (8 * i);
    return v;
  }

  /// The name a name_ref at `rec` points to, if it is one the loader would accept.
  [[nodiscard]] std::optional<std::string> name_at(std::uint64_t rec) const {
    if (rec > n_ || n_ - rec < f::name_ref_size) return std::nullopt;
    const std::uint64_t off = at(rec, 4), len = at(rec + 4, 4);
    const std::uint64_t strings = header(f::off::strings), size = header(f::off::strings_size);
    if (len == 0 || len > f::max_name || off + len > size || strings + size > n_) return std::nullopt;
    std::string s(reinterpret_cast<const char*>(p_ + strings + off), len);
    for (char ch : s)
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) return std::nullopt;
    return s;
  }

  [[nodiscard]] std::uint64_t checksum_of_contents() const {
    shype::detail::xxh64_state h;
    h.update(p_, f::off::checksum);
    h.update_zeros(8);
    h.update(p_ + f::off::checksum + 8, n_ - f::off::checksum - 8);
    return h.digest();
  }

 private:
  static std::array<std::uint8_t, f::header_size> copy_header(const std::uint8_t* p, std::size_t n) {
    std::array<std::uint8_t, f::header_size> h{};
    if (p != nullptr) std::copy_n(p, std::min(n, h.size()), h.begin());
    return h;
  }

  const std::uint8_t* p_;
  std::size_t n_;
  std::array<std::uint8_t, f::header_size> header_;
  f::counts c_;
  f::layout l_;
};

// --- where --------------------------------------------------------------------------------------

/// `vm label 3 "dom_x"` (the name only where it can be trusted).
std::string element_name(const rejected& b, policy_section s, std::uint32_t index, bool with_name) {
  const f::section_desc& d = f::section(s);
  if (index == load_error::none || s == policy_section::header || s == policy_section::strings) return d.what;
  std::string out = std::string(d.what) + " " + num(index);
  const f::table t = b.table(s);
  if (with_name && d.named && index < t.count)
    if (auto n = b.name_at(t.at(index))) out += " " + q(*n);
  return out;
}

/// `entry 2, "dom_y"`: the other element an error involves.
std::string other_name(const rejected& b, policy_section s, std::uint32_t index) {
  const std::string entry = "entry " + num(index);
  const f::table t = b.table(s);
  if (index == load_error::none || !f::section(s).named || index >= t.count) return entry;
  if (auto n = b.name_at(t.at(index))) return entry + ", " + q(*n);
  return entry;
}

/// `header field te_count`, or `vm label 3 "dom_x"`.
std::string where(const rejected& b, const load_error& e) {
  if (e.section != policy_section::header) return element_name(b, e.section, e.index, e.code != errc::bad_string);
  const f::header_field* field = b.field(e.offset);
  // A short buffer is reported at its size, which may happen to be a field's offset.
  if (field == nullptr || (e.code == errc::truncated && e.offset != f::off::total_size)) return "header";
  return std::string("header field ") + field->name;
}

/// The described field of a record that `e.offset` points into, and the record's offset.
std::pair<const f::record_field*, std::uint64_t> record_field(const rejected& b, const load_error& e) {
  const f::table t = b.table(e.section);
  if (e.index == load_error::none || e.index >= t.count) return {nullptr, 0};
  const std::uint64_t rec = t.at(e.index);
  return {e.offset >= rec ? f::record_field_at(e.section, e.offset - rec) : nullptr, rec};
}

// --- what: one function per errc that needs more than its name ------------------------------------

std::string truncated(const rejected& b, const load_error& e) {
  if (e.offset == f::off::total_size && b.size() >= f::header_size)
    return "file is truncated: the header says " + num(b.header(f::off::total_size)) + " bytes, the file has " + num(b.size());
  return "file is truncated: " + num(b.size()) + " bytes, a policy header alone needs " + num(f::header_size);
}

std::string unsupported_version(const rejected& b) {
  return "unsupported format version " + num(b.header(f::off::major)) + "." + num(b.minor()) + " (this tool reads " + num(f::major) +
         ".0 to " + num(f::major) + "." + num(f::minor) + ")";
}

std::string bad_header(const rejected& b, const load_error& e) {
  if (e.section != policy_section::header) {
    const auto [field, rec] = record_field(b, e);
    if (field == nullptr) return shype::to_string(e.code);
    return std::string(field->name) + " is " + hex(b.at(e.offset, field->size)) + ", expected 0";
  }
  const f::header_field* field = b.field(e.offset);
  const std::uint64_t v = b.header(e.offset);
  switch (field != nullptr ? field->check : f::rule::opaque) {
    case f::rule::header_bytes: return "header size is " + num(v) + ", expected " + num(f::header_size);
    case f::rule::flag_bits: return "unknown flag bits " + hex(v & ~std::uint64_t{f::known_flags});
    case f::rule::reserved: return std::string(field->name) + " field is " + hex(v) + ", expected 0";
    default: return shype::to_string(e.code);
  }
}

std::string bad_length(const rejected& b, const load_error& e) {
  if (e.section == policy_section::strings) return "padding after the strings is not zero";
  if (e.offset == f::off::total_size) {
    const std::uint64_t total = b.header(f::off::total_size);
    if (total != b.size()) return "total size " + num(total) + " disagrees with the file size " + num(b.size());
    if (total % 8 != 0) return "total size " + num(total) + " is not a multiple of 8";
    return "total size " + num(total) + " is too large";
  }
  return "strings section (" + num(b.header(f::off::strings_size)) + " bytes at " + hex(b.header(f::off::strings)) +
         ") does not end, padded to 8 bytes, where the file does (" + num(b.size()) + " bytes)";
}

std::string bad_checksum(const rejected& b) {
  return "checksum is " + hex(b.header(f::off::checksum)) + ", the contents hash to " + hex(b.checksum_of_contents()) + " (XXH64)";
}

std::string bad_offset(const rejected& b, const load_error& e) {
  const f::header_field* field = b.field(e.offset);
  const policy_section s = field != nullptr && field->check == f::rule::section ? field->section : policy_section::strings;
  const std::uint64_t expect = b.table(s).base;
  const std::uint64_t got = b.header(e.offset), total = b.header(f::off::total_size);
  if (got == expect)
    return "section offset " + hex(got) + " lies past the end of the " + num(total) + "-byte policy (the counts are too large)";
  if (got >= total)
    return "section offset " + hex(got) + " is past the end of the " + num(total) + "-byte policy; the layout puts the section at " +
           hex(expect);
  return "section offset " + hex(got) + " is not where the layout puts the section (" + hex(expect) + ")";
}

std::string flag_name(std::uint32_t bit) {
  for (const f::flag_desc& d : f::flags)
    if (d.bit == bit) return d.name;
  return hex(bit);
}

std::string bad_count(const rejected& b, const load_error& e) {
  const f::header_field* field = b.field(e.offset);
  if (field == nullptr || field->check != f::rule::count) return shype::to_string(e.code);
  const std::uint64_t n = b.header(e.offset);
  if (field->flag != 0 && (b.header(f::off::flags) & field->flag) == 0 && n != 0)
    return num(n) + " " + field->what + ", but the " + flag_name(field->flag) + " flag is clear";
  if (field->section == policy_section::renames && n == 0)
    return "format 1." + num(b.minor()) + " with no rename (a policy without renames is written as format 1.0)";
  return num(n) + " " + field->what + ", more than the format allows (" + num(field->max) + ")";
}

/// Why a name_ref is bad, precisely.
std::string bad_string(const rejected& b, const load_error& e) {
  const std::uint64_t off = b.at(e.offset, 4), len = b.at(e.offset + 4, 4), size = b.header(f::off::strings_size);
  if (len == 0) return "empty name";
  if (len > f::max_name) return "name is " + num(len) + " bytes long (at most " + num(f::max_name) + ")";
  if (off + len > size)
    return "name at string offset " + hex(off) + " (" + num(len) + " bytes) lies outside the " + num(size) + "-byte strings section";
  return "name contains a control byte";
}

/// A label's span (u16 lo, hi) against the words its set really has non-zero.
std::string bad_span(const rejected& b, const load_error& e) {
  const auto [field, rec] = record_field(b, e);
  if (field == nullptr) return shype::to_string(e.code);
  const f::layout& l = b.layout();
  const bool te = e.offset - rec == f::rec::te_span;
  const std::uint64_t words = te ? l.te_words : e.section == policy_section::vm_labels ? l.cw_words : 0;
  const std::uint64_t set = rec + f::rec::sets + (te ? 0 : 8 * l.te_words);
  std::uint64_t lo = 0, hi = 0;
  for (std::uint64_t w = 0; w < words; ++w) {
    if (b.at(set + 8 * w, 8) == 0) continue;
    if (hi == 0) lo = w;
    hi = w + 1;
  }
  return std::string(field->name) + " says words [" + num(b.at(e.offset, 2)) + ", " + num(b.at(e.offset + 2, 2)) +
         "), the set's non-zero words are [" + num(lo) + ", " + num(hi) + ")";
}

std::string invalid_label(const rejected& b, const load_error& e) {
  std::string set = "conflict set " + num(e.other);
  const f::table t = b.table(policy_section::conflict_sets);
  if (e.other < t.count)
    if (auto n = b.name_at(t.at(e.other))) set = "conflict set " + q(*n);
  return "holds two types of " + set;
}

std::string kind_name(std::uint64_t kind) {
  for (const f::kind_desc& d : f::rename_kinds)
    if (d.value == kind) return d.name;
  return "label";
}

std::string rename_reference(const rejected& b, const load_error& e) {
  const auto [field, rec] = record_field(b, e);
  const std::uint64_t kind = b.at(rec + f::rec::kind, 2), label = b.at(rec + f::rec::label, 2);
  if (field != nullptr && e.offset - rec == f::rec::kind) {
    std::string m = std::string(field->name) + " " + num(kind) + " is neither ";
    for (std::size_t i = 0; i < std::size(f::rename_kinds); ++i)
      m += (i == 0 ? "" : " nor ") + num(f::rename_kinds[i].value) + " (" + f::rename_kinds[i].name + ")";
    return m;
  }
  const std::string what = kind_name(kind);
  if (e.other != load_error::none) return "renames " + what + " " + num(label) + ", as " + other_name(b, e.section, e.other) + " does";
  const std::uint64_t of = b.counts().of(kind == f::rename_vm ? policy_section::vm_labels : policy_section::resource_labels);
  return "renames " + what + " " + num(label) + ", out of range (" + num(of) + " " + what + "s)";
}

std::string bad_reference(const rejected& b, const load_error& e) {
  if (e.section == policy_section::renames) return rename_reference(b, e);
  return "bootstrap label " + num(b.header(f::off::bootstrap)) + " is out of range (" + num(b.counts().vm_labels) + " VM labels)";
}

std::string message(const rejected& b, const load_error& e) {
  switch (e.code) {
    case errc::truncated: return truncated(b, e);
    case errc::bad_magic:
      return "not a shype binary policy (the magic is not \"" + std::string(std::begin(f::magic), std::end(f::magic)) + "\")";
    case errc::unsupported_version: return unsupported_version(b);
    case errc::bad_header: return bad_header(b, e);
    case errc::bad_length: return bad_length(b, e);
    case errc::bad_checksum: return bad_checksum(b);
    case errc::bad_offset: return bad_offset(b, e);
    case errc::bad_count: return bad_count(b, e);
    case errc::bad_string: return bad_string(b, e);
    case errc::unsorted_names:
      return "names are not in ascending order: this one sorts before the previous (" + other_name(b, e.section, e.other) + ")";
    case errc::duplicate_name: return "duplicate name (same as " + other_name(b, e.section, e.other) + ")";
    case errc::bad_bitset: return "a type set has bits set beyond its last type";
    case errc::bad_span: return bad_span(b, e);
    case errc::empty_conflict_set: return "holds no type";
    case errc::invalid_label: return invalid_label(b, e);
    case errc::bad_reference: return bad_reference(b, e);
    case errc::too_large: return std::string("the policy's ") + f::section(e.section).what + "s exceed this monitor's capacity";
    default: return shype::to_string(e.code);
  }
}

}  // namespace

diagnostic describe_load_error(const std::string& file, const std::uint8_t* data, std::size_t size, const shype::load_error& e) {
  const rejected b(data, size);
  diagnostic d;
  d.file = file;
  d.element = "offset " + hex(e.offset) + ": " + where(b, e);
  d.message = message(b, e);
  return d;
}

std::string describe_builder_error(const shype::load_error& e) {
  std::string s = shype::to_string(e.code);
  s += std::string(" in ") + shype::to_string(e.section);
  if (e.index != shype::load_error::none) s += " entry " + std::to_string(e.index);
  return s;
}

}  // namespace shype::tool
