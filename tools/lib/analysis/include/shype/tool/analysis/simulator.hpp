// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::tool::simulator — runs a trace through the real reference monitor.
//
// One shype::basic_monitor per host (created when a trace first names the host, with the
// policy then in force), domains named by the trace and numbered by the simulator, and the
// trace's verbs mapped onto the monitor's hooks. Everything the simulator says about a
// decision comes from the monitor; it only adds the names that make a reason readable. A live
// policy change is all-or-nothing across hosts: a dry run on every host first, then the swap.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#include <shype/tool/io/diagnostic.hpp>
#include <shype/tool/io/error.hpp>
#include <shype/tool/io/policy_file.hpp>
#include <shype/tool/analysis/trace.hpp>

namespace shype::tool {

inline constexpr shype::monitor_limits simulator_limits{
    .max_domains = 1024, .cache_sets = 1024, .cache_ways = 4, .max_bindings = 65536, .audit_entries = 64};
inline constexpr std::size_t simulator_types = 4096;

/// Hosts one simulation may name (each is a monitor of about 2.5 MB: 64 cost 160 MB). A host is
/// kept only once a domain was placed on it: naming a host in a create, restore or migrate that
/// fails costs nothing. Domains: simulator_limits.max_domains in all (ids are fleet-wide).
inline constexpr std::size_t max_simulated_hosts = 64;
/// Policy loads one trace may ask for (each reads and checks up to a 32 MiB file).
inline constexpr std::size_t max_simulated_loads = 256;

using sim_monitor = shype::basic_monitor<simulator_limits, shype::no_locking, shype::chinese_wall<simulator_types>,
                                         shype::type_enforcement<simulator_types>>;

/// The answer to one trace operation.
struct sim_result {
  long line = 0;
  std::string op;
  std::string decision;  ///< "permit", "deny" or "error"
  std::string reason;    ///< for deny and error
  std::optional<std::vector<std::string>> types;  ///< query (permit or deny)
  std::optional<std::uint64_t> revoked;           ///< load (permit or deny)

  /// The JSON Lines object (no newline).
  [[nodiscard]] std::string json() const;
};

/// Reads and loads the policy file a trace's `load` names (XML or binary: the CLI passes
/// load_policy_file of <shype/tool/compile/load_policy.hpp>; the simulator itself compiles nothing).
using policy_loader = std::function<loaded_policy(const std::string& path)>;

class simulator {
 public:
  /// `policy` is a validated binary; `base_dir` is where `load` resolves relative paths, which
  /// `load_file` then loads.
  simulator(std::vector<std::uint8_t> policy, std::string base_dir, policy_loader load_file);
  ~simulator();
  simulator(const simulator&) = delete;
  simulator& operator=(const simulator&) = delete;

  /// Installs the policy on the default host; false (with a diagnostic) if the monitor refuses it.
  bool start(const std::string& policy_file, diagnostics& diag);

  [[nodiscard]] sim_result run(const trace_op& op);

  /// The hosts the simulation holds a monitor for.
  [[nodiscard]] std::size_t host_count() const noexcept { return hosts_.size(); }

  static constexpr const char* default_host = "local";

 private:
  struct domain {
    std::string name;
    shype::domid_t id;
    std::string host;
    bool saved = false;
  };

  sim_result create(const trace_op& op);
  sim_result destroy(const trace_op& op);
  sim_result save(const trace_op& op);
  sim_result restore(const trace_op& op);
  sim_result migrate(const trace_op& op);
  sim_result share(const trace_op& op);
  sim_result access(const trace_op& op);
  sim_result query(const trace_op& op);
  sim_result load(const trace_op& op);

  /// The monitor of host `name`: the existing one, or a new one left in `fresh` (not yet a host
  /// of the simulation: adopt() makes it one once something was placed on it).
  result<sim_monitor*> host(const std::string& name, std::unique_ptr<sim_monitor>& fresh);
  void adopt(const std::string& name, std::unique_ptr<sim_monitor>& fresh);
  domain* find(const std::string& name);
  /// Two running domains on one host, or why they are not.
  struct operands {
    domain* a;
    domain* b;
  };
  result<operands> pair(const trace_op& op);
  /// Why a start of `label` on `host` was denied (names the running domain in the way).
  std::string placement_reason(shype::label_id label, const std::string& host, shype::domid_t self) const;
  std::string sharing_reason(const domain& a, const domain& b) const;
  std::string label_name(shype::label_id l) const;
  std::string name_of(shype::domid_t id) const;

  std::shared_ptr<const std::vector<std::uint8_t>> policy_;
  shype::policy_view view_;
  std::string base_dir_;
  policy_loader load_file_;
  std::map<std::string, std::unique_ptr<sim_monitor>> hosts_;
  std::map<std::string, domain> domains_;
  std::set<shype::domid_t> free_ids_;
  std::uint64_t cookie_ = 0;
  std::size_t loads_ = 0;
};

}  // namespace shype::tool
