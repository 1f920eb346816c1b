// SPDX-License-Identifier: Apache-2.0
#pragma once
// Peer: an access vector cache in front of the FLASK security server, as Xen's XSM/FLASK has
// (xen/xsm/flask/avc.c), written from its design, not its code:
//  - 512 hash slots; hash = (ssid ^ (tsid << 2) ^ (tclass << 4)) & 511; each slot a singly
//    linked chain of nodes, newest first;
//  - a lookup walks the chain without a lock (Xen: RCU);
//  - a miss asks the security server, then allocates a node on the heap and links it under the
//    slot's spin lock; above 512 live nodes, a reclaim pass unlinks 16 nodes from the next slots;
//  - a policy load flushes every node.
// Unlinked nodes are freed after a grace period. Xen uses RCU; here readers announce a
// quiescent state after each lookup (QSBR, what RCU amounts to) and a writer waits until every
// online reader has passed one. With no reader registered, nodes are freed at once.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace bench {

class avc {
 public:
  static constexpr std::size_t slots = 512;
  static constexpr std::size_t threshold = 512;
  static constexpr std::size_t reclaim = 16;
  static constexpr std::size_t max_readers = 8;

  struct node {
    std::uint32_t ssid, tsid;
    std::uint16_t tclass;
    std::uint32_t allowed;
    std::atomic<node*> next{nullptr};
  };

  avc() = default;
  avc(const avc&) = delete;
  avc& operator=(const avc&) = delete;
  ~avc() {
    for (auto& s : slot_)
      for (node* n = s.head.load(); n != nullptr;) {
        node* next = n->next.load();
        delete n;
        n = next;
      }
    for (node* n : retired_) delete n;
  }

  /// The cached allowed vector, or false on a miss.
  [[nodiscard]] bool lookup(std::uint32_t ssid, std::uint32_t tsid, std::uint16_t tclass, std::uint32_t& allowed) const noexcept {
    for (const node* n = slot_[hash(ssid, tsid, tclass)].head.load(std::memory_order_acquire); n != nullptr;
         n = n->next.load(std::memory_order_acquire)) {
      if (n->ssid == ssid && n->tclass == tclass && n->tsid == tsid) {
        allowed = n->allowed;
        return true;
      }
    }
    return false;
  }

  /// avc_has_perm: lookup, else compute(ssid, tsid, tclass) and insert. True if all of
  /// `requested` is allowed.
  template <class Compute>
  bool has_perm(std::uint32_t ssid, std::uint32_t tsid, std::uint16_t tclass, std::uint32_t requested, Compute&& compute) {
    std::uint32_t allowed = 0;
    if (!lookup(ssid, tsid, tclass, allowed)) {
      allowed = compute(ssid, tsid, tclass);
      insert(ssid, tsid, tclass, allowed);
    }
    return (requested & ~allowed) == 0;
  }

  void insert(std::uint32_t ssid, std::uint32_t tsid, std::uint16_t tclass, std::uint32_t allowed) {
    node* n = new node{ssid, tsid, tclass, allowed, {nullptr}};  // Xen: xmalloc on every miss
    if (active_.fetch_add(1, std::memory_order_relaxed) + 1 > threshold) reclaim_nodes();
    slot& s = slot_[hash(ssid, tsid, tclass)];
    std::lock_guard<std::mutex> g(s.lock);
    // Replace an entry for the same key (a concurrent miss inserted it), else link at the head.
    std::atomic<node*>* link = &s.head;
    for (node* p = link->load(std::memory_order_relaxed); p != nullptr; p = link->load(std::memory_order_relaxed)) {
      if (p->ssid == ssid && p->tsid == tsid && p->tclass == tclass) {
        n->next.store(p->next.load(std::memory_order_relaxed), std::memory_order_relaxed);
        link->store(n, std::memory_order_release);
        retire(p);
        return;
      }
      link = &p->next;
    }
    n->next.store(s.head.load(std::memory_order_relaxed), std::memory_order_relaxed);
    s.head.store(n, std::memory_order_release);
  }

