// SPDX-License-Identifier: Apache-2.0
// The adapter's plans (plan.hpp), its command line (arguments.hpp) and its error type
// (error.hpp), in-process and without libvirt: a plan is a pure function from the gathered
// inputs (configuration, label map, state, a monitor replayed from it, the XML libvirt passed)
// to refusals and actions, so each is checked here on inputs built in memory. Only the test
// policies are read from tests/data.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "arguments.hpp"
#include "engine.hpp"
#include "error.hpp"
#include "host.hpp"
#include "plan.hpp"
#include <shype/tool/io/policy_file.hpp>
#include "support.hpp"

namespace {

using namespace shype::libvirt;
namespace tool = shype::tool;

using test::policy;
using test::dom;

disk_use disk(const std::string& key, const std::string& label) {
  disk_use k;
  k.key = key;
  k.label = label;
  return k;
}

/// A host as the commands see it after gathering: the state, and a monitor replayed from it.
struct host {
  config cfg;
  label_map map;
  host_state state;
  host_view view;

  explicit host(const std::string& policy_file = "policy.xml") {
    cfg.virsh = "/usr/bin/virsh";
    cfg.uri = "qemu:///system";
    auto e = engine::load(policy(policy_file));
    EXPECT_TRUE(e.ok()) << e.message();
    if (e) view.eng = std::move(*e);
  }
  /// Admits `d` to the state and the monitor (as rebuild() replays an admitted domain).
  void add(domain_entry d) {
    EXPECT_EQ(view.eng->admit(d, shype::hook::domain_create), "") << d.name;
    d.state = phase::running;
    state.add(std::move(d));
  }
};

// ===== change-policy ==============================================================================

// A port the new policy forbids becomes one domif-setlink action; the state to commit marks it
// revoked and counts the change; the monitor keeps the policy in force (the plan changed nothing).
TEST(ChangePlan, ARevokedPortIsSetLinkDownAndMarkedInTheStateToCommit) {
  host h;
  domain_entry order = dom("order", "dom_Order");
  order.ports = {{"net-o", "p1", "52:54:00:00:00:01", "net_Order", false}, {"net-a", "p2", "m2", "", false}};
  h.add(order);
  h.add(dom("comp", "dom_Computing"));
  const auto next = policy("policy-v2-revoke.xml");
  const change_plan plan = plan_change_policy({h.cfg, h.map, *h.view.eng, h.view.problems, h.state, next});

  EXPECT_FALSE(plan.refused()) << plan.refusals.front();
  EXPECT_EQ(plan.title_before, "'libvirt.test' version 1.0");
  EXPECT_EQ(plan.title_after, "'libvirt.test' version 1.1");
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].description,
            "domain 'order' (label dom_Order) may no longer use network net-o (label net_Order): port p1");
  EXPECT_EQ(plan.actions[0].command, (std::vector<std::string>{"/usr/bin/virsh", "-c", "qemu:///system", "domif-setlink",
                                                               "uuid-order", "52:54:00:00:00:01", "down"}));
  ASSERT_EQ(plan.next.domains.size(), 2u);
  EXPECT_TRUE(plan.next.domains[0].ports[0].revoked);
  EXPECT_FALSE(plan.next.domains[0].ports[1].revoked);
  EXPECT_FALSE(plan.next.domains[0].suspended);
  EXPECT_EQ(plan.next.changes, h.state.changes + 1);
  EXPECT_TRUE(plan.renames.empty());

  // Nothing of the inputs changed: the state as it was, the monitor still under 1.0.
  EXPECT_FALSE(h.state.domains[0].ports[0].revoked);
  EXPECT_EQ(h.state.changes, 0u);
  EXPECT_EQ(h.view.eng->policy_title(), "'libvirt.test' version 1.0");
  // Planning again gives the same plan.
  const change_plan again = plan_change_policy({h.cfg, h.map, *h.view.eng, h.view.problems, h.state, next});
  ASSERT_EQ(again.actions.size(), 1u);
  EXPECT_EQ(again.actions[0].command, plan.actions[0].command);
}

