// SPDX-License-Identifier: Apache-2.0
// The C ABI (shype.h) over one monitor configuration: Chinese Wall + Type Enforcement, capacities
// fixed when this file is compiled (SHYPE_C_* definitions, set by adapters/c/CMakeLists.txt).
//
// Every entry point is extern "C" and noexcept, and this file is compiled without exceptions or
// RTTI, so nothing can unwind into C. It allocates nothing and needs nothing from the C++
// runtime (placement new and std::atomic are inline): a C hypervisor links it with its C
// toolchain. C types mirror the library's; the static_asserts below keep them in step.

#include "shype.h"

#include <cstddef>
#include <cstdint>
#include <new>

#include <shype/audit_log.hpp>
#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

#ifndef SHYPE_C_MAX_DOMAINS
#define SHYPE_C_MAX_DOMAINS 256
#endif
#ifndef SHYPE_C_CACHE_SETS
#define SHYPE_C_CACHE_SETS 256
#endif
#ifndef SHYPE_C_CACHE_WAYS
#define SHYPE_C_CACHE_WAYS 4
#endif
#ifndef SHYPE_C_MAX_BINDINGS
#define SHYPE_C_MAX_BINDINGS 4096
#endif
#ifndef SHYPE_C_AUDIT_ENTRIES
#define SHYPE_C_AUDIT_ENTRIES 64
#endif
#ifndef SHYPE_C_CW_TYPES
#define SHYPE_C_CW_TYPES 64
#endif
#ifndef SHYPE_C_TE_TYPES
#define SHYPE_C_TE_TYPES 256
#endif

namespace {

constexpr shype::monitor_limits c_limits{.max_domains = SHYPE_C_MAX_DOMAINS,
                                         .cache_sets = SHYPE_C_CACHE_SETS,
                                         .cache_ways = SHYPE_C_CACHE_WAYS,
                                         .max_bindings = SHYPE_C_MAX_BINDINGS,
                                         .audit_entries = SHYPE_C_AUDIT_ENTRIES};
using monitor_t = shype::basic_monitor<c_limits, shype::smp_locking, shype::chinese_wall<SHYPE_C_CW_TYPES>,
                                       shype::type_enforcement<SHYPE_C_TE_TYPES>>;

// Set by init, cleared by fini: a call on storage that holds no monitor is refused, not obeyed.
constexpr std::uint64_t live_magic = 0x73687970656d6f6eULL;  // "shypemon"

// --- the C enums are the library's values --------------------------------------------------------
static_assert(SHYPE_E_INVALID_ARGUMENT == static_cast<int>(shype::errc::invalid_argument));
static_assert(SHYPE_E_CHANGE_REJECTED == static_cast<int>(shype::errc::change_rejected));
static_assert(SHYPE_E_TRUNCATED == static_cast<int>(shype::errc::truncated));
static_assert(SHYPE_E_MISSING_SECTION == static_cast<int>(shype::errc::missing_section));
static_assert(SHYPE_E_BAD_SPAN == static_cast<int>(shype::errc::bad_span));
static_assert(SHYPE_CLASS_COUNT == shype::hook_class_count);
static_assert(SHYPE_CLASS_MANAGEMENT == static_cast<int>(shype::hook_class::management));
static_assert(SHYPE_BINDING_RESOURCE_RW == static_cast<int>(shype::binding_kind::resource_rw));
static_assert(SHYPE_START_CREATE == static_cast<int>(shype::hook::domain_create));
static_assert(SHYPE_START_RESTORE == static_cast<int>(shype::hook::domain_restore));
static_assert(SHYPE_START_MIGRATE_IN == static_cast<int>(shype::hook::migrate_in));
static_assert(SHYPE_DOMAIN_SAVED == static_cast<int>(shype::domain_state::saved));
static_assert(SHYPE_AUDIT_POLICY == static_cast<int>(shype::audit_object::policy));
static_assert(SHYPE_VIOLATION_CONFLICT == static_cast<int>(shype::violation_kind::conflict));
static_assert(SHYPE_VIOLATION_RENAME_UNKNOWN == static_cast<int>(shype::violation_kind::rename_unknown));
static_assert(static_cast<int>(shype::label_kind::resource) == 1);
static_assert(SHYPE_DENIED_BY_NONE == shype::verdict::none && SHYPE_DENIED_BY_MANAGEMENT == shype::verdict::management);
static_assert(SHYPE_NO_LABEL == shype::no_label && SHYPE_HYPERVISOR == shype::hypervisor_subject);
static_assert(sizeof(shype_denial::subject_label) == shype::denial_record::label_chars);
static_assert(sizeof(shype_verdict) == 16 && sizeof(shype_binding) == 16 && sizeof(shype_load_error) == 24);

}  // namespace

