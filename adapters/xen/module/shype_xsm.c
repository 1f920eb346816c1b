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
#include <xen/xmalloc.h>
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
/* The resource map: a boot module of text beginning "SHYPERES\n", one resource a line:
 *     ioport FIRST-LAST LABEL        (hexadecimal port numbers, 0x optional; # comments)
 * LABEL is a resource label of the policy, looked up by name at each decision (so a live policy
 * change applies). Limits: SHYPE_XEN_MAX_RESMAP_BYTES, SHYPE_XEN_MAX_RESOURCES entries, label
 * names up to SHYPE_XEN_MAX_RESLABEL - 1 bytes. A map that breaks a rule is refused as a whole
 * (console line naming the line) and then no guest gets I/O ports (fail closed). */
#define SHYPE_XEN_MAX_RESMAP_BYTES 4096
#define SHYPE_XEN_MAX_RESOURCES 64
#define SHYPE_XEN_MAX_RESLABEL 64
struct shype_ioport_range {
    uint32_t first, last;
    char label[SHYPE_XEN_MAX_RESLABEL];
};
static struct shype_ioport_range shype_ioports[SHYPE_XEN_MAX_RESOURCES];
static unsigned int shype_nr_ioports;
static char __initdata shype_resmap[SHYPE_XEN_MAX_RESMAP_BYTES + 1];
static size_t __initdata shype_resmap_size;

static bool __init parse_hex(const char **p, uint32_t *out)
{
    const char *s = *p;
    uint32_t v = 0;
    int n = 0;

    if ( s[0] == '0' && (s[1] == 'x' || s[1] == 'X') )
        s += 2;
    for ( ; ; s++, n++ )
    {
        int d = (*s >= '0' && *s <= '9') ? *s - '0' : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
              : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : -1;
        if ( d < 0 )
            break;
        if ( v > 0xFFFFu )
            return false;
        v = v * 16 + d;
    }
    if ( n == 0 || v > 0xFFFFu )
        return false;
    *p = s;
    *out = v;
    return true;
}

/* Parses the map; on the first bad line logs it and keeps no entry. */
static void __init shype_parse_resmap(void)
{
    const char *p = shype_resmap + 9, *end = shype_resmap + shype_resmap_size; /* after the magic line */
    unsigned int line = 1, n = 0;
    const char *why = NULL;

    while ( p < end && why == NULL )
    {
        const char *eol = p, *l;
        struct shype_ioport_range *r;
        size_t len;

        while ( eol < end && *eol != '\n' )
            eol++;
        line++;
        l = p;
        p = eol + 1;
        while ( l < eol && (*l == ' ' || *l == '\t' || *l == '\r') )
            l++;
        if ( l == eol || *l == '#' )
            continue;
        if ( n == SHYPE_XEN_MAX_RESOURCES )
        {
            why = "more than 64 resources";
            break;
        }
        r = &shype_ioports[n];
        if ( eol - l < 7 || memcmp(l, "ioport ", 7) )
        {
            why = "expected \"ioport FIRST-LAST LABEL\"";
            break;
        }
        l += 7;
        if ( !parse_hex(&l, &r->first) || *l++ != '-' || !parse_hex(&l, &r->last) || r->last < r->first )
        {
            why = "bad port range (hexadecimal FIRST-LAST, FIRST <= LAST <= ffff)";
            break;
        }
        if ( *l != ' ' )
        {
            why = "expected a space and a resource label after the range";
            break;
        }
        while ( l < eol && *l == ' ' )
            l++;
        len = eol - l;
        while ( len > 0 && (l[len - 1] == ' ' || l[len - 1] == '\r') )
            len--;
        if ( len == 0 || len >= SHYPE_XEN_MAX_RESLABEL )
        {
            why = "resource label missing or longer than 63 bytes";
            break;
        }
        memcpy(r->label, l, len);
        r->label[len] = '\0';
        n++;
    }
    if ( why != NULL )
    {
        printk(XENLOG_ERR "shype: resource map refused: line %u: %s; no guest gets I/O ports\n", line, why);
        shype_nr_ioports = 0;
        return;
    }
    shype_nr_ioports = n;
    printk("shype: resource map: %u I/O port range(s)\n", n);
}

/* Granting a guest I/O ports (xl's ioports=, XEN_DOMCTL_ioport_permission): after Xen's own
 * check, the whole range must lie in one range of the resource map whose resource label the
 * guest's label may use (the library's resource_access). Taking ports away is not checked, nor
 * are dom0's (the hardware domain owns the ports it hands out). */
static int cf_check shype_ioport_permission(struct domain *d, uint32_t s, uint32_t e, uint8_t allow)
{
    int rc = xsm_ioport_permission(d, s, e, allow);
    const struct shype_ioport_range *r = NULL;
    unsigned int i, res;

    if ( rc || !allow || is_system_domain(d) || d->domain_id == 0 )
        return rc;
    for ( i = 0; i < shype_nr_ioports && r == NULL; i++ )
        if ( s >= shype_ioports[i].first && e <= shype_ioports[i].last )
            r = &shype_ioports[i];
    if ( r == NULL )
    {
        printk(XENLOG_G_WARNING "shype: d%u refused I/O ports %#x-%#x: no range of the resource map holds them\n",
               d->domain_id, s, e);
        return -EPERM;
    }
    res = shype_xen_resource_by_name(r->label, strlen(r->label));
    if ( res == 0xFFFF )
    {
        printk(XENLOG_G_WARNING "shype: d%u refused I/O ports %#x-%#x: resource label \"%s\" is not in the policy in force\n",
               d->domain_id, s, e, r->label);
        return -EPERM;
    }
    rc = to_errno(shype_xen_resource_access(d->domain_id, res));
    if ( rc )
        printk(XENLOG_G_WARNING "shype: d%u refused I/O ports %#x-%#x (resource \"%s\")\n",
               d->domain_id, s, e, r->label);
    return rc;
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
    .ioport_permission = shype_ioport_permission,
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

    /* The resource map first (copied: boot mappings do not last), then the policy, which stays
     * mapped for xsm_init as FLASK's does. */
    for ( i = mbi->mods_count - 1; i >= 1; i-- )
    {
        const char *start;

        if ( !test_bit(i, module_map) )
            continue;
        start = bootstrap_map(mod + i);
        if ( mod[i].mod_end >= sizeof(resmagic) && !memcmp(start, resmagic, sizeof(resmagic)) )
        {
            if ( mod[i].mod_end > SHYPE_XEN_MAX_RESMAP_BYTES )
                printk(XENLOG_ERR "shype: resource map of %#x bytes exceeds the limit of %#x: ignored, no guest gets I/O ports\n",
                       mod[i].mod_end, SHYPE_XEN_MAX_RESMAP_BYTES);
            else
            {
                memcpy(shype_resmap, start, mod[i].mod_end);
                shype_resmap_size = mod[i].mod_end;
                printk("shype: resource map module %d, %#x bytes\n", i, mod[i].mod_end);
            }
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
    if ( shype_resmap_size != 0 )
        shype_parse_resmap();
    return &shype_xsm_ops;
}
