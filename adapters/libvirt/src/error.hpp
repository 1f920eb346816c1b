// SPDX-License-Identifier: Apache-2.0
#pragma once
// The adapter's exit codes; its error type is the tool's (<shype/tool/io/error.hpp>: a function
// that can fail returns a result<T> or a status, with one or more located lines and a kind that
// is the exit code). Decisions are not errors: the engine's "" or reason, a plan's refusals
// (plan.hpp). The codes (README.md, "Exit codes"):
//   0 ok, 1 refused, 2 usage error, 3 invalid input or a file error, 4 applied but an action failed.
// 0, 2 and 3 mean the same as in the `shype` tool (command_line.hpp); 1 is the "no" of each
// program's question (the tool's diff: the policies differ; here: the policy refused it).

#include <shype/tool/io/error.hpp>

namespace shype::libvirt {

enum exit_code : int {
  exit_ok = 0,
  exit_refused = 1,        ///< a hook refused, or a command was refused by the policy or the host
  exit_usage = 2,          ///< bad command line
  exit_invalid = 3,        ///< an input has errors, or a file cannot be read or written
  exit_action_failed = 4,  ///< change-policy applied the policy but an action on a domain failed
};

// The adapter's errors are the tool's (one convention for both programs).
using tool::error;
using tool::parse_with;
using tool::result;
using tool::status;

static_assert(static_cast<int>(error::kind::refused) == exit_refused && static_cast<int>(error::kind::usage) == exit_usage &&
                  static_cast<int>(error::kind::invalid) == exit_invalid,
              "an error's kind is the adapter's exit code");

}  // namespace shype::libvirt
