// SPDX-License-Identifier: Apache-2.0
#pragma once
// The trace language of `shype simulate`: one operation per line, `#` starts a comment, blank
// lines are skipped. A line is split into white-space separated words; the first is the verb.
// Whether verb and arguments make sense is the simulator's business (it answers "error").

#include <string>
#include <vector>

namespace shype::tool {

struct trace_op {
  long line = 0;  ///< 1-based line in the trace file
  std::string verb;
  std::vector<std::string> args;
};

/// Splits a trace's text into operations.
[[nodiscard]] std::vector<trace_op> parse_trace(const std::string& text);

}  // namespace shype::tool