// Disks: a domain is suspended once however many of its disks are revoked; with
// on_revoked_disk = report the revocations are only reported (no command, not suspended).
TEST(ChangePlan, RevokedDisksSuspendTheDomainOnceOrAreOnlyReported) {
  for (const bool suspend : {true, false}) {
    host h;
    h.cfg.suspend_on_revoked_disk = suspend;
    domain_entry order = dom("order", "dom_Order");
    // v2 moves resource label net_Order to the Computing coalition: both disks carry it.
    order.disks = {disk("/d/a.img", "net_Order"), disk("/d/b.img", "net_Order"), disk("/d/c.img", "vdisk_Order")};
    h.add(order);
    const change_plan plan =
        plan_change_policy({h.cfg, h.map, *h.view.eng, h.view.problems, h.state, policy("policy-v2-revoke.xml")});
    ASSERT_FALSE(plan.refused()) << plan.refusals.front();
    ASSERT_EQ(plan.actions.size(), 2u);
    EXPECT_EQ(plan.actions[0].description, "domain 'order' (label dom_Order) may no longer use disk /d/a.img (label net_Order)");
    EXPECT_EQ(plan.actions[1].description, "domain 'order' (label dom_Order) may no longer use disk /d/b.img (label net_Order)");
    if (suspend)
      EXPECT_EQ(plan.actions[0].command,
                (std::vector<std::string>{"/usr/bin/virsh", "-c", "qemu:///system", "suspend", "uuid-order"}));
    else
      EXPECT_TRUE(plan.actions[0].command.empty());
    EXPECT_TRUE(plan.actions[1].command.empty());  // suspended once (or reported only)
    const domain_entry& d = plan.next.domains[0];
    EXPECT_TRUE(d.disks[0].revoked);
    EXPECT_TRUE(d.disks[1].revoked);
    EXPECT_FALSE(d.disks[2].revoked);
    EXPECT_EQ(d.suspended, suspend);
  }
}

// Every reason to refuse is planned, one line each, and a refused plan holds no action.
TEST(ChangePlan, RefusalsComeWithNoActions) {
  {  // the monitor's own refusal: the new conflict set would hold two running domains
    host h;
    h.add(dom("order", "dom_Order"));
    h.add(dom("comp", "dom_Computing"));
    const change_plan plan =
        plan_change_policy({h.cfg, h.map, *h.view.eng, h.view.problems, h.state, policy("policy-v3-conflict.xml")});
    ASSERT_EQ(plan.refusals.size(), 1u);
    EXPECT_EQ(plan.refusals[0],
              "Chinese Wall: domain 'comp' (label dom_Computing) and domain 'order' (label dom_Order) both run here, "
              "and the new policy's conflict set OrderIsolation holds both their types");
    EXPECT_TRUE(plan.actions.empty());
    EXPECT_TRUE(plan.next.domains.empty());
  }
  {  // the host out of line, the map and unlabelled_domains naming labels the policy lacks
    host h;
    h.view.problems = {"admitted domain 'x' (label dom_Gone) cannot be placed: ..."};
    auto map = label_map::parse("vdisk_Nowhere /d/x.img\n", "map");
    ASSERT_TRUE(map) << map.message();
    h.map = *map;
    h.cfg.unlabelled_label = "dom_Nowhere";
    const change_plan plan =
        plan_change_policy({h.cfg, h.map, *h.view.eng, h.view.problems, h.state, policy("policy-v2-revoke.xml")});
    ASSERT_EQ(plan.refusals.size(), 3u);
    EXPECT_EQ(plan.refusals[0], "the host does not fit the policy in force: admitted domain 'x' (label dom_Gone) cannot be placed: ...");
    EXPECT_EQ(plan.refusals[1], "disk label map: map:1: vdisk_Nowhere: not a resource label of policy 'libvirt.test'");
    EXPECT_EQ(plan.refusals[2], "unlabelled_domains (built-in default): label dom_Nowhere is not in the new policy");
    EXPECT_TRUE(plan.actions.empty());
  }
}

// ===== install / uninstall ========================================================================

