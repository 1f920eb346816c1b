// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the libvirt adapter's state file (adapters/libvirt/src/host_state.hpp), which
// every hook call reads and writes under its lock.
//
// Two modes, by the first byte:
//   * even: the bytes are a state file. Parsing is deterministic; a refusal names the file and
//     a line; a state that parses is written again (render_state) and read back to the same
//     state, and writing that gives the same text (the writer's output is a fixed point);
//   * odd: the bytes build a host_state directly (any bytes in every text field: blanks, '%',
//     '-', newlines, NULs), which is written and read back: it must come back field for field
//     (write -> read round trip: the %-escaping must carry any text).

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "host_state.hpp"
#include "shype_model/command.hpp"

namespace lv = shype::libvirt;
using shype_fuzz::require;

namespace {

const std::string file = "state";

bool same(const lv::host_state& a, const lv::host_state& b) {
  if (a.next_seq != b.next_seq || a.changes != b.changes || a.daemon != b.daemon || a.policy != b.policy ||
      a.domains.size() != b.domains.size())
    return false;
  for (std::size_t i = 0; i < a.domains.size(); ++i) {
    const auto &x = a.domains[i], &y = b.domains[i];
    if (x.seq != y.seq || x.uuid != y.uuid || x.name != y.name || x.label != y.label || x.state != y.state ||
        x.libvirt_id != y.libvirt_id || x.daemon != y.daemon || x.suspended != y.suspended || x.disks.size() != y.disks.size() ||
        x.ports.size() != y.ports.size())
      return false;
    for (std::size_t k = 0; k < x.disks.size(); ++k) {
      const auto &p = x.disks[k], &q = y.disks[k];
      if (p.key != q.key || p.target != q.target || p.label != q.label || p.shareable != q.shareable || p.readonly != q.readonly ||
          p.revoked != q.revoked)
        return false;
    }
    for (std::size_t k = 0; k < x.ports.size(); ++k) {
      const auto &p = x.ports[k], &q = y.ports[k];
      if (p.network != q.network || p.portid != q.portid || p.mac != q.mac || p.label != q.label || p.revoked != q.revoked)
        return false;
    }
  }
  return true;
}

std::string text(shype_model::byte_reader& r, bool non_empty) {
  std::string s;
  const std::size_t n = r.u8() % 12;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(r.u8());
  if (non_empty && s.empty()) s = "x";
  return s;
}

/// A state built from the bytes, within what the adapter makes: sequence numbers from 1 in
/// admission order below next_seq, unique non-empty uuids, disks with keys, ports with ids.
lv::host_state build(shype_model::byte_reader& r) {
  lv::host_state s;
  s.changes = r.u16();
  s.daemon = text(r, false);
  s.policy = text(r, false);
  const std::size_t n = r.u8() % 6;
  for (std::size_t i = 0; i < n; ++i) {
    lv::domain_entry d;
    d.uuid = text(r, true) + "#" + std::to_string(i);  // unique
    d.name = text(r, false);
    d.label = text(r, false);
    const std::uint8_t f = r.u8();
    d.state = (f & 1u) != 0 ? lv::phase::running : lv::phase::admitted;
    d.suspended = (f & 2u) != 0;
    d.libvirt_id = static_cast<long>(static_cast<std::int16_t>(r.u16()));
    d.daemon = text(r, false);
    for (std::size_t k = 0, m = (f >> 2) % 4; k < m; ++k) {
      lv::disk_use u;
      u.key = text(r, true);
      u.target = text(r, false);
      u.label = text(r, false);
      const std::uint8_t g = r.u8();
      u.shareable = (g & 1u) != 0;
      u.readonly = (g & 2u) != 0;
      u.revoked = (g & 4u) != 0;
      d.disks.push_back(u);
    }
    for (std::size_t k = 0, m = (f >> 4) % 4; k < m; ++k) {
      lv::port_use p;
      p.network = text(r, false);
      p.portid = text(r, true);
      p.mac = text(r, false);
      p.label = text(r, false);
      p.revoked = (r.u8() & 1u) != 0;
      d.ports.push_back(p);
    }
    s.add(d);
  }
  s.next_seq += r.u8();  // gaps after deletions
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if ((data[0] & 1u) != 0) {
    shype_model::byte_reader r(data + 1, size - 1);
    const lv::host_state s = build(r);
    const std::string written = lv::render_state(s);
    const auto back = lv::parse_state(written, file);
    require(back.ok(), "a state the adapter wrote does not read back: " + back.message() + "\n" + written);
    require(same(*back, s), "a state read back differs from the one written:\n" + written);
    return 0;
  }
  const std::string in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto a = lv::parse_state(in, file), b = lv::parse_state(in, file);
  require(a.ok() == b.ok(), "parsing the same state twice gave different results");
  if (!a) {
    require(a.message() == b.message(), "parsing the same state twice gave different messages");
    for (const auto& l : a.failure().lines) require(l.rfind(file + ":", 0) == 0, "an error line that does not name the file: " + l);
    return 0;
  }
  const std::string written = lv::render_state(*a);
  const auto back = lv::parse_state(written, file);
  require(back.ok(), "a state that was read does not read back once written: " + back.message() + "\n" + written);
  require(same(*back, *a), "a state written and read back differs:\n" + written);
  require(lv::render_state(*back) == written, "writing a state read back gives other text");
  return 0;
}
