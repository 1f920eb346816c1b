// SPDX-License-Identifier: Apache-2.0
// shype-libvirt: shype for libvirt/QEMU hosts (see adapters/libvirt/README.md).
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "fleet/fleet.hpp"

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    // The fleet layer (src/fleet/, docs/fleet.md) lives beside the hook: etcd and crypto stay out of it.
    if (!args.empty() && args[0] == "agent")
      return shype::libvirt::fleet::run_agent({args.begin() + 1, args.end()}, std::cout, std::cerr);
    if (!args.empty() && args[0] == "fleet")
      return shype::libvirt::fleet::run_fleet({args.begin() + 1, args.end()}, std::cout, std::cerr);
    return shype::libvirt::run(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // A hook that cannot finish refuses (libvirt treats any non-zero exit as a refusal).
    std::cerr << "shype: refused: internal error: " << e.what() << "\n";
    return shype::libvirt::exit_invalid;
  }
}
