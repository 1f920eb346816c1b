// SPDX-License-Identifier: Apache-2.0
#pragma once
// Policies the tests share, built with shype::policy_builder. Freestanding-friendly (used by the
// -nostdlib test program too): fixed buffers, no standard library containers.
//
// paper_policy: the customer-order scenario of the sHype paper (Figure 2). TE types are the
// coalitions Order, Advertising and Computing; dom0 and the device domain (the MAC domain serving
// vDisk Order and vDisk Ads) belong to several. Two competing advertisers, AdsA and AdsB, are in
// one Chinese Wall conflict set, so they never run on one host at a time.

#include <cstddef>
#include <cstdint>

#include <shype/byte_view.hpp>
#include <shype/policy_builder.hpp>

namespace shype_test {

template <std::size_t N = 4096>
struct policy_buffer {
  std::uint8_t bytes[N] = {};
  std::size_t size = 0;
  bool ok = false;
  [[nodiscard]] constexpr shype::byte_view view() const noexcept { return {bytes, size}; }
};

inline constexpr shype::builder_limits test_limits{
    .te_types = 64, .cw_types = 64, .conflict_sets = 16, .vm_labels = 64, .resource_labels = 16, .type_refs = 512, .name_bytes = 2048};
using builder = shype::policy_builder<test_limits>;

/// Variants of the paper policy, for policy changes.
enum class paper_variant {
  v1,            ///< as in the paper
  ads_joins_order,  ///< Advertising VMs also become members of Order (a change that adds sharing)
  order_split,   ///< the device domain no longer serves Order: Order loses its disk and dom0 link stays
  orders_in_conflict,  ///< Order and Computing put in a conflict set (rejected while both run)
  no_computing,  ///< the computing label is removed (rejected while a computing VM exists)
};

template <std::size_t N = 4096>
constexpr policy_buffer<N> paper_policy(paper_variant v = paper_variant::v1) noexcept {
  builder b("customer-order", {1, v == paper_variant::v1 ? 0u : 1u});
  const auto order = b.te_type("Order").value();
  const auto ads = b.te_type("Advertising").value();
  const auto comp = b.te_type("Computing").value();
  const auto cw_order = b.cw_type("OrderCo").value();
  const auto cw_a = b.cw_type("AdsA").value();
  const auto cw_b = b.cw_type("AdsB").value();
  const auto cw_comp = b.cw_type("ComputeCo").value();
  (void)b.conflict_set("advertisers", {cw_a, cw_b});
  if (v == paper_variant::orders_in_conflict) (void)b.conflict_set("order_vs_compute", {cw_order, cw_comp});
  (void)b.vm_label("dom0", {order, ads, comp}, {});
  if (v == paper_variant::order_split)
    (void)b.vm_label("device", {ads}, {});
  else
    (void)b.vm_label("device", {order, ads}, {});
  (void)b.vm_label("order", {order}, {cw_order});
  if (v == paper_variant::ads_joins_order) {
    (void)b.vm_label("ads_a", {ads, order}, {cw_a});
    (void)b.vm_label("ads_b", {ads, order}, {cw_b});
  } else {
    (void)b.vm_label("ads_a", {ads}, {cw_a});
    (void)b.vm_label("ads_b", {ads}, {cw_b});
  }
  if (v != paper_variant::no_computing) (void)b.vm_label("computing", {comp}, {cw_comp});
  (void)b.resource_label("vdisk_order", {order});
  (void)b.resource_label("vdisk_ads", {ads});
  b.bootstrap("dom0");
  policy_buffer<N> out;
  auto r = b.build(out.bytes, N);
  out.ok = r.has_value();
  out.size = r.has_value() ? r.value() : 0;
  return out;
}

}  // namespace shype_test