TEST(InstallPlan, RefusedForDomainsThatDoNotFitElseTwoWrappers) {
  host h;
  h.view.unlabelled = {"running domain 'u' cannot be admitted: it has no shype label"};
  install_plan refused = plan_install(h.view, "/etc/libvirt/hooks", "/usr/sbin/shype-libvirt", "/etc/shype/libvirt.conf");
  ASSERT_EQ(refused.refusals.size(), 1u);
  EXPECT_TRUE(refused.hooks.empty());

  h.view.unlabelled.clear();
  const install_plan plan = plan_install(h.view, "/h", "/usr/sbin/shype-libvirt", "/etc/shype/libvirt.conf");
  EXPECT_TRUE(plan.refusals.empty());
  ASSERT_EQ(plan.hooks.size(), 2u);
  EXPECT_EQ(plan.hooks[0].path, "/h/qemu.d/shype");
  EXPECT_EQ(plan.hooks[1].path, "/h/network.d/shype");
  EXPECT_EQ(plan.hooks[1].mode, 0755u);
  EXPECT_NE(plan.hooks[0].content.find(install_marker), std::string::npos);
  EXPECT_NE(plan.hooks[0].content.find("exec '/usr/sbin/shype-libvirt' hook qemu --config '/etc/shype/libvirt.conf' \"$@\"\n"),
            std::string::npos)
      << plan.hooks[0].content;
}

TEST(InstallPlan, ADifferentPolicyInForceIsOnlyReplacedWhenAsked) {
  const std::vector<std::uint8_t> a{1, 2, 3}, b{4, 5};
  EXPECT_FALSE(install_replaces(std::nullopt, a, false, "/s/policy.bin"));
  EXPECT_FALSE(install_replaces(a, a, false, "/s/policy.bin"));
  EXPECT_FALSE(install_replaces(a, b, true, "/s/policy.bin"));
  EXPECT_EQ(install_replaces(a, b, false, "/s/policy.bin").value_or(""),
            "a different policy is in force (/s/policy.bin): use 'shype-libvirt change-policy', or --replace-policy");
}

TEST(UninstallPlan, RemovesOnlyWhatInstallWrote) {
  const auto steps = plan_uninstall("/h", std::string("#!/bin/sh\n# ") + install_marker + "\n", std::string("#!/bin/sh\nmine\n"));
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].file, "/h/qemu.d/shype");
  EXPECT_EQ(steps[0].what, uninstall_step::act::remove);
  EXPECT_EQ(steps[1].what, uninstall_step::act::not_ours);
  EXPECT_EQ(plan_uninstall("/h", std::nullopt, std::nullopt)[0].what, uninstall_step::act::absent);
}

// ===== the qemu hook ==============================================================================

const network_labels no_networks;

domain_desc desc(const std::string& name, const std::string& label, long id = -1) {
  domain_desc d;
  d.name = name;
  d.uuid = "uuid-" + name;
  d.id = id;
  d.label.present = !label.empty();
  d.label.name = label;
  return d;
}

TEST(QemuPlan, EventsOfLibvirtsCalls) {
  EXPECT_EQ(qemu_event_of("prepare", "begin"), qemu_event::admit);
  EXPECT_EQ(qemu_event_of("reconnect", "begin"), qemu_event::admit);
  EXPECT_EQ(qemu_event_of("started", "begin"), qemu_event::started);
  EXPECT_EQ(qemu_event_of("release", "end"), qemu_event::release);
  EXPECT_EQ(qemu_event_of("release", "begin"), qemu_event::ignored);
  EXPECT_EQ(qemu_event_of("stopped", "end"), qemu_event::ignored);
  EXPECT_TRUE(qemu_admits_afresh("migrate"));
  EXPECT_FALSE(qemu_admits_afresh("start"));
  EXPECT_STREQ(qemu_what("migrate"), "incoming migration");
}

