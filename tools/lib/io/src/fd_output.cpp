// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/fd_output.hpp>

#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace shype::tool {

fd_output::fd_output(int fd) noexcept : fd_(fd) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }

fd_output::~fd_output() { (void)drain(); }

bool fd_output::drain() noexcept {
  const char* p = pbase();
  std::size_t left = static_cast<std::size_t>(pptr() - pbase());
  while (error_ == 0 && left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  return error_ == 0;
}

fd_output::int_type fd_output::overflow(int_type c) {
  if (!drain()) return traits_type::eof();
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  *pptr() = traits_type::to_char_type(c);
  pbump(1);
  return c;
}

int fd_output::sync() { return drain() ? 0 : -1; }

std::streamsize fd_output::xsputn(const char* s, std::streamsize n) {
  if (error_ != 0) return 0;
  std::streamsize done = 0;
  while (done < n) {
    if (pptr() == epptr() && !drain()) break;
    const std::streamsize room = epptr() - pptr();
    const std::streamsize take = n - done < room ? n - done : room;
    std::memcpy(pptr(), s + done, static_cast<std::size_t>(take));
    pbump(static_cast<int>(take));
    done += take;
  }
  return done;  // short after a failure: the stream sets badbit
}

}  // namespace shype::tool
