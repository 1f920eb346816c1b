// SPDX-License-Identifier: Apache-2.0
// `shype simulate`: every verb, every error case of the trace language, live policy change
// (revocation, refusal for a conflict or a missing label, all-or-nothing across hosts), and the
// JSON Lines output. Runs on the customer-order example policy and one-change variants of it.

#include <gtest/gtest.h>

#include <map>

#include <shype/tool/compile/load_policy.hpp>
#include <shype/tool/analysis/simulator.hpp>
#include "test_support.hpp"
#include <shype/tool/analysis/trace.hpp>

namespace shype::tool::test {
namespace {

using list = std::vector<std::string>;

std::string order_policy() { return slurp(examples_dir() + "/customer-order/policy.xml"); }

/// Runs `trace` under `policy` (XML text); `files` are written next to it for `load`.
list simulate(const std::string& policy, const std::string& trace, const std::map<std::string, std::string>& files = {}) {
  const std::string dir = scratch_dir() + "/simulate/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (const auto& [name, text] : files) spit(dir + "/" + name, text);
  const loaded_policy p = load_policy(bytes_of(policy), "policy.xml");
  EXPECT_TRUE(p.ok()) << p.diag.text();
  simulator sim(p.binary, dir, load_policy_file);
  diagnostics d;
  EXPECT_TRUE(sim.start("policy.xml", d)) << d.text();
  list out;
  for (const auto& op : parse_trace(trace)) out.push_back(sim.run(op).json());
  return out;
}

const char* boot =
    "create dom0 dom_Management\n"
    "create dom1 dom_VirtualDisk\n"
    "create dom2 dom_Order\n"
    "create dom3 dom_Order\n"
    "create dom6 dom_Ads_Alpha\n"
    "create dom8 dom_Computing\n";

list permits(long first, long n, const char* op) {
  list out;
  for (long i = 0; i < n; ++i) out.push_back("{\"line\":" + std::to_string(first + i) + ",\"op\":\"" + op + "\",\"decision\":\"permit\"}");
  return out;
}

list with(list a, const list& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Simulate, SharingVerbs) {
  EXPECT_EQ(simulate(order_policy(), std::string(boot) +
                                         "bind dom2 dom3\n"
                                         "bind dom3 dom6\n"
                                         "grant dom1 dom2\n"
                                         "grant dom1 dom6 ro\n"
                                         "grant dom8 dom2 ro\n"
                                         "access dom3 vdisk_Order\n"
                                         "access dom8 vdisk_Ads\n"
                                         "query dom1 dom6\n"
                                         "query dom0 dom1\n"
                                         "query dom2 dom6\n"),
            with(permits(1, 6, "create"),
                 {
                     R"j({"line":7,"op":"bind","decision":"permit"})j",
                     R"j({"line":8,"op":"bind","decision":"deny","reason":"Type Enforcement: labels \"dom_Order\" and \"dom_Ads_Alpha\" have no TE type in common"})j",
                     R"j({"line":9,"op":"grant","decision":"permit"})j",
                     R"j({"line":10,"op":"grant","decision":"permit"})j",
                     R"j({"line":11,"op":"grant","decision":"deny","reason":"Type Enforcement: labels \"dom_Computing\" and \"dom_Order\" have no TE type in common"})j",
                     R"j({"line":12,"op":"access","decision":"permit"})j",
                     R"j({"line":13,"op":"access","decision":"deny","reason":"Type Enforcement: label \"dom_Computing\" and resource label \"vdisk_Ads\" have no TE type in common"})j",
                     R"j({"line":14,"op":"query","decision":"permit","types":["Advertising"]})j",
                     R"j({"line":15,"op":"query","decision":"permit","types":["Advertising","Order"]})j",
                     R"j({"line":16,"op":"query","decision":"deny","types":[],"reason":"Type Enforcement: dom2 and dom6 have no TE type in common; the MAC domain serves nothing"})j",
                 }));
}

