// SPDX-License-Identifier: Apache-2.0
// The sub-commands end to end (in-process): check, dump, diff, graph, compile, usage errors and
// --help. What a command prints is asserted exactly where it is short enough to read.

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include <shype/policy_builder.hpp>

#include "test_support.hpp"

namespace shype::tool::test {
namespace {

std::string dir() {
  const std::string d = scratch_dir() + "/commands";
  std::filesystem::create_directories(d);
  return d;
}

std::string golden_path() { return data_dir() + "/golden.xml"; }

/// golden.xml compiled into the scratch directory.
std::string golden_bin() {
  const std::string out = dir() + "/golden.bin";
  EXPECT_EQ(shype({"compile", golden_path(), "-o", out}).rc, exit_ok);
  return out;
}

TEST(Commands, CompileWritesTheBinary) {
  const std::string out = dir() + "/compiled.bin";
  std::filesystem::remove(out);
  const auto r = shype({"compile", golden_path(), "-o", out});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out, "wrote " + out + " (504 bytes): policy \"golden\" version 2.7\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(slurp(out).size(), 504u);
}

TEST(Commands, CompileErrorsWriteNothing) {
  const std::string bad = dir() + "/bad.xml", out = dir() + "/bad.bin";
  spit(bad, mutate(golden(), "<Name>dom_Beta</Name>", "<Name>dom_Alpha</Name>"));
  std::filesystem::remove(out);
  const auto r = shype({"compile", bad, "-o", out});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, bad + ":53: Name: duplicate VM label \"dom_Alpha\" (first defined on line 44)\n1 error\n");
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(Commands, CompileRefusesABinary) {
  const std::string bin = golden_bin();
  const auto r = shype({"compile", bin, "-o", dir() + "/x.bin"});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, bin + ": not XML: compile reads ACM policy XML (use 'shype check' for a binary)\n");
}

TEST(Commands, CheckXmlAndBinary) {
  const std::string summary =
      " policy \"golden\" version 2.7: 3 TE types, 4 Chinese Wall types, 1 conflict set, 4 VM labels, 2 resource labels, bootstrap "
      "\"dom_Management\"\n";
  auto r = shype({"check", golden_path()});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out, "OK: " + golden_path() + ": XML" + summary);
  const std::string bin = golden_bin();
  r = shype({"check", bin});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out, "OK: " + bin + ": binary" + summary);
}

TEST(Commands, CheckReportsABrokenBinaryPrecisely) {
  auto b = slurp(golden_bin());
  b[0xe8 + 24] = 0x7;  // dom_Beta gets cw_Alpha too (checksum now wrong as well)
  const std::string bad = dir() + "/two-types.bin";
  spit(bad, b);
  const auto r = shype({"check", bad});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(bad + ": offset 0x18: header field checksum: checksum is 0xf88693cbdf6b8e9b, the contents hash to "), std::string::npos);
  EXPECT_NE(r.err.find("\n1 error\n"), std::string::npos);
}

