// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/cli/verb_start.hpp>

#include <ostream>

#include <shype/policy_view.hpp>

#include <shype/tool/compile/load_policy.hpp>

namespace shype::tool {

decoded_policy verb_start::decoded(std::size_t i) const {
  const loaded_policy& p = policies.at(i);
  return decode(shype::policy_view::load(shype::byte_view(p.binary.data(), p.binary.size())).value());
}

verb_start start_verb(const command_spec& spec, const std::vector<std::string>& args, const verb_inputs& in, std::ostream& out,
                      std::ostream& err) {
  verb_start v;
  auto a = parse_args(spec, args, err);
  if (!a) {
    v.done = exit_usage;
    return v;
  }
  v.args = std::move(*a);
  if (v.args.help) {
    out << spec.help;
    v.done = exit_ok;
    return v;
  }
  for (std::size_t i = 0; i < in.policies && i < v.args.positional.size(); ++i) v.policies.push_back(load_policy_file(v.args.positional[i]));
  std::size_t errors = 0;
  bool all_ok = true;
  for (const auto& p : v.policies) {
    print(p.diag, err);
    errors += p.diag.error_count();
    all_ok = all_ok && p.ok();
  }
  if (!all_ok) {
    if (in.count_errors) err << plural(errors, "error") << "\n";
    v.done = exit_invalid;
  }
  return v;
}

int write_output(const verb_start& v, std::string_view text, std::ostream& out, std::ostream& err) {
  const auto target = v.args.values.find("-o");
  if (target == v.args.values.end()) {
    out << text;
    return exit_ok;
  }
  diagnostics io;
  if (write_file(target->second, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), io)) return exit_ok;
  print(io, err);
  return exit_invalid;
}

std::string plural(std::size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

}  // namespace shype::tool
