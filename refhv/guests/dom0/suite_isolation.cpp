// SPDX-License-Identifier: Apache-2.0
// isolation: each domain sees only its own nested page table; a domain that reaches
// outside it, or tries privileged instructions, is killed or refused, and the others
// (dom0 included) carry on.
#include "dom0.hpp"

namespace dom0 {
using namespace g;

namespace {
/// Run a domU to completion; returns its info.
refhv_domain_info run(const char* label, const char* cmdline) {
    refhv_domain_info di{};
    const i64 id = create(label, cmdline);
    if (id <= 0) {
        di.state = 0;
        di.exit_code = static_cast<std::int32_t>(id);
        return di;
    }
    wait_exit(static_cast<u64>(id), di);
    destroy(id);
    return di;
}

text describe(const refhv_domain_info& di) {
    text t;
    t << "state=" << di.state << " reason=" << di.exit_reason << " code=" << di.exit_code << " gpa="
      << hex{di.fault_gpa};
    return t;
}

bool killed_npf(const refhv_domain_info& di, u64 gpa_expected) {
    return di.state == REFHV_DOM_KILLED && di.exit_reason == REFHV_EXIT_NPF && di.fault_gpa == gpa_expected;
}
}  // namespace

int suite_isolation() {
    suite s("isolation");
    const u64 baseline = free_pages();
    const u64 mem = REFHV_DOMAIN_MIN_MEM;
    text cmd;

    {
        cmd.clear();
        cmd << "mode=touch addr=" << (mem + 0x1000);
        const auto di = run("wild", cmd.c_str());
        s.check("read_past_own_ram_kills", killed_npf(di, mem + 0x1000), describe(di));
    }
    {
        cmd.clear();
        cmd << "mode=touch write=1 addr=" << (mem + 0x200000);
        const auto di = run("wild", cmd.c_str());
        s.check("write_past_own_ram_kills", killed_npf(di, mem + 0x200000), describe(di));
    }
    {
        const auto di = run("wild", "mode=touch addr=0");
        s.check("null_page_kills", killed_npf(di, 0), describe(di));
    }
    {
        // dom0's memory (and the hypervisor's) has no name in a domU's guest-physical space:
        // 0x3F000000 is covered by the domU's page tables but by nothing in its nested table.
        cmd.clear();
        cmd << "mode=touch write=1 addr=" << 0x3F000000u;
        const auto di = run("wild", cmd.c_str());
        s.check("unbacked_gpa_kills", killed_npf(di, 0x3F000000), describe(di));
    }
    {
        cmd.clear();
        cmd << "mode=jump addr=" << 0x20000000u;
        const auto di = run("wild", cmd.c_str());
        s.check("execute_outside_kills", killed_npf(di, 0x20000000), describe(di));
    }
    {
        const auto di = run("wild", "mode=triple");
        s.check("triple_fault_kills",
                di.state == REFHV_DOM_KILLED && di.exit_reason == REFHV_EXIT_TRIPLE_FAULT, describe(di));
    }
    {
        // One domain dies while another one runs next to it; the other one finishes normally.
        const i64 good = create("good", "mode=hello code=7");
        cmd.clear();
        cmd << "mode=touch addr=" << (mem + 0x5000);
        const i64 bad = create("wild", cmd.c_str());
        refhv_domain_info dg{}, db{};
        wait_exit(static_cast<u64>(good), dg);
        wait_exit(static_cast<u64>(bad), db);
        destroy(good);
        destroy(bad);
        text t;
        t << "good: " << describe(dg).c_str() << " bad: " << describe(db).c_str();
        s.check("others_continue", dg.state == REFHV_DOM_SHUTDOWN && dg.exit_code == 7 && killed_npf(db, mem + 0x5000), t);
    }
    {
        const auto di = run("probe", "mode=probe what=vmrun");
        s.check("svm_instruction_raises_ud", di.state == REFHV_DOM_SHUTDOWN && di.exit_code == 6, describe(di));
    }
    {
        const auto r = run("probe", "mode=probe what=rdmsr");
        const auto w = run("probe", "mode=probe what=wrmsr");
        text t;
        t << "rdmsr " << describe(r).c_str() << " wrmsr " << describe(w).c_str();
        s.check("msr_access_raises_gp", r.exit_code == 13 && w.exit_code == 13 && r.state == REFHV_DOM_SHUTDOWN &&
                                            w.state == REFHV_DOM_SHUTDOWN, t);
    }
    {
        const auto di = run("probe", "mode=probe what=dr0");
        s.check("debug_registers_refused", di.state == REFHV_DOM_SHUTDOWN && di.exit_code == 13, describe(di));
    }
    {
        // If the write reached isa-debug-exit, QEMU would stop here and the run would fail.
        const auto di = run("probe", "mode=probe what=debugexit");
        s.check("port_io_contained", di.state == REFHV_DOM_SHUTDOWN && di.exit_code == 0, describe(di));
    }
    {
        const auto di = run("probe", "mode=probe what=inport");
        s.check("port_reads_float", di.state == REFHV_DOM_SHUTDOWN && di.exit_code == 0, describe(di));
    }
    {
        const auto di = run("halt", "mode=halt");
        s.check("hlt_is_a_short_block", di.state == REFHV_DOM_SHUTDOWN && di.exit_code == 0, describe(di));
    }
    return end_without_leak(s, baseline);
}

}  // namespace dom0
