/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C ABI from C: a hypervisor's life with the monitor, from storage and boot to policy
 * changes with revocation. Built as C11 with -Wall -Wextra -Werror and linked by the C compiler,
 * so the library is shown to need no C++ runtime. Without sanitizers, malloc and friends are
 * counted and must not be called once by the library.
 *
 *   c_abi_test POLICY-V1.bin POLICY-V2.bin POLICY-V3-CONFLICT.bin POLICY-V4-MISSING.bin
 *
 * Policies (the XML files beside this one): v2 takes the device domain out of the Order coalition,
 * v3 puts Order and OEM Alpha workloads in a conflict set, v4 drops the label dom_Ads_Alpha.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shype.h"

/* ===== allocation counting ================================================================== */
#ifdef SHYPE_C_TEST_COUNT_MALLOC
extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void __libc_free(void*);
static int counting;
static unsigned long allocations;
void* malloc(size_t n) {
  if (counting) ++allocations;
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  if (counting) ++allocations;
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  if (counting) ++allocations;
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
#define COUNT_BEGIN() (counting = 1)
#define COUNT_END() (counting = 0)
#else
#define COUNT_BEGIN() ((void)0)
#define COUNT_END() ((void)0)
#endif

/* ===== a minimal harness: every check is counted and printed on failure ====================== */
static int checks, failures;
#define CHECK(cond)                                                              \
  do {                                                                           \
    ++checks;                                                                    \
    if (!(cond)) {                                                               \
      ++failures;                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)
#define CHECK_EQ(a, b)                                                                                   \
  do {                                                                                                   \
    long long va_ = (long long)(a), vb_ = (long long)(b);                                                \
    ++checks;                                                                                            \
    if (va_ != vb_) {                                                                                    \
      ++failures;                                                                                        \
      fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, va_, vb_); \
    }                                                                                                    \
  } while (0)

typedef struct {
  uint8_t* data;
  size_t size;
} blob;

static blob read_file(const char* path) {
  blob b = {NULL, 0};
  FILE* f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "c_abi_test: cannot open %s\n", path);
    exit(2);
  }
  if (fseek(f, 0, SEEK_END) != 0) exit(2);
  long n = ftell(f);
  if (n <= 0 || fseek(f, 0, SEEK_SET) != 0) exit(2);
  b.data = malloc((size_t)n);
  if (b.data == NULL || fread(b.data, 1, (size_t)n, f) != (size_t)n) exit(2);
  b.size = (size_t)n;
  fclose(f);
  return b;
}

static int name_is(const char* name, size_t len, const char* want) {
  return name != NULL && len == strlen(want) && memcmp(name, want, len) == 0;
}

/* ===== callbacks ============================================================================ */
typedef struct {
  int count;
  uint64_t cookies[16];
  shype_binding bindings[16];
} binding_log;

static void log_binding(void* ctx, shype_binding_handle h, const shype_binding* b) {
  binding_log* l = ctx;
  (void)h;
  if (l->count < 16) {
    l->cookies[l->count] = b->cookie;
    l->bindings[l->count] = *b;
  }
  ++l->count;
}

typedef struct {
  int count;
  shype_violation v[8];
  char label[8][32];
} violation_log;

static void log_violation(void* ctx, const shype_violation* v) {
  violation_log* l = ctx;
  if (l->count < 8) {
    l->v[l->count] = *v;
    size_t n = v->label_len < 31 ? v->label_len : 31;
    memcpy(l->label[l->count], v->label, n);
    l->label[l->count][n] = '\0';
  }
  ++l->count;
}

typedef struct {
  int count;
  shype_denial last_cw;
  int saw_cw;
} denial_log;

static void log_denial(void* ctx, const shype_denial* d) {
  denial_log* l = ctx;
  if (d->policy_index == SHYPE_POLICY_CHINESE_WALL && !l->saw_cw) {
    l->last_cw = *d;
    l->saw_cw = 1;
  }
  ++l->count;
}