TEST(Simulate, ChineseWallPerHost) {
  EXPECT_EQ(simulate(order_policy(),
                     "create a dom_Ads_Alpha\n"            // 1
                     "create b dom_Ads_Beta\n"             // 2 deny: a runs here
                     "create b dom_Ads_Beta backup\n"      // 3 another host
                     "migrate a backup\n"                  // 4 deny: b runs there
                     "save b\n"                            // 5
                     "migrate a backup\n"                  // 6 permit; local is free of Alpha now
                     "create c dom_Ads_Beta\n"             // 7 permit on local
                     "restore b\n"                         // 8 deny: a runs on backup now
                     "restore b local\n"                   // 9 permit: only Beta on local
                     "migrate a local\n"),                 // 10 deny
            (list{
                R"j({"line":1,"op":"create","decision":"permit"})j",
                R"j({"line":2,"op":"create","decision":"deny","reason":"Chinese Wall: label \"dom_Ads_Beta\" conflicts with domain a (label \"dom_Ads_Alpha\") running on host \"local\" (conflict set \"CompetingOEMs\")"})j",
                R"j({"line":3,"op":"create","decision":"permit"})j",
                R"j({"line":4,"op":"migrate","decision":"deny","reason":"Chinese Wall: label \"dom_Ads_Alpha\" conflicts with domain b (label \"dom_Ads_Beta\") running on host \"backup\" (conflict set \"CompetingOEMs\")"})j",
                R"j({"line":5,"op":"save","decision":"permit"})j",
                R"j({"line":6,"op":"migrate","decision":"permit"})j",
                R"j({"line":7,"op":"create","decision":"permit"})j",
                R"j({"line":8,"op":"restore","decision":"deny","reason":"Chinese Wall: label \"dom_Ads_Beta\" conflicts with domain a (label \"dom_Ads_Alpha\") running on host \"backup\" (conflict set \"CompetingOEMs\")"})j",
                R"j({"line":9,"op":"restore","decision":"permit"})j",
                R"j({"line":10,"op":"migrate","decision":"deny","reason":"Chinese Wall: label \"dom_Ads_Alpha\" conflicts with domain b (label \"dom_Ads_Beta\") running on host \"local\" (conflict set \"CompetingOEMs\")"})j",
            }));
}

TEST(Simulate, DestroyAndNameReuse) {
  EXPECT_EQ(simulate(order_policy(),
                     "create a dom_Ads_Alpha\n"
                     "destroy a\n"
                     "create b dom_Ads_Beta\n"   // Alpha is gone: no conflict
                     "save b\n"
                     "destroy b\n"               // a saved domain may be destroyed
                     "create a dom_Order\n"),    // the name is free again
            (list{R"j({"line":1,"op":"create","decision":"permit"})j", R"j({"line":2,"op":"destroy","decision":"permit"})j",
                  R"j({"line":3,"op":"create","decision":"permit"})j", R"j({"line":4,"op":"save","decision":"permit"})j",
                  R"j({"line":5,"op":"destroy","decision":"permit"})j", R"j({"line":6,"op":"create","decision":"permit"})j"}));
}

