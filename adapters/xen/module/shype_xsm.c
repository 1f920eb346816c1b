/* SPDX-License-Identifier: Apache-2.0 */
/*
 * shype_xsm.c — the shype XSM module's C layer: fills struct xsm_ops and turns Xen's hook
 * arguments into the monitor's (shype_xen.h). It decides nothing itself: every permit or deny
 * comes from the library's monitor in shype_monitor.cpp. Hooks not filled here keep Xen's
 * default (dummy) behaviour through xsm_fixup_ops(); adapters/xen/README.md lists them all.
 *
 * Domains outside the policy's scope keep the default behaviour: a domain talking to itself
 * (not an inter-VM flow) and Xen's system domains (DOMID_XEN, DOMID_IO, ...). Everything else
 * that the monitor cannot evaluate is refused (fail closed).
 */
#define XSM_NO_WRAPPERS
#include <xsm/dummy.h>
#include <xen/init.h>
#include <xen/lib.h>
#include <xen/multiboot.h>
#include <asm/setup.h>
#include <xen/guest_access.h>
#include <xen/event.h>
#include <xen/iocap.h>
#include <xen/irq.h>
#include <xen/xmalloc.h>
#include <public/domctl.h>
#include <public/grant_table.h>
#include <public/xsm/flask_op.h>

#include "shype_xen.h"

/* ---- console ------------------------------------------------------------------------------- */
void shype_xen_log(const char *line, int guest)
{
    if ( guest )
        printk(XENLOG_G_WARNING "%s\n", line); /* rate limited by Xen (guest_loglvl) */
    else
        printk(XENLOG_INFO "%s\n", line);
}

static int to_errno(int rc)
{
    /* A denial is EPERM (what xl reports as "Operation not permitted"); a request the monitor
     * could not evaluate is EACCES. Both refuse. */
    return rc == SHYPE_XEN_PERMIT ? 0 : rc == SHYPE_XEN_DENY ? -EPERM : -EACCES;
}

/* Outside the policy: the same domain on both ends, or a system domain. */
static bool outside_policy(const struct domain *a, const struct domain *b)
{
    return a == b || is_system_domain(a) || is_system_domain(b);
}

/* ---- domains (Chinese Wall) ---------------------------------------------------------------- */
/* What libxl passes as ssidref without seclabel= (libxl_create.c: FLASK's initial SIDs
 * SECINITSID_DOMU and SECINITSID_DOMDM). */
#define SHYPE_XEN_SSIDREF_UNLABELLED_DOMU 12u
#define SHYPE_XEN_SSIDREF_UNLABELLED_DM 13u

static int cf_check shype_domain_create(struct domain *d, uint32_t ssidref)
{
    unsigned int label;

    if ( is_system_domain(d) )
        return 0;

    if ( !shype_xen_policy_loaded() )
    {
        if ( d->domain_id == 0 )
        {
            /* dom0 still starts so that an administrator can see why and fix the boot. */
            printk(XENLOG_ERR "shype: no valid policy: dom0 starts, every other domain will be refused\n");
            return 0;
        }
        printk(XENLOG_G_WARNING "shype: d%u refused: no valid policy was loaded at boot\n",
               d->domain_id);
        return -EACCES;
    }

    if ( d->domain_id == 0 )
        label = shype_xen_bootstrap_label();
    else if ( (ssidref & SHYPE_XEN_SSIDREF_MASK) == SHYPE_XEN_SSIDREF_TAG )
        label = ssidref & ~SHYPE_XEN_SSIDREF_MASK;
    else if ( ssidref == SHYPE_XEN_SSIDREF_UNLABELLED_DOMU ||
              ssidref == SHYPE_XEN_SSIDREF_UNLABELLED_DM )
    {
        /* No default label (README, "Labels"): the policy format has none, and any label we
         * picked would put the guest in some coalition or conflict set unasked. */
        printk(XENLOG_G_WARNING "shype: d%u refused: no seclabel= (ssidref %#x, libxl's default for a %s): "
               "unlabelled guests are refused (fail closed)\n",
               d->domain_id, ssidref,
               ssidref == SHYPE_XEN_SSIDREF_UNLABELLED_DOMU ? "guest" : "device model domain");
        return -EACCES;
    }
    else
    {
        printk(XENLOG_G_WARNING "shype: d%u refused: ssidref %#x carries no shype label\n",
               d->domain_id, ssidref);
        return -EACCES;
    }
    if ( label >= shype_xen_label_count() )
    {
        printk(XENLOG_G_WARNING "shype: d%u refused: label id %u is not in the policy (%u labels)\n",
               d->domain_id, label, shype_xen_label_count());
        return -EINVAL;
    }

    return to_errno(shype_xen_domain_create(d->domain_id, label));
}

