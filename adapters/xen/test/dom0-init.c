/* SPDX-License-Identifier: Apache-2.0 */
/* /init of the boot test's dom0 initramfs. Says that dom0 reached user space; then, with
 * variables from the kernel command line (the kernel passes them to init's environment), loads
 * xen-privcmd (/privcmd.ko) and makes hypercalls the way the toolstack does:
 *  shype_label=NAME  asks the shype module for the ssidref of NAME and of a label that no policy
 *                    has, through xsm_op's FLASK_CONTEXT_TO_SID (what libxl does for seclabel=);
 *  shype_cw=A,B      Chinese Wall through XEN_DOMCTL_createdomain (empty PV domains): create
 *                    with ssidref A, with B (its competitor), destroy the first, B again; then
 *                    ssidref 12 (no shype label) and a tagged ssidref of no label;
 *  shype_te=A,B,C    Type Enforcement on event channels: creates domains with ssidrefs A, B, C
 *                    and allocates, as dom0 may for any domain, an unbound port in A for B and
 *                    one in A for C (EVTCHNOP_alloc_unbound: the evtchn_unbound hook).
 * Last, asks the module to print its statistics (its own xsm_op sub-operation).
 * Prints each answer, then powers off (Xen stops the machine; QEMU: -no-reboot).
 * Built against the built Xen's public headers (-I<xen>/include). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#define __XEN_TOOLS__ 1
#include <public/xen.h>
#include <public/domctl.h>
#include <public/event_channel.h>

struct privcmd_hypercall {
  uint64_t op;
  uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define HYPERVISOR_xsm_op 27
#define FLASK_CONTEXT_TO_SID 4
#define XEN_FLASK_INTERFACE_VERSION 1

/* The head of Xen's struct xen_flask_op; Xen copies the whole struct (smaller than a page). */
struct flask_op_head {
  uint32_t cmd;
  uint32_t interface_version;
  uint32_t sid;
  uint32_t size;
  uint64_t context; /* XEN_GUEST_HANDLE(char) */
};

static void say(const char *s) { (void)!write(1, s, strlen(s)); }

static void context_to_sid(int fd, const char *name)
{
  static union {
    struct flask_op_head h;
    unsigned char page[4096];
  } op __attribute__((aligned(4096)));
  static char buf[256];
  char line[200];
  struct privcmd_hypercall call;
  long rc;

  memset(&op, 0, sizeof op);
  snprintf(buf, sizeof buf, "%s", name);
  op.h.cmd = FLASK_CONTEXT_TO_SID;
  op.h.interface_version = XEN_FLASK_INTERFACE_VERSION;
  op.h.size = (uint32_t)strlen(buf);
  op.h.context = (uint64_t)(uintptr_t)buf;
  memset(&call, 0, sizeof call);
  call.op = HYPERVISOR_xsm_op;
  call.arg[0] = (uint64_t)(uintptr_t)&op;
  rc = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call);
  if (rc < 0)
    snprintf(line, sizeof line, "shype-xen-test: context_to_sid %s: errno=%s\n", name, strerrorname_np(errno));
  else
    snprintf(line, sizeof line, "shype-xen-test: context_to_sid %s: ssidref=%#x\n", name, op.h.sid);
  say(line);
}

/* The shype module's statistics sub-operation (printed on Xen's console). */
static void print_stats(int fd)
{
  static union {
    struct flask_op_head h;
    unsigned char page[4096];
  } op __attribute__((aligned(4096)));
  struct privcmd_hypercall call;
  char line[120];

  memset(&op, 0, sizeof op);
  op.h.cmd = 0x5348; /* SHYPE_XEN_OP_STATS */
  op.h.interface_version = XEN_FLASK_INTERFACE_VERSION;
  memset(&call, 0, sizeof call);
  call.op = HYPERVISOR_xsm_op;
  call.arg[0] = (uint64_t)(uintptr_t)&op;
  if (ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call) < 0)
    snprintf(line, sizeof line, "shype-xen-test: stats: errno=%s\n", strerrorname_np(errno));
  else
    snprintf(line, sizeof line, "shype-xen-test: stats: ok\n");
  say(line);
}

static long hypercall(int fd, uint64_t op, void *arg)
{
  struct privcmd_hypercall call;

  memset(&call, 0, sizeof call);
  call.op = op;
  call.arg[0] = (uint64_t)(uintptr_t)arg;
  return ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call);
}

static struct xen_domctl g_domctl __attribute__((aligned(4096)));

