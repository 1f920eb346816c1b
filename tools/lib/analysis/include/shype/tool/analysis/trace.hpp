// SPDX-License-Identifier: Apache-2.0
#pragma once
// The trace language of `shype simulate`: one operation per line, `#` starts a comment, blank
// lines are skipped. A line is split into white-space separated words; the first is the verb.
// Whether verb and arguments make sense is the simulator's business (it answers "error").
//
// Limits (docs/shype-tool.md, "Limits"): a line holds at most max_trace_line_bytes; a longer one
// becomes an operation with a `problem` (the simulator answers "error" for it), so a hostile
// trace cannot make one name or one output line arbitrarily large. The trace file itself is
// bounded by max_input_bytes (input_file.hpp), and it is read one operation at a time.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shype::tool {

/// The longest trace line, in bytes (without its newline).
inline constexpr std::size_t max_trace_line_bytes = 4096;

struct trace_op {
  long line = 0;  ///< 1-based line in the trace file
  std::string verb;
  std::vector<std::string> args;
  std::string problem;  ///< why the line cannot be an operation (too long); "" if it can
};

/// Reads a trace's operations one at a time (the text stays the caller's).
class trace_reader {
 public:
  explicit trace_reader(std::string_view text) noexcept : text_(text) {}

  /// The next operation; false at the end of the text.
  bool next(trace_op& op);

 private:
  std::string_view text_;
  std::size_t at_ = 0;
  long line_ = 0;
};

/// Splits a trace's text into operations.
[[nodiscard]] std::vector<trace_op> parse_trace(const std::string& text);

}  // namespace shype::tool