  /// A policy load: every node goes (avc_ss_reset).
  void flush() {
    for (auto& s : slot_) {
      std::lock_guard<std::mutex> g(s.lock);
      for (node* n = s.head.exchange(nullptr, std::memory_order_acq_rel); n != nullptr;) {
        node* next = n->next.load(std::memory_order_relaxed);
        retire(n);
        n = next;
      }
    }
    if (readers_.load(std::memory_order_acquire) != 0) synchronize_and_free();
  }

  // --- grace periods (QSBR) ---
  /// Reader thread i (< max_readers) comes online.
  void reader_online(std::size_t i) {
    reader_[i].count.store(1, std::memory_order_release);
    for (std::size_t n = readers_.load(); n < i + 1 && !readers_.compare_exchange_weak(n, i + 1);) {
    }
  }
  /// Between two lookups: the reader holds no node.
  void quiescent(std::size_t i) noexcept {
    reader_[i].count.store(reader_[i].count.load(std::memory_order_relaxed) + 2, std::memory_order_release);
  }
  void reader_offline(std::size_t i) noexcept { reader_[i].count.store(0, std::memory_order_release); }

  [[nodiscard]] std::size_t live_nodes() const noexcept { return active_.load(std::memory_order_relaxed); }

 private:
  struct slot {
    std::atomic<node*> head{nullptr};
    std::mutex lock;
  };
  struct alignas(64) reader {
    std::atomic<std::uint64_t> count{0};  // odd: online (bumped by 2 per quiescent state); 0: offline
  };

  static std::size_t hash(std::uint32_t ssid, std::uint32_t tsid, std::uint16_t tclass) noexcept {
    return (ssid ^ (tsid << 2) ^ (std::uint32_t{tclass} << 4)) & (slots - 1);
  }

  void reclaim_nodes() {
    std::size_t n = 0;
    for (std::size_t tries = 0; tries < slots && n < reclaim; ++tries) {
      slot& s = slot_[hint_.fetch_add(1, std::memory_order_relaxed) & (slots - 1)];
      std::unique_lock<std::mutex> g(s.lock, std::try_to_lock);
      if (!g.owns_lock()) continue;
      while (n < reclaim) {
        node* victim = s.head.load(std::memory_order_relaxed);
        if (victim == nullptr) break;
        s.head.store(victim->next.load(std::memory_order_relaxed), std::memory_order_release);
        retire(victim);
        ++n;
      }
    }
  }

  void retire(node* n) {
    active_.fetch_sub(1, std::memory_order_relaxed);
    if (readers_.load(std::memory_order_acquire) == 0) {
      delete n;
      return;
    }
    std::lock_guard<std::mutex> g(retire_lock_);
    retired_.push_back(n);  // freed by the next flush(), after a grace period (Xen: call_rcu)
  }

  /// Waits for a grace period, then frees what was retired before it. Called by the writer
  /// (never a reader: it would wait for itself).
  void synchronize_and_free() {
    std::vector<node*> batch;
    {
      std::lock_guard<std::mutex> g(retire_lock_);
      batch.swap(retired_);
    }
    std::uint64_t seen[max_readers];
    const std::size_t r = readers_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < r; ++i) seen[i] = reader_[i].count.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < r; ++i)
      while (seen[i] != 0 && reader_[i].count.load(std::memory_order_acquire) == seen[i]) std::this_thread::yield();
    for (node* n : batch) delete n;
  }

  slot slot_[slots];
  std::atomic<std::size_t> active_{0};
  std::atomic<std::size_t> hint_{0};
  reader reader_[max_readers];
  std::atomic<std::size_t> readers_{0};
  std::mutex retire_lock_;
  std::vector<node*> retired_;
};

}  // namespace bench
