// SPDX-License-Identifier: Apache-2.0
// The decision cache on its own: hits, generation invalidation, dropping a domain, and a real
// replacement policy (a full cache keeps caching, and keeps what is used).
#include <shype/decision_cache.hpp>

#include <memory>
#include <vector>

#include <gtest/gtest.h>

namespace {

using shype::cache_key;
using shype::cached_decision;
using shype::decision;

cache_key key(std::uint32_t s, std::uint32_t o, std::uint8_t op = 8) { return {s, o, op}; }

TEST(DecisionCache, HitOnlyForTheSameKeyOpAndGeneration) {
  auto c = std::make_unique<shype::decision_cache<16, 4>>();
  c->insert(key(1, 2), 7, {decision::permit, 0xFF});
  c->insert(key(1, 3), 7, {decision::deny, 1});
  cached_decision d{};
  ASSERT_TRUE(c->lookup(key(1, 2), 7, d));
  EXPECT_EQ(d.value, decision::permit);
  ASSERT_TRUE(c->lookup(key(1, 3), 7, d));
  EXPECT_EQ(d.value, decision::deny);
  EXPECT_EQ(d.denied_by, 1);
  EXPECT_FALSE(c->lookup(key(2, 1), 7, d));     // direction matters
  EXPECT_FALSE(c->lookup(key(1, 2, 9), 7, d));  // another hook
  EXPECT_FALSE(c->lookup(key(1, 2), 8, d));     // a newer generation: everything is stale, O(1)
  EXPECT_EQ(c->size(7), 2u);
  EXPECT_EQ(c->size(8), 0u);
}

TEST(DecisionCache, DropRemovesEveryEntryOfAHandle) {
  auto c = std::make_unique<shype::decision_cache<16, 4>>();
  c->insert(key(1, 2), 1, {decision::permit, 0xFF});
  c->insert(key(3, 1), 1, {decision::permit, 0xFF});
  c->insert(key(3, 4), 1, {decision::permit, 0xFF});
  c->drop(1);
  cached_decision d{};
  EXPECT_FALSE(c->lookup(key(1, 2), 1, d));
  EXPECT_FALSE(c->lookup(key(3, 1), 1, d));
  EXPECT_TRUE(c->lookup(key(3, 4), 1, d));
  EXPECT_EQ(c->size(1), 1u);
}

TEST(DecisionCache, AFullCacheKeepsCachingAndKeepsWhatIsUsed) {
  // One set of 4 ways: every key lands in it.
  auto c = std::make_unique<shype::decision_cache<1, 4>>();
  cached_decision d{};
  for (std::uint32_t i = 0; i < 4; ++i) c->insert(key(i, 100), 1, {decision::permit, 0xFF});
  ASSERT_TRUE(c->lookup(key(0, 100), 1, d));  // key 0 is the hot one
  auto present = [&](std::uint32_t s) {  // without touching reference bits
    bool found = false;
    c->for_each(1, [&](const cache_key& k, const cached_decision&) { found |= k.subject == s; });
    return found;
  };
  // A stream of keys used once: each is cached (a full cache keeps caching), and CLOCK evicts
  // the cold entries, never the one in use.
  for (std::uint32_t i = 10; i < 200; ++i) {
    c->insert(key(i, 100), 1, {decision::permit, 0xFF});
    ASSERT_TRUE(present(i)) << "newest entry " << i << " was not cached";
    ASSERT_TRUE(c->lookup(key(0, 100), 1, d)) << "hot entry evicted at " << i;
  }
  EXPECT_EQ(c->size(1), 4u);
}

TEST(DecisionCache, ASetOfReferencedEntriesStillTakesANewOne) {
  // Every way used since it was cached: the clock clears their reference bits on its first
  // round and evicts one on the second; the newcomer is cached (a reference bit mistaken for
  // "busy", an entry being written, would leave no victim).
  auto c = std::make_unique<shype::decision_cache<1, 4>>();
  cached_decision d{};
  for (std::uint32_t i = 0; i < 4; ++i) c->insert(key(i, 100), 1, {decision::permit, 0xFF});
  for (int round = 0; round < 3; ++round) {
    std::vector<cache_key> held;  // whatever the set holds now: each is used once more
    c->for_each(1, [&](const cache_key& k, const cached_decision&) { held.push_back(k); });
    ASSERT_EQ(held.size(), 4u);
    for (const auto& k : held) ASSERT_TRUE(c->lookup(k, 1, d));
    const std::uint32_t newcomer = 50 + static_cast<std::uint32_t>(round);
    c->insert(key(newcomer, 100), 1, {decision::deny, 1});
    ASSERT_TRUE(c->lookup(key(newcomer, 100), 1, d)) << "round " << round;
    EXPECT_EQ(d.value, decision::deny);
    EXPECT_EQ(c->size(1), 4u);
  }
}

TEST(DecisionCache, StaleGenerationsAreReplacedFirst) {
  auto c = std::make_unique<shype::decision_cache<1, 2>>();
  cached_decision d{};
  c->insert(key(1, 1), 1, {decision::permit, 0xFF});
  c->insert(key(2, 2), 2, {decision::permit, 0xFF});
  ASSERT_TRUE(c->lookup(key(2, 2), 2, d));
  c->insert(key(3, 3), 2, {decision::deny, 0});  // must take the generation-1 entry's place
  EXPECT_TRUE(c->lookup(key(2, 2), 2, d));
  EXPECT_TRUE(c->lookup(key(3, 3), 2, d));
}

TEST(DecisionCache, AFreeWayIsTakenBeforeAValidEntryIsEvicted) {
  // The clock hand points at a valid entry (four inserts went round once), and the only free
  // way is elsewhere: an insert must take the free way, not evict by the clock. In generation
  // 0 too, where a free (zeroed) entry's generation equals the current one. (Two mutants of
  // this preference survived the sampled mutation run.)
  for (const std::uint32_t gen : {0u, 1u}) {
    auto c = std::make_unique<shype::decision_cache<1, 4>>();
    cached_decision d{};
    for (std::uint32_t i = 0; i < 4; ++i) c->insert(key(i, 100), gen, {decision::permit, 0xFF});
    c->drop(2);  // frees one way
    c->insert(key(9, 100), gen, {decision::permit, 0xFF});
    for (const std::uint32_t s : {0u, 1u, 3u, 9u}) EXPECT_TRUE(c->lookup(key(s, 100), gen, d)) << "key " << s << ", generation " << gen;
    EXPECT_EQ(c->size(gen), 4u);
  }
}

TEST(DecisionCache, ClearEmptiesEverything) {
  auto c = std::make_unique<shype::decision_cache<8, 2>>();
  for (std::uint32_t i = 0; i < 16; ++i) c->insert(key(i, i), 5, {decision::permit, 0xFF});
  EXPECT_GT(c->size(5), 0u);
  c->clear();
  EXPECT_EQ(c->size(5), 0u);
}

}  // namespace
