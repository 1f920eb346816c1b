// SPDX-License-Identifier: Apache-2.0
// The library with nothing under it: compiled -ffreestanding -fno-exceptions -fno-rtti and linked
// with -nostdlib (no libc, no libstdc++, no crt start-up code). The monitor must be constant-
// initialised (constinit: no constructor would run), and any use of operator new, exceptions,
// RTTI, guard variables or atexit would fail to link. It then runs the paper's scenario and exits
// through the exit system call with 0 only if every decision is right.
#include <shype/bell_lapadula.hpp>
#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#include "shype_test/policies.hpp"

// What a hypervisor provides and a compiler may call.
extern "C" {
void* memcpy(void* d, const void* s, unsigned long n) {
  auto* dd = static_cast<unsigned char*>(d);
  const auto* ss = static_cast<const unsigned char*>(s);
  for (unsigned long i = 0; i < n; ++i) dd[i] = ss[i];
  return d;
}
void* memmove(void* d, const void* s, unsigned long n) {
  auto* dd = static_cast<unsigned char*>(d);
  const auto* ss = static_cast<const unsigned char*>(s);
  if (dd < ss)
    for (unsigned long i = 0; i < n; ++i) dd[i] = ss[i];
  else
    for (unsigned long i = n; i-- > 0;) dd[i] = ss[i];
  return d;
}
void* memset(void* d, int c, unsigned long n) {
  auto* dd = static_cast<unsigned char*>(d);
  for (unsigned long i = 0; i < n; ++i) dd[i] = static_cast<unsigned char>(c);
  return d;
}
int memcmp(const void* a, const void* b, unsigned long n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (unsigned long i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}
}

namespace {
using shype::access_mode;
using shype::decision;

long sys(long nr, long a, long b, long c) {
  long ret;
  asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}
void say(const char* s) {
  long n = 0;
  while (s[n] != '\0') ++n;
  (void)sys(1, 1, reinterpret_cast<long>(s), n);
}

using smp_monitor = shype::monitor<shype::chinese_wall<64>, shype::type_enforcement<64>>;
using up_monitor = shype::basic_monitor<shype::monitor_limits{}, shype::no_locking, shype::chinese_wall<64>, shype::type_enforcement<64>>;
constinit smp_monitor smp;
constinit up_monitor up;
constinit shype_test::policy_buffer<> policy = shype_test::paper_policy();
constinit shype_test::policy_buffer<> split = shype_test::paper_policy(shype_test::paper_variant::order_split);

template <class M>
int scenario(M& m) {
  int failures = 0;
  auto expect = [&](bool ok) { failures += ok ? 0 : 1; };
  expect(m.load_initial(policy.view()).has_value());
  const auto v = m.policy();
  auto create = [&](shype::domid_t d, const char* l) {
    auto r = m.domain_create(d, v.find_vm_label(l));
    return r.has_value() && r.value().permitted();
  };
  expect(create(0, "dom0") && create(1, "device") && create(2, "order") && create(3, "order") && create(6, "ads_a"));
  expect(!create(9, "ads_b"));
  auto ch = m.evtchn_bind(2, 3, 1);
  expect(ch.has_value() && ch.value().permitted());
  auto dev = m.grant_map(2, 1, access_mode::read_write, 2);
  expect(dev.has_value() && dev.value().permitted());
  auto bad = m.evtchn_bind(6, 2, 3);
  expect(bad.has_value() && !bad.value().permitted());
  expect(m.resource_access(6, v.find_resource_label("vdisk_ads"), access_mode::read).value().permitted());
  expect(!m.resource_access(6, v.find_resource_label("vdisk_order"), access_mode::read).value().permitted());
  int revoked = 0;
  auto change = m.change_policy(0, split.view(), shype::change_mode::apply, [&](shype::binding_handle, const shype::binding&) { ++revoked; });
  expect(change.has_value() && change.value().value == decision::permit && revoked == 1);
  char line[160];
  int lines = 0;
  m.audit().for_each([&](const shype::denial_record& d) {
    shype::format_denial(d, line, sizeof line);
    ++lines;
  });
  expect(lines == 3);  // the rival advertiser, advertising to order, advertising to the order disk
  return failures;
}
}  // namespace

extern "C" int shype_freestanding_main() {
  const int failures = scenario(smp) + scenario(up);
  say(failures == 0 ? "freestanding: monitor ok\n" : "freestanding: FAILED\n");
  return failures == 0 ? 0 : 1;
}

// No crt: set up an aligned stack frame, run, exit with the status.
asm(".globl _start\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  and $-16, %rsp\n"
    "  call shype_freestanding_main\n"
    "  mov %eax, %edi\n"
    "  mov $60, %eax\n"
    "  syscall\n");
