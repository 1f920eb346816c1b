#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# /init of the xl boot tests' guests: says it runs (its console is logged by dom0's xenconsoled,
# where the scenario looks for the line), makes the calls its kernel command line asks for
# (below), then idles until destroyed.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "shype-guest: ${shype_guest:-?} up"
# shype_guest_load=1: try a live policy change from this guest (not the management label: Xen
# must refuse it) and to read the statistics; each answer on the console.
if [ "${shype_guest_load:-}" = 1 ]; then
  # unrestricted=1: Linux restricts privcmd in a domU to its device-model target (since the
  # "restrict usage in unprivileged domU" change, in Debian's 6.1); this test wants the guest's
  # own hypercall to reach Xen, whose module must refuse it.
  insmod /lib/modules/shype/xen-privcmd.ko unrestricted=1
  out=$(/shype-xen load /policy.bin 2>&1)
  rc=$?
  echo "shype-guest: $shype_guest: load: $out"
  echo "shype-guest: $shype_guest: load rc=$rc"
  out=$(/shype-xen stats 2>&1)
  rc=$?
  echo "shype-guest: $shype_guest: stats: $out"
  echo "shype-guest: $shype_guest: stats rc=$rc"
fi
# shype_share=serve|connect shype_peer=...: test/xl/share.c (event channels, grants), its lines
# on the console.
if [ -n "${shype_share:-}" ]; then
  for m in xen-evtchn xen-gntalloc xen-gntdev; do insmod /lib/modules/shype/$m.ko; done
  /shype-share "$shype_share" "${shype_peer:-}" 2>&1 | while read -r l; do echo "shype-guest: $shype_guest: $l"; done &
fi
while :; do sleep 3600; done
