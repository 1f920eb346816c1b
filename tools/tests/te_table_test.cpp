// SPDX-License-Identifier: Apache-2.0
// The TE decision table (include/shype/te_table.hpp) against the rule on real and large
// policies: every VM label pair of the vendored Xen ACM policies, of the golden policy, of the
// examples and of synthetic policies up to 1,000 labels x 1,024 types is decided by the table
// as type_enforcement::permits decides it on the two labels read in place.

#include <gtest/gtest.h>

#include <memory>

#include <shype/policy_view.hpp>
#include <shype/te_table.hpp>
#include <shype/type_enforcement.hpp>

#include <shype/tool/compile/load_policy.hpp>
#include <shype/tool/io/policy_file.hpp>
#include <shype/tool/analysis/synthetic_policy.hpp>
#include "test_support.hpp"

namespace shype::tool::test {
namespace {

using table_t = te_table<4096, 1024>;
using te_t = type_enforcement<4096, 1024>;

struct pairs_seen {
  std::size_t permitted = 0, denied = 0;
};

/// Every ordered pair of VM labels of `binary`: table == rule, and the policy's decide() too.
pairs_seen expect_table_is_rule(const std::vector<std::uint8_t>& binary, const std::string& what) {
  pairs_seen seen;
  const auto loaded = policy_view::load({binary.data(), binary.size()});
  EXPECT_TRUE(loaded.has_value()) << what;
  if (!loaded) return seen;
  const policy_view v = loaded.value();
  auto t = std::make_unique<table_t>();
  EXPECT_TRUE(t->build(v)) << what;
  EXPECT_TRUE(t->built_for(v)) << what;
  auto te = std::make_unique<te_t>();
  te->install(v);
  std::size_t wrong = 0;
  for (label_id a = 0; a < v.vm_label_count(); ++a) {
    const type_set_view ta = v.vm_label(a).te();
    for (label_id b = 0; b < v.vm_label_count(); ++b) {
      const decision rule = v.has_te() ? te_t::permits(ta, v.vm_label(b).te()) : decision::permit;
      if (t->permits(a, b) != rule || te->decide(v, a, b) != rule) {
        if (++wrong <= 5) ADD_FAILURE() << what << ": labels " << a << ", " << b << " decided unlike the rule";
      }
      ++(rule == decision::permit ? seen.permitted : seen.denied);
    }
  }
  EXPECT_EQ(wrong, 0u) << what;
  return seen;
}

std::vector<std::uint8_t> compiled(const std::string& path) {
  const loaded_policy p = load_policy_file(path);
  EXPECT_TRUE(p.ok()) << path << ": " << p.diag.text();
  return p.binary;
}

TEST(TeTable, EveryLabelPairOfTheXenAcmPoliciesAndTheGoldenPolicy) {
  const std::string xen[] = {"client_v1-security_policy.xml", "default-security_policy.xml", "default-ul-security_policy.xml",
                             "test-security_policy.xml", "dialect-2006/chwall_ste__client_v1-security_policy.xml",
                             "dialect-2006/ste__client_v1-security_policy.xml", "dialect-2006/chwall__client_v1-security_policy.xml"};
  pairs_seen all;
  for (const auto& f : xen) {
    const auto s = expect_table_is_rule(compiled(xen_dir() + "/" + f), f);
    all.permitted += s.permitted;
    all.denied += s.denied;
  }
  const auto g = compile_text(golden());
  ASSERT_TRUE(g.ok());
  const auto s = expect_table_is_rule(g.binary, "golden.xml");
  all.permitted += s.permitted;
  all.denied += s.denied;
  const auto e = expect_table_is_rule(compiled(examples_dir() + "/customer-order/policy.xml"), "customer-order");
  EXPECT_GT(e.permitted, 0u);
  EXPECT_GT(e.denied, 0u);
  EXPECT_GT(all.permitted, 0u);
  EXPECT_GT(all.denied, 0u);
}

TEST(TeTable, EveryLabelPairOfSyntheticPoliciesUpToAThousandLabelsAndTheCapacity) {
  const synthetic_spec specs[] = {
      {.name = "te64", .te_types = 64, .vm_labels = 1000, .resource_labels = 10, .te_min = 1, .te_max = 3, .seed = 1},
      {.name = "te256", .te_types = 256, .vm_labels = 1000, .resource_labels = 10, .te_min = 1, .te_max = 3, .seed = 2},
      {.name = "te1024", .te_types = 1024, .vm_labels = 1000, .resource_labels = 10, .te_min = 1, .te_max = 3, .seed = 3},
      {.name = "dense", .te_types = 100, .vm_labels = 1024, .resource_labels = 1, .te_min = 5, .te_max = 40, .seed = 4},
      {.name = "one_type", .te_types = 1, .vm_labels = 130, .resource_labels = 1, .te_min = 0, .te_max = 1, .seed = 5},
  };
  for (const auto& spec : specs) {
    const std::string xml = synthetic_policy_xml(spec);
    const auto c = compile_text(xml, spec.name + ".xml");
    ASSERT_TRUE(c.ok()) << spec.name;
    const auto s = expect_table_is_rule(c.binary, spec.name);
    EXPECT_GT(s.permitted, 0u) << spec.name;
    EXPECT_GT(s.denied, 0u) << spec.name;
  }
}

}  // namespace
}  // namespace shype::tool::test
