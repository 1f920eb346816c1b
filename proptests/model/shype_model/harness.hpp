// SPDX-License-Identifier: Apache-2.0
#pragma once
// The real monitors and the naive model, run side by side (the property tests' and the
// hook-state-machine fuzzer's engine).
//
// step() resolves a command's selectors against the model, predicts the outcome with the
// model, performs it on the real monitors (one shype::basic_monitor per host), compares
// everything the monitor answers (error code, decision, denying policy, generation, reports,
// revoked and closed bindings, violations), updates the model, and then checks the invariants
// on every host:
//   1 isolation      no live channel, grant or attachment joins two domains (a domain and a
//                    resource) that share no TE type under the policy in force;
//   2 Chinese Wall   no host runs (or is starting) two domains whose labels hold different types
//                    of one conflict set;
//   3 coherence      every cached decision equals a fresh evaluate() and the naive decision under
//                    the current generation, is about running domains, was computed before for
//                    these incarnations, and is cached once;
//   4 revocation     after a policy change or relabel exactly the bindings the new policy forbids
//                    are gone (checked in the operation against the model's prediction);
//   5 no side effect a denied or failed operation, a refused change or a dry run leaves domains,
//                    bindings, generation, policy (and for non-sharing hooks the cache) unchanged;
//   6 statistics     hits, misses, denials, errors and revocations per hook class, and the audit
//                    log's count and last record, equal the model's own counts;
//   7 composition    the stacked monitor<chinese_wall, type_enforcement> answers exactly the
//                    conjunction of the naive Chinese Wall and Type Enforcement.
// Invariants 1-3 are judged from the real monitor's state and the naive policy alone, so they
// hold even where model and monitor might agree on a wrong answer.
//
// The invariants are named functions in invariants.hpp; the operations live in
// operations_domains.hpp, operations_sharing.hpp and operations_policy.hpp, the selectors that
// resolve a command's bytes in selectors.hpp, and the state they share in harness_state.hpp.

#include <cstddef>
#include <memory>
#include <sstream>
#include <string>

#include "command.hpp"
#include "harness_state.hpp"
#include "invariants.hpp"
#include "operations_domains.hpp"
#include "operations_policy.hpp"
#include "operations_sharing.hpp"
#include "selectors.hpp"
#include "snapshot.hpp"

namespace shype_model {

class harness {
 public:
  explicit harness(const raw_policy& initial, coverage* cov = nullptr) : hs_(initial, cov) {
    if (!hs_.naive.policies[0].bytes) {
      hs_.fail("the builder refused the initial policy " + describe(hs_.naive.policies[0].spec));
      return;
    }
    for (std::size_t i = 0; i < host_count; ++i) {
      hs_.real.push_back(std::make_unique<host_monitor>());
      auto r = hs_.real.back()->load_initial(view_of(hs_.naive.policies[0]));
      if (!r) hs_.fail("host " + std::to_string(i) + " refused the initial policy: " + shype::to_string(r.error().code));
    }
  }

  /// Runs one command; false once the monitor and the model disagree or an invariant breaks.
  bool step(const command& c) {
    if (!hs_.failure.empty()) return false;
    ++hs_.steps;
    if (hs_.cov != nullptr) ++hs_.cov->steps;
    hs_.line.str("");
    hs_.line << "#" << hs_.steps << " ";
    const auto before = snapshot_all(hs_.real);
    hs_.effect = {};
    run(c);
    hs_.trace.push_back(hs_.line.str());
    if (hs_.trace.size() > 40) hs_.trace.erase(hs_.trace.begin());
    if (hs_.failure.empty()) check_no_side_effect(hs_, before);
    if (hs_.failure.empty()) check_host_invariants(hs_);
    return hs_.failure.empty();
  }

  [[nodiscard]] bool ok() const { return hs_.failure.empty(); }
  [[nodiscard]] const std::string& failure() const { return hs_.failure; }

