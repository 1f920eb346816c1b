// SPDX-License-Identifier: Apache-2.0
#include "util.hpp"

#include <shype/tool/io/text_escape.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace shype::libvirt {

namespace {
constexpr char hex[] = "0123456789ABCDEF";
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
std::string reason() { return std::strerror(errno); }
}  // namespace

std::string encode_field(const std::string& s) {
  if (s.empty()) return "-";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '%' || (c == '-' && s.size() == 1)) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

std::optional<std::string> decode_field(const std::string& s) {
  if (s == "-") return std::string();
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int a = hex_value(s[i + 1]), b = hex_value(s[i + 2]);
    if (a < 0 || b < 0) return std::nullopt;
    out += static_cast<char>(a * 16 + b);
    i += 2;
  }
  return out;
}

std::string one_line(const std::string& s) {
  // The tool's escaping, with backslashes doubled so that a record reads back one way.
  return tool::one_line(s, tool::escape_backslash::yes);
}

std::vector<std::string> split_blanks(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return s.substr(b, e - b);
}

namespace {
/// Reads `fd` to its end, keeping at most `limit` bytes; `over` says whether there was more.
bool read_all(int fd, std::size_t limit, std::string& out, bool& over) {
  out.clear();
  over = false;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    const auto got = static_cast<std::size_t>(n);
    if (out.size() + got > limit) {
      out.append(buf, limit - out.size());
      over = true;
    } else {
      out.append(buf, got);
    }
  }
}
/// Writes all of `text` (errno set on failure; a full device is ENOSPC).
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = ENOSPC;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}
std::string mib(std::size_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }
}  // namespace

result<std::string> read_text(const std::string& path) {
  // O_NONBLOCK: a FIFO in a file's place must not hang a hook (it is refused below).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return error(path + ": cannot open: " + reason());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool dir = S_ISDIR(st.st_mode);
    ::close(fd);
    return error(path + (dir ? ": is a directory" : ": not a regular file"));
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_input_bytes) {
    ::close(fd);
    return error(path + ": larger than the limit of " + mib(max_input_bytes));
  }
  std::string s;
  bool over = false;
  const bool ok = read_all(fd, max_input_bytes, s, over);
  const int saved = errno;
  ::close(fd);
  if (!ok) return error(path + ": cannot read: " + std::strerror(saved));
  if (over) return error(path + ": larger than the limit of " + mib(max_input_bytes));
  return s;
}

result<std::vector<std::uint8_t>> read_bytes(const std::string& path) {
  auto s = read_text(path);
  if (!s) return std::move(s).failure();
  return std::vector<std::uint8_t>(s->begin(), s->end());
}

result<std::string> read_stdin() {
  std::string s;
  bool over = false;
  if (!read_all(0, max_input_bytes, s, over)) return error("cannot read the XML on standard input: " + reason());
  if (over) return error("the XML on standard input is larger than the limit of " + mib(max_input_bytes));
  return s;
}

status write_atomic(const std::string& path, const std::string& content, unsigned mode) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return error(tmp + ": cannot create: " + reason());
  auto give_up = [&](const std::string& what) {
    error e(tmp + ": " + what + ": " + reason());
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  if (!write_all(fd, content)) return give_up("cannot write");
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) return give_up("cannot sync");
  ::close(fd);
  if (auto s = rename_durably(tmp, path); !s) {
    ::unlink(tmp.c_str());
    return s;
  }
  return {};
}

status rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return error(to + ": cannot replace: " + reason());
  // The rename is durable only once the directory is.
  const auto slash = to.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : to.substr(0, slash);
  if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    (void)::fsync(d);
    ::close(d);
  }
  return {};
}

status append_log(const std::string& path, const std::string& text, std::size_t limit) {
  // Another writer may rotate the log between our open and our lock: then the descriptor no
  // longer names PATH, and we open it again. A few rounds settle any race.
  for (int round = 0; round < 8; ++round) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return error(path + ": cannot open: " + reason());
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      error e(path + ": cannot lock: " + reason());
      ::close(fd);
      return e;
    }
    struct stat mine {}, named {};
    if (::fstat(fd, &mine) != 0 || ::stat(path.c_str(), &named) != 0 || mine.st_ino != named.st_ino ||
        mine.st_dev != named.st_dev) {
      ::close(fd);  // rotated (or removed) meanwhile
      continue;
    }
    if (mine.st_size > 0 && static_cast<std::uint64_t>(mine.st_size) + text.size() > limit) {
      const std::string old = path + ".1";
      if (::rename(path.c_str(), old.c_str()) != 0) {
        error e(path + ": cannot rotate to " + old + ": " + reason());
        ::close(fd);
        return e;
      }
      ::close(fd);
      continue;  // start the new log
    }
    if (!write_all(fd, text)) {
      error e(path + ": cannot write: " + reason());
      ::close(fd);
      return e;
    }
    ::close(fd);
    return {};
  }
  return error(path + ": rotated by others too often to append");
}

