// SPDX-License-Identifier: Apache-2.0
// Publishes N synthetic host records into etcd, as N agents would (for the fleet's scale test
// and bench/fleet.sh): fleet_synth FLEET_CONFIG POLICY N
// Host hNNNN runs, by NNNN mod 3: 'order' (dom_Order) with a port on lan (net_Order); 'order2'
// and 'comp' (dom_Order, dom_Computing); 'alpha' (dom_Ads_Alpha). Against tests/data's
// policy-v4-fleet.xml the first would lose its port, the second refuse, the third apply.
// The records are written in transactions of 100 under one lease of 600 s (revoked at exit 0
// only if --revoke is given), so the test's cluster forgets them on its own.
#include <cstdio>
#include <iostream>
#include <string>

#include <shype/tool/compile/load_policy.hpp>

#include "fleet/etcd.hpp"
#include "fleet/records.hpp"
#include "fleet/revision.hpp"
#include "host_state.hpp"
#include "util.hpp"

using namespace shype::libvirt;
using namespace shype::libvirt::fleet;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: fleet_synth FLEET_CONFIG POLICY N\n";
    return 2;
  }
  auto fc = load_fleet_config(argv[1]);
  if (!fc) {
    std::cerr << fc.message() << "\n";
    return 3;
  }
  auto p = shype::tool::load_policy_file(argv[2]);
  if (!p.ok()) {
    std::cerr << argv[2] << ": cannot load the policy\n";
    return 3;
  }
  const std::string count = argv[3];
  if (count.empty() || count.size() > 4 || count.find_first_not_of("0123456789") != std::string::npos) {
    std::cerr << "fleet_synth: N: a number of hosts from 0 to 9999: " << count << "\n";
    return 2;
  }
  const long n = std::stol(count);
  std::string password;
  if (!fc->password_file.empty()) password = trim(read_text(fc->password_file).value_or(""));
  etcd_client etcd({fc->endpoints, fc->ca, fc->cert, fc->key, fc->user, password, 5000, 20000});
  auto lease = etcd.lease_grant(600);
  if (!lease) {
    std::cerr << lease.message() << "\n";
    return 3;
  }
  std::vector<txn_op> ops;
  const std::string sha = sha256_hex(std::string(p.binary.begin(), p.binary.end()));
  for (long i = 0; i < n; ++i) {
    char name[24];
    std::snprintf(name, sizeof name, "h%04ld", i);
    host_state st;
    auto dom = [&](const std::string& d, const std::string& label) -> domain_entry& {
      domain_entry e;
      e.uuid = "00000000-0000-4000-8000-" + std::string(name + 1) + d.substr(0, 1) + "0000000";
      e.uuid = e.uuid.substr(0, 36);
      e.name = d;
      e.label = label;
      e.state = phase::running;
      return st.add(std::move(e));
    };
    if (i % 3 == 0) {
      domain_entry& o = dom("order", "dom_Order");
      o.ports.push_back({"lan", "p-" + std::string(name), "52:54:00:00:00:01", "net_Order", false});
    } else if (i % 3 == 1) {
      dom("order2", "dom_Order");
      dom("comp", "dom_Computing");
    } else {
      dom("alpha", "dom_Ads_Alpha");
    }
    st.policy = policy_identity(std::string(p.binary.begin(), p.binary.end()));
    host_record h;
    h.host = name;
    h.policy_sha256 = sha;
    h.title = "'libvirt.test' version 1.0";
    h.policy = p.binary;
    h.state = render_state(st);
    h.updated = timestamp();
    ops.push_back({txn_op::kind::put, fc->state_key(name), render_host(h), *lease});
    if (ops.size() == 100 || i + 1 == n) {
      auto done = etcd.txn({}, ops);
      if (!done) {
        std::cerr << done.message() << "\n";
        return 3;
      }
      ops.clear();
    }
  }
  std::cout << "published " << n << " synthetic host records under lease " << *lease << "\n";
  return 0;
}
