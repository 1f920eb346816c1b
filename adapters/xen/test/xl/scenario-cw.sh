# SPDX-License-Identifier: Apache-2.0
# Chinese Wall and labels through xl create (customer-order policy): dom_Ads_Alpha starts; its
# competitor dom_Ads_Beta is refused while it runs; dom_Order (no conflict) starts; Beta starts
# once Alpha is destroyed; an unknown label and a config without seclabel= are refused; guests
# asking for I/O ports (ioports=), I/O memory (iomem=) or IRQs (irqs=) get them only if their label
# may use the resource label the resource map gives them.
guest_cfg alpha dom_Ads_Alpha
guest_cfg beta dom_Ads_Beta
guest_cfg order dom_Order
guest_cfg unknown no_such_label
guest_cfg nolabel ""
xlrun create-alpha create /tmp/alpha.cfg && wait_guest alpha
xlrun create-beta-refused create /tmp/beta.cfg
xlrun create-order create /tmp/order.cfg && wait_guest order
xlrun list-1 list
xlrun destroy-alpha destroy alpha
# Xen frees the destroyed domain (and the module its Chinese Wall slot) after an RCU grace
# period: retry a refusal for a while.
n=0
until xlrun create-beta create /tmp/beta.cfg; do
  n=$((n + 1))
  [ $n -ge 10 ] && break
  sleep 1
done && wait_guest beta
xlrun create-unknown create /tmp/unknown.cfg
xlrun create-nolabel create /tmp/nolabel.cfg
# -Z: each domain's label (the module's security_domaininfo and FLASK_SID_TO_CONTEXT).
xlrun list-2 list -Z
# I/O ports: the resource map labels 2e8-2ef vdisk_Order (type Order); 2f0-2f7 is in no range.
guest_cfg ioorder dom_Order
echo 'ioports=["2e8-2ef"]' >> /tmp/ioorder.cfg
guest_cfg iocomp dom_Computing
echo 'ioports=["2e8-2ef"]' >> /tmp/iocomp.cfg
guest_cfg iooff dom_Order
echo 'ioports=["2f0-2f7"]' >> /tmp/iooff.cfg
# I/O memory (machine frames c0000-c000f) and IRQ 5, labelled vdisk_Order too: the dom_Order
# guest gets all three kinds; a dom_Computing guest is refused each (one guest per kind).
echo 'iomem=["c0000,10"]' >> /tmp/ioorder.cfg
echo 'irqs=[5]' >> /tmp/ioorder.cfg
guest_cfg memcomp dom_Computing
echo 'iomem=["c0000,10"]' >> /tmp/memcomp.cfg
guest_cfg irqcomp dom_Computing
echo 'irqs=[5]' >> /tmp/irqcomp.cfg
xlrun create-io-permitted create /tmp/ioorder.cfg && xlrun destroy-io destroy ioorder
xlrun create-io-refused create /tmp/iocomp.cfg
xlrun create-io-unmapped create /tmp/iooff.cfg
xlrun create-iomem-refused create /tmp/memcomp.cfg
xlrun create-irq-refused create /tmp/irqcomp.cfg