TEST(Simulate, EveryErrorCase) {
  EXPECT_EQ(simulate(order_policy(), std::string(boot) +
                                         "create dom2 dom_Order\n"        // 7  name in use
                                         "create dom5 dom_Nobody\n"       // 8  unknown label
                                         "bind dom2 dom99\n"              // 9  unknown domain
                                         "grant dom99 dom2\n"             // 10 unknown domain
                                         "bind dom2 dom2\n"               // 11 A equal to B
                                         "create dom7 dom_Order backup\n" // 12
                                         "bind dom2 dom7\n"               // 13 different hosts
                                         "query dom7 dom2\n"              // 14 different hosts
                                         "save dom3\n"                    // 15
                                         "bind dom2 dom3\n"               // 16 not running
                                         "access dom3 vdisk_Order\n"      // 17 not running
                                         "save dom3\n"                    // 18 not running
                                         "migrate dom3 backup\n"          // 19 not running
                                         "restore dom2\n"                 // 20 not saved
                                         "restore dom42\n"                // 21 unknown domain
                                         "migrate dom2 local\n"           // 22 same host
                                         "access dom2 vdisk_Nothing\n"    // 23 unknown resource label
                                         "destroy dom42\n"                // 24 unknown domain
                                         "load nowhere.xml\n"             // 25 does not load
                                         "load broken.xml\n"              // 26 does not load
                                         "reboot dom2\n"                  // 27 unknown operation
                                         "bind dom2\n"                    // 28 usage
                                         "grant dom1 dom2 rw\n"           // 29 usage
                                         "query dom2 dom2\n",             // 30 A equal to B
                     {{"broken.xml", mutate(order_policy(), "<Name>dom_Order</Name>", "<Name>dom_Computing</Name>")}}),
            with(permits(1, 6, "create"),
                 {
                     R"j({"line":7,"op":"create","decision":"error","reason":"domain name \"dom2\" is already in use (running on host \"local\")"})j",
                     R"j({"line":8,"op":"create","decision":"error","reason":"unknown VM label \"dom_Nobody\""})j",
                     R"j({"line":9,"op":"bind","decision":"error","reason":"unknown domain \"dom99\""})j",
                     R"j({"line":10,"op":"grant","decision":"error","reason":"unknown domain \"dom99\""})j",
                     R"j({"line":11,"op":"bind","decision":"error","reason":"both operands are domain dom2"})j",
                     R"j({"line":12,"op":"create","decision":"permit"})j",
                     R"j({"line":13,"op":"bind","decision":"error","reason":"domains dom2 and dom7 run on different hosts (\"local\", \"backup\")"})j",
                     R"j({"line":14,"op":"query","decision":"error","reason":"domains dom7 and dom2 run on different hosts (\"backup\", \"local\")"})j",
                     R"j({"line":15,"op":"save","decision":"permit"})j",
                     R"j({"line":16,"op":"bind","decision":"error","reason":"domain dom3 is not running (it is saved)"})j",
                     R"j({"line":17,"op":"access","decision":"error","reason":"domain dom3 is not running (it is saved)"})j",
                     R"j({"line":18,"op":"save","decision":"error","reason":"domain dom3 is not running (it is saved)"})j",
                     R"j({"line":19,"op":"migrate","decision":"error","reason":"domain dom3 is not running (it is saved)"})j",
                     R"j({"line":20,"op":"restore","decision":"error","reason":"domain dom2 is not saved (it is running on host \"local\")"})j",
                     R"j({"line":21,"op":"restore","decision":"error","reason":"unknown domain \"dom42\""})j",
                     R"j({"line":22,"op":"migrate","decision":"error","reason":"domain dom2 already runs on host \"local\""})j",
                     R"j({"line":23,"op":"access","decision":"error","reason":"unknown resource label \"vdisk_Nothing\""})j",
                     R"j({"line":24,"op":"destroy","decision":"error","reason":"unknown domain \"dom42\""})j",
                     R"j({"line":25,"op":"load","decision":"error","reason":"policy file does not load: nowhere.xml: cannot open: No such file or directory"})j",
                     R"j({"line":26,"op":"load","decision":"error","reason":"policy file does not load: broken.xml:101: Name: duplicate VM label \"dom_Computing\" (first defined on line 69)"})j",
                     R"j({"line":27,"op":"reboot","decision":"error","reason":"unknown operation \"reboot\" (expected create, destroy, save, restore, migrate, bind, grant, access, query or load)"})j",
                     R"j({"line":28,"op":"bind","decision":"error","reason":"usage: bind A B"})j",
                     R"j({"line":29,"op":"grant","decision":"error","reason":"usage: grant A B [ro]"})j",
                     R"j({"line":30,"op":"query","decision":"error","reason":"both operands are domain dom2"})j",
                 }));
}

