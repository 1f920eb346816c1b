// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::change_report — what a live policy change answers: applied or refused, and why. A
// refusal is reported one violation at a time (no list to size), each naming the domain, the
// label and the policy concerned, so a tool can explain it without a second query.

#include <cstddef>
#include <cstdint>

#include "decision.hpp"
#include "ids.hpp"
#include "rename_view.hpp"
#include "string_ref.hpp"
#include "verdict.hpp"

namespace shype {

/// The subject of a management call made by the hypervisor itself (boot, host tooling), never
/// by a guest: a hypervisor must not pass a guest's request through with this id.
inline constexpr domid_t hypervisor_subject = 0xFFFF;

enum class change_mode : std::uint8_t { apply, dry_run };

enum class violation_kind : std::uint8_t {
  label_missing,   ///< a running or saved domain's label has no successor in the new policy
  conflict,        ///< two running domains would violate a placement policy (Chinese Wall)
  rename_unknown,  ///< a rename's `from` names no label of the policy in force (no domain involved)
};

/// Why a policy change was rejected (reported one by one to the caller's sink). The names
/// point into the old or the new policy's bytes: valid during the callback.
struct violation {
  violation_kind kind;
  domid_t domain;                          ///< the domain that could not be placed / mapped (rename_unknown: hypervisor_subject)
  domid_t other = hypervisor_subject;      ///< the running domain it conflicts with, if known
  std::uint8_t policy_index = verdict::none;
  string_ref label{};                      ///< the domain's label name (old policy); rename_unknown: the `from` name
  string_ref new_label{};                  ///< its label in the new policy, renames applied (empty if none)
  string_ref other_label{};                ///< the other domain's label in the new policy, if `other` is known
  label_kind table = label_kind::vm;       ///< rename_unknown: the kind of label renamed
};

struct change_report {
  decision value = decision::deny;  ///< permit: applied (dry run: would apply); deny: refused
  bool authorized = false;          ///< false: the subject may not change the policy
  std::size_t violations = 0;       ///< why it was refused
  std::size_t revoked = 0;          ///< bindings revoked (dry run: that would be)
  generation_t generation = 0;      ///< the generation in force afterwards
};

}  // namespace shype
