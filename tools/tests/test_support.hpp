// SPDX-License-Identifier: Apache-2.0
#pragma once
// Helpers of the tool's tests: where the data is, the golden policy and one-change mutations,
// running the CLI in-process.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <shype/tool/cli/cli.hpp>
#include <shype/tool/compile/compiler.hpp>
#include <shype/tool/io/diagnostic.hpp>

namespace shype::tool::test {

inline std::string data_dir() { return SHYPE_TOOL_TEST_DATA; }         // tools/tests/data
inline std::string xen_dir() { return SHYPE_XEN_POLICIES; }            // tests/data/xen-acm-policies
inline std::string examples_dir() { return SHYPE_EXAMPLES; }           // examples
inline std::string scratch_dir() { return SHYPE_TOOL_TEST_SCRATCH; }  // in the build tree

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void spit(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

inline std::string golden() { return slurp(data_dir() + "/golden.xml"); }

/// The golden policy with `from` (which must occur exactly once) replaced by `to`.
inline std::string mutate(const std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "not in the policy: " << from;
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "occurs more than once: " << from;
  return text.substr(0, at) + to + text.substr(at + from.size());
}

/// Compiles XML text named `file`.
inline compile_result compile_text(const std::string& xml, const std::string& file = "golden.xml") {
  return compile_xml(reinterpret_cast<const std::uint8_t*>(xml.data()), xml.size(), file);
}

/// Every diagnostic formatted, in order.
inline std::vector<std::string> lines(const diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& x : d.list()) out.push_back(format(x));
  return out;
}

/// Runs `shype ARGS...` in-process.
struct run_result {
  int rc;
  std::string out, err;
};
inline run_result shype(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int rc = run_shype(args, out, err);
  return {rc, out.str(), err.str()};
}

}  // namespace shype::tool::test
