// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::binding_registry<Capacity, MaxDomains, Groups> — every live channel, grant mapping and
// resource attachment the monitor authorised.
//
// Bind-time authorisation means a later policy change must find what it authorised and take
// back what is no longer allowed (paper, section 4.3.2, "Policy Changes"). The registry is a
// fixed pool with a free list (O(1) add and remove) and, per domain, a doubly linked list of the
// bindings it takes part in, so stopping a domain costs O(its bindings), not O(capacity).
// Handles carry a serial, so a stale or forged handle is detected rather than misused. Bindings
// are also grouped by (kind, subject, object) (detail/binding_groups.hpp, at most `Groups`
// groups), so a policy change decides once per group and touches only the groups that flipped.

#include <cstddef>
#include <cstdint>

#include "detail/binding_groups.hpp"
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

template <std::size_t Capacity, std::size_t MaxDomains, std::size_t Groups = Capacity>
class binding_registry {
  static_assert(Capacity >= 1 && Capacity < 0xFFFFFFFFu, "binding_registry: capacity out of range");
  static_assert(MaxDomains <= 0x10000, "binding_registry: domain ids are 16 bits");

 public:
  static constexpr std::size_t capacity = Capacity;
  using groups_t = detail::binding_groups<Groups>;

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
      free_ = link_[i].next[0];
    } else if (high_ < Capacity) {  // slots at or above high_ were never used
      i = high_++;
    } else {
      return failure(errc::capacity_exhausted);
    }
    hot_[i] = {b.kind, true, b.subject, b.object};
    cookie_[i] = b.cookie;
    ++serial_[i];
    group_[i] = groups_.join(groups_t::key(static_cast<std::uint8_t>(b.kind), b.subject, b.object));
    if (group_[i] == groups_t::none) ++ungrouped_;
    ++of_subject_[b.subject];
    link(i, 0, b.subject);
    if (object_is_domain(b.kind)) link(i, 1, static_cast<domid_t>(b.object));
    ++size_;
    return binding_handle{i, serial_[i]};
  }

  /// The binding a handle names, or unknown_binding.
  [[nodiscard]] constexpr result<binding> get(binding_handle h) const noexcept {
    if (!live(h)) return failure(errc::unknown_binding);
    return at(h.index);
  }

  constexpr result<binding> remove(binding_handle h) noexcept {
    if (!live(h)) return failure(errc::unknown_binding);
    const binding b = at(h.index);
    release(h.index);
    return b;
  }

  /// Removes every binding domain d takes part in; f(handle, binding) is told of each.
  template <class F>
  constexpr std::size_t remove_domain(domid_t d, F&& f) noexcept {
    return remove_of_if(d, [](const binding&) { return true; }, f);
  }

  /// Calls f(handle, binding) for every live binding.
  template <class F>
  constexpr void for_each(F&& f) const noexcept {
    for (std::uint32_t i = 0; i < high_; ++i)
      if (hot_[i].live) f(binding_handle{i, serial_[i]}, at(i));
  }

  /// Calls f(handle, binding, group) for every binding whose subject is domain d.
  template <class F>
  constexpr void for_each_of_subject(domid_t d, F&& f) const noexcept {
    if (d >= MaxDomains) return;
    for (std::uint32_t i = head_[0][d]; i != nil; i = link_[i].next[0]) f(binding_handle{i, serial_[i]}, at(i), group_[i]);
  }

  /// Calls f(handle, binding) for every binding of domain d (as subject or object).
  template <class F>
  constexpr void for_each_of(domid_t d, F&& f) const noexcept {
    if (d >= MaxDomains) return;
    for (int role = 0; role < 2; ++role)
      for (std::uint32_t i = head_[role][d]; i != nil; i = link_[i].next[role]) f(binding_handle{i, serial_[i]}, at(i));
  }

  /// Removes the bindings of domain d that `doomed(binding)` selects; f is told of each.
  template <class Pred, class F>
  constexpr std::size_t remove_of_if(domid_t d, Pred&& doomed, F&& f) noexcept {
    if (d >= MaxDomains) return 0;
    std::size_t n = 0;
    for (int role = 0; role < 2; ++role) {
      for (std::uint32_t i = head_[role][d]; i != nil;) {
        const std::uint32_t next = link_[i].next[role];  // release(i) leaves `next` linked
        const binding b = at(i);
        if (doomed(b)) {
          f(binding_handle{i, serial_[i]}, b);
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
      if (!hot_[i].live) continue;
      const binding b = at(i);
      if (!doomed(b)) continue;
      f(binding_handle{i, serial_[i]}, b);
      release(i);
      ++n;
    }
    return n;
  }

  /// One pass over every live binding, for a policy change: visit(kind, subject, object&, group)
  /// says whether the binding goes (then f(handle, binding) is told) and may move a kept resource
  /// binding to another resource id (the same resource under a renumbered policy; the caller
  /// then rekeys its group). It streams through 12 bytes a binding (kind, subject, object,
  /// group) and touches the rest only for what it removes: a million bindings are 12 MB to
  /// read, not 44.
  /// `many`: the caller expects a mass removal; every list is then rebuilt in the same pass.
  template <class Visit, class F>
  constexpr std::size_t sweep(Visit&& visit, F&& f, bool many = false) noexcept {
    if (many) return sweep_relinking(visit, f);
    // Removed bindings are only marked here; their list links are fixed afterwards. A few are
    // unlinked one by one; after a mass revocation every list is rebuilt in one sequential
    // pass instead, which beats chasing a random neighbour per removed binding.
    constexpr std::size_t few = 64;
    std::uint32_t removed[few];
    std::size_t n = 0;
    for (std::uint32_t i = 0; i < high_; ++i) {
      hot_part& h = hot_[i];
      if (!h.live) continue;
      std::uint32_t object = h.object;
      if (visit(h.kind, h.subject, object, group_[i])) {
        f(binding_handle{i, serial_[i]}, at(i));
        h.live = false;
        forget(i);
        if (n < few) removed[n] = i;
        ++n;
      } else if (!object_is_domain(h.kind)) {
        h.object = object;
      }
    }
    if (n == 0) return 0;
    if (n <= few) {
      for (std::size_t k = 0; k < n; ++k) unlink_released(removed[k]);
    } else {
      relink_all();
    }
    size_ -= n;
    return n;
  }

  /// The same as sweep() over the bindings whose subject is d only (O(those bindings)).
  template <class Visit, class F>
  constexpr std::size_t sweep_subject(domid_t d, Visit&& visit, F&& f) noexcept {
    if (d >= MaxDomains) return 0;
    std::size_t n = 0;
    for (std::uint32_t i = head_[0][d]; i != nil;) {
      const std::uint32_t next = link_[i].next[0];  // release(i) leaves `next` linked
      hot_part& h = hot_[i];
      std::uint32_t object = h.object;
      if (visit(h.kind, h.subject, object, group_[i])) {
        f(binding_handle{i, serial_[i]}, at(i));
        release(i);
        ++n;
      } else if (!object_is_domain(h.kind)) {
        h.object = object;
      }
      i = next;
    }
    return n;
  }

  [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
  /// Live bindings whose subject is domain d.
  [[nodiscard]] constexpr std::size_t size_of_subject(domid_t d) const noexcept { return d < MaxDomains ? of_subject_[d] : 0; }
  /// Live bindings that found no group (the group pool was full): a policy change decides
  /// these one by one.
  [[nodiscard]] constexpr std::size_t ungrouped() const noexcept { return ungrouped_; }
  /// The index by (kind, subject, object), for a policy change's plan and apply.
  [[nodiscard]] constexpr groups_t& groups() noexcept { return groups_; }
  [[nodiscard]] constexpr const groups_t& groups() const noexcept { return groups_; }
  /// The group of a live binding's handle (groups_t::none: it has none).
  [[nodiscard]] constexpr std::uint32_t group_of(binding_handle h) const noexcept { return group_[h.index]; }

  /// Forgets every binding. O(slots ever used), not O(capacity).
  constexpr void clear() noexcept {
    for (std::uint32_t i = 0; i < high_; ++i) hot_[i].live = false;
    for (auto& h : head_)
      for (auto& x : h) x = nil;
    for (auto& c : of_subject_) c = 0;
    groups_.clear();
    free_ = nil;
    high_ = 0;
    size_ = 0;
    ungrouped_ = 0;
  }

 private:
  static constexpr std::uint32_t nil = 0xFFFFFFFF;

  // Structure of arrays: a revocation pass streams through `hot` (8 bytes a binding) only.
  struct hot_part {
    binding_kind kind = binding_kind::evtchn;
    bool live = false;
    domid_t subject = 0;
    std::uint32_t object = 0;
  };
  static_assert(sizeof(hot_part) == 8);
  struct links {
    std::uint32_t next[2] = {nil, nil};  // role 0: subject's list (and the free list); 1: object's
    std::uint32_t prev[2] = {nil, nil};
  };

  [[nodiscard]] constexpr binding at(std::uint32_t i) const noexcept {
    return binding{hot_[i].kind, hot_[i].subject, hot_[i].object, cookie_[i]};
  }
  [[nodiscard]] constexpr bool live(binding_handle h) const noexcept {
    return h.index < Capacity && h.index < high_ && hot_[h.index].live && serial_[h.index] == h.serial;
  }
  constexpr void link(std::uint32_t i, int role, domid_t d) noexcept {
    links& s = link_[i];
    s.prev[role] = nil;
    s.next[role] = head_[role][d];
    if (s.next[role] != nil) link_[s.next[role]].prev[role] = i;
    head_[role][d] = i;
  }
  constexpr void unlink(std::uint32_t i, int role, domid_t d) noexcept {
    links& s = link_[i];
    if (s.prev[role] != nil) link_[s.prev[role]].next[role] = s.next[role];
    else head_[role][d] = s.next[role];
    if (s.next[role] != nil) link_[s.next[role]].prev[role] = s.prev[role];
  }
  constexpr void release(std::uint32_t i) noexcept {
    hot_[i].live = false;
    forget(i);
    unlink_released(i);
    --size_;
  }
  /// Takes binding i out of its group and its subject's count.
  constexpr void forget(std::uint32_t i) noexcept {
    if (group_[i] == groups_t::none) --ungrouped_;
    else groups_.leave(group_[i]);
    --of_subject_[hot_[i].subject];
  }
  /// Takes a slot already marked dead out of its domains' lists and onto the free list.
  constexpr void unlink_released(std::uint32_t i) noexcept {
    unlink(i, 0, hot_[i].subject);
    if (object_is_domain(hot_[i].kind)) unlink(i, 1, static_cast<domid_t>(hot_[i].object));
    link_[i].next[0] = free_;
    free_ = i;
  }
  /// sweep() for a mass removal: one pass that decides, removes and rebuilds every list.
  template <class Visit, class F>
  constexpr std::size_t sweep_relinking(Visit& visit, F& f) noexcept {
    for (auto& h : head_)
      for (auto& x : h) x = nil;
    free_ = nil;
    std::size_t n = 0;
    for (std::uint32_t i = 0; i < high_; ++i) {
      hot_part& h = hot_[i];
      std::uint32_t object = h.object;
      if (h.live && visit(h.kind, h.subject, object, group_[i])) {
        f(binding_handle{i, serial_[i]}, at(i));
        h.live = false;
        forget(i);
        ++n;
      } else if (h.live) {
        if (!object_is_domain(h.kind)) h.object = object;
        link(i, 0, h.subject);
        if (object_is_domain(h.kind)) link(i, 1, static_cast<domid_t>(h.object));
        continue;
      }
      link_[i].next[0] = free_;
      free_ = i;
    }
    size_ -= n;
    return n;
  }
  /// Rebuilds every domain's list and the free list from the live flags, in one pass.
  constexpr void relink_all() noexcept {
    for (auto& h : head_)
      for (auto& x : h) x = nil;
    free_ = nil;
    for (std::uint32_t i = 0; i < high_; ++i) {
      if (hot_[i].live) {
        link(i, 0, hot_[i].subject);
        if (object_is_domain(hot_[i].kind)) link(i, 1, static_cast<domid_t>(hot_[i].object));
      } else {
        link_[i].next[0] = free_;
        free_ = i;
      }
    }
  }

  hot_part hot_[Capacity];
  std::uint64_t cookie_[Capacity] = {};
  std::uint32_t serial_[Capacity] = {};
  links link_[Capacity];
  std::uint32_t group_[Capacity] = {};  // group index, or groups_t::none
  std::uint32_t head_[2][MaxDomains] = {};
  std::uint32_t of_subject_[MaxDomains] = {};
  groups_t groups_{};
  std::size_t ungrouped_ = 0;
  std::uint32_t free_ = nil;  // released slots below high_
  std::uint32_t high_ = 0;    // slots at or above were never used: bounds every scan
  std::size_t size_ = 0;
};

}  // namespace shype
