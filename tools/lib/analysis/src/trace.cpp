// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/analysis/trace.hpp>

#include <iterator>

namespace shype::tool {
namespace {

/// The blanks that separate words (as `istream >> string` split them before: a trailing '\r' too).
bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && blank(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !blank(s[i])) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

bool trace_reader::next(trace_op& op) {
  while (at_ < text_.size()) {
    const std::size_t end = text_.find('\n', at_);
    std::string_view raw = text_.substr(at_, end == std::string_view::npos ? std::string_view::npos : end - at_);
    at_ = end == std::string_view::npos ? text_.size() : end + 1;
    ++line_;
    if (const auto hash = raw.find('#'); hash != std::string_view::npos) raw = raw.substr(0, hash);
    op = trace_op{};
    op.line = line_;
    if (raw.size() > max_trace_line_bytes) {
      // Nothing of the line is kept but the start of its verb, for the output to show which it was.
      std::size_t start = 0;
      while (start < raw.size() && blank(raw[start])) ++start;
      if (start == raw.size()) continue;
      std::size_t stop = start;
      while (stop < raw.size() && !blank(raw[stop]) && stop - start < 32) ++stop;
      op.verb = raw.substr(start, stop - start);
      op.problem = "line is longer than " + std::to_string(max_trace_line_bytes) + " bytes (the limit of a trace line)";
      return true;
    }
    std::vector<std::string> words = words_of(raw);
    if (words.empty()) continue;
    op.verb = std::move(words.front());
    op.args.assign(std::make_move_iterator(words.begin() + 1), std::make_move_iterator(words.end()));
    return true;
  }
  return false;
}

std::vector<trace_op> parse_trace(const std::string& text) {
  std::vector<trace_op> ops;
  trace_reader reader(text);
  for (trace_op op; reader.next(op);) ops.push_back(std::move(op));
  return ops;
}

}  // namespace shype::tool