TEST(QemuPlan, AnAdmissionOrARefusalNamingTheConflict) {
  host h;
  h.add(dom("alpha", "dom_Ads_Alpha"));
  const std::string op = "prepare", daemon = "10:20";
  const std::optional<domain_entry> none;

  const domain_desc beta = desc("beta", "dom_Ads_Beta");
  const hook_plan refused = plan_qemu_admit({h.cfg, h.map, op, beta, h.state, none, h.view, daemon, no_networks});
  EXPECT_EQ(refused.refusal.value_or(""),
            "shype: refused start of domain 'beta' (label dom_Ads_Beta): Chinese Wall: conflict set CompetingOEMs: domain "
            "'alpha' (label dom_Ads_Alpha) runs here with type cw_OEM_Alpha; this domain's type cw_OEM_Beta is in the same set");
  EXPECT_FALSE(refused.save);

  const domain_desc order = desc("order", "dom_Order");
  const hook_plan admitted = plan_qemu_admit({h.cfg, h.map, op, order, h.state, none, h.view, daemon, no_networks});
  EXPECT_FALSE(admitted.refusal);
  ASSERT_TRUE(admitted.save);
  ASSERT_EQ(admitted.save->domains.size(), 2u);
  EXPECT_EQ(admitted.save->domains[1].label, "dom_Order");
  EXPECT_EQ(admitted.save->domains[1].state, phase::admitted);
  EXPECT_EQ(admitted.save->domains[1].daemon, daemon);
  EXPECT_EQ(admitted.log, (std::vector<std::string>{"admitted start of domain 'order' (label dom_Order, 0 disk(s))"}));
  EXPECT_EQ(h.state.domains.size(), 1u);  // the input state is not touched

  const domain_desc unlabelled = desc("u", "");
  EXPECT_NE(plan_qemu_admit({h.cfg, h.map, op, unlabelled, h.state, none, h.view, daemon, no_networks}).refusal.value_or("").find(
                "shype: refused start of domain 'u': it has no shype label"),
            std::string::npos);
}

// A reconnecting domain's live ports carry the labels gathered for their networks (the plan
// reads no file): here one its coalition may not use.
TEST(QemuPlan, PortsOfARunningDomainAreJudgedByTheGatheredNetworkLabels) {
  host h;
  domain_desc order = desc("order", "dom_Order", 3);
  interface_desc itf;
  itf.network = "net-a";
  itf.portid = "p1";
  itf.mac = "m1";
  order.interfaces = {itf};
  const std::string op = "reconnect", daemon;
  const std::optional<domain_entry> none;
  const network_labels ads{{"net-a", "net_Ads"}};
  EXPECT_EQ(plan_qemu_admit({h.cfg, h.map, op, order, h.state, none, h.view, daemon, ads}).refusal.value_or(""),
            "shype: refused reconnection of domain 'order' (label dom_Order): Type Enforcement: network net-a (resource "
            "label net_Ads, types Advertising) shares no type with this domain (types Order)");
  const network_labels orders{{"net-a", "net_Order"}};
  const hook_plan ok = plan_qemu_admit({h.cfg, h.map, op, order, h.state, none, h.view, daemon, orders});
  ASSERT_TRUE(ok.save) << ok.refusal.value_or("");
  EXPECT_EQ(ok.save->domains[0].ports[0].label, "net_Order");
}

// While an admitted domain does not fit the policy in force, new admissions are refused (fail
// closed); a reconnecting domain is judged on its own; a placed domain's start is confirmed.
TEST(QemuPlan, FailClosedOnProblemsButJudgeReconnectionsAlone) {
  host h;
  h.add(dom("alpha", "dom_Ads_Alpha"));
  h.view.problems = {"admitted domain 'x' cannot be placed"};
  const std::optional<domain_entry> none;
  const std::string prepare = "prepare", reconnect = "reconnect", started = "started", daemon;
  const domain_desc order = desc("order", "dom_Order");
  EXPECT_EQ(plan_qemu_admit({h.cfg, h.map, prepare, order, h.state, none, h.view, daemon, no_networks}).refusal.value_or(""),
            "shype: refused start of domain 'order': the domains admitted on this host do not fit the policy in force "
            "(admitted domain 'x' cannot be placed); see 'shype-libvirt status'");
  const hook_plan back = plan_qemu_admit({h.cfg, h.map, reconnect, order, h.state, none, h.view, daemon, no_networks});
  EXPECT_FALSE(back.refusal);
  ASSERT_TRUE(back.save);
  EXPECT_EQ(back.save->find("uuid-order")->state, phase::running);

  domain_entry pending = dom("order", "dom_Order");
  host h2;
  h2.add(pending);
  h2.state.domains[0].state = phase::admitted;
  const hook_plan confirmed = plan_qemu_admit({h2.cfg, h2.map, started, order, h2.state, none, h2.view, daemon, no_networks});
  ASSERT_TRUE(confirmed.save);
  EXPECT_EQ(confirmed.save->domains[0].state, phase::running);
  EXPECT_EQ(confirmed.save->domains.size(), 1u);  // confirmed, not counted twice
}

