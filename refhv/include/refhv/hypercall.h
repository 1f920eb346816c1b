/* SPDX-License-Identifier: Apache-2.0 */
/*
 * refhv guest ABI, version 1.2.
 *
 * Everything a guest needs to talk to the reference hypervisor: the hypercall
 * numbers and calling convention, the fixed guest-physical memory layout, the
 * structures the hypervisor shares with a guest, and the error numbers.
 * C-compatible (C99 or C++), fixed-width integers only, no pointers in any
 * structure: every address the ABI carries is a guest-physical address (gpa).
 *
 * Calling convention (x86-64, guest in 64-bit long mode at CPL 0):
 *   VMMCALL with RAX = operation, arguments in RDI, RSI, RDX, R10, R8.
 *   Result in RAX: >= 0 on success, -REFHV_E* on failure. Every other
 *   register, RFLAGS included, is preserved. VMMCALL is 3 bytes long; the
 *   hypervisor resumes the guest after it.
 *
 * Compatibility: a change that keeps every existing number and layout bumps
 * the minor version; anything else bumps the major version. REFHV_HC_VERSION
 * returns (major << 16) | minor. Debug operations (REFHV_HC_DEBUG_*) are not part of
 * the stable ABI.
 *
 * 1.1: the shype ACM behind the policy interface. POLICY_LOAD/GET work (LOAD takes an
 * optional result record and flags); EVTCHN_ALLOC_UNBOUND is mediated; new operations
 * RESOURCE_TYPES, POLICY_AUDIT, POLICY_COUNTERS; ENOENT also means "no such label";
 * DEBUG_MAC_DENY is gone (tests change the policy instead).
 * 1.2: ATTEST_QUOTE (measured policies, TPM quote and event log); DEBUG_TPM_EXTEND.
 */
#ifndef REFHV_HYPERCALL_H
#define REFHV_HYPERCALL_H

#include <stdint.h>

#define REFHV_ABI_MAJOR 1u
#define REFHV_ABI_MINOR 2u
#define REFHV_ABI_VERSION ((REFHV_ABI_MAJOR << 16) | REFHV_ABI_MINOR)

/* ---- operations --------------------------------------------------------- */
/* Arguments are listed in register order (RDI, RSI, RDX, R10, R8). */
#define REFHV_HC_VERSION              0u  /* () -> ABI version */
#define REFHV_HC_CONSOLE_WRITE        1u  /* (gpa, len <= 4096) -> len */
#define REFHV_HC_SCHED_YIELD          2u  /* () -> 0 */
#define REFHV_HC_SCHED_BLOCK          3u  /* (timeout_ms, 0 = none) -> 0 event pending, 1 timed out */
#define REFHV_HC_SCHED_SHUTDOWN       4u  /* (code) -> does not return */
#define REFHV_HC_SET_VECTORS          5u  /* (upcall_vector, fault_vector); 0 disables, else 32..255 */
#define REFHV_HC_SYS_INFO             6u  /* (out gpa of refhv_sys_info) -> 0 */

/* Management operations ("management"): only dom0, and only while it holds the policy's
   management label (the ACM decides on every call); otherwise -REFHV_EPERM. */
#define REFHV_HC_DOMAIN_CREATE       16u  /* (gpa of refhv_domain_create) -> domid; management */
#define REFHV_HC_DOMAIN_DESTROY      17u  /* (domid) -> 0; management */
#define REFHV_HC_DOMAIN_SAVE         18u  /* (domid, buf gpa, buf size) -> bytes written; management */
#define REFHV_HC_DOMAIN_RESTORE      19u  /* (buf gpa, size) -> new domid; management */
#define REFHV_HC_DOMAIN_INFO         20u  /* (domid, out gpa of refhv_domain_info) -> 0; management or self */

#define REFHV_HC_EVTCHN_ALLOC_UNBOUND    32u  /* (remote domid) -> local port */
#define REFHV_HC_EVTCHN_BIND_INTERDOMAIN 33u  /* (remote domid, remote port) -> local port */
#define REFHV_HC_EVTCHN_SEND             34u  /* (port) -> 0 */
#define REFHV_HC_EVTCHN_CLOSE            35u  /* (port) -> 0 */
#define REFHV_HC_EVTCHN_STATUS           36u  /* (port, out gpa of refhv_evtchn_status) -> 0 */

