// SPDX-License-Identifier: Apache-2.0
#pragma once
// A monitor loaded with the paper policy, and the paper's domains by name (hosted tests only).
#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#include <memory>
#include <string>

#include "policies.hpp"

namespace shype_test {

using paper_monitor = shype::monitor<shype::chinese_wall<64>, shype::type_enforcement<64>>;

/// Domain ids of the paper's Figure 2.
enum dom : shype::domid_t { dom0 = 0, device = 1, order1 = 2, order2 = 3, ads = 6, computing = 8, rival = 9 };

template <class Monitor = paper_monitor>
struct paper_setup {
  policy_buffer<> v1 = paper_policy();
  std::unique_ptr<Monitor> m = std::make_unique<Monitor>();

  paper_setup() {
    if (!v1.ok || !m->load_initial(v1.view())) std::abort();
  }
  [[nodiscard]] shype::label_id label(const char* n) const { return m->policy().find_vm_label(n); }
  [[nodiscard]] shype::resource_id resource(const char* n) const { return m->policy().find_resource_label(n); }
  /// Creates a domain and insists it was permitted.
  void create(shype::domid_t d, const char* l) {
    auto r = m->domain_create(d, label(l));
    if (!r || !r.value().permitted()) std::abort();
  }
  /// dom0, the device domain, two Order VMs, an advertiser and a computing VM.
  void boot_paper() {
    create(dom0, "dom0");
    create(device, "device");
    create(order1, "order");
    create(order2, "order");
    create(ads, "ads_a");
    create(computing, "computing");
  }
};

inline std::string name(shype::string_ref s) { return std::string(s.data(), s.size()); }

}  // namespace shype_test
