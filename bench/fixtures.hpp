// SPDX-License-Identifier: Apache-2.0
#pragma once
// The policies every figure is measured on, built once per process: synthetic ACM XML
// (<shype/tool/analysis/synthetic_policy.hpp>) compiled by the shype tool's compiler, and the same policy
// exported by `shype export-selinux` and compiled by `checkpolicy -t xen` for the FLASK peers.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <shype/policy_view.hpp>

#include <shype/tool/io/decoded_policy.hpp>
#include <shype/tool/analysis/synthetic_policy.hpp>

namespace bench {

struct compiled_policy {
  shype::tool::synthetic_spec spec;
  std::string xml;
  std::vector<std::uint8_t> binary;  ///< shype's binary policy
  shype::tool::decoded_policy decoded;
  std::string selinux_conf;          ///< export-selinux output
  std::string selinux_binary;        ///< checkpolicy output; empty if checkpolicy is missing

  [[nodiscard]] shype::byte_view bytes() const noexcept { return {binary.data(), binary.size()}; }
  [[nodiscard]] shype::policy_view view() const noexcept { return shype::policy_view::load(bytes()).value(); }
};

/// The policy for a spec, built on first use (the same spec gives the same object).
const compiled_policy& policy(const shype::tool::synthetic_spec& s);

/// TE decisions: `types` TE types, 1000 VM labels with 1..3 types each, 100 resource labels.
const compiled_policy& te_policy(std::size_t types);
/// Chinese Wall: `types` CW types partitioned into `sets` conflict sets, 1000 VM labels.
const compiled_policy& cw_policy(std::size_t types, std::size_t sets);
/// The large policy of the load figures: 1024 TE + 1024 CW types, 64 conflict sets, 1000 VM and
/// 1000 resource labels.
const compiled_policy& large_policy();
/// Revocation: 64 TE types, 256 VM labels; variant 0 and 1 assign types differently (a change
/// between them revokes part of the bindings); variant 2 is variant 0 as version 2.0 (a change
/// that revokes nothing).
const compiled_policy& revocation_policy(int variant);

/// Is checkpolicy available (else the FLASK peers are skipped)?
bool have_checkpolicy();

/// libsepol holds one policy at a time (a global policydb, as Xen's security server).
struct sepol_ids {
  std::vector<std::uint32_t> vm, res;  ///< SIDs by label index
  std::uint16_t event = 0, grant = 0, resource = 0;
  std::uint32_t event_bind = 0, grant_copy = 0, grant_map_read = 0, resource_use = 0;
};
/// Loads p into libsepol unless it is the loaded one, and returns its SIDs and class values.
const sepol_ids& sepol_activate(const compiled_policy& p);
/// Reloads the loaded policy (sepol_load_policy) and re-registers its contexts in the same
/// order, so the SIDs stay what they were (as Xen keeps SIDs across a load).
void sepol_reload(const compiled_policy& p);
/// sepol_compute_av: the allowed vector.
std::uint32_t sepol_allowed(std::uint32_t ssid, std::uint32_t tsid, std::uint16_t tclass);

/// Runs a program, output discarded; its exit status, or -1 if it cannot start.
int run_quiet(const std::vector<std::string>& argv);

}  // namespace bench
