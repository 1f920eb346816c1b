// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the binary policy loader (policy_view::load), the hypervisor's only parser.
//
// Each input is tried twice: as given, and with total_size and the checksum fixed up, so that
// mutations get past those two gates and reach the tables behind them. Oracles:
//   * loading is deterministic, and a refusal points inside the buffer;
//   * round trip: whatever loads is written again through policy_builder (the one writer of
//     the format) from what the view shows, and must come out byte for byte the same — a loader
//     that accepted anything non-canonical (unsorted names, stray bits, garbage in padding,
//     odd offsets) would fail here;
//   * decisions: a monitor<chinese_wall, type_enforcement> (plus Bell-LaPadula and Biba when
//     there is an MLS section) loaded with it decides placement, sharing, access and coalitions
//     of every pair of (the first) labels as the naive model does from the names and sets, and
//     every name is found by the binary search.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <shype/bell_lapadula.hpp>
#include <shype/biba.hpp>
#include <shype/chinese_wall.hpp>
#include <shype/detail/le.hpp>
#include <shype/detail/policy_format.hpp>
#include <shype/detail/xxh64.hpp>
#include <shype/monitor.hpp>
#include <shype/policy_view.hpp>
#include <shype/type_enforcement.hpp>

#include "fuzz_check.hpp"
#include "shype_model/policy_spec.hpp"
#include "shype_model/rebuild.hpp"

