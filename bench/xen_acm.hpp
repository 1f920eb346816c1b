// SPDX-License-Identifier: Apache-2.0
#pragma once
// Peer: the original Xen ACM's data layout (sHype as first merged into Xen, xen/acm/), written
// from its design as the paper and Xen's ACM describe it, not from its code.
//
// A label (ssidref) is one 16-bit flag per type: ste[ssidref * te_types + t] is 1 if the label
// holds TE type t, and likewise for Chinese Wall types and conflict sets. The STE decision scans
// two labels' flags for a common type; the Chinese Wall start check is the paper's section
// 4.3.3: find the conflict sets the label touches, then check whether any other type of such a
// set has a non-zero "Running CW Types" count. Each domain has an 8-entry STE decision cache
// (Xen ACM's ste_cache) holding the domain ids it was permitted to share with.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <shype/tool/io/decoded_policy.hpp>

namespace bench {

class xen_acm {
 public:
  explicit xen_acm(const shype::tool::decoded_policy& p)
      : te_(p.te_types.size()), cw_(p.cw_types.size()), sets_(p.conflict_sets.size()),
        ste_(p.vm_labels.size() * te_), cwf_(p.vm_labels.size() * cw_), conflict_(sets_ * cw_), running_(cw_) {
    for (std::size_t l = 0; l < p.vm_labels.size(); ++l) {
      for (auto t : p.vm_labels[l].te) ste_[l * te_ + t] = 1;
      for (auto c : p.vm_labels[l].cw) cwf_[l * cw_ + c] = 1;
    }
    for (std::size_t k = 0; k < sets_; ++k)
      for (auto c : p.conflict_sets[k].types) conflict_[k * cw_ + c] = 1;
  }

  /// STE: do the two labels have a TE type in common? A linear scan of 16-bit flags.
  [[nodiscard]] bool ste_permits(std::size_t a, std::size_t b) const noexcept {
    const std::uint16_t* x = &ste_[a * te_];
    const std::uint16_t* y = &ste_[b * te_];
    for (std::size_t t = 0; t < te_; ++t)
      if (x[t] != 0 && y[t] != 0) return true;
    return false;
  }

  /// Chinese Wall: may a domain with label l start, given what runs?
  [[nodiscard]] bool cw_permits(std::size_t l) const noexcept {
    const std::uint16_t* lab = &cwf_[l * cw_];
    for (std::size_t k = 0; k < sets_; ++k) {
      const std::uint16_t* set = &conflict_[k * cw_];
      bool touches = false;
      for (std::size_t t = 0; t < cw_ && !touches; ++t) touches = set[t] != 0 && lab[t] != 0;
      if (!touches) continue;
      for (std::size_t t = 0; t < cw_; ++t)
        if (set[t] != 0 && lab[t] == 0 && running_[t] != 0) return false;
    }
    return true;
  }
  void cw_start(std::size_t l) noexcept {
    for (std::size_t t = 0; t < cw_; ++t) running_[t] = static_cast<std::uint16_t>(running_[t] + cwf_[l * cw_ + t]);
  }

  /// Bytes of the label and conflict-set arrays (what the hypervisor keeps per policy).
  [[nodiscard]] std::size_t bytes() const noexcept {
    return 2 * (ste_.size() + cwf_.size() + conflict_.size() + running_.size());
  }
  [[nodiscard]] std::size_t te_types() const noexcept { return te_; }

 private:
  std::size_t te_, cw_, sets_;
  std::vector<std::uint16_t> ste_, cwf_, conflict_, running_;
};

/// Xen ACM's per-domain STE decision cache: 8 entries of (valid, peer domain id), scanned
/// linearly; only permits are cached.
struct acm_ste_cache {
  static constexpr std::size_t entries = 8;
  struct entry {
    std::uint16_t valid = 0;
    std::uint16_t id = 0;
  };
  entry e[entries];

  [[nodiscard]] bool hit(std::uint16_t peer) const noexcept {
    for (const auto& x : e)
      if (x.valid != 0 && x.id == peer) return true;
    return false;
  }
  void insert(std::uint16_t peer) noexcept {
    for (auto& x : e)
      if (x.valid == 0) {
        x = {1, peer};
        return;
      }
    e[peer % entries] = {1, peer};  // full: overwrite one
  }
};

}  // namespace bench
