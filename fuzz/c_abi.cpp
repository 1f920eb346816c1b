// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the C ABI (adapters/c/shype.h), every entry point with arbitrary arguments.
//
// The bytes are a policy (shype_model's raw policy, made valid and built, as the hook state
// machine target does), then calls of 12 bytes each: an entry point and its arguments, taken
// as they come — domain ids and labels of any value (most aimed near the live ones), NULL or
// real out-pointers, forged binding handles, buffers of any length holding fuzzed bytes (a
// policy change gets either a valid second policy or the raw bytes). Oracles after every call:
//   * every return is a shype_errc the header names; a verdict handed to a call that failed
//     is SHYPE_DENY (the header's fail-closed promise); the one the call fills has a valid
//     decision and says who denied it consistently;
//   * Type Enforcement, differential: a sharing decision between two running domains whose
//     call succeeded equals the naive rule of the model on the policy in force (they share a
//     type), and a permitted bind returns a handle that closes exactly once;
//   * the lifecycle as a naive state table (free/running/saved): create/restore/destroy/save
//     succeed or fail as the table says, shype_domain_info_get agrees with it;
//   * bindings: shype_binding_count never exceeds the limit and equals the binds the target
//     made minus the ones it closed and the ones the monitor reported closed or revoked;
//   * names: every label the monitor names is found again by its name.
// A failure traps (fuzz_check.hpp), naming the call; SHYPE_FUZZ_TRACE=1 prints every call.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <shype.h>

#include "fuzz_check.hpp"
#include "shype_model/command.hpp"
#include "shype_model/policy_spec.hpp"

namespace {

using shype_fuzz::require;
namespace sm = shype_model;

struct open_binding {
  shype_binding_handle h;
  int kind;  // 0 channel, 1 grant, 2 resource
};

/// What the monitor reported closed or revoked through a shype_binding_fn.
struct counter {
  std::vector<open_binding>* open = nullptr;
  std::set<std::pair<std::uint32_t, std::uint32_t>> handles;  // each handle reported once
  bool duplicate = false;
};

void on_binding(void* ctx, shype_binding_handle h, const shype_binding* b) {
  auto* c = static_cast<counter*>(ctx);
  if (!c->handles.insert({h.index, h.serial}).second || b == nullptr) c->duplicate = true;
  for (auto it = c->open->begin(); it != c->open->end(); ++it)
    if (it->h.index == h.index && it->h.serial == h.serial) {
      c->open->erase(it);
      return;
    }
}
void on_violation(void* ctx, const shype_violation* v) {
  if (v == nullptr || (v->label_len > 0 && v->label == nullptr)) *static_cast<bool*>(ctx) = true;
}
void on_denial(void* ctx, const shype_denial* d) {
  // Both label fields are NUL-terminated within their 32 bytes.
  if (d == nullptr || std::memchr(d->subject_label, 0, sizeof d->subject_label) == nullptr ||
      std::memchr(d->object_label, 0, sizeof d->object_label) == nullptr)
    *static_cast<bool*>(ctx) = true;
}

bool known_errc(shype_errc e) { return e >= SHYPE_OK && e <= SHYPE_E_BAD_SPAN; }

enum class life : std::uint8_t { free, running, saved };

class driver {
 public:
  explicit driver(sm::byte_reader& r) : r_(r) {
    closed_.open = &open_;
    shype_limits_get(&limits_);
    const std::size_t size = shype_monitor_size(), align = shype_monitor_align();
    require(align > 0 && (align & (align - 1)) == 0 && align <= 64, "shype_monitor_align is not a power of two <= 64");
    storage_.reset(new unsigned char[size + 64]);
    auto* base = storage_.get();
    aligned_ = base + ((64 - reinterpret_cast<std::uintptr_t>(base) % 64) % 64);
    shype_monitor* out = nullptr;
    require(shype_monitor_init(aligned_, size - 1, &out) == SHYPE_E_CAPACITY_EXHAUSTED && out == nullptr,
            "shype_monitor_init accepted storage one byte too small");
    if (align > 1)
      require(shype_monitor_init(aligned_ + 1, size, &out) == SHYPE_E_INVALID_ARGUMENT, "shype_monitor_init accepted misaligned storage");
    require(shype_monitor_init(nullptr, size, &out) == SHYPE_E_INVALID_ARGUMENT, "shype_monitor_init accepted NULL storage");
    require(shype_monitor_init(aligned_, size, &m_) == SHYPE_OK && m_ != nullptr, "shype_monitor_init failed on good storage");
  }
  ~driver() { shype_monitor_fini(m_); }
  driver(const driver&) = delete;
  driver& operator=(const driver&) = delete;

