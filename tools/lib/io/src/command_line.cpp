// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/command_line.hpp>

#include <ostream>

namespace shype::tool {

int usage_error(const command_spec& spec, const std::string& message, std::ostream& err) {
  err << spec.program << " " << spec.name << ": " << message << "\n(see '" << spec.program << " " << spec.name << " --help')\n";
  return exit_usage;
}

std::optional<parsed_args> parse_args(const command_spec& spec, const std::vector<std::string>& args, std::ostream& err) {
  parsed_args p;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!options_done && a == "--") {
      options_done = true;
    } else if (!options_done && (a == "--help" || a == "-h")) {
      p.help = true;
      return p;
    } else if (!options_done && a.size() > 1 && a[0] == '-') {
      if (spec.flags.count(a) != 0) {
        p.flags.insert(a);
      } else if (spec.with_value.count(a) != 0) {
        if (i + 1 >= args.size()) {
          usage_error(spec, "option " + a + " needs a value", err);
          return std::nullopt;
        }
        p.values[a] = args[++i];
        p.all_values[a].push_back(args[i]);
      } else {
        usage_error(spec, "unknown option " + a, err);
        return std::nullopt;
      }
    } else {
      p.positional.push_back(a);
    }
  }
  if (p.positional.size() < spec.min_positional || p.positional.size() > spec.max_positional) {
    usage_error(spec, p.positional.size() < spec.min_positional ? "missing argument" : "too many arguments", err);
    return std::nullopt;
  }
  return p;
}

void print(const diagnostics& d, std::ostream& out) { out << d.text(); }

}  // namespace shype::tool