static void cf_check shype_free_security_domain(struct domain *d)
{
    if ( !is_system_domain(d) )
        shype_xen_domain_destroy(d->domain_id);
    xsm_free_security_domain(d);
}

/* ---- event channels (Type Enforcement) ----------------------------------------------------- */
static int cf_check shype_evtchn_unbound(struct domain *d1, struct evtchn *chn, domid_t id2)
{
    int rc = xsm_evtchn_unbound(d1, chn, id2); /* who may set it up: Xen's default */
    struct domain *d2;

    if ( rc )
        return rc;
    d2 = rcu_lock_domain_by_any_id(id2);
    if ( d2 == NULL )
        return -ESRCH;
    if ( !outside_policy(d1, d2) )
        rc = to_errno(shype_xen_evtchn_unbound(d1->domain_id, d2->domain_id));
    rcu_unlock_domain(d2);
    return rc;
}

/* The binding is registered under the local channel's address (stable while the channel
 * exists): Xen's struct evtchn has no room for a module's pointer unless the whole build
 * defines XSM_NEED_GENERIC_EVTCHN_SSID, which would need a change to xen/sched.h. */
static int cf_check shype_evtchn_interdomain(struct domain *d1, struct evtchn *chn1,
                                             struct domain *d2, struct evtchn *chn2)
{
    int rc = xsm_evtchn_interdomain(d1, chn1, d2, chn2);

    if ( rc || outside_policy(d1, d2) )
        return rc;
    return to_errno(shype_xen_evtchn_bind(d1->domain_id, d2->domain_id, (unsigned long)chn1));
}

static void cf_check shype_evtchn_close_post(struct evtchn *chn)
{
    shype_xen_evtchn_close((unsigned long)chn);
}

/* A live policy change revoked d's interdomain channel `cookie` (its struct evtchn's address)
 * to `remote`: find its port and close it, as the domain itself would (the remote end becomes
 * unbound, as when a guest closes its end). Event channel buckets live as long as the domain,
 * so the address is compared, never dereferenced, until a port holding it is found; a channel
 * no longer interdomain to `remote` (closed meanwhile) is left alone. */
void shype_xen_close_revoked_evtchn(unsigned int domid, unsigned int remote, unsigned long cookie)
{
    struct domain *d = rcu_lock_domain_by_id(domid);
    evtchn_port_t port;
    int rc = -ENOENT;

    if ( d == NULL )
        return;
    for ( port = 1; port_is_valid(d, port); port++ )
    {
        const struct evtchn *chn = evtchn_from_port(d, port);

        if ( (unsigned long)chn != cookie )
            continue;
        if ( chn->state == ECS_INTERDOMAIN && chn->u.interdomain.remote_dom != NULL &&
             chn->u.interdomain.remote_dom->domain_id == remote )
            rc = evtchn_close(d, port, false);
        break;
    }
    if ( rc == 0 )
        printk(XENLOG_G_WARNING "shype: revoked: closed event channel d%u port %u -> d%u\n",
               domid, port, remote);
    else
        printk(XENLOG_G_WARNING "shype: revoked: event channel of d%u -> d%u already closed (%d)\n",
               domid, remote, rc);
    rcu_unlock_domain(d);
}

/* A live policy change revoked `mapper`'s mapping of `granter`'s page. Xen cannot take a live
 * grant mapping back safely (the mapper's page tables, a device's DMA may use it), as with Xen
 * ACM: the monitor forgets the binding (new maps and copies between the two are decided by the
 * new policy, i.e. refused), the mapping stays until the mapper unmaps it or either domain
 * ends. The console says so. */
void shype_xen_revoked_grant(unsigned int granter, unsigned int mapper, int readonly)
{
    printk(XENLOG_G_WARNING "shype: revoked: d%u's %s mapping of d%u's grant: stays until d%u unmaps it; "
           "new maps and copies refused\n", mapper, readonly ? "read-only" : "read-write", granter, mapper);
}

