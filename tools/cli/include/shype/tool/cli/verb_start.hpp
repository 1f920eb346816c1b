// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::tool::verb_start — how every verb of `shype` begins, said once: the arguments parsed
// against the verb's spec, --help answered, the policies it names loaded (XML or binary) and
// their diagnostics printed. The verb goes on only if all of that went well.

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <shype/tool/io/command_line.hpp>
#include <shype/tool/io/decoded_policy.hpp>
#include <shype/tool/io/policy_file.hpp>

namespace shype::tool {

/// What a verb loads before it starts.
struct verb_inputs {
  std::size_t policies = 0;   ///< the first N positional arguments are policies, loaded in order
  bool count_errors = false;  ///< after a policy that does not load, also print "N error(s)"
};

struct verb_start {
  std::optional<int> done;              ///< the exit code, if the verb ends here (help, usage, a bad policy)
  parsed_args args;                     ///< meaningful unless done
  std::vector<loaded_policy> policies;  ///< verb_inputs::policies of them, each ok(), unless done

  /// Policy i decoded (it was validated when loaded).
  [[nodiscard]] decoded_policy decoded(std::size_t i) const;
};

/// Parses `args` for `spec`; --help prints spec.help to `out` (done: exit_ok), a usage error
/// goes to `err` (done: exit_usage). Then loads the policies `in` asks for and prints every
/// diagnostic to `err`, all of them before any verdict; if one does not load: done, exit_invalid.
[[nodiscard]] verb_start start_verb(const command_spec& spec, const std::vector<std::string>& args, const verb_inputs& in,
                                   std::ostream& out, std::ostream& err);

/// How a verb that produces text ends: the text goes to the file named by -o (replaced
/// atomically; a failure is printed to `err` and gives exit_invalid), else to `out`. exit_ok.
[[nodiscard]] int write_output(const verb_start& v, std::string_view text, std::ostream& out, std::ostream& err);

/// "1 error", "2 errors".
[[nodiscard]] std::string plural(std::size_t n, const char* what);

}  // namespace shype::tool
