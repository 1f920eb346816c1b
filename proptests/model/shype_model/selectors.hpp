// SPDX-License-Identifier: Apache-2.0
#pragma once
// Selectors: how a command's bytes pick a host, a domain, a label or a resource against the
// model's state when the command runs (command.hpp says why commands are relative). Each one
// mostly picks something that fits and sometimes something that does not, so that errors are
// reached too: a selector at or above raw_selector, or nothing that fits, gives a raw id, which
// may be out of range.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "command.hpp"
#include "hosts.hpp"
#include "model.hpp"

namespace shype_model {

inline std::size_t host_of(std::uint8_t s) { return s % host_count; }

/// A domain of host h for which want(domain) holds, chosen by s.
template <class Want>
shype::domid_t pick(const model& m, std::size_t h, std::uint8_t s, Want want) {
  std::vector<shype::domid_t> c;
  for (std::size_t d = 0; d < max_dom; ++d)
    if (want(m.host[h].dom[d])) c.push_back(static_cast<shype::domid_t>(d));
  if (s < raw_selector && !c.empty()) return c[s % c.size()];
  return static_cast<shype::domid_t>(s % (max_dom + 1));  // max_dom itself: an id out of range
}
inline shype::domid_t running(const model& m, std::size_t h, std::uint8_t s) {
  return pick(m, h, s, [](const mdomain& d) { return d.state == mstate::running; });
}
/// A running domain other than `first` (the peer of a sharing hook), if there is one.
inline shype::domid_t peer(const model& m, std::size_t h, std::uint8_t s, shype::domid_t first) {
  const auto& dom = m.host[h].dom;
  return pick(m, h, s, [&](const mdomain& d) { return d.state == mstate::running && &d != (first < dom.size() ? &dom[first] : nullptr); });
}
inline shype::domid_t in_use(const model& m, std::size_t h, std::uint8_t s) {
  return pick(m, h, s, [](const mdomain& d) { return d.state != mstate::free; });
}
inline shype::domid_t free_id(const model& m, std::size_t h, std::uint8_t s) {
  return pick(m, h, s, [](const mdomain& d) { return d.state == mstate::free; });
}
inline shype::domid_t saved(const model& m, std::size_t h, std::uint8_t s) {
  return pick(m, h, s, [](const mdomain& d) { return d.state == mstate::saved; });
}
inline shype::domid_t starting(const model& m, std::size_t h, std::uint8_t s) {
  return pick(m, h, s, [](const mdomain& d) { return d.state == mstate::starting; });
}
/// The management subject: the hypervisor, a running domain (maybe the bootstrap one), or any id.
inline shype::domid_t subject(const model& m, std::size_t h, std::uint8_t s) { return s % 3 == 0 ? hv : running(m, h, s); }
inline shype::label_id label_sel(const model& m, std::size_t h, std::uint8_t s) {
  const auto n = m.spec(m.host[h]).labels.size();
  if (s == 0xFF) return shype::no_label;
  if (s < raw_selector && n != 0) return static_cast<shype::label_id>(s % n);
  return static_cast<shype::label_id>(n + s % 2);
}
inline shype::resource_id resource_sel(const model& m, std::size_t h, std::uint8_t s) {
  const auto n = m.spec(m.host[h]).resources.size();
  if (s < raw_selector && n != 0) return static_cast<shype::resource_id>(s % n);
  return static_cast<shype::resource_id>(n + s % 2);
}

}  // namespace shype_model