  bool load(const sm::raw_policy& raw) {
    spec_ = sm::make_spec(raw);
    auto bytes = sm::build(spec_);
    if (!bytes) return false;
    shype_verdict v{};
    v.decision = SHYPE_PERMIT;
    require(shype_domain_create(m_, 0, 0, &v) == SHYPE_E_NO_POLICY && v.decision == SHYPE_DENY,
            "a hook before any policy did not fail closed with SHYPE_E_NO_POLICY");
    shype_load_error err{};
    const auto rc = shype_policy_load(m_, bytes->data(), bytes->size(), &err);
    if (rc != SHYPE_OK) {
      // Only this build's capacities may refuse a policy the builder wrote.
      require(rc == SHYPE_E_TOO_LARGE, "shype_policy_load refused a valid policy: " + std::string(shype_errc_name(rc)));
      return false;
    }
    policy_ = std::move(bytes);
    return true;
  }

  void step() {
    const std::uint8_t code = r_.u8();
    const auto a = dom(), b = dom();
    const std::uint16_t lab = label();
    const std::uint8_t flags = r_.u8();
    const std::uint32_t pick = r_.u16();
    shype_verdict v{};
    v.decision = SHYPE_PERMIT;  // whatever happens, a failure must leave it SHYPE_DENY
    shype_verdict* vp = (flags & 0x80u) != 0 ? nullptr : &v;
    shype_errc rc = SHYPE_OK;
    const char* what = "";
    const shype_verdict* given = nullptr;  // the verdict the call was handed, if any
    switch (code % 24) {
      case 0:
      case 1:
      case 2:
      case 3: {
        // create (twice as often), restore, migrate-in
        const int which = code % 24 == 1 ? 0 : code % 24 - (code % 24 > 1 ? 1 : 0);
        using start_fn = shype_errc (*)(shype_monitor*, shype_domid, shype_label, shype_verdict*);
        constexpr start_fn fns[] = {shype_domain_create, shype_domain_restore, shype_migrate_in};
        constexpr const char* names[] = {"shype_domain_create", "shype_domain_restore", "shype_migrate_in"};
        what = names[which];
        rc = fns[which](m_, a, lab, vp);
        given = vp;
        lifecycle_start(rc, vp, a, lab, which == 1 ? life::saved : life::free);
        break;
      }
      case 4:
      case 5:
      case 6: {
        what = code % 24 == 4 ? "shype_domain_destroy" : code % 24 == 5 ? "shype_domain_save" : "shype_migrate_out";
        const auto fn = (flags & 1u) != 0 ? nullptr : on_binding;
        rc = code % 24 == 4 ? shype_domain_destroy(m_, a, fn, &closed_)
             : code % 24 == 5 ? shype_domain_save(m_, a, fn, &closed_)
                              : shype_migrate_out(m_, a, fn, &closed_);
        // Destroying a saved domain discards its image; saving or migrating needs it running.
        const bool may = state(a) == life::running || (code % 24 == 4 && state(a) == life::saved);
        require((rc == SHYPE_OK) == may, std::string(what) + " succeeded or failed against the state table");
        if (rc == SHYPE_OK) {
          set_state(a, code % 24 == 5 ? life::saved : life::free);
          if (fn == nullptr) untracked_ = true;  // closes we were not told of
        }

        break;
      }
      case 7:
      case 8: {
        what = "shype_evtchn_unbound/grant_copy";
        rc = code % 24 == 7 ? shype_evtchn_unbound(m_, a, b, vp) : shype_grant_copy(m_, a, b, vp);
        given = vp;
        check_verdict(rc, vp, what);
        check_te(rc, vp, a, b, what);
        break;
      }
      case 9:
      case 10: {
        what = code % 24 == 9 ? "shype_evtchn_bind" : "shype_grant_map";
        shype_bind_result res{};
        res.verdict.decision = SHYPE_PERMIT;
        shype_bind_result* rp = (flags & 0x80u) != 0 ? nullptr : &res;
        rc = code % 24 == 9 ? shype_evtchn_bind(m_, a, b, pick, rp)
                            : shype_grant_map(m_, a, b, static_cast<shype_access>(flags & 3u), pick, rp);
        if (rp != nullptr && rc != SHYPE_OK) require(res.verdict.decision == SHYPE_DENY, std::string(what) + " failed without denying");
        check_verdict(rc, rp != nullptr ? &res.verdict : nullptr, what);
        check_te(rc, rp != nullptr ? &res.verdict : nullptr, a, b, what);
        bound(rc, rp, code % 24 == 9 ? 0 : 1);
        break;
      }
      case 11:
      case 12: {
        what = code % 24 == 11 ? "shype_resource_access" : "shype_resource_attach";
        const auto res_id = static_cast<shype_resource>(pick % 8 == 7 ? pick : pick % 8);
        shype_bind_result res{};
        res.verdict.decision = SHYPE_PERMIT;
        if (code % 24 == 11) {
          rc = shype_resource_access(m_, a, res_id, static_cast<shype_access>(flags & 3u), vp);
          given = vp;
          check_verdict(rc, vp, what);
        } else {
          shype_bind_result* rp = (flags & 0x80u) != 0 ? nullptr : &res;
          rc = shype_resource_attach(m_, a, res_id, static_cast<shype_access>(flags & 3u), pick, rp);
          if (rp != nullptr && rc != SHYPE_OK) require(res.verdict.decision == SHYPE_DENY, std::string(what) + " failed without denying");
          check_verdict(rc, rp != nullptr ? &res.verdict : nullptr, what);
          bound(rc, rp, 2);
        }
        break;
      }
      case 13: {
        what = "close/unmap/detach";
        shype_binding_handle h{};
        std::size_t which = 0;
        if (!open_.empty() && (flags & 1u) == 0) {
          which = pick % open_.size();
          h = open_[which].h;
        } else {
          h.index = static_cast<std::uint32_t>(pick);  // forged
          h.serial = r_.u8();
        }
        const int kind = (flags >> 1) % 3;
        rc = kind == 0 ? shype_evtchn_close(m_, h) : kind == 1 ? shype_grant_unmap(m_, h) : shype_resource_detach(m_, h);
        if (rc == SHYPE_OK) {
          for (std::size_t i = 0; i < open_.size(); ++i)
            if (open_[i].h.index == h.index && open_[i].h.serial == h.serial) {
              require(open_[i].kind == kind, "a binding closed through the call of another kind");
              open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(i));
              break;
            }
        }
        break;
      }
      case 14: {
        what = "shype_domain_info_get";
        shype_domain_info info{};
        rc = shype_domain_info_get(m_, a, (flags & 0x80u) != 0 ? nullptr : &info);
        if (rc == SHYPE_OK) {
          const life s = state(a);
          require((info.state == SHYPE_DOMAIN_RUNNING) == (s == life::running) &&
                      (info.state == SHYPE_DOMAIN_SAVED) == (s == life::saved),
                  "shype_domain_info_get disagrees with the state table");
          if (s == life::running && !untracked_labels_)
            require(info.label == labels_[a], "shype_domain_info_get reports another label");
        }
        break;
      }
      case 15: {
        what = "label names";
        const char* name = nullptr;
        std::size_t len = 0;
        const int kind = flags % 3;
        const bool nulls = (flags & 0x80u) != 0;
        rc = kind == 0   ? shype_vm_label_name(m_, lab, nulls ? nullptr : &name, &len)
             : kind == 1 ? shype_resource_label_name(m_, lab, nulls ? nullptr : &name, &len)
                         : shype_te_type_name(m_, lab, &name, nulls ? nullptr : &len);
        if (rc == SHYPE_OK && !nulls) {
          require(name != nullptr, "a name call succeeded with a NULL name");
          if (kind == 0) require(shype_find_vm_label(m_, name, len) == lab, "a VM label is not found by its own name");
          if (kind == 1) require(shype_find_resource_label(m_, name, len) == lab, "a resource label is not found by its own name");
        }
        break;
      }
      case 16: {
        what = "find labels";
        // A buffer of fuzzed bytes (possibly not NUL-terminated, possibly NULL with a length).
        const std::string s = text(flags % 16);
        const char* p = (flags & 0x80u) != 0 ? nullptr : s.data();
        (void)shype_find_vm_label(m_, p, s.size());
        (void)shype_find_resource_label(m_, p, s.size());
        break;
      }
      case 17: {
        what = "shype_coalition";
        std::uint64_t words[8] = {};
        std::size_t count = 0;
        const std::size_t nwords = flags % 9;
        rc = shype_coalition(m_, a, b, (flags & 0x80u) != 0 ? nullptr : words, nwords, (flags & 0x40u) != 0 ? nullptr : &count);
        if (rc == SHYPE_OK && (flags & 0x40u) == 0) {
          std::size_t bits = 0;
          for (std::size_t i = 0; i < nwords; ++i) bits += static_cast<std::size_t>(__builtin_popcountll(words[i]));
          require(bits == count, "shype_coalition's count is not the bits it set");
        }
        break;
      }
      case 18: {
        what = "shype_policy_change";
        sm::raw_policy raw = sm::read_policy(r_);
        raw.te_mask &= 0xFF;
        raw.cw_mask &= 0xFF;
        auto next = sm::build(sm::make_spec(raw));
        std::vector<std::uint8_t> garbage;
        const std::uint8_t* p = nullptr;
        std::size_t len = 0;
        if ((flags & 1u) != 0 || next == nullptr) {
          for (std::size_t i = 0, k = r_.u8() % 64; i < k; ++i) garbage.push_back(r_.u8());
          if ((flags & 2u) != 0 && next != nullptr) {  // a valid policy damaged in one byte
            garbage = *next;
            garbage[pick % garbage.size()] ^= static_cast<std::uint8_t>(1u << (flags >> 5));
          }
          p = garbage.empty() ? nullptr : garbage.data();
          len = garbage.size();
        } else {
          p = next->data();
          len = next->size();
        }
        shype_change_report rep{};
        shype_load_error err{};
        bool bad = false;
        const auto mode = static_cast<shype_change_mode>((flags >> 2) & 1u);
        // A dry run reports the bindings it would revoke: they stay open.
        std::vector<open_binding> copy = open_;
        counter dry;
        dry.open = &copy;
        counter& told = mode == SHYPE_CHANGE_DRY_RUN ? dry : closed_;
        const std::size_t before = told.handles.size();
        rc = shype_policy_change(m_, (flags & 0x10u) != 0 ? SHYPE_HYPERVISOR : a, p, len, mode, on_binding, &told, on_violation,
                                 &bad, (flags & 0x80u) != 0 ? nullptr : &rep, (flags & 0x40u) != 0 ? nullptr : &err);
        require(!bad, "shype_policy_change reported a malformed violation");
        if (rc == SHYPE_OK) require(rep.revoked == told.handles.size() - before, "shype_policy_change's report counts other revocations than it reported");
        const bool applied = rc == SHYPE_OK && mode == SHYPE_CHANGE_APPLY && (flags & 0x80u) == 0 && rep.decision == SHYPE_PERMIT;
        require(rc != SHYPE_OK || (flags & 0x80u) == 0, "shype_policy_change succeeded without a report");
        if (applied) {
          // The differential oracle now follows the new policy (revoked bindings were reported
          // through on_binding). Only the valid policy can apply: the damaged ones must fail
          // validation (a flipped bit changes the checksum), garbage must too.
          require(p != nullptr && next != nullptr && p == next->data(), "shype_policy_change applied damaged or garbage bytes");
          spec_ = sm::make_spec(raw);
          policy_ = std::move(next);
          // Label ids may have moved: the state table's ids are no longer the monitor's.
          untracked_labels_ = true;
        }
        break;
      }
      case 19: {
        what = "shype_relabel";
        rc = shype_relabel(m_, (flags & 0x10u) != 0 ? SHYPE_HYPERVISOR : b, a, lab, on_binding, &closed_, vp);
        given = vp;
        check_verdict(rc, vp, what);
        if (rc == SHYPE_OK && vp != nullptr && vp->decision == SHYPE_PERMIT) {
          labels_[a] = lab;
        }
        break;
      }
      case 20: {
        what = "prepare/commit/abort";
        const shype_start_op ops[] = {SHYPE_START_CREATE, SHYPE_START_RESTORE, SHYPE_START_MIGRATE_IN,
                                      static_cast<shype_start_op>(pick)};
        rc = shype_prepare_start(m_, ops[flags % 4], a, lab, vp);
        given = vp;
        check_verdict(rc, vp, what);
        if (rc == SHYPE_OK && vp != nullptr && vp->decision == SHYPE_PERMIT) {
          if ((flags & 4u) != 0) {
            require(shype_abort_start(m_, a) == SHYPE_OK, "shype_abort_start failed after a permitted prepare");
          } else {
            require(shype_commit_start(m_, a) == SHYPE_OK, "shype_commit_start failed after a permitted prepare");
            set_state(a, life::running);
            labels_[a] = lab;
          }
        } else if (rc == SHYPE_OK && vp != nullptr) {
          // Denied: nothing was reserved, so there is nothing to commit.
          require(shype_commit_start(m_, a) != SHYPE_OK, "shype_commit_start succeeded after a denied prepare");
        } else if (rc == SHYPE_OK) {
          (void)shype_abort_start(m_, a);  // unknown verdict: undo whatever was reserved
        }
        break;
      }
      case 21: {
        what = "statistics and audit";
        shype_stats st{};
        rc = shype_stats_get(m_, (flags & 0x80u) != 0 ? nullptr : &st);
        bool bad = false;
        const std::size_t kept = shype_audit_read(m_, (flags & 1u) != 0 ? nullptr : on_denial, &bad);
        require(!bad, "shype_audit_read handed out a malformed denial");
        require(kept <= limits_.audit_entries && kept <= shype_audit_total(m_), "the audit log keeps more denials than it may");
        shype_denial d{};
        std::memset(&d, static_cast<int>(pick), sizeof d);  // garbage, unterminated labels
        char out[64];
        const std::size_t cap = flags % (sizeof out + 1);
        const std::size_t n = shype_denial_format(&d, cap == 0 ? nullptr : out, cap);
        if (cap > 0) require(std::memchr(out, 0, cap) != nullptr, "shype_denial_format did not terminate its output");
        (void)n;
        (void)shype_policy_name(static_cast<std::uint8_t>(pick));
        (void)shype_hook_class_name(static_cast<shype_hook_class>(pick));
        (void)shype_errc_name(static_cast<shype_errc>(static_cast<std::int16_t>(pick)));
        (void)shype_policy_section_name(static_cast<std::uint8_t>(pick));
        break;
      }
      case 22: {
        what = "shype_authorize_management";
        rc = shype_authorize_management(m_, (flags & 0x10u) != 0 ? SHYPE_HYPERVISOR : a, vp);
        given = vp;
        check_verdict(rc, vp, what);
        break;
      }
      default: {
        what = "shype_policy_info_get";
        shype_policy_info info{};
        rc = shype_policy_info_get(m_, (flags & 0x80u) != 0 ? nullptr : &info);
        if (rc == SHYPE_OK)
          require(info.vm_labels == spec_.labels.size() && info.resource_labels == spec_.resources.size(),
                  "shype_policy_info_get counts other labels than the policy in force has");
        break;
      }
    }
    if (trace_)
      std::fprintf(stderr, "c_abi: %s(a=%u b=%u label=%u flags=0x%02x pick=%u) = %s%s\n", what, a, b, lab, flags, pick,
                   known_errc(rc) ? shype_errc_name(rc) : "?",
                   given != nullptr && rc == SHYPE_OK ? (given->decision == SHYPE_PERMIT ? " permit" : " deny") : "");
    require(known_errc(rc), std::string(what) + " returned a value that is no shype_errc");
    if (rc != SHYPE_OK && given != nullptr)
      require(given->decision == SHYPE_DENY, std::string(what) + " failed without setting its verdict to SHYPE_DENY");
    require(!closed_.duplicate, "a binding was reported closed twice");
    const std::size_t live = shype_binding_count(m_);
    require(live <= limits_.max_bindings, "more live bindings than the limit");
    if (!untracked_)
      require(live == open_.size(), std::string(what) + ": binding count " + std::to_string(live) +
                                        " is not the binds made minus those closed and those reported closed (" +
                                        std::to_string(open_.size()) + ")");
  }

