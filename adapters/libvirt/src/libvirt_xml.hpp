// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the adapter reads from libvirt's XML: the domain a hook is called for (stdin), the
// network and port of a network hook (stdin, <hookData>), and libvirt's own records of what
// runs (<domstatus> in RUN_DIR/qemu/NAME.xml, <networkstatus> in RUN_DIR/network/NAME.xml).
//
// Labels live in <metadata> under the namespace below, on domains (a VirtualMachineLabel) and
// on networks (a ResourceLabel):
//   <metadata><shype:label xmlns:shype="urn:shype:libvirt:1" name="dom_Order"/></metadata>
// Malformed XML, or a shype element that is not exactly one <label name="..."/>, is an error
// naming the line.

#include <optional>
#include <string>
#include <vector>

#include <shype/tool/io/diagnostic.hpp>
#include "error.hpp"

namespace shype::libvirt {

/// The XML namespace of shype's metadata in libvirt domain and network XML.
inline constexpr const char* label_namespace = "urn:shype:libvirt:1";

struct label_desc {
  bool present = false;
  std::string name;
  long line = 0;
};

struct disk_desc {
  /// The label map's key: the canonical path of a file, block or dir disk;
  /// volume:POOL/VOLUME; network:PROTOCOL/NAME.
  std::string key;
  std::string target;  ///< e.g. vda
  bool shareable = false;
  bool readonly = false;
  long line = 0;
};

struct interface_desc {
  std::string network;  ///< <source network='...'>
  std::string portid;   ///< in live XML once the port exists
  std::string mac;
  bool link_down = false;  ///< <link state='down'/>: the port carries nothing
};

struct domain_desc {
  std::string name, uuid;
  long id = -1;  ///< libvirt's domain id once it runs, else -1
  label_desc label;
  std::vector<disk_desc> disks;            ///< disks with a source (an empty CD-ROM has none)
  std::vector<interface_desc> interfaces;  ///< type='network' interfaces
};

struct domain_status {
  long pid = 0;       ///< the QEMU process
  std::string state;  ///< running, paused, ...
  domain_desc domain;
};

struct network_desc {
  std::string name, uuid;
  label_desc label;
};

struct port_desc {
  std::string uuid;
  std::string owner_name, owner_uuid;
  std::string mac;
};

struct network_hook_data {
  network_desc network;
  std::optional<port_desc> port;  ///< for port-created / port-deleted
};

/// Each parser gives its value, or an error holding every diagnostic (FILE:LINE: ...), one line each.
[[nodiscard]] result<domain_desc> parse_domain(const std::string& xml, const std::string& file);
[[nodiscard]] result<domain_status> parse_domain_status(const std::string& xml, const std::string& file);
[[nodiscard]] result<network_hook_data> parse_network_hook(const std::string& xml, const std::string& file);
[[nodiscard]] result<network_desc> parse_network_status(const std::string& xml, const std::string& file);

}  // namespace shype::libvirt
