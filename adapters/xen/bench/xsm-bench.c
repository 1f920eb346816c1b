/* SPDX-License-Identifier: Apache-2.0 */
/* /init of the XSM benchmark's dom0 (adapters/xen/bench/run.sh): times round trips through
 * Xen's XSM hooks from dom0 with raw hypercalls through /dev/xen/privcmd, whatever module Xen
 * booted with (xsm=dummy|flask|shype). A benchmark, not a test: it checks that every operation
 * succeeds (or, for the denied row, fails with EPERM) and prints the time of each batch; run.sh
 * computes the statistics. Parameters come from the kernel command line (init's environment):
 *   xsmbench_x=SSIDREF     label of the peer domain X (shype: a label sharing a type with dom0's;
 *                          FLASK: 12, domU_t; dummy: ignored)
 *   xsmbench_y=SSIDREF     optional: a domain Y for the denied row (shype: sharing no type with X)
 *   xsmbench_batches=N, xsmbench_ops=M   N timed batches of M round trips per operation
 *   xsmbench_stats=1       ask the shype module to print its statistics at the end
 * Setup (not timed), as the toolstack does it: create X (an empty PV domain), give it one page
 * (XENMEM_populate_physmap returns its MFN: X is PV), map X's grant table frame into dom0
 * (GNTTABOP_setup_table for X, then IOCTL_PRIVCMD_MMAPBATCH_V2) and write a v1 grant entry giving
 * dom0 access to that page; allocate a port in X for dom0 (left unbound).
 * Operations, interleaved batch by batch (so a change of the machine's load hits all alike):
 *   floor       two XENVER_version hypercalls (no XSM decision between domains: the cost of two
 *               privcmd round trips, the floor under the rows below)
 *   unbound     EVTCHNOP_alloc_unbound (dom0, remote X) + EVTCHNOP_close   (hook evtchn_unbound)
 *   interdomain EVTCHNOP_bind_interdomain (X's port) + EVTCHNOP_close      (evtchn_interdomain,
 *               evtchn_close_post; closing puts X's port back to unbound)
 *   grant       GNTTABOP_map_grant_ref (X's page, GNTMAP_device_map: no PTE) + unmap_grant_ref
 *               (grant_mapref, grant_unmapref)
 *   denied      EVTCHNOP_alloc_unbound (X, remote Y), refused with EPERM (with Y only)
 * Output, after all timing (console output under emulation is slow): one line per batch,
 *   "xsm-bench: batch OP I OPS WALL MEDIAN MIN" (ns: the batch's wall time, CLOCK_MONOTONIC; the
 *   median and the fastest of its round trips, each timed with rdtsc, converted at the TSC rate
 *   measured against CLOCK_MONOTONIC over all batches), then
 *   "xsm-bench: done" or "xsm-bench: FAIL ..." lines. Then powers off. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define __XEN_TOOLS__ 1
#include <public/xen.h>
#include <public/domctl.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/version.h>

struct privcmd_hypercall {
  uint64_t op;
  uint64_t arg[5];
};
struct privcmd_mmapbatch_v2 {
  unsigned int num;
  domid_t dom;
  uint64_t addr;
  const uint64_t *arr;
  int *err;
};
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define IOCTL_PRIVCMD_MMAPBATCH_V2 _IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))
#define HYPERVISOR_xsm_op 27
#define GRANT_REF 8 /* refs 0-7 are the toolstack's by convention */

/* Limits of the parameters (each batch's time is kept in a static array). */
enum { MAX_BATCHES = 200, MAX_OPS = 1000000, N_OPS = 5 };
static const char *const op_names[N_OPS] = {"floor", "unbound", "interdomain", "grant", "denied"};

static int g_fd = -1;
static int g_failed;

static void say(const char *s) { (void)!write(1, s, strlen(s)); }

static void fail(const char *what, long value)
{
  char line[200];
  snprintf(line, sizeof line, "xsm-bench: FAIL %s (%ld, errno %s)\n", what, value, strerrorname_np(errno) ?: "0");
  say(line);
  g_failed = 1;
}

static long hypercall(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
  struct privcmd_hypercall call = {.op = op, .arg = {a0, a1, a2, 0, 0}};
  return ioctl(g_fd, IOCTL_PRIVCMD_HYPERCALL, &call);
}

