// SPDX-License-Identifier: Apache-2.0
#pragma once
// The adapter's one error type, and the exit codes it maps to.
//
// Every function of the adapter that can fail returns a result<T> (a value or an error); none
// takes a string out-parameter, none throws. The text parsers (configuration, label map, state,
// libvirt's XML) collect the tool's diagnostics inside (its XML reader reports into them) and
// return them as one error through parse_with. Decisions are not errors: the engine's "" or
// reason, a plan's refusals (plan.hpp). An error is one or more lines, each naming what
// and where ("PATH: cannot open: No such file or directory", "FILE:LINE: ..."), and a kind,
// which is also the program's exit code, so that a command cannot report one thing and exit
// with another. The codes (README.md, "Exit codes"):
//   0 ok, 1 refused, 2 usage error, 3 invalid input or a file error, 4 applied but an action failed.
// 0, 2 and 3 mean the same as in the `shype` tool (tools/shype/cli.hpp); 1 is the "no" of each
// program's question (the tool's diff: the policies differ; here: the policy refused it).

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <shype/tool/io/diagnostic.hpp>

namespace shype::libvirt {

enum exit_code : int {
  exit_ok = 0,
  exit_refused = 1,        ///< a hook refused, or a command was refused by the policy or the host
  exit_usage = 2,          ///< bad command line
  exit_invalid = 3,        ///< an input has errors, or a file cannot be read or written
  exit_action_failed = 4,  ///< change-policy applied the policy but an action on a domain failed
};

struct error {
  enum class kind : int { refused = exit_refused, usage = exit_usage, invalid = exit_invalid };
  kind what = kind::invalid;
  std::vector<std::string> lines;  ///< at least one; untrusted text is escaped when printed

  error() = default;
  explicit error(std::string line, kind k = kind::invalid) : what(k), lines{std::move(line)} {}
  /// Every diagnostic of `d` as a line (tool::format: FILE:LINE: message); `fallback` if none.
  static error of(const tool::diagnostics& d, const std::string& fallback, kind k = kind::invalid);

  [[nodiscard]] const std::string& message() const { return lines.front(); }
  [[nodiscard]] int exit_code() const noexcept { return static_cast<int>(what); }
  /// The same error with `prefix` before its first line ("shype-libvirt install: " + ...).
  [[nodiscard]] error prefixed(const std::string& prefix) const;
};

/// A value or an error.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}       // NOLINT
  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  [[nodiscard]] const error& failure() const& { return std::get<1>(v_); }
  [[nodiscard]] error&& failure() && { return std::get<1>(std::move(v_)); }
  /// The first line of the error ("" if there is none).
  [[nodiscard]] std::string message() const { return ok() ? std::string() : failure().message(); }
  [[nodiscard]] T value_or(T fallback) const& { return ok() ? **this : std::move(fallback); }

 private:
  std::variant<T, error> v_;
};

/// Success or an error, for what returns no value.
template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(error e) : e_(std::move(e)) {}  // NOLINT: implicit by design
  [[nodiscard]] bool ok() const noexcept { return !e_; }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] const error& failure() const& { return *e_; }
  [[nodiscard]] error&& failure() && { return std::move(*e_); }
  [[nodiscard]] std::string message() const { return ok() ? std::string() : e_->message(); }

 private:
  std::optional<error> e_;
};

using status = result<void>;

/// Runs a parser of the tool's convention (TEXT, FILE, diagnostics -> a value or nullopt): its
/// value, or every diagnostic as a line of the error (`fallback` if it gave none).
template <class T>
result<T> parse_with(std::optional<T> (*parse)(const std::string&, const std::string&, tool::diagnostics&),
                     const std::string& text, const std::string& file, const std::string& fallback) {
  tool::diagnostics d;
  auto value = parse(text, file, d);
  if (value) return std::move(*value);
  return error::of(d, fallback);
}

inline error error::of(const tool::diagnostics& d, const std::string& fallback, kind k) {
  error e;
  e.what = k;
  for (const auto& x : d.list()) e.lines.push_back(tool::format(x));
  if (e.lines.empty()) e.lines.push_back(fallback);
  return e;
}

inline error error::prefixed(const std::string& prefix) const {
  error e = *this;
  if (e.lines.empty()) e.lines.push_back({});
  e.lines.front() = prefix + e.lines.front();
  return e;
}

}  // namespace shype::libvirt
