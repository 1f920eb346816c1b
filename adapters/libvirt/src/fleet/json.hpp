// SPDX-License-Identifier: Apache-2.0
#pragma once
// A small JSON reader and writer for etcd's JSON gateway: its answers are objects of strings,
// numbers (64-bit values come as strings), booleans and arrays. Bounded: nesting depth 64,
// text size is the caller's (etcd_client caps an answer at 16 MiB).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"

namespace shype::libvirt::fleet {

struct json {
  enum class type { null, boolean, number, string, array, object } t = type::null;
  bool b = false;
  std::string s;  ///< a string's text, or a number's text as written
  std::vector<json> a;
  std::map<std::string, json> o;

  /// The member `k` of an object, or nullptr (also if this is not an object).
  [[nodiscard]] const json* get(const std::string& k) const;
  /// A member holding a string (or a number): its text, or "" if absent.
  [[nodiscard]] std::string str(const std::string& k) const;
  /// A member holding a 64-bit integer (etcd writes them as strings), or `fallback`.
  [[nodiscard]] std::int64_t integer(const std::string& k, std::int64_t fallback = 0) const;
  [[nodiscard]] bool flag(const std::string& k) const;
};

/// Parses `text`; an error names `what` and the offset.
[[nodiscard]] result<json> parse_json(const std::string& text, const std::string& what);
/// Parses the first JSON value at `text[pos...]`, setting `pos` past it; nullopt if incomplete.
[[nodiscard]] result<std::optional<json>> parse_json_prefix(const std::string& text, std::size_t& pos, const std::string& what);

/// A JSON string literal of `s` (quotes included).
[[nodiscard]] std::string json_quote(const std::string& s);

}  // namespace shype::libvirt::fleet
