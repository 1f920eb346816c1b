// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::policy_builder — writes binary policies (the one writer of the format).
//
// The shype tool compiles XML through it, tests and examples build policies with it, and a
// hypervisor can bake a boot policy in at compile time: it is constexpr and allocation-free,
// with every capacity a template parameter (builder_limits). Types and labels are added in any
// order under provisional ids; build() sorts every table by name (the canonical form: the same
// policy always gives the same bytes), remaps the ids, writes the checksum, and finally runs the
// loader on its own output, so it can only ever return a binary the monitor accepts.

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "detail/heap_sort.hpp"
#include "detail/le.hpp"
#include "detail/policy_format.hpp"
#include "detail/xxh64.hpp"
#include "ids.hpp"
#include "load_error.hpp"
#include "policy_view.hpp"
#include "result.hpp"
#include "string_ref.hpp"

namespace shype {

/// Capacities of a policy_builder (a class-type template parameter).
struct builder_limits {
  std::size_t te_types = 64;
  std::size_t cw_types = 64;
  std::size_t conflict_sets = 32;
  std::size_t vm_labels = 64;
  std::size_t resource_labels = 64;
  std::size_t type_refs = 1024;    ///< type references over all labels and conflict sets
  std::size_t name_bytes = 8192;   ///< bytes of all names together
  std::size_t renames = 16;        ///< labels renamed from a name of the policy they replace
};

/// A list of provisional ids (from te_type(), cw_type() or category numbers).
class id_list {
 public:
  constexpr id_list() noexcept = default;
  /// Views the list for the duration of the call it is passed to (the builder copies it).
  constexpr id_list(std::initializer_list<std::uint16_t> l) noexcept {
    p_ = l.begin();
    n_ = l.size();
  }
  constexpr id_list(const std::uint16_t* p, std::size_t n) noexcept : p_(p), n_(n) {}
  [[nodiscard]] constexpr const std::uint16_t* begin() const noexcept { return p_; }
  [[nodiscard]] constexpr const std::uint16_t* end() const noexcept { return p_ + n_; }
  [[nodiscard]] constexpr std::size_t size() const noexcept { return n_; }

 private:
  const std::uint16_t* p_ = nullptr;
  std::size_t n_ = 0;
};

/// An MLS level as given to the builder: a level and category numbers.
struct mls_spec {
  std::uint16_t level = 0;
  id_list categories{};
};

template <builder_limits L = builder_limits{}>
class policy_builder {
 public:
  constexpr explicit policy_builder(string_ref policy_name, policy_version v = {1, 0}) noexcept : version_(v) {
    policy_name_ = store(policy_name);
  }

  /// Records the SHA-256 of the policy's source (all zero if never set).
  constexpr void source_hash(const std::uint8_t* h32) noexcept {
    for (std::size_t i = 0; i < 32; ++i) hash_[i] = h32[i];
  }
  /// A SimpleTypeEnforcement section exists (even before any type is added).
  constexpr void enable_te() noexcept { te_on_ = true; }
  /// A ChineseWall section exists.
  constexpr void enable_cw() noexcept { cw_on_ = true; }
  /// An MLS section with `n` categories exists (Bell-LaPadula/Biba levels on every label).
  constexpr void enable_mls(std::uint16_t categories) noexcept {
    mls_on_ = true;
    categories_ = categories;
  }

