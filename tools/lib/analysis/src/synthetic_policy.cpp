// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/analysis/synthetic_policy.hpp>

#include <cstdio>
#include <set>
#include <sstream>

#include <shype/tool/analysis/xorshift.hpp>

namespace shype::tool {
namespace {

using rng = xorshift;

}  // namespace

std::string synthetic_name(const char* prefix, std::size_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "%s%04zu", prefix, i);
  return b;
}

std::string synthetic_policy_xml(const synthetic_spec& s) {
  rng r{s.seed * 0x9E3779B97F4A7C15ull + 1};
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
       "<SecurityPolicyDefinition xmlns=\"http://www.ibm.com\">\n"
       "  <PolicyHeader>\n    <PolicyName>"
    << s.name << "</PolicyName>\n    <Version>1.0</Version>\n  </PolicyHeader>\n";
  if (s.te_types > 0) {
    o << "  <SimpleTypeEnforcement>\n    <SimpleTypeEnforcementTypes>\n";
    for (std::size_t i = 0; i < s.te_types; ++i) o << "      <Type>" << synthetic_name("te", i) << "</Type>\n";
    o << "    </SimpleTypeEnforcementTypes>\n  </SimpleTypeEnforcement>\n";
  }
  if (s.cw_types > 0) {
    o << "  <ChineseWall priority=\"PrimaryPolicyComponent\">\n    <ChineseWallTypes>\n";
    for (std::size_t i = 0; i < s.cw_types; ++i) o << "      <Type>" << synthetic_name("cw", i) << "</Type>\n";
    o << "    </ChineseWallTypes>\n";
    if (s.conflict_sets > 0) {
      std::size_t per = s.cw_types / s.conflict_sets;
      if (per < 2) per = 2;
      o << "    <ConflictSets>\n";
      for (std::size_t k = 0; k < s.conflict_sets; ++k) {
        o << "      <Conflict name=\"" << synthetic_name("cs", k) << "\">\n";
        for (std::size_t j = 0; j < per; ++j)
          o << "        <Type>" << synthetic_name("cw", (k * per + j) % s.cw_types) << "</Type>\n";
        o << "      </Conflict>\n";
      }
      o << "    </ConflictSets>\n";
    }
    o << "  </ChineseWall>\n";
  }
  o << "  <SecurityLabelTemplate>\n    <SubjectLabels bootstrap=\"" << synthetic_name("vm", 0) << "\">\n";
  for (std::size_t i = 0; i < s.vm_labels; ++i) {
    o << "      <VirtualMachineLabel>\n        <Name>" << synthetic_name("vm", i) << "</Name>\n";
    if (s.te_types > 0) {
      const std::size_t want = s.te_min + r.below(s.te_max - s.te_min + 1);
      std::set<std::size_t> te;
      while (te.size() < want && te.size() < s.te_types) te.insert(r.below(s.te_types));
      o << "        <SimpleTypeEnforcementTypes>\n";
      if (te.empty()) o << "          <Type/>\n";
      for (auto t : te) o << "          <Type>" << synthetic_name("te", t) << "</Type>\n";
      o << "        </SimpleTypeEnforcementTypes>\n";
    }
    if (s.cw_types > 0)
      o << "        <ChineseWallTypes>\n          <Type>" << synthetic_name("cw", r.below(s.cw_types))
        << "</Type>\n        </ChineseWallTypes>\n";
    o << "      </VirtualMachineLabel>\n";
  }
  o << "    </SubjectLabels>\n";
  if (s.resource_labels > 0 && s.te_types > 0) {
    o << "    <ObjectLabels>\n";
    for (std::size_t i = 0; i < s.resource_labels; ++i)
      o << "      <ResourceLabel>\n        <Name>" << synthetic_name("res", i)
        << "</Name>\n        <SimpleTypeEnforcementTypes>\n          <Type>" << synthetic_name("te", r.below(s.te_types))
        << "</Type>\n        </SimpleTypeEnforcementTypes>\n      </ResourceLabel>\n";
    o << "    </ObjectLabels>\n";
  }
  o << "  </SecurityLabelTemplate>\n</SecurityPolicyDefinition>\n";
  return o.str();
}

}  // namespace shype::tool
