// SPDX-License-Identifier: Apache-2.0
// `shype analyze`, `graph --flows` and assertion files (issue 14): known answers on the
// customer-order policies and on Xen's ACM example policies, derived by hand from their labels
// (noted beside each), the MLS directions on a binary with levels, and hostile assertion files.

#include <gtest/gtest.h>

#include <memory>

#include <shype/policy_builder.hpp>

#include <shype/tool/analysis/assertions.hpp>
#include <shype/tool/analysis/flow_graph.hpp>

#include "test_support.hpp"

namespace shype::tool::test {
namespace {

std::string ex(const std::string& f) { return examples_dir() + "/customer-order/" + f; }
std::string xen(const std::string& f) { return xen_dir() + "/" + f; }

std::string dir() {
  const std::string d = scratch_dir() + "/analyze";
  std::filesystem::create_directories(d);
  return d;
}

std::string write(const std::string& name, const std::string& text) {
  const std::string path = dir() + "/" + name;
  spit(path, text);
  return path;
}

// --- customer-order ---------------------------------------------------------------------------

TEST(Analyze, OrderReachesTheAdsOnlyThroughTheDeviceDomainAndDom0) {
  // dom_Order holds Order only, dom_Ads_Alpha Advertising only: no common type. The device
  // domain (Order, Advertising) and dom0 (all four) hold both, so each is a two-step path.
  auto r = shype({"analyze", ex("policy.xml"), "--from", "dom_Order", "--to", "dom_Ads_Alpha"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out,
            "flow from VM label \"dom_Order\" to VM label \"dom_Ads_Alpha\": 2 shortest paths of 2 steps\n"
            "  dom_Order -> dom_Management -> dom_Ads_Alpha\n"
            "  dom_Order -> dom_VirtualDisk -> dom_Ads_Alpha\n");
  EXPECT_EQ(r.err, "");
  // Only through them: trusting both leaves no flow at all (exit 1).
  r = shype({"analyze", ex("policy.xml"), "--from", "dom_Order", "--to", "dom_Ads_Alpha", "--trust", "dom_Management", "--trust",
             "dom_VirtualDisk"});
  EXPECT_EQ(r.rc, exit_no_flow);
  EXPECT_EQ(r.out, "no flow from VM label \"dom_Order\" to VM label \"dom_Ads_Alpha\"\n");
}

TEST(Analyze, V3CutsThePathThroughTheDeviceDomain) {
  // 1.1 and 1.2 take Order from the device domain: only dom0 is left between the two.
  auto r = shype({"analyze", ex("policy-v3-isolation.xml"), "--from", "dom_Order", "--to", "dom_Ads_Alpha"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out,
            "flow from VM label \"dom_Order\" to VM label \"dom_Ads_Alpha\": 1 shortest path of 2 steps\n"
            "  dom_Order -> dom_Management -> dom_Ads_Alpha\n");
  r = shype({"analyze", ex("policy-v3-isolation.xml"), "--from", "dom_Order", "--to", "dom_Ads_Alpha", "--trust", "dom_Management"});
  EXPECT_EQ(r.rc, exit_no_flow);
  // The same trust on 1.0 still finds the device domain.
  r = shype({"analyze", ex("policy.xml"), "--from", "dom_Order", "--to", "dom_Ads_Alpha", "--trust", "dom_Management"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_NE(r.out.find("  dom_Order -> dom_VirtualDisk -> dom_Ads_Alpha\n"), std::string::npos) << r.out;
}

TEST(Analyze, SummaryOfTheCustomerOrderPolicy) {
  const auto r = shype({"analyze", ex("policy.xml")});
  EXPECT_EQ(r.rc, exit_ok);
  // Edges: 6 VM labels; dom0 shares with the 5 others, the device domain with dom_Order and both
  // ads labels, the ads labels not with each other (CompetingOEMs): (5+3)*2 = 16 directed; the
  // disks: vdisk_Order with dom0, device domain, dom_Order; vdisk_Ads with dom0, device domain,
  // both ads labels; the console with dom0: (3+4+1)*2 = 16. 32 in all.
  EXPECT_EQ(r.out,
            "policy \"example.customer-order\" 1.0: 6 VM labels, 3 resource labels, 32 flow edges (Bell-LaPadula/Biba: none)\n\n"
            "who reaches whom (each label reaches itself):\n"
            "  dom_Ads_Alpha, dom_Ads_Beta, dom_Computing, dom_Management, dom_Order, dom_VirtualDisk, resource:res_ManagementConsole, "
            "resource:vdisk_Ads, resource:vdisk_Order\n"
            "    -> every label\n\n"
            "relays (information passes through them between labels that may not share directly):\n"
            "  dom_Management: e.g. dom_Ads_Alpha -> dom_Management -> dom_Ads_Beta\n"
            "  dom_VirtualDisk: e.g. dom_Ads_Alpha -> dom_VirtualDisk -> dom_Ads_Beta\n"
            "  resource:vdisk_Ads: e.g. dom_Ads_Alpha -> resource:vdisk_Ads -> dom_Ads_Beta\n\n"
            "reach every label: dom_Ads_Alpha, dom_Ads_Beta, dom_Computing, dom_Management, dom_Order, dom_VirtualDisk, "
            "resource:res_ManagementConsole, resource:vdisk_Ads, resource:vdisk_Order\n\n"
            "never on one host (Chinese Wall: labels holding different types of one conflict set):\n"
            "  conflict set \"CompetingOEMs\": cw_OEM_Alpha {dom_Ads_Alpha} | cw_OEM_Beta {dom_Ads_Beta}\n");
}

TEST(Analyze, TrustSplitsTheCoalitions) {
  // Without dom0 relaying, v3's coalitions fall apart: Order (dom_Order, the storage domain,
  // the order disk) no longer reaches Advertising, and Computing reaches only itself and dom0.
  const auto r = shype({"analyze", ex("policy-v3-isolation.xml"), "--trust", "dom_Management"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_NE(r.out.find("trusted (relay nothing): dom_Management\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  dom_Order, dom_OrderStorage, resource:vdisk_Order\n"
                       "    -> dom_Management, dom_Order, dom_OrderStorage, resource:vdisk_Order\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  dom_Computing\n    -> dom_Computing, dom_Management\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reach every label: dom_Management\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conflict set \"OrderIsolation\": cw_Computing {dom_Computing} | cw_Order {dom_Order, dom_OrderStorage}\n"),
            std::string::npos)
      << r.out;
}

TEST(Analyze, ATrustedLabelIsAnEndEvenForAnotherTrustedOne) {
  // The order disk is used by dom0, the device domain and dom_Order; with dom0 and the device
  // domain trusted, what starts on the disk stops at them (a trusted label that is not the
  // start relays nothing, even from another trusted one). Found by the property test.
  const auto r = shype({"analyze", ex("policy.xml"), "--from", "resource:vdisk_Order", "--trust", "dom_Management", "--trust",
                        "dom_VirtualDisk", "--trust", "vdisk_Order"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out, "resource label \"vdisk_Order\" reaches 4 labels: dom_Management, dom_Order, dom_VirtualDisk, resource:vdisk_Order\n");
}

TEST(Analyze, TypesAsEnds) {
  // A label holding both types is a flow of no steps: the device domain holds Order and
  // Advertising data at once, and so does dom0.
  const auto r = shype({"analyze", ex("policy.xml"), "--from", "Order", "--to", "type:Advertising"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out,
            "flow from TE type \"Order\" (4 labels) to TE type \"Advertising\" (5 labels): 2 shortest paths of 0 steps\n"
            "  dom_Management\n  dom_VirtualDisk\n");
  const auto one = shype({"analyze", ex("policy.xml"), "--from", "dom_Computing", "--trust", "dom_Management"});
  EXPECT_EQ(one.out, "VM label \"dom_Computing\" reaches 2 labels: dom_Computing, dom_Management\n");
}

TEST(Analyze, Json) {
  auto r = shype({"analyze", ex("policy-v3-isolation.xml"), "--from", "dom_Order", "--to", "dom_Ads_Alpha", "--json"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out, "{\"from\":\"VM label \\\"dom_Order\\\"\",\"to\":\"VM label \\\"dom_Ads_Alpha\\\"\",\"flow\":true,\"length\":2,"
                   "\"shortest_paths\":1,\"paths\":[[\"dom_Order\",\"dom_Management\",\"dom_Ads_Alpha\"]]}\n");
  r = shype({"analyze", ex("policy-v3-isolation.xml"), "--from", "dom_Order", "--to", "dom_Ads_Alpha", "--json", "--trust", "dom_Management"});
  EXPECT_EQ(r.rc, exit_no_flow);
  EXPECT_EQ(r.out, "{\"from\":\"VM label \\\"dom_Order\\\"\",\"to\":\"VM label \\\"dom_Ads_Alpha\\\"\",\"flow\":false}\n");
  r = shype({"analyze", xen("default-security_policy.xml"), "--json"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out, "{\"policy\":\"DEFAULT\",\"version\":\"1.0\",\"mls\":\"none\",\"edges\":0,\"trusted\":[],\"labels\":[{\"label\":"
                   "\"SystemManagement\",\"kind\":\"vm\",\"reaches\":1,\"relay\":false,\"trusted\":false}],\"reach\":[{\"from\":"
                   "[\"SystemManagement\"],\"to_count\":1,\"to\":[\"SystemManagement\"]}],\"relays\":[],\"reach_everything\":[\"SystemManagement\"],"
                   "\"never_on_one_host\":[]}\n");
}

TEST(Analyze, BadNamesAreUsageErrors) {
  auto r = shype({"analyze", ex("policy.xml"), "--from", "dom_Nobody", "--to", "dom_Order"});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_EQ(r.err, "shype analyze: --from: \"dom_Nobody\" is no VM label, resource label or TE type of the policy\n"
                   "(see 'shype analyze --help')\n");
  r = shype({"analyze", ex("policy.xml"), "--trust", "Order"});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_NE(r.err.find("--trust: \"Order\" is a TE type, not a label"), std::string::npos) << r.err;
  r = shype({"analyze", ex("policy.xml"), "--mls", "sideways"});
  EXPECT_EQ(r.rc, exit_usage);
  r = shype({"analyze", ex("policy.xml"), "--mls", "blp"});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_NE(r.err.find("the policy has no MLS section"), std::string::npos) << r.err;
}

TEST(Analyze, APolicyWithoutLabels) {
  const std::string p = write("empty.xml", "<?xml version=\"1.0\"?>\n<SecurityPolicyDefinition xmlns=\"http://www.ibm.com\"><PolicyHeader>"
                                           "<PolicyName>e</PolicyName><Version>1.0</Version></PolicyHeader><SimpleTypeEnforcement>"
                                           "<SimpleTypeEnforcementTypes><Type>T</Type></SimpleTypeEnforcementTypes></SimpleTypeEnforcement>"
                                           "<SecurityLabelTemplate></SecurityLabelTemplate></SecurityPolicyDefinition>\n");
  auto r = shype({"analyze", p});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_NE(r.out.find("who reaches whom (each label reaches itself):\n  none (the policy has no labels)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reach every label: -\n"), std::string::npos) << r.out;
  r = shype({"analyze", p, "--from", "T", "--to", "T"});
  EXPECT_EQ(r.rc, exit_no_flow);
  EXPECT_EQ(r.out, "no flow from TE type \"T\" (0 labels) to TE type \"T\" (0 labels)\n");
}

// --- Xen's ACM example policies ---------------------------------------------------------------

TEST(Analyze, XenTestPolicy) {
  // CocaCola and PepsiCo share no type; SystemManagement (all three) and VIO (CocaCola, PepsiCo)
  // both relay. Every name is a VM label, a resource label and a TE type at once.
  auto r = shype({"analyze", xen("test-security_policy.xml"), "--from", "vm:CocaCola", "--to", "vm:PepsiCo"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out,
            "flow from VM label \"CocaCola\" to VM label \"PepsiCo\": 2 shortest paths of 2 steps\n"
            "  CocaCola -> SystemManagement -> PepsiCo\n  CocaCola -> VIO -> PepsiCo\n");
  r = shype({"analyze", xen("test-security_policy.xml"), "--from", "vm:CocaCola", "--to", "resource:PepsiCo", "--trust", "vm:SystemManagement",
             "--trust", "VIO"});
  EXPECT_EQ(r.rc, exit_no_flow);
  r = shype({"analyze", xen("test-security_policy.xml"), "--from", "CocaCola", "--to", "vm:PepsiCo"});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_NE(r.err.find("\"CocaCola\" is ambiguous: it names a VM label, a resource label and a TE type"), std::string::npos) << r.err;
  // 5 pairs of VM labels share (10 edges); the three resources are used by 1, 3 and 3 VM labels (14).
  r = shype({"analyze", xen("test-security_policy.xml")});
  EXPECT_NE(r.out.find("4 VM labels, 3 resource labels, 24 flow edges"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("relays (information passes through them between labels that may not share directly):\n"
                       "  SystemManagement: e.g. CocaCola -> SystemManagement -> PepsiCo\n  VIO: e.g. CocaCola -> VIO -> PepsiCo\n\n"),
            std::string::npos)
      << r.out;
}

TEST(Analyze, XenClientPolicy) {
  // dom_Fun (InternetInsecure) and dom_HomeBanking (PersonalFinances) conflict (Protection1) and
  // share no type; SystemManagement, the network and the storage domain hold both types.
  auto r = shype({"analyze", xen("client_v1-security_policy.xml"), "--from", "dom_Fun", "--to", "dom_HomeBanking"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out,
            "flow from VM label \"dom_Fun\" to VM label \"dom_HomeBanking\": 3 shortest paths of 2 steps\n"
            "  dom_Fun -> SystemManagement -> dom_HomeBanking\n  dom_Fun -> dom_NetworkDomain -> dom_HomeBanking\n"
            "  dom_Fun -> dom_StorageDomain -> dom_HomeBanking\n");
  r = shype({"analyze", xen("client_v1-security_policy.xml")});
  EXPECT_NE(r.out.find("  conflict set \"Protection1\": cw_Distrusted {dom_Fun} | cw_Sensitive {dom_HomeBanking}\n"), std::string::npos) << r.out;
}

TEST(Analyze, XenChineseWallOnlyPolicy) {
  // No TE section: any two labels may share unless a conflict set keeps them apart, so dom_Fun
  // and dom_HomeBanking (Protection1) have no edge, and every other label relays between them.
  const auto r = shype({"analyze", xen("dialect-2006/chwall__client_v1-security_policy.xml"), "--from", "dom_Fun", "--to", "dom_HomeBanking"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out,
            "flow from VM label \"dom_Fun\" to VM label \"dom_HomeBanking\": 4 shortest paths of 2 steps\n"
            "  dom_Fun -> dom_BoincClient -> dom_HomeBanking\n  dom_Fun -> dom_NetworkDomain -> dom_HomeBanking\n"
            "  dom_Fun -> dom_StorageDomain -> dom_HomeBanking\n  dom_Fun -> dom_SystemManagement -> dom_HomeBanking\n");
  // 6 labels: 15 pairs, one of them in conflict: 14 pairs, 28 edges.
  EXPECT_NE(shype({"analyze", xen("dialect-2006/chwall__client_v1-security_policy.xml")}).out.find("6 VM labels, 0 resource labels, 28 flow edges"),
            std::string::npos);
}

// --- Bell-LaPadula and Biba give a direction ---------------------------------------------------

std::string mls_policy() {
  // One coalition; secrecy: low 0 < high 1; integrity: low 1 > high 0; a resource at secrecy 0.
  auto b = std::make_unique<shype::policy_builder<>>("levels");
  const auto t = b->te_type("T").value();
  b->enable_mls(1);
  const auto low = b->vm_label("low", {t}, {}).value(), high = b->vm_label("high", {t}, {}).value();
  const auto disk = b->resource_label("disk", {t}).value();
  EXPECT_TRUE(b->vm_label_mls(low, {0, {}}, {1, {}}));
  EXPECT_TRUE(b->vm_label_mls(high, {1, {}}, {0, {}}));
  EXPECT_TRUE(b->resource_label_mls(disk, {0, {}}, {1, {}}));
  b->bootstrap("low");
  std::vector<std::uint8_t> out(b->size());
  EXPECT_TRUE(b->build(out.data(), out.size()));
  return write("levels.bin", std::string(out.begin(), out.end()));
}

TEST(Analyze, MlsDirections) {
  const std::string bin = mls_policy();
  // Without a model: a note, and flows both ways.
  auto r = shype({"analyze", bin, "--from", "high", "--to", "low"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.err, bin + ": note: the policy has an MLS section; flows are computed without Bell-LaPadula and Biba (--mls blp, biba or "
                         "both gives them a direction)\n");
  // Bell-LaPadula: information only rises. high reaches low neither directly nor through the
  // disk (high may read it, never write it).
  r = shype({"analyze", bin, "--from", "high", "--to", "low", "--mls", "blp"});
  EXPECT_EQ(r.rc, exit_no_flow);
  r = shype({"analyze", bin, "--from", "low", "--to", "high", "--mls", "blp"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out, "flow from VM label \"low\" to VM label \"high\": 1 shortest path of 1 step\n  low -> high\n");
  // Biba here orders the same way (low has the higher integrity).
  EXPECT_EQ(shype({"analyze", bin, "--from", "high", "--to", "low", "--mls", "biba"}).rc, exit_no_flow);
  EXPECT_EQ(shype({"analyze", bin, "--from", "low", "--to", "high", "--mls", "both"}).rc, exit_ok);
  // The disk: low reads and writes it (same levels), high only reads it.
  r = shype({"analyze", bin, "--from", "resource:disk", "--mls", "blp"});
  EXPECT_EQ(r.out, "resource label \"disk\" reaches 3 labels: high, low, resource:disk\n");
  r = shype({"analyze", bin, "--to", "resource:disk", "--mls", "blp"});
  EXPECT_EQ(r.out, "2 labels reach resource label \"disk\": low, resource:disk\n");
}

TEST(Analyze, SummaryListsAreBounded) {
  // 600 labels in one coalition at secrecy levels 0..599: under Bell-LaPadula label i reaches
  // the 600 - i labels at or above it, 180,300 names in all: past max_summary_reach_names the
  // lowest labels' reach is a count.
  constexpr shype::builder_limits limits{.te_types = 1, .cw_types = 1, .conflict_sets = 1, .vm_labels = 600, .resource_labels = 1,
                                         .type_refs = 1024, .name_bytes = 8192, .renames = 1};
  auto b = std::make_unique<shype::policy_builder<limits>>("chain");
  const auto t = b->te_type("T").value();
  b->enable_mls(0);
  std::vector<std::string> names;
  for (int i = 0; i < 600; ++i) names.push_back("l" + std::string(i < 10 ? "00" : i < 100 ? "0" : "") + std::to_string(i));
  for (int i = 0; i < 600; ++i) {
    const auto l = b->vm_label(shype::string_ref(names[static_cast<std::size_t>(i)].c_str()), {t}, {}).value();
    ASSERT_TRUE(b->vm_label_mls(l, {static_cast<std::uint16_t>(i), {}}, {0, {}}));
  }
  b->bootstrap("l000");
  std::vector<std::uint8_t> out(b->size());
  ASSERT_TRUE(b->build(out.data(), out.size()));
  const std::string bin = write("chain.bin", std::string(out.begin(), out.end()));
  const auto r = shype({"analyze", bin, "--mls", "blp"});
  EXPECT_EQ(r.rc, exit_ok);
  // l000 reaches every label (said so); the budget is spent from l001 on, in name order; a group
  // whose list no longer fits is a count.
  EXPECT_NE(r.out.find("  l000\n    -> every label\n"), std::string::npos);
  EXPECT_NE(r.out.find("  l001\n    -> l001, l002, "), std::string::npos);
  EXPECT_NE(r.out.find(" labels (not listed: the summary lists 100000 names at most; ask with --from)\n"), std::string::npos);
  EXPECT_NE(r.out.find("  l599\n    -> 1 label (not listed"), std::string::npos);  // every group is there
  EXPECT_LT(r.out.size(), 1'000'000u);
  const auto j = shype({"analyze", bin, "--mls", "blp", "--json"});
  std::size_t counts = 0, lists = 0;
  for (std::size_t at = j.out.find("\"to_count\":"); at != std::string::npos; at = j.out.find("\"to_count\":", at + 1)) ++counts;
  for (std::size_t at = j.out.find("\"to\":["); at != std::string::npos; at = j.out.find("\"to\":[", at + 1)) ++lists;
  EXPECT_EQ(counts, 600u);
  EXPECT_GT(lists, 0u);
  EXPECT_LT(lists, counts);
  EXPECT_LT(j.out.size(), 1'500'000u);
}

// --- graph --flows ----------------------------------------------------------------------------

TEST(Analyze, GraphFlows) {
  const auto r = shype({"graph", "--flows", ex("policy-v3-isolation.xml")});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.out.rfind("digraph \"example.customer-order\" {\n", 0), 0u) << r.out;
  // dom0 relays (orange); dom_Order and the storage domain share both ways; no edge joins
  // dom_Order and the advertising labels.
  EXPECT_NE(r.out.find("\"dom_Management\" [label=\"dom_Management\n(relay)\", shape=box, style=\"rounded,filled\", fillcolor=\"#ffb347\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  \"dom_Order\" -> \"dom_OrderStorage\" [dir=both];\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"dom_Order\" -> \"dom_Ads"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"dom_Ads_Alpha\" -> \"dom_Order\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"dom_Order\" [label=\"dom_Order\", shape=box, style=\"rounded,filled\", fillcolor=\"#f0f0f0\"];\n"), std::string::npos);
}

TEST(Analyze, GraphFlowsTakesTrustAndMls) {
  auto r = shype({"graph", "--flows", ex("policy-v3-isolation.xml"), "--trust", "dom_Management"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_NE(r.out.find("\"dom_Management\" [label=\"dom_Management\n(trusted)\", shape=box, style=\"rounded,filled\", fillcolor=\"#d0d0d0\"];\n"),
            std::string::npos)
      << r.out;
  r = shype({"graph", ex("policy.xml"), "--trust", "dom_Management"});
  EXPECT_EQ(r.rc, exit_usage);
  EXPECT_EQ(r.err, "shype graph: --trust and --mls go with --flows\n(see 'shype graph --help')\n");
  r = shype({"graph", "--flows", ex("policy.xml"), "--trust", "Order"});
  EXPECT_EQ(r.rc, exit_usage);
  // One direction only under Bell-LaPadula: low -> high, never back.
  r = shype({"graph", "--flows", mls_policy(), "--mls", "blp"});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_NE(r.out.find("  \"low\" -> \"high\";\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"high\" -> \"low\""), std::string::npos) << r.out;
}

// --- assertions -------------------------------------------------------------------------------

TEST(Assertions, CustomerOrderIsolation) {
  // isolation.assert trusts dom0 and forbids Order -> Ads: 1.0 violates it through the device
  // domain, 1.1 and 1.2 hold.
  auto r = shype({"check", ex("policy.xml"), "--assert", ex("isolation.assert")});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.out, "");
  const std::string a = ex("isolation.assert");
  EXPECT_EQ(r.err, a + ":6: no-flow: flow dom_Order -> dom_VirtualDisk -> dom_Ads_Alpha\n" + a +
                       ":7: no-flow: flow dom_Order -> dom_VirtualDisk -> dom_Ads_Beta\n2 assertions violated\n");
  for (const char* p : {"policy-v2.xml", "policy-v3-isolation.xml"}) {
    r = shype({"check", ex(p), "--assert", a});
    EXPECT_EQ(r.rc, exit_ok) << p << r.err;
    EXPECT_NE(r.out.find(", 3 assertions hold\n"), std::string::npos) << r.out;
  }
}

TEST(Assertions, CompileRefusesAViolatingPolicy) {
  const std::string out = dir() + "/refused.bin";
  std::filesystem::remove(out);
  auto r = shype({"compile", ex("policy.xml"), "-o", out, "--assert", ex("isolation.assert")});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_NE(r.err.find("policy.xml: not written: the policy does not pass " + ex("isolation.assert") + "\n"), std::string::npos) << r.err;
  // An old file stays as it was.
  spit(out, "old");
  EXPECT_EQ(shype({"compile", ex("policy.xml"), "-o", out, "--assert", ex("isolation.assert")}).rc, exit_invalid);
  EXPECT_EQ(slurp(out), "old");
  r = shype({"compile", ex("policy-v3-isolation.xml"), "-o", out, "--assert", ex("isolation.assert")});
  EXPECT_EQ(r.rc, exit_ok) << r.err;
  EXPECT_NE(slurp(out), "old");
}

TEST(Assertions, NeverTogetherAndEveryPair) {
  const std::string a = write("wall.assert",
                              "# competitors, and order work beside generic computing\n"
                              "never-together dom_Ads_Alpha dom_Ads_Beta\n"
                              "never-together \"dom_Order\" type:Computing   # dom0 holds Computing too\n");
  auto r = shype({"check", ex("policy-v3-isolation.xml"), "--assert", a});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, a + ":3: never-together: labels \"dom_Order\" and \"dom_Management\" may run on one host (no conflict set separates them)\n"
                       "1 assertion violated\n");
  r = shype({"check", ex("policy.xml"), "--assert", a});
  EXPECT_EQ(r.err, a + ":3: never-together: labels \"dom_Order\" and \"dom_Computing\" may run on one host (no conflict set separates them)\n" + a +
                       ":3: never-together: labels \"dom_Order\" and \"dom_Management\" may run on one host (no conflict set separates them)\n"
                       "1 assertion violated\n");
}

TEST(Assertions, NeverTogetherWithATypeMeansItsVmLabels) {
  // Advertising is held by vdisk_Ads too; a type stands for its VM labels here, a resource label
  // named on its own is an error (see UnknownNamesAndResources).
  const std::string a = write("ads.assert", "never-together type:Advertising dom_Order\n");
  const auto r = shype({"check", ex("policy-v3-isolation.xml"), "--assert", a});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, a + ":1: never-together: labels \"dom_Ads_Alpha\" and \"dom_Order\" may run on one host (no conflict set separates them)\n" + a +
                       ":1: never-together: labels \"dom_Ads_Beta\" and \"dom_Order\" may run on one host (no conflict set separates them)\n" + a +
                       ":1: never-together: labels \"dom_Management\" and \"dom_Order\" may run on one host (no conflict set separates them)\n" + a +
                       ":1: never-together: labels \"dom_VirtualDisk\" and \"dom_Order\" may run on one host (no conflict set separates them)\n"
                       "1 assertion violated\n");
}

TEST(Assertions, LocatedErrors) {
  const std::string a = write("bad.assert",
                              "no-flow dom_Order dom_Ads_Alpha\n"
                              "forbid dom_Order\n"
                              "trust \"dom_Man\n"
                              "trust \"a\\b\"\n"
                              "never-together dom_Order\n"
                              "no-flow \"dom_Order\"x -> dom_Ads_Alpha\n" +
                                  std::string("no-flow a\0b -> c\n", 16));
  const auto r = shype({"check", ex("policy.xml"), "--assert", a});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, a + ":1: assertions: expected 'no-flow FROM -> TO'\n" + a +
                       ":2: assertions: unknown statement \"forbid\" (expected no-flow, never-together or trust)\n" + a +
                       ":3: assertions: a quoted name is not closed\n" + a +
                       ":4: assertions: in a quoted name, '\\' may only precede '\"' or '\\'\n" + a +
                       ":5: assertions: expected 'never-together A B'\n" + a + ":6: assertions: a quoted name must be followed by a space\n" + a +
                       ":7: assertions: a NUL byte (an assertion file is text)\n");
}

TEST(Assertions, UnknownNamesAndResources) {
  const std::string a = write("names.assert",
                              "trust dom_Nobody\n"
                              "no-flow dom_Order -> Nowhere\n"
                              "never-together dom_Order resource:vdisk_Ads\n"
                              "trust Order\n");
  const auto r = shype({"check", ex("policy.xml"), "--assert", a});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, a + ":1: trust: \"dom_Nobody\" is no VM label, resource label or TE type of the policy\n" + a +
                       ":4: trust: \"Order\" is a TE type, not a label\n" + a +
                       ":2: no-flow: \"Nowhere\" is no VM label, resource label or TE type of the policy\n" + a +
                       ":3: never-together: a resource label runs on no host: never-together takes VM labels or TE types\n");
}

TEST(Assertions, FilesThatAreNotAssertionFiles) {
  auto r = shype({"check", ex("policy.xml"), "--assert", dir()});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, dir() + ": is a directory, not a file\n");
  r = shype({"check", ex("policy.xml"), "--assert", dir() + "/missing.assert"});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, dir() + "/missing.assert: cannot open: No such file or directory\n");
  const std::string big = write("big.assert", std::string(max_assertion_file_bytes + 1, '#'));
  r = shype({"check", ex("policy.xml"), "--assert", big});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_NE(r.err.find(big + ": "), std::string::npos);
  EXPECT_NE(r.err.find("1 MiB"), std::string::npos) << r.err;
  const std::string long_line = write("long.assert", "# fine\ntrust " + std::string(max_assertion_line_bytes, 'x') + "\n");
  r = shype({"check", ex("policy.xml"), "--assert", long_line});
  EXPECT_EQ(r.err, long_line + ":2: assertions: line longer than 4096 bytes\n");
  std::string many;
  for (std::size_t i = 0; i <= max_assertions; ++i) many += "trust dom_Order\r\n";
  const std::string too_many = write("many.assert", many);
  r = shype({"check", ex("policy.xml"), "--assert", too_many});
  EXPECT_EQ(r.err, too_many + ":10001: assertions: more than 10000 statements\n");
}

TEST(Assertions, ViolationsAreBounded) {
  // Every pair of a 40-label coalition flows: 1,600 pairs, 64 lines and a count of the rest.
  std::string xml = "<?xml version=\"1.0\"?>\n<SecurityPolicyDefinition xmlns=\"http://www.ibm.com\"><PolicyHeader><PolicyName>big</PolicyName>"
                    "<Version>1.0</Version></PolicyHeader><SimpleTypeEnforcement><SimpleTypeEnforcementTypes><Type>T</Type>"
                    "</SimpleTypeEnforcementTypes></SimpleTypeEnforcement><SecurityLabelTemplate><SubjectLabels bootstrap=\"l00\">";
  for (int i = 0; i < 40; ++i)
    xml += "<VirtualMachineLabel><Name>l" + std::string(i < 10 ? "0" : "") + std::to_string(i) +
           "</Name><SimpleTypeEnforcementTypes><Type>T</Type></SimpleTypeEnforcementTypes></VirtualMachineLabel>";
  xml += "</SubjectLabels></SecurityLabelTemplate></SecurityPolicyDefinition>\n";
  const std::string policy = write("big.xml", xml);
  const std::string a = write("all.assert", "no-flow T -> T\n");
  const auto r = shype({"check", policy, "--assert", a});
  EXPECT_EQ(r.rc, exit_invalid);
  std::size_t lines = 0;
  for (char c : r.err) lines += c == '\n';
  EXPECT_EQ(lines, max_violation_lines + 2) << r.err;  // 64 flows, "... and N more", "1 assertion violated"
  EXPECT_NE(r.err.find(a + ":1: no-flow: ... and 1536 more violations (the first 64 shown)\n"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace shype::tool::test