  constexpr result<std::uint16_t> te_type(string_ref name) noexcept {
    te_on_ = true;
    return add_name(te_, te_count_, L.te_types, name);
  }
  constexpr result<std::uint16_t> cw_type(string_ref name) noexcept {
    cw_on_ = true;
    return add_name(cw_, cw_count_, L.cw_types, name);
  }
  constexpr result<std::uint16_t> conflict_set(string_ref name, id_list cw_types) noexcept {
    cw_on_ = true;
    if (cs_count_ == L.conflict_sets) return failure(errc::capacity_exhausted);
    auto types = refs(cw_types, cw_count_);
    if (!types) return failure(types.error());
    cs_[cs_count_] = {store(name), types.value()};
    return static_cast<std::uint16_t>(cs_count_++);
  }
  constexpr result<label_id> vm_label(string_ref name, id_list te_types, id_list cw_types) noexcept {
    if (vm_count_ == L.vm_labels || vm_count_ >= no_label) return failure(errc::capacity_exhausted);
    auto te = refs(te_types, te_count_);
    if (!te) return failure(te.error());
    auto cw = refs(cw_types, cw_count_);
    if (!cw) return failure(cw.error());
    vm_[vm_count_] = {store(name), te.value(), cw.value(), {}};
    return static_cast<label_id>(vm_count_++);
  }
  constexpr result<resource_id> resource_label(string_ref name, id_list te_types) noexcept {
    if (res_count_ == L.resource_labels || res_count_ >= no_label) return failure(errc::capacity_exhausted);
    auto te = refs(te_types, te_count_);
    if (!te) return failure(te.error());
    res_[res_count_] = {store(name), te.value(), {}, {}};
    return static_cast<resource_id>(res_count_++);
  }
  constexpr result<void> vm_label_mls(label_id l, mls_spec secrecy, mls_spec integrity) noexcept {
    if (l >= vm_count_) return failure(errc::unknown_label);
    return set_mls(vm_[l], secrecy, integrity);
  }
  constexpr result<void> resource_label_mls(resource_id r, mls_spec secrecy, mls_spec integrity) noexcept {
    if (r >= res_count_) return failure(errc::unknown_label);
    return set_mls(res_[r], secrecy, integrity);
  }
  /// VM label `l` was renamed from `from`, a label of the policy this one will replace (Xen
  /// ACM's `<Name from="...">`): a domain running under `from` carries on under `l`. A label
  /// is renamed at most once (invalid_argument); two renames from one name fail in build().
  constexpr result<void> vm_label_from(label_id l, string_ref from) noexcept {
    if (l >= vm_count_) return failure(errc::unknown_label);
    return add_rename(detail::format::rename_vm, l, from);
  }
  /// Resource label `r` was renamed from `from` (as vm_label_from).
  constexpr result<void> resource_label_from(resource_id r, string_ref from) noexcept {
    if (r >= res_count_) return failure(errc::unknown_label);
    return add_rename(detail::format::rename_resource, r, from);
  }

  /// The label the first (management) domain gets; checked to exist by build().
  constexpr void bootstrap(string_ref label_name) noexcept {
    bootstrap_ = store(label_name);
    has_bootstrap_ = true;
  }

  /// Bytes build() will write.
  [[nodiscard]] constexpr std::size_t size() const noexcept {
    const detail::format::layout l(counts());
    return static_cast<std::size_t>(detail::align8(l.strings + strings_size()));
  }

  /// Writes the binary into out[0..cap) and returns its size. Errors: capacity_exhausted (cap
  /// too small or a name pool overflowed while adding), duplicate_name, bad_reference (unknown
  /// bootstrap label), or whatever the loader finds wrong with the result (e.g. invalid_label).
  constexpr result<std::size_t, load_error> build(std::uint8_t* out, std::size_t cap) noexcept;

 private:
  // build() in three steps: sort every table by name and remap ids (the canonical form; returns
  // the bootstrap label's final index), then write the header, then the tables and names.
  constexpr result<std::uint16_t, load_error> canonicalise() noexcept;
  constexpr void write_header(std::uint8_t* out, std::size_t total, std::uint16_t boot) const noexcept;
  constexpr void write_tables(std::uint8_t* out) const noexcept;

 private:
  struct name_entry {
    std::uint32_t off = 0, len = 0;
  };
  struct range {
    std::uint32_t first = 0, count = 0;
  };
  struct mls_entry {
    std::uint16_t s_level = 0, i_level = 0;
    range s_cats{}, i_cats{};
  };
  struct set_entry {  // conflict set: name + CW types
    name_entry name;
    range types;
  };
  struct label_entry {
    name_entry name;
    range te, cw;
    mls_entry mls;
  };
  struct rename_entry {
    std::uint16_t kind = 0, label = 0;  // provisional label id
    name_entry from;
  };

