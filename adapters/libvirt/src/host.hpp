// SPDX-License-Identifier: Apache-2.0
#pragma once
// One host as the adapter sees it: the configuration, the label map, the policy in force and
// the state, brought in line with what libvirt says runs here before any decision.
//
// What libvirt says runs here is its own record, RUN_DIR/qemu/NAME.xml (<domstatus> with the
// QEMU pid and the live domain XML, labels included), read without calling libvirt: a hook must
// never call back into libvirtd. rebuild() drops entries of domains that stopped running
// without a release hook (a crash, a daemon restart) and of admissions an earlier libvirtd made
// that never started, and admits running domains the state lacks (a lost or unreadable state
// file, a reconnect after a restart), in libvirt's start order. Every admitted domain is then
// placed in a fresh monitor (engine.hpp), which takes the next decision.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "engine.hpp"
#include "error.hpp"
#include "host_state.hpp"
#include "label_map.hpp"
#include "libvirt_xml.hpp"

namespace shype::libvirt {

/// The shype labels of the networks a domain's interfaces use, by network name ("" unlabelled).
using network_labels = std::map<std::string, std::string>;
/// Reads them from libvirt's records (network_label): what entry_for needs, gathered before it.
[[nodiscard]] network_labels network_labels_of(const config& cfg, const domain_desc& d);

/// A domain as the adapter would admit it, or why it cannot be asked about at all.
struct entry_decision {
  domain_entry entry;
  std::string refusal;  ///< "" if it can be asked about; else why not
};
/// A domain as the adapter admits it: its label (from <metadata>, or the configured default for
/// unlabelled domains), its disks' labels (from the map) and its ports' (from `nets`). Refused
/// for no label while unlabelled domains are refused, a label the policy lacks, a disk labelled
/// outside the policy, or an unlabelled disk where those are refused. Pure: reads no file.
[[nodiscard]] entry_decision entry_for(const domain_desc& d, const config& cfg, const label_map& map,
                                       const shype::policy_view& policy, const network_labels& nets);

/// The shype label of a network, from libvirt's record of it (RUN_DIR/network/NAME.xml).
[[nodiscard]] std::string network_label(const config& cfg, const std::string& network);

struct host_view {
  std::unique_ptr<engine> eng;        ///< every admitted domain placed
  std::vector<std::string> notes;     ///< what was corrected, and running domains left out that
                                      ///< hold no label (for the decision log)
  std::vector<std::string> problems;  ///< admitted domains that cannot be placed: fail closed
  std::vector<std::string> unlabelled;  ///< running domains left out for want of a label (also in notes)
};

/// Reconciles `s` with libvirt's records and replays it into a monitor loaded with `policy`; an
/// error if the policy or libvirt's records cannot be read.
/// `daemon` is the process identity of the calling libvirtd ("" outside a hook). Without
/// `require_records`, a missing RUN_DIR/qemu means nothing runs (libvirtd never started);
/// hooks require it, since libvirtd creates it before it calls any.
[[nodiscard]] result<host_view> rebuild(host_state& s, const config& cfg, const label_map& map,
                                std::vector<std::uint8_t> policy, const std::string& daemon,
                                bool require_records = true);

/// Reads the policy in force (STATE_DIR/policy.bin).
[[nodiscard]] result<std::vector<std::uint8_t>> read_policy(const config& cfg);

}  // namespace shype::libvirt