TEST(Simulate, LiveChangeRevokesWhatTheNewPolicyForbids) {
  const std::string v2 = slurp(examples_dir() + "/customer-order/policy-v2.xml");
  EXPECT_EQ(simulate(order_policy(), std::string(boot) +
                                         "bind dom1 dom2\n"     // 7  revoked by v2
                                         "grant dom1 dom3 ro\n" // 8  revoked by v2
                                         "grant dom2 dom1\n"    // 9  revoked by v2
                                         "bind dom1 dom6\n"     // 10 kept (Advertising)
                                         "bind dom2 dom3\n"     // 11 kept (Order)
                                         "load v2.xml\n"        // 12
                                         "bind dom1 dom2\n"     // 13 v2 decides
                                         "access dom1 vdisk_Order\n"
                                         "create dom4 dom_OrderStorage\n",
                     {{"v2.xml", v2}}),
            with(with(permits(1, 6, "create"), permits(7, 1, "bind")),
                 {
                     R"j({"line":8,"op":"grant","decision":"permit"})j",
                     R"j({"line":9,"op":"grant","decision":"permit"})j",
                     R"j({"line":10,"op":"bind","decision":"permit"})j",
                     R"j({"line":11,"op":"bind","decision":"permit"})j",
                     R"j({"line":12,"op":"load","decision":"permit","revoked":3})j",
                     R"j({"line":13,"op":"bind","decision":"deny","reason":"Type Enforcement: labels \"dom_VirtualDisk\" and \"dom_Order\" have no TE type in common"})j",
                     R"j({"line":14,"op":"access","decision":"deny","reason":"Type Enforcement: label \"dom_VirtualDisk\" and resource label \"vdisk_Order\" have no TE type in common"})j",
                     R"j({"line":15,"op":"create","decision":"permit"})j",
                 }));
}

TEST(Simulate, LoadTakesABinaryAndSavedDomainsKeepTheirLabelByName) {
  const compile_result v2 = compile_text(slurp(examples_dir() + "/customer-order/policy-v2.xml"));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(simulate(order_policy(),
                     "create web dom_Order\n"
                     "save web\n"
                     "load v2.bin\n"          // dom_OrderStorage sorts before dom_VirtualDisk: label ids shift
                     "restore web\n"
                     "create store dom_OrderStorage\n"
                     "bind web store\n",
                     {{"v2.bin", std::string(v2.binary.begin(), v2.binary.end())}}),
            (list{
                R"j({"line":1,"op":"create","decision":"permit"})j",
                R"j({"line":2,"op":"save","decision":"permit"})j",
                R"j({"line":3,"op":"load","decision":"permit","revoked":0})j",
                R"j({"line":4,"op":"restore","decision":"permit"})j",
                R"j({"line":5,"op":"create","decision":"permit"})j",
                R"j({"line":6,"op":"bind","decision":"permit"})j",
            }));
}

TEST(Simulate, SaveMigrateAndDestroyCloseChannelsAndGrants) {
  // A policy in which nobody shares anything (every VM label's TE types become <Type/>, "no
  // type"): loading it revokes every binding still open.
  std::string isolated = order_policy();
  const auto begin = isolated.find("<SubjectLabels"), end = isolated.find("</SubjectLabels>");
  std::string labels = isolated.substr(begin, end - begin);
  for (const char* t : {"<Type>SystemManagement</Type>", "<Type>Order</Type>", "<Type>Advertising</Type>", "<Type>Computing</Type>"}) {
    for (std::size_t at; (at = labels.find(t)) != std::string::npos;) labels.replace(at, std::string(t).size(), "<Type/>");
  }
  isolated = isolated.substr(0, begin) + labels + isolated.substr(end);
  EXPECT_EQ(simulate(order_policy(), std::string(boot) +
                                         "bind dom2 dom3\n"    // 7  closed by save dom2
                                         "grant dom3 dom2\n"   // 8  closed by save dom2
                                         "bind dom0 dom8\n"    // 9  closed by migrate dom8
                                         "grant dom1 dom6\n"   // 10 closed by destroy dom6
                                         "bind dom0 dom1\n"    // 11 stays open
                                         "grant dom0 dom3 ro\n" // 12 stays open
                                         "save dom2\n"
                                         "migrate dom8 backup\n"
                                         "destroy dom6\n"
                                         "restore dom2\n"
                                         "load isolated.xml\n",
                     {{"isolated.xml", isolated}})
                .back(),
            R"j({"line":17,"op":"load","decision":"permit","revoked":2})j");
}

