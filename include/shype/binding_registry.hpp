// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::binding_registry<Capacity, MaxDomains> — every live channel, grant mapping and resource
// attachment the monitor authorised.
//
// Bind-time authorisation means a later policy change must find what it authorised and take
// back what is no longer allowed (paper, section 4.3.2, "Policy Changes"). The registry is a
// fixed pool with a free list (O(1) add and remove) and, per domain, a doubly linked list of the
// bindings it takes part in, so stopping a domain costs O(its bindings), not O(capacity).
// Handles carry a serial, so a stale or forged handle is detected rather than misused.

#include <cstddef>
#include <cstdint>

#include "errc.hpp"
#include "ids.hpp"
#include "result.hpp"

namespace shype {

enum class binding_kind : std::uint8_t { evtchn, grant_ro, grant_rw, resource_read, resource_rw };

[[nodiscard]] constexpr const char* to_string(binding_kind k) noexcept {
  switch (k) {
    case binding_kind::evtchn: return "evtchn";
    case binding_kind::grant_ro: return "grant_ro";
    case binding_kind::grant_rw: return "grant_rw";
    case binding_kind::resource_read: return "resource_read";
    case binding_kind::resource_rw: return "resource_rw";
  }
  return "unknown";
}

/// Does the binding's object name a domain (rather than a resource)?
[[nodiscard]] constexpr bool object_is_domain(binding_kind k) noexcept {
  return k == binding_kind::evtchn || k == binding_kind::grant_ro || k == binding_kind::grant_rw;
}

/// A live binding: who bound what to whom, and the hypervisor's own reference (port, grant ref).
struct binding {
  binding_kind kind;
  domid_t subject;     ///< binder, granter, or the domain using a resource
  std::uint32_t object;  ///< peer domain id, or resource id
  std::uint64_t cookie;  ///< opaque to the monitor: handed back on revocation
};

struct binding_handle {
  std::uint32_t index = 0xFFFFFFFF;
  std::uint32_t serial = 0;
  [[nodiscard]] constexpr bool valid() const noexcept { return index != 0xFFFFFFFF; }
  friend constexpr bool operator==(const binding_handle&, const binding_handle&) noexcept = default;
};

template <std::size_t Capacity, std::size_t MaxDomains>
class binding_registry {
  static_assert(Capacity >= 1 && Capacity < 0xFFFFFFFFu, "binding_registry: capacity out of range");

 public:
  static constexpr std::size_t capacity = Capacity;

  constexpr binding_registry() noexcept {
    for (auto& h : head_)
      for (auto& x : h) x = nil;
  }

  /// Registers a binding; capacity_exhausted when the pool is full (the caller fails closed).
  constexpr result<binding_handle> add(const binding& b) noexcept {
    if (b.subject >= MaxDomains || (object_is_domain(b.kind) && b.object >= MaxDomains))
      return failure(errc::invalid_argument);
    std::uint32_t i;
    if (free_ != nil) {  // reuse a released slot
      i = free_;
      free_ = slots_[i].next[0];
    } else if (high_ < Capacity) {  // slots at or above high_ were never used
      i = high_++;
    } else {
      return failure(errc::capacity_exhausted);
    }
    slot& s = slots_[i];
    s.b = b;
    s.live = true;
    ++s.serial;
    link(i, 0, b.subject);
    if (object_is_domain(b.kind)) link(i, 1, static_cast<domid_t>(b.object));
    ++size_;
    return binding_handle{i, s.serial};
  }

  /// The binding a handle names, or unknown_binding.
  [[nodiscard]] constexpr result<binding> get(binding_handle h) const noexcept {
    if (!live(h)) return failure(errc::unknown_binding);
    return slots_[h.index].b;
  }

  constexpr result<binding> remove(binding_handle h) noexcept {
    if (!live(h)) return failure(errc::unknown_binding);
    const binding b = slots_[h.index].b;
    release(h.index);
    return b;
  }

  /// Removes every binding domain d takes part in; f(handle, binding) is told of each.
  template <class F>
  constexpr std::size_t remove_domain(domid_t d, F&& f) noexcept {
    if (d >= MaxDomains) return 0;
    std::size_t n = 0;
    for (int role = 0; role < 2; ++role) {
      while (head_[role][d] != nil) {
        const std::uint32_t i = head_[role][d];
        f(binding_handle{i, slots_[i].serial}, slots_[i].b);
        release(i);
        ++n;
      }
    }
    return n;
  }

