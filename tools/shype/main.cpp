// SPDX-License-Identifier: Apache-2.0
// The `shype` command-line tool: policy management for the shype reference monitor.

#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const int rc = shype::tool::run_shype(args, std::cout, std::cerr);
  std::cout.flush();
  return std::cout ? rc : shype::tool::exit_invalid;
}
