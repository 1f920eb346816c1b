/* SPDX-License-Identifier: Apache-2.0 */
/* /init of the boot test's dom0 initramfs: says that dom0 reached user space, then powers
 * off (Xen then stops the machine; QEMU runs with -no-reboot). Static, no libc I/O buffering. */
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
  static const char msg[] = "shype-xen-test: dom0 init running\n";
  (void)!write(1, msg, sizeof msg - 1);
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}
