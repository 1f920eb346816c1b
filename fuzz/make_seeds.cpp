// SPDX-License-Identifier: Apache-2.0
// Writes the generated part of the seed corpora (run by hand, output committed):
//   make_seeds policy_loader DIR        binaries of deterministic pseudo-random policies, and one
//                                       damaged binary per rule of the format (damage.hpp)
//   make_seeds hook_state_machine DIR   encoded scenarios (boot policy + commands)
// The same seed numbers always give the same files.

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "shype_model/command.hpp"
#include "shype_model/damage.hpp"
#include "shype_model/policy_spec.hpp"

namespace {

using namespace shype_model;

struct prng {  // splitmix64
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(next()); }
  std::uint16_t sparse(unsigned n) { return static_cast<std::uint16_t>((1u << below(n)) | (below(4) == 0 ? 1u << below(n) : 0u)); }
};

raw_policy policy(prng& r, bool fits) {
  raw_policy p;
  p.te_mask = static_cast<std::uint16_t>(0x0F | (r.next() & (fits ? 0xF0 : 0x3F0)));
  p.cw_mask = static_cast<std::uint16_t>(0x0F | (r.next() & (fits ? 0xF0 : 0x3F0)));
  p.flags = static_cast<std::uint8_t>(1u | 2u | (r.below(4) == 0 ? 4u : 0u) | (r.below(5) != 0 ? 8u : 0u));
  for (auto& c : p.conflicts) c = r.below(2) == 0 ? std::uint16_t{0} : static_cast<std::uint16_t>(r.sparse(4) | r.sparse(4));
  p.labels = r.below(3) == 0 ? static_cast<std::uint8_t>(r.below(64)) : std::uint8_t{0x3F};
  for (auto& t : p.label_te) t = r.sparse(3);
  for (auto& c : p.label_cw) c = r.sparse(4);
  p.resources = static_cast<std::uint8_t>(r.below(16));
  for (auto& t : p.resource_te) t = r.sparse(3);
  p.bootstrap = r.byte();
  p.order = r.byte();
  p.version = static_cast<std::uint8_t>(r.below(4));
  if ((p.flags & 4u) != 0) {
    p.categories = static_cast<std::uint8_t>(r.below(5));
    for (auto& s : p.secrecy) s = r.byte();
    for (auto& s : p.integrity) s = r.byte();
  }
  return p;
}

void write(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_seeds policy_loader|hook_state_machine DIR\n");
    return 2;
  }
  const std::string what = argv[1], dir = argv[2];
  if (what == "policy_loader") {
    for (std::uint64_t i = 0; i < 12; ++i) {
      prng r{i};
      const auto bytes = build(make_spec(policy(r, i % 3 != 0)));
      if (!bytes) return 1;
      write(dir + "/generated-" + std::to_string(i) + ".bin", *bytes);
    }
    // Each structural damage of a full policy: the loader must refuse them all, and a loader
    // that accepted one would fail the round trip (the replay test runs these on every build).
    prng r{1};
    raw_policy full = policy(r, true);
    full.labels = 0x3F;
    full.resources = 0x0F;
    const auto base = build(make_spec(full));
    if (!base) return 1;
    for (std::size_t d = 1; d < damage_count; ++d) {
      auto b = *base;
      const damage applied = apply(b, static_cast<damage>(d), static_cast<std::uint32_t>(d * 0x9E3779B9u));
      if (applied != static_cast<damage>(d)) return 1;
      write(dir + "/damage-" + to_string(applied) + ".bin", b);
    }
    return 0;
  }
  if (what == "hook_state_machine") {
    for (std::uint64_t i = 0; i < 12; ++i) {
      prng r{100 + i};
      scenario s;
      s.initial = policy(r, true);
      const unsigned boot = 2 + r.below(6);
      for (unsigned k = 0; k < boot; ++k) {
        command c;
        c.code = op::create;
        c.host = static_cast<std::uint8_t>(r.below(2));
        c.a = static_cast<std::uint8_t>(r.below(raw_selector));
        c.label = static_cast<std::uint8_t>(r.below(raw_selector));
        s.commands.push_back(c);
      }
      for (unsigned k = 0; k < 40; ++k) {
        command c;
        c.code = static_cast<op>(r.below(op_count));
        c.host = static_cast<std::uint8_t>(r.below(3));
        c.host2 = r.byte();
        c.a = static_cast<std::uint8_t>(r.below(raw_selector));
        c.b = static_cast<std::uint8_t>(r.below(raw_selector));
        c.label = static_cast<std::uint8_t>(r.below(raw_selector));
        c.flag = r.byte();
        c.pick = static_cast<std::uint16_t>(r.next());
        if (c.code == op::change_policy || c.code == op::change_all) c.policy = policy(r, r.below(8) != 0);
        s.commands.push_back(c);
      }
      write(dir + "/generated-" + std::to_string(i) + ".bin", encode(s));
    }
    return 0;
  }
  std::fprintf(stderr, "make_seeds: unknown target %s\n", what.c_str());
  return 2;
}