struct shype_monitor {
  std::uint64_t magic = live_magic;  // first member: live() reads it from the storage's first bytes
  monitor_t mon{};
};

namespace {

// The magic is read and cleared as raw bytes of the storage: after fini there is no object to
// read a member of, and a store to an object's member right before its destructor is dead to
// the compiler (GCC removed it: -flifetime-dse), so fini clears the storage after destroying.
[[nodiscard]] bool live(const shype_monitor* m) noexcept {
  if (m == nullptr) return false;
  std::uint64_t magic;
  __builtin_memcpy(&magic, static_cast<const void*>(m), sizeof magic);
  return magic == live_magic;
}

[[nodiscard]] shype_errc to_c(shype::errc e) noexcept { return static_cast<shype_errc>(e); }

shype_verdict to_c(const shype::verdict& v) noexcept {
  shype_verdict c{};
  c.decision = v.permitted() ? SHYPE_PERMIT : SHYPE_DENY;
  c.denied_by = v.denied_by;
  c.cached = v.cached ? 1 : 0;
  c.generation = v.generation;
  return c;
}

shype_verdict denied() noexcept {
  shype_verdict c{};
  c.decision = SHYPE_DENY;
  c.denied_by = SHYPE_DENIED_BY_NONE;
  return c;
}

shype_binding to_c(const shype::binding& b) noexcept {
  shype_binding c{};
  c.kind = static_cast<std::uint8_t>(b.kind);
  c.subject = b.subject;
  c.object = b.object;
  c.cookie = b.cookie;
  return c;
}

shype_binding_handle to_c(shype::binding_handle h) noexcept { return {h.index, h.serial}; }
shype::binding_handle from_c(shype_binding_handle h) noexcept { return {h.index, h.serial}; }

void fill(shype_load_error* out, const shype::load_error& e) noexcept {
  if (out == nullptr) return;
  *out = shype_load_error{};
  out->code = static_cast<std::uint8_t>(e.code);
  out->section = static_cast<std::uint8_t>(e.section);
  out->index = e.index;
  out->other = e.other;
  out->offset = e.offset;
}

// A hook answering a verdict: errors leave a deny in *out (fail closed).
shype_errc answer(const shype::result<shype::verdict>& r, shype_verdict* out) noexcept {
  if (!r) {
    *out = denied();
    return to_c(r.error());
  }
  *out = to_c(r.value());
  return SHYPE_OK;
}

shype_errc answer(const shype::result<shype::bind_result>& r, shype_bind_result* out) noexcept {
  *out = shype_bind_result{};
  out->handle = to_c(shype::binding_handle{});
  if (!r) {
    out->verdict = denied();
    return to_c(r.error());
  }
  out->verdict = to_c(r.value().v);
  if (r.value().permitted()) out->handle = to_c(r.value().handle);
  return SHYPE_OK;
}

shype_errc done(const shype::result<void>& r) noexcept { return r ? SHYPE_OK : to_c(r.error()); }

// Tells a C callback of each binding; a NULL callback ignores them.
struct binding_sink {
  shype_binding_fn fn;
  void* ctx;
  void operator()(shype::binding_handle h, const shype::binding& b) const noexcept {
    if (fn == nullptr) return;
    const shype_binding c = to_c(b);
    fn(ctx, to_c(h), &c);
  }
};

struct violation_sink {
  shype_violation_fn fn;
  void* ctx;
  void operator()(const shype::violation& v) const noexcept {
    if (fn == nullptr) return;
    shype_violation c{};
    c.kind = static_cast<std::uint8_t>(v.kind);
    c.policy_index = v.policy_index;
    c.domain = v.domain;
    c.other = v.other;
    c.label = v.label.data();
    c.label_len = v.label.size();
    c.new_label = v.new_label.data();
    c.new_label_len = v.new_label.size();
    c.other_label = v.other_label.data();
    c.other_label_len = v.other_label.size();
    c.label_kind = static_cast<std::uint8_t>(v.table);
    fn(ctx, &c);
  }
};

shype_errc name_out(shype::string_ref s, const char** name, std::size_t* len) noexcept {
  *name = s.data();
  *len = s.size();
  return SHYPE_OK;
}

}  // namespace