  constexpr result<void> add_rename(std::uint16_t kind, std::uint16_t label, string_ref from) noexcept {
    for (std::size_t i = 0; i < rn_count_; ++i)
      if (rn_[i].kind == kind && rn_[i].label == label) return failure(errc::invalid_argument);
    if (rn_count_ == L.renames || rn_count_ >= detail::format::max_renames) return failure(errc::capacity_exhausted);
    rn_[rn_count_++] = {kind, label, store(from)};
    return success;
  }

  constexpr name_entry store(string_ref s) noexcept {
    if (s.size() > L.name_bytes - names_used_) {
      overflow_ = true;
      return {};
    }
    name_entry e{static_cast<std::uint32_t>(names_used_), static_cast<std::uint32_t>(s.size())};
    for (std::size_t i = 0; i < s.size(); ++i) names_[names_used_++] = static_cast<std::uint8_t>(s[i]);
    return e;
  }
  [[nodiscard]] constexpr string_ref name_of(name_entry e) const noexcept { return string_ref(names_ + e.off, e.len); }

  constexpr result<std::uint16_t> add_name(name_entry* table, std::size_t& n, std::size_t cap, string_ref name) noexcept {
    if (n == cap || n >= 0xFFFF) return failure(errc::capacity_exhausted);
    table[n] = store(name);
    return static_cast<std::uint16_t>(n++);
  }
  constexpr result<range> refs(id_list ids, std::size_t limit) noexcept {
    if (ids.size() > L.type_refs - refs_used_) return failure(errc::capacity_exhausted);
    range r{static_cast<std::uint32_t>(refs_used_), static_cast<std::uint32_t>(ids.size())};
    for (auto id : ids) {
      if (id >= limit) return failure(errc::bad_reference);
      refs_[refs_used_++] = id;
    }
    return r;
  }
  constexpr result<void> set_mls(label_entry& e, mls_spec s, mls_spec i) noexcept {
    auto sc = refs(s.categories, categories_);
    if (!sc) return failure(sc.error());
    auto ic = refs(i.categories, categories_);
    if (!ic) return failure(ic.error());
    e.mls = {s.level, i.level, sc.value(), ic.value()};
    return success;
  }

  [[nodiscard]] constexpr detail::format::counts counts() const noexcept {
    detail::format::counts c;
    c.te = te_count_;
    c.cw = cw_count_;
    c.conflicts = cs_count_;
    c.vm_labels = vm_count_;
    c.res_labels = res_count_;
    c.categories = mls_on_ ? categories_ : 0;
    c.mls = mls_on_;
    c.renames = rn_count_;
    return c;
  }
  [[nodiscard]] constexpr std::size_t strings_size() const noexcept {
    std::size_t n = policy_name_.len;
    for (std::size_t i = 0; i < te_count_; ++i) n += te_[i].len;
    for (std::size_t i = 0; i < cw_count_; ++i) n += cw_[i].len;
    for (std::size_t i = 0; i < cs_count_; ++i) n += cs_[i].name.len;
    for (std::size_t i = 0; i < vm_count_; ++i) n += vm_[i].name.len;
    for (std::size_t i = 0; i < res_count_; ++i) n += res_[i].name.len;
    for (std::size_t i = 0; i < rn_count_; ++i) n += rn_[i].from.len;
    return n;
  }

  // The permutation that sorts a table by name; ties are duplicates.
  template <class GetName>
  constexpr result<void, load_error> sort_table(std::uint16_t* order, std::size_t n, GetName name,
                                                policy_section s) const noexcept {
    for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint16_t>(i);
    detail::heap_sort(order, n, [&](std::uint16_t a, std::uint16_t b) { return name(a) < name(b); });
    for (std::size_t i = 1; i < n; ++i)
      if (name(order[i - 1]) == name(order[i]))
        return failure(load_error(errc::duplicate_name, s, 0, order[i], order[i - 1]));
    return success;
  }

  policy_version version_;
  name_entry policy_name_{}, bootstrap_{};
  bool has_bootstrap_ = false, te_on_ = false, cw_on_ = false, mls_on_ = false, overflow_ = false;
  std::uint16_t categories_ = 0;
  std::uint8_t hash_[32] = {};

