# SPDX-License-Identifier: Apache-2.0
# Event channels and grant mappings between guests (test/xl/share.c in the guests, through
# Linux's /dev/xen/evtchn, gntalloc, gntdev): a server labelled dom_VirtualDisk offers a port and
# a granted page to a dom_Order guest (a shared coalition: bound, notified, mapped) and to a
# dom_Computing guest (none: the port is refused when the server allocates it, every map of the
# page refused). Then customer-order v2 (the device domain leaves the Order coalition) is loaded
# live: the Order guest's channel is closed, its mapping reported, and its bind again refused;
# the device domain's I/O ports, I/O memory and IRQ are taken away.
# The guests learn each other's ids from their kernel command lines: in this fresh boot Xen
# hands out 1, 2, 3 in creation order (the checks verify it; a wrong guess fails the test).
guest_cfg conn dom_Order "shype_share=connect shype_peer=3"
guest_cfg other dom_Computing "shype_share=connect shype_peer=3"
guest_cfg srv dom_VirtualDisk "shype_share=serve shype_peer=1,2"
# The device domain also gets I/O resources labelled vdisk_Order (test/xl/resources.map): v2
# takes Order away from it, so the change revokes them too (Xen's rangesets, dumped by 'q').
echo 'ioports=["2e8-2ef"]' >> /tmp/srv.cfg
echo 'iomem=["c0000,10"]' >> /tmp/srv.cfg
echo 'irqs=[5]' >> /tmp/srv.cfg
xlrun create-conn create -p /tmp/conn.cfg
xlrun create-other create -p /tmp/other.cfg
xlrun create-srv create /tmp/srv.cfg && wait_console srv 'share: serving'
echo "shype-xl: domids conn=$(xl domid conn) other=$(xl domid other) srv=$(xl domid srv)"
xlrun unpause-conn unpause conn && wait_console conn 'share: done'
xlrun unpause-other unpause other && wait_console other 'share: done'
wait_console srv 'share: event on port'
run evtchn-srv-before lsevtchn 3
run rangesets-before xl debug-keys q
run load-v2 shype-xen load /policy/v2.bin
run rangesets-after xl debug-keys q
wait_console conn 'share: rebind'
run evtchn-srv-after lsevtchn 3
