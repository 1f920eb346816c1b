# SPDX-License-Identifier: Apache-2.0
# Live policy change through the module's own xsm_op sub-operation (the shype-xen tool), with
# Xen's toolstack running guests: a guest (dom_Order) tries to change the policy and to read the
# statistics (refused: not the management label); dom0 loads a malformed policy (refused, the
# old one stays), then a valid one that takes dom0 out of the Advertising coalition: dom0's
# event channels to the Advertising guest are closed (lsevtchn shows the guest's ends left
# waiting), its grant mappings reported; the Order guest's are untouched.
guest_cfg ads dom_Ads_Alpha
guest_cfg order dom_Order shype_guest_load=1
xlrun create-ads create /tmp/ads.cfg && wait_guest ads
xlrun create-order create /tmp/order.cfg && wait_console order 'stats rc='
ads=$(xl domid ads)
order=$(xl domid order)
echo "shype-xl: domids ads=$ads order=$order"
run stats-1 shype-xen stats
run evtchn-ads-before lsevtchn "$ads"
run load-malformed shype-xen load /policy/malformed.bin
run stats-2 shype-xen stats
run load-revoke shype-xen load /policy/revoke.bin
run stats-3 shype-xen stats
run evtchn-ads-after lsevtchn "$ads"
run evtchn-order-after lsevtchn "$order"
