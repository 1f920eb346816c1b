// SPDX-License-Identifier: Apache-2.0
// The read side's sequence count (detail/hit_path.hpp), driven by hand on one thread: a reader
// that takes no lock must turn away while a writer is between write_begin and write_end, and a
// check after the read must see that a writer ran. The concurrency tests race real threads; this
// pins the protocol itself, step by step, so a wrong parity or a missed recheck fails here.
#include <shype/detail/hit_path.hpp>

#include <cstdint>
#include <memory>

#include <gtest/gtest.h>

namespace {

using shype::hook;
using path = shype::detail::hit_path<8, 16, 2, 4>;

constexpr std::uint32_t handle(shype::domid_t d) { return (std::uint32_t{1} << 16) | d; }

struct HitPathSequence : ::testing::Test {
  std::unique_ptr<path> p = std::make_unique<path>();
  const shype::cache_key key{handle(1), handle(2), static_cast<std::uint8_t>(hook::grant_map_rw)};

  void SetUp() override {
    p->set_live(1, handle(1));
    p->set_live(2, handle(2));
    p->first_generation();
    p->remember_permit(hook::evtchn_unbound, 1, 2);
    p->cache().insert(key, p->gen(), {shype::decision::permit, shype::verdict::none});
  }
  std::uint64_t table_read(std::uint32_t& seq) const { return p->optimistic_permit<hook::evtchn_unbound>(1, 2, seq); }
};

TEST_F(HitPathSequence, ReadersTakeAPermitOnlyWhenNoWriterIsActive) {
  std::uint32_t seq = 1;
  ASSERT_NE(table_read(seq), 0u);
  EXPECT_EQ(seq % 2, 0u) << "a read outside a writer starts from an even count";
  EXPECT_TRUE(p->optimistic_probe(key).permitted());
  EXPECT_TRUE(p->unchanged_since(seq));

  p->write_begin();
  std::uint32_t during = 0;
  EXPECT_EQ(table_read(during), 0u) << "the table was read while a writer was active";
  EXPECT_EQ(during % 2, 1u);
  EXPECT_FALSE(p->optimistic_probe(key).permitted()) << "the cache was read while a writer was active";
  EXPECT_FALSE(p->unchanged_since(seq)) << "a writer started after the read and nobody noticed";

  p->write_end();
  std::uint32_t after = 0;
  EXPECT_NE(table_read(after), 0u) << "the writer changed nothing this reader asks about";
  EXPECT_EQ(after, seq + 2);
  EXPECT_TRUE(p->optimistic_probe(key).permitted());
  EXPECT_FALSE(p->unchanged_since(seq)) << "a writer ran since the first read";
  EXPECT_TRUE(p->unchanged_since(after));
}

// The cache's words read as verdicts both ways give the same fields: the big-endian reading
// (field by field) is checked here, on a little-endian host, against the reinterpretation.
TEST_F(HitPathSequence, ACacheWordReadsTheSameFieldByField) {
  std::uint32_t n = 0;
  for (const auto d : {shype::decision::permit, shype::decision::deny})
    for (const std::uint8_t by : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{3}, shype::verdict::management, shype::verdict::none})
      for (const std::uint32_t gen : {1u, 2u, 0x12345678u, 0xFFFFFFFFu}) {
        const shype::cache_key k{handle(1), handle(2) + ++n, static_cast<std::uint8_t>(hook::grant_copy)};
        p->cache().insert(k, gen, {d, by});
        const std::uint64_t w = p->cache().probe(k, gen);
        ASSERT_NE(w, 0u);
        const shype::verdict a = path::hit_verdict(w), b = path::verdict_of_fields(w);
        EXPECT_EQ(a.value, d);
        EXPECT_EQ(a.denied_by, by);
        EXPECT_EQ(a.generation, gen);
        EXPECT_TRUE(a.cached);
        EXPECT_EQ(b.value, a.value);
        EXPECT_EQ(b.denied_by, a.denied_by);
        EXPECT_EQ(b.cached, a.cached);
        EXPECT_EQ(b.generation, a.generation);
        EXPECT_EQ(b.status, a.status);
      }
}

TEST_F(HitPathSequence, ANotRunningDomainIsNeverReadOptimistically) {
  EXPECT_FALSE(p->optimistic_probe({0, handle(2), key.op}).permitted());
  EXPECT_FALSE(p->optimistic_probe({handle(1), 0, key.op}).permitted());
}

}  // namespace
