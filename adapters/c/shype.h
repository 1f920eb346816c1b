/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shype.h — the shype reference monitor for hypervisors written in C.
 *
 * One monitor configuration, fixed when the library is built: Chinese Wall (placement) stacked
 * with Type Enforcement (coalitions), deny overrides, every table sized at build time (see
 * shype_limits_get). The monitor lives in storage the caller provides: ask shype_monitor_size()
 * and shype_monitor_align(), then shype_monitor_init() on such a buffer. Nothing here allocates,
 * throws, blocks or keeps a pointer it was not given; calls may come from several CPUs at once.
 *
 * Conventions, as in the C++ library:
 *  - Every call returns a shype_errc. SHYPE_OK means the request was evaluated; the answer
 *    (permit or deny) is in the shype_verdict it fills. Deny is an answer, not an error.
 *  - Any other shype_errc means the request could not be evaluated (unknown domain, full table,
 *    malformed policy, NULL argument...). The caller must refuse it: a verdict the call was given
 *    is then set to SHYPE_DENY, so code that only looks at the verdict fails closed too.
 *  - Callbacks (revocation, violation, close) run inside the call, with the monitor locked:
 *    they must not call back into the monitor.
 *
 * Paper: Sailer et al., "Building a MAC-Based Security Architecture for the Xen Open-Source
 * Hypervisor", ACSAC 2005, section 4. adapters/c/XSM.md maps Xen's XSM hooks to these calls.
 */
#ifndef SHYPE_H
#define SHYPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== identifiers ========================================================================== */

typedef uint16_t shype_domid;    /* a domain id, below shype_limits.max_domains */
typedef uint16_t shype_label;    /* a VirtualMachineLabel of the policy in force */
typedef uint16_t shype_resource; /* a ResourceLabel of the policy in force */

#define SHYPE_NO_LABEL 0xFFFF
/* The subject of management calls made by the hypervisor itself, never on behalf of a guest. */
#define SHYPE_HYPERVISOR 0xFFFF

/* Enumerations cross the boundary as fixed-width integers (a C caller may pass any value, and
 * C++ must not hold an out-of-range value in an enum type); the named constants follow each. */

/* ===== errors (values equal shype::errc) ===================================================== */

typedef int32_t shype_errc;
enum shype_errc_values {
  SHYPE_OK = 0,
  SHYPE_E_INVALID_ARGUMENT = 1, /* malformed request, NULL pointer, subject == object ... */
  SHYPE_E_UNKNOWN_DOMAIN,       /* id out of range or not in use */
  SHYPE_E_DOMAIN_EXISTS,        /* start on an id in use */
  SHYPE_E_DOMAIN_NOT_RUNNING,
  SHYPE_E_DOMAIN_NOT_SAVED,
  SHYPE_E_UNKNOWN_LABEL,
  SHYPE_E_UNKNOWN_BINDING,      /* stale or forged binding handle */
  SHYPE_E_CAPACITY_EXHAUSTED,   /* a table (or the caller's storage) is too small */
  SHYPE_E_NO_POLICY,
  SHYPE_E_NOT_PERMITTED,
  SHYPE_E_CHANGE_REJECTED,
  SHYPE_E_TRUNCATED,            /* binary policy errors from here on (see shype_load_error) */
  SHYPE_E_BAD_MAGIC,
  SHYPE_E_UNSUPPORTED_VERSION,
  SHYPE_E_BAD_HEADER,
  SHYPE_E_BAD_LENGTH,
  SHYPE_E_BAD_CHECKSUM,
  SHYPE_E_BAD_OFFSET,
  SHYPE_E_BAD_COUNT,
  SHYPE_E_BAD_STRING,
  SHYPE_E_UNSORTED_NAMES,
  SHYPE_E_DUPLICATE_NAME,
  SHYPE_E_BAD_BITSET,
  SHYPE_E_EMPTY_CONFLICT_SET,
  SHYPE_E_INVALID_LABEL,
  SHYPE_E_BAD_REFERENCE,
  SHYPE_E_TOO_LARGE,            /* the policy exceeds this build's capacities */
  SHYPE_E_MISSING_SECTION,
  SHYPE_E_BAD_SPAN              /* a label's span of non-zero words does not match its set */
};

