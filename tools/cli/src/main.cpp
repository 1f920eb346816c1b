// SPDX-License-Identifier: Apache-2.0
// The `shype` command-line tool: policy management for the shype reference monitor.

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include <shype/tool/io/atomic_file.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/io/fd_output.hpp>

namespace {

/// `shype libvirt ARGS...` runs the libvirt adapter (`shype-libvirt ARGS...`: install the hook,
/// status, a live policy change on this host), so that operators find every policy operation
/// under one command. The adapter is a separate program because libvirt runs it as its hook;
/// it is taken from $SHYPE_LIBVIRT, else from PATH and the sbin directories it is installed to.
int run_libvirt_adapter(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string name = "shype-libvirt";
  argv.push_back(name.data());
  std::vector<std::string> rest(args.begin() + 1, args.end());
  for (auto& a : rest) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (const char* explicit_path = std::getenv("SHYPE_LIBVIRT"); explicit_path != nullptr && *explicit_path != '\0') {
    execv(explicit_path, argv.data());
    std::cerr << "shype: libvirt: cannot run " << explicit_path << " (from SHYPE_LIBVIRT): " << std::strerror(errno) << "\n";
    return shype::tool::exit_invalid;
  }
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/local/sbin:/usr/sbin:/sbin";
  setenv("PATH", path.c_str(), 1);
  execvp(name.c_str(), argv.data());
  std::cerr << "shype: libvirt: cannot run shype-libvirt: " << std::strerror(errno)
            << " (build and install the libvirt adapter, adapters/libvirt, or set SHYPE_LIBVIRT)\n";
  return shype::tool::exit_invalid;
}

}  // namespace

int main(int argc, char** argv) {
  shype::tool::ignore_file_size_signal();  // past `ulimit -f` a write fails (EFBIG), the old file stays
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "libvirt") return run_libvirt_adapter(args);
  // `shype fleet VERB ...` is the adapter's fleet verbs (docs/fleet.md): shype-libvirt fleet VERB ...
  if (!args.empty() && args.front() == "fleet") {
    std::vector<std::string> adapter{"libvirt"};
    adapter.insert(adapter.end(), args.begin(), args.end());
    return run_libvirt_adapter(adapter);
  }
  // Standard output through fd_output, so that a failed write is reported with its reason
  // (run_shype checks it after every command); nothing else in the process writes to fd 1.
  shype::tool::fd_output stdout_buffer(STDOUT_FILENO);
  std::ostream out(&stdout_buffer);
  // Nothing is expected to throw, but running out of memory can: one line and exit 3, never
  // std::terminate, and what standard output already holds is still written (the destructor).
  try {
    return shype::tool::run_shype(args, out, std::cerr);
  } catch (const std::bad_alloc&) {
    std::cerr << "shype: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "shype: internal error: " << e.what() << "\n";
  }
  return shype::tool::exit_invalid;
}