/* ---- grants (Type Enforcement) -------------------------------------------------------------- */
/* Xen's grant hooks pass the local (mapping) domain first, the granting domain second. */
static int cf_check shype_grant_mapref(struct domain *d1, struct domain *d2, uint32_t flags)
{
    int rc = xsm_grant_mapref(d1, d2, flags);

    if ( rc || outside_policy(d1, d2) )
        return rc;
    return to_errno(shype_xen_grant_map(d2->domain_id, d1->domain_id,
                                        (flags & GNTMAP_readonly) != 0));
}

static int cf_check shype_grant_unmapref(struct domain *d1, struct domain *d2)
{
    int rc = xsm_grant_unmapref(d1, d2);

    if ( rc == 0 && !outside_policy(d1, d2) )
        shype_xen_grant_unmap(d2->domain_id, d1->domain_id);
    return rc;
}

static int cf_check shype_grant_copy(struct domain *d1, struct domain *d2)
{
    int rc = xsm_grant_copy(d1, d2);

    if ( rc || outside_policy(d1, d2) )
        return rc;
    return to_errno(shype_xen_grant_copy(d1->domain_id, d2->domain_id));
}

/* A page moves from d1 to d2: decided as a copy in that direction. */
static int cf_check shype_grant_transfer(struct domain *d1, struct domain *d2)
{
    int rc = xsm_grant_transfer(d1, d2);

    if ( rc || outside_policy(d1, d2) )
        return rc;
    return to_errno(shype_xen_grant_copy(d1->domain_id, d2->domain_id));
}

/* ---- I/O resources (Type Enforcement on resource labels) ----------------------------------- */
/* The resource map (a boot module beginning "SHYPERES\n"; format and limits in shype_xen.h) is
 * parsed and looked up by the C++ unit, which also prints every refusal naming the range and
 * its resource label. The hooks below only scope: a guest given a resource by the domain that
 * owns it. The hardware domain (dom0) owns the machine's resources and is not checked, nor are
 * Xen's system domains; taking a resource away (allow == 0, unmap, deassign) keeps Xen's
 * default. Ranges in no entry of the map are refused (fail closed). */
static bool __initdata shype_map_seen;

static bool resource_in_scope(const struct domain *d)
{
    return !is_system_domain(d) && !is_hardware_domain(d);
}

/* After Xen's own check (rc), a grant (allow) of [s, e] to a guest in scope: the monitor's. */
static int resource_grant(int rc, const struct domain *d, bool allow, unsigned int kind, uint64_t s,
                          uint64_t e, int attach)
{
    if ( rc || !allow || !resource_in_scope(d) )
        return rc;
    return to_errno(shype_xen_resource_request(d->domain_id, kind, s, e, attach));
}

/* Granting a guest I/O ports (xl's ioports=, XEN_DOMCTL_ioport_permission); registered as a
 * binding of the guest to the map's entry, revoked by a live policy change. */
static int cf_check shype_ioport_permission(struct domain *d, uint32_t s, uint32_t e, uint8_t allow)
{
    return resource_grant(xsm_ioport_permission(d, s, e, allow), d, allow, SHYPE_XEN_RES_IOPORT, s, e, 1);
}

/* A HVM guest's direct port mapping (XEN_DOMCTL_ioport_mapping; s, e: machine ports). */
static int cf_check shype_ioport_mapping(struct domain *d, uint32_t s, uint32_t e, uint8_t allow)
{
    return resource_grant(xsm_ioport_mapping(d, s, e, allow), d, allow, SHYPE_XEN_RES_IOPORT, s, e, 1);
}

/* Granting I/O memory (xl's iomem=, XEN_DOMCTL_iomem_permission; machine frame numbers). */
static int cf_check shype_iomem_permission(struct domain *d, uint64_t s, uint64_t e, uint8_t allow)
{
    return resource_grant(xsm_iomem_permission(d, s, e, allow), d, allow, SHYPE_XEN_RES_IOMEM, s, e, 1);
}

/* Mapping I/O memory into a HVM guest's physical map (XEN_DOMCTL_memory_mapping). */
static int cf_check shype_iomem_mapping(struct domain *d, uint64_t s, uint64_t e, uint8_t allow)
{
    return resource_grant(xsm_iomem_mapping(d, s, e, allow), d, allow, SHYPE_XEN_RES_IOMEM, s, e, 1);
}

