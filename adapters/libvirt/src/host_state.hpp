// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the adapter knows about one host: the labelled domains admitted to run here, and the
// disks and network ports each was admitted with. Kept in STATE_DIR/state, a line-oriented
// text file (one field per blank-separated word, see util.hpp's encode_field), replaced
// atomically and only ever read or written under an exclusive flock on STATE_DIR/lock.
//
// The state is a cache of decisions, not the truth about what runs: reconcile.hpp rebuilds it
// from libvirt's records when it is lost, unreadable, or written by an earlier libvirtd.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include <shype/tool/io/diagnostic.hpp>
#include "error.hpp"

namespace shype::libvirt {

enum class phase : std::uint8_t {
  admitted,  ///< allowed at prepare/restore/migrate begin; QEMU not (yet) running
  running,   ///< libvirt reported it started (or reconnected to it)
};

struct disk_use {
  std::string key;     ///< see disk_desc::key
  std::string target;  ///< vda, ...
  std::string label;   ///< resource label from the map, "" if unlabelled
  bool shareable = false, readonly = false;
  bool revoked = false;  ///< a policy change took it away (the domain was suspended or told)
};

struct port_use {
  std::string network, portid, mac;
  std::string label;  ///< the network's resource label, "" if unlabelled
  bool revoked = false;  ///< a policy change took it away (its link was set down)
};

struct domain_entry {
  std::uint64_t seq = 0;  ///< admission order
  std::string uuid, name, label;
  phase state = phase::admitted;
  long libvirt_id = -1;
  std::string daemon;  ///< process identity of the libvirtd that admitted it, "" unknown
  bool suspended = false;  ///< suspended by change-policy for a revoked disk
  std::vector<disk_use> disks;
  std::vector<port_use> ports;
};

struct host_state {
  std::uint64_t next_seq = 1;
  std::uint64_t changes = 0;  ///< live policy changes applied on this host
  std::string daemon;         ///< the libvirtd the state was last reconciled against
  /// Identity of the policy the state was made against (policy_identity()), "" unknown (a
  /// version-1 state file). state_store::load sets it to the policy in force.
  std::string policy;
  std::vector<domain_entry> domains;  ///< in admission order

  [[nodiscard]] domain_entry* find(const std::string& uuid);
  [[nodiscard]] const domain_entry* find(const std::string& uuid) const;
  /// Removes the entry; false if there was none.
  bool remove(const std::string& uuid);
  /// Appends an entry with the next sequence number.
  domain_entry& add(domain_entry e);
};

[[nodiscard]] std::string render_state(const host_state& s);
/// The state in `text`, or an error naming FILE:LINE.
[[nodiscard]] result<host_state> parse_state(const std::string& text, const std::string& file);

/// How many moved-aside corrupt state files are kept (the oldest beyond go).
inline constexpr std::size_t corrupt_copies_kept = 8;

/// "SHA256HEX SIZE" of a policy's bytes: what the state records of the policy it was made against.
[[nodiscard]] std::string policy_identity(const std::string& bytes);

/// The state file and its lock. Holding the object holds the lock.
class state_store {
 public:
  explicit state_store(const config& c) : cfg_(c) {}
  state_store(const state_store&) = delete;
  state_store& operator=(const state_store&) = delete;
  ~state_store();

  /// Creates the state directory if needed and takes the lock (waits for other holders).
  [[nodiscard]] status lock();

  enum class loaded { ok, missing, corrupt, unusable };
  struct load_report {
    loaded how = loaded::missing;
    std::string detail;  ///< what was found or done (see load); "" if nothing to say
  };
  /// Reads the state into `out`. A corrupt file is moved aside to a name of its own
  /// (state.corrupt-UTCSTAMP-PID-N, never replacing an earlier copy; the newest
  /// corrupt_copies_kept are kept) and `detail` says why and where.
  /// The state must have been made against the policy in force: if it records another one and
  /// that is the pending STATE_DIR/policy.bin.next (a change committed by its state, whose
  /// policy rename did not happen), the pending policy is put in force (`detail` says so, ok);
  /// otherwise the state is moved aside (state.mismatch-...) and reported corrupt, so the
  /// caller rebuilds it from libvirt's records under the policy in force. If the pending
  /// policy cannot be put in force, `unusable` (`detail` says why): nothing may be decided. A pending policy the
  /// state does not name (a change that never committed) is removed. `out.policy` is the
  /// identity of the policy in force ("" if there is none; kept from the file if the policy
  /// cannot be read, which makes every decision fail anyway).
  [[nodiscard]] load_report load(host_state& out);
  [[nodiscard]] status save(const host_state& s);
  /// Makes `policy` the policy in force together with `s` (whose `policy` it sets), as one
  /// step: the policy is written to policy.bin.next, then the state naming it is renamed into
  /// place (the commit), then policy.bin.next is renamed to policy.bin. A failure before the
  /// commit leaves the old policy and the old state (an error); a failure after it is only a
  /// warning (the value, "" if none): the next load() completes the change.
  [[nodiscard]] result<std::string> commit(host_state& s, const std::string& policy);

 private:
  const config& cfg_;
  int fd_ = -1;
};

}  // namespace shype::libvirt