result<std::string> move_aside(const std::string& path, const std::string& tag, std::size_t keep) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string prefix = base + "." + tag + "-";

  timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  std::tm tm {};
  ::gmtime_r(&now.tv_sec, &tm);
  char stamp[48];
  const std::size_t len = std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
  std::snprintf(stamp + len, sizeof stamp - len, ".%09ldZ", static_cast<long>(now.tv_nsec));
  const std::string stem = path + "." + tag + "-" + stamp + "-" + std::to_string(::getpid()) + "-";

  std::optional<std::string> moved;
  for (unsigned n = 0; n < 1000 && !moved; ++n) {
    const std::string aside = stem + std::to_string(n);
    // RENAME_NOREPLACE: never overwrite an earlier copy. Where the file system lacks it, a
    // hard link does the same (it fails if the name exists), then the old name goes.
    if (::renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, aside.c_str(), RENAME_NOREPLACE) == 0) {
      moved = aside;
    } else if (errno == EEXIST) {
      continue;
    } else if (errno == EINVAL || errno == ENOSYS) {
      if (::link(path.c_str(), aside.c_str()) == 0) {
        if (::unlink(path.c_str()) != 0) return error(path + ": cannot remove after copying to " + aside + ": " + reason());
        moved = aside;
      } else if (errno != EEXIST) {
        return error(path + ": cannot move aside to " + aside + ": " + reason());
      }
    } else {
      return error(path + ": cannot move aside to " + aside + ": " + reason());
    }
  }
  if (!moved) return error(path + ": no free name to move it aside (" + stem + "N)");

  // Keep the newest `keep` copies (names sort by age: fixed-width UTC stamps).
  std::vector<std::string> copies;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.compare(0, prefix.size(), prefix) == 0) copies.push_back(name);
    }
    ::closedir(d);
  }
  std::sort(copies.begin(), copies.end());
  for (std::size_t i = 0; i + keep < copies.size(); ++i) (void)::unlink((dir + "/" + copies[i]).c_str());
  return *moved;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

status make_dirs(const std::string& path) {
  if (path.empty()) return error("empty directory name");
  std::string cur;
  std::size_t i = 0;
  while (i <= path.size()) {
    const std::size_t j = path.find('/', i);
    cur = path.substr(0, j == std::string::npos ? path.size() : j);
    if (!cur.empty() && !exists(cur) && ::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST)
      return error(cur + ": cannot create directory: " + reason());
    if (j == std::string::npos) break;
    i = j + 1;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return error(path + ": not a directory");
  return {};
}

std::string canonical_path(const std::string& path) {
  if (path.empty() || path[0] != '/') return path;
  if (char* r = ::realpath(path.c_str(), nullptr)) {
    std::string s = r;
    ::free(r);
    return s;
  }
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    const std::string p = path.substr(i, j - i);
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!p.empty() && p != ".") {
      parts.push_back(p);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

namespace {
// Fields of /proc/PID/stat after the command (which may hold blanks and parentheses).
std::vector<std::string> stat_fields(long pid) {
  auto s = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (!s) return {};
  const auto close = s->rfind(')');
  if (close == std::string::npos) return {};
  return split_blanks(trim(s->substr(close + 1)));  // [0] is field 3 (state)
}
}  // namespace

bool process_alive(long pid) {
  if (pid <= 0) return false;
  const auto f = stat_fields(pid);
  return !f.empty() && f[0] != "Z" && f[0] != "X";
}

std::string process_identity(long pid) {
  const auto f = stat_fields(pid);
  if (f.size() < 20) return {};
  return std::to_string(pid) + ":" + f[19];  // field 22: starttime
}

std::string timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm {};
  ::localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

std::string join_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    if (!a.empty() && a.find_first_of(" \t'\"\\$`") == std::string::npos) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

program_result run_program(const std::vector<std::string>& argv) {
  program_result r;
  std::string& output = r.output;
  if (argv.empty()) return r;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return r;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return r;
  }
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(fds[1]);
  bool over = false;
  (void)read_all(fds[0], max_program_output, output, over);  // to the end: the child never blocks
  ::close(fds[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  output = trim(output);
  if (over) output += " [output cut at " + std::to_string(max_program_output >> 10) + " KiB]";
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  return r;
}

}  // namespace shype::libvirt
