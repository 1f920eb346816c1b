// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/json.hpp>

#include <cstdio>

#include <shype/tool/io/text_escape.hpp>

namespace shype::tool {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c == '\b') out += "\\b";
    else if (c == '\f') out += "\\f";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // A well-formed UTF-8 sequence goes through unchanged; any other byte is U+FFFD.
      char32_t cp = 0;
      if (const std::size_t n = utf8_sequence(s, i, cp); n != 0) {
        out.append(s.substr(i, n));
        i += n;
        continue;
      }
      out += "\\ufffd";
    }
    ++i;
  }
  return out + "\"";
}

void json_object::key(std::string_view k) {
  if (!body_.empty()) body_ += ",";
  body_ += json_string(k) + ":";
}

json_object& json_object::field(std::string_view k, std::string_view value) {
  key(k);
  body_ += json_string(value);
  return *this;
}

json_object& json_object::field(std::string_view k, std::uint64_t value) {
  key(k);
  body_ += std::to_string(value);
  return *this;
}

json_object& json_object::field(std::string_view k, const std::vector<std::string>& values) {
  key(k);
  body_ += "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) body_ += ',';
    body_ += json_string(values[i]);
  }
  body_ += "]";
  return *this;
}

}  // namespace shype::tool