TEST(QemuPlan, ReleaseFreesOnlyThisIncarnation) {
  host_state s;
  domain_entry a = dom("a", "dom_Order");
  a.libvirt_id = 7;
  s.add(a);
  EXPECT_FALSE(plan_qemu_release(s, desc("a", "dom_Order", 8)).save);  // another incarnation
  const hook_plan p = plan_qemu_release(s, desc("a", "dom_Order", 7));
  ASSERT_TRUE(p.save);
  EXPECT_TRUE(p.save->domains.empty());
  EXPECT_EQ(p.if_save_fails, hook_plan::on_save_failure::fail);
  EXPECT_EQ(p.log, (std::vector<std::string>{"released domain 'a' (label dom_Order)"}));
}

// ===== the network hook ===========================================================================

network_desc net(const std::string& name, const std::string& label) {
  network_desc n;
  n.name = name;
  n.label.present = !label.empty();
  n.label.name = label;
  return n;
}

port_desc port(const std::string& owner, const std::string& uuid, const std::string& mac) {
  return port_desc{uuid, owner, "uuid-" + owner, mac};
}

TEST(NetworkPlan, PortsAreDecidedByTypeEnforcementAndKeepTheirStanding) {
  host h;
  h.add(dom("order", "dom_Order"));
  h.add(dom("alpha", "dom_Ads_Alpha"));
  const network_desc o = net("net-o", "net_Order");

  EXPECT_EQ(plan_port_created(h.cfg, h.state, h.view, o, port("alpha", "p2", "m2")).refusal.value_or(""),
            "shype: refused domain 'alpha' on network 'net-o' (label dom_Ads_Alpha): Type Enforcement: network net-o "
            "(resource label net_Order, types Order) shares no type with this domain (types Advertising)");
  EXPECT_EQ(plan_port_created(h.cfg, h.state, h.view, o, port("nobody", "p3", "m3")).refusal.value_or(""),
            "shype: refused domain 'nobody' on network 'net-o': the domain was not admitted by shype's qemu hook");

  hook_plan admitted = plan_port_created(h.cfg, h.state, h.view, o, port("order", "p1", "m1"));
  ASSERT_FALSE(admitted.refusal) << *admitted.refusal;
  ASSERT_TRUE(admitted.save);
  ASSERT_EQ(admitted.save->find("uuid-order")->ports.size(), 1u);
  EXPECT_TRUE(h.state.find("uuid-order")->ports.empty());  // the input state is not touched

  // The same interface re-created under a new port id inherits its standing (here: revoked).
  host_state s = *admitted.save;
  s.find("uuid-order")->ports[0].revoked = true;
  const hook_plan again = plan_port_created(h.cfg, s, h.view, o, port("order", "p9", "m1"));
  ASSERT_TRUE(again.save);
  const auto& ports = again.save->find("uuid-order")->ports;
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[1].portid, "p9");
  EXPECT_TRUE(ports[1].revoked);

  const hook_plan deleted = plan_port_deleted(s, o, port("order", "p1", "m1"));
  ASSERT_TRUE(deleted.save);
  EXPECT_TRUE(deleted.save->find("uuid-order")->ports.empty());
  EXPECT_EQ(deleted.if_save_fails, hook_plan::on_save_failure::warn);
  EXPECT_FALSE(plan_port_deleted(s, o, port("order", "p404", "m1")).save);
}