#define REFHV_HC_GRANT_ACCESS        48u  /* (page gpa, grantee domid, flags) -> grant ref */
#define REFHV_HC_GRANT_REVOKE        49u  /* (grant ref) -> 0; unmaps it from the grantee if mapped */
#define REFHV_HC_GRANT_MAP           50u  /* (granter domid, grant ref, gpa in window, flags) -> 0 */
#define REFHV_HC_GRANT_UNMAP         51u  /* (gpa in window) -> 0 */

#define REFHV_HC_RESOURCE_REGISTER   64u  /* (gpa of refhv_resource_desc) -> resource id */
#define REFHV_HC_RESOURCE_OPEN       65u  /* (name gpa, name len) -> client port, connected to the server */
#define REFHV_HC_RESOURCE_ACCEPT     66u  /* (out gpa of refhv_resource_conn) -> 0, or -EAGAIN */
#define REFHV_HC_MAC_COALITION       67u  /* (domid, out gpa of uint64_t mask) -> 0; EACCES unless the caller
                                             is the management domain or serves domid (its client) */
#define REFHV_HC_RESOURCE_TYPES      68u  /* (resource id, out gpa of uint64_t mask) -> 0; the server only */

/* The policy interface: management (POLICY_LABEL of oneself: anyone). */
#define REFHV_HC_POLICY_LOAD         80u  /* (gpa, size, result gpa or 0, flags) -> bindings revoked */
#define REFHV_HC_POLICY_GET          81u  /* (out gpa, size) -> bytes */
#define REFHV_HC_POLICY_DECIDE       82u  /* (REFHV_MAC_OP_*, domid a, domid b) -> 0 deny, 1 permit */
#define REFHV_HC_POLICY_LABEL        83u  /* (domid, out gpa, size) -> length without NUL */
#define REFHV_HC_POLICY_STATS        84u  /* (out gpa of refhv_mac_stats) -> 0 */
#define REFHV_HC_POLICY_DENIALS      85u  /* (out gpa of refhv_mac_denial[], max entries) -> entries */
#define REFHV_HC_POLICY_AUDIT        86u  /* (out gpa, size) -> bytes of AVC lines, oldest first */
#define REFHV_HC_POLICY_COUNTERS     87u  /* (out gpa of refhv_mac_counters) -> 0 */
#define REFHV_HC_ATTEST_QUOTE        88u  /* (gpa of refhv_attest_request, out gpa, out size) -> bytes of a
                                             refhv_attestation; management; ENOENT without a TPM,
                                             EBUSY if a measurement failed (nothing can be attested) */

/* Debug operations, built in when the hypervisor is configured with REFHV_DEBUG_HYPERCALLS. */
#define REFHV_HC_DEBUG_CRASH         97u  /* () -> does not return: the hypervisor executes UD2 (tests
                                             the host exception dump); privileged */
