// SPDX-License-Identifier: Apache-2.0
#pragma once
// The adapter's configuration file (default /etc/shype/libvirt.conf): `key = value` lines,
// `#` comments, values optionally in double quotes. Every key has a default; an unknown key, a
// bad value or a duplicate is an error naming FILE:LINE. The hooks, install, change-policy and
// status all read the same file, so they agree on where the state and the policy live.

#include <map>
#include <optional>
#include <string>

#include <shype/tool/io/diagnostic.hpp>
#include "error.hpp"

namespace shype::libvirt {

inline constexpr const char* default_config_path = "/etc/shype/libvirt.conf";

struct config {
  std::string file;  ///< where it was read from ("" for the built-in defaults)

  std::string state_dir = "/var/lib/shype/libvirt";  ///< policy.bin, state, lock, decisions.log
  std::string disk_labels = "/etc/shype/disk-labels";  ///< the disk label map
  bool disk_labels_explicit = false;                    ///< set in the file: it must exist
  /// Domains without a shype label: refused (unlabelled_label empty) or treated as this label.
  std::string unlabelled_label;
  bool refuse_unlabelled_disks = false;     ///< a disk the map does not label
  bool refuse_unlabelled_networks = false;  ///< a network without a shype label
  std::string libvirt_run_dir = "/run/libvirt";  ///< libvirt's runtime state (qemu/, network/)
  std::string virsh = "/usr/bin/virsh";          ///< for the actions of change-policy
  std::string uri = "qemu:///system";
  bool suspend_on_revoked_disk = true;  ///< else: only report it

  std::map<std::string, long> lines;  ///< the line each key was set on

  [[nodiscard]] std::string where(const std::string& key) const;
  [[nodiscard]] std::string policy_path() const { return state_dir + "/policy.bin"; }
  /// The next policy of a change, written before the state that commits it (host_state.hpp).
  [[nodiscard]] std::string policy_pending_path() const { return state_dir + "/policy.bin.next"; }
  [[nodiscard]] std::string state_path() const { return state_dir + "/state"; }
  [[nodiscard]] std::string lock_path() const { return state_dir + "/lock"; }
  [[nodiscard]] std::string log_path() const { return state_dir + "/decisions.log"; }
};

/// Parses configuration text; an error holds every diagnostic (FILE:LINE: ...), one line each.
[[nodiscard]] result<config> parse_config(const std::string& text, const std::string& file);

/// Reads and parses a configuration file; an error holds every diagnostic, one line each.
[[nodiscard]] result<config> load_config(const std::string& path);

/// A commented configuration with these values (written by install when there is none).
[[nodiscard]] std::string render_config(const config& c);

}  // namespace shype::libvirt
