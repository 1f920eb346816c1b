// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::tool::error and result<T> — the one error convention of the host programs: the `shype`
// tool's libraries and the libvirt adapter.
//
// A function that can fail returns a result<T> (a value or an error) or a status; none takes a
// string out-parameter, none throws. Text parsers keep reporting into `diagnostics` (every
// problem of a file at once, FILE:LINE: ...) and parse_with turns them into one error. Decisions
// are not errors: a policy's "deny" or an adapter's refusal is a value. An error is one or more
// lines, each naming what and where ("PATH: cannot open: No such file or directory"), and a
// kind, which is also the exit code, so that a command cannot report one thing and exit with
// another: 2 and 3 mean the same in every program (usage, invalid input or a file error); 1 is
// the "no" of a program's question (the libvirt adapter: the policy refused it).

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <shype/tool/io/diagnostic.hpp>

namespace shype::tool {

struct error {
  enum class kind : int { refused = 1, usage = 2, invalid = 3 };
  kind what = kind::invalid;
  std::vector<std::string> lines;  ///< at least one; untrusted text is escaped when printed

  error() = default;
  explicit error(std::string line, kind k = kind::invalid) : what(k), lines{std::move(line)} {}
  /// Every diagnostic of `d` as a line (format: FILE:LINE: message); `fallback` if none.
  static error of(const diagnostics& d, const std::string& fallback, kind k = kind::invalid);

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

/// Runs a parser of the tools' convention (TEXT, FILE, diagnostics -> a value or nullopt): its
/// value, or every diagnostic as a line of the error (`fallback` if it gave none).
template <class T>
result<T> parse_with(std::optional<T> (*parse)(const std::string&, const std::string&, diagnostics&), const std::string& text,
                     const std::string& file, const std::string& fallback) {
  diagnostics d;
  auto value = parse(text, file, d);
  if (value) return std::move(*value);
  return error::of(d, fallback);
}

inline error error::of(const diagnostics& d, const std::string& fallback, kind k) {
  error e;
  e.what = k;
  for (const auto& x : d.list()) e.lines.push_back(format(x));
  if (e.lines.empty()) e.lines.push_back(fallback);
  return e;
}

inline error error::prefixed(const std::string& prefix) const {
  error e = *this;
  if (e.lines.empty()) e.lines.push_back({});
  e.lines.front() = prefix + e.lines.front();
  return e;
}

}  // namespace shype::tool