/* Hypercall arguments live in static, page-aligned, already touched memory: Xen copies them from
 * dom0's user space and a page not yet faulted in would be EFAULT. */
static struct xen_domctl g_domctl __attribute__((aligned(4096)));
static union {
  struct evtchn_alloc_unbound alloc;
  struct evtchn_bind_interdomain bind;
  struct evtchn_close close;
  struct gnttab_map_grant_ref map;
  struct gnttab_unmap_grant_ref unmap;
  struct gnttab_setup_table setup;
  struct xen_memory_reservation res;
  unsigned char page[4096];
} g_op __attribute__((aligned(4096)));
static uint64_t g_pfns[2] __attribute__((aligned(64)));

static int create_domain(uint32_t ssidref)
{
  memset(&g_domctl, 0, sizeof g_domctl);
  g_domctl.cmd = XEN_DOMCTL_createdomain;
  g_domctl.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
  /* An empty PV domain as the toolstack creates it; one grant frame for the benchmark's entry. */
  g_domctl.u.createdomain = (struct xen_domctl_createdomain){.ssidref = ssidref, .max_vcpus = 1,
    .max_evtchn_port = 1023, .max_grant_frames = 1, .max_maptrack_frames = 1, .grant_opts = XEN_DOMCTL_GRANT_version(1)};
  if (hypercall(__HYPERVISOR_domctl, (uintptr_t)&g_domctl, 0, 0) < 0) return -errno;
  return g_domctl.domain;
}

/* Gives domain DOM one page; returns its MFN (DOM is PV: Xen returns machine frames) or 0. */
static uint64_t give_page(int dom)
{
  memset(&g_domctl, 0, sizeof g_domctl);
  g_domctl.cmd = XEN_DOMCTL_max_mem;
  g_domctl.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
  g_domctl.domain = (domid_t)dom;
  g_domctl.u.max_mem.max_memkb = 1024;
  if (hypercall(__HYPERVISOR_domctl, (uintptr_t)&g_domctl, 0, 0) < 0) return fail("max_mem for X", -errno), 0;
  memset(&g_op, 0, sizeof g_op);
  g_pfns[0] = 0; /* the page's pseudo-physical frame in X */
  set_xen_guest_handle(g_op.res.extent_start, (xen_pfn_t *)g_pfns);
  g_op.res.nr_extents = 1;
  g_op.res.domid = (domid_t)dom;
  long rc = hypercall(__HYPERVISOR_memory_op, XENMEM_populate_physmap, (uintptr_t)&g_op.res, 0);
  if (rc != 1) return fail("populate_physmap for X", rc), 0;
  return g_pfns[0];
}

/* Maps X's (only) grant table frame into dom0 and writes entry GRANT_REF: dom0 may map MFN. */
static int grant_to_dom0(int dom, uint64_t mfn)
{
  memset(&g_op, 0, sizeof g_op);
  g_op.setup.dom = (domid_t)dom;
  g_op.setup.nr_frames = 1;
  g_pfns[1] = 0;
  set_xen_guest_handle(g_op.setup.frame_list, (xen_pfn_t *)&g_pfns[1]);
  long rc = hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (uintptr_t)&g_op.setup, 1);
  if (rc < 0 || g_op.setup.status != GNTST_okay) return fail("setup_table for X", rc < 0 ? rc : g_op.setup.status), -1;
  void *va = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, g_fd, 0);
  if (va == MAP_FAILED) return fail("mmap of privcmd", -1), -1;
  uint64_t frame = g_pfns[1];
  int err = 0;
  struct privcmd_mmapbatch_v2 batch = {.num = 1, .dom = (domid_t)dom, .addr = (uintptr_t)va, .arr = &frame, .err = &err};
  if (ioctl(g_fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &batch) < 0 || err != 0)
    return fail("mapping X's grant table frame", err), -1;
  volatile grant_entry_v1_t *gt = va;
  gt[GRANT_REF].domid = 0;
  gt[GRANT_REF].frame = (uint32_t)mfn;
  __sync_synchronize(); /* the flags last: Xen reads the entry once they permit */
  gt[GRANT_REF].flags = GTF_permit_access;
  return 0;
}

/* Each round trip returns 0 on success, else a negative errno or a grant status (< 0). */
static int op_floor(int x, int port_x)
{
  (void)x, (void)port_x;
  if (hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0) < 0) return -errno;
  if (hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0) < 0) return -errno;
  return 0;
}

