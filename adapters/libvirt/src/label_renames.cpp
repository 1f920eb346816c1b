// SPDX-License-Identifier: Apache-2.0
#include "label_renames.hpp"

namespace shype::libvirt {
namespace {

/// The new name of `old_name` if `next` renames it, else "".
std::string renamed(const shype::policy_view& next, shype::label_kind k, const std::string& old_name) {
  if (old_name.empty()) return {};
  const shype::string_ref old_ref(old_name.data(), old_name.size());
  const std::uint16_t to = next.find_rename(k, old_ref);
  if (to == shype::policy_view::npos) return {};
  const shype::string_ref n = k == shype::label_kind::vm ? next.vm_label(to).name() : next.resource_label(to).name();
  std::string out(n.data(), n.size());
  return out == old_name ? std::string() : out;
}

}  // namespace

std::vector<std::string> rename_labels(host_state& s, const shype::policy_view& next, bool apply) {
  std::vector<std::string> lines;
  for (auto& d : s.domains) {
    const std::string who = "domain '" + d.name + "'";
    if (const std::string to = renamed(next, shype::label_kind::vm, d.label); !to.empty()) {
      lines.push_back(who + ": label " + d.label + " -> " + to + " (its libvirt <metadata> still names " + d.label +
                      ": update it before the domain starts again)");
      if (apply) d.label = to;
    }
    for (auto& k : d.disks) {
      if (const std::string to = renamed(next, shype::label_kind::resource, k.label); !to.empty()) {
        lines.push_back(who + ": disk " + k.key + ": label " + k.label + " -> " + to);
        if (apply) k.label = to;
      }
    }
    for (auto& p : d.ports) {
      if (const std::string to = renamed(next, shype::label_kind::resource, p.label); !to.empty()) {
        lines.push_back(who + ": network " + p.network + " port " + p.portid + ": label " + p.label + " -> " + to +
                        " (the network's libvirt <metadata> still names " + p.label + ")");
        if (apply) p.label = to;
      }
    }
  }
  return lines;
}

}  // namespace shype::libvirt