TEST(Commands, CheckPrintsWarningsAndStillSucceeds) {
  const auto r = shype({"check", xen_dir() + "/dialect-2006/ste__client_v1-security_policy.xml"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.err, xen_dir() + "/dialect-2006/ste__client_v1-security_policy.xml:7: PolicyHeader: warning: no Version element (2006 dialect): compiled as version 0.0\n");
  EXPECT_EQ(r.out.rfind("OK: ", 0), 0u);
}

TEST(Commands, DumpText) {
  const auto r = shype({"dump", golden_bin()});
  EXPECT_EQ(r.rc, exit_ok);
  const std::string hash = "source-sha256: ";
  const auto at = r.out.find(hash);
  ASSERT_NE(at, std::string::npos);
  std::string text = r.out;
  text.replace(at + hash.size(), 64, "<hash>");
  EXPECT_EQ(text,
            "policy: golden\n"
            "version: 2.7\n"
            "size: 504 bytes (format 1.0)\n"
            "checksum: 0xf88693cbdf6b8e9b (XXH64)\n"
            "source-sha256: <hash>\n"
            "sections: type-enforcement chinese-wall\n"
            "bootstrap: dom_Management\n"
            "\nTE types (3):\n  Ads\n  Management\n  Order\n"
            "\nChinese Wall types (4):\n  cw_Alpha\n  cw_Beta\n  cw_Gamma\n  cw_Management\n"
            "\nconflict sets (1):\n  Competitors: cw_Alpha, cw_Beta\n"
            "\nVM labels (4):\n"
            "  dom_Alpha\n    te: Order\n    cw: cw_Alpha\n"
            "  dom_Beta\n    te: Ads\n    cw: cw_Beta, cw_Gamma\n"
            "  dom_Idle\n    te: -\n    cw: -\n"
            "  dom_Management\n    te: Ads, Management, Order\n    cw: cw_Management\n"
            "\nresource labels (2):\n  res_Ads\n    te: Ads\n  res_Orders\n    te: Order\n");
}

TEST(Commands, DumpXmlRecompilesToTheSameBytes) {
  const std::string bin = golden_bin(), xml = dir() + "/golden.dump.xml", again = dir() + "/golden.again.bin";
  EXPECT_EQ(shype({"dump", "--xml", bin, "-o", xml}).rc, exit_ok);
  EXPECT_EQ(shype({"compile", xml, "-o", again}).rc, exit_ok);
  EXPECT_EQ(slurp(bin), slurp(again));
  // The instruction carries golden.xml's own hash (SHA-256 of the file's bytes).
  EXPECT_NE(slurp(xml).find("<?shype source-sha256=\""), std::string::npos);
}

TEST(Commands, DumpXmlOfEveryVendoredPolicyRoundTrips) {
  // The CLI round_trip test does the same with the real binary; this one runs under sanitizers too.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(xen_dir())) {
    if (entry.path().extension() != ".xml") continue;
    const std::string src = entry.path().string(), bin = dir() + "/rt.bin", xml = dir() + "/rt.xml", bin2 = dir() + "/rt2.bin";
    ASSERT_EQ(shype({"compile", src, "-o", bin}).rc, exit_ok) << src;
    ASSERT_EQ(shype({"dump", "--xml", bin, "-o", xml}).rc, exit_ok) << src;
    ASSERT_EQ(shype({"compile", xml, "-o", bin2}).rc, exit_ok) << src;
    EXPECT_EQ(slurp(bin), slurp(bin2)) << src;
  }
}

TEST(Commands, DumpXmlWithoutTypeEnforcementRoundTrips) {
  // No SimpleTypeEnforcement section: labels name no TE type, resource labels keep an empty one.
  std::string g = golden();
  const auto from = g.find("  <SimpleTypeEnforcement>"), to = g.find("  <ChineseWall ");
  g = g.substr(0, from) + g.substr(to);
  const std::string open = "        <SimpleTypeEnforcementTypes>\n", close = "        </SimpleTypeEnforcementTypes>\n";
  for (std::size_t at; (at = g.find(open)) != std::string::npos;) {
    const std::size_t stop = g.find(close, at) + close.size();
    g.replace(at, stop - at, at > g.find("<ObjectLabels>") ? "        <SimpleTypeEnforcementTypes><Type/></SimpleTypeEnforcementTypes>\n" : "");
  }
  const std::string src = dir() + "/no-te.xml", bin = dir() + "/no-te.bin", xml = dir() + "/no-te.dump.xml", again = dir() + "/no-te.again.bin";
  spit(src, g);
  ASSERT_EQ(shype({"compile", src, "-o", bin}).rc, exit_ok) << shype({"check", src}).err;
  ASSERT_EQ(shype({"dump", "--xml", bin, "-o", xml}).rc, exit_ok);
  EXPECT_NE(slurp(xml).find("<Type/>"), std::string::npos);
  ASSERT_EQ(shype({"compile", xml, "-o", again}).rc, exit_ok);
  EXPECT_EQ(slurp(bin), slurp(again));
  EXPECT_NE(shype({"dump", bin}).out.find("sections: chinese-wall\n"), std::string::npos);
}

