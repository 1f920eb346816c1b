// SPDX-License-Identifier: Apache-2.0
#pragma once
// A diagnostic of the shype tool: what is wrong with an input, and where.
//
// Every validator appends to a list instead of stopping at the first problem (Muen's compile
// pipeline), so one run reports everything. Printed as `file:line: element: message` (warnings
// as `file:line: element: warning: message`), the form editors and CI logs jump to.

#include <cstddef>
#include <string>
#include <vector>

namespace shype::tool {

enum class severity { error, warning };

struct diagnostic {
  severity level = severity::error;
  std::string file;
  long line = 0;        ///< 1-based; 0 when there is no line (a binary, a whole file)
  std::string element;  ///< the XML element, or the binary's part ("offset 0x1a8: vm label 3 ...")
  std::string message;
};

/// `file:line: element: message`; the line is left out when it is 0.
[[nodiscard]] std::string format(const diagnostic& d);

/// An ordered list of diagnostics with a few conveniences for validators.
class diagnostics {
 public:
  void error(std::string file, long line, std::string element, std::string message);
  void warning(std::string file, long line, std::string element, std::string message);
  void add(diagnostic d) { list_.push_back(std::move(d)); }
  void append(const diagnostics& other);

  [[nodiscard]] std::size_t error_count() const noexcept;
  [[nodiscard]] std::size_t warning_count() const noexcept;
  [[nodiscard]] bool has_errors() const noexcept { return error_count() != 0; }
  [[nodiscard]] const std::vector<diagnostic>& list() const noexcept { return list_; }
  /// Every diagnostic formatted, one per line (each ending in '\n').
  [[nodiscard]] std::string text() const;

 private:
  std::vector<diagnostic> list_;
};

}  // namespace shype::tool
