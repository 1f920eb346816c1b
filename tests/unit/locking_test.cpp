// SPDX-License-Identifier: Apache-2.0
// Locking policies: the spin locks make a contender wait, through its Relax policy, while the
// lock is held against it (the concurrency test runs them under heavy contention), and
// yield_after_spins decides when a waiter gives the CPU back.
#include <shype/locking.hpp>

#include <atomic>
#include <thread>
#include <type_traits>

#include <gtest/gtest.h>

namespace {

int yields = 0;
int count_yield() noexcept { return ++yields; }

TEST(Locking, YieldAfterSpinsPausesFirstThenYields) {
  using relax = shype::yield_after_spins<&count_yield, 4>;
  yields = 0;
  for (unsigned n = 0; n < 4; ++n) relax::relax(n);
  EXPECT_EQ(yields, 0);
  relax::relax(4);
  relax::relax(100);
  EXPECT_EQ(yields, 2);
}

// A Relax policy that records how long the waiter waited, to see the lock actually made it wait.
std::atomic<unsigned> most_spins{0};
struct recording_relax {
  static void relax(unsigned spins) noexcept {
    if (spins > most_spins.load()) most_spins = spins;
    std::this_thread::yield();
  }
};

using rw_lock = shype::basic_smp_locking<recording_relax>::rw_lock;

/// Runs `contend` (which takes and releases the lock) on a thread while the lock is held by
/// `hold`; it must get in only after `release`.
template <class Hold, class Contend, class Release>
void expect_waits(Hold hold, Contend contend, Release release) {
  hold();
  most_spins = 0;
  std::atomic<bool> in{false};
  std::thread t([&] {
    contend();
    in = true;
  });
  while (most_spins < 10 && !in.load()) std::this_thread::yield();  // it waits through Relax, or got in
  EXPECT_FALSE(in.load());
  release();
  t.join();
  EXPECT_TRUE(in.load());
}

TEST(Locking, ExclusiveLockMakesReadersAndWritersWait) {
  rw_lock lock;
  // A reader waits for the writer.
  expect_waits([&] { lock.lock(); }, [&] { lock.lock_shared(); lock.unlock_shared(); }, [&] { lock.unlock(); });
  // Readers share; a writer waits for them to leave.
  expect_waits([&] { lock.lock_shared(); lock.lock_shared(); }, [&] { lock.lock(); lock.unlock(); },
               [&] { lock.unlock_shared(); lock.unlock_shared(); });
}

TEST(Locking, NoLockingIsFree) {
  static_assert(!shype::no_locking::concurrent && shype::smp_locking::concurrent);
  static_assert(std::is_empty_v<shype::no_locking::rw_lock>);
  static_assert(std::is_same_v<shype::smp_locking, shype::basic_smp_locking<>>);
  shype::basic_smp_locking<shype::yield_after_spins<&count_yield>>::mutex m;
  m.lock();
  m.unlock();
}

}  // namespace
