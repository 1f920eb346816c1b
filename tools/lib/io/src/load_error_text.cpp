// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/load_error_text.hpp>

#include <cstdio>
#include <optional>

#include <shype/detail/policy_format.hpp>
#include <shype/detail/xxh64.hpp>

namespace shype::tool {
namespace {

namespace f = shype::detail::format;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string q(const std::string& s) { return "\"" + s + "\""; }

const char* header_field(std::uint64_t off) {
  switch (off) {
    case f::off::magic: return "magic";
    case f::off::major: return "major";
    case f::off::minor: return "minor";
    case f::off::header_size: return "header_size";
    case f::off::total_size: return "total_size";
    case f::off::flags: return "flags";
    case f::off::checksum: return "checksum";
    case f::off::source_hash: return "source_hash";
    case f::off::version_major: return "version_major";
    case f::off::version_minor: return "version_minor";
    case f::off::name_off: return "name";
    case f::off::name_len: return "name_len";
    case f::off::te_count: return "te_count";
    case f::off::cw_count: return "cw_count";
    case f::off::conflict_count: return "conflict_count";
    case f::off::vm_label_count: return "vm_label_count";
    case f::off::res_label_count: return "res_label_count";
    case f::off::category_count: return "category_count";
    case f::off::bootstrap: return "bootstrap";
    case f::off::reserved: return "reserved";
    case f::off::te_types: return "te_types";
    case f::off::cw_types: return "cw_types";
    case f::off::conflicts: return "conflicts";
    case f::off::vm_labels: return "vm_labels";
    case f::off::res_labels: return "res_labels";
    case f::off::mls: return "mls";
    case f::off::strings: return "strings";
    case f::off::strings_size: return "strings_size";
    default: return nullptr;
  }
}

/// Bounds-checked reads of a buffer the loader rejected.
class raw {
 public:
  raw(const std::uint8_t* p, std::size_t n) : p_(p), n_(p == nullptr ? 0 : n) {}

  [[nodiscard]] std::size_t size() const { return n_; }
  template <class U>
  [[nodiscard]] std::optional<U> get(std::uint64_t off) const {
    if (off > n_ || n_ - off < sizeof(U)) return std::nullopt;
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>(v | (static_cast<U>(p_[off + i]) << (8 * i)));
    return v;
  }
  [[nodiscard]] std::uint64_t u16(std::uint64_t off) const { return get<std::uint16_t>(off).value_or(0); }
  [[nodiscard]] std::uint64_t u32(std::uint64_t off) const { return get<std::uint32_t>(off).value_or(0); }
  [[nodiscard]] std::uint64_t u64(std::uint64_t off) const { return get<std::uint64_t>(off).value_or(0); }

  [[nodiscard]] f::counts counts() const {
    f::counts c;
    c.te = u16(f::off::te_count);
    c.cw = u16(f::off::cw_count);
    c.conflicts = u16(f::off::conflict_count);
    c.vm_labels = u16(f::off::vm_label_count);
    c.res_labels = u16(f::off::res_label_count);
    c.categories = u16(f::off::category_count);
    c.mls = (u32(f::off::flags) & f::flag_mls) != 0;
    if (u16(f::off::minor) >= f::minor_renames) c.renames = u16(f::off::rename_count);
    return c;
  }

  /// The name a name_ref at `rec` points to, if it lies inside the strings section.
  [[nodiscard]] std::optional<std::string> name_at(std::uint64_t rec) const {
    const auto off = get<std::uint32_t>(rec), len = get<std::uint32_t>(rec + 4);
    const std::uint64_t strings = u32(f::off::strings), size = u32(f::off::strings_size);
    if (!off || !len || *len == 0 || *len > f::max_name || std::uint64_t{*off} + *len > size) return std::nullopt;
    if (strings + size > n_) return std::nullopt;
    std::string s(reinterpret_cast<const char*>(p_ + strings + *off), *len);
    for (char c : s)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    return s;
  }

