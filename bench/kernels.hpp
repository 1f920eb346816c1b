// SPDX-License-Identifier: Apache-2.0
#pragma once
// The operations the suite times, each with its set-up: one definition used both by the Google
// Benchmark functions (time) and by `shype_bench --kernel NAME` under Callgrind (instructions),
// so the two measure the same code.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace bench {

using operation = std::function<void(std::size_t)>;  ///< argument: the iteration number

struct kernel {
  std::string name;   ///< "figure/system[/variant]", e.g. "te/256/shype/mix"
  std::string label;  ///< what a row of the report says
  /// Builds what the operation needs (once per process) and returns it. Throws if a peer is
  /// unavailable (no checkpolicy).
  std::function<operation()> setup;
  /// Run before each measurement (libsepol holds one policy at a time); may be empty.
  std::function<void()> each_run;
};

/// The critical-path kernels of shype and the peers.
const std::vector<kernel>& kernels();

/// The operation of a kernel, set up on first use.
const operation& operation_of(const kernel& k);

}  // namespace bench