/* Granting an IRQ (XEN_DOMCTL_irq_permission: Xen passes the machine IRQ behind the caller's
 * pirq). */
static int cf_check shype_irq_permission(struct domain *d, int irq, uint8_t allow)
{
    if ( irq < 0 )
        return -EINVAL;
    return resource_grant(xsm_irq_permission(d, irq, allow), d, allow, SHYPE_XEN_RES_IRQ, irq, irq, 1);
}

/* Mapping a machine IRQ to a guest's pirq (PHYSDEVOP_map_pirq, xl's irqs=): Xen grants the IRQ
 * right after this hook. A GSI (data == NULL) is decided; an MSI's IRQ number is allocated
 * dynamically, so it names no resource: default (the device is the resource: assign_device). */
static int cf_check shype_map_domain_irq(struct domain *d, int irq, const void *data)
{
    if ( irq < 0 )
        return -EINVAL;
    return resource_grant(xsm_map_domain_irq(d, irq, data), d, data == NULL, SHYPE_XEN_RES_IRQ, irq, irq, 1);
}

/* Binding a passed-through IRQ to a HVM guest's virtual interrupt: the machine IRQ behind the
 * guest's pirq is checked again (not registered: its map registered it). MSI: default, as
 * above; a pirq with no IRQ is left to Xen, which refuses it right after. */
static int cf_check shype_bind_pt_irq(struct domain *d, struct xen_domctl_bind_pt_irq *bind)
{
    int rc = xsm_bind_pt_irq(d, bind);
    int irq;

    if ( rc || bind->irq_type == PT_IRQ_TYPE_MSI || !resource_in_scope(d) )
        return rc;
    irq = domain_pirq_to_irq(d, bind->machine_irq);
    if ( irq <= 0 )
        return 0;
    return to_errno(shype_xen_resource_request(d->domain_id, SHYPE_XEN_RES_IRQ, irq, irq, 0));
}

/* Assigning a PCI device (XEN_DOMCTL_assign_device, xl's pci=; also its test_assign form). */
static int cf_check shype_assign_device(struct domain *d, uint32_t machine_sbdf)
{
    return resource_grant(xsm_assign_device(d, machine_sbdf), d, true, SHYPE_XEN_RES_PCI, machine_sbdf,
                          machine_sbdf, 1);
}

/* A PV guest's access to a device's configuration space through ports 0xcf8/0xcfc (d: the
 * accessing domain; segment 0): decided at each access, nothing registered. */
static int cf_check shype_pci_config_permission(struct domain *d, uint32_t machine_bdf, uint16_t start,
                                                uint16_t end, uint8_t access)
{
    return resource_grant(xsm_pci_config_permission(d, machine_bdf, start, end, access), d, true,
                          SHYPE_XEN_RES_PCI, machine_bdf & 0xFFFF, machine_bdf & 0xFFFF, 0);
}

/* A live policy change revoked d's use of a map entry. What Xen can take back safely from a
 * hypercall of another domain is the domain's access right (its rangeset: what
 * XEN_DOMCTL_*_permission with allow == 0 removes); what the guest set up with it stays:
 *  - I/O ports: removed; a PV guest's port accesses are checked by Xen at each access, so they
 *    are refused from now on; a HVM guest's direct mapping (ioport_mapping) stays.
 *  - I/O memory: removed; new mappings are refused, frames mapped earlier stay mapped (the
 *    guest's page tables / p2m) until the guest unmaps them or ends.
 *  - IRQs: removed; a pirq mapped and bound earlier stays bound (unmapping it under a running
 *    guest is what Xen does only on the guest's or the toolstack's request).
 *  - PCI devices: reported only: deassigning needs the device quiesced (DMA, IOMMU context), as
 *    the toolstack does it; new assignments are refused.
 * Each on the console. */
