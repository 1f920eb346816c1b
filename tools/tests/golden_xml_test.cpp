// SPDX-License-Identifier: Apache-2.0
// Golden-policy negative tests of the compiler (Muen's validator tests): golden.xml is valid;
// each test changes exactly one thing and asserts the exact diagnostics.

#include <gtest/gtest.h>

#include <tuple>

#include <shype/policy_view.hpp>

#include <shype/tool/io/decoded_policy.hpp>
#include <shype/tool/compile/policy_writer.hpp>
#include "test_support.hpp"

namespace shype::tool::test {
namespace {

using list = std::vector<std::string>;

/// Compiles the golden policy with one change and returns every diagnostic.
list after(const std::string& from, const std::string& to) {
  const compile_result r = compile_text(mutate(golden(), from, to));
  EXPECT_FALSE(r.ok()) << "the changed policy compiled";
  return lines(r.diag);
}

TEST(GoldenXml, TheGoldenPolicyIsValid) {
  const compile_result r = compile_text(golden());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(lines(r.diag), list{});
}

// --- semantic rules -------------------------------------------------------------------------

TEST(GoldenXml, UnknownTypeInALabel) {
  EXPECT_EQ(after("<Type>Order</Type>\n        </SimpleTypeEnforcementTypes>\n        <ChineseWallTypes>\n          <Type>cw_Alpha",
                  "<Type>Orders</Type>\n        </SimpleTypeEnforcementTypes>\n        <ChineseWallTypes>\n          <Type>cw_Alpha"),
            list{"golden.xml:46: Type: VM label \"dom_Alpha\" references unknown TE type \"Orders\""});
}

TEST(GoldenXml, UnknownTypeInAResourceLabel) {
  EXPECT_EQ(after("<Name>res_Ads</Name>\n        <SimpleTypeEnforcementTypes>\n          <Type>Ads</Type>",
                  "<Name>res_Ads</Name>\n        <SimpleTypeEnforcementTypes>\n          <Type>Adverts</Type>"),
            list{"golden.xml:79: Type: resource label \"res_Ads\" references unknown TE type \"Adverts\""});
}

TEST(GoldenXml, UnknownChineseWallTypeInAConflictSet) {
  EXPECT_EQ(after("<Type>cw_Beta</Type>\n      </Conflict>", "<Type>cw_Delta</Type>\n      </Conflict>"),
            list{"golden.xml:26: Type: conflict set \"Competitors\" references unknown Chinese Wall type \"cw_Delta\""});
}

TEST(GoldenXml, LabelWithTwoTypesOfOneConflictSet) {
  EXPECT_EQ(after("<Type>cw_Gamma</Type>\n        </ChineseWallTypes>", "<Type>cw_Alpha</Type>\n        </ChineseWallTypes>"),
            list{"golden.xml:52: VirtualMachineLabel: VM label \"dom_Beta\" holds Chinese Wall types \"cw_Beta\" and \"cw_Alpha\" of "
                 "conflict set \"Competitors\""});
}

TEST(GoldenXml, DuplicateVmLabel) {
  EXPECT_EQ(after("<Name>dom_Beta</Name>", "<Name>dom_Alpha</Name>"),
            list{"golden.xml:53: Name: duplicate VM label \"dom_Alpha\" (first defined on line 44)"});
}

TEST(GoldenXml, DuplicateResourceLabel) {
  EXPECT_EQ(after("<Name>res_Ads</Name>", "<Name>res_Orders</Name>"),
            list{"golden.xml:77: Name: duplicate resource label \"res_Orders\" (first defined on line 71)"});
}

// --- renames (Xen ACM's <Name from="old">new</Name>) ------------------------------------------

TEST(GoldenXml, RenamesCompileIntoTheBinaryAndSurviveDumpXml) {
  std::string renamed = mutate(golden(), "<Name>dom_Alpha</Name>", "<Name from=\"dom_A\">dom_Alpha</Name>");
  renamed = mutate(renamed, "<Name>res_Ads</Name>", "<Name from=\"res_Adverts\">res_Ads</Name>");
  const compile_result r = compile_text(renamed);
  ASSERT_TRUE(r.ok()) << r.diag.text();
  EXPECT_EQ(lines(r.diag), list{});
  const auto v = shype::policy_view::load(shype::byte_view(r.binary.data(), r.binary.size())).value();
  ASSERT_EQ(v.rename_count(), 2u);
  EXPECT_EQ(v.find_rename(shype::label_kind::vm, "dom_A"), v.find_vm_label("dom_Alpha"));
  EXPECT_EQ(v.find_rename(shype::label_kind::resource, "res_Adverts"), v.find_resource_label("res_Ads"));
  // dump shows them and the format version; dump --xml writes the from attributes back, and
  // the XML compiles to the same bytes.
  const std::string text = dump_text(decode(v));
  EXPECT_NE(text.find("bytes (format 1.1)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  dom_Alpha\n    renamed from: dom_A\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  res_Ads\n    renamed from: res_Adverts\n"), std::string::npos) << text;
  std::string xml;
  diagnostics d;
  ASSERT_TRUE(dump_xml(decode(v), "golden.bin", xml, d)) << d.text();
  EXPECT_NE(xml.find("<Name from=\"dom_A\">dom_Alpha</Name>"), std::string::npos) << xml;
  EXPECT_EQ(compile_text(xml, "dumped.xml").binary, r.binary);
}

TEST(GoldenXml, TwoLabelsRenamedFromOneName) {
  std::string twice = mutate(golden(), "<Name>dom_Alpha</Name>", "<Name from=\"dom_Old\">dom_Alpha</Name>");
  twice = mutate(twice, "<Name>dom_Beta</Name>", "<Name from=\"dom_Old\">dom_Beta</Name>");
  const compile_result r = compile_text(twice);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(lines(r.diag),
            list{"golden.xml:53: Name: VM label \"dom_Beta\" is renamed from \"dom_Old\", as is VM label \"dom_Alpha\" (line 44)"});
}

TEST(GoldenXml, AVmLabelAndAResourceLabelMayBeRenamedFromOneName) {
  std::string both = mutate(golden(), "<Name>dom_Alpha</Name>", "<Name from=\"old\">dom_Alpha</Name>");
  both = mutate(both, "<Name>res_Ads</Name>", "<Name from=\"old\">res_Ads</Name>");
  EXPECT_TRUE(compile_text(both).ok());
}

TEST(GoldenXml, EmptyOrControlCharacterFrom) {
  EXPECT_EQ(after("<Name>dom_Alpha</Name>", "<Name from=\"\">dom_Alpha</Name>"), list{"golden.xml:44: Name: empty old VM label name"});
  EXPECT_EQ(after("<Name>res_Ads</Name>", "<Name from=\"a&#9;b\">res_Ads</Name>"),
            list{"golden.xml:77: Name: old resource label name \"a\\tb\" contains a control character"});  // escaped: one diagnostic per line
}

TEST(GoldenXml, RenamedFromItsOwnNameIsAWarning) {
  const compile_result r = compile_text(mutate(golden(), "<Name>dom_Alpha</Name>", "<Name from=\"dom_Alpha\">dom_Alpha</Name>"));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(lines(r.diag), list{"golden.xml:44: Name: warning: VM label \"dom_Alpha\" is renamed from its own name: nothing is renamed"});
}

TEST(GoldenXml, AVmLabelAndAResourceLabelMayShareAName) {
  EXPECT_TRUE(compile_text(mutate(golden(), "<Name>res_Ads</Name>", "<Name>dom_Beta</Name>")).ok());
}

TEST(GoldenXml, DuplicateTeType) {
  EXPECT_EQ(after("      <Type>Ads</Type>\n    </SimpleTypeEnforcementTypes>",
                  "      <Type>Ads</Type>\n      <Type>Order</Type>\n    </SimpleTypeEnforcementTypes>"),
            list{"golden.xml:14: Type: duplicate TE type \"Order\" (first defined on line 12)"});
}

TEST(GoldenXml, DuplicateChineseWallType) {
  EXPECT_EQ(after("      <Type>cw_Gamma</Type>\n    </ChineseWallTypes>",
                  "      <Type>cw_Gamma</Type>\n      <Type>cw_Alpha</Type>\n    </ChineseWallTypes>"),
            list{"golden.xml:22: Type: duplicate Chinese Wall type \"cw_Alpha\" (first defined on line 19)"});
}

TEST(GoldenXml, EmptyTypeNameInTheDefinitions) {
  EXPECT_EQ(after("      <Type>Ads</Type>\n    </SimpleTypeEnforcementTypes>", "      <Type>Ads</Type>\n      <Type></Type>\n    </SimpleTypeEnforcementTypes>"),
            list{"golden.xml:14: Type: empty TE type name"});
}

TEST(GoldenXml, DuplicateConflictSet) {
  EXPECT_EQ(after("      </Conflict>\n    </ConflictSets>",
                  "      </Conflict>\n      <Conflict name=\"Competitors\"><Type>cw_Gamma</Type><Type>cw_Management</Type></Conflict>\n"
                  "    </ConflictSets>"),
            list{"golden.xml:28: Conflict: duplicate conflict set \"Competitors\" (first defined on line 24)"});
}

TEST(GoldenXml, EmptyConflictSet) {
  EXPECT_EQ(after("      </Conflict>\n    </ConflictSets>", "      </Conflict>\n      <Conflict name=\"Nothing\"><Type/></Conflict>\n    </ConflictSets>"),
            list{"golden.xml:28: Conflict: conflict set \"Nothing\" holds no type"});
}

TEST(GoldenXml, MissingBootstrapLabel) {
  EXPECT_EQ(after("bootstrap=\"dom_Management\"", "bootstrap=\"dom_Manager\""),
            list{"golden.xml:31: SubjectLabels: bootstrap label \"dom_Manager\" is not a VirtualMachineLabel of this policy"});
}

TEST(GoldenXml, ChineseWallTypesInALabelWithoutAChineseWallSection) {
  // One change (the section is gone); every label still naming a CW type is reported.
  const std::string g = golden();
  const auto from = g.find("  <ChineseWall "), to = g.find("  <SecurityLabelTemplate>");
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  const compile_result r = compile_text(g.substr(0, from) + g.substr(to));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(lines(r.diag), (list{
                               "golden.xml:26: Type: VM label \"dom_Management\" has Chinese Wall type \"cw_Management\" but the policy has no ChineseWall section",
                               "golden.xml:35: Type: VM label \"dom_Alpha\" has Chinese Wall type \"cw_Alpha\" but the policy has no ChineseWall section",
                               "golden.xml:44: Type: VM label \"dom_Beta\" has Chinese Wall type \"cw_Beta\" but the policy has no ChineseWall section",
                               "golden.xml:45: Type: VM label \"dom_Beta\" has Chinese Wall type \"cw_Gamma\" but the policy has no ChineseWall section",
                           }));
}

TEST(GoldenXml, EmptyTypeInALabelMeansNoType) {
  // dom_Idle already lists <Type/>; a second one in a TE list is accepted the same way.
  EXPECT_TRUE(compile_text(mutate(golden(), "<Name>dom_Idle</Name>", "<Name>dom_Idle</Name>\n<SimpleTypeEnforcementTypes><Type/></SimpleTypeEnforcementTypes>")).ok());
}

TEST(GoldenXml, NameWithLeadingWhiteSpace) {
  EXPECT_EQ(after("<Name>dom_Idle</Name>", "<Name> dom_Idle</Name>"),
            list{"golden.xml:63: Name: VM label name \" dom_Idle\" has leading or trailing white space"});
}

TEST(GoldenXml, WarningsDoNotStopTheCompiler) {
  const compile_result r = compile_text(mutate(golden(), "<Type>cw_Gamma</Type>\n        </ChineseWallTypes>",
                                               "<Type>cw_Gamma</Type>\n<Type>cw_Gamma</Type>\n        </ChineseWallTypes>"));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(lines(r.diag), list{"golden.xml:60: Type: warning: VM label \"dom_Beta\" lists \"cw_Gamma\" twice"});
}

TEST(GoldenXml, SeveralErrorsAreAllReportedInLineOrder) {
  std::string g = golden();
  g = mutate(g, "      <Type>Ads</Type>\n    </SimpleTypeEnforcementTypes>", "      <Type>Ads</Type>\n      <Type>Order</Type>\n    </SimpleTypeEnforcementTypes>");
  g = mutate(g, "bootstrap=\"dom_Management\"", "bootstrap=\"dom_Nobody\"");
  g = mutate(g, "<Type>cw_Gamma</Type>\n        </ChineseWallTypes>", "<Type>cw_Alpha</Type>\n        </ChineseWallTypes>");
  g = mutate(g, "<Name>dom_Idle</Name>", "<Name>dom_Alpha</Name>");
  g = mutate(g, "<Name>res_Ads</Name>\n        <SimpleTypeEnforcementTypes>\n          <Type>Ads</Type>",
             "<Name>res_Ads</Name>\n        <SimpleTypeEnforcementTypes>\n          <Type>Adverts</Type>");
  const compile_result r = compile_text(g);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.diag.error_count(), 5u);
  EXPECT_EQ(lines(r.diag), (list{
                               "golden.xml:14: Type: duplicate TE type \"Order\" (first defined on line 12)",
                               "golden.xml:32: SubjectLabels: bootstrap label \"dom_Nobody\" is not a VirtualMachineLabel of this policy",
                               "golden.xml:53: VirtualMachineLabel: VM label \"dom_Beta\" holds Chinese Wall types \"cw_Beta\" and \"cw_Alpha\" of conflict set \"Competitors\"",
                               "golden.xml:64: Name: duplicate VM label \"dom_Alpha\" (first defined on line 45)",
                               "golden.xml:80: Type: resource label \"res_Ads\" references unknown TE type \"Adverts\"",
                           }));
}

// --- structural rules (the schema) ---------------------------------------------------------------

TEST(GoldenXml, BadVersion) {
  EXPECT_EQ(after("<Version>2.7</Version>", "<Version>2.x7</Version>"),
            list{"golden.xml:7: Version: \"2.x7\" is not a VersionFormat (1 to 8 digits, one character, 1 to 8 digits)"});
}

TEST(GoldenXml, VersionWithNineDigits) {
  EXPECT_EQ(after("<Version>2.7</Version>", "<Version>2.123456789</Version>"),
            list{"golden.xml:7: Version: \"2.123456789\" is not a VersionFormat (1 to 8 digits, one character, 1 to 8 digits)"});
}

TEST(GoldenXml, VersionAsTheSchemaReadsIt) {
  // VersionFormat's separator is any character; "217" is 2 '1' 7. Compiles, with a warning.
  for (const auto& [text, major, minor] : {std::tuple{"2-7", 2u, 7u}, std::tuple{"217", 2u, 7u}, std::tuple{"12345678.87654321", 12345678u, 87654321u}}) {
    const compile_result r = compile_text(mutate(golden(), "<Version>2.7</Version>", std::string("<Version>") + text + "</Version>"));
    ASSERT_TRUE(r.ok()) << text;
    const auto v = shype::policy_view::load(shype::byte_view(r.binary.data(), r.binary.size())).value().version();
    EXPECT_EQ(v.major, major) << text;
    EXPECT_EQ(v.minor, minor) << text;
  }
  EXPECT_EQ(lines(compile_text(mutate(golden(), "<Version>2.7</Version>", "<Version>217</Version>")).diag),
            list{"golden.xml:7: Version: warning: version \"217\" does not separate major and minor by '.': read as 2.7"});
}

TEST(GoldenXml, WrongElementOrder) {
  EXPECT_EQ(after("<PolicyName>golden</PolicyName>\n    <Date>2026-01-01</Date>", "<Date>2026-01-01</Date>\n    <PolicyName>golden</PolicyName>"),
            list{"golden.xml:6: PolicyName: element out of order in PolicyHeader: PolicyName must come before Date"});
}

TEST(GoldenXml, MissingRequiredElement) {
  EXPECT_EQ(after("    <PolicyName>golden</PolicyName>\n", ""), list{"golden.xml:4: PolicyHeader: missing required element PolicyName"});
}

TEST(GoldenXml, MissingVersionIsAWarning) {
  // The 2006 dialect: no Version; compiles as 0.0.
  const compile_result r = compile_text(mutate(golden(), "    <Version>2.7</Version>\n", ""));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(lines(r.diag), list{"golden.xml:4: PolicyHeader: warning: no Version element (2006 dialect): compiled as version 0.0"});
}

TEST(GoldenXml, UnexpectedElement) {
  EXPECT_EQ(after("<Date>2026-01-01</Date>", "<Date>2026-01-01</Date><Author>me</Author>"),
            list{"golden.xml:6: Author: unexpected element in PolicyHeader (allowed: PolicyName, PolicyUrl, Reference, Date, "
                 "NameSpaceUrl, Version, FromPolicy)"});
}

TEST(GoldenXml, ElementTwice) {
  EXPECT_EQ(after("<Date>2026-01-01</Date>", "<Date>2026-01-01</Date><Date>2026-01-02</Date>"),
            list{"golden.xml:6: Date: at most 1 Date allowed in PolicyHeader"});
}

TEST(GoldenXml, MissingRequiredAttribute) {
  EXPECT_EQ(after("<Conflict name=\"Competitors\">", "<Conflict>"), list{"golden.xml:24: Conflict: missing required attribute \"name\""});
}

TEST(GoldenXml, UnknownAttribute) {
  EXPECT_EQ(after("<Conflict name=\"Competitors\">", "<Conflict name=\"Competitors\" level=\"3\">"),
            list{"golden.xml:24: Conflict: unexpected attribute \"level\""});
}

TEST(GoldenXml, AttributeOutsideItsEnumeration) {
  EXPECT_EQ(after("priority=\"PrimaryPolicyComponent\"", "priority=\"Secondary\""),
            list{"golden.xml:16: ChineseWall: attribute \"priority\" is \"Secondary\", the only allowed value is \"PrimaryPolicyComponent\""});
}

TEST(GoldenXml, TextInElementContent) {
  EXPECT_EQ(after("<Name>dom_Idle</Name>", "<Name>dom_Idle</Name> idle"),
            list{"golden.xml:63: VirtualMachineLabel: text is not allowed inside VirtualMachineLabel"});
}

TEST(GoldenXml, ElementInsideText) {
  EXPECT_EQ(after("<Name>dom_Idle</Name>", "<Name>dom_<b>Idle</b></Name>"),
            list{"golden.xml:63: b: element \"b\" is not allowed inside Name (text only)"});
}

TEST(GoldenXml, ResourceLabelWithTwoTypes) {
  EXPECT_EQ(after("<Type>Ads</Type>\n        </SimpleTypeEnforcementTypes>\n      </ResourceLabel>",
                  "<Type>Ads</Type><Type>Order</Type>\n        </SimpleTypeEnforcementTypes>\n      </ResourceLabel>"),
            list{"golden.xml:79: Type: at most 1 Type allowed in SimpleTypeEnforcementTypes"});
}

TEST(GoldenXml, MissingNamespace) {
  EXPECT_EQ(after(" xmlns=\"http://www.ibm.com\"", ""),
            list{"golden.xml:3: SecurityPolicyDefinition: the root element must be SecurityPolicyDefinition in the namespace "
                 "\"http://www.ibm.com\""});
}

TEST(GoldenXml, SeveralStructuralErrorsAreAllReported) {
  std::string g = golden();
  g = mutate(g, "<Version>2.7</Version>", "<Version>two</Version>");
  g = mutate(g, "<Conflict name=\"Competitors\">", "<Conflict>");
  g = mutate(g, "<Name>dom_Idle</Name>", "<Name>dom_Idle</Name><Colour>red</Colour>");
  const compile_result r = compile_text(g);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(lines(r.diag), (list{
                               "golden.xml:7: Version: \"two\" is not a VersionFormat (1 to 8 digits, one character, 1 to 8 digits)",
                               "golden.xml:24: Conflict: missing required attribute \"name\"",
                               "golden.xml:63: Colour: unexpected element in VirtualMachineLabel (allowed: Name, SimpleTypeEnforcementTypes, ChineseWallTypes)",
                           }));
}

TEST(GoldenXml, NotWellFormed) {
  EXPECT_EQ(after("<Name>dom_Idle</Name>", "<Name>dom_Idle</Nam>"),
            list{"golden.xml:63: XML: Opening and ending tag mismatch: Name line 63 and Nam"});
}

// --- output ----------------------------------------------------------------------------------------

TEST(GoldenXml, SameXmlSameBytes) {
  const compile_result a = compile_text(golden()), b = compile_text(golden(), "elsewhere.xml");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.binary, b.binary);
}

