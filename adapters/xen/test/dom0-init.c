/* SPDX-License-Identifier: Apache-2.0 */
/* /init of the boot test's dom0 initramfs. Says that dom0 reached user space; then, if the
 * kernel command line has shype_label=NAME (passed to init as an environment variable), loads
 * xen-privcmd (/privcmd.ko), and asks the shype module for the ssidref of NAME and of a label
 * that no policy has, through xsm_op's FLASK_CONTEXT_TO_SID — exactly what libxl does for xl's
 * seclabel=. Prints each answer, then powers off (Xen stops the machine; QEMU: -no-reboot). */
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

int main(void)
{
  const char *label = getenv("shype_label");

  say("shype-xen-test: dom0 init running\n");
  if (label != NULL) {
    int ko = open("/privcmd.ko", O_RDONLY | O_CLOEXEC);
    if (ko < 0 || syscall(SYS_finit_module, ko, "", 0) != 0) say("shype-xen-test: loading privcmd failed\n");
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
      say("shype-xen-test: mounting /dev failed\n");
    int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      say("shype-xen-test: no /dev/xen/privcmd\n");
    } else {
      context_to_sid(fd, label);
      context_to_sid(fd, "no_such_label");
    }
  }
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}