void shype_xen_revoked_resource(unsigned int domid, unsigned int kind, uint64_t first, uint64_t last,
                                const char *label)
{
    struct domain *d = rcu_lock_domain_by_id(domid);
    int rc = 0;

    if ( d == NULL )
        return;
    switch ( kind )
    {
    case SHYPE_XEN_RES_IOPORT:
        rc = ioports_deny_access(d, first, last);
        printk(XENLOG_G_WARNING "shype: revoked: d%u's I/O ports %#"PRIx64"-%#"PRIx64" (resource \"%s\"): "
               "access removed (%d); a HVM guest's direct port mapping stays\n", domid, first, last, label, rc);
        break;
    case SHYPE_XEN_RES_IOMEM:
        rc = iomem_deny_access(d, first, last);
        printk(XENLOG_G_WARNING "shype: revoked: d%u's I/O memory frames %#"PRIx64"-%#"PRIx64" (resource \"%s\"): "
               "access removed (%d); frames mapped earlier stay mapped until d%u unmaps them\n",
               domid, first, last, label, rc, domid);
        break;
    case SHYPE_XEN_RES_IRQ:
        rc = irqs_deny_access(d, first, last);
        if ( first == last )
            printk(XENLOG_G_WARNING "shype: revoked: d%u's IRQ %"PRIu64" (resource \"%s\"): access removed (%d); "
                   "an IRQ mapped and bound earlier stays bound\n", domid, first, label, rc);
        else
            printk(XENLOG_G_WARNING "shype: revoked: d%u's IRQs %"PRIu64"-%"PRIu64" (resource \"%s\"): access "
                   "removed (%d); an IRQ mapped and bound earlier stays bound\n", domid, first, last, label, rc);
        break;
    default:
        printk(XENLOG_G_WARNING "shype: revoked: d%u's PCI device %04x:%02x:%02x.%u (resource \"%s\"): "
               "stays assigned until the toolstack deassigns it; new assignments refused\n", domid,
               (unsigned int)(first >> 16), (unsigned int)(first >> 8) & 0xFF, (unsigned int)(first >> 3) & 0x1F,
               (unsigned int)first & 7, label);
        break;
    }
    rcu_unlock_domain(d);
}

/* ---- the module's hypercall (xsm_op) -------------------------------------------------------- */
/* Longest label name FLASK_CONTEXT_TO_SID accepts (longer: -ENAMETOOLONG). */
#define SHYPE_XEN_MAX_LABEL_NAME 255

/* SHYPE_XEN_OP_LOAD: a live policy change, in FLASK_LOAD's layout. Who may is the library's
 * decision (the management label); the policy is copied into Xen first (bounded by
 * SHYPE_XEN_MAX_POLICY_BYTES). -EPERM: not authorised; -EINVAL: malformed or refused (the
 * console says why); in both cases the policy in force stays. */
static long shype_op_load(struct xen_flask_op *op)
{
    unsigned int subject = current->domain->domain_id;
    char *buf;
    int rc;

    if ( op->u.load.size == 0 )
        return -EINVAL;
    if ( op->u.load.size > SHYPE_XEN_MAX_POLICY_BYTES )
    {
        printk(XENLOG_G_WARNING "shype: d%u: policy of %u bytes exceeds the limit of %u\n",
               subject, op->u.load.size, SHYPE_XEN_MAX_POLICY_BYTES);
        return -E2BIG;
    }
    buf = xmalloc_bytes(op->u.load.size);
    if ( buf == NULL )
        return -ENOMEM;
    if ( copy_from_guest(buf, op->u.load.buffer, op->u.load.size) )
    {
        xfree(buf);
        return -EFAULT;
    }
    rc = shype_xen_change_policy(subject, buf, op->u.load.size);
    xfree(buf);
    return rc == 0 ? 0 : rc == -1 ? -EPERM : rc == -3 ? -E2BIG : -EINVAL;
}

/* FLASK_SID_TO_CONTEXT, in FLASK's format: the name of the label a shype ssidref (as
 * security_domaininfo reports it) names, NUL-terminated; libxl asks it for every domain it lists
 * (xl list -Z shows it). Any domain may ask: the answer only names the policy's labels. -EINVAL
 * for an ssidref without the shype tag or naming no label (FLASK's answer to an unknown sid),
 * -ERANGE (and the size needed) when the caller's buffer is too small. */