  /// The failure with the steps that led to it and the policies involved.
  [[nodiscard]] std::string report() const {
    std::ostringstream o;
    o << hs_.failure << "\nlast steps:\n";
    for (const auto& t : hs_.trace) o << "  " << t << "\n";
    for (std::size_t i = 0; i < host_count; ++i)
      o << "host " << i << " policy #" << hs_.naive.host[i].policy << ": " << describe(hs_.naive.spec(hs_.naive.host[i])) << "\n";
    return o.str();
  }

 private:
  /// Resolves the command's selectors against the model and runs the operation.
  void run(const command& c) {
    const model& m = hs_.naive;
    const std::size_t h = host_of(c.host);
    switch (c.code) {
      case op::create: {
        const shype::hook hooks[] = {shype::hook::domain_create, shype::hook::migrate_in, shype::hook::domain_restore};
        const shype::hook k = hooks[c.flag % 3];
        start(hs_, c.code, h, k, free_id(m, h, c.a), label_sel(m, h, c.label), false);
        return;
      }
      case op::prepare: {
        const shype::hook hooks[] = {shype::hook::domain_create, shype::hook::migrate_in, shype::hook::domain_restore};
        const shype::hook k = hooks[c.flag % 3];
        const shype::domid_t d =
            k == shype::hook::domain_restore ? saved(m, h, c.a) : free_id(m, h, c.a);
        start(hs_, c.code, h, k, d, (c.flag & 4u) != 0 ? shype::no_label : label_sel(m, h, c.label), true);
        return;
      }
      case op::commit:
      case op::abort:
        finish(hs_, c.code, h, starting(m, h, c.a));
        return;
      case op::destroy:
        stop(hs_, c.code, h, shype::hook::domain_destroy, in_use(m, h, c.a));
        return;
      case op::save:
        stop(hs_, c.code, h, shype::hook::domain_save, in_use(m, h, c.a));
        return;
      case op::restore: {
        const shype::domid_t d = saved(m, h, c.a);
        shype::label_id l = label_sel(m, h, c.label);
        if (c.flag % 3 == 0) l = shype::no_label;
        if (c.flag % 3 == 1 && d < max_dom && m.host[h].dom[d].state == mstate::saved)
          l = label_id_of(m.spec(m.host[h]), m.host[h].dom[d].label);
        start(hs_, c.code, h, shype::hook::domain_restore, d, l, false);
        return;
      }
      case op::migrate:
        migrate(hs_, c, h);
        return;
      case op::evtchn_unbound:
        share(hs_, c.code, h, shype::hook::evtchn_unbound, running(m, h, c.a), peer(m, h, c.b, running(m, h, c.a)));
        return;
      case op::evtchn_bind:
        share(hs_, c.code, h, shype::hook::evtchn_bind, running(m, h, c.a), peer(m, h, c.b, running(m, h, c.a)));
        return;
      case op::grant_map:
        share(hs_, c.code, h, (c.flag & 1u) != 0 ? shype::hook::grant_map_rw : shype::hook::grant_map_ro, running(m, h, c.a),
              peer(m, h, c.b, running(m, h, c.a)));
        return;
      case op::grant_copy:
        share(hs_, c.code, h, shype::hook::grant_copy, running(m, h, c.a), peer(m, h, c.b, running(m, h, c.a)));
        return;
      case op::close:
        close(hs_, c);
        return;
      case op::resource_access:
      case op::resource_attach:
        access(hs_, c.code, h, running(m, h, c.a), resource_sel(m, h, c.label),
               (c.flag & 1u) != 0 ? shype::access_mode::read_write : shype::access_mode::read);
        return;
      case op::query:
        query(hs_, h, running(m, h, c.a), peer(m, h, c.b, running(m, h, c.a)));
        return;
      case op::authorize:
        authorize(hs_, h, subject(m, h, c.a));
        return;
      case op::relabel:
        relabel(hs_, h, subject(m, h, c.a), in_use(m, h, c.b), label_sel(m, h, c.label));
        return;
      case op::change_policy:
        change_one(hs_, c, h);
        return;
      case op::change_all:
        change_all(hs_, c);
        return;
      case op::reload:
        reload(hs_, h);
        return;
    }
    hs_.fail("unknown command");
  }

  harness_state hs_;
};

}  // namespace shype_model