  const std::uint8_t* p_;
  std::size_t n_;
};

struct section_info {
  const char* what;       // "vm label"
  std::uint64_t base;     // offset of record 0
  std::uint64_t stride;   // bytes per record
  std::uint64_t count;
  bool named;
};

section_info info(const raw& b, shype::policy_section s) {
  const f::counts c = b.counts();
  const f::layout l(c);
  switch (s) {
    case shype::policy_section::te_types: return {"TE type", l.te_types, f::name_ref_size, c.te, true};
    case shype::policy_section::cw_types: return {"Chinese Wall type", l.cw_types, f::name_ref_size, c.cw, true};
    case shype::policy_section::conflict_sets: return {"conflict set", l.conflicts, l.conflict_stride, c.conflicts, true};
    case shype::policy_section::vm_labels: return {"vm label", l.vm_labels, l.vm_stride, c.vm_labels, true};
    case shype::policy_section::resource_labels: return {"resource label", l.res_labels, l.res_stride, c.res_labels, true};
    case shype::policy_section::mls: return {"MLS record", l.mls, l.mls_stride, c.vm_labels + c.res_labels, false};
    case shype::policy_section::strings: return {"strings", l.strings, 0, 0, false};
    case shype::policy_section::renames: return {"rename", l.renames, f::rename_size, c.renames, true};
    case shype::policy_section::header: break;
  }
  return {"header", 0, 0, 0, false};
}

/// `vm label 3 "dom_x"` (the name only where it can be trusted).
std::string element_name(const raw& b, shype::policy_section s, std::uint32_t index, bool with_name) {
  const section_info i = info(b, s);
  if (index == shype::load_error::none || s == shype::policy_section::header || s == shype::policy_section::strings) return i.what;
  std::string out = std::string(i.what) + " " + std::to_string(index);
  if (with_name && i.named && index < i.count)
    if (auto n = b.name_at(i.base + i.stride * index)) out += " " + q(*n);
  return out;
}

std::string other_name(const raw& b, shype::policy_section s, std::uint32_t index) {
  const section_info i = info(b, s);
  if (index == shype::load_error::none || !i.named || index >= i.count) return "entry " + std::to_string(index);
  if (auto n = b.name_at(i.base + i.stride * index)) return "entry " + std::to_string(index) + ", " + q(*n);
  return "entry " + std::to_string(index);
}

/// Why a name_ref is bad, precisely.
std::string bad_string_reason(const raw& b, std::uint64_t rec) {
  const std::uint64_t off = b.u32(rec), len = b.u32(rec + 4), size = b.u32(f::off::strings_size);
  if (len == 0) return "empty name";
  if (len > f::max_name) return "name is " + std::to_string(len) + " bytes long (at most " + std::to_string(f::max_name) + ")";
  if (off + len > size)
    return "name at string offset " + hex(off) + " (" + std::to_string(len) + " bytes) lies outside the " + std::to_string(size) +
           "-byte strings section";
  return "name contains a control byte";
}

}  // namespace

diagnostic describe_load_error(const std::string& file, const std::uint8_t* data, std::size_t size, const shype::load_error& e) {
  const raw b(data, size);
  diagnostic d;
  d.file = file;
  std::string where;
  if (e.section == shype::policy_section::header) {
    const char* field = e.offset == f::off::rename_count && b.u16(f::off::minor) >= f::minor_renames ? "rename_count" : header_field(e.offset);
    where = field != nullptr && !(e.code == shype::errc::truncated && e.offset != f::off::total_size) ? std::string("header field ") + field
                                                                                                         : "header";
  } else {
    const bool trust_name = e.code != shype::errc::bad_string;
    where = element_name(b, e.section, e.index, trust_name);
  }
  d.element = "offset " + hex(e.offset) + ": " + where;

  using shype::errc;
  const f::counts c = b.counts();
  std::string& m = d.message;
  switch (e.code) {
    case errc::truncated:
      if (e.offset == f::off::total_size && size >= f::header_size)
        m = "file is truncated: the header says " + std::to_string(b.u32(f::off::total_size)) + " bytes, the file has " + std::to_string(size);
      else
        m = "file is truncated: " + std::to_string(size) + " bytes, a policy header alone needs " + std::to_string(f::header_size);
      break;
    case errc::bad_magic: m = "not a shype binary policy (the magic is not \"SHYPEPOL\")"; break;
    case errc::unsupported_version:
      m = "unsupported format version " + std::to_string(b.u16(f::off::major)) + "." + std::to_string(b.u16(f::off::minor)) +
          " (this tool reads " + std::to_string(f::major) + ".0 to " + std::to_string(f::major) + "." + std::to_string(f::minor) + ")";
      break;
    case errc::bad_header:
      if (e.offset == f::off::header_size)
        m = "header size is " + std::to_string(b.u32(e.offset)) + ", expected " + std::to_string(f::header_size);
      else if (e.offset == f::off::flags)
        m = "unknown flag bits " + hex(b.u32(e.offset) & ~std::uint64_t{f::known_flags});
      else
        m = "reserved field is " + hex(e.section == shype::policy_section::header ? b.u16(e.offset) : b.u32(e.offset)) + ", expected 0";
      break;
    case errc::bad_length:
      if (e.section == shype::policy_section::strings) {
        m = "padding after the strings is not zero";
      } else if (e.offset == f::off::total_size) {
        const std::uint64_t total = b.u32(e.offset);
        if (total != size) m = "total size " + std::to_string(total) + " disagrees with the file size " + std::to_string(size);
        else if (total % 8 != 0) m = "total size " + std::to_string(total) + " is not a multiple of 8";
        else m = "total size " + std::to_string(total) + " is too large";
      } else {
        m = "strings section (" + std::to_string(b.u32(f::off::strings_size)) + " bytes at " + hex(b.u32(f::off::strings)) +
            ") does not end, padded to 8 bytes, where the file does (" + std::to_string(size) + " bytes)";
      }
      break;
    case errc::bad_checksum: {
      shype::detail::xxh64_state h;
      h.update(data, f::off::checksum);
      h.update_zeros(8);
      h.update(data + f::off::checksum + 8, size - f::off::checksum - 8);
      m = "checksum is " + hex(b.u64(f::off::checksum)) + ", the contents hash to " + hex(h.digest()) + " (XXH64)";
      break;
    }
    case errc::bad_offset: {
      const f::layout l(c);
      std::uint64_t expect = 0;
      switch (e.offset) {
        case f::off::te_types: expect = l.te_types; break;
        case f::off::cw_types: expect = l.cw_types; break;
        case f::off::conflicts: expect = l.conflicts; break;
        case f::off::vm_labels: expect = l.vm_labels; break;
        case f::off::res_labels: expect = l.res_labels; break;
        case f::off::mls: expect = l.mls; break;
        default: expect = l.strings; break;
      }
      const std::uint64_t got = b.u32(e.offset), total = b.u32(f::off::total_size);
      if (got == expect)
        m = "section offset " + hex(got) + " lies past the end of the " + std::to_string(total) + "-byte policy (the counts are too large)";
      else if (got >= total)
        m = "section offset " + hex(got) + " is past the end of the " + std::to_string(total) + "-byte policy; the layout puts the section at " + hex(expect);
      else
        m = "section offset " + hex(got) + " is not where the layout puts the section (" + hex(expect) + ")";
      break;
    }
    case errc::bad_count:
      if (e.offset == f::off::te_count) m = std::to_string(c.te) + " TE types, but the TE flag is clear";
      else if (e.offset == f::off::cw_count) m = std::to_string(c.cw) + " Chinese Wall types, but the Chinese Wall flag is clear";
      else if (e.offset == f::off::conflict_count) m = std::to_string(c.conflicts) + " conflict sets, but the Chinese Wall flag is clear";
      else if (e.offset == f::off::category_count) m = std::to_string(c.categories) + " MLS categories, but the MLS flag is clear";
      else if (e.offset == f::off::rename_count && c.renames == 0)
        m = "format 1.1 with no rename (a policy without renames is written as format 1.0)";
      else if (e.offset == f::off::rename_count)
        m = std::to_string(c.renames) + " renames, more than the format allows (" + std::to_string(f::max_renames) + ")";
      else m = "count " + std::to_string(b.u16(e.offset)) + " is out of range (at most 65534 labels)";
      break;
    case errc::bad_string: m = bad_string_reason(b, e.offset); break;
    case errc::unsorted_names:
      m = "names are not in ascending order: this one sorts before the previous (" + other_name(b, e.section, e.other) + ")";
      break;
    case errc::duplicate_name: m = "duplicate name (same as " + other_name(b, e.section, e.other) + ")"; break;
    case errc::bad_bitset: m = "a type set has bits set beyond its last type"; break;
    case errc::bad_span: {
      // Spans (u16 lo, hi) follow the name: TE at +8, CW at +12. Say what the set really spans.
      const section_info in = info(b, e.section);
      const f::layout l(c);
      const std::uint64_t rec = in.base + in.stride * e.index;
      const bool te = e.offset == rec + 8;
      const std::uint64_t words = te ? l.te_words : e.section == shype::policy_section::vm_labels ? l.cw_words : 0;
      const std::uint64_t at = rec + f::name_ref_size + f::spans_size + (te ? 0 : 8 * l.te_words);
      std::uint64_t lo = 0, hi = 0;
      for (std::uint64_t w = 0; w < words; ++w) {
        if (b.u64(at + 8 * w) == 0) continue;
        if (hi == 0) lo = w;
        hi = w + 1;
      }
      m = std::string(te ? "TE" : "CW") + " span says words [" + std::to_string(b.u16(e.offset)) + ", " +
          std::to_string(b.u16(e.offset + 2)) + "), the set's non-zero words are [" + std::to_string(lo) + ", " + std::to_string(hi) + ")";
      break;
    }
    case errc::empty_conflict_set: m = "holds no type"; break;
    case errc::invalid_label: {
      std::string set = "conflict set " + std::to_string(e.other);
      const f::layout l(c);
      if (e.other < c.conflicts)
        if (auto n = b.name_at(l.conflicts + l.conflict_stride * e.other)) set = "conflict set " + q(*n);
      m = "holds two types of " + set;
      break;
    }
    case errc::bad_reference:
      if (e.section == shype::policy_section::renames) {
        const std::uint64_t rec = info(b, e.section).base + f::rename_size * e.index;
        const std::uint64_t kind = b.u16(rec + 8), label = b.u16(rec + 10);
        const char* what = kind == f::rename_vm ? "VM label" : "resource label";
        if (e.offset == rec + 8)
          m = "kind " + std::to_string(kind) + " is neither " + std::to_string(f::rename_vm) + " (VM label) nor " +
              std::to_string(f::rename_resource) + " (resource label)";
        else if (e.other != shype::load_error::none)
          m = "renames " + std::string(what) + " " + std::to_string(label) + ", as " + other_name(b, e.section, e.other) + " does";
        else
          m = "renames " + std::string(what) + " " + std::to_string(label) + ", out of range (" +
              std::to_string(kind == f::rename_vm ? c.vm_labels : c.res_labels) + " " + what + "s)";
        break;
      }
      m = "bootstrap label " + std::to_string(b.u16(f::off::bootstrap)) + " is out of range (" + std::to_string(c.vm_labels) + " VM labels)";
      break;
    case errc::too_large: m = std::string("the policy's ") + info(b, e.section).what + "s exceed this monitor's capacity"; break;
    default: m = shype::to_string(e.code); break;
  }
  return d;
}

std::string describe_builder_error(const shype::load_error& e) {
  std::string s = shype::to_string(e.code);
  s += std::string(" in ") + shype::to_string(e.section);
  if (e.index != shype::load_error::none) s += " entry " + std::to_string(e.index);
  return s;
}

}  // namespace shype::tool
