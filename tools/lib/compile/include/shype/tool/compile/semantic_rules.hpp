// SPDX-License-Identifier: Apache-2.0
#pragma once
// The semantic rules of an ACM policy, one validator per rule (Muen's validators).
//
// Each rule looks at the whole policy_source and appends every violation it finds, so a run
// reports all errors at once. They run only on a schema-valid document. docs/shype-tool.md
// lists them with their messages.

#include <string>
#include <vector>

#include <shype/tool/io/diagnostic.hpp>
#include <shype/tool/compile/policy_source.hpp>

namespace shype::tool {

using semantic_rule = void (*)(const policy_source&, diagnostics&);

struct named_rule {
  const char* name;
  semantic_rule check;
};

/// Every rule, in the order they run.
[[nodiscard]] const std::vector<named_rule>& semantic_rules();

/// Runs every rule; diagnostics come out sorted by line (stable: a line's order is rule order).
void check_semantics(const policy_source& p, diagnostics& diag);

// The rules themselves (exposed for the tests).
void rule_policy_name(const policy_source& p, diagnostics& diag);
void rule_version(const policy_source& p, diagnostics& diag);
void rule_source_hash_instruction(const policy_source& p, diagnostics& diag);
void rule_type_names(const policy_source& p, diagnostics& diag);
void rule_unique_types(const policy_source& p, diagnostics& diag);
void rule_conflict_set_names(const policy_source& p, diagnostics& diag);
void rule_conflict_set_types_known(const policy_source& p, diagnostics& diag);
void rule_conflict_set_not_empty(const policy_source& p, diagnostics& diag);
void rule_label_names(const policy_source& p, diagnostics& diag);
void rule_toolstack_names(const policy_source& p, diagnostics& diag);
void rule_label_renames(const policy_source& p, diagnostics& diag);
void rule_label_types_known(const policy_source& p, diagnostics& diag);
void rule_label_types_need_section(const policy_source& p, diagnostics& diag);
void rule_label_repeated_type(const policy_source& p, diagnostics& diag);
void rule_label_conflicts(const policy_source& p, diagnostics& diag);
void rule_bootstrap_label(const policy_source& p, diagnostics& diag);
void rule_capacity(const policy_source& p, diagnostics& diag);

/// The lint for a policy or label name that Xen's toolstack cannot carry (it writes a label as
/// ACM:POLICY:LABEL, so a ':' inside a name breaks it), or "" if the name is fine. `what` is e.g.
/// "VM label". Used for XML (rule_toolstack_names) and for binaries (shype check).
[[nodiscard]] std::string toolstack_name_warning(const std::string& what, const std::string& name);

/// Parses a `source-sha256="<64 hex>"` instruction; false if malformed.
bool parse_source_hash_instruction(const std::string& data, std::uint8_t (&hash)[32]);

}  // namespace shype::tool
