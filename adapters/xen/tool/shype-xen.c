/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shype-xen — dom0 tool for the shype XSM module (adapters/xen/README.md). Talks to Xen through
 * Linux's /dev/xen/privcmd (the module's own xsm_op sub-operations, shype_xen.h):
 *
 *   shype-xen load POLICY.bin   live policy change (the binary of `shype compile`); allowed to
 *                               the management label only. Exit 0: applied. Exit 1: refused
 *                               (malformed, unauthorised, violations: `xl dmesg` says why; the
 *                               policy in force stays) or an error.
 *   shype-xen stats             the policy in force (name, generation, labels), live bindings
 *                               and the monitor's counters per hook class.
 *
 * Every error is one line naming what failed; the exit status is 1 (2: usage).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../module/shype_xen.h"

struct privcmd_hypercall {
  uint64_t op;
  uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define HYPERVISOR_xsm_op 27
#define XEN_FLASK_INTERFACE_VERSION 1

/* Xen's struct xen_flask_op with the FLASK_LOAD member of its union (buffer, size). */
struct flask_op_load {
  uint32_t cmd;
  uint32_t interface_version;
  uint64_t buffer; /* XEN_GUEST_HANDLE(char) */
  uint32_t size;
  uint32_t pad;
};

static const char *prog = "shype-xen";
/* xsm_op's answer when /dev/xen/privcmd could not be opened (already reported). */
#define NO_PRIVCMD (-100000)

static int usage(void)
{
  fprintf(stderr, "usage: %s load POLICY.bin | %s stats\n", prog, prog);
  return 2;
}

/* One xsm_op with the {buffer, size} layout; returns 0 or -errno. Xen reads and writes the
 * caller's memory directly: the op and the buffer are locked in memory first. */
static int xsm_op(uint32_t cmd, void *buf, uint32_t size)
{
  static struct flask_op_load op __attribute__((aligned(64)));
  struct privcmd_hypercall call;
  int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
  int rc = 0;

  if (fd < 0) {
    fprintf(stderr, "%s: error: /dev/xen/privcmd: %s (run in a Xen domain with xen-privcmd loaded)\n", prog, strerror(errno));
    return NO_PRIVCMD;
  }
  memset(&op, 0, sizeof op);
  op.cmd = cmd;
  op.interface_version = XEN_FLASK_INTERFACE_VERSION;
  op.buffer = (uint64_t)(uintptr_t)buf;
  op.size = size;
  (void)mlock(&op, sizeof op);
  if (size != 0) (void)mlock(buf, size);
  memset(&call, 0, sizeof call);
  call.op = HYPERVISOR_xsm_op;
  call.arg[0] = (uint64_t)(uintptr_t)&op;
  if (ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &call) < 0) rc = -errno;
  close(fd);
  return rc;
}

static int load(const char *path)
{
  struct stat st;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  char *buf;
  ssize_t got = 0;
  int rc;

  if (fd < 0 || fstat(fd, &st) != 0) {
    fprintf(stderr, "%s: error: %s: %s\n", prog, path, strerror(errno));
    return 1;
  }
  if (st.st_size <= 0 || (uint64_t)st.st_size > SHYPE_XEN_MAX_POLICY_BYTES) {
    fprintf(stderr, "%s: error: %s: %lld bytes; a policy is 1 to %u bytes\n", prog, path, (long long)st.st_size,
            SHYPE_XEN_MAX_POLICY_BYTES);
    close(fd);
    return 1;
  }
  buf = malloc((size_t)st.st_size);
  if (buf == NULL) {
    fprintf(stderr, "%s: error: out of memory\n", prog);
    close(fd);
    return 1;
  }
  while (got < st.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)(st.st_size - got));
    if (n <= 0) {
      fprintf(stderr, "%s: error: %s: short read at byte %zd\n", prog, path, got);
      free(buf);
      close(fd);
      return 1;
    }
    got += n;
  }
  close(fd);
  rc = xsm_op(SHYPE_XEN_OP_LOAD, buf, (uint32_t)st.st_size);
  free(buf);
  switch (rc) {
  case NO_PRIVCMD:
    return 1;
  case 0:
    printf("%s: policy %s loaded\n", prog, path);
    return 0;
  case -EPERM:
    fprintf(stderr, "%s: error: Xen refused the policy change: this domain does not run under the management label\n", prog);
    return 1;
  case -EINVAL:
    fprintf(stderr, "%s: error: Xen refused %s: malformed or not applicable (xl dmesg says why); the policy in force stays\n",
            prog, path);
    return 1;
  case -EOPNOTSUPP:
  case -ENOSYS:
    fprintf(stderr, "%s: error: Xen does not run the shype XSM module (boot with xsm=shype)\n", prog);
    return 1;
  default:
    fprintf(stderr, "%s: error: loading %s: %s\n", prog, path, strerror(-rc));
    return 1;
  }
}

static int stats(void)
{
  static const char *const classes[SHYPE_XEN_STATS_CLASSES] = {"domain", "evtchn", "grant", "resource", "query", "management"};
  static struct shype_xen_stats s __attribute__((aligned(64)));
  int rc = xsm_op(SHYPE_XEN_OP_GETSTATS, &s, sizeof s);
  int c;

  if (rc == NO_PRIVCMD) return 1;
  if (rc == -EPERM) {
    fprintf(stderr, "%s: error: Xen refused the statistics: this domain does not run under the management label\n", prog);
    return 1;
  }
  if (rc != 0) {
    fprintf(stderr, "%s: error: reading the statistics: %s\n", prog, strerror(-rc));
    return 1;
  }
  s.policy[sizeof s.policy - 1] = '\0';
  if (s.loaded)
    printf("policy \"%s\" generation %" PRIu64 ", %u VM labels, %" PRIu64 " live bindings\n", s.policy, s.generation,
           s.vm_labels, s.bindings);
  else
    printf("no policy in force, %" PRIu64 " live bindings\n", s.bindings);
  for (c = 0; c < SHYPE_XEN_STATS_CLASSES; ++c) {
    const struct shype_xen_counters *k = &s.by_class[c];
    printf("%-10s hits=%" PRIu64 " misses=%" PRIu64 " denials=%" PRIu64 " errors=%" PRIu64 " revocations=%" PRIu64 "\n",
           classes[c], k->hits, k->misses, k->denials, k->errors, k->revocations);
  }
  return 0;
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "load") == 0) return load(argv[2]);
  if (argc == 2 && strcmp(argv[1], "stats") == 0) return stats();
  return usage();
}
