// SPDX-License-Identifier: Apache-2.0
// `shype simulate` under hostile traces: every quantity a trace can grow has a limit and a
// located answer (issue 11, 2a-2b): hosts, domains, policy loads, line length; a host's monitor
// is paid for only once a domain is placed on it; a directory or a pipe where a policy file is
// expected is an answer, not an abort; what was decided before is all in the output.

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <shype/tool/compile/load_policy.hpp>
#include <shype/tool/analysis/simulator.hpp>
#include "test_support.hpp"
#include <shype/tool/analysis/trace.hpp>

namespace shype::tool::test {
namespace {

std::string order_policy() { return slurp(examples_dir() + "/customer-order/policy.xml"); }

std::string dir() {
  const std::string d = scratch_dir() + "/simulate-limits/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::create_directories(d);
  return d;
}

/// A simulator on the customer-order policy, resolving `load` paths in `base`.
struct sim_fixture {
  explicit sim_fixture(const std::string& base) : p(load_policy(bytes_of(order_policy()), "policy.xml")), sim(p.binary, base, load_policy_file) {
    diagnostics d;
    EXPECT_TRUE(sim.start("policy.xml", d)) << d.text();
  }
  std::string run(const std::string& line, long number = 1) {
    trace_reader reader(line);
    trace_op op;
    EXPECT_TRUE(reader.next(op)) << line;
    op.line = number;
    return sim.run(op).json();
  }
  loaded_policy p;
  simulator sim;
};

std::string permit(long line, const char* op) { return "{\"line\":" + std::to_string(line) + ",\"op\":\"" + op + "\",\"decision\":\"permit\"}"; }

TEST(SimulateLimits, HostsAreBoundedAndTheRefusalSaysSo) {
  sim_fixture f(dir());
  for (std::size_t h = 1; h < max_simulated_hosts; ++h)  // "local" is the first host
    ASSERT_EQ(f.run("create d" + std::to_string(h) + " dom_Computing h" + std::to_string(h)), permit(1, "create"));
  EXPECT_EQ(f.sim.host_count(), max_simulated_hosts);
  EXPECT_EQ(f.run("create extra dom_Computing one-too-many", 7),
            R"j({"line":7,"op":"create","decision":"error","reason":"too many hosts: host \"one-too-many\" would be host 65, the simulator holds 64"})j");
  EXPECT_EQ(f.run("migrate d1 another-new-one", 8),
            R"j({"line":8,"op":"migrate","decision":"error","reason":"too many hosts: host \"another-new-one\" would be host 65, the simulator holds 64"})j");
  // Known hosts still work.
  EXPECT_EQ(f.run("create extra dom_Computing h3", 9), permit(9, "create"));
  EXPECT_EQ(f.sim.host_count(), max_simulated_hosts);
}

TEST(SimulateLimits, AFailedPlacementCostsNoHost) {
  sim_fixture f(dir());
  // Every domain id in use: a create naming a new host fails and must not keep a monitor for it.
  for (std::size_t i = 0; i < simulator_limits.max_domains; ++i)
    ASSERT_EQ(f.run("create d" + std::to_string(i) + " dom_Computing"), permit(1, "create")) << i;
  EXPECT_EQ(f.run("create more dom_Computing elsewhere"),
            R"j({"line":1,"op":"create","decision":"error","reason":"too many domains (the simulator holds 1024)"})j");
  EXPECT_EQ(f.sim.host_count(), 1u);
  // Nor do creates refused for other reasons, whatever host they name.
  EXPECT_EQ(f.run("create d1 dom_Computing h1"), R"j({"line":1,"op":"create","decision":"error","reason":"domain name \"d1\" is already in use (running on host \"local\")"})j");
  EXPECT_EQ(f.run("create z no_such_label h2"), R"j({"line":1,"op":"create","decision":"error","reason":"unknown VM label \"no_such_label\""})j");
  EXPECT_EQ(f.sim.host_count(), 1u);
  // A save, then a restore on a new host that goes through: now that host exists.
  EXPECT_EQ(f.run("save d5"), permit(1, "save"));
  EXPECT_EQ(f.run("restore d5 h9"), permit(1, "restore"));
  EXPECT_EQ(f.sim.host_count(), 2u);
}