/* A short stable name ("unknown_domain"); "ok" for SHYPE_OK. Never NULL. */
const char* shype_errc_name(shype_errc e);

/* Where a binary policy was rejected (values of code/section equal shype::errc/policy_section). */
typedef struct shype_load_error {
  uint8_t code;    /* a shype_errc value */
  uint8_t section; /* 0 header, 1 te_types, 2 cw_types, 3 conflict_sets, 4 vm_labels,
                      5 resource_labels, 6 mls, 7 strings, 8 renames */
  uint16_t reserved;
  uint32_t index;  /* element of the section, or 0xFFFFFFFF */
  uint32_t other;  /* a second element involved, or 0xFFFFFFFF */
  uint64_t offset; /* byte offset of the defect */
} shype_load_error;

const char* shype_policy_section_name(uint8_t section);

/* ===== decisions ============================================================================ */

enum shype_decision_values { SHYPE_DENY = 0, SHYPE_PERMIT = 1 };

/* Positions of the stacked policies, as reported in denied_by. */
#define SHYPE_POLICY_CHINESE_WALL 0
#define SHYPE_POLICY_TYPE_ENFORCEMENT 1
#define SHYPE_DENIED_BY_NONE 0xFF       /* nobody denied */
#define SHYPE_DENIED_BY_MANAGEMENT 0xFE /* the subject lacks the management label */

typedef struct shype_verdict {
  uint8_t decision;  /* SHYPE_DENY or SHYPE_PERMIT */
  uint8_t denied_by; /* SHYPE_POLICY_..., SHYPE_DENIED_BY_... */
  uint8_t cached;    /* 1 if answered from the decision cache */
  uint8_t reserved[5];
  uint64_t generation; /* policy generation the decision was taken under */
} shype_verdict;

/* "chinese_wall", "type_enforcement", "management", "none". Never NULL. */
const char* shype_policy_name(uint8_t denied_by);

typedef int32_t shype_access;
enum shype_access_values { SHYPE_ACCESS_READ = 0, SHYPE_ACCESS_READ_WRITE = 1 };

/* ===== bindings (bind-time authorisation, revocation) ======================================== */

typedef struct shype_binding_handle {
  uint32_t index;
  uint32_t serial;
} shype_binding_handle;

enum shype_binding_kind_values {
  SHYPE_BINDING_EVTCHN = 0,
  SHYPE_BINDING_GRANT_RO,
  SHYPE_BINDING_GRANT_RW,
  SHYPE_BINDING_RESOURCE_READ,
  SHYPE_BINDING_RESOURCE_RW
};

typedef struct shype_binding {
  uint8_t kind; /* SHYPE_BINDING_... */
  uint8_t reserved;
  shype_domid subject; /* binder, granter, or the domain using a resource */
  uint32_t object;     /* peer domain id, or resource id */
  uint64_t cookie;     /* the caller's own reference (port, grant ref), handed back */
} shype_binding;

/* A permitted sharing hook that registered a binding: handle is valid only if permitted. */
typedef struct shype_bind_result {
  shype_verdict verdict;
  shype_binding_handle handle;
} shype_bind_result;

/* Told of a binding the monitor revoked or closed. */
typedef void (*shype_binding_fn)(void* ctx, shype_binding_handle handle, const shype_binding* binding);

/* ===== the monitor and its storage ========================================================== */

typedef struct shype_monitor shype_monitor; /* opaque; lives in the caller's storage */

typedef struct shype_limits {
  size_t max_domains;   /* domain ids 0..max_domains-1 */
  size_t cache_sets;
  size_t cache_ways;
  size_t max_bindings;  /* live channels, grant mappings and resource attachments */
  size_t audit_entries; /* denials kept */
  size_t cw_types;      /* largest Chinese Wall type count a policy may have */
  size_t te_types;      /* largest Type Enforcement type count a policy may have */
} shype_limits;

/* The capacities this library was built with. */
void shype_limits_get(shype_limits* out);

/* Bytes and alignment of the storage shype_monitor_init needs. */
size_t shype_monitor_size(void);
size_t shype_monitor_align(void);