namespace {

using shype_fuzz::require;
using namespace shype_model;
namespace fmt = shype::detail::format;

constexpr shype::monitor_limits limits{.max_domains = 4, .cache_sets = 2, .cache_ways = 2, .max_bindings = 2, .audit_entries = 2};
constexpr std::size_t types = 256;
constexpr std::size_t categories = 64;
using plain = shype::basic_monitor<limits, shype::no_locking, shype::chinese_wall<types>, shype::type_enforcement<types>>;
using mls = shype::basic_monitor<limits, shype::no_locking, shype::chinese_wall<types>, shype::type_enforcement<types>,
                                 shype::bell_lapadula<categories>, shype::biba<categories>>;
constexpr std::size_t max_labels = 6;  // pairs checked per input: enough to meet every rule, fast enough to fuzz

std::string at(std::size_t i, std::size_t j) { return " (labels " + std::to_string(i) + ", " + std::to_string(j) + ")"; }

/// Decisions of a loaded monitor against the naive rules on the decoded policy.
template <class M>
void decide(const shype::policy_view& v, const policy_spec& p, bool with_mls) {
  auto m = std::make_unique<M>();
  const auto loaded = m->load_initial(v.bytes());
  if (v.te_type_count() > types || v.cw_type_count() > types || (with_mls && v.category_count() > categories)) {
    require(!loaded && loaded.error().code == shype::errc::too_large, "a policy beyond the monitor's capacity was accepted");
    return;
  }
  require(loaded.has_value(), "a monitor refused a policy the loader accepted");
  const std::size_t n = std::min(v.vm_label_count(), max_labels);
  const std::size_t nr = std::min(v.resource_label_count(), max_labels);
  for (std::size_t i = 0; i < n; ++i) {
    const label_spec& a = p.labels[i];
    const auto first = m->domain_create(0, static_cast<shype::label_id>(i));
    require(first && first->permitted(), "a label cannot start on an empty host" + at(i, i));
    for (std::size_t r = 0; r < nr; ++r) {
      const resource_spec& x = p.resources[r];
      for (auto mode : {shype::access_mode::read, shype::access_mode::read_write}) {
        const bool rw = mode == shype::access_mode::read_write;
        bool naive = te_permits_access(p, a.name, x.name);
        if (with_mls) naive = naive && blp_flow(x, a) && (!rw || blp_flow(a, x)) && biba_flow(x, a) && (!rw || biba_flow(a, x));
        const auto got = m->resource_access(0, static_cast<shype::resource_id>(r), mode);
        require(got && got->permitted() == naive, "resource access differs from the naive rule" + at(i, r));
      }
    }
    for (std::size_t j = 0; j < n; ++j) {
      const label_spec& b = p.labels[j];
      const auto second = m->domain_create(1, static_cast<shype::label_id>(j));
      require(second.has_value(), "create failed" + at(i, j));
      require(second->permitted() == !cw_conflict(p, a.name, b.name), "placement differs from the naive Chinese Wall" + at(i, j));
      if (!second->permitted()) continue;
      for (auto k : {shype::hook::evtchn_bind, shype::hook::grant_map_ro, shype::hook::grant_map_rw, shype::hook::grant_copy}) {
        bool naive = te_permits(p, a.name, b.name);
        if (with_mls) {
          const bool fwd = one_way(k);
          naive = naive && blp_flow(a, b) && (fwd || blp_flow(b, a)) && biba_flow(a, b) && (fwd || biba_flow(b, a));
        }
        const auto got = m->evaluate(k, 0, 1);
        require(got && got->permitted() == naive, std::string("sharing (") + shype::to_string(k) + ") differs from the naive rule" + at(i, j));
      }
      const auto c = m->coalition(0, 1);
      require(c.has_value(), "coalition query failed" + at(i, j));
      name_set got, want;
      for (std::size_t t = 0; t < p.te_types.size(); ++t)
        if (c->contains(t)) got.insert(p.te_types[t]);
      for (const auto& t : a.te)
        if (b.te.count(t) != 0) want.insert(t);
      require(got == want, "coalition differs from the naive intersection" + at(i, j));
      require(m->domain_destroy(1).has_value(), "destroy failed" + at(i, j));
    }
    require(m->domain_destroy(0).has_value(), "destroy failed" + at(i, i));
  }
}

void check(const std::vector<std::uint8_t>& bytes) {
  const shype::byte_view in(bytes.data(), bytes.size());
  const auto v = shype::policy_view::load(in);
  const auto again = shype::policy_view::load(in);
  require(v.has_value() == again.has_value(), "loading the same bytes twice gave different answers");
  if (!v) {
    require(v.error() == again.error(), "loading the same bytes twice gave different errors");
    require(v.error().offset <= std::max<std::size_t>(bytes.size(), fmt::header_size), "a load error points outside the buffer");
    return;
  }
  const shype::policy_view view = v.value();
  require(view.bytes().data() == bytes.data() && view.bytes().size() == bytes.size(), "the view does not cover the buffer");

  const auto round = rebuild(view);
  if (!round) return;  // beyond what the rebuild is sized for (inputs this large are not generated)
  require(!round->empty(), "policy_builder refused to write what the loader accepted");
  if (*round != bytes) {
    std::size_t i = 0;
    while (i < round->size() && i < bytes.size() && (*round)[i] == bytes[i]) ++i;
    shype_fuzz::broken("the loader accepted a binary that is not canonical: re-written, it differs at offset " + std::to_string(i));
  }

  const policy_spec p = spec_of(view);
  for (std::size_t i = 0; i < p.labels.size(); ++i)
    require(view.find_vm_label(shype::string_ref(p.labels[i].name.data(), p.labels[i].name.size())) == i, "find_vm_label misses a label");
  for (std::size_t i = 0; i < p.resources.size(); ++i)
    require(view.find_resource_label(shype::string_ref(p.resources[i].name.data(), p.resources[i].name.size())) == i,
            "find_resource_label misses a label");
  for (std::size_t i = 0; i < p.te_types.size(); ++i)
    require(view.find_te_type(shype::string_ref(p.te_types[i].data(), p.te_types[i].size())) == i, "find_te_type misses a type");
  decide<plain>(view, p, false);
  if (view.has_mls()) decide<mls>(view, p, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> raw(data, data + size);
  check(raw);
  // The same bytes past the length and checksum gates.
  if (size >= fmt::header_size && size % 8 == 0) {
    std::vector<std::uint8_t> fixed = raw;
    shype::detail::store_le<std::uint32_t>(fixed.data() + fmt::off::total_size, static_cast<std::uint32_t>(size));
    shype::detail::xxh64_state h;
    h.update(fixed.data(), fmt::off::checksum);
    h.update_zeros(8);
    h.update(fixed.data() + fmt::off::checksum + 8, size - fmt::off::checksum - 8);
    shype::detail::store_le<std::uint64_t>(fixed.data() + fmt::off::checksum, h.digest());
    if (fixed != raw) check(fixed);
  }
  return 0;
}