extern "C" {

// ===== names ======================================================================================

const char* shype_errc_name(shype_errc e) {
  if (e == SHYPE_OK) return "ok";
  if (e < SHYPE_E_INVALID_ARGUMENT || e > SHYPE_E_BAD_SPAN) return "unknown_errc";
  return shype::to_string(static_cast<shype::errc>(e));
}

const char* shype_policy_section_name(std::uint8_t s) { return shype::to_string(static_cast<shype::policy_section>(s)); }

const char* shype_policy_name(std::uint8_t denied_by) { return monitor_t::policy_name(denied_by); }

const char* shype_hook_class_name(shype_hook_class c) {
  if (c < 0 || c >= SHYPE_CLASS_COUNT) return "unknown";
  return shype::to_string(static_cast<shype::hook_class>(c));
}

// ===== storage ====================================================================================

void shype_limits_get(shype_limits* out) {
  if (out == nullptr) return;
  out->max_domains = c_limits.max_domains;
  out->cache_sets = c_limits.cache_sets;
  out->cache_ways = c_limits.cache_ways;
  out->max_bindings = c_limits.max_bindings;
  out->audit_entries = c_limits.audit_entries;
  out->cw_types = SHYPE_C_CW_TYPES;
  out->te_types = SHYPE_C_TE_TYPES;
}

std::size_t shype_monitor_size(void) { return sizeof(shype_monitor); }
std::size_t shype_monitor_align(void) { return alignof(shype_monitor); }

shype_errc shype_monitor_init(void* storage, std::size_t size, shype_monitor** out) {
  if (out != nullptr) *out = nullptr;
  if (storage == nullptr || out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (reinterpret_cast<std::uintptr_t>(storage) % alignof(shype_monitor) != 0) return SHYPE_E_INVALID_ARGUMENT;
  if (size < sizeof(shype_monitor)) return SHYPE_E_CAPACITY_EXHAUSTED;
  *out = ::new (storage) shype_monitor{};
  return SHYPE_OK;
}

void shype_monitor_fini(shype_monitor* m) {
  if (!live(m)) return;
  m->~shype_monitor();
  const std::uint64_t dead = 0;
  __builtin_memcpy(static_cast<void*>(m), &dead, sizeof dead);
}

// ===== policy management ==========================================================================

shype_errc shype_policy_load(shype_monitor* m, const std::uint8_t* bytes, std::size_t size, shype_load_error* err) {
  if (!live(m) || bytes == nullptr) {
    fill(err, shype::load_error(shype::errc::invalid_argument));
    return SHYPE_E_INVALID_ARGUMENT;
  }
  auto r = m->mon.load_initial(shype::byte_view(bytes, size));
  if (!r) {
    fill(err, r.error());
    return to_c(r.error().code);
  }
  return SHYPE_OK;
}

shype_errc shype_policy_change(shype_monitor* m, shype_domid subject, const std::uint8_t* bytes, std::size_t size,
                               shype_change_mode mode, shype_binding_fn on_revoke, void* revoke_ctx,
                               shype_violation_fn on_violation, void* violation_ctx, shype_change_report* report,
                               shype_load_error* err) {
  if (report != nullptr) *report = shype_change_report{};
  if (!live(m) || bytes == nullptr || report == nullptr || (mode != SHYPE_CHANGE_APPLY && mode != SHYPE_CHANGE_DRY_RUN)) {
    fill(err, shype::load_error(shype::errc::invalid_argument));
    return SHYPE_E_INVALID_ARGUMENT;
  }
  report->decision = SHYPE_DENY;
  auto r = m->mon.change_policy(subject, shype::byte_view(bytes, size),
                                mode == SHYPE_CHANGE_DRY_RUN ? shype::change_mode::dry_run : shype::change_mode::apply,
                                binding_sink{on_revoke, revoke_ctx}, violation_sink{on_violation, violation_ctx});
  if (!r) {
    fill(err, r.error());
    report->generation = m->mon.generation();
    return to_c(r.error().code);
  }
  const shype::change_report& c = r.value();
  report->decision = shype::permitted(c.value) ? SHYPE_PERMIT : SHYPE_DENY;
  report->authorized = c.authorized ? 1 : 0;
  report->violations = c.violations;
  report->revoked = c.revoked;
  report->generation = c.generation;
  return SHYPE_OK;
}

shype_errc shype_authorize_management(shype_monitor* m, shype_domid subject, shype_verdict* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m)) return answer(shype::failure(shype::errc::invalid_argument), out);
  return answer(m->mon.authorize_management(subject), out);
}