 private:
  [[nodiscard]] life state(shype_domid d) const {
    const auto it = states_.find(d);
    return it == states_.end() ? life::free : it->second;
  }
  void set_state(shype_domid d, life s) { states_[d] = s; }

  shype_domid dom() {
    const std::uint8_t x = r_.u8();
    if (x >= 0xF0) return static_cast<shype_domid>(r_.u16());  // any value, SHYPE_HYPERVISOR included
    return static_cast<shype_domid>(x % 6);
  }
  std::uint16_t label() {
    const std::uint8_t x = r_.u8();
    if (x >= 0xF0) return r_.u16();
    return static_cast<std::uint16_t>(x % (sm::label_pool + 1));
  }
  std::string text(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(r_.u8());
    return s;
  }

  void check_verdict(shype_errc rc, const shype_verdict* vp, const char* what) {
    if (rc != SHYPE_OK || vp == nullptr) return;
    require(vp->decision == SHYPE_DENY || vp->decision == SHYPE_PERMIT, std::string(what) + ": a verdict that is neither permit nor deny");
    require((vp->decision == SHYPE_PERMIT) == (vp->denied_by == SHYPE_DENIED_BY_NONE),
            std::string(what) + ": denied_by does not match the decision");
  }

  /// create (needed == free), restore (saved) and migrate-in against the state table. A restore
  /// with a label may also start a domain of that label afresh (an image from elsewhere); a saved
  /// image keeps its label.
  void lifecycle_start(shype_errc rc, const shype_verdict* vp, shype_domid d, std::uint16_t lab, life needed) {
    check_verdict(rc, vp, "start");
    const bool restore = needed == life::saved;
    if (restore && lab == SHYPE_NO_LABEL && state(d) == life::saved) lab = labels_[d];
    if (d < limits_.max_domains && vp != nullptr && !untracked_labels_) {
      const life now = state(d);
      if (now == life::running || (now == life::saved && !restore))
        require(rc == SHYPE_E_DOMAIN_EXISTS, "starting a domain in use did not fail with DOMAIN_EXISTS");
      else if (restore && now == life::free && lab == SHYPE_NO_LABEL)
        require(rc == SHYPE_E_DOMAIN_NOT_SAVED, "restoring an unsaved domain without a label did not fail with DOMAIN_NOT_SAVED");
      else if (restore && now == life::saved && lab != labels_[d])
        require(rc == SHYPE_E_INVALID_ARGUMENT, "restoring a saved domain under another label did not fail");
      else if (lab >= spec_.labels.size())
        require(rc == SHYPE_E_UNKNOWN_LABEL, "starting a domain with an unknown label did not fail with UNKNOWN_LABEL");
      else
        require(rc == SHYPE_OK, "a start the state table allows failed: " + std::string(shype_errc_name(rc)));
    }
    if (rc == SHYPE_OK && vp != nullptr && vp->decision == SHYPE_PERMIT) {
      require(d < limits_.max_domains, "a start was permitted for an invalid domain");
      set_state(d, life::running);
      labels_[d] = lab;
    } else if (rc == SHYPE_OK && vp == nullptr) {
      untracked_ = true;  // a success whose verdict we could not see
    }
  }

