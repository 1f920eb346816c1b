// SPDX-License-Identifier: Apache-2.0
#pragma once
// What each command and hook decides, as a plan: inputs in, refusals and actions out.
//
// As in seL4's decode/invoke split, a plan checks and changes nothing: no file is read or
// written, no program run, nothing printed. The command around it (commands.cpp, hook.cpp)
// gathers the inputs (the configuration, the state under the lock, libvirt's records, the
// policy), asks for the plan, and then only carries it out:
//   commit   the state (and policy) the plan says, as one step (state_store::commit / save);
//   execute  the actions on domains (virsh), after the lock is released;
//   render   what happened, on stdout/stderr and in the decision log.
// The plan is computed in full before anything is committed, so a refusal leaves no trace but
// its log line, and a commit that fails leaves the old files (state_store::commit).
//
// The engine a plan is given is the decision's scratch monitor, replayed from the state for this
// one decision (host.hpp rebuild); asking it is part of planning. It is left as it was except for
// admissions the plan makes (which the returned state records too).

#include <optional>
#include <string>
#include <vector>

#include "config.hpp"
#include "engine.hpp"
#include "host.hpp"
#include "host_state.hpp"
#include "label_map.hpp"
#include "libvirt_xml.hpp"

namespace shype::libvirt {

// ===== change-policy ==============================================================================

/// One thing the new policy takes away, and how it is acted on.
struct revocation {
  std::string description;           ///< "domain 'x' (label L) may no longer use network n (label N): port p"
  std::vector<std::string> command;  ///< virsh ...; empty: report only (on_revoked_disk = report)
};

struct change_plan {
  std::string title_before, title_after;  ///< "'name' version 1.0"
  std::vector<std::string> refusals;      ///< any: refused, and nothing below applies
  std::vector<std::string> renames;       ///< label renames the state follows
  std::vector<revocation> actions;        ///< one per device the new policy takes away
  host_state next;                        ///< the state to commit with the new policy
  [[nodiscard]] bool refused() const noexcept { return !refusals.empty(); }
};

struct change_inputs {
  const config& cfg;
  const label_map& map;
  engine& current;                           ///< the host's domains placed under the policy in force
  const std::vector<std::string>& problems;  ///< admitted domains that do not fit it (host_view)
  const host_state& state;                   ///< as rebuilt
  const std::vector<std::uint8_t>& next;     ///< the new policy (a valid binary)
};

/// The live policy change: refusals (the host already out of line, the disk label map or
/// unlabelled_domains naming labels the new policy lacks, the monitor's own refusals), else
/// each revoked disk or port as an action (a port: domif-setlink down; a disk: suspend, once per
/// domain, unless on_revoked_disk = report), the renames, and the state to commit (revocations
/// marked, labels renamed, the change counted).
[[nodiscard]] change_plan plan_change_policy(const change_inputs& in);

// ===== install / uninstall ========================================================================

/// A file install writes (the hook wrappers).
struct file_to_write {
  std::string driver;  ///< qemu or network
  std::string dir, path, content;
  unsigned mode = 0644;
};

struct install_plan {
  std::vector<std::string> refusals;  ///< any: nothing is installed
  std::vector<file_to_write> hooks;   ///< written after the policy and state are committed
};

/// Refuses to replace a different policy in force without --replace-policy. `current` is the
/// policy in force, nullopt if there is none (or it cannot be read).
[[nodiscard]] std::optional<std::string> install_replaces(const std::optional<std::vector<std::uint8_t>>& current,
                                                          const std::vector<std::uint8_t>& next, bool replace_policy,
                                                          const std::string& policy_path);

/// Install over the rebuilt host `h`: refused if an admitted domain does not fit, or a running
/// one carries no label while unlabelled domains are refused (libvirt would stop it at its next
/// restart); else the two hook wrappers running `program` with `config_file`.
[[nodiscard]] install_plan plan_install(const host_view& h, const std::string& hooks_dir, const std::string& program,
                                        const std::string& config_file);

/// The marker install's wrappers carry: uninstall removes only files holding it.
inline constexpr const char* install_marker = "installed by 'shype-libvirt install'";

struct uninstall_step {
  std::string driver, file;
  enum class act { absent, not_ours, remove } what = act::absent;
};
/// For each hook file (its text, nullopt if absent): what uninstall does with it.
[[nodiscard]] std::vector<uninstall_step> plan_uninstall(const std::string& hooks_dir,
                                                         const std::optional<std::string>& qemu_hook,
                                                         const std::optional<std::string>& network_hook);

// ===== hooks ======================================================================================

/// What a hook decided: refuse (one line for libvirt), or go on, saving a new state or not.
struct hook_plan {
  std::optional<std::string> refusal;  ///< "shype: refused ..." (the log gets it without "shype: ")
  std::string refusal_prefix;          ///< "shype: refused start of domain 'x'": a failed save refuses with it
  std::vector<std::string> warnings;   ///< printed, not a refusal
  std::vector<std::string> log;        ///< decision log lines
  std::optional<host_state> save;      ///< the state to write
  /// If the save fails: refuse (admissions), fail with exit 3 (a release) or only warn (a port
  /// deleted: libvirt deletes it anyway).
  enum class on_save_failure { refuse, fail, warn } if_save_fails = on_save_failure::refuse;
};

/// What a qemu hook call is about.
enum class qemu_event { ignored, admit, started, release };
[[nodiscard]] qemu_event qemu_event_of(const std::string& op, const std::string& sub);
/// prepare, restore and migrate admit afresh: an earlier admission of the domain is replaced.
[[nodiscard]] bool qemu_admits_afresh(const std::string& op);
/// "start", "restore", "incoming migration", "reconnection".
[[nodiscard]] const char* qemu_what(const std::string& op);

/// `release end`: frees the domain's admission, only if this incarnation was admitted.
[[nodiscard]] hook_plan plan_qemu_release(const host_state& state, const domain_desc& dom);

struct qemu_inputs {
  const config& cfg;
  const label_map& map;
  const std::string& op;           ///< prepare, restore, migrate, start, started, reconnect
  const domain_desc& dom;          ///< from libvirt's XML
  const host_state& state;         ///< rebuilt (an afresh admission's earlier entry removed)
  const std::optional<domain_entry>& previous;  ///< that earlier entry
  host_view& view;                 ///< the rebuilt host (engine, problems, notes)
  const std::string& daemon;       ///< the calling libvirtd's identity
  const network_labels& networks;  ///< labels of the networks its interfaces use (network_labels_of)
};
/// An admission (or the confirmation of one) by the qemu hook.
[[nodiscard]] hook_plan plan_qemu_admit(const qemu_inputs& in);

/// What a network hook call is about.
enum class network_event { ignored, port_created, port_deleted, network_start };
[[nodiscard]] network_event network_event_of(const std::string& op, const std::string& sub);

/// `port-deleted begin`: frees the port.
[[nodiscard]] hook_plan plan_port_deleted(const host_state& state, const network_desc& net, const port_desc& port);
/// `start begin` of a network: refused if its label is not in `policy` (or it has none and
/// unlabelled networks are refused).
[[nodiscard]] hook_plan plan_network_start(const config& cfg, const shype::policy_view& policy, const network_desc& net);
/// `port-created begin`: TE between the port's domain and the network, and with every other
/// admitted domain on it; a port re-created for the same interface keeps its standing.
[[nodiscard]] hook_plan plan_port_created(const config& cfg, const host_state& state, host_view& view,
                                          const network_desc& net, const port_desc& port);

}  // namespace shype::libvirt
