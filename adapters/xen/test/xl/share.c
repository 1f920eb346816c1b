/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shype-share — the guests' side of the xl "share" scenario (adapters/xen/test/xl-boot.sh):
 * sets up an event channel and a grant mapping with another guest through Linux's Xen devices
 * (/dev/xen/evtchn, /dev/xen/gntalloc, /dev/xen/gntdev), as split drivers do. Every result is one
 * line "share: ..." on stdout (the guest's console), errors by errno name.
 *
 *   shype-share serve PEER[,PEER...]   for each peer: an unbound event channel port for it
 *                                      (Xen: evtchn_unbound) and a writable page granted to it
 *                                      (gntalloc: not a hypercall); then prints the events
 *                                      that arrive.
 *   shype-share connect SERVER         binds to the server's port offered to this domain
 *                                      (scanning ports 1..MAX_PORT; Xen: evtchn_interdomain),
 *                                      notifies it, maps the server's page (scanning grant
 *                                      references 0..MAX_REF; Xen: grant_mapref) and checks its
 *                                      content; then retries the bind every 2 s until Xen answers
 *                                      something else than "busy" (after a live policy change
 *                                      that closed the channel: EPERM, printed once).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
/* Linux's Xen UAPI headers use Xen's own type names without defining them. */
typedef uint16_t domid_t;
typedef uint32_t grant_ref_t;
#include <xen/evtchn.h>
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#define MAX_PORT 64  /* a fresh guest's ports: xenstore, console, VIRQs, IPIs, then ours */
#define MAX_REF 512  /* the guest's first grant frame */
#define PAGE 4096
static const char hello[] = "shype-share page";

static int open_dev(const char *path)
{
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) printf("share: open %s: errno=%s\n", path, strerrorname_np(errno));
  return fd;
}

static int serve(char *peers)
{
  int ev = open_dev("/dev/xen/evtchn"), ga = open_dev("/dev/xen/gntalloc");
  if (ev < 0 || ga < 0) return 1;
  for (char *p = strtok(peers, ","); p != NULL; p = strtok(NULL, ",")) {
    unsigned dom = (unsigned)strtoul(p, NULL, 10);
    struct ioctl_evtchn_bind_unbound_port u = {.remote_domain = dom};
    int port = ioctl(ev, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &u);
    if (port < 0)
      printf("share: unbound port for dom%u: errno=%s\n", dom, strerrorname_np(errno));
    else
      printf("share: unbound port for dom%u: port=%d\n", dom, port);
    struct ioctl_gntalloc_alloc_gref g = {.domid = (uint16_t)dom, .flags = GNTALLOC_FLAG_WRITABLE, .count = 1};
    if (ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, &g) != 0) {
      printf("share: grant for dom%u: errno=%s\n", dom, strerrorname_np(errno));
      continue;
    }
    char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ga, (off_t)g.index);
    if (page == MAP_FAILED) {
      printf("share: grant for dom%u: mmap errno=%s\n", dom, strerrorname_np(errno));
      continue;
    }
    memcpy(page, hello, sizeof hello);
    printf("share: grant for dom%u: ref=%u\n", dom, g.gref_ids[0]);
  }
  printf("share: serving\n");
  fflush(stdout);
  for (;;) {
    unsigned int fired;
    if (read(ev, &fired, sizeof fired) == (ssize_t)sizeof fired) {
      printf("share: event on port %u\n", fired);
      fflush(stdout);
      (void)!write(ev, &fired, sizeof fired); /* unmask */
    }
  }
}

static int connect_to(unsigned server)
{
  int ev = open_dev("/dev/xen/evtchn"), gd = open_dev("/dev/xen/gntdev");
  int bound_port = -1, local = -1, eperm = 0;
  if (ev < 0 || gd < 0) return 1;
  for (int p = 1; p <= MAX_PORT && local < 0; ++p) {
    struct ioctl_evtchn_bind_interdomain b = {.remote_domain = server, .remote_port = (unsigned)p};
    int rc = ioctl(ev, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
    if (rc >= 0) {
      local = rc;
      bound_port = p;
    } else if (errno == EPERM && eperm++ == 0) {
      printf("share: bind dom%u port %d: errno=EPERM\n", server, p);
    }
  }
  if (local < 0) {
    printf("share: no event channel to dom%u (%d refused with EPERM)\n", server, eperm);
  } else {
    printf("share: bound dom%u port %d: local port %d\n", server, bound_port, local);
    struct ioctl_evtchn_notify n = {.port = (unsigned)local};
    printf("share: notify: %s\n", ioctl(ev, IOCTL_EVTCHN_NOTIFY, &n) == 0 ? "ok" : strerrorname_np(errno));
  }
  int mapped = 0, refused = 0;
  for (unsigned ref = 0; ref < MAX_REF && !mapped; ++ref) {
    struct ioctl_gntdev_map_grant_ref m = {.count = 1};
    m.refs[0].domid = server;
    m.refs[0].ref = ref;
    if (ioctl(gd, IOCTL_GNTDEV_MAP_GRANT_REF, &m) != 0) continue;
    char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, gd, (off_t)m.index);
    if (page != MAP_FAILED) {
      if (memcmp(page, hello, sizeof hello) == 0) {
        printf("share: mapped dom%u grant ref %u: \"%s\"\n", server, ref, page);
        mapped = 1;
        continue;  /* stays mapped */
      }
      munmap(page, PAGE);
    } else {
      ++refused;
    }
    struct ioctl_gntdev_unmap_grant_ref u = {.index = m.index, .count = 1};
    (void)ioctl(gd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
  }
  if (!mapped) printf("share: no grant of dom%u mapped (%d maps refused)\n", server, refused);
  printf("share: done\n");
  fflush(stdout);
  /* Watch the channel: while it is connected a second bind to the same port is refused as busy
   * (EINVAL); once a policy change closed it, the server's port waits for us again and the bind
   * is decided by the policy in force. */
  if (local >= 0) {
    for (;;) {
      sleep(2);
      struct ioctl_evtchn_bind_interdomain b = {.remote_domain = server, .remote_port = (unsigned)bound_port};
      int rc = ioctl(ev, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
      if (rc >= 0 || errno != EINVAL) {
        if (rc >= 0)
          printf("share: rebind dom%u port %d: ok\n", server, bound_port);
        else
          printf("share: rebind dom%u port %d: errno=%s\n", server, bound_port, strerrorname_np(errno));
        fflush(stdout);
        break;
      }
    }
  }
  for (;;) pause();
}

int main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
  if (argc == 3 && strcmp(argv[1], "connect") == 0) return connect_to((unsigned)strtoul(argv[2], NULL, 10));
  fprintf(stderr, "usage: shype-share serve PEER[,PEER...] | shype-share connect SERVER\n");
  return 2;
}