TEST(Simulate, ChangeRejectedForAConflictLeavesTheOldPolicyInForce) {
  const std::string v3 = slurp(examples_dir() + "/customer-order/policy-v3-isolation.xml");
  EXPECT_EQ(simulate(order_policy(), std::string(boot) +
                                         "load v3.xml\n"                // 7 deny: dom2/dom3 and dom8 on local
                                         "create dom9 dom_Order\n"      // 8 the old policy: no OrderIsolation
                                         "bind dom1 dom2\n"             // 9 the old policy: dom1 serves Order
                                         "create dom10 dom_OrderStorage\n",  // 10 a label only v3 has
                     {{"v3.xml", v3}}),
            with(permits(1, 6, "create"),
                 {
                     R"j({"line":7,"op":"load","decision":"deny","revoked":0,"reason":"policy change rejected: domain dom8 (label \"dom_Computing\") would conflict with domain dom2 (label \"dom_Order\") on host \"local\" (conflict set \"OrderIsolation\")"})j",
                     R"j({"line":8,"op":"create","decision":"permit"})j",
                     R"j({"line":9,"op":"bind","decision":"permit"})j",
                     R"j({"line":10,"op":"create","decision":"error","reason":"unknown VM label \"dom_OrderStorage\""})j",
                 }));
}

TEST(Simulate, ChangeRejectedForAMissingLabel) {
  const std::string v2 = slurp(examples_dir() + "/customer-order/policy-v2.xml");
  // Without dom_Ads_Beta (running on backup) and dom_Computing (saved on local).
  std::string smaller = mutate(v2, "<Name>dom_Ads_Beta</Name>", "<Name>dom_Ads_Gamma</Name>");
  smaller = mutate(smaller, "<Name>dom_Computing</Name>", "<Name>dom_Batch</Name>");
  EXPECT_EQ(simulate(order_policy(), std::string(boot) +
                                         "create dom7 dom_Ads_Beta backup\n"  // 7
                                         "save dom8\n"                        // 8
                                         "load smaller.xml\n"                 // 9
                                         "restore dom8\n",                    // 10 the old label still exists
                     {{"smaller.xml", smaller}}),
            with(permits(1, 7, "create"),
                 {
                     R"j({"line":8,"op":"save","decision":"permit"})j",
                     R"j({"line":9,"op":"load","decision":"deny","revoked":0,"reason":"policy change rejected: label \"dom_Ads_Beta\" of domain dom7 (running on host \"backup\") is not in the new policy; label \"dom_Computing\" of domain dom8 (saved on host \"local\") is not in the new policy"})j",
                     R"j({"line":10,"op":"restore","decision":"permit"})j",
                 }));
}

TEST(Simulate, ChangeIsAllOrNothingAcrossHosts) {
  // v3 is fine for host "backup" (only Computing there) but not for "local": no host changes.
  const std::string v3 = slurp(examples_dir() + "/customer-order/policy-v3-isolation.xml");
  EXPECT_EQ(simulate(order_policy(),
                     "create web dom_Order\n"
                     "create batch dom_Computing\n"
                     "create disk dom_VirtualDisk backup\n"
                     "create order2 dom_Order backup\n"
                     "bind disk order2\n"    // 5 v3 would revoke this on backup
                     "load v3.xml\n"         // 6 deny because of local
                     "bind disk order2\n",   // 7 backup still runs the old policy
                     {{"v3.xml", v3}}),
            with(permits(1, 4, "create"),
                 {
                     R"j({"line":5,"op":"bind","decision":"permit"})j",
                     R"j({"line":6,"op":"load","decision":"deny","revoked":0,"reason":"policy change rejected: domain batch (label \"dom_Computing\") would conflict with domain web (label \"dom_Order\") on host \"local\" (conflict set \"OrderIsolation\")"})j",
                     R"j({"line":7,"op":"bind","decision":"permit"})j",
                 }));
}

// Label renames (Xen ACM's <Name from="old">new</Name>): running domains follow them.
TEST(Simulate, ARenameCarriesRunningDomainsOver) {
  std::string renamed = mutate(order_policy(), "<Name>dom_Ads_Alpha</Name>", "<Name from=\"dom_Ads_Alpha\">dom_Ads_A</Name>");
  renamed = mutate(renamed, "<Name>vdisk_Ads</Name>", "<Name from=\"vdisk_Ads\">vdisk_Adverts</Name>");
  EXPECT_EQ(simulate(order_policy(), std::string(boot) +
                                         "bind dom1 dom6\n"                // 7
                                         "load renamed.xml\n"              // 8 nothing revoked
                                         "bind dom1 dom6\n"                // 9 dom6 runs on as dom_Ads_A
                                         "access dom6 vdisk_Adverts\n"     // 10 the renamed disk
                                         "create dom7 dom_Ads_Beta\n"      // 11 the Chinese Wall holds under the new name
                                         "create dom9 dom_Ads_Alpha\n",    // 12 the old name is gone
                     {{"renamed.xml", renamed}}),
            with(permits(1, 6, "create"),
                 {
                     R"j({"line":7,"op":"bind","decision":"permit"})j",
                     R"j({"line":8,"op":"load","decision":"permit","revoked":0})j",
                     R"j({"line":9,"op":"bind","decision":"permit"})j",
                     R"j({"line":10,"op":"access","decision":"permit"})j",
                     R"j({"line":11,"op":"create","decision":"deny","reason":"Chinese Wall: label \"dom_Ads_Beta\" conflicts with domain dom6 (label \"dom_Ads_A\") running on host \"local\" (conflict set \"CompetingOEMs\")"})j",
                     R"j({"line":12,"op":"create","decision":"error","reason":"unknown VM label \"dom_Ads_Alpha\""})j",
                 }));
}

