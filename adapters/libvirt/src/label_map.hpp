// SPDX-License-Identifier: Apache-2.0
#pragma once
// The disk label map the operator keeps: which resource label each disk carries.
//
//   # LABEL        PATH (the rest of the line; blanks allowed)
//   vdisk_Order    /var/lib/libvirt/images/order.qcow2
//   vdisk_Ads      /srv/ads/                      <- a trailing '/' labels everything below
//   vdisk_Order    volume:default/order-db        <- a storage-pool volume
//   vdisk_Ads      network:rbd/pool/ads           <- a network disk (protocol/name)
//
// A disk's key is its canonical path (or volume:/network: form, see libvirt_xml.hpp). An exact
// entry wins over a directory entry, a longer directory over a shorter one. Labels are names
// of ResourceLabels; check_labels() reports every one the policy lacks.

#include <optional>
#include <string>
#include <vector>

#include <shype/policy_view.hpp>

#include <shype/tool/io/diagnostic.hpp>
#include "error.hpp"

namespace shype::libvirt {

struct label_map_entry {
  std::string label;
  std::string key;  ///< canonical path (ends in '/' for a directory), or volume:/network: key
  bool directory = false;
  long line = 0;
};

class label_map {
 public:
  label_map() = default;
  /// Parses map text; an error (bad lines, duplicate keys) holds every diagnostic, one line each.
  static result<label_map> parse(const std::string& text, const std::string& file);
  /// Reads `path`; a missing file is an empty map unless `required`. An error holds every
  /// diagnostic, one line each.
  static result<label_map> load(const std::string& path, bool required);

  /// The entry labelling this disk key, or nullptr.
  [[nodiscard]] const label_map_entry* lookup(const std::string& key) const;
  /// Every label the policy does not define, each a line of the error naming FILE:LINE.
  [[nodiscard]] status check_labels(const shype::policy_view& policy) const;

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] const std::vector<label_map_entry>& entries() const noexcept { return entries_; }
  [[nodiscard]] std::string where(const label_map_entry& e) const { return file_ + ":" + std::to_string(e.line); }

 private:
  static std::optional<label_map> parse_into(const std::string& text, const std::string& file, tool::diagnostics& diag);

  std::string file_;
  std::vector<label_map_entry> entries_;
};

}  // namespace shype::libvirt