TEST(Commands, DumpXmlRefusesWhatTheSchemaCannotExpress) {
  // A binary from another writer: MLS levels and a resource label with two TE types.
  auto b = std::make_unique<shype::policy_builder<>>("mls");
  const auto a = b->te_type("A").value(), c = b->te_type("C").value();
  b->enable_mls(2);
  const auto l = b->vm_label("boot", {a}, {}).value();
  const auto r = b->resource_label("both", {a, c}).value();
  ASSERT_TRUE(b->vm_label_mls(l, {1, {0}}, {0, {}}));
  ASSERT_TRUE(b->resource_label_mls(r, {0, {}}, {0, {}}));
  b->bootstrap("boot");
  std::vector<std::uint8_t> out(b->size());
  ASSERT_TRUE(b->build(out.data(), out.size()));
  const std::string bin = dir() + "/mls.bin";
  spit(bin, std::string(out.begin(), out.end()));
  const auto x = shype({"dump", "--xml", bin});
  EXPECT_EQ(x.rc, exit_invalid);
  EXPECT_EQ(x.err, bin + ": cannot be written as ACM policy XML: it has an MLS section, which the Xen schema has no element for\n" + bin +
                       ": cannot be written as ACM policy XML: resource label \"both\" has 2 TE types (the schema allows one)\n");
  const auto t = shype({"dump", bin});
  EXPECT_EQ(t.rc, exit_ok);
  EXPECT_NE(t.out.find("  boot\n    te: A\n    cw: -\n    mls: secrecy 1 {0}, integrity 0 {}\n"), std::string::npos) << t.out;
}

TEST(Commands, Diff) {
  const std::string ex = examples_dir() + "/customer-order/";
  auto r = shype({"diff", ex + "policy.xml", ex + "policy-v2.xml"});
  EXPECT_EQ(r.rc, exit_differs);
  EXPECT_EQ(r.out, "--- " + ex + "policy.xml\n+++ " + ex + "policy-v2.xml\n"
                   "changed  version 1.0 -> 1.1\n"
                   "added    VM label \"dom_OrderStorage\": te \"Order\"; cw \"cw_Order\"\n"
                   "changed  VM label \"dom_VirtualDisk\": te \"Advertising\", \"Order\"; cw \"cw_Management\" -> te \"Advertising\"; cw \"cw_Management\"\n"
                   "forbid   share \"dom_Order\" <-> \"dom_VirtualDisk\"\n"
                   "forbid   access \"dom_VirtualDisk\" -> \"vdisk_Order\"\n");
  r = shype({"diff", ex + "policy-v2.xml", ex + "policy-v3-isolation.xml"});
  EXPECT_EQ(r.rc, exit_differs);
  EXPECT_EQ(r.out, "--- " + ex + "policy-v2.xml\n+++ " + ex + "policy-v3-isolation.xml\n"
                   "changed  version 1.1 -> 1.2\n"
                   "added    conflict set \"OrderIsolation\": \"cw_Computing\", \"cw_Order\"\n"
                   "forbid   same host \"dom_Computing\" / \"dom_Order\" (conflict set \"OrderIsolation\")\n"
                   "forbid   same host \"dom_Computing\" / \"dom_OrderStorage\" (conflict set \"OrderIsolation\")\n");
}

TEST(Commands, DiffTheOtherWayAllows) {
  const std::string ex = examples_dir() + "/customer-order/";
  const auto r = shype({"diff", ex + "policy-v3-isolation.xml", ex + "policy.xml"});
  EXPECT_EQ(r.rc, exit_differs);
  EXPECT_NE(r.out.find("removed  VM label \"dom_OrderStorage\": te \"Order\"; cw \"cw_Order\"\n"), std::string::npos);
  EXPECT_NE(r.out.find("removed  conflict set \"OrderIsolation\": \"cw_Computing\", \"cw_Order\"\n"), std::string::npos);
  EXPECT_NE(r.out.find("allow    share \"dom_Order\" <-> \"dom_VirtualDisk\" (common TE types: \"Order\")\n"), std::string::npos);
  EXPECT_NE(r.out.find("allow    access \"dom_VirtualDisk\" -> \"vdisk_Order\"\n"), std::string::npos);
  EXPECT_NE(r.out.find("allow    same host \"dom_Computing\" / \"dom_Order\" (no conflict set keeps them apart now)\n"), std::string::npos);
}

