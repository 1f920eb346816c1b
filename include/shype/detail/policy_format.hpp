// SPDX-License-Identifier: Apache-2.0
#pragma once
// The layout of a binary policy, format 1.1 (1.0 without renames). Shared by the writer (policy_builder) and the
// loader (policy_view) so that the two cannot drift apart. docs/binary-format.md describes it
// for people; this header is the machine's reference.
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
inline constexpr std::uint16_t rename_vm = 0;        // kind: a VirtualMachineLabel
inline constexpr std::uint16_t rename_resource = 1;  // kind: a ResourceLabel

inline constexpr std::uint32_t flag_te = 1u << 0;
inline constexpr std::uint32_t flag_cw = 1u << 1;
inline constexpr std::uint32_t flag_mls = 1u << 2;
inline constexpr std::uint32_t known_flags = flag_te | flag_cw | flag_mls;

// Header field offsets.
namespace off {
inline constexpr std::size_t magic = 0;
inline constexpr std::size_t major = 8;
inline constexpr std::size_t minor = 10;
inline constexpr std::size_t header_size = 12;
inline constexpr std::size_t total_size = 16;
inline constexpr std::size_t flags = 20;
inline constexpr std::size_t checksum = 24;
inline constexpr std::size_t source_hash = 32;
inline constexpr std::size_t version_major = 64;
inline constexpr std::size_t version_minor = 68;
inline constexpr std::size_t name_off = 72;
inline constexpr std::size_t name_len = 76;
inline constexpr std::size_t te_count = 80;
inline constexpr std::size_t cw_count = 82;
inline constexpr std::size_t conflict_count = 84;
inline constexpr std::size_t vm_label_count = 86;
inline constexpr std::size_t res_label_count = 88;
inline constexpr std::size_t category_count = 90;
inline constexpr std::size_t bootstrap = 92;
inline constexpr std::size_t reserved = 94;      // format 1.0: reserved, 0
inline constexpr std::size_t rename_count = 94;  // format 1.1: renames, 1..max_renames
inline constexpr std::size_t te_types = 96;
inline constexpr std::size_t cw_types = 100;
inline constexpr std::size_t conflicts = 104;
inline constexpr std::size_t vm_labels = 108;
inline constexpr std::size_t res_labels = 112;
inline constexpr std::size_t mls = 116;
inline constexpr std::size_t strings = 120;
inline constexpr std::size_t strings_size = 124;
}  // namespace off

[[nodiscard]] constexpr std::uint64_t words_for(std::uint64_t bits) noexcept { return (bits + 63) / 64; }

/// The counts a layout is computed from.
struct counts {
  std::uint64_t te = 0, cw = 0, conflicts = 0, vm_labels = 0, res_labels = 0, categories = 0, renames = 0;
  bool mls = false;
};

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

}  // namespace shype::detail::format