static int evtchn_close_port(evtchn_port_t port)
{
  g_op.close.port = port;
  return hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_close, (uintptr_t)&g_op.close, 0) < 0 ? -errno : 0;
}

static int op_unbound(int x, int port_x)
{
  (void)port_x;
  g_op.alloc.dom = DOMID_SELF;
  g_op.alloc.remote_dom = (domid_t)x;
  if (hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uintptr_t)&g_op.alloc, 0) < 0) return -errno;
  return evtchn_close_port(g_op.alloc.port);
}

static int op_interdomain(int x, int port_x)
{
  g_op.bind.remote_dom = (domid_t)x;
  g_op.bind.remote_port = (evtchn_port_t)port_x;
  if (hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_interdomain, (uintptr_t)&g_op.bind, 0) < 0) return -errno;
  return evtchn_close_port(g_op.bind.local_port);
}

static int op_grant(int x, int port_x)
{
  (void)port_x;
  memset(&g_op.map, 0, sizeof g_op.map);
  g_op.map.flags = GNTMAP_device_map;
  g_op.map.ref = GRANT_REF;
  g_op.map.dom = (domid_t)x;
  if (hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, (uintptr_t)&g_op.map, 1) < 0) return -errno;
  if (g_op.map.status != GNTST_okay) return g_op.map.status < 0 ? g_op.map.status : -1000;
  uint64_t bus = g_op.map.dev_bus_addr;
  grant_handle_t handle = g_op.map.handle;
  memset(&g_op.unmap, 0, sizeof g_op.unmap);
  g_op.unmap.dev_bus_addr = bus;
  g_op.unmap.handle = handle;
  if (hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, (uintptr_t)&g_op.unmap, 1) < 0) return -errno;
  return g_op.unmap.status == GNTST_okay ? 0 : g_op.unmap.status < 0 ? g_op.unmap.status : -1000;
}

/* The denied row: X may not offer a port to Y. Success here is EPERM. */
static int g_y;
static int op_denied(int x, int port_x)
{
  (void)port_x;
  g_op.alloc.dom = (domid_t)x;
  g_op.alloc.remote_dom = (domid_t)g_y;
  if (hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uintptr_t)&g_op.alloc, 0) == 0) {
    evtchn_close_port(g_op.alloc.port); /* not ours to keep; the run fails anyway */
    return 1;
  }
  return errno == EPERM ? 0 : -errno;
}

typedef int (*op_fn)(int, int);
static const op_fn op_fns[N_OPS] = {op_floor, op_unbound, op_interdomain, op_grant, op_denied};

