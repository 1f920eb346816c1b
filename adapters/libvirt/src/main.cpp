// SPDX-License-Identifier: Apache-2.0
// shype-libvirt: shype for libvirt/QEMU hosts (see adapters/libvirt/README.md).
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return shype::libvirt::run(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // A hook that cannot finish refuses (libvirt treats any non-zero exit as a refusal).
    std::cerr << "shype: refused: internal error: " << e.what() << "\n";
    return shype::libvirt::exit_invalid;
  }
}
