// SPDX-License-Identifier: Apache-2.0
// vdisk: labelled virtual resources served by a MAC domain (sHype 4.4). A device domain
// registers "vdisk-order" (label order) and "vdisk-ads" (label ads); clients open them
// by name through the hypervisor, which mediates the open (a client outside the disk's
// coalition is refused) and connects an event channel; the server checks the coalitions it
// shares with each client against the disk's, maps the client's request page and answers
// with that disk's data.
#include "dom0.hpp"

namespace dom0 {
using namespace g;

int suite_vdisk() {
    suite s("vdisk");
    const u64 baseline = free_pages();

    const i64 server = create("device", "mode=vdisk-server requests=2");
    const i64 order = create("order", "mode=vdisk-client name=vdisk-order sector=7");
    const i64 ads = create("ads", "mode=vdisk-client name=vdisk-ads sector=9");
    const i64 none = create("other", "mode=vdisk-client name=vdisk-tape expect=noent");
    const i64 intruder = create("ads", "mode=vdisk-client name=vdisk-order expect=eacces");
    {
        text t;
        t << "server=" << server << " clients=" << order << "," << ads << "," << none << "," << intruder;
        s.check("domains_created", server > 0 && order > 0 && ads > 0 && none > 0 && intruder > 0, t);
    }
    auto finished = [&](const char* name, i64 id) {
        refhv_domain_info di{};
        const u32 st = wait_exit(static_cast<u64>(id), di, 10000);
        text t;
        t << "state=" << st << " code=" << di.exit_code;
        s.check(name, st == REFHV_DOM_SHUTDOWN && di.exit_code == 0, t);
    };
    finished("order_client_served", order);
    finished("ads_client_served", ads);
    finished("unknown_resource_enoent", none);
    finished("other_coalitions_disk_denied", intruder);
    finished("server_checked_coalitions_and_served", server);
    {
        static const char name[] = "vdisk-order";
        const i64 r = hc(REFHV_HC_RESOURCE_OPEN, gpa(name), sizeof name - 1);
        s.check("resources_vanish_with_server", r == -REFHV_ENOENT, got("open", r));
    }
    {
        static refhv_resource_desc d;
        const char* n = "dom0-res";
        for (int i = 0; n[i] != '\0'; ++i) d.name[i] = n[i];
        const char* l = "mgmt";
        for (int i = 0; l[i] != '\0'; ++i) d.label[i] = l[i];
        const i64 a = hc(REFHV_HC_RESOURCE_REGISTER, gpa(&d));
        const i64 b = hc(REFHV_HC_RESOURCE_REGISTER, gpa(&d));
        text t;
        t << "first=" << a << " second=" << b;
        s.check("duplicate_name_refused", a >= 0 && b == -REFHV_EEXIST, t);
    }
    destroy(server);
    destroy(order);
    destroy(ads);
    destroy(none);
    destroy(intruder);
    return end_without_leak(s, baseline);
}

}  // namespace dom0