static long shype_op_sid_to_context(XEN_GUEST_HANDLE_PARAM(void) u_op, struct xen_flask_op *op)
{
    char name[SHYPE_XEN_MAX_LABEL_NAME + 1];
    uint32_t sid = op->u.sid_context.sid;
    int len;

    if ( (sid & SHYPE_XEN_SSIDREF_MASK) != SHYPE_XEN_SSIDREF_TAG )
        return -EINVAL;
    len = shype_xen_label_name(sid & ~SHYPE_XEN_SSIDREF_MASK, name, sizeof(name));
    if ( len == -2 )
        return -ENAMETOOLONG;
    if ( len < 0 )
        return -EINVAL;
    if ( op->u.sid_context.size < (uint32_t)len + 1 )
    {
        op->u.sid_context.size = len + 1;
        return copy_to_guest(guest_handle_cast(u_op, xen_flask_op_t), op, 1) ? -EFAULT : -ERANGE;
    }
    op->u.sid_context.size = len + 1;
    if ( copy_to_guest(op->u.sid_context.context, name, len + 1) ||
         copy_to_guest(guest_handle_cast(u_op, xen_flask_op_t), op, 1) )
        return -EFAULT;
    return 0;
}

/* xl list -Z: the domain's label as a tagged ssidref (what FLASK_SID_TO_CONTEXT above turns into
 * its name); Xen's system domains and domains the monitor does not know keep 0. */
static void cf_check shype_security_domaininfo(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    unsigned int label = is_system_domain(d) ? 0xFFFF : shype_xen_domain_label(d->domain_id);

    if ( label != 0xFFFF )
        info->ssidref = SHYPE_XEN_SSIDREF_TAG | label;
}

/* xl's seclabel= goes through libxl_flask_context_to_sid(): FLASK's CONTEXT_TO_SID
 * sub-operation, in FLASK's own format. The shype module answers it with the label's ssidref
 * (SHYPE_XEN_SSIDREF_TAG | label id), which domain_create accepts; an unknown label is -ENOENT
 * with a console line naming it. Other sub-operations are not implemented yet (-EOPNOTSUPP). */
static long cf_check shype_do_xsm_op(XEN_GUEST_HANDLE_PARAM(void) u_op)
{
    struct xen_flask_op op;
    char name[SHYPE_XEN_MAX_LABEL_NAME + 1];
    unsigned int label;

    if ( copy_from_guest(&op, guest_handle_cast(u_op, xen_flask_op_t), 1) )
        return -EFAULT;
    if ( op.interface_version != XEN_FLASK_INTERFACE_VERSION )
        return -ENOSYS;
    if ( op.cmd == SHYPE_XEN_OP_LOAD )
        return shype_op_load(&op);
    if ( op.cmd == SHYPE_XEN_OP_GETSTATS )
    {
        struct shype_xen_stats stats;

        if ( !shype_xen_is_management(current->domain->domain_id) )
        {
            printk(XENLOG_G_WARNING "shype: d%u may not read the statistics (not the management label)\n",
                   current->domain->domain_id);
            return -EPERM;
        }
        if ( op.u.load.size < sizeof(stats) )
            return -ENOSPC;
        shype_xen_get_stats(&stats);
        if ( copy_to_guest(op.u.load.buffer, (const char *)&stats, sizeof(stats)) )
            return -EFAULT;
        return 0;
    }
    if ( op.cmd == SHYPE_XEN_OP_STATS )
    {
        if ( !shype_xen_is_management(current->domain->domain_id) )
        {
            printk(XENLOG_G_WARNING "shype: d%u may not read the statistics (not the management label)\n",
                   current->domain->domain_id);
            return -EPERM;
        }
        shype_xen_print_stats();
        return 0;
    }
    if ( op.cmd == FLASK_SID_TO_CONTEXT )
        return shype_op_sid_to_context(u_op, &op);
    if ( op.cmd != FLASK_CONTEXT_TO_SID )
        return -EOPNOTSUPP;

    if ( op.u.sid_context.size == 0 )
        return -EINVAL;
    if ( op.u.sid_context.size > SHYPE_XEN_MAX_LABEL_NAME )
        return -ENAMETOOLONG;
    if ( copy_from_guest(name, op.u.sid_context.context, op.u.sid_context.size) )
        return -EFAULT;
    name[op.u.sid_context.size] = '\0';
    if ( strlen(name) != op.u.sid_context.size )
        return -EINVAL; /* an embedded NUL: not a label name */

    label = shype_xen_label_by_name(name, op.u.sid_context.size);
    if ( label == 0xFFFF )
    {
        printk(XENLOG_G_WARNING "shype: d%u: seclabel \"%s\" is not a label of the policy in force\n",
               current->domain->domain_id, name);
        return -ENOENT;
    }
    op.u.sid_context.sid = SHYPE_XEN_SSIDREF_TAG | label;
    if ( copy_to_guest(guest_handle_cast(u_op, xen_flask_op_t), &op, 1) )
        return -EFAULT;
    return 0;
}