TEST(Commands, DiffOfXmlAndItsBinaryIsEmpty) {
  const auto r = shype({"diff", golden_path(), golden_bin()});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out, "--- " + golden_path() + "\n+++ " + dir() + "/golden.bin\nno differences\n");
}

TEST(Commands, DiffSectionsAndTypes) {
  const std::string a = dir() + "/diff-a.xml";
  const std::string g = golden();
  spit(a, mutate(g, "      <Type>Ads</Type>\n    </SimpleTypeEnforcementTypes>", "      <Type>Ads</Type>\n      <Type>Spare</Type>\n    </SimpleTypeEnforcementTypes>"));
  const auto r = shype({"diff", golden_path(), a});
  EXPECT_EQ(r.rc, exit_differs);
  EXPECT_EQ(r.out, "--- " + golden_path() + "\n+++ " + a + "\nadded    TE type \"Spare\"\n");
}

TEST(Commands, DiffFollowsRenames) {
  // A rename is not a removal and an addition: the label carries on, compared with its successor.
  const std::string a = dir() + "/diff-renamed.xml";
  spit(a, mutate(golden(), "<Name>dom_Beta</Name>", "<Name from=\"dom_Beta\">dom_B</Name>"));
  auto r = shype({"diff", golden_path(), a});
  EXPECT_EQ(r.rc, exit_differs);
  EXPECT_EQ(r.out, "--- " + golden_path() + "\n+++ " + a + "\nrenamed  VM label \"dom_Beta\" -> \"dom_B\"\n");
  // A rename that also changes the label's types says both.
  const std::string b = dir() + "/diff-renamed-changed.xml";
  spit(b, mutate(mutate(golden(), "<Name>dom_Beta</Name>", "<Name from=\"dom_Beta\">dom_B</Name>"),
                 "<Type>cw_Beta</Type>\n          <Type>cw_Gamma</Type>", "<Type>cw_Gamma</Type>"));
  r = shype({"diff", golden_path(), b});
  EXPECT_NE(r.out.find("renamed  VM label \"dom_Beta\" -> \"dom_B\"\nchanged  VM label \"dom_Beta\" (renamed \"dom_B\"): "),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("added "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("removed "), std::string::npos) << r.out;
}

TEST(Commands, GraphDot) {
  const auto r = shype({"graph", examples_dir() + "/customer-order/policy.xml"});
  EXPECT_EQ(r.rc, exit_ok);
  const std::string& g = r.out;
  EXPECT_EQ(g.rfind("graph \"example.customer-order\" {\n", 0), 0u);
  auto has = [&](const std::string& s) { EXPECT_NE(g.find(s), std::string::npos) << "missing: " << s; };
  // Coalitions: TE types clustered, labels joined to their types.
  has("  subgraph cluster_te {\n");
  has("    \"te:Order\" [label=\"Order\", shape=ellipse");
  has("  \"te:Order\" -- \"vm:dom_Order\" [color=\"#4a78b5\"];\n");
  has("  \"res:vdisk_Ads\" -- \"te:Advertising\" [color=\"#4a78b5\"];\n");
  has("  \"vm:dom_Management\" [label=\"dom_Management\n(bootstrap)\"");
  // Who may talk to whom.
  has("  \"vm:dom_Order\" -- \"vm:dom_VirtualDisk\" [color=\"#2a7a2a\", penwidth=2, constraint=false, tooltip=\"may share: Order\"];\n");
  EXPECT_EQ(g.find("\"vm:dom_Ads_Alpha\" -- \"vm:dom_Order\" [color=\"#2a7a2a\""), std::string::npos);
  EXPECT_EQ(g.find("\"vm:dom_Computing\" -- \"vm:dom_Order\" [color=\"#2a7a2a\""), std::string::npos);
  // Conflict sets: red dashed between the types and between the labels.
  has("  \"cw:cw_OEM_Alpha\" -- \"cw:cw_OEM_Beta\" [color=red, style=dashed, constraint=false, label=\"CompetingOEMs\"];\n");
  has("  \"vm:dom_Ads_Alpha\" -- \"vm:dom_Ads_Beta\" [color=red, style=dashed, constraint=false, tooltip=\"never on one host: conflict set CompetingOEMs\"];\n");
  EXPECT_EQ(g.back(), '\n');
  EXPECT_EQ(g.substr(g.size() - 2), "}\n");
}

TEST(Commands, GraphQuotesNames) {
  const std::string odd = dir() + "/odd.xml";
  spit(odd, mutate(golden(), "<Name>dom_Idle</Name>", "<Name>dom \"Idle\" \\</Name>"));
  const auto r = shype({"graph", odd});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_NE(r.out.find("  \"vm:dom \\\"Idle\\\" \\\\\" [label=\"dom \\\"Idle\\\" \\\\\", shape=box"), std::string::npos) << r.out;
}

TEST(Commands, GraphSvgWithoutDotSaysSo) {
  const std::string svg = dir() + "/nodot.svg";
  const char* saved = std::getenv("PATH");
  const std::string old = saved != nullptr ? saved : "";
  setenv("PATH", "/nonexistent", 1);
  const auto r = shype({"graph", golden_path(), "--svg", svg});
  setenv("PATH", old.c_str(), 1);
  EXPECT_EQ(r.rc, exit_no_dot);
  EXPECT_EQ(r.err, "shype graph: cannot write " + svg + ": the Graphviz 'dot' program is not on PATH (install the graphviz package)\n");
  EXPECT_EQ(r.out, "");  // with --svg and no -o, the DOT text is not printed
}

TEST(Commands, UsageErrors) {
  auto r = shype({});
  EXPECT_EQ(r.rc, exit_usage);
  r = shype({"frobnicate"});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_EQ(r.err.rfind("shype: unknown command 'frobnicate'\n", 0), 0u);
  r = shype({"compile", golden_path()});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_EQ(r.err, "shype compile: missing -o OUTPUT\n(see 'shype compile --help')\n");
  r = shype({"check"});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_EQ(r.err, "shype check: missing argument\n(see 'shype check --help')\n");
  r = shype({"diff", "a", "b", "c"});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_EQ(r.err, "shype diff: too many arguments\n(see 'shype diff --help')\n");
  r = shype({"dump", "--json", "x"});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_EQ(r.err, "shype dump: unknown option --json\n(see 'shype dump --help')\n");
  r = shype({"graph", "x", "-o"});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_EQ(r.err, "shype graph: option -o needs a value\n(see 'shype graph --help')\n");
  r = shype({"check", dir() + "/does-not-exist.xml"});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, dir() + "/does-not-exist.xml: cannot open: No such file or directory\n1 error\n");
}