/* Returns the new domain's id, or -errno. */
static int try_create(int fd, uint32_t ssidref)
{
  memset(&g_domctl, 0, sizeof g_domctl);
  g_domctl.cmd = XEN_DOMCTL_createdomain;
  g_domctl.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
  g_domctl.domain = 0; /* Xen picks the id */
  g_domctl.u.createdomain.ssidref = ssidref;
  g_domctl.u.createdomain.max_vcpus = 1;
  g_domctl.u.createdomain.max_evtchn_port = 1023;
  g_domctl.u.createdomain.max_grant_frames = 1;
  g_domctl.u.createdomain.max_maptrack_frames = 1;
  g_domctl.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
  if (hypercall(fd, __HYPERVISOR_domctl, &g_domctl) < 0) return -errno;
  return g_domctl.domain;
}

static int report_create(uint32_t ssidref, int rc)
{
  char line[160];

  if (rc < 0)
    snprintf(line, sizeof line, "shype-xen-test: create ssidref=%#x: errno=%s\n", ssidref, strerrorname_np(-rc));
  else
    snprintf(line, sizeof line, "shype-xen-test: create ssidref=%#x: domid=%d\n", ssidref, rc);
  say(line);
  return rc;
}

static int create_domain(int fd, uint32_t ssidref) { return report_create(ssidref, try_create(fd, ssidref)); }

static void destroy_domain(int fd, int domid)
{
  char line[120];

  memset(&g_domctl, 0, sizeof g_domctl);
  g_domctl.cmd = XEN_DOMCTL_destroydomain;
  g_domctl.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
  g_domctl.domain = (domid_t)domid;
  /* Destruction is preemptible: Xen answers ERESTART until it is done. */
  long rc;
  do {
    rc = hypercall(fd, __HYPERVISOR_domctl, &g_domctl);
  } while (rc < 0 && (errno == EAGAIN || errno == EINTR));
  snprintf(line, sizeof line, "shype-xen-test: destroy domid=%d: %s\n", domid, rc < 0 ? strerrorname_np(errno) : "ok");
  say(line);
}

static void alloc_unbound(int fd, int dom, int remote)
{
  static struct evtchn_alloc_unbound op __attribute__((aligned(64)));
  struct privcmd_hypercall call;
  char line[160];

  memset(&op, 0, sizeof op);
  op.dom = (domid_t)dom;
  op.remote_dom = (domid_t)remote;
  memset(&call, 0, sizeof call);
  call.op = __HYPERVISOR_event_channel_op;
  call.arg[0] = EVTCHNOP_alloc_unbound;
  call.arg[1] = (uint64_t)(uintptr_t)&op;
  if (ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call) < 0)
    snprintf(line, sizeof line, "shype-xen-test: alloc_unbound dom%d for dom%d: errno=%s\n", dom, remote, strerrorname_np(errno));
  else
    snprintf(line, sizeof line, "shype-xen-test: alloc_unbound dom%d for dom%d: port=%u\n", dom, remote, op.port);
  say(line);
}

int main(void)
{
  const char *label = getenv("shype_label");
  const char *cw = getenv("shype_cw");
  const char *te = getenv("shype_te");

  say("shype-xen-test: dom0 init running\n");
  if (label != NULL || cw != NULL || te != NULL) {
    int ko = open("/privcmd.ko", O_RDONLY | O_CLOEXEC);
    if (ko < 0 || syscall(SYS_finit_module, ko, "", 0) != 0) say("shype-xen-test: loading privcmd failed\n");
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
      say("shype-xen-test: mounting /dev failed\n");
    int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      say("shype-xen-test: no /dev/xen/privcmd\n");
    } else {
      if (label != NULL) {
        context_to_sid(fd, label);
        context_to_sid(fd, "no_such_label");
      }
      unsigned a = 0, b = 0;
      if (cw != NULL && sscanf(cw, "%x,%x", &a, &b) == 2) {
        int first = create_domain(fd, a);
        create_domain(fd, b); /* the competitor, while the first runs */
        if (first > 0) destroy_domain(fd, first);
        /* The slot is freed when Xen frees the domain (after an RCU grace period), a moment
         * after destroydomain returns: try again for up to 2 s. */
        int rc = try_create(fd, b);
        for (int i = 0; i < 40 && rc == -EPERM; ++i) {
          usleep(50000);
          rc = try_create(fd, b);
        }
        report_create(b, rc); /* once the first is gone */
        create_domain(fd, 12); /* SECINITSID_DOMU: what libxl passes without seclabel= */
        create_domain(fd, 0x53480FFFu); /* tagged, but no such label */
      }
      unsigned c;
      if (te != NULL && sscanf(te, "%x,%x,%x", &a, &b, &c) == 3) {
        int da = create_domain(fd, a), db = create_domain(fd, b), dc = create_domain(fd, c);
        if (da > 0 && db > 0 && dc > 0) {
          alloc_unbound(fd, da, db);
          alloc_unbound(fd, da, dc);
        }
      }
      print_stats(fd);
    }
  }
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}
