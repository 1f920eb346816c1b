// SPDX-License-Identifier: Apache-2.0
#pragma once
// The commands a scenario is made of, shared by the RapidCheck generators and the fuzzer.
//
// A command holds small numbers, not domain ids: they are *selectors*, resolved against the
// state when the command runs (harness.hpp). "The 3rd domain on host 1" is meaningful in any
// state, so every command is valid everywhere, shrinking never produces an invalid sequence,
// and the fuzzer's bytes decode into commands that reach deep states instead of errors. A
// selector at or above `raw_selector` is taken literally instead (an unknown id or label), so
// the error paths are exercised too.

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <vector>

#include "policy_spec.hpp"

namespace shype_model {

enum class op : std::uint8_t {
  create,           ///< domain_create / migrate_in / domain_restore(d, l) in one step
  prepare,          ///< prepare_start left pending (the hypervisor is building the domain)
  commit,           ///< commit_start
  abort,            ///< abort_start
  destroy,
  save,
  restore,          ///< domain_restore, with or without a label
  migrate,          ///< prepare on the destination, migrate_out at the source, commit
  evtchn_unbound,
  evtchn_bind,
  grant_map,        ///< read-only or read-write
  grant_copy,
  close,            ///< evtchn_close / grant_unmap / resource_detach, right or wrong kind, or stale
  resource_access,
  resource_attach,
  query,            ///< coalition
  authorize,        ///< authorize_management
  relabel,
  change_policy,    ///< one host: apply, dry run, or corrupted bytes
  change_all,       ///< every host: dry run everywhere, then apply everywhere
  reload,           ///< load_initial on a loaded monitor
};
inline constexpr std::size_t op_count = 21;

inline const char* to_string(op o) {
  constexpr const char* names[op_count] = {
      "create", "prepare", "commit", "abort", "destroy", "save", "restore", "migrate", "evtchn_unbound", "evtchn_bind",
      "grant_map", "grant_copy", "close", "resource_access", "resource_attach", "query", "authorize", "relabel",
      "change_policy", "change_all", "reload"};
  const auto i = static_cast<std::size_t>(o);
  return i < op_count ? names[i] : "?";
}

/// Selectors below this pick among the candidates that exist; at or above, they are literal.
inline constexpr std::uint8_t raw_selector = 0xE0;

struct command {
  op code = op::create;
  std::uint8_t host = 0, host2 = 0;  ///< host selectors (host2: migration target)
  std::uint8_t a = 0, b = 0;         ///< domain selectors (subject, object)
  std::uint8_t label = 0;            ///< label or resource selector
  std::uint8_t flag = 0;             ///< variant: hook, access mode, change mode, ...
  std::uint16_t pick = 0;            ///< binding selector, byte to corrupt
  raw_policy policy{};               ///< change_policy, change_all
};

/// A whole test input: the policy every host boots with, then the commands.
struct scenario {
  raw_policy initial{};
  std::vector<command> commands;
};

inline std::ostream& operator<<(std::ostream& os, const command& c) {
  os << to_string(c.code) << "(h" << unsigned{c.host} << " h" << unsigned{c.host2} << " a" << unsigned{c.a} << " b"
     << unsigned{c.b} << " l" << unsigned{c.label} << " f" << unsigned{c.flag} << " p" << c.pick;
  if (c.code == op::change_policy || c.code == op::change_all) os << " " << c.policy;
  return os << ")";
}

/// Reads a fuzzer's bytes; past the end every byte reads as zero.
class byte_reader {
 public:
  byte_reader(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  [[nodiscard]] bool done() const { return i_ >= n_; }
  std::uint8_t u8() { return i_ < n_ ? p_[i_++] : std::uint8_t{0}; }
  std::uint16_t u16() {
    const auto lo = u8();
    return static_cast<std::uint16_t>(lo | (u8() << 8));
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t i_ = 0;
};

inline raw_policy read_policy(byte_reader& r) {
  raw_policy p;
  p.te_mask = r.u16();
  p.cw_mask = r.u16();
  p.flags = r.u8();
  for (auto& c : p.conflicts) c = r.u16();
  p.labels = r.u8();
  for (std::size_t i = 0; i < label_pool; ++i) {
    p.label_te[i] = r.u16();
    p.label_cw[i] = r.u16();
  }
  p.resources = r.u8();
  for (auto& t : p.resource_te) t = r.u16();
  p.bootstrap = r.u8();
  p.order = r.u8();
  p.version = r.u8();
  if ((p.flags & 4u) != 0) {  // MLS bytes only when there is an MLS section: keeps inputs short
    p.categories = r.u8();
    for (auto& s : p.secrecy) s = r.u8();
    for (auto& s : p.integrity) s = r.u8();
  }
  return p;
}

inline void write_policy(std::vector<std::uint8_t>& out, const raw_policy& p) {
  auto u16 = [&](std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
  };
  u16(p.te_mask);
  u16(p.cw_mask);
  out.push_back(p.flags);
  for (auto c : p.conflicts) u16(c);
  out.push_back(p.labels);
  for (std::size_t i = 0; i < label_pool; ++i) {
    u16(p.label_te[i]);
    u16(p.label_cw[i]);
  }
  out.push_back(p.resources);
  for (auto t : p.resource_te) u16(t);
  out.push_back(p.bootstrap);
  out.push_back(p.order);
  out.push_back(p.version);
  if ((p.flags & 4u) != 0) {
    out.push_back(p.categories);
    for (auto s : p.secrecy) out.push_back(s);
    for (auto s : p.integrity) out.push_back(s);
  }
}

/// Bytes -> scenario (the fuzzer's decoder): the initial policy, then commands of 9 bytes
/// (opcode, host, host2, a, b, label, flag, pick) each, a policy after the change commands.
/// The initial policy is cut to the monitors' capacities so that every host can boot.
inline scenario decode(const std::uint8_t* data, std::size_t size, std::size_t max_commands) {
  byte_reader r(data, size);
  scenario s;
  s.initial = read_policy(r);
  s.initial.te_mask &= 0xFF;
  s.initial.cw_mask &= 0xFF;
  while (!r.done() && s.commands.size() < max_commands) {
    command c;
    c.code = static_cast<op>(r.u8() % op_count);
    c.host = r.u8();
    c.host2 = r.u8();
    c.a = r.u8();
    c.b = r.u8();
    c.label = r.u8();
    c.flag = r.u8();
    c.pick = r.u16();
    if (c.code == op::change_policy || c.code == op::change_all) c.policy = read_policy(r);
    s.commands.push_back(c);
  }
  return s;
}

/// scenario -> bytes that decode() reads back as the same scenario (for seed corpora).
inline std::vector<std::uint8_t> encode(const scenario& s) {
  std::vector<std::uint8_t> out;
  write_policy(out, s.initial);
  for (const auto& c : s.commands) {
    out.push_back(static_cast<std::uint8_t>(c.code));
    for (auto v : {c.host, c.host2, c.a, c.b, c.label, c.flag}) out.push_back(v);
    out.push_back(static_cast<std::uint8_t>(c.pick));
    out.push_back(static_cast<std::uint8_t>(c.pick >> 8));
    if (c.code == op::change_policy || c.code == op::change_all) write_policy(out, c.policy);
  }
  return out;
}

}  // namespace shype_model