TEST(NetworkPlan, ANetworkStartsOnlyWithALabelOfThePolicy) {
  const auto bytes = policy("policy.xml");
  const auto v = shype::policy_view::load(shype::byte_view(bytes.data(), bytes.size()));
  config c;
  EXPECT_FALSE(plan_network_start(c, v.value(), net("n", "net_Order")).refusal);
  EXPECT_FALSE(plan_network_start(c, v.value(), net("n", "")).refusal);
  EXPECT_EQ(plan_network_start(c, v.value(), net("n", "net_Gone")).refusal.value_or(""),
            "shype: refused start of network 'n': its label net_Gone is not a ResourceLabel of the policy in force");
  c.refuse_unlabelled_networks = true;
  EXPECT_TRUE(plan_network_start(c, v.value(), net("n", "")).refusal);
}

// ===== the command line and the error type ========================================================

TEST(CommandLine, OneStructPerCommandAndUsageErrorsExitTwo) {
  auto change = parse_command_line({"change-policy", "--dry-run", "p.xml", "--config", "/c"});
  ASSERT_TRUE(change.ok()) << change.message();
  const auto& c = std::get<change_options>(*change);
  EXPECT_EQ(c.policy, "p.xml");
  EXPECT_EQ(c.config_file, "/c");
  EXPECT_TRUE(c.dry_run);

  const auto unknown = parse_command_line({"status", "--bogus"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.failure().exit_code(), exit_usage);
  EXPECT_EQ(unknown.message(), "shype-libvirt status: unknown option --bogus (see 'shype-libvirt status --help')");
  EXPECT_EQ(parse_command_line({"install", "--policy", "p", "--config", "relative"}).message(),
            "shype-libvirt install: --config must be an absolute path without a single quote, got 'relative'");
  EXPECT_EQ(parse_command_line({"frobnicate"}).failure().exit_code(), exit_usage);

  const auto help = parse_command_line({"status", "-h"});
  ASSERT_TRUE(help.ok());
  EXPECT_NE(std::get<help_request>(*help).text.find("usage: shype-libvirt status"), std::string::npos);
  EXPECT_TRUE(std::get<help_request>(*parse_command_line({})).to_stderr);

  // A hook's arguments are libvirt's, passed through as they are (a domain may be named --help).
  const auto hook = parse_command_line({"hook", "qemu", "--config", "/c", "--help", "prepare", "begin", "-"});
  ASSERT_TRUE(hook.ok());
  const auto& o = std::get<hook_options>(*hook);
  EXPECT_EQ(o.config_file, "/c");
  EXPECT_EQ(o.name, "--help");
  EXPECT_EQ(o.op, "prepare");
  EXPECT_EQ(o.sub, "begin");
  EXPECT_EQ(o.extra, (std::vector<std::string>{"-"}));
  const auto short_call = parse_command_line({"hook", "network", "lan", "start"});
  EXPECT_EQ(short_call.failure().exit_code(), exit_usage);
  EXPECT_EQ(short_call.message(),
            "shype: hook network: expected NAME OPERATION SUB-OPERATION [EXTRA] (libvirt's calling convention)");
}

TEST(Error, KindsAreTheDocumentedExitCodes) {
  EXPECT_EQ(error("x").exit_code(), 3);
  EXPECT_EQ(error("x", error::kind::refused).exit_code(), 1);
  EXPECT_EQ(error("x", error::kind::usage).exit_code(), 2);
  EXPECT_EQ(error("PATH: cannot open").prefixed("shype-libvirt status: ").message(), "shype-libvirt status: PATH: cannot open");
  tool::diagnostics d;
  d.error("f", 2, "k", "bad");
  d.error("f", 3, "k", "worse");
  const error e = error::of(d, "unused");
  ASSERT_EQ(e.lines.size(), 2u);
  EXPECT_EQ(e.lines[1], "f:3: k: worse");
  const result<int> r = error("nope");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.value_or(4), 4);
  EXPECT_EQ(result<int>(5).value_or(4), 5);
}

}  // namespace
