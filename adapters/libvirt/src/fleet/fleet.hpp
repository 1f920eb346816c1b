// SPDX-License-Identifier: Apache-2.0
#pragma once
// The fleet layer (docs/fleet.md): one policy across many libvirt hosts, kept in etcd.
//   shype-libvirt agent            on each host: publishes the host, applies the revisions
//                                  assigned to it through change-policy, reports the outcome
//   shype-libvirt fleet VERB       for the operator (also `shype fleet VERB`): status, plan,
//                                  rollout, place, history, keygen
// Each host's hook stays the authority for its own decisions: the fleet layer only distributes
// revisions (signed, checked before use) and observes.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "engine.hpp"
#include "error.hpp"
#include "fleet/records.hpp"
#include "plan.hpp"

namespace shype::libvirt::fleet {

/// `shype-libvirt agent [--config FILE] [--once]`.
int run_agent(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `shype-libvirt fleet VERB ARGS...`.
int run_fleet(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// A host as its record describes it: its domains placed in a monitor with its policy in force.
struct replayed_host {
  host_record rec;
  host_state state;
  std::unique_ptr<engine> eng;
  std::vector<std::string> problems;  ///< admitted domains that cannot be placed, the host's own
  config cfg;                         ///< the parts of the host's configuration plans use
  label_map map;
};
/// Replays a record (pure): an error naming the host if its policy or state does not load.
[[nodiscard]] result<replayed_host> replay(const host_record& rec);

/// What `plan` says of one host: the change plan of `next` against its record.
[[nodiscard]] change_plan plan_host(replayed_host& h, const std::vector<std::uint8_t>& next);
/// "" if a new domain with `label` would be admitted on the host now (Chinese Wall), else why not.
/// An admitted probe stays placed in `h` (replaying a host costs a monitor: ask once per replay).
[[nodiscard]] std::string place_on(replayed_host& h, const std::string& label);
/// The Chinese Wall types of the domains running on the host, "cw_A, cw_B" ("none").
[[nodiscard]] std::string cw_occupancy(const replayed_host& h);

}  // namespace shype::libvirt::fleet
