/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shype_xen.h — the boundary between the shype XSM module's C layer (shype_xsm.c, which knows
 * Xen) and its C++ unit (shype_monitor.cpp, which holds the library's monitor and knows nothing
 * of Xen). Plain C types only: in Xen this is included after <xen/types.h>.
 *
 * Every decision returns a shype_xen_rc: SHYPE_XEN_PERMIT, SHYPE_XEN_DENY (the policy said no),
 * or SHYPE_XEN_ERROR (the request could not be evaluated: no policy, unknown domain, full
 * table...). The C layer refuses both of the latter (fail closed).
 */
#ifndef SHYPE_XEN_H
#define SHYPE_XEN_H

#ifdef __cplusplus
extern "C" {
#endif

enum shype_xen_rc { SHYPE_XEN_PERMIT = 0, SHYPE_XEN_DENY = 1, SHYPE_XEN_ERROR = 2 };

/* Largest binary policy the module accepts (it keeps its own copy: boot modules are unmapped
 * after xsm_init). Documented in adapters/xen/README.md. */
#define SHYPE_XEN_MAX_POLICY_BYTES (64u * 1024u)
/* Domain ids the monitor tracks: 0 .. SHYPE_XEN_MAX_DOMAINS-1, all of Xen's guest ids (below
 * DOMID_FIRST_RESERVED): Xen hands out ids round-robin, so a smaller table would refuse guests
 * on a host that has merely created many. Costs about 1.4 MB of the monitor's data. */
#define SHYPE_XEN_MAX_DOMAINS 0x7FF0u
/* An ssidref that carries a shype label: SHYPE_XEN_SSIDREF_TAG | label id. */
#define SHYPE_XEN_SSIDREF_TAG 0x53480000u
#define SHYPE_XEN_SSIDREF_MASK 0xFFFF0000u

/* ---- provided by the C++ unit -------------------------------------------------------------- */
/* Validates and installs the boot policy (copied). 0 on success; else logs why and returns -1. */
int shype_xen_load_initial(const void *bytes, unsigned long size);
int shype_xen_policy_loaded(void);
/* The policy's bootstrap (management) label id, or 0xFFFF. */
unsigned int shype_xen_bootstrap_label(void);
/* Number of VM labels of the policy in force (valid ids are below it). */
unsigned int shype_xen_label_count(void);
/* The id of the VM label named name[0..len), or 0xFFFF (unknown label, no policy). */
unsigned int shype_xen_label_by_name(const char *name, unsigned long len);
/* The label id domain d runs under, or 0xFFFF (no such domain, no policy). */
unsigned int shype_xen_domain_label(unsigned int d);
/* Writes the name of VM label `label` of the policy in force, NUL-terminated, to out[0..size):
 * its length without the NUL, or -1 (no such label, no policy) or -2 (out too small). */
int shype_xen_label_name(unsigned int label, char *out, unsigned long size);
/* Is domain d running under the policy's bootstrap (management) label? */
int shype_xen_is_management(unsigned int d);
/* Live bindings (interdomain event channels, grant mappings) the monitor tracks. */
unsigned long shype_xen_binding_count(void);

/* Chinese Wall (and every placement policy of the stack): start domain `d` with `label`. */
int shype_xen_domain_create(unsigned int d, unsigned int label);
/* Frees the domain's slot and closes its bindings. */
void shype_xen_domain_destroy(unsigned int d);

/* Type Enforcement on sharing. */
int shype_xen_evtchn_unbound(unsigned int d, unsigned int remote);
/* Interdomain bind of `d`'s channel `chn` (an opaque, unique key: the channel's address); on a
 * permit the binding is registered until shype_xen_evtchn_close(chn) or d's destruction. */
int shype_xen_evtchn_bind(unsigned int d, unsigned int remote, unsigned long chn);
void shype_xen_evtchn_close(unsigned long chn);
int shype_xen_grant_map(unsigned int granter, unsigned int mapper, int readonly);
void shype_xen_grant_unmap(unsigned int granter, unsigned int mapper);
int shype_xen_grant_copy(unsigned int from, unsigned int to);

/* Resources (Type Enforcement on resource labels): the id of the resource label named
 * name[0..len) in the policy in force, or 0xFFFF; may running domain d use resource r? */
unsigned int shype_xen_resource_by_name(const char *name, unsigned long len);
int shype_xen_resource_access(unsigned int d, unsigned int r);

/* The resource map (README, "The resource map"): a boot module of text beginning "SHYPERES\n",
 * one resource a line naming a resource label of the policy:
 *     ioport FIRST[-LAST] LABEL       I/O ports, hexadecimal (0x optional), <= ffff (as xl's ioports=)
 *     iomem FIRST[-LAST] LABEL        machine frame numbers, hexadecimal, <= ffffffffff (as xl's iomem=)
 *     irq FIRST[-LAST] LABEL          IRQs, decimal, <= 65535 (as xl's irqs=)
 *     pci [SEG:]BUS:DEV.FN LABEL      a PCI device, hexadecimal (as xl's pci=)
 * Ranges of one kind may not overlap. Limits below; a map that breaks a rule is refused whole. */
#define SHYPE_XEN_MAX_RESMAP_BYTES 4096u
#define SHYPE_XEN_MAX_RESOURCES 64u
#define SHYPE_XEN_MAX_RESLABEL 64u /* label names up to 63 bytes */
enum shype_xen_res_kind {
  SHYPE_XEN_RES_IOPORT = 0,
  SHYPE_XEN_RES_IOMEM = 1,
  SHYPE_XEN_RES_IRQ = 2,
  SHYPE_XEN_RES_PCI = 3 /* first == last == the device's sbdf: seg << 16 | bus << 8 | dev << 3 | fn */
};
/* Parses the map text[0..size) and replaces the one in force (loaded once, at boot, before any
 * guest). 0 and a console line counting each kind; -1 and a console line naming the first bad
 * line and why, the map then empty (every request below refused: fail closed). */
int shype_xen_load_resmap(const char *text, unsigned long size);
/* One console line per map entry whose resource label the policy in force lacks (requests for
 * it are refused); the number of such entries. Called at boot once both are loaded, and after
 * every applied policy change. */
unsigned int shype_xen_check_resmap(void);
/* May running domain d be given [first, last] of `kind`? The whole range must lie in one entry
 * of the map and d's label may use its resource label (the library's Type Enforcement). With
 * `attach`, a permit is registered as a binding of d to that entry (one per domain and entry),
 * so a live policy change that no longer permits it hands it to shype_xen_revoked_resource.
 * Every refusal prints a console line naming the range and the resource label. */
int shype_xen_resource_request(unsigned int d, unsigned int kind, uint64_t first, uint64_t last, int attach);

/* Prints the statistics (and denials not yet printed) on Xen's console. */
void shype_xen_print_stats(void);

/* Live policy change requested by domain `subject` (the library authorises it: management
 * label only) with the binary bytes[0..size) (copied). Returns 0 when applied, -1 when the
 * subject may not change the policy, -2 when the policy is malformed or refused (its
 * violations logged), -3 when it exceeds SHYPE_XEN_MAX_POLICY_BYTES. On a refusal the policy
 * in force stays. After an applied change every revoked binding is handed to the C layer
 * (shype_xen_close_revoked_evtchn, shype_xen_revoked_grant, shype_xen_revoked_resource),
 * outside the monitor's locks. */
int shype_xen_change_policy(unsigned int subject, const void *bytes, unsigned long size);

/* The module's own xsm_op sub-operations, in FLASK's op header (cmd, interface_version 1),
 * numbered apart from FLASK's: */
#define SHYPE_XEN_OP_STATS 0x5348u    /* print the statistics on Xen's console (management label) */
#define SHYPE_XEN_OP_LOAD 0x5349u     /* live policy change: FLASK_LOAD's layout {buffer, size} */
#define SHYPE_XEN_OP_GETSTATS 0x534Au /* copy struct shype_xen_stats to {buffer, size} (management label) */

/* What SHYPE_XEN_OP_GETSTATS copies out (fixed layout: the dom0 tool reads it). */
#define SHYPE_XEN_STATS_CLASSES 6 /* domain, evtchn, grant, resource, query, management */
struct shype_xen_counters {
  uint64_t hits, misses, denials, errors, revocations;
};
struct shype_xen_stats {
  uint64_t generation; /* of the policy in force (1 after boot, +1 per applied change) */
  uint64_t bindings;   /* live bindings the monitor tracks */
  uint32_t loaded;     /* 1 if a policy is in force */
  uint32_t vm_labels;
  char policy[64];     /* its name, NUL-terminated (truncated) */
  struct shype_xen_counters by_class[SHYPE_XEN_STATS_CLASSES];
};
void shype_xen_get_stats(struct shype_xen_stats *out);

/* ---- provided by the C layer (Xen's console) ----------------------------------------------- */
/* One line, without its newline. `guest` selects Xen's rate-limited guest log level. */
void shype_xen_log(const char *line, int guest);
/* A policy change revoked domain d's interdomain event channel registered under `chn` (its
 * address, as shype_xen_evtchn_bind got it) to `remote`: close it. */
void shype_xen_close_revoked_evtchn(unsigned int d, unsigned int remote, unsigned long chn);
/* A policy change revoked `mapper`'s mapping of a page `granter` granted. */
void shype_xen_revoked_grant(unsigned int granter, unsigned int mapper, int readonly);
/* A policy change revoked domain d's use of the resource map's entry [first, last] of `kind`
 * under resource label `label` (NUL-terminated): take the access away where Xen can. */
void shype_xen_revoked_resource(unsigned int d, unsigned int kind, uint64_t first, uint64_t last, const char *label);

#ifdef __cplusplus
}
#endif

#endif /* SHYPE_XEN_H */