  /// Type Enforcement against the model: a share between two running domains. The labels are
  /// the monitor's own (ids are positions in the sorted name table), compared by name.
  void check_te(shype_errc rc, const shype_verdict* vp, shype_domid a, shype_domid b, const char* what) {
    if (rc != SHYPE_OK || vp == nullptr || a == b || state(a) != life::running || state(b) != life::running) return;
    if (!spec_.te_on) return;
    const sm::label_spec* la = label_of(a);
    const sm::label_spec* lb = label_of(b);
    require(la != nullptr && lb != nullptr, std::string(what) + ": a running domain's label is not in the policy in force");
    const bool model = sm::share_a_type(la->te, lb->te);
    // TE is stacked with Chinese Wall, which only decides placement: sharing is TE's alone.
    require((vp->decision == SHYPE_PERMIT) == model, std::string(what) + ": the monitor " +
                                                         (vp->decision == SHYPE_PERMIT ? "permits" : "denies") + " sharing between domains " +
                                                         std::to_string(a) + " (" + la->name + ") and " + std::to_string(b) + " (" +
                                                         lb->name + "), the model does not (denied by " + std::to_string(vp->denied_by) + ")");
  }

  /// The model's label of a domain the monitor runs.
  const sm::label_spec* label_of(shype_domid d) {
    shype_domain_info info{};
    if (shype_domain_info_get(m_, d, &info) != SHYPE_OK) return nullptr;
    const char* name = nullptr;
    std::size_t len = 0;
    if (shype_vm_label_name(m_, info.label, &name, &len) != SHYPE_OK) return nullptr;
    return sm::find_label(spec_, std::string(name, len));
  }