  name_entry te_[L.te_types == 0 ? 1 : L.te_types] = {};
  name_entry cw_[L.cw_types == 0 ? 1 : L.cw_types] = {};
  set_entry cs_[L.conflict_sets == 0 ? 1 : L.conflict_sets] = {};
  label_entry vm_[L.vm_labels == 0 ? 1 : L.vm_labels] = {};
  label_entry res_[L.resource_labels == 0 ? 1 : L.resource_labels] = {};
  std::size_t te_count_ = 0, cw_count_ = 0, cs_count_ = 0, vm_count_ = 0, res_count_ = 0;

  std::uint16_t refs_[L.type_refs == 0 ? 1 : L.type_refs] = {};
  std::size_t refs_used_ = 0;
  std::uint8_t names_[L.name_bytes == 0 ? 1 : L.name_bytes] = {};
  std::size_t names_used_ = 0;

  // Scratch for build(): sort orders and id remapping.
  std::uint16_t te_order_[L.te_types == 0 ? 1 : L.te_types] = {};
  std::uint16_t te_rank_[L.te_types == 0 ? 1 : L.te_types] = {};
  std::uint16_t cw_order_[L.cw_types == 0 ? 1 : L.cw_types] = {};
  std::uint16_t cw_rank_[L.cw_types == 0 ? 1 : L.cw_types] = {};
  std::uint16_t cs_order_[L.conflict_sets == 0 ? 1 : L.conflict_sets] = {};
  std::uint16_t vm_order_[L.vm_labels == 0 ? 1 : L.vm_labels] = {};
  std::uint16_t res_order_[L.resource_labels == 0 ? 1 : L.resource_labels] = {};
  std::uint16_t vm_rank_[L.vm_labels == 0 ? 1 : L.vm_labels] = {};
  std::uint16_t res_rank_[L.resource_labels == 0 ? 1 : L.resource_labels] = {};