static const struct xsm_ops __initconst_cf_clobber shype_xsm_ops = {
    .domain_create = shype_domain_create,
    .free_security_domain = shype_free_security_domain,
    .evtchn_unbound = shype_evtchn_unbound,
    .evtchn_interdomain = shype_evtchn_interdomain,
    .evtchn_close_post = shype_evtchn_close_post,
    .grant_mapref = shype_grant_mapref,
    .grant_unmapref = shype_grant_unmapref,
    .grant_copy = shype_grant_copy,
    .grant_transfer = shype_grant_transfer,
    .do_xsm_op = shype_do_xsm_op,
    .security_domaininfo = shype_security_domaininfo,
    .ioport_permission = shype_ioport_permission,
    .ioport_mapping = shype_ioport_mapping,
    .iomem_permission = shype_iomem_permission,
    .iomem_mapping = shype_iomem_mapping,
    .irq_permission = shype_irq_permission,
    .map_domain_irq = shype_map_domain_irq,
    .bind_pt_irq = shype_bind_pt_irq,
    .assign_device = shype_assign_device,
    .pci_config_permission = shype_pci_config_permission,
};

#ifdef CONFIG_MULTIBOOT
/* Finds the binary policy among the boot modules by its magic ("SHYPEPOL") and takes it away
 * from dom0's modules, as xsm_multiboot_policy_init does for FLASK's. */
void __init shype_multiboot_policy_init(unsigned long *module_map, const multiboot_info_t *mbi,
                                        void **policy_buffer, size_t *policy_size)
{
    static const char magic[8] = { 'S', 'H', 'Y', 'P', 'E', 'P', 'O', 'L' };
    static const char resmagic[9] = "SHYPERES\n";
    module_t *mod = (module_t *)__va(mbi->mods_addr);
    int i;

    /* The resource map first (parsed at once: boot mappings do not last), then the policy, which
     * stays mapped for xsm_init as FLASK's does. */
    for ( i = mbi->mods_count - 1; i >= 1; i-- )
    {
        const char *start;

        if ( !test_bit(i, module_map) )
            continue;
        start = bootstrap_map(mod + i);
        if ( !shype_map_seen && mod[i].mod_end >= sizeof(resmagic) && !memcmp(start, resmagic, sizeof(resmagic)) )
        {
            /* Parsed now (the C++ unit keeps its entries; boot mappings do not last). */
            printk("shype: resource map module %d, %#x bytes\n", i, mod[i].mod_end);
            shype_xen_load_resmap(start, mod[i].mod_end);
            shype_map_seen = true;
            __clear_bit(i, module_map);
        }
        bootstrap_map(NULL);
    }
    for ( i = mbi->mods_count - 1; i >= 1; i-- )
    {
        const char *start;

        if ( !test_bit(i, module_map) )
            continue;
        start = bootstrap_map(mod + i);
        if ( mod[i].mod_end >= sizeof(magic) && !memcmp(start, magic, sizeof(magic)) )
        {
            *policy_buffer = (void *)start;
            *policy_size = mod[i].mod_end;
            printk("shype: policy module %d, %#x bytes\n", i, mod[i].mod_end);
            __clear_bit(i, module_map);
            return;
        }
        bootstrap_map(NULL);
    }
}
#endif

const struct xsm_ops *__init shype_init(const void *policy_buffer, size_t policy_size)
{
    /* Every guest id Xen hands out is one the monitor tracks. */
    BUILD_BUG_ON(SHYPE_XEN_MAX_DOMAINS != DOMID_FIRST_RESERVED);
    printk("Initialising XSM shype (Chinese Wall + Type Enforcement)\n");
    /* The module is registered even without a valid policy: it then refuses every domain but
     * dom0 (fail closed), where falling back to the dummy module would permit everything. */
    if ( shype_xen_load_initial(policy_buffer, policy_size) != 0 )
        printk(XENLOG_ERR "shype: no valid policy: domains other than dom0 will be refused\n");
    if ( !shype_map_seen )
        printk("shype: no resource map module: no guest gets I/O ports, I/O memory, IRQs or PCI devices\n");
    else if ( shype_xen_policy_loaded() )
        shype_xen_check_resmap();
    return &shype_xsm_ops;
}