/* Builds an empty monitor (no policy yet) in `storage`. SHYPE_E_CAPACITY_EXHAUSTED if `size` is
 * too small, SHYPE_E_INVALID_ARGUMENT if `storage` is NULL or misaligned. The storage must stay
 * in place (not be copied) while the monitor is used. */
shype_errc shype_monitor_init(void* storage, size_t size, shype_monitor** out);

/* Ends the monitor's lifetime; the storage may then be reused. */
void shype_monitor_fini(shype_monitor* m);

/* ===== policy management (paper, section 4.3.2) ============================================== */

/* Installs the first policy (at boot). `bytes` must stay valid and unchanged while it is in
 * force. On failure `err` (if not NULL) says what and where; nothing changes. */
shype_errc shype_policy_load(shype_monitor* m, const uint8_t* bytes, size_t size, shype_load_error* err);

typedef int32_t shype_change_mode;
enum shype_change_mode_values { SHYPE_CHANGE_APPLY = 0, SHYPE_CHANGE_DRY_RUN = 1 };

enum shype_violation_kind_values {
  SHYPE_VIOLATION_LABEL_MISSING = 0, /* a live domain's label has no successor in the new policy */
  SHYPE_VIOLATION_CONFLICT = 1,      /* two running domains would violate the Chinese Wall */
  SHYPE_VIOLATION_RENAME_UNKNOWN = 2 /* a rename's `from` names no label of the policy in force */
};

typedef struct shype_violation {
  uint8_t kind;         /* SHYPE_VIOLATION_... */
  uint8_t policy_index; /* the policy that refused the placement, or SHYPE_DENIED_BY_NONE */
  shype_domid domain;   /* the domain that could not be placed or mapped */
  shype_domid other;    /* the running domain it conflicts with, or SHYPE_HYPERVISOR */
  const char* label;    /* the domain's label name in the old policy (not NUL-terminated);
                           RENAME_UNKNOWN: the `from` name */
  size_t label_len;
  /* Appended with format 1.1 (label renames): the names valid during the callback only. */
  const char* new_label; /* its label in the new policy, renames applied (RENAME_UNKNOWN: the renamed label) */
  size_t new_label_len;  /* 0: none */
  const char* other_label; /* the other domain's label in the new policy (CONFLICT), else empty */
  size_t other_label_len;
  uint8_t label_kind;      /* RENAME_UNKNOWN: 0 a VM label, 1 a resource label */
  uint8_t reserved[7];
} shype_violation;

typedef void (*shype_violation_fn)(void* ctx, const shype_violation* violation);

typedef struct shype_change_report {
  uint8_t decision;   /* SHYPE_PERMIT: applied (dry run: would apply); SHYPE_DENY: refused */
  uint8_t authorized; /* 0: the subject may not change the policy */
  uint8_t reserved[6];
  size_t violations; /* why it was refused (each also went to on_violation) */
  size_t revoked;    /* bindings revoked (dry run: that would be; each went to on_revoke) */
  uint64_t generation;
} shype_change_report;

/* Live policy change: authorise `subject` (SHYPE_HYPERVISOR or a running domain with the
 * bootstrap label), validate the new binary, map every live domain's label by name with the new
 * policy's renames (Xen ACM's <Name from="old">) applied, refuse if a rename names no label of
 * the policy in force, a label is missing or running domains would conflict under their new
 * labels (each reason to on_violation), else swap
 * atomically and revoke every binding the new policy no longer permits (each to on_revoke).
 * SHYPE_OK with report->decision == SHYPE_DENY is a refusal; a rejected binary is an error with
 * `err` filled. Either way the old policy stays in force. After an applied change the caller
 * may free the old policy's bytes. Callbacks may be NULL. */
shype_errc shype_policy_change(shype_monitor* m, shype_domid subject, const uint8_t* bytes, size_t size,
                               shype_change_mode mode, shype_binding_fn on_revoke, void* revoke_ctx,
                               shype_violation_fn on_violation, void* violation_ctx, shype_change_report* report,
                               shype_load_error* err);

/* May `subject` manage the policy (change it, relabel domains)? */
shype_errc shype_authorize_management(shype_monitor* m, shype_domid subject, shype_verdict* out);

/* Moves a domain to another label (authorised like a policy change); placement is checked as
 * for a start and the domain's bindings the new label does not permit are revoked. */