// The shared start of every verb (verb_start): all the policies a verb names are loaded and all
// their diagnostics printed, in order, before it refuses; only check counts the errors.
TEST(Commands, AVerbReportsEveryPolicyItCannotLoadBeforeRefusing) {
  const std::string a = dir() + "/missing-a.xml", b = dir() + "/missing-b.bin";
  const std::string why = ": cannot open: No such file or directory\n";
  auto r = shype({"diff", a, b});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, a + why + b + why);
  r = shype({"diff", golden_path(), b});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, b + why);
  for (const char* verb : {"dump", "graph", "export-selinux"}) {
    r = shype({verb, a});
    EXPECT_EQ(r.rc, exit_invalid) << verb;
    EXPECT_EQ(r.err, a + why) << verb;
  }
  r = shype({"simulate", a, b});  // the policy first: the trace is not read
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, a + why);
}

TEST(Commands, EveryCommandHasHelp) {
  for (const char* c : {"compile", "check", "dump", "diff", "graph", "simulate"}) {
    const auto r = shype({c, "--help"});
    EXPECT_EQ(r.rc, exit_ok) << c;
    EXPECT_EQ(r.out.rfind(std::string("usage: shype ") + c, 0), 0u) << c;
    EXPECT_EQ(shype({"help", c}).out, r.out) << c;
  }
  const auto r = shype({"--help"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_NE(r.out.find("  simulate  run a trace"), std::string::npos);
  EXPECT_NE(r.out.find("  libvirt   run the libvirt adapter"), std::string::npos);
  EXPECT_EQ(shype({"help", "libvirt"}).out.rfind("usage: shype libvirt", 0), 0u);
}

}  // namespace
}  // namespace shype::tool::test