static uint64_t now_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Per batch: its wall time, and the median and minimum of its round trips, each timed alone
 * (rdtsc around each one): a round trip lasts tens of µs, the host's time slices milliseconds, so
 * few samples contain a moment QEMU was not running and the median ignores them; the batch's
 * wall time does not (it shows the machine's load). */
static uint64_t g_wall_ns[N_OPS][MAX_BATCHES];
static uint32_t g_med_cycles[N_OPS][MAX_BATCHES], g_min_cycles[N_OPS][MAX_BATCHES];
static uint32_t g_samples[MAX_OPS];

static int cmp_u32(const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static inline uint64_t rdtsc(void)
{
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

static long env_long(const char *name, long def, long lo, long hi)
{
  const char *s = getenv(name);
  if (s == NULL) return def;
  char *end;
  long v = strtol(s, &end, 0);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
    char line[160];
    snprintf(line, sizeof line, "xsm-bench: FAIL %s=%s is not a number in [%ld, %ld]\n", name, s, lo, hi);
    say(line);
    g_failed = 1;
    return def;
  }
  return v;
}

static void run(void)
{
  long batches = env_long("xsmbench_batches", 15, 1, MAX_BATCHES);
  long ops = env_long("xsmbench_ops", 2000, 1, MAX_OPS);
  long x_ssid = env_long("xsmbench_x", 0, 0, 0xffffffffL);
  long y_ssid = env_long("xsmbench_y", -1, 0, 0xffffffffL);
  if (g_failed) return;

  int x = create_domain((uint32_t)x_ssid);
  if (x <= 0) {
    fail("creating X", x);
    return;
  }
  if (y_ssid >= 0) {
    g_y = create_domain((uint32_t)y_ssid);
    if (g_y <= 0) {
      fail("creating Y", g_y);
      return;
    }
  }
  uint64_t mfn = give_page(x);
  if (mfn == 0 || grant_to_dom0(x, mfn) != 0) return;
  g_op.alloc.dom = (domid_t)x; /* a port in X for dom0, left unbound for the interdomain row */
  g_op.alloc.remote_dom = 0;
  if (hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uintptr_t)&g_op.alloc, 0) < 0) {
    fail("alloc_unbound in X for dom0", -errno);
    return;
  }
  int port_x = (int)g_op.alloc.port;
  char line[200];
  snprintf(line, sizeof line, "xsm-bench: setup: X=d%d (ssidref %#lx), port %d in X, grant ref %d of mfn %#llx%s\n", x,
           x_ssid, port_x, GRANT_REF, (unsigned long long)mfn, g_y > 0 ? ", Y for the denied row" : "");
  say(line);

  int n_ops = g_y > 0 ? N_OPS : N_OPS - 1;
  /* Batch 0 warms up (caches, Xen's maptrack and event channel buckets) and is not reported. */
  uint64_t all_ns = 0, all_cycles = 0; /* to convert cycles to ns: the TSC's rate in this boot */
  for (long b = 0; b <= batches; ++b) {
    for (int o = 0; o < n_ops; ++o) {
      uint64_t t0 = now_ns(), c0 = rdtsc();
      for (long i = 0; i < ops; ++i) {
        uint64_t s0 = rdtsc();
        int rc = op_fns[o](x, port_x);
        uint64_t s1 = rdtsc();
        if (rc != 0) {
          snprintf(line, sizeof line, "%s round trip %ld of batch %ld%s", op_names[o], i, b,
                   rc == 1 ? " was permitted, not refused with EPERM" : "");
          errno = rc < 0 && rc > -4096 ? -rc : 0;
          fail(line, rc);
          return;
        }
        g_samples[i] = s1 - s0 > UINT32_MAX ? UINT32_MAX : (uint32_t)(s1 - s0);
      }
      uint64_t t1 = now_ns(), c1 = rdtsc();
      if (b == 0) continue;
      all_ns += t1 - t0;
      all_cycles += c1 - c0;
      qsort(g_samples, (size_t)ops, sizeof g_samples[0], cmp_u32);
      g_wall_ns[o][b - 1] = t1 - t0;
      g_med_cycles[o][b - 1] = g_samples[ops / 2];
      g_min_cycles[o][b - 1] = g_samples[0];
    }
  }
  if (all_cycles == 0) {
    fail("the TSC did not advance", 0);
    return;
  }
  double ns_per_cycle = (double)all_ns / (double)all_cycles;
  for (int o = 0; o < n_ops; ++o)
    for (long b = 0; b < batches; ++b) {
      snprintf(line, sizeof line, "xsm-bench: batch %s %ld %ld %llu %.0f %.0f\n", op_names[o], b, ops,
               (unsigned long long)g_wall_ns[o][b], g_med_cycles[o][b] * ns_per_cycle, g_min_cycles[o][b] * ns_per_cycle);
      say(line);
    }
}

/* The shype module's statistics sub-operation (printed on Xen's console). */
static void shype_stats(void)
{
  static union {
    struct {
      uint32_t cmd, interface_version;
    } h;
    unsigned char page[4096];
  } op __attribute__((aligned(4096)));
  op.h.cmd = 0x5348; /* SHYPE_XEN_OP_STATS */
  op.h.interface_version = 1;
  if (hypercall(HYPERVISOR_xsm_op, (uintptr_t)&op, 0, 0) < 0) fail("shype statistics", -errno);
}

int main(void)
{
  say("xsm-bench: dom0 init running\n");
  int ko = open("/privcmd.ko", O_RDONLY | O_CLOEXEC);
  if (ko < 0 || syscall(SYS_finit_module, ko, "", 0) != 0) fail("loading privcmd", -errno);
  if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY) fail("mounting /dev", -errno);
  g_fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
  if (g_fd < 0) {
    fail("opening /dev/xen/privcmd", -errno);
  } else if (!g_failed) {
    run();
    if (getenv("xsmbench_stats") != NULL) shype_stats();
  }
  say(g_failed ? "xsm-bench: failed\n" : "xsm-bench: done\n");
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}