shype_errc shype_relabel(shype_monitor* m, shype_domid subject, shype_domid d, shype_label label,
                         shype_binding_fn on_revoke, void* ctx, shype_verdict* out);

typedef struct shype_policy_info {
  const char* name; /* inside the policy bytes; not NUL-terminated */
  size_t name_len;
  uint32_t version_major, version_minor;
  uint64_t checksum;
  uint64_t generation;
  size_t te_types, cw_types, conflict_sets, vm_labels, resource_labels;
  shype_label bootstrap_label; /* the management label, or SHYPE_NO_LABEL */
} shype_policy_info;

/* The policy in force (its strings stay valid until the next policy change). */
shype_errc shype_policy_info_get(shype_monitor* m, shype_policy_info* out);

/* Looks a label up by name; SHYPE_NO_LABEL if the policy in force has none such. */
shype_label shype_find_vm_label(shype_monitor* m, const char* name, size_t len);
shype_resource shype_find_resource_label(shype_monitor* m, const char* name, size_t len);

/* Names of labels and types of the policy in force (not NUL-terminated). */
shype_errc shype_vm_label_name(shype_monitor* m, shype_label l, const char** name, size_t* len);
shype_errc shype_resource_label_name(shype_monitor* m, shype_resource r, const char** name, size_t* len);
shype_errc shype_te_type_name(shype_monitor* m, size_t type, const char** name, size_t* len);

/* ===== domain operations (paper, section 4.3.2: create, destroy, save, restore, migrate) ====== */

typedef int32_t shype_start_op;
enum shype_start_op_values { SHYPE_START_CREATE = 0, SHYPE_START_RESTORE = 3, SHYPE_START_MIGRATE_IN = 5 };

/* Two phases, as Xen ACM's pre/post/fail: prepare checks placement and reserves it; the
 * hypervisor then builds the domain and commits, or gives the reservation back with abort.
 * For a restore of a domain saved here, `label` may be SHYPE_NO_LABEL (use the saved one). */
shype_errc shype_prepare_start(shype_monitor* m, shype_start_op op, shype_domid d, shype_label label, shype_verdict* out);
shype_errc shype_commit_start(shype_monitor* m, shype_domid d);
shype_errc shype_abort_start(shype_monitor* m, shype_domid d);

/* prepare + commit in one call. */
shype_errc shype_domain_create(shype_monitor* m, shype_domid d, shype_label label, shype_verdict* out);
shype_errc shype_domain_restore(shype_monitor* m, shype_domid d, shype_label label, shype_verdict* out);
shype_errc shype_migrate_in(shype_monitor* m, shype_domid d, shype_label label, shype_verdict* out);

/* The domain stops running here; its bindings are closed (each to on_close, which may be NULL).
 * destroy works on running and saved domains; save keeps the label for a later restore. */
shype_errc shype_domain_destroy(shype_monitor* m, shype_domid d, shype_binding_fn on_close, void* ctx);
shype_errc shype_domain_save(shype_monitor* m, shype_domid d, shype_binding_fn on_close, void* ctx);
shype_errc shype_migrate_out(shype_monitor* m, shype_domid d, shype_binding_fn on_close, void* ctx);

enum shype_domain_state_values { SHYPE_DOMAIN_FREE = 0, SHYPE_DOMAIN_STARTING, SHYPE_DOMAIN_RUNNING, SHYPE_DOMAIN_SAVED };

typedef struct shype_domain_info {
  uint8_t state; /* SHYPE_DOMAIN_... */
  uint8_t reserved;
  shype_label label;
  uint16_t incarnation; /* bumped on every start and relabel of this id */
} shype_domain_info;

shype_errc shype_domain_info_get(shype_monitor* m, shype_domid d, shype_domain_info* out);

/* ===== sharing: event channels, grants, labelled resources (bind time, cached) ================ */

/* May `a` allocate an unbound event-channel port for `b`? */
shype_errc shype_evtchn_unbound(shype_monitor* m, shype_domid a, shype_domid b, shype_verdict* out);
/* Interdomain channel from `a` to `b`, registered under `cookie` for revocation. */
shype_errc shype_evtchn_bind(shype_monitor* m, shype_domid a, shype_domid b, uint64_t cookie, shype_bind_result* out);
shype_errc shype_evtchn_close(shype_monitor* m, shype_binding_handle h);

