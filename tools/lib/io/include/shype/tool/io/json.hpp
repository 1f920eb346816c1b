// SPDX-License-Identifier: Apache-2.0
#pragma once
// JSON output for `shype simulate`: one object per line, keys in a fixed order.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shype::tool {

/// A JSON string literal: quotes, backslashes and control characters escaped, valid UTF-8
/// passed through, and each byte of invalid UTF-8 replaced by U+FFFD so the line stays JSON.
[[nodiscard]] std::string json_string(std::string_view s);

/// Builds one flat JSON object.
class json_object {
 public:
  json_object& field(std::string_view key, std::string_view value);
  json_object& field(std::string_view key, std::uint64_t value);
  json_object& field(std::string_view key, const std::vector<std::string>& values);
  [[nodiscard]] std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_;
};

}  // namespace shype::tool