shype_errc shype_relabel(shype_monitor* m, shype_domid subject, shype_domid d, shype_label label, shype_binding_fn on_revoke,
                         void* ctx, shype_verdict* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m)) return answer(shype::failure(shype::errc::invalid_argument), out);
  return answer(m->mon.relabel(subject, d, label, binding_sink{on_revoke, ctx}), out);
}

shype_errc shype_policy_info_get(shype_monitor* m, shype_policy_info* out) {
  if (out == nullptr || !live(m)) return SHYPE_E_INVALID_ARGUMENT;
  *out = shype_policy_info{};
  out->bootstrap_label = SHYPE_NO_LABEL;
  if (!m->mon.loaded()) return SHYPE_E_NO_POLICY;
  const shype::policy_view v = m->mon.policy();
  out->name = v.name().data();
  out->name_len = v.name().size();
  out->version_major = v.version().major;
  out->version_minor = v.version().minor;
  out->checksum = v.checksum();
  out->generation = m->mon.generation();
  out->te_types = v.te_type_count();
  out->cw_types = v.cw_type_count();
  out->conflict_sets = v.conflict_set_count();
  out->vm_labels = v.vm_label_count();
  out->resource_labels = v.resource_label_count();
  out->bootstrap_label = v.bootstrap_label();
  return SHYPE_OK;
}

shype_label shype_find_vm_label(shype_monitor* m, const char* name, std::size_t len) {
  if (!live(m) || name == nullptr || !m->mon.loaded()) return SHYPE_NO_LABEL;
  return m->mon.policy().find_vm_label(shype::string_ref(name, len));
}

shype_resource shype_find_resource_label(shype_monitor* m, const char* name, std::size_t len) {
  if (!live(m) || name == nullptr || !m->mon.loaded()) return SHYPE_NO_LABEL;
  return m->mon.policy().find_resource_label(shype::string_ref(name, len));
}

shype_errc shype_vm_label_name(shype_monitor* m, shype_label l, const char** name, std::size_t* len) {
  if (!live(m) || name == nullptr || len == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!m->mon.loaded()) return SHYPE_E_NO_POLICY;
  const shype::policy_view v = m->mon.policy();
  if (l >= v.vm_label_count()) return SHYPE_E_UNKNOWN_LABEL;
  return name_out(v.vm_label(l).name(), name, len);
}

shype_errc shype_resource_label_name(shype_monitor* m, shype_resource r, const char** name, std::size_t* len) {
  if (!live(m) || name == nullptr || len == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!m->mon.loaded()) return SHYPE_E_NO_POLICY;
  const shype::policy_view v = m->mon.policy();
  if (r >= v.resource_label_count()) return SHYPE_E_UNKNOWN_LABEL;
  return name_out(v.resource_label(r).name(), name, len);
}

shype_errc shype_te_type_name(shype_monitor* m, std::size_t type, const char** name, std::size_t* len) {
  if (!live(m) || name == nullptr || len == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!m->mon.loaded()) return SHYPE_E_NO_POLICY;
  const shype::policy_view v = m->mon.policy();
  if (type >= v.te_type_count()) return SHYPE_E_INVALID_ARGUMENT;
  return name_out(v.te_type_name(type), name, len);
}

// ===== domain operations ==========================================================================

shype_errc shype_prepare_start(shype_monitor* m, shype_start_op op, shype_domid d, shype_label label, shype_verdict* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m) || (op != SHYPE_START_CREATE && op != SHYPE_START_RESTORE && op != SHYPE_START_MIGRATE_IN))
    return answer(shype::failure(shype::errc::invalid_argument), out);
  return answer(m->mon.prepare_start(static_cast<shype::hook>(op), d, label), out);
}

shype_errc shype_commit_start(shype_monitor* m, shype_domid d) {
  return live(m) ? done(m->mon.commit_start(d)) : SHYPE_E_INVALID_ARGUMENT;
}

shype_errc shype_abort_start(shype_monitor* m, shype_domid d) {
  return live(m) ? done(m->mon.abort_start(d)) : SHYPE_E_INVALID_ARGUMENT;
}