static int has_cookie(const binding_log* l, uint64_t c) {
  for (int i = 0; i < l->count && i < 16; ++i)
    if (l->cookies[i] == c) return 1;
  return 0;
}

/* Domain ids of the scenario (the paper's Figure 2). */
enum { DOM0 = 0, DISK = 1, ORDER = 2, ALPHA = 3, BETA = 4, ORDER2 = 5 };

static unsigned char storage_buf[1u << 22];  /* enough for the default capacities; checked below */

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: c_abi_test V1.bin V2.bin V3-CONFLICT.bin V4-MISSING.bin\n");
    return 2;
  }
  const blob v1 = read_file(argv[1]), v2 = read_file(argv[2]), v3 = read_file(argv[3]), v4 = read_file(argv[4]);
  uint8_t* broken = malloc(v2.size);
  if (broken == NULL) return 2;
  memcpy(broken, v2.data, v2.size);
  broken[v2.size - 1] ^= 0x01; /* one bit in the string table: the checksum no longer matches */
  static char line[256];

  COUNT_BEGIN();

  /* ----- storage: size and alignment queries, init on a caller buffer ----- */
  shype_limits lim;
  shype_limits_get(&lim);
  CHECK(lim.max_domains >= 8 && lim.te_types >= 3 && lim.cw_types >= 4);
  const size_t size = shype_monitor_size(), align = shype_monitor_align();
  CHECK(size > 0 && align > 0 && (align & (align - 1)) == 0);
  CHECK(size + align <= sizeof storage_buf);
  unsigned char* base = storage_buf + (align - (uintptr_t)storage_buf % align) % align;
  shype_monitor* m = (shype_monitor*)(void*)1;
  CHECK_EQ(shype_monitor_init(NULL, size, &m), SHYPE_E_INVALID_ARGUMENT);
  CHECK(m == NULL);
  if (align > 1) CHECK_EQ(shype_monitor_init(base + 1, size, &m), SHYPE_E_INVALID_ARGUMENT);
  CHECK_EQ(shype_monitor_init(base, size - 1, &m), SHYPE_E_CAPACITY_EXHAUSTED);
  /* Storage that holds no monitor is refused, and a verdict asked for is a deny. */
  shype_verdict v;
  memset(&v, 0xAB, sizeof v);
  CHECK_EQ(shype_domain_create((shype_monitor*)(void*)base, DOM0, 0, &v), SHYPE_E_INVALID_ARGUMENT);
  CHECK_EQ(v.decision, SHYPE_DENY);
  CHECK_EQ(shype_monitor_init(base, size, &m), SHYPE_OK);
  CHECK(m == (shype_monitor*)(void*)base);

  /* ----- no policy yet: every request fails closed ----- */
  CHECK_EQ(shype_domain_create(m, DOM0, 0, &v), SHYPE_E_NO_POLICY);
  CHECK_EQ(v.decision, SHYPE_DENY);
  shype_policy_info info;
  CHECK_EQ(shype_policy_info_get(m, &info), SHYPE_E_NO_POLICY);

  /* ----- boot: a damaged binary is refused with where, then the real one loads once ----- */
  shype_load_error err;
  CHECK_EQ(shype_policy_load(m, broken, v2.size, &err), SHYPE_E_BAD_CHECKSUM);
  CHECK_EQ(err.code, SHYPE_E_BAD_CHECKSUM);
  CHECK(strcmp(shype_policy_section_name(err.section), "header") == 0);
  CHECK_EQ(shype_policy_load(m, v1.data, 40, &err), SHYPE_E_TRUNCATED);
  CHECK_EQ(shype_policy_load(m, NULL, 0, &err), SHYPE_E_INVALID_ARGUMENT);
  CHECK_EQ(shype_policy_load(m, v1.data, v1.size, &err), SHYPE_OK);
  CHECK_EQ(shype_policy_load(m, v1.data, v1.size, &err), SHYPE_E_INVALID_ARGUMENT); /* only once */

  CHECK_EQ(shype_policy_info_get(m, &info), SHYPE_OK);
  CHECK(name_is(info.name, info.name_len, "c-abi.test"));
  CHECK_EQ(info.version_major, 1);
  CHECK_EQ(info.version_minor, 0);
  CHECK_EQ(info.generation, 1);
  CHECK_EQ(info.te_types, 3);
  CHECK_EQ(info.cw_types, 4);
  CHECK_EQ(info.conflict_sets, 1);
  CHECK_EQ(info.vm_labels, 5);
  CHECK_EQ(info.resource_labels, 2);

  const shype_label l_mgmt = shype_find_vm_label(m, "dom_Management", 14);
  const shype_label l_disk = shype_find_vm_label(m, "dom_VirtualDisk", 15);
  const shype_label l_order = shype_find_vm_label(m, "dom_Order", 9);
  const shype_label l_alpha = shype_find_vm_label(m, "dom_Ads_Alpha", 13);
  const shype_label l_beta = shype_find_vm_label(m, "dom_Ads_Beta", 12);
  const shype_resource r_order = shype_find_resource_label(m, "vdisk_Order", 11);
  const shype_resource r_ads = shype_find_resource_label(m, "vdisk_Ads", 9);
  CHECK(l_mgmt != SHYPE_NO_LABEL && l_disk != SHYPE_NO_LABEL && l_order != SHYPE_NO_LABEL);
  CHECK(l_alpha != SHYPE_NO_LABEL && l_beta != SHYPE_NO_LABEL);
  CHECK(r_order != SHYPE_NO_LABEL && r_ads != SHYPE_NO_LABEL);
  CHECK_EQ(info.bootstrap_label, l_mgmt);
  CHECK_EQ(shype_find_vm_label(m, "dom_Nobody", 10), SHYPE_NO_LABEL);
  CHECK_EQ(shype_find_vm_label(m, NULL, 3), SHYPE_NO_LABEL);
  const char* name = NULL;
  size_t len = 0;
  CHECK_EQ(shype_vm_label_name(m, l_alpha, &name, &len), SHYPE_OK);
  CHECK(name_is(name, len, "dom_Ads_Alpha"));
  CHECK_EQ(shype_resource_label_name(m, r_ads, &name, &len), SHYPE_OK);
  CHECK(name_is(name, len, "vdisk_Ads"));
  CHECK_EQ(shype_vm_label_name(m, 999, &name, &len), SHYPE_E_UNKNOWN_LABEL);

  /* ----- domains: create, Chinese Wall, two-phase start ----- */
  CHECK_EQ(shype_domain_create(m, DOM0, l_mgmt, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_PERMIT);
  CHECK_EQ(v.denied_by, SHYPE_DENIED_BY_NONE);
  CHECK_EQ(shype_domain_create(m, DISK, l_disk, &v), SHYPE_OK);
  CHECK_EQ(shype_domain_create(m, ORDER, l_order, &v), SHYPE_OK);
  CHECK_EQ(shype_domain_create(m, ALPHA, l_alpha, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_PERMIT);
  CHECK_EQ(shype_domain_create(m, BETA, l_beta, &v), SHYPE_OK); /* OEM Beta while OEM Alpha runs */
  CHECK_EQ(v.decision, SHYPE_DENY);
  CHECK_EQ(v.denied_by, SHYPE_POLICY_CHINESE_WALL);
  CHECK(strcmp(shype_policy_name(v.denied_by), "chinese_wall") == 0);
  CHECK_EQ(shype_domain_create(m, ORDER, l_order, &v), SHYPE_E_DOMAIN_EXISTS);
  CHECK_EQ(v.decision, SHYPE_DENY);
  CHECK_EQ(shype_domain_create(m, (shype_domid)lim.max_domains, l_order, &v), SHYPE_E_UNKNOWN_DOMAIN);
  CHECK_EQ(shype_domain_create(m, 7, 999, &v), SHYPE_E_UNKNOWN_LABEL);

  shype_domain_info di;
  CHECK_EQ(shype_prepare_start(m, SHYPE_START_CREATE, ORDER2, l_order, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_PERMIT);
  CHECK_EQ(shype_domain_info_get(m, ORDER2, &di), SHYPE_OK);
  CHECK_EQ(di.state, SHYPE_DOMAIN_STARTING);
  CHECK_EQ(shype_abort_start(m, ORDER2), SHYPE_OK);
  CHECK_EQ(shype_domain_info_get(m, ORDER2, &di), SHYPE_OK);
  CHECK_EQ(di.state, SHYPE_DOMAIN_FREE);
  CHECK_EQ(di.label, SHYPE_NO_LABEL);
  CHECK_EQ(shype_commit_start(m, ORDER2), SHYPE_E_INVALID_ARGUMENT); /* nothing prepared */
  CHECK_EQ(shype_prepare_start(m, (shype_start_op)1, ORDER2, l_order, &v), SHYPE_E_INVALID_ARGUMENT);
  CHECK_EQ(shype_prepare_start(m, SHYPE_START_CREATE, ORDER2, l_order, &v), SHYPE_OK);
  CHECK_EQ(shype_commit_start(m, ORDER2), SHYPE_OK);
  CHECK_EQ(shype_domain_info_get(m, ORDER2, &di), SHYPE_OK);
  CHECK_EQ(di.state, SHYPE_DOMAIN_RUNNING);
  CHECK_EQ(di.label, l_order);

  /* ----- sharing: event channels, grants, resources (Type Enforcement), the cache ----- */
  shype_bind_result br;
  CHECK_EQ(shype_evtchn_unbound(m, ORDER, DISK, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_PERMIT);
  CHECK_EQ(shype_evtchn_bind(m, ORDER, DISK, 101, &br), SHYPE_OK); /* Order shares with the disk domain */
  CHECK_EQ(br.verdict.decision, SHYPE_PERMIT);
  const shype_binding_handle ch_order_disk = br.handle;
  CHECK_EQ(shype_evtchn_bind(m, ORDER, DISK, 102, &br), SHYPE_OK); /* the same question: cached */
  CHECK_EQ(br.verdict.cached, 1);
  const shype_binding_handle ch_order_disk2 = br.handle;
  CHECK_EQ(shype_evtchn_close(m, ch_order_disk2), SHYPE_OK);
  CHECK_EQ(shype_evtchn_close(m, ch_order_disk2), SHYPE_E_UNKNOWN_BINDING); /* stale handle */
  CHECK_EQ(shype_evtchn_bind(m, ORDER, ALPHA, 103, &br), SHYPE_OK);      /* different coalitions */
  CHECK_EQ(br.verdict.decision, SHYPE_DENY);
  CHECK_EQ(br.verdict.denied_by, SHYPE_POLICY_TYPE_ENFORCEMENT);
  CHECK_EQ(br.handle.index, 0xFFFFFFFFu);
  CHECK_EQ(shype_grant_map(m, DISK, ORDER, SHYPE_ACCESS_READ_WRITE, 201, &br), SHYPE_OK);
  CHECK_EQ(br.verdict.decision, SHYPE_PERMIT);
  CHECK_EQ(shype_grant_map(m, ALPHA, DISK, SHYPE_ACCESS_READ, 202, &br), SHYPE_OK);
  CHECK_EQ(br.verdict.decision, SHYPE_PERMIT);
  CHECK_EQ(shype_grant_unmap(m, br.handle), SHYPE_OK);
  CHECK_EQ(shype_evtchn_close(m, ch_order_disk), SHYPE_OK);
  CHECK_EQ(shype_evtchn_bind(m, ORDER, DISK, 104, &br), SHYPE_OK);
  CHECK_EQ(shype_grant_copy(m, ALPHA, ORDER, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_DENY);
  CHECK_EQ(shype_resource_attach(m, DISK, r_order, SHYPE_ACCESS_READ_WRITE, 301, &br), SHYPE_OK);
  CHECK_EQ(br.verdict.decision, SHYPE_PERMIT);
  CHECK_EQ(shype_resource_attach(m, ORDER, r_order, SHYPE_ACCESS_READ, 302, &br), SHYPE_OK);
  CHECK_EQ(br.verdict.decision, SHYPE_PERMIT);
  const shype_binding_handle order_disk = br.handle;
  CHECK_EQ(shype_resource_access(m, ALPHA, r_order, SHYPE_ACCESS_READ, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_DENY);
  CHECK_EQ(shype_resource_access(m, ALPHA, r_ads, SHYPE_ACCESS_READ_WRITE, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_PERMIT);
  CHECK_EQ(shype_resource_detach(m, order_disk), SHYPE_OK);
  CHECK_EQ(shype_resource_attach(m, ORDER, r_order, SHYPE_ACCESS_READ_WRITE, 303, &br), SHYPE_OK);
  CHECK_EQ(shype_grant_unmap(m, br.handle), SHYPE_E_INVALID_ARGUMENT); /* a resource handle is not a grant */
  CHECK_EQ(shype_binding_count(m), 4); /* 104, 201, 301, 303 */

  /* Requests that cannot be evaluated: errors, with a deny. */
  CHECK_EQ(shype_evtchn_bind(m, ORDER, ORDER, 1, &br), SHYPE_E_INVALID_ARGUMENT);
  CHECK_EQ(br.verdict.decision, SHYPE_DENY);
  CHECK_EQ(shype_evtchn_unbound(m, ORDER, 77, &v), SHYPE_E_UNKNOWN_DOMAIN);
  CHECK_EQ(v.decision, SHYPE_DENY);
  CHECK_EQ(shype_evtchn_unbound(m, ORDER, BETA, &v), SHYPE_E_UNKNOWN_DOMAIN); /* Beta was refused */
  CHECK_EQ(shype_resource_access(m, ORDER, 99, SHYPE_ACCESS_READ, &v), SHYPE_E_UNKNOWN_LABEL);
  CHECK_EQ(shype_resource_access(m, ORDER, r_order, (shype_access)7, &v), SHYPE_E_INVALID_ARGUMENT);
  CHECK_EQ(shype_evtchn_unbound(m, ORDER, DISK, NULL), SHYPE_E_INVALID_ARGUMENT);

  /* ----- the MAC-domain query: which coalitions do the disk domain and a client share? ----- */
  uint64_t words[8];
  size_t common = 0;
  CHECK_EQ(shype_coalition(m, DISK, ORDER, words, 8, &common), SHYPE_OK);
  CHECK_EQ(common, 1);
  size_t bit = 0;
  while (bit < 64 * 8 && ((words[bit / 64] >> (bit % 64)) & 1u) == 0) ++bit;
  CHECK_EQ(shype_te_type_name(m, bit, &name, &len), SHYPE_OK);
  CHECK(name_is(name, len, "Order"));
  CHECK_EQ(shype_coalition(m, DISK, ALPHA, words, 8, &common), SHYPE_OK);
  CHECK_EQ(common, 1);
  CHECK_EQ(shype_coalition(m, ORDER, ALPHA, words, 8, &common), SHYPE_OK);
  CHECK_EQ(common, 0);
  CHECK_EQ(shype_coalition(m, DISK, ORDER, words, 0, &common), SHYPE_E_CAPACITY_EXHAUSTED);
  CHECK_EQ(shype_coalition(m, DISK, BETA, words, 8, &common), SHYPE_E_UNKNOWN_DOMAIN);

  /* ----- policy change: authorisation, dry run, revocation, refusals ----- */
  shype_change_report rep;
  binding_log revoked = {0};
  violation_log viol = {0};
  CHECK_EQ(shype_policy_change(m, ORDER, v2.data, v2.size, SHYPE_CHANGE_APPLY, log_binding, &revoked, log_violation, &viol,
                               &rep, &err),
           SHYPE_OK); /* an order VM may not change the policy */
  CHECK_EQ(rep.authorized, 0);
  CHECK_EQ(rep.decision, SHYPE_DENY);
  CHECK_EQ(revoked.count, 0);
  shype_verdict auth;
  CHECK_EQ(shype_authorize_management(m, DOM0, &auth), SHYPE_OK);
  CHECK_EQ(auth.decision, SHYPE_PERMIT);
  CHECK_EQ(shype_authorize_management(m, ORDER, &auth), SHYPE_OK);
  CHECK_EQ(auth.decision, SHYPE_DENY);
  CHECK_EQ(auth.denied_by, SHYPE_DENIED_BY_MANAGEMENT);

  CHECK_EQ(shype_policy_change(m, DOM0, v2.data, v2.size, SHYPE_CHANGE_DRY_RUN, log_binding, &revoked, log_violation, &viol,
                               &rep, &err),
           SHYPE_OK);
  CHECK_EQ(rep.authorized, 1);
  CHECK_EQ(rep.decision, SHYPE_PERMIT);
  CHECK_EQ(rep.revoked, 3); /* channel 104, grant 201, the disk domain's order disk 301 */
  CHECK_EQ(revoked.count, 3);
  CHECK_EQ(rep.generation, 1);
  CHECK_EQ(shype_binding_count(m), 4); /* a dry run changes nothing */

  revoked.count = 0;
  CHECK_EQ(shype_policy_change(m, DOM0, broken, v2.size, SHYPE_CHANGE_APPLY, log_binding, &revoked, log_violation, &viol,
                               &rep, &err),
           SHYPE_E_BAD_CHECKSUM);
  CHECK_EQ(err.code, SHYPE_E_BAD_CHECKSUM);
  CHECK_EQ(rep.decision, SHYPE_DENY);
  CHECK_EQ(shype_policy_info_get(m, &info), SHYPE_OK);
  CHECK_EQ(info.version_minor, 0); /* the old policy stays in force */
  CHECK_EQ(shype_policy_change(m, DOM0, v2.data, v2.size, SHYPE_CHANGE_APPLY, log_binding, &revoked, log_violation, &viol,
                               NULL, &err),
           SHYPE_E_INVALID_ARGUMENT);

  CHECK_EQ(shype_policy_change(m, SHYPE_HYPERVISOR, v2.data, v2.size, SHYPE_CHANGE_APPLY, log_binding, &revoked,
                               log_violation, &viol, &rep, &err),
           SHYPE_OK);
  CHECK_EQ(rep.decision, SHYPE_PERMIT);
  CHECK_EQ(rep.revoked, 3);
  CHECK_EQ(revoked.count, 3);
  CHECK(has_cookie(&revoked, 104) && has_cookie(&revoked, 201) && has_cookie(&revoked, 301));
  CHECK_EQ(rep.generation, 2);
  CHECK_EQ(viol.count, 0);
  CHECK_EQ(shype_binding_count(m), 1); /* the order VM's own disk 303 stays */
  CHECK_EQ(shype_policy_info_get(m, &info), SHYPE_OK);
  CHECK_EQ(info.version_minor, 1);
  CHECK_EQ(info.generation, 2);
  CHECK_EQ(shype_evtchn_bind(m, ORDER, DISK, 105, &br), SHYPE_OK); /* decided afresh under v2 */
  CHECK_EQ(br.verdict.decision, SHYPE_DENY);
  CHECK_EQ(br.verdict.cached, 0);
  CHECK_EQ(br.verdict.generation, 2);

  /* v3 would put the running order and OEM Alpha workloads on one side of a wall: refused. */
  revoked.count = 0;
  CHECK_EQ(shype_policy_change(m, DOM0, v3.data, v3.size, SHYPE_CHANGE_APPLY, log_binding, &revoked, log_violation, &viol,
                               &rep, &err),
           SHYPE_OK);
  CHECK_EQ(rep.decision, SHYPE_DENY);
  CHECK_EQ(rep.violations, 1);
  CHECK_EQ(viol.count, 1);
  CHECK_EQ(viol.v[0].kind, SHYPE_VIOLATION_CONFLICT);
  CHECK_EQ(viol.v[0].domain, ALPHA);
  CHECK_EQ(viol.v[0].other, ORDER);
  CHECK_EQ(viol.v[0].policy_index, SHYPE_POLICY_CHINESE_WALL);
  CHECK(strcmp(viol.label[0], "dom_Ads_Alpha") == 0);
  /* The labels in conflict, as the new policy names them (its bytes are still alive here). */
  CHECK(viol.v[0].new_label_len == 13 && memcmp(viol.v[0].new_label, "dom_Ads_Alpha", 13) == 0);
  CHECK(viol.v[0].other_label_len == 9 && memcmp(viol.v[0].other_label, "dom_Order", 9) == 0);
  CHECK_EQ(rep.generation, 2);

  /* v4 lacks a running domain's label: refused. */
  viol.count = 0;
  CHECK_EQ(shype_policy_change(m, DOM0, v4.data, v4.size, SHYPE_CHANGE_DRY_RUN, NULL, NULL, log_violation, &viol, &rep, &err),
           SHYPE_OK);
  CHECK_EQ(rep.decision, SHYPE_DENY);
  CHECK_EQ(viol.count, 1);
  CHECK_EQ(viol.v[0].kind, SHYPE_VIOLATION_LABEL_MISSING);
  CHECK_EQ(viol.v[0].domain, ALPHA);
  CHECK(strcmp(viol.label[0], "dom_Ads_Alpha") == 0);
  CHECK_EQ(shype_policy_info_get(m, &info), SHYPE_OK);
  CHECK_EQ(info.version_minor, 1);

  /* ----- relabel, save/restore, migrate, destroy with their closes ----- */
  const shype_label l_order_v2 = shype_find_vm_label(m, "dom_Order", 9);
  binding_log closed = {0};
  CHECK_EQ(shype_relabel(m, ORDER, DISK, l_order_v2, log_binding, &closed, &v), SHYPE_OK); /* not management */
  CHECK_EQ(v.decision, SHYPE_DENY);
  CHECK_EQ(shype_relabel(m, DOM0, ORDER2, shype_find_vm_label(m, "dom_Ads_Beta", 12), log_binding, &closed, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_DENY); /* OEM Beta cannot run beside OEM Alpha */
  CHECK_EQ(v.denied_by, SHYPE_POLICY_CHINESE_WALL);
  CHECK_EQ(shype_domain_save(m, ALPHA, log_binding, &closed), SHYPE_OK);
  CHECK_EQ(shype_domain_info_get(m, ALPHA, &di), SHYPE_OK);
  CHECK_EQ(di.state, SHYPE_DOMAIN_SAVED);
  CHECK_EQ(shype_domain_create(m, BETA, shype_find_vm_label(m, "dom_Ads_Beta", 12), &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_PERMIT); /* Alpha no longer runs */
  CHECK_EQ(shype_domain_restore(m, ALPHA, SHYPE_NO_LABEL, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_DENY); /* ... and cannot come back while Beta does */
  CHECK_EQ(shype_migrate_out(m, BETA, log_binding, &closed), SHYPE_OK);
  CHECK_EQ(shype_domain_restore(m, ALPHA, SHYPE_NO_LABEL, &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_PERMIT);
  CHECK_EQ(shype_migrate_in(m, BETA, shype_find_vm_label(m, "dom_Ads_Beta", 12), &v), SHYPE_OK);
  CHECK_EQ(v.decision, SHYPE_DENY);
  CHECK_EQ(shype_domain_destroy(m, ORDER, log_binding, &closed), SHYPE_OK);
  CHECK_EQ(closed.count, 1); /* the order VM's disk 303 */
  CHECK_EQ(closed.cookies[0], 303);
  CHECK_EQ(shype_domain_destroy(m, ORDER, NULL, NULL), SHYPE_E_UNKNOWN_DOMAIN);
  CHECK_EQ(shype_binding_count(m), 0);

  /* ----- statistics and the denial log ----- */
  shype_stats st;
  CHECK_EQ(shype_stats_get(m, &st), SHYPE_OK);
  CHECK(st.by_class[SHYPE_CLASS_DOMAIN].denials >= 3);
  CHECK(st.by_class[SHYPE_CLASS_EVTCHN].hits >= 1);
  CHECK_EQ(st.by_class[SHYPE_CLASS_EVTCHN].revocations, 1);
  CHECK_EQ(st.by_class[SHYPE_CLASS_GRANT].revocations, 1);
  CHECK_EQ(st.by_class[SHYPE_CLASS_RESOURCE].revocations, 1);
  CHECK(st.by_class[SHYPE_CLASS_QUERY].misses >= 3);
  CHECK(st.by_class[SHYPE_CLASS_MANAGEMENT].denials >= 2);
  CHECK(st.by_class[SHYPE_CLASS_EVTCHN].errors >= 2);
  CHECK(strcmp(shype_hook_class_name(SHYPE_CLASS_GRANT), "grant") == 0);
  denial_log dl = {0};
  const uint64_t total = shype_audit_total(m);
  const size_t kept = shype_audit_read(m, log_denial, &dl);
  CHECK(total >= 8);
  CHECK_EQ(kept, (size_t)dl.count);
  CHECK_EQ(kept, total < lim.audit_entries ? total : lim.audit_entries);
  CHECK(dl.saw_cw);
  const size_t n = shype_denial_format(&dl.last_cw, line, sizeof line);
  CHECK(n == strlen(line));
  CHECK(strstr(line, "avc: denied { create } for source=dom4 slabel=\"dom_Ads_Beta\" target=host policy=chinese_wall") == line);
  CHECK_EQ(shype_denial_format(&dl.last_cw, line, 10), 9); /* truncated, still terminated */
  CHECK_EQ(strlen(line), 9);
  /* A record the caller filled with line breaks in its labels still formats as one line: a log
   * reader splits at newlines, so a label must not forge a second record. */
  shype_denial forged = dl.last_cw;
  strcpy(forged.subject_label, "a\nb\rc\"d\x1b");
  strcpy(forged.object_label, "x\n");
  CHECK(shype_denial_format(&forged, line, sizeof line) == strlen(line));
  CHECK(strchr(line, '\n') == NULL && strchr(line, '\r') == NULL && strchr(line, '\x1b') == NULL);
  CHECK(strstr(line, "slabel=\"abc\\\"d\"") != NULL);
  CHECK(strcmp(shype_errc_name(SHYPE_E_UNKNOWN_DOMAIN), "unknown_domain") == 0);
  CHECK(strcmp(shype_errc_name(SHYPE_OK), "ok") == 0);

  /* ----- end of life: the storage holds no monitor any more ----- */
  shype_monitor_fini(m);
  CHECK_EQ(shype_domain_create(m, 9, 0, &v), SHYPE_E_INVALID_ARGUMENT);
  CHECK_EQ(shype_binding_count(m), 0);

  COUNT_END();
#ifdef SHYPE_C_TEST_COUNT_MALLOC
  CHECK_EQ(allocations, 0);
#endif
  free(broken);
  free(v1.data); /* the monitor that read them in place is gone */
  free(v2.data);
  free(v3.data);
  free(v4.data);
  if (checks < 150) {
    fprintf(stderr, "c_abi_test: only %d checks ran\n", checks);
    return 1;
  }
  printf("c_abi_test: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
