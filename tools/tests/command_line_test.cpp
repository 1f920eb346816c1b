// SPDX-License-Identifier: Apache-2.0
// The command line of <shype/tool/io/command_line.hpp>, linked against shype_tool_io alone: what
// any host program (the `shype` verbs, the libvirt adapter) gets without the XML front end.

#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <shype/tool/io/command_line.hpp>

namespace shype::tool {
namespace {

const command_spec spec{"dump", 1, 2, {"--xml"}, {"-o"}, "usage: shype dump FILE\n"};

struct parsed {
  std::optional<parsed_args> args;
  std::string err;
};

parsed parse(const command_spec& s, const std::vector<std::string>& argv) {
  std::ostringstream err;
  auto a = parse_args(s, argv, err);
  return {std::move(a), err.str()};
}

TEST(CommandLine, FlagsValuesAndPositionals) {
  const auto p = parse(spec, {"a.xml", "--xml", "-o", "out.txt", "b.xml"});
  ASSERT_TRUE(p.args) << p.err;
  EXPECT_EQ(p.args->positional, (std::vector<std::string>{"a.xml", "b.xml"}));
  EXPECT_EQ(p.args->flags.count("--xml"), 1u);
  EXPECT_EQ(p.args->values.at("-o"), "out.txt");
  EXPECT_FALSE(p.args->help);
  EXPECT_EQ(p.err, "");
}

TEST(CommandLine, RepeatedOptionKeepsEveryValue) {
  const auto p = parse(spec, {"a.xml", "-o", "one", "-o", "two"});
  ASSERT_TRUE(p.args) << p.err;
  EXPECT_EQ(p.args->values.at("-o"), "two");
  EXPECT_EQ(p.args->all_values.at("-o"), (std::vector<std::string>{"one", "two"}));
}

TEST(CommandLine, DoubleDashEndsTheOptions) {
  const auto p = parse(spec, {"--", "-o", "--help"});
  ASSERT_TRUE(p.args) << p.err;
  EXPECT_EQ(p.args->positional, (std::vector<std::string>{"-o", "--help"}));
  EXPECT_FALSE(p.args->help);
}

TEST(CommandLine, HelpStopsParsingWhereItStands) {
  for (const char* h : {"--help", "-h"}) {
    const auto q = parse(spec, {h, "--bogus"});  // nor is a missing positional an error
    ASSERT_TRUE(q.args) << h << ": " << q.err;
    EXPECT_TRUE(q.args->help);
    EXPECT_FALSE(parse(spec, {"--bogus", h}).args) << h;  // an unknown option before it is
  }
}

TEST(CommandLine, UsageErrorsNameTheCommandAndPointToHelp) {
  EXPECT_EQ(parse(spec, {"a", "--nope"}).err, "shype dump: unknown option --nope\n(see 'shype dump --help')\n");
  EXPECT_EQ(parse(spec, {"a", "-o"}).err, "shype dump: option -o needs a value\n(see 'shype dump --help')\n");
  EXPECT_EQ(parse(spec, {}).err, "shype dump: missing argument\n(see 'shype dump --help')\n");
  EXPECT_EQ(parse(spec, {"a", "b", "c"}).err, "shype dump: too many arguments\n(see 'shype dump --help')\n");
}

TEST(CommandLine, AnotherProgramNamesItself) {
  const command_spec other{"status", 0, 0, {}, {}, "usage: shype-libvirt status\n", "shype-libvirt"};
  EXPECT_EQ(parse(other, {"extra"}).err, "shype-libvirt status: too many arguments\n(see 'shype-libvirt status --help')\n");
  std::ostringstream err;
  EXPECT_EQ(usage_error(other, "no policy installed", err), exit_usage);
  EXPECT_EQ(err.str(), "shype-libvirt status: no policy installed\n(see 'shype-libvirt status --help')\n");
}

}  // namespace
}  // namespace shype::tool
