// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/diagnostic.hpp>

#include <shype/tool/io/text_escape.hpp>

namespace shype::tool {

std::string format(const diagnostic& d) {
  std::string s = d.file;
  if (d.line > 0) {
    s += ':';
    s += std::to_string(d.line);
  }
  s += ": ";
  if (!d.element.empty()) s += d.element + ": ";
  if (d.level == severity::warning) s += "warning: ";
  s += d.message;
  return one_line(s);  // one diagnostic, one line: a name or a path from the input cannot start another
}

void diagnostics::error(std::string file, long line, std::string element, std::string message) {
  list_.push_back({severity::error, std::move(file), line, std::move(element), std::move(message)});
}

void diagnostics::warning(std::string file, long line, std::string element, std::string message) {
  list_.push_back({severity::warning, std::move(file), line, std::move(element), std::move(message)});
}

void diagnostics::append(const diagnostics& other) {
  list_.insert(list_.end(), other.list_.begin(), other.list_.end());
}

std::size_t diagnostics::error_count() const noexcept {
  std::size_t n = 0;
  for (const auto& d : list_) n += d.level == severity::error ? 1 : 0;
  return n;
}

std::size_t diagnostics::warning_count() const noexcept { return list_.size() - error_count(); }

std::string diagnostics::text() const {
  std::string s;
  for (const auto& d : list_) s += format(d) + "\n";
  return s;
}

}  // namespace shype::tool
