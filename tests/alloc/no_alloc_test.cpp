// SPDX-License-Identifier: Apache-2.0
// Zero heap allocations: global operator new and malloc are replaced by counting versions
// (shype_test/alloc_counter.hpp), and a long, seeded, mixed run of hooks, domain operations,
// relabels, policy changes (applied, dry-run and rejected) and revocations must not allocate
// once. The run also counts what it did, so the test cannot pass by doing nothing.
#include <cstdio>

#include <shype/tool/analysis/xorshift.hpp>

#include "shype_test/alloc_counter.hpp"
#include "shype_test/fixture.hpp"

namespace {
using namespace shype_test;

using rng = shype::tool::xorshift;  // deterministic, no allocation

// Built before counting starts; the monitor's views point into them.
const policy_buffer<> policies[] = {paper_policy(paper_variant::v1), paper_policy(paper_variant::ads_joins_order),
                                    paper_policy(paper_variant::order_split), paper_policy(paper_variant::orders_in_conflict),
                                    paper_policy(paper_variant::no_computing)};
paper_monitor monitor;
const char* const labels[] = {"dom0", "device", "order", "ads_a", "ads_b", "computing"};
shype::binding_handle handles[256];
}  // namespace

int main() {
  for (const auto& p : policies)
    if (!p.ok) return 2;
  if (!monitor.load_initial(policies[0].view())) return 2;
  if (!monitor.domain_create(0, monitor.policy().bootstrap_label())) return 2;

  unsigned long permits = 0, denials = 0, errors = 0, revoked = 0, changes = 0, rejected = 0;
  auto tally = [&](const auto& r) {
    if (!r) ++errors;
    else if (r.value().permitted()) ++permits;
    else ++denials;
  };
  rng g{0x5EEDull};
  const auto before = allocations();
  for (std::uint64_t step = 0; step < 200000; ++step) {
    const auto a = static_cast<shype::domid_t>(1 + g.below(15)), b = static_cast<shype::domid_t>(g.below(16));
    const auto pv = monitor.policy();
    switch (g.below(16)) {
      case 0: case 1: {
        const auto l = pv.find_vm_label(labels[1 + g.below(5)]);
        tally(monitor.domain_create(a, l));
        break;
      }
      case 2: (void)monitor.domain_destroy(a); break;
      case 3: (void)monitor.domain_save(a); break;
      case 4: tally(monitor.domain_restore(a)); break;
      case 5: (void)monitor.migrate_out(a); break;
      case 6: case 7: {
        auto r = monitor.evtchn_bind(a, b, step);
        tally(r);
        if (r && r->permitted()) handles[g.below(256)] = r->handle;
        break;
      }
      case 8: case 9: {
        auto r = monitor.grant_map(a, b, g.below(2) ? shype::access_mode::read : shype::access_mode::read_write, step);
        tally(r);
        if (r && r->permitted()) handles[g.below(256)] = r->handle;
        break;
      }
      case 10: tally(monitor.resource_access(a, static_cast<shype::resource_id>(g.below(3)), shype::access_mode::read)); break;
      case 11: (void)monitor.coalition(a, b); break;
      case 12: (void)monitor.evtchn_close(handles[g.below(256)]); (void)monitor.grant_unmap(handles[g.below(256)]); break;
      case 13: tally(monitor.relabel(0, a, pv.find_vm_label(labels[2 + g.below(4)]), [&](auto, const auto&) { ++revoked; })); break;
      case 14: {
        if (g.below(8) != 0) break;  // policy changes are rare
        const auto& next = policies[g.below(5)];
        const auto mode = g.below(4) == 0 ? shype::change_mode::dry_run : shype::change_mode::apply;
        auto r = monitor.change_policy(0, next.view(), mode, [&](auto, const auto&) { ++revoked; });
        if (r && r->value == shype::decision::permit) ++changes;
        else ++rejected;
        break;
      }
      default: tally(monitor.grant_copy(a, b)); break;
    }
  }
  const unsigned long allocated = static_cast<unsigned long>(allocations().calls - before.calls);

  std::printf("allocations=%lu permits=%lu denials=%lu errors=%lu revoked=%lu changes=%lu rejected=%lu generation=%llu\n",
              allocated, permits, denials, errors, revoked, changes, rejected,
              static_cast<unsigned long long>(monitor.generation()));
  if (allocated != 0) {
    std::puts("FAIL: the monitor allocated");
    return 1;
  }
  if (permits == 0 || denials == 0 || errors == 0 || revoked == 0 || changes == 0 || rejected == 0) {
    std::puts("FAIL: the run did not exercise every path");
    return 1;
  }
  return 0;
}