shype_errc shype_domain_create(shype_monitor* m, shype_domid d, shype_label label, shype_verdict* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m)) return answer(shype::failure(shype::errc::invalid_argument), out);
  return answer(m->mon.domain_create(d, label), out);
}

shype_errc shype_domain_restore(shype_monitor* m, shype_domid d, shype_label label, shype_verdict* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m)) return answer(shype::failure(shype::errc::invalid_argument), out);
  return answer(label == SHYPE_NO_LABEL ? m->mon.domain_restore(d) : m->mon.domain_restore(d, label), out);
}

shype_errc shype_migrate_in(shype_monitor* m, shype_domid d, shype_label label, shype_verdict* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m)) return answer(shype::failure(shype::errc::invalid_argument), out);
  return answer(m->mon.migrate_in(d, label), out);
}

shype_errc shype_domain_destroy(shype_monitor* m, shype_domid d, shype_binding_fn on_close, void* ctx) {
  return live(m) ? done(m->mon.domain_destroy(d, binding_sink{on_close, ctx})) : SHYPE_E_INVALID_ARGUMENT;
}

shype_errc shype_domain_save(shype_monitor* m, shype_domid d, shype_binding_fn on_close, void* ctx) {
  return live(m) ? done(m->mon.domain_save(d, binding_sink{on_close, ctx})) : SHYPE_E_INVALID_ARGUMENT;
}

shype_errc shype_migrate_out(shype_monitor* m, shype_domid d, shype_binding_fn on_close, void* ctx) {
  return live(m) ? done(m->mon.migrate_out(d, binding_sink{on_close, ctx})) : SHYPE_E_INVALID_ARGUMENT;
}

shype_errc shype_domain_info_get(shype_monitor* m, shype_domid d, shype_domain_info* out) {
  if (!live(m) || out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  *out = shype_domain_info{};
  if (d >= c_limits.max_domains) {
    out->label = SHYPE_NO_LABEL;
    return SHYPE_E_UNKNOWN_DOMAIN;
  }
  const shype::domain_info i = m->mon.domain(d);
  out->state = static_cast<std::uint8_t>(i.state);
  out->label = i.label;
  out->incarnation = i.incarnation;
  return SHYPE_OK;
}

// ===== sharing ====================================================================================

shype_errc shype_evtchn_unbound(shype_monitor* m, shype_domid a, shype_domid b, shype_verdict* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m)) return answer(shype::failure(shype::errc::invalid_argument), out);
  return answer(m->mon.evtchn_unbound(a, b), out);
}

shype_errc shype_evtchn_bind(shype_monitor* m, shype_domid a, shype_domid b, std::uint64_t cookie, shype_bind_result* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m)) return answer(shype::failure(shype::errc::invalid_argument), out);
  return answer(m->mon.evtchn_bind(a, b, cookie), out);
}

shype_errc shype_evtchn_close(shype_monitor* m, shype_binding_handle h) {
  return live(m) ? done(m->mon.evtchn_close(from_c(h))) : SHYPE_E_INVALID_ARGUMENT;
}

shype_errc shype_grant_map(shype_monitor* m, shype_domid granter, shype_domid mapper, shype_access mode, std::uint64_t cookie,
                           shype_bind_result* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m) || (mode != SHYPE_ACCESS_READ && mode != SHYPE_ACCESS_READ_WRITE))
    return answer(shype::failure(shype::errc::invalid_argument), out);
  const auto am = mode == SHYPE_ACCESS_READ ? shype::access_mode::read : shype::access_mode::read_write;
  return answer(m->mon.grant_map(granter, mapper, am, cookie), out);
}

shype_errc shype_grant_unmap(shype_monitor* m, shype_binding_handle h) {
  return live(m) ? done(m->mon.grant_unmap(from_c(h))) : SHYPE_E_INVALID_ARGUMENT;
}

shype_errc shype_grant_copy(shype_monitor* m, shype_domid from, shype_domid to, shype_verdict* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m)) return answer(shype::failure(shype::errc::invalid_argument), out);
  return answer(m->mon.grant_copy(from, to), out);
}

shype_errc shype_resource_access(shype_monitor* m, shype_domid d, shype_resource r, shype_access mode, shype_verdict* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m) || (mode != SHYPE_ACCESS_READ && mode != SHYPE_ACCESS_READ_WRITE))
    return answer(shype::failure(shype::errc::invalid_argument), out);
  const auto am = mode == SHYPE_ACCESS_READ ? shype::access_mode::read : shype::access_mode::read_write;
  return answer(m->mon.resource_access(d, r, am), out);
}