TEST(Simulate, ARenameIntoAConflictOrFromAnUnknownLabelIsRefused) {
  // dom_Computing becomes dom_Ads_Gamma, a competitor of the running dom_Ads_Alpha.
  const std::string conflict =
      mutate(order_policy(),
             "<Name>dom_Computing</Name>\n        <SimpleTypeEnforcementTypes>\n          <Type>Computing</Type>\n"
             "        </SimpleTypeEnforcementTypes>\n        <ChineseWallTypes>\n          <Type>cw_Computing</Type>",
             "<Name from=\"dom_Computing\">dom_Ads_Gamma</Name>\n        <SimpleTypeEnforcementTypes>\n          <Type>Computing</Type>\n"
             "        </SimpleTypeEnforcementTypes>\n        <ChineseWallTypes>\n          <Type>cw_OEM_Beta</Type>");
  const std::string typo = mutate(order_policy(), "<Name>dom_Ads_Beta</Name>", "<Name from=\"dom_Ads_Gama\">dom_Ads_Beta</Name>");
  EXPECT_EQ(simulate(order_policy(), std::string(boot) +
                                         "load conflict.xml\n"      // 7
                                         "load typo.xml\n"          // 8
                                         "create dom9 dom_Computing\n",  // 9 the old policy is in force
                     {{"conflict.xml", conflict}, {"typo.xml", typo}}),
            with(permits(1, 6, "create"),
                 {
                     R"j({"line":7,"op":"load","decision":"deny","revoked":0,"reason":"policy change rejected: domain dom8 (label \"dom_Computing\", renamed \"dom_Ads_Gamma\") would conflict with domain dom6 (label \"dom_Ads_Alpha\") on host \"local\" (conflict set \"CompetingOEMs\")"})j",
                     R"j({"line":8,"op":"load","decision":"deny","revoked":0,"reason":"policy change rejected: VM label \"dom_Ads_Beta\" is renamed from \"dom_Ads_Gama\", which is not a VM label of the policy in force"})j",
                     R"j({"line":9,"op":"create","decision":"permit"})j",
                 }));
}

TEST(Simulate, WithoutTypeEnforcementAllSharingIsPermitted) {
  // The policy without its SimpleTypeEnforcement section; labels name no TE type any more
  // (VM labels list none, resource labels keep the schema's one Type, empty).
  const std::string g = order_policy();
  const auto from = g.find("  <!-- Coalitions"), to = g.find("  <!-- Workloads");
  std::string no_te = g.substr(0, from) + g.substr(to);
  const std::string open = "        <SimpleTypeEnforcementTypes>\n", close = "        </SimpleTypeEnforcementTypes>\n";
  for (std::size_t at; (at = no_te.find(open)) != std::string::npos;) {
    const std::size_t stop = no_te.find(close, at) + close.size();
    const bool resource = at > no_te.find("<ObjectLabels>");
    no_te.replace(at, stop - at, resource ? "        <SimpleTypeEnforcementTypes><Type/></SimpleTypeEnforcementTypes>\n" : "");
  }
  EXPECT_EQ(simulate(no_te, std::string(boot) + "bind dom2 dom6\ngrant dom8 dom3\naccess dom8 vdisk_Order\nquery dom1 dom8\ncreate dom7 dom_Ads_Beta\n"),
            with(permits(1, 6, "create"),
                 {
                     R"j({"line":7,"op":"bind","decision":"permit"})j",
                     R"j({"line":8,"op":"grant","decision":"permit"})j",
                     R"j({"line":9,"op":"access","decision":"permit"})j",
                     R"j({"line":10,"op":"query","decision":"permit","types":[]})j",
                     R"j({"line":11,"op":"create","decision":"deny","reason":"Chinese Wall: label \"dom_Ads_Beta\" conflicts with domain dom6 (label \"dom_Ads_Alpha\") running on host \"local\" (conflict set \"CompetingOEMs\")"})j",
                 }));
}

