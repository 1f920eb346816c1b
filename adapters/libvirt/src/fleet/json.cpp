// SPDX-License-Identifier: Apache-2.0
#include "fleet/json.hpp"

#include <cstdio>

namespace shype::libvirt::fleet {

const json* json::get(const std::string& k) const {
  if (t != type::object) return nullptr;
  const auto it = o.find(k);
  return it == o.end() ? nullptr : &it->second;
}

std::string json::str(const std::string& k) const {
  const json* v = get(k);
  return v != nullptr && (v->t == type::string || v->t == type::number) ? v->s : std::string();
}

std::int64_t json::integer(const std::string& k, std::int64_t fallback) const {
  const std::string text = str(k);
  if (text.empty()) return fallback;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used);
    return used == text.size() ? v : fallback;
  } catch (...) {
    return fallback;
  }
}

bool json::flag(const std::string& k) const {
  const json* v = get(k);
  return v != nullptr && v->t == type::boolean && v->b;
}

namespace {

constexpr int max_depth = 64;

struct reader {
  const std::string& text;
  std::size_t pos;
  const std::string& what;
  bool incomplete = false;

  error fail(const std::string& why) const { return error(what + ": invalid JSON at offset " + std::to_string(pos) + ": " + why); }
  void blanks() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\r' || text[pos] == '\t')) ++pos;
  }
  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  result<unsigned> hex4() {
    if (pos + 4 > text.size()) {
      incomplete = true;
      return fail("unfinished \\u escape");
    }
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text[pos++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else return fail("bad \\u escape");
    }
    return v;
  }
  result<std::string> string_lit() {
    ++pos;  // the opening quote
    std::string out;
    while (true) {
      if (pos >= text.size()) {
        incomplete = true;
        return fail("unfinished string");
      }
      const char c = text[pos++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos >= text.size()) {
        incomplete = true;
        return fail("unfinished escape");
      }
      const char e = text[pos++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          auto cp = hex4();
          if (!cp) return std::move(cp).failure();
          unsigned v = *cp;
          if (v >= 0xD800 && v < 0xDC00 && pos + 1 < text.size() && text[pos] == '\\' && text[pos + 1] == 'u') {
            pos += 2;
            auto lo = hex4();
            if (!lo) return std::move(lo).failure();
            if (*lo < 0xDC00 || *lo > 0xDFFF) return fail("bad surrogate pair");
            v = 0x10000 + ((v - 0xD800) << 10) + (*lo - 0xDC00);
          }
          utf8(out, v);
          break;
        }
        default: return fail(std::string("bad escape \\") + e);
      }
    }
  }
  result<json> value(int depth) {
    if (depth >= max_depth) return fail("nested deeper than 64");
    blanks();
    if (pos >= text.size()) {
      incomplete = true;
      return fail("unexpected end");
    }
    json v;
    const char c = text[pos];
    if (c == '{') {
      v.t = json::type::object;
      ++pos;
      blanks();
      if (pos < text.size() && text[pos] == '}') {
        ++pos;
        return v;
      }
      while (true) {
        blanks();
        if (pos >= text.size()) {
          incomplete = true;
          return fail("unfinished object");
        }
        if (text[pos] != '"') return fail("expected a member name");
        auto k = string_lit();
        if (!k) return std::move(k).failure();
        blanks();
        if (pos >= text.size()) {
          incomplete = true;
          return fail("unfinished object");
        }
        if (text[pos] != ':') return fail("expected ':'");
        ++pos;
        auto m = value(depth + 1);
        if (!m) return std::move(m).failure();
        v.o[*k] = std::move(*m);
        blanks();
        if (pos >= text.size()) {
          incomplete = true;
          return fail("unfinished object");
        }
        if (text[pos] == ',') {
          ++pos;
          continue;
        }
        if (text[pos] == '}') {
          ++pos;
          return v;
        }
        return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.t = json::type::array;
      ++pos;
      blanks();
      if (pos < text.size() && text[pos] == ']') {
        ++pos;
        return v;
      }
      while (true) {
        auto m = value(depth + 1);
        if (!m) return std::move(m).failure();
        v.a.push_back(std::move(*m));
        blanks();
        if (pos >= text.size()) {
          incomplete = true;
          return fail("unfinished array");
        }
        if (text[pos] == ',') {
          ++pos;
          continue;
        }
        if (text[pos] == ']') {
          ++pos;
          return v;
        }
        return fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      auto s = string_lit();
      if (!s) return std::move(s).failure();
      v.t = json::type::string;
      v.s = std::move(*s);
      return v;
    }
    auto word = [&](const char* w) {
      const std::string ws(w);
      if (text.compare(pos, ws.size(), ws) == 0) {
        pos += ws.size();
        return true;
      }
      if (text.size() - pos < ws.size() && ws.compare(0, text.size() - pos, text, pos) == 0) incomplete = true;
      return false;
    };
    if (word("true")) {
      v.t = json::type::boolean;
      v.b = true;
      return v;
    }
    if (word("false")) {
      v.t = json::type::boolean;
      return v;
    }
    if (word("null")) return v;
    if (c == '-' || (c >= '0' && c <= '9')) {
      const std::size_t start = pos;
      while (pos < text.size() && (std::string("+-.eE").find(text[pos]) != std::string::npos || (text[pos] >= '0' && text[pos] <= '9'))) ++pos;
      if (pos >= text.size()) incomplete = true;  // a number may go on
      v.t = json::type::number;
      v.s = text.substr(start, pos - start);
      return v;
    }
    if (incomplete) return fail("unexpected end");
    return fail(std::string("unexpected character '") + c + "'");
  }
};

}  // namespace

result<json> parse_json(const std::string& text, const std::string& what) {
  reader r{text, 0, what};
  auto v = r.value(0);
  if (!v) return v;
  r.blanks();
  if (r.pos != text.size()) return r.fail("text after the value");
  return v;
}

result<std::optional<json>> parse_json_prefix(const std::string& text, std::size_t& pos, const std::string& what) {
  reader r{text, pos, what};
  r.blanks();
  if (r.pos >= text.size()) return std::optional<json>();
  auto v = r.value(0);
  if (!v) {
    if (r.incomplete) return std::optional<json>();
    return std::move(v).failure();
  }
  if (v->t == json::type::number && r.pos >= text.size()) return std::optional<json>();
  pos = r.pos;
  return std::optional<json>(std::move(*v));
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else out += c;
  }
  return out + "\"";
}

}  // namespace shype::libvirt::fleet