/* `mapper` maps a page `granter` granted, read-only or read-write. */
shype_errc shype_grant_map(shype_monitor* m, shype_domid granter, shype_domid mapper, shype_access mode, uint64_t cookie,
                           shype_bind_result* out);
shype_errc shype_grant_unmap(shype_monitor* m, shype_binding_handle h);
/* A one-off copy from `from`'s granted page to `to` (nothing stays mapped: not registered). */
shype_errc shype_grant_copy(shype_monitor* m, shype_domid from, shype_domid to, shype_verdict* out);

/* May domain `d` use the labelled resource `r` (a virtual disk, a vLAN)? */
shype_errc shype_resource_access(shype_monitor* m, shype_domid d, shype_resource r, shype_access mode, shype_verdict* out);
shype_errc shype_resource_attach(shype_monitor* m, shype_domid d, shype_resource r, shype_access mode, uint64_t cookie,
                                 shype_bind_result* out);
shype_errc shype_resource_detach(shype_monitor* m, shype_binding_handle h);

/* ===== the MAC-domain query (paper, section 4.4) ============================================= */

/* The TE types (coalitions) `macdom` and `d` have in common, as a bit set: bit i of words[i/64]
 * is TE type i. `nwords` must be at least (shype_limits.te_types + 63) / 64; `count` (may be
 * NULL) receives the number of common types. A MAC domain serves `d` only resources labelled
 * with one of them. */
shype_errc shype_coalition(shype_monitor* m, shype_domid macdom, shype_domid d, uint64_t* words, size_t nwords,
                           size_t* count);

/* ===== statistics and the denial log ========================================================= */

typedef int32_t shype_hook_class;
enum shype_hook_class_values {
  SHYPE_CLASS_DOMAIN = 0,
  SHYPE_CLASS_EVTCHN,
  SHYPE_CLASS_GRANT,
  SHYPE_CLASS_RESOURCE,
  SHYPE_CLASS_QUERY,
  SHYPE_CLASS_MANAGEMENT,
  SHYPE_CLASS_COUNT
};

typedef struct shype_counters {
  uint64_t hits;        /* answered from the cache */
  uint64_t misses;      /* evaluated afresh */
  uint64_t denials;
  uint64_t errors;      /* requests that could not be evaluated */
  uint64_t revocations;
} shype_counters;

typedef struct shype_stats {
  shype_counters by_class[SHYPE_CLASS_COUNT];
} shype_stats;

shype_errc shype_stats_get(shype_monitor* m, shype_stats* out);
const char* shype_hook_class_name(shype_hook_class c);

/* Live bindings (channels, mappings, attachments) the monitor tracks. */
size_t shype_binding_count(shype_monitor* m);

enum shype_audit_object_values {
  SHYPE_AUDIT_DOMAIN = 0,
  SHYPE_AUDIT_RESOURCE,
  SHYPE_AUDIT_HOST, /* a placement (Chinese Wall) denial */
  SHYPE_AUDIT_POLICY
};

typedef struct shype_denial {
  uint64_t seq;
  uint64_t generation;
  uint8_t op;           /* the hook (values of shype::hook) */
  uint8_t policy_index; /* the policy that denied */
  uint8_t object_kind;  /* SHYPE_AUDIT_... */
  uint8_t reserved;
  shype_domid subject;
  uint32_t object;
  char subject_label[32]; /* NUL-terminated, truncated to 31 bytes */
  char object_label[32];
} shype_denial;

typedef void (*shype_denial_fn)(void* ctx, const shype_denial* denial);

/* Denials ever recorded; the log keeps the last shype_limits.audit_entries of them. */
uint64_t shype_audit_total(shype_monitor* m);
/* Calls fn for each denial kept, oldest first; returns how many. */
size_t shype_audit_read(shype_monitor* m, shype_denial_fn fn, void* ctx);
/* One AVC-style line into buf (no newline; NUL-terminated when cap > 0, truncated to cap - 1
 * bytes); returns the number of bytes written before the NUL. */
size_t shype_denial_format(const shype_denial* d, char* buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* SHYPE_H */
