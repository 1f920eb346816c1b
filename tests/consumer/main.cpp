// SPDX-License-Identifier: Apache-2.0
#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/policy_builder.hpp>
#include <shype/type_enforcement.hpp>

#include <cstdio>

int main() {
  shype::policy_builder<> b("consumer");
  const auto t = b.te_type("t").value();
  (void)b.vm_label("a", {t}, {});
  (void)b.vm_label("b", {t}, {});
  static std::uint8_t buf[1024];
  const auto n = b.build(buf, sizeof buf);
  static shype::monitor<shype::chinese_wall<8>, shype::type_enforcement<8>> m;
  if (!n || !m.load_initial({buf, n.value()})) return 1;
  if (!m.domain_create(1, 0)->permitted() || !m.domain_create(2, 1)->permitted()) return 1;
  const bool ok = m.evtchn_bind(1, 2, 0)->permitted();
  std::puts(ok ? "consumer: ok" : "consumer: wrong decision");
  return ok ? 0 : 1;
}
