// SPDX-License-Identifier: Apache-2.0
#pragma once
// The fleet's configuration and what it keeps in etcd, under a prefix (default /shype/fleet):
//
//   PREFIX/revisions/NNNNNNNNNN  a signed policy revision (revision.hpp); written by the operator
//   PREFIX/assign/HOST           the revision number HOST is to enforce; written by the operator
//   PREFIX/current               the revision every host was given by the last rollout that went
//                                through all its waves: a host that was away catches up to it
//   PREFIX/hosts/HOST/state      HOST's live state (host_record), under HOST's lease
//   PREFIX/hosts/HOST/report     how HOST's last revision went (report), under HOST's lease
//
// Records are line-oriented text, one field per line, untrusted text escaped (util.hpp's
// one_line), with a first line naming the format and its version; a record that does not
// parse is reported by key, never used.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"

namespace shype::libvirt::fleet {

/// Limits: a host name is 1-64 of [A-Za-z0-9._-]; a host record at most 1 MiB; a fleet at most
/// 10,000 hosts (status, plan and rollout refuse a larger one); at most 4,096 lines in a report.
inline constexpr std::size_t max_host_name = 64;
inline constexpr std::size_t max_record_bytes = std::size_t{1} << 20;
inline constexpr std::size_t max_hosts = 10000;
inline constexpr std::size_t max_report_lines = 4096;
inline constexpr std::int64_t max_lease_ttl = 3600;

[[nodiscard]] bool valid_host_name(const std::string& h);

struct fleet_config {
  std::string file;
  std::vector<std::string> endpoints;
  std::string ca, cert, key, user, password_file;
  std::string prefix = "/shype/fleet";
  // agent
  std::string host;
  std::string public_key;                                  ///< the operator's public key file
  std::string libvirt_config = "/etc/shype/libvirt.conf";  ///< the adapter's configuration
  std::string agent_dir = "/var/lib/shype/fleet";          ///< verified revisions, the one in force
  std::int64_t lease_ttl = 10;                              ///< seconds
  // operator
  std::string secret_key;        ///< the operator's signing key file
  std::int64_t report_timeout = 60;  ///< seconds a rollout waits for each wave's reports

  [[nodiscard]] std::string revision_key(std::int64_t n) const;
  [[nodiscard]] std::string revisions_prefix() const { return prefix + "/revisions/"; }
  [[nodiscard]] std::string assign_key(const std::string& h) const { return prefix + "/assign/" + h; }
  [[nodiscard]] std::string current_key() const { return prefix + "/current"; }
  [[nodiscard]] std::string hosts_prefix() const { return prefix + "/hosts/"; }
  [[nodiscard]] std::string state_key(const std::string& h) const { return prefix + "/hosts/" + h + "/state"; }
  [[nodiscard]] std::string report_key(const std::string& h) const { return prefix + "/hosts/" + h + "/report"; }
};

/// Reads `KEY = VALUE` lines ('#' comments): an error naming FILE:LINE for an unknown key, a bad
/// value or a key set twice.
[[nodiscard]] result<fleet_config> load_fleet_config(const std::string& path);

/// What a host publishes about itself.
struct host_record {
  std::string host;
  std::int64_t revision = 0;  ///< the fleet revision in force, 0 if the policy did not come from the fleet
  std::string policy_sha256, title;
  std::string unlabelled_domains = "refuse";  ///< or the label
  bool suspend_on_revoked_disk = true;
  std::vector<std::string> map;       ///< the disk label map's lines "LABEL KEY"
  std::vector<std::string> problems;  ///< what `shype-libvirt status` calls a PROBLEM
  std::string updated;                ///< UTC time of the record
  std::vector<std::uint8_t> policy;   ///< the policy in force
  std::string state;                  ///< the adapter's state file text (host_state.hpp)
};
[[nodiscard]] std::string render_host(const host_record& h);
[[nodiscard]] result<host_record> parse_host(const std::string& text, const std::string& where);

/// How a host took a revision.
struct report {
  std::string host;
  std::int64_t revision = 0;
  /// applied, applied-with-failures, refused (the host's monitor said no), rejected (the
  /// revision did not verify), error (the host could not try)
  std::string outcome;
  std::string at;
  std::vector<std::string> lines;  ///< what was revoked, or why not
};
[[nodiscard]] std::string render_report(const report& r);
[[nodiscard]] result<report> parse_report(const std::string& text, const std::string& where);

/// The host name in a key PREFIX/hosts/HOST/..., "" if it is not one.
[[nodiscard]] std::string host_of_key(const fleet_config& c, const std::string& key, const char* leaf);

}  // namespace shype::libvirt::fleet