TEST(SimulateLimits, PolicyLoadsAreBounded) {
  const std::string d = dir();
  spit(d + "/same.xml", order_policy());
  sim_fixture f(d);
  for (std::size_t i = 0; i < max_simulated_loads; ++i)
    ASSERT_EQ(f.run("load same.xml"), R"j({"line":1,"op":"load","decision":"permit","revoked":0})j") << i;
  EXPECT_EQ(f.run("load same.xml", 300),
            R"j({"line":300,"op":"load","decision":"error","reason":"too many policy loads: a trace may load at most 256 policies"})j");
}

TEST(SimulateLimits, ALongLineIsAnErrorThatKeepsNothingOfIt) {
  const std::string long_name(max_trace_line_bytes, 'x');
  const auto ops = parse_trace("create a dom_Computing\ncreate " + long_name + " dom_Computing\n" + std::string(5000, ' ') +
                               "\nbind a b # " + long_name + "\n");
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].problem, "");
  EXPECT_EQ(ops[1].line, 2);
  EXPECT_EQ(ops[1].verb, "create");
  EXPECT_TRUE(ops[1].args.empty());
  EXPECT_EQ(ops[1].problem, "line is longer than 4096 bytes (the limit of a trace line)");
  EXPECT_EQ(ops[2].line, 4);  // a blank line of any length is skipped; a long comment is no operation
  EXPECT_EQ(ops[2].problem, "");
  EXPECT_EQ(ops[2].args, (std::vector<std::string>{"a", "b"}));
  // Exactly at the limit is fine.
  const std::string at_limit = "create " + std::string(max_trace_line_bytes - 7 - 14, 'y') + " dom_Computing";
  ASSERT_EQ(at_limit.size(), max_trace_line_bytes);
  EXPECT_EQ(parse_trace(at_limit).at(0).problem, "");
  sim_fixture f(dir());
  EXPECT_EQ(f.sim.run(ops[1]).json(),
            R"j({"line":2,"op":"create","decision":"error","reason":"line is longer than 4096 bytes (the limit of a trace line)"})j");
  EXPECT_EQ(f.sim.run(parse_trace(at_limit).at(0)).json(), permit(1, "create"));
}

TEST(SimulateLimits, LoadOfADirectoryOrAPipeIsAnAnswer) {
  const std::string d = dir();
  std::filesystem::create_directories(d + "/sub");
  const std::string fifo = d + "/fifo";
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  sim_fixture f(d);
  EXPECT_EQ(f.run("load ."), R"j({"line":1,"op":"load","decision":"error","reason":"policy file does not load: .: is a directory, not a file"})j");
  EXPECT_EQ(f.run("load sub"), R"j({"line":1,"op":"load","decision":"error","reason":"policy file does not load: sub: is a directory, not a file"})j");
  // A named pipe with no writer would block a plain open: refused without waiting.
  EXPECT_EQ(f.run("load fifo"),
            R"j({"line":1,"op":"load","decision":"error","reason":"policy file does not load: fifo: is a named pipe (FIFO), not a regular file"})j");
  EXPECT_EQ(f.run("load /dev/zero"),
            R"j({"line":1,"op":"load","decision":"error","reason":"policy file does not load: /dev/zero: is a character device, not a regular file"})j");
}

TEST(SimulateLimits, EveryAnswerBeforeAndAfterABadLoadIsPrinted) {
  const std::string d = dir();
  spit(d + "/policy.xml", order_policy());
  spit(d + "/trace.txt", "create a dom_Computing\nload .\ncreate b dom_Computing\n");
  const auto r = shype({"simulate", d + "/policy.xml", d + "/trace.txt"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, permit(1, "create") + "\n" +
                       R"j({"line":2,"op":"load","decision":"error","reason":"policy file does not load: .: is a directory, not a file"})j" +
                       "\n" + permit(3, "create") + "\n");
}

TEST(SimulateLimits, ATraceOrPolicyThatIsADirectoryIsAOneLineError) {
  const std::string d = dir();
  spit(d + "/policy.xml", order_policy());
  auto r = shype({"simulate", d + "/policy.xml", d});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, d + ": is a directory, not a file\n");
  spit(d + "/trace.txt", "create a dom_Computing\n");
  r = shype({"simulate", d, d + "/trace.txt"});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, d + ": is a directory, not a file\n");
}

}  // namespace
}  // namespace shype::tool::test