  void bound(shype_errc rc, const shype_bind_result* rp, int kind) {
    if (rc != SHYPE_OK) return;
    if (rp == nullptr) {
      untracked_ = true;
      return;
    }
    if (rp->verdict.decision != SHYPE_PERMIT) return;
    open_.push_back({rp->handle, kind});
  }

  sm::byte_reader& r_;
  std::unique_ptr<unsigned char[]> storage_;
  unsigned char* aligned_ = nullptr;
  shype_monitor* m_ = nullptr;
  shype_limits limits_{};
  sm::policy_spec spec_;
  sm::policy_bytes policy_;
  std::map<shype_domid, life> states_;
  std::map<shype_domid, std::uint16_t> labels_;
  std::vector<open_binding> open_;
  counter closed_;
  bool untracked_ = false;
  const bool trace_ = std::getenv("SHYPE_FUZZ_TRACE") != nullptr;  // each call on stderr, to read a crash
  bool untracked_labels_ = false;  // label ids of running domains may have changed (a policy change)
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t max_calls = 256;
  sm::byte_reader r(data, size);
  sm::raw_policy raw = sm::read_policy(r);
  raw.te_mask &= 0xFF;
  raw.cw_mask &= 0xFF;
  driver d(r);
  if (!d.load(raw)) return 0;
  for (std::size_t i = 0; i < max_calls && !r.done(); ++i) d.step();
  return 0;
}
