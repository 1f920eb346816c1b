// SPDX-License-Identifier: Apache-2.0
// A host record replayed into a monitor, and what plan, place and status ask of it.
#include <set>

#include "fleet/fleet.hpp"
#include "fleet/revision.hpp"

namespace shype::libvirt::fleet {

result<replayed_host> replay(const host_record& rec) {
  replayed_host h;
  h.rec = rec;
  const std::string where = "host " + rec.host;
  if (sha256_hex(std::string(rec.policy.begin(), rec.policy.end())) != rec.policy_sha256)
    return error(where + ": the published policy does not match its SHA-256");
  auto st = parse_state(rec.state, where + " (published state)");
  if (!st) return std::move(st).failure();
  h.state = std::move(*st);
  auto eng = engine::load(rec.policy);
  if (!eng) return error(where + ": published policy: " + eng.message());
  h.eng = std::move(*eng);
  std::string map_text;
  for (const auto& m : rec.map) map_text += m + "\n";
  auto map = label_map::parse(map_text, where + " (published disk label map)");
  if (!map) return std::move(map).failure();
  h.map = std::move(*map);
  h.cfg.file = where + " (published configuration)";
  h.cfg.unlabelled_label = rec.unlabelled_domains == "refuse" ? std::string() : rec.unlabelled_domains;
  h.cfg.suspend_on_revoked_disk = rec.suspend_on_revoked_disk;
  h.problems = rec.problems;
  for (const auto& d : h.state.domains) {
    const std::string why = h.eng->admit(d, shype::hook::domain_create);
    if (!why.empty()) h.problems.push_back("admitted domain '" + d.name + "' (label " + d.label + ") cannot be placed: " + why);
  }
  return h;
}

change_plan plan_host(replayed_host& h, const std::vector<std::uint8_t>& next) {
  return plan_change_policy({h.cfg, h.map, *h.eng, h.problems, h.state, next});
}

std::string place_on(replayed_host& h, const std::string& label) {
  if (!h.problems.empty()) return "the host is out of line with its policy: " + h.problems.front();
  domain_entry probe;
  probe.uuid = "shype-fleet-place-probe";
  probe.name = "(new)";
  probe.label = label;
  return h.eng->admit(probe, shype::hook::domain_create);
}

std::string cw_occupancy(const replayed_host& h) {
  const auto v = h.eng->policy();
  std::set<std::string> names;
  for (const auto& d : h.eng->placed()) {
    const auto l = v.find_vm_label(shype::string_ref(d.label.data(), d.label.size()));
    if (l == shype::no_label) continue;
    const auto cw = v.vm_label(l).cw();
    for (std::size_t t = 0; t < v.cw_type_count(); ++t)
      if (((cw.word(t / 64) >> (t % 64)) & 1u) != 0) {
        const auto n = v.cw_type_name(t);
        names.insert(std::string(n.data(), n.size()));
      }
  }
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

}  // namespace shype::libvirt::fleet
