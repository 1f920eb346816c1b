#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# /init of the xl boot tests' dom0 (adapters/xen/test/xl-boot.sh): mounts what Xen's toolstack
# needs (devpts: without it xenconsoled fails "Failed to create tty"), loads Linux's Xen device
# modules, starts xenstored, xen-init-dom0 and xenconsoled (guest consoles logged to files), then
# runs the scenario (/scenario.sh) and powers off. Every line a test reads starts "shype-xl: ".
export PATH=/bin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored /var/log/xen/console /var/lib/xen
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do
  insmod /lib/modules/shype/$m.ko || echo "shype-xl: insmod $m failed"
done
mount -t xenfs xenfs /proc/xen || echo "shype-xl: mounting xenfs failed"
XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file /run/xenstored.pid || echo "shype-xl: xenstored failed"
xen-init-dom0 || echo "shype-xl: xen-init-dom0 failed"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || echo "shype-xl: xenconsoled failed"
echo "shype-xl: toolstack ready"
. /scenario.sh
echo "shype-xl: scenario done"
sync
poweroff -f