TEST(GoldenXml, DeclarationOrderDoesNotMatterButTheHashDoes) {
  // Tables are sorted: reordering types changes only the source hash.
  const std::string reordered = mutate(golden(), "      <Type>Management</Type>\n      <Type>Order</Type>\n",
                                       "      <Type>Order</Type>\n      <Type>Management</Type>\n");
  const compile_result a = compile_text(golden()), b = compile_text(reordered);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a.binary.size(), b.binary.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < a.binary.size(); ++i) differing += a.binary[i] != b.binary[i] ? 1u : 0u;
  EXPECT_GT(differing, 0u);
  // Same bytes once the hash is the same: pin it with the instruction dump --xml writes.
  const std::string pin = "<?shype source-sha256=\"" + std::string(64, 'a') + "\"?>\n";
  auto with_pin = [&](const std::string& x) { return mutate(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + pin); };
  EXPECT_EQ(compile_text(with_pin(golden())).binary, compile_text(with_pin(reordered)).binary);
}

TEST(GoldenXml, MalformedHashInstruction) {
  EXPECT_EQ(after("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?shype source-sha256=\"abc\"?>\n"),
            list{"golden.xml:2: ?shype: expected <?shype source-sha256=\"<64 hex digits>\"?>"});
}

}  // namespace
}  // namespace shype::tool::test
