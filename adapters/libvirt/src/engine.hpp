// SPDX-License-Identifier: Apache-2.0
#pragma once
// The host's reference monitor, rebuilt for every decision.
//
// A hook runs as a short-lived process, so the monitor's state is replayed from the host state
// (host_state.hpp) each time: every admitted domain placed in admission order (Chinese Wall),
// every labelled disk and network port it uses attached as a resource (Type Enforcement), and
// every pair of domains that share a disk (one of them writing) or a network bound as sharing
// (Type Enforcement between the two). A new domain or port is then asked of the same monitor,
// and a live policy change is the monitor's own change_policy over that picture, so the
// decisions are exactly the library's.
//
// Refusals come back as one line naming the rule and the other party, e.g.
//   Chinese Wall: conflict set CompetingOEMs: domain 'alpha' (label dom_Ads_Alpha) runs here
//   with type cw_OEM_Alpha; this domain's type cw_OEM_Beta is in the same set

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#include "error.hpp"
#include "host_state.hpp"

namespace shype::libvirt {

/// One host's capacities. Sharing pairs grow with the square of the domains on one network.
inline constexpr shype::monitor_limits host_limits{1024, 64, 4, 65536, 16};
using host_monitor = shype::basic_monitor<host_limits, shype::no_locking, shype::chinese_wall<256>,
                                          shype::type_enforcement<256>>;

/// A registered binding, by what it stands for on the host.
struct binding_origin {
  enum class kind : std::uint8_t { disk_label, disk_share, port_label, port_share } what;
  std::size_t domain;      ///< index in placed()
  std::size_t item;        ///< its disk or port
  std::size_t other = 0;   ///< for a share: the other domain ...
  std::size_t other_item = 0;  ///< ... and its disk or port
};

/// What a policy change would do or did.
struct change_outcome {
  bool applied = false;               ///< permitted (dry run: would be)
  std::vector<std::string> refusals;  ///< why not, one line each
  std::vector<binding_origin> revoked;
};

class engine {
 public:
  /// Loads a binary policy (kept by the engine); an error if the monitor refuses it.
  static result<std::unique_ptr<engine>> load(std::vector<std::uint8_t> policy);

  [[nodiscard]] shype::policy_view policy() const { return mon_->policy(); }
  /// "'name' version 1.0"
  [[nodiscard]] std::string policy_title() const;

  /// Places a domain with its disks and ports (revoked ones left out). "" if it was admitted
  /// (it stays placed); otherwise why not, and nothing of it stays.
  std::string admit(const domain_entry& d, shype::hook op);
  /// Attaches a new port of a placed domain: "" or why not (then nothing of it stays).
  std::string admit_port(const std::string& owner_uuid, const port_use& p);

  [[nodiscard]] const std::vector<domain_entry>& placed() const noexcept { return placed_; }
  [[nodiscard]] const domain_entry* placed(const std::string& uuid) const;

  /// The live policy change over the placed domains (shype::basic_monitor::change_policy).
  /// On an applied change the engine holds the new policy.
  change_outcome change(std::vector<std::uint8_t> next, bool dry_run);

  /// Names of a label's TE types, "Order, Advertising" ("none" when empty).
  [[nodiscard]] std::string te_names_of_vm_label(const std::string& label) const;

 private:
  engine() = default;
  std::string attach_disks(std::size_t slot);
  std::string attach_port(std::size_t slot, std::size_t port, std::vector<shype::binding_handle>& made);
  std::uint64_t origin(binding_origin o);
  [[nodiscard]] std::string explain_conflict(shype::label_id l) const;
  [[nodiscard]] std::string describe(const domain_entry& d) const;

  std::vector<std::uint8_t> bytes_;   // the policy in force: the monitor reads it in place
  std::unique_ptr<host_monitor> mon_;
  std::vector<domain_entry> placed_;  // monitor domain id = index
  std::vector<binding_origin> origins_;  // binding cookie = index
};

}  // namespace shype::libvirt
