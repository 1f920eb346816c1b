// SPDX-License-Identifier: Apache-2.0
// Model-based test: three hosts, each with a real monitor<chinese_wall, type_enforcement>, run
// random command sequences beside the naive model (shype_model/harness.hpp lists the invariants
// checked after every command). Random policies — too large, unauthorised, corrupted, missing
// labels of live domains, CW conflicts among running domains, or fine — are swapped in live.
//
// RC_PARAMS (seed, max_success, ...) comes from the environment: CTest fixes a seed for CI,
// proptests/run-long runs many more cases. A failure prints the shrunk command sequence and
// the steps that led to it, and writes the scenario as a hook_state_machine fuzz input
// (stateful-failure.bin) so that it can become a fuzz regression file.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include "generators.hpp"
#include "shype_model/harness.hpp"

namespace {

using namespace shype_model;

void save_failure(const scenario& s) {
  const auto bytes = encode(s);
  std::ofstream("stateful-failure.bin", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                                static_cast<std::streamsize>(bytes.size()));
}

void print(const coverage& c) {
  std::cout << "stateful: " << c.steps << " commands; changes applied " << c.changes_applied << ", refused " << c.changes_refused
            << ", dry runs " << c.dry_runs << "; violations " << c.violations << "; revoked " << c.revoked << ", closed " << c.closed
            << "; CW denials " << c.cw_denials << ", TE denials " << c.te_denials << ", cache hits " << c.cache_hits
            << ", full registry " << c.capacity_errors << "\n  permit/deny/error per command:";
  for (std::size_t i = 0; i < op_count; ++i)
    std::cout << " " << to_string(static_cast<op>(i)) << " " << c.permits[i] << "/" << c.denials[i] << "/" << c.errors[i];
  std::cout << "\n  errors returned:";
  for (std::size_t e = 0; e < 64; ++e)
    if (c.error_codes[e] != 0) std::cout << " " << shype::to_string(static_cast<shype::errc>(e)) << " " << c.error_codes[e];
  std::cout << std::endl;
}

TEST(Stateful, MonitorsMatchTheModelAndKeepEveryInvariant) {
  coverage cov;
  const bool ok = rc::check("monitors match the model and keep every invariant", [&cov] {
    const scenario s = *gen::scenario_gen();
    harness h(s.initial, &cov);
    for (const auto& c : s.commands)
      if (!h.step(c)) break;
    if (!h.ok()) {
      save_failure(s);
      RC_FAIL(h.report());
    }
  });
  ASSERT_TRUE(ok);
  print(cov);
  // The generators must keep reaching the interesting states; a generator that drifts into
  // trivial scenarios would make this test pass without testing anything.
  EXPECT_GT(cov.changes_applied, 0u);
  EXPECT_GT(cov.changes_refused, 0u);
  EXPECT_GT(cov.dry_runs, 0u);
  EXPECT_GT(cov.violations, 0u);
  EXPECT_GT(cov.revoked, 0u);
  EXPECT_GT(cov.closed, 0u);
  EXPECT_GT(cov.cw_denials, 0u);
  EXPECT_GT(cov.te_denials, 0u);
  EXPECT_GT(cov.cache_hits, 0u);
  for (auto o : {op::create, op::migrate, op::evtchn_bind, op::grant_map, op::resource_attach, op::relabel, op::close, op::restore})
    EXPECT_GT(cov.permits[static_cast<std::size_t>(o)], 0u) << to_string(o) << " never succeeded";
}

}  // namespace
