// SPDX-License-Identifier: Apache-2.0
// Locking policies: the spin locks exclude as they should on one thread (the concurrency test
// runs them under contention), and a Relax policy decides how a waiter waits.
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

TEST(Locking, ExclusiveLockMakesReadersAndWritersWait) {
  shype::basic_smp_locking<recording_relax>::rw_lock lock;
  most_spins = 0;
  lock.lock();
  std::atomic<bool> reader_in{false};
  std::thread reader([&] {
    lock.lock_shared();
    reader_in = true;
    lock.unlock_shared();
  });
  // The reader cannot get in while the writer holds the lock: it waits through Relax.
  while (most_spins < 10) std::this_thread::yield();
  EXPECT_FALSE(reader_in.load());
  lock.unlock();
  reader.join();
  EXPECT_TRUE(reader_in.load());

  // Readers share; a writer waits for them to leave.
  lock.lock_shared();
  lock.lock_shared();
  std::atomic<bool> writer_in{false};
  most_spins = 0;
  std::thread writer([&] {
    lock.lock();
    writer_in = true;
    lock.unlock();
  });
  while (most_spins < 10) std::this_thread::yield();
  EXPECT_FALSE(writer_in.load());
  lock.unlock_shared();
  lock.unlock_shared();
  writer.join();
  EXPECT_TRUE(writer_in.load());
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