  rename_entry rn_[L.renames == 0 ? 1 : L.renames] = {};
  std::size_t rn_count_ = 0;
  std::uint16_t rn_order_[L.renames == 0 ? 1 : L.renames] = {};
};

template <builder_limits L>
constexpr result<std::size_t, load_error> policy_builder<L>::build(std::uint8_t* out, std::size_t cap) noexcept {
  if (overflow_) return failure(load_error(errc::capacity_exhausted, policy_section::strings));
  const std::size_t total = size();
  if (out == nullptr || cap < total || total > detail::format::max_total) return failure(load_error(errc::capacity_exhausted));
  auto boot = canonicalise();
  if (!boot) return failure(boot.error());

  for (std::size_t i = 0; i < total; ++i) out[i] = 0;
  write_header(out, total, boot.value());
  write_tables(out);
  detail::xxh64_state h;
  h.update(out, total);  // the checksum field is still zero
  detail::store_le<std::uint64_t>(out + detail::format::off::checksum, h.digest());

  // The loader is the definition of a valid policy: never hand out anything it would refuse.
  auto v = policy_view::load(byte_view(out, total));
  if (!v) return failure(v.error());
  return total;
}

template <builder_limits L>
constexpr result<std::uint16_t, load_error> policy_builder<L>::canonicalise() noexcept {
  namespace f = detail::format;
  auto te_name = [&](std::uint16_t i) { return name_of(te_[i]); };
  auto cw_name = [&](std::uint16_t i) { return name_of(cw_[i]); };
  auto cs_name = [&](std::uint16_t i) { return name_of(cs_[i].name); };
  auto vm_name = [&](std::uint16_t i) { return name_of(vm_[i].name); };
  auto res_name = [&](std::uint16_t i) { return name_of(res_[i].name); };
  if (auto r = sort_table(te_order_, te_count_, te_name, policy_section::te_types); !r) return failure(r.error());
  if (auto r = sort_table(cw_order_, cw_count_, cw_name, policy_section::cw_types); !r) return failure(r.error());
  if (auto r = sort_table(cs_order_, cs_count_, cs_name, policy_section::conflict_sets); !r) return failure(r.error());
  if (auto r = sort_table(vm_order_, vm_count_, vm_name, policy_section::vm_labels); !r) return failure(r.error());
  if (auto r = sort_table(res_order_, res_count_, res_name, policy_section::resource_labels); !r) return failure(r.error());
  for (std::size_t i = 0; i < te_count_; ++i) te_rank_[te_order_[i]] = static_cast<std::uint16_t>(i);
  for (std::size_t i = 0; i < cw_count_; ++i) cw_rank_[cw_order_[i]] = static_cast<std::uint16_t>(i);
  for (std::size_t i = 0; i < vm_count_; ++i) vm_rank_[vm_order_[i]] = static_cast<std::uint16_t>(i);
  for (std::size_t i = 0; i < res_count_; ++i) res_rank_[res_order_[i]] = static_cast<std::uint16_t>(i);
  // Renames sort by kind, then old name; one old name renamed twice (per kind) is a duplicate.
  for (std::size_t i = 0; i < rn_count_; ++i) rn_order_[i] = static_cast<std::uint16_t>(i);
  auto rn_less = [&](std::uint16_t a, std::uint16_t b) {
    return rn_[a].kind != rn_[b].kind ? rn_[a].kind < rn_[b].kind : name_of(rn_[a].from) < name_of(rn_[b].from);
  };
  detail::heap_sort(rn_order_, rn_count_, rn_less);
  for (std::size_t i = 1; i < rn_count_; ++i)
    if (!rn_less(rn_order_[i - 1], rn_order_[i]))
      return failure(load_error(errc::duplicate_name, policy_section::renames, 0, rn_order_[i], rn_order_[i - 1]));

  std::uint16_t boot = f::no_bootstrap;
  if (has_bootstrap_) {
    const string_ref want = name_of(bootstrap_);
    for (std::size_t i = 0; i < vm_count_ && boot == f::no_bootstrap; ++i)
      if (name_of(vm_[vm_order_[i]].name) == want) boot = static_cast<std::uint16_t>(i);
    if (boot == f::no_bootstrap) return failure(load_error(errc::bad_reference, policy_section::header, f::off::bootstrap));
  }
  return boot;
}

template <builder_limits L>
constexpr void policy_builder<L>::write_header(std::uint8_t* out, std::size_t total, std::uint16_t boot) const noexcept {
  namespace f = detail::format;
  using detail::store_le;
  const f::counts c = counts();
  const f::layout l(c);
  const std::uint16_t minor = rn_count_ != 0 ? f::minor_renames : std::uint16_t{0};
  for (std::size_t i = 0; i < sizeof f::magic; ++i) out[f::off::magic + i] = f::magic[i];
  store_le<std::uint16_t>(out + f::off::major, f::major);
  store_le<std::uint16_t>(out + f::off::minor, minor);
  store_le<std::uint32_t>(out + f::off::header_size, f::header_size);
  store_le<std::uint32_t>(out + f::off::total_size, static_cast<std::uint32_t>(total));
  store_le<std::uint32_t>(out + f::off::flags, (te_on_ ? f::flag_te : 0u) | (cw_on_ ? f::flag_cw : 0u) | (mls_on_ ? f::flag_mls : 0u));
  for (std::size_t i = 0; i < 32; ++i) out[f::off::source_hash + i] = hash_[i];
  store_le<std::uint32_t>(out + f::off::version_major, version_.major);
  store_le<std::uint32_t>(out + f::off::version_minor, version_.minor);
  store_le<std::uint16_t>(out + f::off::bootstrap, boot);
  // The counts and section offsets: every field of those rules the description has.
  for (const f::header_field& field : f::header_fields) {
    if (field.since > minor || minor > field.until) continue;
    if (field.check == f::rule::count) f::write(out, field, c.of(field.section));
    if (field.check == f::rule::section) f::write(out, field, f::table_of(l, c, field.section).base);
  }
  store_le<std::uint32_t>(out + f::off::strings_size, static_cast<std::uint32_t>(strings_size()));
}

template <builder_limits L>
constexpr void policy_builder<L>::write_tables(std::uint8_t* out) const noexcept {
  namespace f = detail::format;
  using detail::store_le;
  const f::counts c = counts();
  const f::layout l(c);
  // Strings are appended in table order (f::named_tables); a name_ref records where.
  std::size_t str = 0;
  auto put_name = [&](std::uint64_t at, name_entry e) {
    store_le<std::uint32_t>(out + at, static_cast<std::uint32_t>(str));
    store_le<std::uint32_t>(out + at + 4, e.len);
    for (std::uint32_t i = 0; i < e.len; ++i) out[l.strings + str + i] = names_[e.off + i];
    str += e.len;
  };
  // A set from a range of refs, remapped through `rank` (nullptr: numbers are final).
  auto put_set = [&](std::uint64_t at, range r, const std::uint16_t* rank) {
    for (std::uint32_t k = 0; k < r.count; ++k) {
      const std::uint16_t id = rank != nullptr ? rank[refs_[r.first + k]] : refs_[r.first + k];
      const std::uint64_t w = at + 8 * (id / 64);
      store_le<std::uint64_t>(out + w, detail::load_u64(out + w) | (std::uint64_t{1} << (id % 64)));
    }
  };
  auto put_mls = [&](std::uint64_t rec, const mls_entry& m) {
    store_le<std::uint16_t>(out + rec + f::rec::secrecy, m.s_level);
    store_le<std::uint16_t>(out + rec + f::rec::integrity, m.i_level);
    put_set(rec + f::rec::categories, m.s_cats, nullptr);
    put_set(rec + f::rec::categories + 8 * l.cat_words, m.i_cats, nullptr);
  };
  // A label's span: the first and one past the last non-zero word of a set just written.
  auto put_span = [&](std::uint64_t at, std::uint64_t words_at, std::uint64_t words) {
    std::uint16_t lo = 0, hi = 0;
    for (std::uint64_t w = 0; w < words; ++w) {
      if (detail::load_u64(out + words_at + 8 * w) == 0) continue;
      if (hi == 0) lo = static_cast<std::uint16_t>(w);
      hi = static_cast<std::uint16_t>(w + 1);
    }
    store_le<std::uint16_t>(out + at, lo);
    store_le<std::uint16_t>(out + at + 2, hi);
  };

  put_name(f::off::name_off, policy_name_);
  for (std::size_t i = 0; i < te_count_; ++i) put_name(l.te_types + f::name_ref_size * i, te_[te_order_[i]]);
  for (std::size_t i = 0; i < cw_count_; ++i) put_name(l.cw_types + f::name_ref_size * i, cw_[cw_order_[i]]);
  for (std::size_t i = 0; i < cs_count_; ++i) {
    const auto& e = cs_[cs_order_[i]];
    const std::uint64_t rec = l.conflicts + l.conflict_stride * i;
    put_name(rec, e.name);
    put_set(rec + f::rec::conflict_set, e.types, cw_rank_);
  }
  for (std::size_t i = 0; i < vm_count_; ++i) {
    const auto& e = vm_[vm_order_[i]];
    const std::uint64_t rec = l.vm_labels + l.vm_stride * i;
    put_name(rec, e.name);
    put_set(rec + f::rec::sets, e.te, te_rank_);
    put_set(rec + f::rec::sets + 8 * l.te_words, e.cw, cw_rank_);
    put_span(rec + f::rec::te_span, rec + f::rec::sets, l.te_words);
    put_span(rec + f::rec::cw_span, rec + f::rec::sets + 8 * l.te_words, l.cw_words);
    if (mls_on_) put_mls(l.mls + l.mls_stride * i, e.mls);
  }
  for (std::size_t i = 0; i < res_count_; ++i) {
    const auto& e = res_[res_order_[i]];
    const std::uint64_t rec = l.res_labels + l.res_stride * i;
    put_name(rec, e.name);
    put_set(rec + f::rec::sets, e.te, te_rank_);
    put_span(rec + f::rec::te_span, rec + f::rec::sets, l.te_words);
    if (mls_on_) put_mls(l.mls + l.mls_stride * (vm_count_ + i), e.mls);
  }
  for (std::size_t i = 0; i < rn_count_; ++i) {
    const auto& e = rn_[rn_order_[i]];
    const std::uint64_t rec = l.renames + f::rename_size * i;
    put_name(rec, e.from);
    store_le<std::uint16_t>(out + rec + f::rec::kind, e.kind);
    store_le<std::uint16_t>(out + rec + f::rec::label, e.kind == f::rename_vm ? vm_rank_[e.label] : res_rank_[e.label]);
  }
}

}  // namespace shype
