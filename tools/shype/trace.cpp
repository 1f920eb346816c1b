// SPDX-License-Identifier: Apache-2.0
#include "trace.hpp"

#include <sstream>

namespace shype::tool {

std::vector<trace_op> parse_trace(const std::string& text) {
  std::vector<trace_op> ops;
  std::istringstream in(text);
  std::string raw;
  long number = 0;
  while (std::getline(in, raw)) {
    ++number;
    if (const auto hash = raw.find('#'); hash != std::string::npos) raw.erase(hash);
    std::istringstream words(raw);  // splits on spaces, tabs and a trailing '\r'
    trace_op op;
    op.line = number;
    if (!(words >> op.verb)) continue;
    for (std::string w; words >> w;) op.args.push_back(w);
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace shype::tool
