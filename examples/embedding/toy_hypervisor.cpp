// SPDX-License-Identifier: Apache-2.0
// How a hypervisor embeds shype: the hook sites of a toy hypervisor (domain creation, event
// channels, grant mappings, policy change) and what each does with the monitor's answer. The
// README's "Embedding the monitor" is taken from this file; CTest builds and runs it on the
// customer-order policy (examples/customer-order/policy.xml, compiled by `shype compile`).
//
//   toy_hypervisor POLICY.bin POLICY-V2.bin
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

namespace {

// ---- the hypervisor's own state (what a real one keeps per domain) --------------------------
struct domain {
  shype::domid_t id = 0;
  shype::binding_handle evtchn_mac[8];  // per port: the monitor's handle, kept for close
  bool evtchn_live[8] = {};
};
domain domains[8];
int revoked_in_hypervisor = 0;

// The monitor hands back the cookie the hypervisor gave at bind time: here the port, or the
// grant reference (a real hypervisor would tear down the nested page-table entry).
void revoke_in_hypervisor(const shype::binding& b) {
  ++revoked_in_hypervisor;
  if (b.kind == shype::binding_kind::evtchn) {
    domains[b.subject].evtchn_live[b.cookie] = false;
    std::printf("hypervisor: close d%u's port %u to d%u\n", unsigned{b.subject}, unsigned(b.cookie), unsigned(b.object));
  } else {
    std::printf("hypervisor: unmap d%u's grant %u from d%u\n", unsigned{b.subject}, unsigned(b.cookie), unsigned(b.object));
  }
}

// ---- the embedding --------------------------------------------------------------------------
// Policies are types; the stack decides by conjunction (deny overrides).
using mac = shype::monitor<shype::chinese_wall<64>, shype::type_enforcement<256>>;
constinit mac monitor;  // no heap: every table is sized at compile time

long boot(const std::uint8_t* policy, std::size_t size) {  // a compiled policy (shype compile)
  if (!monitor.load_initial({policy, size})) return -EINVAL;       // malformed: refuse to boot
  auto r = monitor.domain_create(0, monitor.policy().bootstrap_label());  // dom0, management
  return r && r->permitted() ? 0 : -EPERM;
}

long domain_create(shype::domid_t caller, shype::domid_t id, const char* label) {
  auto may = monitor.authorize_management(caller);  // only the management label creates domains
  if (!may || !may->permitted()) return -EPERM;
  const shype::label_id l = monitor.policy().find_vm_label(label);
  auto r = monitor.domain_create(id, l);  // Chinese Wall: no running competitor
  if (!r) return -EINVAL;                 // unknown label, table full: fail closed
  if (!r->permitted()) return -EACCES;    // deny is an answer, not an error
  domains[id].id = id;
  return 0;
}

long evtchn_bind_interdomain(domain& d, shype::domid_t remote, unsigned port) {
  auto r = monitor.evtchn_bind(d.id, remote, port);  // bind time: decided once, then cached
  if (!r) return -EINVAL;
  if (!r->permitted()) return -EACCES;
  d.evtchn_mac[port] = r->handle;  // sending needs no further check
  d.evtchn_live[port] = true;
  return 0;
}

long evtchn_send(const domain& d, unsigned port) {  // the critical path: no MAC call at all
  return d.evtchn_live[port] ? 0 : -EACCES;
}

long gnttab_map(domain& mapper, shype::domid_t granter, std::uint32_t ref, bool readonly) {
  auto r = monitor.grant_map(granter, mapper.id, readonly ? shype::access_mode::read : shype::access_mode::read_write,
                             ref);
  if (!r || !r->permitted()) return -EACCES;
  return 0;  // here: enter the page in the mapper's nested page tables, keep r->handle for unmap
}

long set_policy(shype::domid_t caller, const std::uint8_t* bin, std::size_t n) {  // from dom0 only
  auto r = monitor.change_policy(caller, {bin, n}, shype::change_mode::apply,
                                 [](shype::binding_handle, const shype::binding& b) { revoke_in_hypervisor(b); });
  if (!r) return -EINVAL;  // malformed: the old policy stays in force
  return r->value == shype::decision::permit ? 0 : -EPERM;  // unauthorised or violated: old policy kept
}

// ---- a run on the customer-order policy -----------------------------------------------------
std::vector<std::uint8_t> read_file(const char* path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

int failures = 0;
void expect(const char* what, long got, long want) {
  std::printf("%-58s %4ld %s\n", what, got, got == want ? "ok" : "UNEXPECTED");
  if (got != want) ++failures;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: toy_hypervisor POLICY.bin POLICY-V2.bin\n");
    return 2;
  }
  const std::vector<std::uint8_t> v1 = read_file(argv[1]), v2 = read_file(argv[2]);
  if (v1.empty() || v2.empty()) {
    std::fprintf(stderr, "toy_hypervisor: cannot read %s\n", v1.empty() ? argv[1] : argv[2]);
    return 2;
  }
  expect("boot with the customer-order policy", boot(v1.data(), v1.size()), 0);
  expect("dom0 creates d1 (dom_VirtualDisk)", domain_create(0, 1, "dom_VirtualDisk"), 0);
  expect("dom0 creates d2 (dom_Order)", domain_create(0, 2, "dom_Order"), 0);
  expect("dom0 creates d3 (dom_Ads_Alpha)", domain_create(0, 3, "dom_Ads_Alpha"), 0);
  expect("Chinese Wall: d4 (dom_Ads_Beta) while Alpha runs", domain_create(0, 4, "dom_Ads_Beta"), -EACCES);
  expect("an unknown label fails closed", domain_create(0, 4, "dom_Nonexistent"), -EINVAL);
  expect("d2 may not create domains", domain_create(2, 5, "dom_Order"), -EPERM);
  expect("d2 binds to the device domain d1 (port 1)", evtchn_bind_interdomain(domains[2], 1, 1), 0);
  expect("d3 binds to the device domain d1 (port 1)", evtchn_bind_interdomain(domains[3], 1, 1), 0);
  expect("d3 (Advertising) may not bind to d2 (Order)", evtchn_bind_interdomain(domains[3], 2, 2), -EACCES);
  expect("d1 maps d2's grant read-write", gnttab_map(domains[1], 2, 7, false), 0);
  expect("d2 may not map d3's grant", gnttab_map(domains[2], 3, 9, true), -EACCES);
  expect("d2 sends on port 1", evtchn_send(domains[2], 1), 0);
  expect("d2 may not change the policy", set_policy(2, v2.data(), v2.size()), -EPERM);
  std::vector<std::uint8_t> damaged = v2;
  damaged[damaged.size() / 2] ^= 1;
  expect("a damaged policy is refused", set_policy(0, damaged.data(), damaged.size()), -EINVAL);
  expect("d2 still sends on port 1 (old policy in force)", evtchn_send(domains[2], 1), 0);
  // policy-v2: vDisk Order leaves the device domain, so d2's channel to d1 goes (the grant
  // mapping too, and the monitor revokes it through the same callback).
  expect("dom0 loads policy-v2", set_policy(0, v2.data(), v2.size()), 0);
  expect("d2's channel to d1 was revoked", evtchn_send(domains[2], 1), -EACCES);
  expect("d3's channel to d1 survives", evtchn_send(domains[3], 1), 0);
  expect("bindings revoked through the callback", revoked_in_hypervisor, 2);
  std::printf("%s\n", failures == 0 ? "toy_hypervisor: every hook answered as the policy says"
                                    : "toy_hypervisor: some hooks answered unexpectedly");
  return failures == 0 ? 0 : 1;
}