#define REFHV_HC_DEBUG_TPM_EXTEND    98u  /* (gpa of 32 bytes) -> 0: extends the attestation PCR with them,
                                             unlogged (tests a PCR changed behind refhv's back); privileged */

/* ---- errors (returned negated) ----------------------------------------- */
#define REFHV_EPERM     1   /* caller lacks the privilege (not dom0 with the management label, not the owner) */
#define REFHV_ENOENT    2   /* no such port, grant, resource, mapping or label */
#define REFHV_ESRCH     3   /* no such (live) domain */
#define REFHV_E2BIG     7   /* length above the operation's limit */
#define REFHV_ENOEXEC   8   /* not a refhv guest image */
#define REFHV_EAGAIN   11   /* nothing to do yet */
#define REFHV_ENOMEM   12   /* out of hypervisor memory */
#define REFHV_EACCES   13   /* denied by the MAC policy */
#define REFHV_EFAULT   14   /* a gpa range is not entirely the caller's own memory */
#define REFHV_EBUSY    16   /* slot in use; a policy the running domains contradict */
#define REFHV_EEXIST   17   /* name already registered */
#define REFHV_EINVAL   22   /* malformed argument (range, alignment, state) */
#define REFHV_ENOSPC   28   /* a fixed-size table is full */
#define REFHV_ERANGE   34   /* output buffer too small */
#define REFHV_ENOSYS   38   /* unknown operation, or not implemented yet */
#define REFHV_ENOTCONN 107  /* event channel not connected */

/* ---- guest-physical memory layout -------------------------------------- */
/* gpa 0 is never mapped, so a NULL dereference is a nested page fault. */
#define REFHV_START_INFO_GPA     0x1000ull   /* struct refhv_start_info */
#define REFHV_SHARED_INFO_GPA    0x2000ull   /* struct refhv_shared_info */
#define REFHV_GUEST_PT_GPA       0x3000ull   /* 4 pages: initial page tables, identity map of 0..2 GiB */
#define REFHV_GUEST_LOW_FREE_GPA 0x7000ull   /* first page the guest may use freely */
#define REFHV_GUEST_LOAD_GPA     0x100000ull /* the image is loaded here; entry from its header */
#define REFHV_GRANT_WINDOW_GPA   0x40000000ull /* grant mappings go here */
#define REFHV_GRANT_WINDOW_PAGES 64u
#define REFHV_PAGE_SIZE          4096ull

/* Initial vCPU state: 64-bit long mode, CPL 0, paging with the tables above, RFLAGS.IF = 0,
 * CS = 0x08, SS/DS/ES = 0x10 (the guest must load its own GDT and IDT before enabling
 * interrupts), RSP = top of guest memory, RDI = REFHV_START_INFO_GPA, RIP = header entry. */

/* ---- guest image ------------------------------------------------------- */
#define REFHV_IMAGE_MAGIC 0x47564852u /* "RHVG" */
struct refhv_image_header {          /* first bytes of a flat guest image */
    uint32_t magic;
    uint32_t abi_version;
    uint64_t entry;                   /* gpa, inside the image */
    uint64_t load_gpa;                /* must be REFHV_GUEST_LOAD_GPA */
    uint64_t file_size;               /* bytes to copy */
    uint64_t mem_size;                /* bytes occupied once loaded (file + bss) */
};

/* ---- start info (read by the guest at boot) ---------------------------- */
#define REFHV_START_MAGIC 0x54534852u /* "RHST" */
#define REFHV_SIF_PRIVILEGED 1u      /* this is dom0 */
#define REFHV_MAX_MODULES 8u
struct refhv_module {
    uint64_t gpa;
    uint64_t size;
    char cmdline[64];                 /* file name (host directories removed) and arguments */
};
struct refhv_start_info {
    uint32_t magic;
    uint32_t abi_version;
    uint32_t domid;
    uint32_t flags;                   /* REFHV_SIF_* */
    uint64_t mem_bytes;               /* guest memory is gpa [0x1000, mem_bytes) */
    uint64_t free_gpa_start;          /* first byte after image and modules, page aligned */
    uint64_t free_gpa_end;            /* below the initial stack */
    uint32_t generation;              /* times this domain was restored */
    uint32_t nr_modules;              /* dom0: boot modules copied into its memory */
    char label[32];                   /* the label name the domain was created with */
    char cmdline[128];
    struct refhv_module modules[REFHV_MAX_MODULES];
};

/* ---- shared info (hypervisor writes, guest reads and acknowledges) ----- */
/* Port 0 is reserved for notifications from the hypervisor (VIRQs). */
#define REFHV_VIRQ_GRANT_REVOKED    1u  /* one of my grant mappings was revoked: see last_revocation */
#define REFHV_VIRQ_RESOURCE_CONNECT 2u  /* a client opened one of my resources: RESOURCE_ACCEPT */
#define REFHV_VIRQ_DOMAIN_EXIT      4u  /* (dom0) a domain shut down or was killed */
#define REFHV_VIRQ_EVTCHN_REVOKED   8u  /* one of my event channels was revoked by the policy */

#define REFHV_FAULT_UNMAPPED  1u      /* access to a window page with no mapping */
#define REFHV_FAULT_READ_ONLY 2u      /* write to a read-only grant mapping */
#define REFHV_FAULT_REVOKED   3u      /* access to a mapping revoked by the granter or the policy */

#define REFHV_REVOKED_BY_GRANTER 1u
#define REFHV_REVOKED_BY_POLICY  2u
#define REFHV_REVOKED_GRANTER_GONE 3u

struct refhv_fault_record {          /* a grant-window fault delivered on the fault vector */
    uint64_t gpa;
    uint64_t rip;
    uint32_t reason;                  /* REFHV_FAULT_* */
    uint32_t write;                   /* 1 if the access was a write */
    uint64_t count;                   /* incremented on every fault */
};
struct refhv_revocation_record {     /* the last mapping revoked under me */
    uint64_t gpa;
    uint32_t granter;
    uint32_t reason;                  /* REFHV_REVOKED_* */
    uint64_t count;
};
struct refhv_shared_info {
    uint64_t evtchn_pending;          /* bit n: port n has an event; guest clears it */
    uint64_t evtchn_mask;             /* bit n: do not raise the upcall for port n */
    uint8_t  upcall_pending;          /* set by the hypervisor; guest clears it first thing */
    uint8_t  pad0[7];
    uint64_t virq_pending;            /* REFHV_VIRQ_* bits; guest clears them */
    uint64_t time_ms;                 /* hypervisor time, updated at every entry */
    struct refhv_fault_record fault;
    struct refhv_revocation_record revocation;
};

/* ---- domain management -------------------------------------------------- */
#define REFHV_LABEL_MAX 32u           /* including the NUL */
#define REFHV_CMDLINE_MAX 128u
#define REFHV_DOMAIN_MIN_MEM (2ull << 20)
#define REFHV_DOMAIN_MAX_MEM (32ull << 20)
#define REFHV_IMAGE_MAX (4ull << 20)

struct refhv_domain_create {
    uint64_t image_gpa;               /* in the caller's memory */
    uint64_t image_size;
    uint64_t mem_bytes;               /* page multiple in [MIN_MEM, MAX_MEM] */
    uint32_t flags;                   /* must be 0 */
    uint32_t reserved;                /* must be 0 */
    char label[REFHV_LABEL_MAX];      /* NUL-terminated label name, handed to the MAC layer */
    char cmdline[REFHV_CMDLINE_MAX];  /* NUL-terminated, copied to the new start info */
};

#define REFHV_DOM_RUNNING  1u          /* runnable or blocked */
#define REFHV_DOM_SHUTDOWN 2u          /* called SCHED_SHUTDOWN; destroy to free the slot */
#define REFHV_DOM_KILLED   3u          /* killed by the hypervisor; see exit_reason */

#define REFHV_EXIT_NONE          0u
#define REFHV_EXIT_SHUTDOWN      1u
#define REFHV_EXIT_NPF           2u    /* nested page fault outside its memory */
#define REFHV_EXIT_TRIPLE_FAULT  3u
#define REFHV_EXIT_VMRUN_FAILED  4u    /* its saved state was refused by VMRUN */
#define REFHV_EXIT_UNHANDLED     5u    /* a VM exit the hypervisor does not handle */
#define REFHV_EXIT_DESTROYED     6u

struct refhv_domain_info {
    uint32_t domid;
    uint32_t state;                   /* REFHV_DOM_* */
    uint32_t exit_reason;             /* REFHV_EXIT_* */
    int32_t  exit_code;               /* SCHED_SHUTDOWN code */
    uint64_t fault_gpa;               /* REFHV_EXIT_NPF: the faulting gpa */
    uint64_t fault_rip;
    uint64_t mem_bytes;
    uint32_t generation;
    uint32_t reserved;
    char label[REFHV_LABEL_MAX];
};

struct refhv_sys_info {
    uint64_t free_pages;              /* hypervisor page allocator */
    uint64_t total_pages;
    uint64_t time_ms;
    uint32_t nr_domains;              /* slots in use, dead ones included */
    uint32_t max_domains;
};

/* ---- save / restore stream (produced by DOMAIN_SAVE, consumed by DOMAIN_RESTORE) ---- */
#define REFHV_SAVE_MAGIC 0x56534852u  /* "RHSV" */
#define REFHV_SAVE_VERSION 1u
struct refhv_segment {
    uint16_t selector;
    uint16_t attrib;                  /* VMCB attribute format */
    uint32_t limit;
    uint64_t base;
};
struct refhv_vcpu_state {
    uint64_t gpr[16];                 /* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4, efer;
    struct refhv_segment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t g_pat;
    uint32_t upcall_vector, fault_vector;
    uint64_t pending_event;           /* EVENTINJ format: an event interrupted by the save */
    uint8_t  fxsave[512];
};
struct refhv_save_header {            /* followed by mem_bytes / 4096 pages, page 0 included (zero) */
    uint32_t magic;
    uint32_t version;
    uint64_t header_size;             /* sizeof(struct refhv_save_header) */
    uint64_t mem_bytes;
    uint32_t generation;
    uint32_t reserved;
    char label[REFHV_LABEL_MAX];
    char cmdline[REFHV_CMDLINE_MAX];
    struct refhv_vcpu_state vcpu;
};

/* ---- event channels ------------------------------------------------------ */
#define REFHV_EVTCHN_PORTS 64u
#define REFHV_EVTCHN_FREE        0u
#define REFHV_EVTCHN_RESERVED    1u   /* port 0 */
#define REFHV_EVTCHN_UNBOUND     2u
#define REFHV_EVTCHN_INTERDOMAIN 3u
#define REFHV_EVTCHN_REVOKED     4u   /* the policy revoked it; send fails with EACCES; close it */
struct refhv_evtchn_status {
    uint32_t state;
    uint32_t remote_domid;
    uint32_t remote_port;
    uint32_t reserved;
};

/* ---- grant tables -------------------------------------------------------- */
#define REFHV_GRANT_REFS 32u          /* per granter */
#define REFHV_GRANT_READONLY 1u       /* flag for GRANT_ACCESS and GRANT_MAP */

/* ---- labelled resources (MAC domains) ---------------------------------- */
#define REFHV_RESOURCE_NAME_MAX 32u
struct refhv_resource_desc {
    char name[REFHV_RESOURCE_NAME_MAX];  /* unique per label, NUL-terminated */
    char label[REFHV_LABEL_MAX];         /* the resource's label, e.g. its TE type */
};
struct refhv_resource_conn {
    uint32_t resource_id;
    uint32_t client_domid;
    uint32_t server_port;               /* my end of the connected channel */
    uint32_t reserved;
};

/* ---- policy interface ---------------------------------------------------- */
#define REFHV_MAC_OP_EVTCHN   1u
#define REFHV_MAC_OP_GRANT_RO 2u
#define REFHV_MAC_OP_GRANT_RW 3u
struct refhv_mac_stats {                /* calls at the hypervisor's hooks */
    uint64_t permits;
    uint64_t denials;
    uint64_t hook_calls[16];            /* indexed by the hook number of struct refhv_mac_denial;
                                           [12]: management decisions (one per management call) */
    uint64_t revocations;
};
struct refhv_mac_denial {
    uint32_t hook;                      /* 1 domain_create, 2 evtchn_bind, 3 grant_map, 4 resource_access,
                                           5 resource_register, 6 domain_save, 7 domain_restore, 9 policy,
                                           10 domain_destroy, 11 evtchn_unbound; a refused management
                                           call is logged under the call (1, 10, 6, 7; 9 for the rest) */
    uint32_t subject;                   /* domid */
    uint32_t object;                    /* domid, resource label index, or 0xFFFF (host, policy) */
    uint32_t reserved;
};

/* POLICY_LOAD flags and result. */
#define REFHV_POLICY_DRY_RUN 1u         /* check and count what would be revoked; change nothing */
struct refhv_policy_result {
    int32_t  error;                     /* what the call returned: >= 0 revoked, or -REFHV_E* */
    uint32_t code;                      /* why a binary was refused: shype::errc (0 = accepted) */
    uint32_t section;                   /* shype::policy_section of the defect */
    uint32_t index;                     /* element of that section, 0xFFFFFFFF if none */
    uint32_t other;                     /* a second element involved, 0xFFFFFFFF if none */
    uint32_t violations;                /* running domains the new policy cannot label or place */
    uint32_t revoked;                   /* bindings revoked (dry run: that would be) */
    uint32_t generation;                /* policy generation in force after the call */
    uint64_t offset;                    /* byte offset of the defect in the binary */
    char     message[128];              /* one line saying what and where */
};

/* POLICY_COUNTERS: the ACM's counters per hook class. */
#define REFHV_MAC_CLASS_DOMAIN     0u
#define REFHV_MAC_CLASS_EVTCHN     1u
#define REFHV_MAC_CLASS_GRANT      2u
#define REFHV_MAC_CLASS_RESOURCE   3u
#define REFHV_MAC_CLASS_QUERY      4u
#define REFHV_MAC_CLASS_MANAGEMENT 5u
#define REFHV_MAC_CLASSES          6u
struct refhv_mac_class_counters {
    uint64_t hits;                      /* decisions answered from the cache */
    uint64_t misses;                    /* decisions evaluated */
    uint64_t denials;
    uint64_t errors;                    /* requests that could not be evaluated */
    uint64_t revocations;
};
struct refhv_mac_counters {
    uint32_t generation;                /* policy generation in force */
    uint32_t bindings;                  /* live channels, mappings and resource attachments */
    uint64_t denials_logged;            /* denials ever logged (the log keeps the last ones) */
    struct refhv_mac_class_counters by_class[REFHV_MAC_CLASSES];
};

/* ---- attestation (ATTEST_QUOTE) --------------------------------------------
 * Every policy put in force (the boot policy, every applied POLICY_LOAD) is measured: the TPM
 * hashes the binary (SHA-256), refhv appends one event to its log and extends REFHV_ATTEST_PCR
 * with that digest and then with the SHA-256 of the 128-byte event record (so a replay covers
 * the record's name, version, generation and time as well). A quote is the TPM's signature, by the attestation key refhv creates at
 * boot, over that PCR with the verifier's nonce as qualifying data. All integers little-endian
 * (the TPM structures inside are the TPM's own, big-endian). */
#define REFHV_ATTEST_PCR          12u    /* static-OS PCR: not resettable, not used by firmware */
#define REFHV_ATTEST_MAX_EVENTS   64u    /* policies measured per boot; a change beyond is refused (ENOSPC) */
#define REFHV_ATTEST_NONCE_MAX    32u
#define REFHV_ATTEST_BLOB_MAX     1024u  /* each of quote, signature, AK public part */
#define REFHV_ATTEST_MAGIC        0x31415452u  /* "RTA1" */
#define REFHV_ATTEST_EV_POLICY    0x504F4C31u  /* "1LOP": a policy put in force */
#define REFHV_ATTEST_NAME_MAX     64u

struct refhv_attest_request {
    uint8_t nonce[REFHV_ATTEST_NONCE_MAX];
    uint32_t nonce_size;                 /* 1..REFHV_ATTEST_NONCE_MAX */
    uint32_t reserved;                   /* 0 */
};

/* One measurement (TCG-style event record): what was extended into which PCR, and about what. */
struct refhv_attest_event {
    uint32_t pcr;                        /* REFHV_ATTEST_PCR */
    uint32_t type;                       /* REFHV_ATTEST_EV_POLICY */
    uint8_t digest[32];                  /* SHA-256 of the binary policy, as extended */
    uint32_t generation;                 /* policy generation it started (1 = boot policy) */
    uint32_t version_major, version_minor;
    uint32_t reserved;
    uint64_t time_ms;                    /* hypervisor time when it was put in force */
    char name[REFHV_ATTEST_NAME_MAX];    /* policy name, NUL-padded (cut at 63 bytes) */
};

/* ATTEST_QUOTE's answer: this header, then quote_size bytes of TPMS_ATTEST, signature_size
 * bytes of TPMT_SIGNATURE, ak_public_size bytes of TPMT_PUBLIC, then `events` records. */
struct refhv_attestation {
    uint32_t magic;                      /* REFHV_ATTEST_MAGIC */
    uint32_t pcr;                        /* REFHV_ATTEST_PCR */
    uint32_t quote_size, signature_size, ak_public_size;
    uint32_t events;
    uint8_t pcr_value[32];               /* PCR_Read right after the quote (unsigned, for the eye only) */
};
#define REFHV_ATTEST_MAX_BYTES (sizeof(struct refhv_attestation) + 3u * REFHV_ATTEST_BLOB_MAX + \
                                REFHV_ATTEST_MAX_EVENTS * sizeof(struct refhv_attest_event))

/* ---- debug exit codes (isa-debug-exit, port 0xf4; QEMU status = code * 2 + 1) --- */
#define REFHV_QEMU_EXIT_SUCCESS 0x10u  /* dom0 shut down with code 0: status 33 */
#define REFHV_QEMU_EXIT_FAILURE 0x11u  /* dom0 failed or was killed: status 35 */
#define REFHV_QEMU_EXIT_PANIC   0x12u  /* hypervisor exception or invariant broken: status 37 */
#define REFHV_QEMU_EXIT_NO_SVM  0x13u  /* CPU lacks SVM or NPT: status 39 */

/* ---- the call itself ---------------------------------------------------- */
#if defined(__GNUC__) && defined(__x86_64__)
static inline int64_t refhv_hypercall(uint64_t op, uint64_t a1, uint64_t a2, uint64_t a3,
                                      uint64_t a4, uint64_t a5)
{
    int64_t ret;
    register uint64_t r10 __asm__("r10") = a4;
    register uint64_t r8 __asm__("r8") = a5;
    __asm__ volatile("vmmcall"
                     : "=a"(ret)
                     : "a"(op), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                     : "memory");
    return ret;
}
#endif

#endif /* REFHV_HYPERCALL_H */