TEST(Simulate, WithoutChineseWallAllPlacementIsPermitted) {
  const std::string g = order_policy();
  const auto from = g.find("  <!-- Workloads"), to = g.find("  <SecurityLabelTemplate>");
  std::string no_cw = g.substr(0, from) + g.substr(to);
  std::size_t at;
  while ((at = no_cw.find("        <ChineseWallTypes>")) != std::string::npos) {
    const std::string close = "</ChineseWallTypes>\n";
    no_cw.erase(at, no_cw.find(close, at) + close.size() - at);
  }
  EXPECT_EQ(simulate(no_cw, std::string(boot) + "create dom7 dom_Ads_Beta\nbind dom2 dom6\n"),
            with(permits(1, 7, "create"),
                 {R"j({"line":8,"op":"bind","decision":"deny","reason":"Type Enforcement: labels \"dom_Order\" and \"dom_Ads_Alpha\" have no TE type in common"})j"}));
}

TEST(Simulate, TraceSyntax) {
  const auto ops = parse_trace("# comment only\n\n  create a b   # trailing comment\r\n\tbind\ta  b\nload x.xml#no space before the comment\n");
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].line, 3);
  EXPECT_EQ(ops[0].verb, "create");
  EXPECT_EQ(ops[0].args, (list{"a", "b"}));
  EXPECT_EQ(ops[1].line, 4);
  EXPECT_EQ(ops[1].args, (list{"a", "b"}));
  EXPECT_EQ(ops[2].args, (list{"x.xml"}));
}

TEST(Simulate, JsonEscaping) {
  EXPECT_EQ(simulate(order_policy(), "destroy x\"y\\z\nfr\x01ob\nq\xff\n"),
            (list{
                R"j({"line":1,"op":"destroy","decision":"error","reason":"unknown domain \"x\"y\\z\""})j",
                R"j({"line":2,"op":"fr\u0001ob","decision":"error","reason":"unknown operation \"fr\u0001ob\" (expected create, destroy, save, restore, migrate, bind, grant, access, query or load)"})j",
                R"j({"line":3,"op":"q\ufffd","decision":"error","reason":"unknown operation \"q\ufffd\" (expected create, destroy, save, restore, migrate, bind, grant, access, query or load)"})j",
            }));
}

TEST(Simulate, TheInitialPolicyOrTheTraceFailing) {
  const std::string dir = scratch_dir() + "/simulate-cli";
  spit(dir + "/ok.xml", order_policy());
  spit(dir + "/bad.xml", mutate(order_policy(), "bootstrap=\"dom_Management\"", "bootstrap=\"dom_Nobody\""));
  spit(dir + "/trace.txt", "create dom0 dom_Management\n");
  auto r = shype({"simulate", dir + "/bad.xml", dir + "/trace.txt"});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, dir + "/bad.xml:40: SubjectLabels: bootstrap label \"dom_Nobody\" is not a VirtualMachineLabel of this policy\n");
  r = shype({"simulate", dir + "/ok.xml", dir + "/no-such-trace.txt"});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, dir + "/no-such-trace.txt: cannot open: No such file or directory\n");
  r = shype({"simulate", dir + "/ok.xml", dir + "/trace.txt"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out, "{\"line\":1,\"op\":\"create\",\"decision\":\"permit\"}\n");
  // A trace full of errors still exits 0: errors are answers.
  spit(dir + "/errors.txt", "bind a b\nfoo\n");
  EXPECT_EQ(shype({"simulate", dir + "/ok.xml", dir + "/errors.txt"}).rc, exit_ok);
}

}  // namespace
}  // namespace shype::tool::test
