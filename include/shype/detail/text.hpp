// SPDX-License-Identifier: Apache-2.0
#pragma once
// A bounded text writer: no printf, no allocation. Used by the audit formatter, which must work
// in a hypervisor that has neither. Output is truncated at capacity and always NUL-terminated.

#include <cstddef>
#include <cstdint>

#include "../string_ref.hpp"

namespace shype::detail {

class text_writer {
 public:
  constexpr text_writer(char* buf, std::size_t cap) noexcept : buf_(buf), cap_(cap) {
    if (cap_ != 0) buf_[0] = '\0';
  }

  constexpr text_writer& put(char c) noexcept {
    if (len_ + 1 < cap_) {
      buf_[len_++] = c;
      buf_[len_] = '\0';
    } else {
      truncated_ = true;
    }
    return *this;
  }
  constexpr text_writer& put(string_ref s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) put(s[i]);
    return *this;
  }
  constexpr text_writer& put(const char* s) noexcept { return put(string_ref(s)); }
  constexpr text_writer& put_uint(std::uint64_t v) noexcept {
    char tmp[20];
    std::size_t n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n != 0) put(tmp[--n]);
    return *this;
  }
  /// A name in double quotes, with quotes and backslashes escaped and control bytes dropped.
  constexpr text_writer& put_quoted(string_ref s) noexcept {
    put('"');
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '"' || c == '\\') put('\\');
      if (static_cast<unsigned char>(c) >= 0x20) put(c);
    }
    return put('"');
  }

  [[nodiscard]] constexpr std::size_t size() const noexcept { return len_; }
  [[nodiscard]] constexpr bool truncated() const noexcept { return truncated_; }

 private:
  char* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
  bool truncated_ = false;
};

}  // namespace shype::detail