  /// Calls f(handle, binding&) for every live binding; f may change the binding's object
  /// *between resources* (policy change remaps resource ids) but not its kind or domains.
  template <class F>
  constexpr void for_each(F&& f) noexcept {
    for (std::uint32_t i = 0; i < high_; ++i)
      if (slots_[i].live) f(binding_handle{i, slots_[i].serial}, slots_[i].b);
  }
  template <class F>
  constexpr void for_each(F&& f) const noexcept {
    for (std::uint32_t i = 0; i < high_; ++i)
      if (slots_[i].live) f(binding_handle{i, slots_[i].serial}, static_cast<const binding&>(slots_[i].b));
  }

  /// Calls f(handle, binding) for every binding of domain d (as subject or object).
  template <class F>
  constexpr void for_each_of(domid_t d, F&& f) const noexcept {
    if (d >= MaxDomains) return;
    for (int role = 0; role < 2; ++role)
      for (std::uint32_t i = head_[role][d]; i != nil; i = slots_[i].next[role])
        f(binding_handle{i, slots_[i].serial}, slots_[i].b);
  }

  /// Removes the bindings of domain d that `doomed(binding)` selects; f is told of each.
  template <class Pred, class F>
  constexpr std::size_t remove_of_if(domid_t d, Pred&& doomed, F&& f) noexcept {
    if (d >= MaxDomains) return 0;
    std::size_t n = 0;
    for (int role = 0; role < 2; ++role) {
      for (std::uint32_t i = head_[role][d]; i != nil;) {
        const std::uint32_t next = slots_[i].next[role];  // release(i) leaves `next` linked
        if (doomed(static_cast<const binding&>(slots_[i].b))) {
          f(binding_handle{i, slots_[i].serial}, static_cast<const binding&>(slots_[i].b));
          release(i);
          ++n;
        }
        i = next;
      }
    }
    return n;
  }

  /// Removes the bindings `doomed(binding)` selects; f(handle, binding) is told of each.
  template <class Pred, class F>
  constexpr std::size_t remove_if(Pred&& doomed, F&& f) noexcept {
    std::size_t n = 0;
    for (std::uint32_t i = 0; i < high_; ++i) {
      if (!slots_[i].live || !doomed(static_cast<const binding&>(slots_[i].b))) continue;
      f(binding_handle{i, slots_[i].serial}, static_cast<const binding&>(slots_[i].b));
      release(i);
      ++n;
    }
    return n;
  }

  [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }

  /// Forgets every binding. O(slots ever used), not O(capacity).
  constexpr void clear() noexcept {
    for (std::uint32_t i = 0; i < high_; ++i) slots_[i].live = false;
    for (auto& h : head_)
      for (auto& x : h) x = nil;
    free_ = nil;
    high_ = 0;
    size_ = 0;
  }

 private:
  static constexpr std::uint32_t nil = 0xFFFFFFFF;

  struct slot {
    binding b{};
    std::uint32_t serial = 0;
    std::uint32_t next[2] = {nil, nil};  // role 0: subject's list (and the free list); 1: object's
    std::uint32_t prev[2] = {nil, nil};
    bool live = false;
  };

  [[nodiscard]] constexpr bool live(binding_handle h) const noexcept {
    return h.index < Capacity && h.index < high_ && slots_[h.index].live && slots_[h.index].serial == h.serial;
  }
  constexpr void link(std::uint32_t i, int role, domid_t d) noexcept {
    slot& s = slots_[i];
    s.prev[role] = nil;
    s.next[role] = head_[role][d];
    if (s.next[role] != nil) slots_[s.next[role]].prev[role] = i;
    head_[role][d] = i;
  }
  constexpr void unlink(std::uint32_t i, int role, domid_t d) noexcept {
    slot& s = slots_[i];
    if (s.prev[role] != nil) slots_[s.prev[role]].next[role] = s.next[role];
    else head_[role][d] = s.next[role];
    if (s.next[role] != nil) slots_[s.next[role]].prev[role] = s.prev[role];
  }
  constexpr void release(std::uint32_t i) noexcept {
    slot& s = slots_[i];
    unlink(i, 0, s.b.subject);
    if (object_is_domain(s.b.kind)) unlink(i, 1, static_cast<domid_t>(s.b.object));
    s.live = false;
    s.next[0] = free_;
    free_ = i;
    --size_;
  }

  slot slots_[Capacity];
  std::uint32_t head_[2][MaxDomains] = {};
  std::uint32_t free_ = nil;  // released slots below high_
  std::uint32_t high_ = 0;    // slots at or above were never used: bounds every scan
  std::size_t size_ = 0;
};

}  // namespace shype
