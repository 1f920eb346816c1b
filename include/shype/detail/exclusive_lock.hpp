// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::detail::exclusive_lock — a monitor's lock taken exclusively by a writer. With a
// concurrent locking policy the read side's sequence count (hit_path) is odd while it is held,
// so a reader that took a cached decision without any lock sees that a writer ran and retries
// under the lock.

namespace shype::detail {

template <bool Concurrent, class RwLock, class Seq>
class [[nodiscard]] exclusive_lock {
 public:
  exclusive_lock(RwLock& lock, Seq& seq) noexcept : lock_(lock), seq_(seq) {
    lock_.lock();
    if constexpr (Concurrent) seq_.write_begin();
  }
  ~exclusive_lock() {
    if constexpr (Concurrent) seq_.write_end();
    lock_.unlock();
  }
  exclusive_lock(const exclusive_lock&) = delete;
  exclusive_lock& operator=(const exclusive_lock&) = delete;

 private:
  RwLock& lock_;
  Seq& seq_;
};

}  // namespace shype::detail
