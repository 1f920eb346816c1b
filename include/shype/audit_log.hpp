// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::audit_log<N, Mutex> — the last N denials, for operators and evaluators.
//
// Each denial is recorded with who (subject domain and label), what (object domain or resource
// and its label), the hook, which policy of the stack denied, and the policy generation. The
// ring is fixed-size and overwrites the oldest record; `total()` says how many were ever
// recorded, so a reader can tell how many it missed. format_denial() prints a record as one
// line in the style of SELinux's AVC messages, e.g.
//   avc: denied { bind } for source=dom3 slabel="order" target=dom6 tlabel="ads" policy=type_enforcement generation=2 seq=7

#include <cstddef>
#include <cstdint>

#include "detail/text.hpp"
#include "hook.hpp"
#include "ids.hpp"
#include "locking.hpp"
#include "string_ref.hpp"

namespace shype {

/// What a denied request was about: another domain, a resource, a place on this host (Chinese
/// Wall), or the policy itself (management).
enum class audit_object : std::uint8_t { domain, resource, host, policy };

struct denial_record {
  static constexpr std::size_t label_chars = 32;  ///< label names are kept up to 31 bytes

  std::uint64_t seq = 0;
  generation_t generation = 0;
  hook op = hook::evtchn_bind;
  std::uint8_t policy_index = 0;  ///< position of the denying policy in the monitor's stack
  const char* policy = "";        ///< its name
  domid_t subject = 0;
  audit_object object_kind = audit_object::domain;
  std::uint32_t object = 0;
  char subject_label[label_chars] = {};
  char object_label[label_chars] = {};

  static constexpr void copy_label(char (&dst)[label_chars], string_ref s) noexcept {
    std::size_t n = 0;
    for (; n < s.size() && n + 1 < label_chars; ++n) dst[n] = s[n];
    dst[n] = '\0';
  }
  /// A record of everything but its sequence number (the log gives that).
  static constexpr denial_record make(generation_t g, hook op, std::uint8_t by, const char* policy, domid_t s,
                                      audit_object kind, std::uint32_t o, string_ref slabel, string_ref olabel) noexcept {
    denial_record r;
    r.generation = g;
    r.op = op;
    r.policy_index = by;
    r.policy = policy;
    r.subject = s;
    r.object_kind = kind;
    r.object = o;
    copy_label(r.subject_label, slabel);
    copy_label(r.object_label, olabel);
    return r;
  }
};

/// Writes one AVC-style line (no newline) into buf; returns its length.
constexpr std::size_t format_denial(const denial_record& r, char* buf, std::size_t cap) noexcept {
  detail::text_writer w(buf, cap);
  w.put("avc: denied { ").put(to_string(r.op)).put(" } for source=dom").put_uint(r.subject);
  w.put(" slabel=").put_quoted(r.subject_label);
  switch (r.object_kind) {
    case audit_object::domain:
      w.put(" target=dom").put_uint(r.object).put(" tlabel=").put_quoted(r.object_label);
      break;
    case audit_object::resource:
      w.put(" target=resource tlabel=").put_quoted(r.object_label);
      break;
    case audit_object::host:
      w.put(" target=host");
      break;
    case audit_object::policy:
      w.put(" target=policy");
      break;
  }
  w.put(" policy=").put(r.policy).put(" generation=").put_uint(r.generation).put(" seq=").put_uint(r.seq);
  return w.size();
}

template <std::size_t N, class Mutex>
class audit_log {
  static_assert(N >= 1, "audit_log: at least one record");

 public:
  static constexpr std::size_t capacity = N;

  constexpr audit_log() noexcept = default;

  /// Appends a record (its seq is assigned here), overwriting the oldest when full.
  void record(denial_record r) noexcept {
    unique_guard g(m_);
    r.seq = total_;
    ring_[total_ % N] = r;
    ++total_;
  }

  /// Calls f(record) for the retained records, oldest first.
  template <class F>
  void for_each(F&& f) const noexcept {
    unique_guard g(m_);
    const std::uint64_t first = total_ > N ? total_ - N : 0;
    for (std::uint64_t i = first; i < total_; ++i) f(static_cast<const denial_record&>(ring_[i % N]));
  }

  /// Denials ever recorded (retained or overwritten).
  [[nodiscard]] std::uint64_t total() const noexcept {
    unique_guard g(m_);
    return total_;
  }
  [[nodiscard]] std::size_t size() const noexcept {
    unique_guard g(m_);
    return total_ < N ? static_cast<std::size_t>(total_) : N;
  }
  void clear() noexcept {
    unique_guard g(m_);
    total_ = 0;
  }

 private:
  mutable Mutex m_;
  denial_record ring_[N];
  std::uint64_t total_ = 0;
};

}  // namespace shype
