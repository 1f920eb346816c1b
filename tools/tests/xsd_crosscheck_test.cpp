// SPDX-License-Identifier: Apache-2.0
// The compiler's structural validation against the real schema validator: for every vendored
// policy, every example, the golden policy and structural variants of it, the compiler finds
// schema errors exactly when `xmllint --schema security_policy.xsd` rejects the file. The one
// documented leniency: a PolicyHeader without Version (the 2006 dialect) is a warning.
// Exits with 77 (CTest SKIP_RETURN_CODE) when xmllint (package libxml2-utils) is missing.

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <iostream>

#include <shype/tool/compile/schema_rules.hpp>
#include "test_support.hpp"
#include <shype/tool/compile/xml_document.hpp>

namespace shype::tool::test {
namespace {

struct verdict {
  bool ok;
  std::string text;
};

verdict xmllint(const std::string& file) {
  const std::string cmd = std::string(SHYPE_XMLLINT) + " --noout --schema '" + xen_dir() + "/security_policy.xsd' '" + file + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  if (p == nullptr) return {false, ""};
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = pclose(p);
  return {WIFEXITED(status) && WEXITSTATUS(status) == 0, out};
}

/// Does our structural check (parse + schema rules) accept the file? Warnings are fine.
verdict ours(const std::string& file) {
  const std::string text = slurp(file);
  diagnostics d;
  xml_document doc(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), file, d);
  const bool ok = doc.ok() && check_schema(doc.root(), file, d);
  return {ok, d.text()};
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> files;
  for (const auto& dir : {xen_dir(), examples_dir()})
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
      if (e.path().extension() == ".xml") files.push_back(e.path().string());
  files.push_back(data_dir() + "/golden.xml");
  std::sort(files.begin(), files.end());
  return files;
}

bool dialect_2006(const std::string& file) { return file.find("/dialect-2006/") != std::string::npos; }

TEST(XsdCrossCheck, EveryShippedPolicy) {
  std::size_t n = 0;
  for (const auto& f : corpus_files()) {
    const verdict x = xmllint(f), o = ours(f);
    ++n;
    if (dialect_2006(f)) {
      // The documented leniency, and nothing else: xmllint's only complaint is the Version.
      EXPECT_FALSE(x.ok) << f;
      EXPECT_NE(x.text.find("Expected is one of ( {http://www.ibm.com}NameSpaceUrl, {http://www.ibm.com}Version )"), std::string::npos) << x.text;
      EXPECT_TRUE(o.ok) << f << "\n" << o.text;
      EXPECT_NE(o.text.find("warning: no Version element (2006 dialect)"), std::string::npos) << o.text;
      continue;
    }
    EXPECT_EQ(o.ok, x.ok) << f << "\nxmllint:\n" << x.text << "ours:\n" << o.text;
    // Semantically valid too: the whole compiler accepts exactly what xmllint accepts.
    EXPECT_EQ(compile_text(slurp(f), f).ok(), x.ok) << f;
  }
  EXPECT_GE(n, 11u);
}

struct variant {
  const char* name;
  const char* from;
  const char* to;
};

// Structural variants of golden.xml: valid ones the XSD's letter allows, invalid ones it forbids.
const variant variants[] = {
    {"wrong-order", "<PolicyName>golden</PolicyName>\n    <Date>2026-01-01</Date>", "<Date>2026-01-01</Date>\n    <PolicyName>golden</PolicyName>"},
    {"sections-swapped", "<SimpleTypeEnforcement>", "<SimpleTypeEnforcementX>"},
    {"unexpected-element", "<Date>2026-01-01</Date>", "<Date>2026-01-01</Date><Author>me</Author>"},
    {"missing-policy-name", "    <PolicyName>golden</PolicyName>\n", ""},
    {"date-twice", "<Date>2026-01-01</Date>", "<Date>2026-01-01</Date><Date>2026-01-02</Date>"},
    {"conflict-without-name", "<Conflict name=\"Competitors\">", "<Conflict>"},
    {"unknown-attribute", "<Conflict name=\"Competitors\">", "<Conflict name=\"Competitors\" level=\"3\">"},
    {"foreign-attribute", "<Conflict name=\"Competitors\">", "<Conflict name=\"Competitors\" xmlns:x=\"urn:x\" x:y=\"1\">"},
    {"xsi-attribute", "<SecurityPolicyDefinition xmlns=", "<SecurityPolicyDefinition xsi:schemaLocation=\"http://www.ibm.com security_policy.xsd\" xmlns="},
    {"bad-priority", "priority=\"PrimaryPolicyComponent\"", "priority=\"Secondary\""},
    {"no-priority", " priority=\"PrimaryPolicyComponent\"", ""},
    {"text-in-elements", "<Name>dom_Idle</Name>", "<Name>dom_Idle</Name> idle"},
    {"element-in-text", "<Name>dom_Idle</Name>", "<Name>dom_<b>Idle</b></Name>"},
    {"resource-two-types", "<Type>Ads</Type>\n        </SimpleTypeEnforcementTypes>\n      </ResourceLabel>",
     "<Type>Ads</Type><Type>Order</Type>\n        </SimpleTypeEnforcementTypes>\n      </ResourceLabel>"},
    {"resource-no-type", "<Type>Ads</Type>\n        </SimpleTypeEnforcementTypes>\n      </ResourceLabel>", "\n        </SimpleTypeEnforcementTypes>\n      </ResourceLabel>"},
    {"no-namespace", " xmlns=\"http://www.ibm.com\"", ""},
    {"other-namespace", " xmlns=\"http://www.ibm.com\"", " xmlns=\"http://www.ibm.org\""},
    {"version-letter", "<Version>2.7</Version>", "<Version>2.x7</Version>"},
    {"version-nine-digits", "<Version>2.7</Version>", "<Version>2.123456789</Version>"},
    {"version-dash", "<Version>2.7</Version>", "<Version>2-7</Version>"},
    {"version-three-digits", "<Version>2.7</Version>", "<Version>217</Version>"},
    {"version-one-digit", "<Version>2.7</Version>", "<Version>2</Version>"},
    {"version-spaces", "<Version>2.7</Version>", "<Version> 2.7</Version>"},
    {"version-newline", "<Version>2.7</Version>", "<Version>2\n7</Version>"},
    {"version-non-ascii", "<Version>2.7</Version>", "<Version>2\xc3\xa9" "7</Version>"},
    {"from-policy", "<Version>2.7</Version>", "<Version>2.7</Version><FromPolicy><PolicyName>old</PolicyName><Version>1.0</Version></FromPolicy>"},
    {"from-policy-no-version", "<Version>2.7</Version>", "<Version>2.7</Version><FromPolicy><PolicyName>old</PolicyName></FromPolicy>"},
    {"name-from", "<Name>dom_Idle</Name>", "<Name from=\"dom_Old\">dom_Idle</Name>"},
    {"type-with-attribute", "<Type>cw_Beta</Type>\n      </Conflict>", "<Type kind=\"x\">cw_Beta</Type>\n      </Conflict>"},
    {"empty-subject-labels", "<SubjectLabels bootstrap=\"dom_Management\">", "<SubjectLabels bootstrap=\"dom_Management\"/><Unused>"},
    {"te-lists-after-cw", "<Name>dom_Idle</Name>\n        <ChineseWallTypes>\n          <Type/>\n        </ChineseWallTypes>",
     "<Name>dom_Idle</Name>\n        <ChineseWallTypes>\n          <Type/>\n        </ChineseWallTypes><SimpleTypeEnforcementTypes><Type/></SimpleTypeEnforcementTypes>"},
    {"repeated-type-lists", "<Name>dom_Idle</Name>", "<Name>dom_Idle</Name><SimpleTypeEnforcementTypes><Type/></SimpleTypeEnforcementTypes><SimpleTypeEnforcementTypes><Type/></SimpleTypeEnforcementTypes>"},
    {"comment-and-pi", "<SecurityLabelTemplate>", "<SecurityLabelTemplate><!-- note --><?app data?>"},
    {"cdata-text", "<Name>dom_Idle</Name>", "<Name><![CDATA[dom_Idle]]></Name>"},
    {"cdata-in-elements", "<Name>dom_Idle</Name>", "<Name>dom_Idle</Name><![CDATA[x]]>"},
    {"wrong-root", "<SecurityPolicyDefinition xmlns=", "<SecurityPolicy xmlns="},
    {"no-label-template", "  <SecurityLabelTemplate>", "  <SecurityLabelTemplateX>"},
};

TEST(XsdCrossCheck, StructuralVariantsOfTheGoldenPolicy) {
  const std::string dir = scratch_dir() + "/xsd";
  std::size_t accepted = 0, rejected = 0;
  for (const auto& v : variants) {
    std::string text = mutate(golden(), v.from, v.to);
    // Some variants rename an element: its closing tag goes with it (still one change).
    if (std::string(v.name) == "sections-swapped") text = mutate(text, "</SimpleTypeEnforcement>", "</SimpleTypeEnforcementX>");
    if (std::string(v.name) == "wrong-root") text = mutate(text, "</SecurityPolicyDefinition>", "</SecurityPolicy>");
    if (std::string(v.name) == "no-label-template") text = mutate(text, "</SecurityLabelTemplate>", "</SecurityLabelTemplateX>");
    if (std::string(v.name) == "empty-subject-labels") text = mutate(text, "</SubjectLabels>", "</Unused>");
    const std::string file = dir + "/" + v.name + ".xml";
    spit(file, text);
    const verdict x = xmllint(file), o = ours(file);
    EXPECT_EQ(o.ok, x.ok) << v.name << "\nxmllint:\n" << x.text << "ours:\n" << o.text;
    // The variants break no semantic rule: the whole compiler agrees with xmllint too.
    EXPECT_EQ(compile_text(text, file).ok(), x.ok) << v.name;
    (x.ok ? accepted : rejected) += 1;
  }
  // The corpus exercises both answers.
  EXPECT_GE(accepted, 8u);
  EXPECT_GE(rejected, 20u);
}

}  // namespace
}  // namespace shype::tool::test

int main(int argc, char** argv) {
  if (std::string(SHYPE_XMLLINT).empty()) {
    std::cout << "xmllint (package libxml2-utils) is not installed: skipped\n";
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
