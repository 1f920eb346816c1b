// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/input_file.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shype::tool {
namespace {

/// What a non-regular file is, for "is a ..., not a regular file".
const char* kind_of_file(mode_t m) {
  if (S_ISFIFO(m)) return "named pipe (FIFO)";
  if (S_ISCHR(m)) return "character device";
  if (S_ISBLK(m)) return "block device";
  if (S_ISSOCK(m)) return "socket";
  return "special file";
}

struct fd_closer {
  int fd;
  ~fd_closer() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string size_text(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

result<std::vector<std::uint8_t>> read_input_file(const std::string& path, std::size_t limit) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return error(std::string("cannot open: ") + std::strerror(errno));
  const fd_closer closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return error(std::string("cannot read: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return error("is a directory, not a file");
  if (!S_ISREG(st.st_mode)) return error(std::string("is a ") + kind_of_file(st.st_mode) + ", not a regular file");
  const auto too_large = [&] { return error("is larger than " + size_text(limit) + ", the limit for an input file"); };
  if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > limit) return too_large();
  std::vector<std::uint8_t> bytes;
  // The size may change while we read (or be 0 for files like /proc's): read to the end, bounded.
  bytes.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t have = 0;
  for (;;) {
    if (have == bytes.size()) {
      if (have > limit) return too_large();
      bytes.resize(std::min(limit + 1, have * 2 + 4096));
    }
    const ssize_t n = ::read(fd, bytes.data() + have, bytes.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return error(std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  if (have > limit) return too_large();
  bytes.resize(have);
  return bytes;
}

std::string foreign_encoding(const std::vector<std::uint8_t>& b) {
  auto starts = [&](std::initializer_list<int> p) {
    if (b.size() < p.size()) return false;
    std::size_t i = 0;
    for (int x : p) {
      if (x >= 0 && b[i] != x) return false;
      ++i;
    }
    return true;
  };
  // UTF-32 first: its little-endian BOM begins with UTF-16's. -1 matches any byte.
  if (starts({0xFF, 0xFE, 0x00, 0x00}) || starts({'<', 0, 0, 0})) return "UTF-32 (little-endian)";
  if (starts({0x00, 0x00, 0xFE, 0xFF}) || starts({0, 0, 0, '<'})) return "UTF-32 (big-endian)";
  if (starts({0xFF, 0xFE}) || starts({'<', 0, -1, 0})) return "UTF-16 (little-endian)";
  if (starts({0xFE, 0xFF}) || starts({0, '<', 0, -1})) return "UTF-16 (big-endian)";
  return {};
}

}  // namespace shype::tool
