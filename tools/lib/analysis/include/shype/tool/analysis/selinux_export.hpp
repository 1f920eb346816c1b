// SPDX-License-Identifier: Apache-2.0
#pragma once
// An ACM policy as an SELinux policy for Xen's XSM/FLASK (checkpolicy -t xen): a bridge for
// FLASK users and the peer the benchmark suite measures shype against.
//
// Type Enforcement maps exactly: each VM label becomes a domain type and each resource label a
// resource type; each TE type (coalition) becomes two attributes, one holding the VM types of its
// members and one its resource types, and three allow rules grant the sharing permissions of the
// Xen classes within the coalition (event: create bind; grant: map_read map_write copy;
// resource: use). A pair of labels is allowed iff they share a coalition, as in shype.
//
// Chinese Wall cannot be expressed: a FLASK decision is a function of (source, target, class)
// alone, while a Chinese Wall decision depends on which domains run now. The conflict sets are
// kept as attributes and comments, for a toolstack check (docs/shype-tool.md says what FLASK
// users need instead).

#include <string>

#include <shype/tool/io/decoded_policy.hpp>

namespace shype::tool {

struct selinux_export_options {
  /// Only the types, attributes and rules, to include in an existing Xen FLASK policy (which
  /// declares the classes, initial SIDs, roles and users itself). Otherwise a standalone policy.
  bool rules_only = false;
};

/// The policy.conf text.
[[nodiscard]] std::string export_selinux(const decoded_policy& p, const selinux_export_options& opt = {});

/// SELinux identifiers of the policy's names (injective, so distinct names never collide):
/// letters and digits are kept, '_' becomes "__", any other byte "_" and two hex digits.
[[nodiscard]] std::string selinux_vm_type(const std::string& label);        ///< vm_<name>_t
[[nodiscard]] std::string selinux_resource_type(const std::string& label);  ///< res_<name>_t

/// The context a domain with this VM label runs in (system_u:system_r:vm_<name>_t), and a
/// resource's (system_u:object_r:res_<name>_t), as given to sepol_context_to_sid.
[[nodiscard]] std::string selinux_vm_context(const std::string& label);
[[nodiscard]] std::string selinux_resource_context(const std::string& label);

/// checkpolicy's options for the output: Xen target, policy version 30 (what Xen loads).
inline constexpr const char* selinux_checkpolicy_args = "-t xen -c 30";

}  // namespace shype::tool
