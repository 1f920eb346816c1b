// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/atomic_file.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shype::tool {
namespace {

std::string why() { return std::strerror(errno); }

/// Writes all of `content` to `fd`; false (errno set) on failure.
bool write_all(int fd, std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

mode_t creation_mode() {
  const mode_t mask = ::umask(0);  // the only way to read it; the tool is single-threaded here
  ::umask(mask);
  return static_cast<mode_t>(0666 & ~mask);
}

/// A stream target (device, pipe): written in place, nothing to replace.
status write_stream(const std::string& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return error("cannot open: " + why());
  const bool ok = write_all(fd, content);
  const std::string failed = ok ? std::string() : why();
  if (::close(fd) != 0 && ok) return error("cannot write: " + why());
  if (!ok) return error("cannot write: " + failed);
  return {};
}

}  // namespace

result<std::string> temp_file_beside(const std::string& path) {
  std::string tmp = directory_of(path) + "/." + base_name(path) + ".tmp-XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return error("cannot create a temporary file in " + directory_of(path) + ": " + why());
  ::close(fd);
  return std::string(name.data());
}

void ignore_file_size_signal() noexcept { std::signal(SIGXFSZ, SIG_IGN); }

status write_file_atomic(const std::string& path, std::string_view content, std::optional<unsigned> mode) {
  if (path.empty()) return error("cannot write: empty file name");
  std::string target = path;
  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  if (existed) {
    if (S_ISDIR(st.st_mode)) return error("is a directory, not a file");
    if (!S_ISREG(st.st_mode)) return write_stream(path, content);
    // Replace the file a symbolic link names, not the link.
    if (char* real = ::realpath(path.c_str(), nullptr)) {
      target = real;
      std::free(real);
    }
  }
  const std::string unchanged = existed ? "; the old file is unchanged" : "; nothing was written";

  std::string tmp = directory_of(target) + "/." + base_name(target) + ".tmp-XXXXXX";
  std::vector<char> name(tmp.begin(), tmp.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return error("cannot create a temporary file in " + directory_of(target) + ": " + why() + unchanged);
  tmp = name.data();
  auto fail = [&](const char* what) {
    error e(std::string(what) + why() + unchanged);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  const mode_t want = mode ? static_cast<mode_t>(*mode) : existed ? static_cast<mode_t>(st.st_mode & 07777) : creation_mode();
  if (!write_all(fd, content)) return fail("cannot write: ");
  if (::fchmod(fd, want) != 0) return fail("cannot set the mode: ");
  if (::fsync(fd) != 0) return fail("cannot write (sync): ");
  if (::close(fd) != 0) {
    error e("cannot write (close): " + why() + unchanged);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    error e("cannot replace: " + why() + unchanged);
    ::unlink(tmp.c_str());
    return e;
  }
  // The rename lasts once the directory is on disk too.
  if (const int d = ::open(directory_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    (void)::fsync(d);
    ::close(d);
  }
  return {};
}

}  // namespace shype::tool
