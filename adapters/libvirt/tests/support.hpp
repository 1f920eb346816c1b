// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the adapter's in-process tests share: the test policies and domain entries.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "host_state.hpp"
#include <shype/tool/compile/load_policy.hpp>

namespace shype::libvirt::test {

/// A policy of tests/data (ACM XML) compiled to its binary.
inline std::vector<std::uint8_t> policy(const std::string& name) {
  auto p = shype::tool::load_policy_file(std::string(SHYPE_LIBVIRT_TEST_DATA) + "/" + name);
  EXPECT_TRUE(p.ok()) << p.diag.text();
  return p.binary;
}

/// A domain entry with uuid "uuid-NAME".
inline domain_entry dom(const std::string& name, const std::string& label) {
  domain_entry d;
  d.uuid = "uuid-" + name;
  d.name = name;
  d.label = label;
  return d;
}

}  // namespace shype::libvirt::test
