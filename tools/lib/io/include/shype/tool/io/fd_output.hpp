// SPDX-License-Identifier: Apache-2.0
#pragma once
// Standard output that remembers why it failed.
//
// std::cout reports a failed write only as badbit, long after errno has moved on; the tool must
// say "cannot write standard output: No space left on device" (`shype dump x.xml > /dev/full`).
// fd_output buffers, writes with write(2) and keeps the errno of the first failure; once one
// write failed, it refuses everything after it (a stream that lost bytes in the middle must not
// look whole).

#include <array>
#include <streambuf>

namespace shype::tool {

class fd_output final : public std::streambuf {
 public:
  explicit fd_output(int fd) noexcept;
  ~fd_output() override;
  fd_output(const fd_output&) = delete;
  fd_output& operator=(const fd_output&) = delete;

  /// The errno of the first failed write; 0 while every write succeeded.
  [[nodiscard]] int error() const noexcept { return error_; }

 protected:
  int_type overflow(int_type c) override;
  int sync() override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;

 private:
  bool drain() noexcept;

  int fd_;
  int error_ = 0;
  std::array<char, 65536> buffer_{};
};

}  // namespace shype::tool