shype_errc shype_resource_attach(shype_monitor* m, shype_domid d, shype_resource r, shype_access mode, std::uint64_t cookie,
                                 shype_bind_result* out) {
  if (out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (!live(m) || (mode != SHYPE_ACCESS_READ && mode != SHYPE_ACCESS_READ_WRITE))
    return answer(shype::failure(shype::errc::invalid_argument), out);
  const auto am = mode == SHYPE_ACCESS_READ ? shype::access_mode::read : shype::access_mode::read_write;
  return answer(m->mon.resource_attach(d, r, am, cookie), out);
}

shype_errc shype_resource_detach(shype_monitor* m, shype_binding_handle h) {
  return live(m) ? done(m->mon.resource_detach(from_c(h))) : SHYPE_E_INVALID_ARGUMENT;
}

// ===== the MAC-domain query =======================================================================

shype_errc shype_coalition(shype_monitor* m, shype_domid macdom, shype_domid d, std::uint64_t* words, std::size_t nwords,
                           std::size_t* count) {
  if (count != nullptr) *count = 0;
  if (!live(m) || words == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  if (nwords < monitor_t::te_set::words) return SHYPE_E_CAPACITY_EXHAUSTED;
  for (std::size_t i = 0; i < nwords; ++i) words[i] = 0;
  auto r = m->mon.coalition(macdom, d);
  if (!r) return to_c(r.error());
  for (std::size_t i = 0; i < monitor_t::te_set::words; ++i) words[i] = r.value().word(i);
  if (count != nullptr) *count = shype::count(r.value());
  return SHYPE_OK;
}

// ===== statistics and the denial log ==============================================================

shype_errc shype_stats_get(shype_monitor* m, shype_stats* out) {
  if (!live(m) || out == nullptr) return SHYPE_E_INVALID_ARGUMENT;
  const shype::stats_snapshot s = m->mon.stats();
  for (std::size_t i = 0; i < SHYPE_CLASS_COUNT; ++i) {
    const shype::hook_counters& c = s.by_class[i];
    out->by_class[i] = shype_counters{c.hits, c.misses, c.denials, c.errors, c.revocations};
  }
  return SHYPE_OK;
}

std::size_t shype_binding_count(shype_monitor* m) { return live(m) ? m->mon.binding_count() : 0; }

std::uint64_t shype_audit_total(shype_monitor* m) { return live(m) ? m->mon.audit().total() : 0; }

std::size_t shype_audit_read(shype_monitor* m, shype_denial_fn fn, void* ctx) {
  if (!live(m) || fn == nullptr) return 0;
  std::size_t n = 0;
  m->mon.audit().for_each([&](const shype::denial_record& r) {
    shype_denial c{};
    c.seq = r.seq;
    c.generation = r.generation;
    c.op = static_cast<std::uint8_t>(r.op);
    c.policy_index = r.policy_index;
    c.object_kind = static_cast<std::uint8_t>(r.object_kind);
    c.subject = r.subject;
    c.object = r.object;
    for (std::size_t i = 0; i < shype::denial_record::label_chars; ++i) {
      c.subject_label[i] = r.subject_label[i];
      c.object_label[i] = r.object_label[i];
    }
    fn(ctx, &c);
    ++n;
  });
  return n;
}

std::size_t shype_denial_format(const shype_denial* d, char* buf, std::size_t cap) {
  if (d == nullptr || buf == nullptr || cap == 0) return 0;
  shype::denial_record r;
  r.seq = d->seq;
  r.generation = static_cast<shype::generation_t>(d->generation);
  r.op = static_cast<shype::hook>(d->op);  // an unknown value prints as "unknown"
  r.policy_index = d->policy_index;
  r.policy = monitor_t::policy_name(d->policy_index);
  r.subject = d->subject;
  r.object_kind = static_cast<shype::audit_object>(d->object_kind);
  r.object = d->object;
  // The caller's copy may have lost its NUL: copy_label stops at 31 bytes either way.
  auto bounded = [](const char* s) {
    std::size_t n = 0;
    while (n + 1 < shype::denial_record::label_chars && s[n] != '\0') ++n;
    return shype::string_ref(s, n);
  };
  shype::denial_record::copy_label(r.subject_label, bounded(d->subject_label));
  shype::denial_record::copy_label(r.object_label, bounded(d->object_label));
  return shype::format_denial(r, buf, cap);
}

}  // extern "C"
