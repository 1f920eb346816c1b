// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a live policy change renames on this host (Xen ACM's <Name from="old">new</Name>).
//
// The host state keeps labels by name: each admitted domain's VM label, and the resource label
// of each of its disks and network ports. A change whose policy renames a label carries those
// domains, disks and ports over to the new name (the monitor already decided under the new
// names); a label with no successor is left alone (its binding was revoked, or the change was
// refused). libvirt's own records still hold the old names: the lines returned say which to
// update before the domain starts again or the network is used by another domain.

#include <string>
#include <vector>

#include <shype/policy_view.hpp>

#include "host_state.hpp"

namespace shype::libvirt {

/// The renames `next` makes in `s`, one line each ("domain 'x': label a -> b ..."); applied to
/// `s` when `apply`.
[[nodiscard]] std::vector<std::string> rename_labels(host_state& s, const shype::policy_view& next, bool apply);

}  // namespace shype::libvirt
