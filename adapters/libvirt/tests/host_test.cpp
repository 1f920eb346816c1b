// SPDX-License-Identifier: Apache-2.0
// The libvirt adapter on a host's files, in-process (part of libvirt_unit): change-policy with
// label renames, the one-step commit of a policy and its state (failed writes leave both old
// files), version-1 state files, and the rebuild from libvirt's records (a run directory laid
// out as libvirt lays it out, with a live and a dead QEMU pid).
#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "commands.hpp"
#include "config.hpp"
#include "engine.hpp"
#include "host.hpp"
#include "host_state.hpp"
#include "label_map.hpp"
#include <shype/tool/io/policy_file.hpp>
#include "support.hpp"
#include "unit_support.hpp"
#include "util.hpp"

namespace {

using namespace shype::libvirt;
using namespace shype::libvirt::test;
namespace tool = shype::tool;

// ===== change-policy with label renames (Xen ACM's <Name from="old">new</Name>) ================

class ChangeWithRenames : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = scratch("renames");
    write(dir + "/shype.conf", "state_dir = " + dir + "/state\ndisk_labels = " + dir + "/disk-labels\nlibvirt_run_dir = " + dir +
                                   "/run\nvirsh = /bin/false\n");
    write(dir + "/disk-labels", "");
    std::string error;
    ASSERT_TRUE(done(make_dirs(dir + "/state"), error)) << error;
    const auto bin = policy("policy.xml");
    ASSERT_TRUE(done(write_atomic(dir + "/state/policy.bin", std::string(bin.begin(), bin.end()), 0600), error)) << error;
    // An advertiser with a labelled disk and port, and an order domain, admitted here.
    host_state s;
    domain_entry alpha = dom("alpha", "dom_Ads_Alpha");
    alpha.disks = {disk("/d/ads.img", "vdisk_Ads")};
    alpha.ports = {{"net-a", "p1", "m1", "net_Ads", false}};
    s.add(alpha);
    s.add(dom("order", "dom_Order"));
    save(s);
  }
  void save(const host_state& s) {
    config c;
    c.state_dir = dir + "/state";
    state_store store(c);
    std::string error;
    ASSERT_TRUE(done(store.lock(), error)) << error;
    ASSERT_TRUE(done(store.save(s), error)) << error;
  }
  host_state load() {
    config c;
    c.state_dir = dir + "/state";
    state_store store(c);
    std::string error, detail;
    EXPECT_TRUE(done(store.lock(), error)) << error;
    host_state s;
    EXPECT_EQ(load_into(store, s, detail), state_store::loaded::ok) << detail;
    return s;
  }
  /// policy.xml with some changes, written as FILE in the scratch directory.
  std::string variant(const std::string& file, const std::vector<std::pair<std::string, std::string>>& changes) {
    std::ifstream in(std::string(SHYPE_LIBVIRT_TEST_DATA) + "/policy.xml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& [from, to] : changes) {
      const auto at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    write(dir + "/" + file, text);
    return dir + "/" + file;
  }
  int change(const std::string& policy_file, std::string& out, bool dry_run = false) {
    std::ostringstream o, e;
    std::vector<std::string> args{"change-policy", "--config", dir + "/shype.conf"};
    if (dry_run) args.push_back("--dry-run");
    args.push_back(policy_file);
    const int rc = run(args, o, e);
    out = o.str() + e.str();
    return rc;
  }
  std::string dir;
};

TEST_F(ChangeWithRenames, RenamedLabelsAreCarriedOverInTheState) {
  const std::string renamed = variant("renamed.xml", {{"<Name>dom_Ads_Alpha</Name>", "<Name from=\"dom_Ads_Alpha\">dom_Ads_A</Name>"},
                                                      {"<Name>vdisk_Ads</Name>", "<Name from=\"vdisk_Ads\">vdisk_Adverts</Name>"},
                                                      {"<Name>net_Ads</Name>", "<Name from=\"net_Ads\">net_Adverts</Name>"}});
  std::string out;
  EXPECT_EQ(change(renamed, out, true), 0) << out;
  EXPECT_NE(out.find("would rename: domain 'alpha': label dom_Ads_Alpha -> dom_Ads_A"), std::string::npos) << out;
  EXPECT_EQ(load().domains[0].label, "dom_Ads_Alpha");  // a dry run changes nothing

  EXPECT_EQ(change(renamed, out), 0) << out;
  EXPECT_NE(out.find("renamed: domain 'alpha': label dom_Ads_Alpha -> dom_Ads_A (its libvirt <metadata> still names "
                     "dom_Ads_Alpha: update it before the domain starts again)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("renamed: domain 'alpha': disk /d/ads.img: label vdisk_Ads -> vdisk_Adverts"), std::string::npos) << out;
  EXPECT_NE(out.find("renamed: domain 'alpha': network net-a port p1: label net_Ads -> net_Adverts"), std::string::npos) << out;
  EXPECT_EQ(out.find("revoked:"), std::string::npos) << out;  // nothing was revoked
  const host_state s = load();
  ASSERT_EQ(s.domains.size(), 2u);
  EXPECT_EQ(s.domains[0].label, "dom_Ads_A");
  EXPECT_EQ(s.domains[0].disks[0].label, "vdisk_Adverts");
  EXPECT_FALSE(s.domains[0].disks[0].revoked);
  EXPECT_EQ(s.domains[0].ports[0].label, "net_Adverts");
  EXPECT_FALSE(s.domains[0].ports[0].revoked);
  EXPECT_EQ(s.domains[1].label, "dom_Order");
  // The next decision is taken under the new names: the renamed advertiser still walls off its rival.
  std::string error;
  std::vector<std::uint8_t> now;
  ASSERT_TRUE(take(read_policy([&] { config c; c.state_dir = dir + "/state"; return c; }()), now, error)) << error;
  auto eng = load_engine(now, error);
  ASSERT_NE(eng, nullptr) << error;
  for (const auto& d : s.domains) EXPECT_EQ(eng->admit(d, shype::hook::domain_create), "") << d.name;
  EXPECT_NE(eng->admit(dom("beta", "dom_Ads_Beta"), shype::hook::domain_create).find("domain 'alpha' (label dom_Ads_A)"),
            std::string::npos);
}

TEST_F(ChangeWithRenames, ARenameIntoAConflictOrFromAnUnknownLabelIsRefused) {
  // dom_Order becomes dom_Ads_Rival, holding OEM Beta's type: it would run beside alpha.
  const std::string conflict = variant(
      "conflict.xml", {{"<Name>dom_Order</Name>", "<Name from=\"dom_Order\">dom_Ads_Rival</Name>"}, {"<Type>cw_Order</Type>\n        </ChineseWallTypes>", "<Type>cw_OEM_Beta</Type>\n        </ChineseWallTypes>"}});
  std::string out;
  EXPECT_EQ(change(conflict, out), 1) << out;
  EXPECT_NE(out.find("refused: Chinese Wall: domain 'order' (label dom_Order), renamed dom_Ads_Rival and domain 'alpha' "
                     "(label dom_Ads_Alpha) both run here, and the new policy's conflict set CompetingOEMs holds both their types"),
            std::string::npos)
      << out;
  const std::string typo = variant("typo.xml", {{"<Name>dom_Ads_Beta</Name>", "<Name from=\"dom_Ads_Gamma\">dom_Ads_Beta</Name>"}});
  EXPECT_EQ(change(typo, out), 1) << out;
  EXPECT_NE(out.find("refused: the new policy renames VM label dom_Ads_Beta from dom_Ads_Gamma, which is not a VM label of the "
                     "policy in force"),
            std::string::npos)
      << out;
  EXPECT_EQ(load().domains[0].label, "dom_Ads_Alpha");  // nothing changed
  EXPECT_EQ(load().domains[1].label, "dom_Order");
}

TEST_F(ChangeWithRenames, TheDiskLabelMapMustUseTheNewName) {
  write(dir + "/disk-labels", "vdisk_Ads /d/ads.img\n");
  const std::string renamed = variant("renamed.xml", {{"<Name>vdisk_Ads</Name>", "<Name from=\"vdisk_Ads\">vdisk_Adverts</Name>"}});
  std::string out;
  EXPECT_EQ(change(renamed, out), 1) << out;
  EXPECT_NE(out.find(dir + "/disk-labels:1: vdisk_Ads: not a resource label of policy 'libvirt.test' (it renames vdisk_Ads to "
                           "vdisk_Adverts: write the new name here)"),
            std::string::npos)
      << out;
}

// ===== a policy change commits the policy and the state as one step ============================

/// The change-policy fixture's files, byte for byte.
struct host_files {
  std::string policy, state;
  bool pending = false;
  bool operator==(const host_files&) const = default;
};

class ChangeCommit : public ChangeWithRenames {
 protected:
  host_files files() {
    host_files f;
    std::string error;
    f.policy = value_of(read_text(dir + "/state/policy.bin"), error).value_or("(unreadable: " + error + ")");
    f.state = value_of(read_text(dir + "/state/state"), error).value_or("(unreadable: " + error + ")");
    f.pending = exists(dir + "/state/policy.bin.next");
    return f;
  }
  /// change-policy in a child process that first calls `prepare` (which sets up the failure).
  template <class F>
  int change_in_child(const std::string& policy_file, F prepare) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // write() then fails with EFBIG instead of killing us
      if (!prepare()) ::_exit(99);
      std::string out;
      ::_exit(change(policy_file, out));
    }
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  /// The decision the host takes now: beta, alpha's competitor, is refused, naming alpha under
  /// the label the policy in force gives it; and the state fits that policy.
  void decides_with_the_old_policy() {
    config c;
    c.state_dir = dir + "/state";
    c.libvirt_run_dir = dir + "/run";
    host_state s = load();
    EXPECT_EQ(s.domains[0].label, "dom_Ads_Alpha");
    std::vector<std::uint8_t> now;
    std::string error;
    ASSERT_TRUE(take(read_policy(c), now, error)) << error;
    label_map map;
    view_or_error h = rebuilt(s, c, map, now, "", false);
    ASSERT_NE(h.eng, nullptr) << h.error;
    EXPECT_TRUE(h.problems.empty()) << h.problems.front();
    EXPECT_EQ(h.eng->policy_title(), "'libvirt.test' version 1.0");
    EXPECT_NE(h.eng->admit(dom("beta", "dom_Ads_Beta"), shype::hook::domain_create).find("domain 'alpha' (label dom_Ads_Alpha)"),
              std::string::npos);
  }
  std::string renamed() {
    return variant("renamed.xml", {{"<Name>dom_Ads_Alpha</Name>", "<Name from=\"dom_Ads_Alpha\">dom_Ads_A</Name>"}});
  }
};

// The second of the two files cannot be written (a file size limit between the state's size and
// the policy's): the old policy and the old state stay, and decisions use the old policy.
TEST_F(ChangeCommit, AFailedPolicyWriteLeavesTheOldPolicyAndTheOldState) {
  const std::string next = renamed();
  const auto bin = policy("policy.xml");
  const host_files before = files();
  ASSERT_LT(before.state.size() + 64, bin.size() - 1) << "the limit must let the state through";
  const int rc = change_in_child(next, [&] {
    rlimit r{};
    r.rlim_cur = r.rlim_max = bin.size() - 1;
    return ::setrlimit(RLIMIT_FSIZE, &r) == 0;
  });
  EXPECT_EQ(rc, exit_invalid);
  EXPECT_TRUE(files() == before) << "state now:\n" << files().state;
  decides_with_the_old_policy();
}

// The state, written after the new policy, cannot be replaced (its temporary name is taken by
// a directory): the new policy never comes into force and is removed.
TEST_F(ChangeCommit, AFailedStateWriteLeavesTheOldPolicyAndTheOldState) {
  const std::string next = renamed();
  const host_files before = files();
  const int rc = change_in_child(next, [&] {
    return ::mkdir((dir + "/state/state.tmp." + std::to_string(::getpid())).c_str(), 0700) == 0;
  });
  EXPECT_EQ(rc, exit_invalid);
  std::string out;
  run_capture({"/bin/sh", "-c", "rmdir '" + dir + "'/state/state.tmp.*"}, out);
  EXPECT_TRUE(files() == before) << "state now:\n" << files().state;
  decides_with_the_old_policy();
}

// An applied change records the identity of the policy it was made against in the state.
TEST_F(ChangeCommit, TheStateNamesThePolicyInForce) {
  std::string out;
  ASSERT_EQ(change(renamed(), out), 0) << out;
  const host_files after = files();
  EXPECT_FALSE(after.pending);
  EXPECT_NE(after.state.find("\npolicy " + encode_field(policy_identity(after.policy)) + "\n"), std::string::npos) << after.state;
  EXPECT_EQ(load().domains[0].label, "dom_Ads_A");
}

// The policy in force is not the one the state was made against (a policy file replaced by
// hand, or written without its state): the next load says so, keeps the state aside and
// reports it unreadable, so it is rebuilt from libvirt's records under the policy in force.
TEST_F(ChangeCommit, AStateMadeAgainstAnotherPolicyIsNotUsed) {
  std::string out;
  ASSERT_EQ(change(renamed(), out), 0) << out;
  const auto old = policy("policy.xml");
  std::string error;
  ASSERT_TRUE(done(write_atomic(dir + "/state/policy.bin", std::string(old.begin(), old.end()), 0600), error)) << error;
  config c;
  c.state_dir = dir + "/state";
  state_store store(c);
  ASSERT_TRUE(done(store.lock(), error)) << error;
  host_state s;
  std::string detail;
  EXPECT_EQ(load_into(store, s, detail), state_store::loaded::corrupt);
  EXPECT_NE(detail.find(c.state_path() + ": made against policy "), std::string::npos) << detail;
  EXPECT_NE(detail.find("but the policy in force (" + c.policy_path() + ") is " + policy_identity(std::string(old.begin(), old.end()))),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("(moved to " + c.state_path() + ".mismatch-"), std::string::npos) << detail;
  EXPECT_TRUE(s.domains.empty());
  EXPECT_EQ(s.policy, policy_identity(std::string(old.begin(), old.end())));
  EXPECT_EQ(load_into(store, s, detail), state_store::loaded::missing);
}

// A change whose state was committed but whose policy was not yet renamed into place is
// completed by the next load.
TEST_F(ChangeCommit, ACommittedChangeIsCompletedByTheNextLoad) {
  std::string error;
  config c;
  c.state_dir = dir + "/state";
  host_state s = load();
  const std::string pending = "pending policy bytes";
  ASSERT_TRUE(done(write_atomic(c.policy_pending_path(), pending, 0600), error)) << error;
  s.policy = policy_identity(pending);
  save(s);
  state_store store(c);
  ASSERT_TRUE(done(store.lock(), error)) << error;
  host_state got;
  std::string detail;
  EXPECT_EQ(load_into(store, got, detail), state_store::loaded::ok) << detail;
  EXPECT_EQ(detail, "completed an interrupted policy change: " + c.policy_pending_path() + " is now " + c.policy_path());
  EXPECT_EQ(value_of(read_text(c.policy_path()), error).value_or(""), pending);
  EXPECT_FALSE(exists(c.policy_pending_path()));
  EXPECT_EQ(got.domains.size(), 2u);

  // A pending policy the state does not name never committed: it is removed, nothing else changes.
  ASSERT_TRUE(done(write_atomic(c.policy_pending_path(), "never committed", 0600), error)) << error;
  EXPECT_EQ(load_into(store, got, detail), state_store::loaded::ok) << detail;
  EXPECT_FALSE(exists(c.policy_pending_path()));
  EXPECT_EQ(value_of(read_text(c.policy_path()), error).value_or(""), pending);
  EXPECT_EQ(got.domains.size(), 2u);
}

// A version-1 state file (no policy line) is still read, and taken to be made against the
// policy in force; a version-2 file must name its policy.
TEST(HostState, VersionOneFilesAreReadAndVersionTwoNamesItsPolicy) {
  auto v1 = parse_state("shype-libvirt-state 1\nnext-seq 2\nchanges 0\ndaemon -\ndomain 1 u a dom_Order admitted -1 - 0\nend\n",
                        "state");
  ASSERT_TRUE(v1) << v1.message();
  EXPECT_EQ(v1->policy, "");
  EXPECT_EQ(v1->domains.size(), 1u);
  EXPECT_FALSE(parse_state("shype-libvirt-state 1\npolicy x\nend\n", "state"));
  const auto v2 = parse_state("shype-libvirt-state 2\nnext-seq 1\nend\n", "state");
  EXPECT_FALSE(v2);
  EXPECT_EQ(v2.message(), "state:3: no 'policy' line (the identity of the policy the state was made against)");

  config c;
  c.state_dir = scratch("state-v1");
  std::string error;
  ASSERT_TRUE(done(write_atomic(c.policy_path(), "some policy", 0600), error)) << error;
  write(c.state_path(), "shype-libvirt-state 1\nnext-seq 2\ndomain 1 u a dom_Order admitted -1 - 0\nend\n");
  state_store store(c);
  ASSERT_TRUE(done(store.lock(), error)) << error;
  host_state s;
  std::string detail;
  EXPECT_EQ(load_into(store, s, detail), state_store::loaded::ok) << detail;
  EXPECT_EQ(s.policy, policy_identity("some policy"));
  EXPECT_EQ(s.domains.size(), 1u);
}

// ===== the rebuild from libvirt's records =====================================================

class Rebuild : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = scratch("rebuild");
    cfg.state_dir = dir + "/state";
    cfg.libvirt_run_dir = dir + "/run";
    std::string error;
    ASSERT_TRUE(done(make_dirs(cfg.libvirt_run_dir + "/qemu"), error)) << error;
    ASSERT_TRUE(done(make_dirs(cfg.libvirt_run_dir + "/network"), error)) << error;
  }
  /// libvirt's record of a running domain, as RUN_DIR/qemu/NAME.xml.
  void record(const std::string& name, long pid, long id, const std::string& label, const std::string& devices = "") {
    const std::string md =
        label.empty() ? "" : "<metadata><shype:label xmlns:shype='urn:shype:libvirt:1' name='" + label + "'/></metadata>";
    write(cfg.libvirt_run_dir + "/qemu/" + name + ".xml",
          "<domstatus state='running' pid='" + std::to_string(pid) + "'><domain type='qemu' id='" + std::to_string(id) +
              "'><name>" + name + "</name><uuid>uuid-" + name + "</uuid>" + md + "<devices>" + devices +
              "</devices></domain></domstatus>\n");
  }
  std::string dir;
  config cfg;
  label_map map;
};

TEST_F(Rebuild, FromLibvirtsRecordsAlone) {
  const long me = static_cast<long>(::getpid());  // a live process standing for QEMU
  record("beta", me, 2, "dom_Ads_Beta");
  record("order", me, 1, "dom_Order",
         "<interface type='network'><mac address='m1'/><source network='lan' portid='p1'/></interface>");
  record("dead", 999999999, 3, "dom_Ads_Alpha");  // its QEMU is gone
  record("plain", me, 4, "");
  write(cfg.libvirt_run_dir + "/network/lan.xml",
        "<networkstatus><network><name>lan</name><metadata><shype:label xmlns:shype='urn:shype:libvirt:1' "
        "name='net_Order'/></metadata></network></networkstatus>");
  host_state s;  // lost
  view_or_error h = rebuilt(s, cfg, map, policy("policy.xml"), "10:20");
  ASSERT_NE(h.eng, nullptr) << h.error;
  EXPECT_TRUE(h.problems.empty()) << h.problems.front();
  ASSERT_EQ(s.domains.size(), 2u);
  EXPECT_EQ(s.domains[0].name, "order");  // libvirt's start order (domain id), not file order
  EXPECT_EQ(s.domains[1].name, "beta");
  ASSERT_EQ(s.domains[0].ports.size(), 1u);
  EXPECT_EQ(s.domains[0].ports[0].label, "net_Order");
  EXPECT_EQ(s.domains[0].state, phase::running);
  ASSERT_FALSE(h.notes.empty());
  bool plain_noted = false;
  for (const auto& n : h.notes) plain_noted |= n.find("running domain 'plain' cannot be admitted: it has no shype label") == 0;
  EXPECT_TRUE(plain_noted);  // unlabelled: holds no type, noted but not a problem
  EXPECT_EQ(h.unlabelled.size(), 1u);
  EXPECT_EQ(h.eng->admit(dom("alpha", "dom_Ads_Alpha"), shype::hook::domain_create).rfind("Chinese Wall: conflict set CompetingOEMs: domain 'beta'", 0), 0u);
}

TEST_F(Rebuild, ANetworkNameCannotReachOutsideTheNetworkDirectory) {
  // A labelled network status file outside RUN_DIR/network, reachable only by a name with '/'.
  write(cfg.libvirt_run_dir + "/qemu/planted.xml",
        "<networkstatus><network><name>planted</name><metadata><shype:label xmlns:shype='urn:shype:libvirt:1' "
        "name='net_Order'/></metadata></network></networkstatus>");
  write(cfg.libvirt_run_dir + "/network/lan.xml",
        "<networkstatus><network><name>lan</name><metadata><shype:label xmlns:shype='urn:shype:libvirt:1' "
        "name='net_Order'/></metadata></network></networkstatus>");
  EXPECT_EQ(network_label(cfg, "lan"), "net_Order");
  EXPECT_EQ(network_label(cfg, "../qemu/planted"), "");
  EXPECT_EQ(network_label(cfg, ".."), "");
  EXPECT_EQ(network_label(cfg, ""), "");
}

TEST_F(Rebuild, DropsWhatNoLongerRunsAndAdmissionsOfAnEarlierDaemon) {
  const long me = static_cast<long>(::getpid());
  record("kept", me, 1, "dom_Order");
  host_state s;
  domain_entry kept = dom("kept", "dom_Order");
  kept.state = phase::running;
  s.add(kept);
  domain_entry died = dom("died", "dom_Ads_Alpha");
  died.state = phase::running;
  s.add(died);
  domain_entry starting = dom("starting", "dom_Ads_Beta");  // between prepare and started
  starting.daemon = "10:20";
  s.add(starting);
  domain_entry orphan = dom("orphan", "dom_Computing");  // its libvirtd died before it started
  orphan.daemon = "5:6";
  s.add(orphan);
  view_or_error h = rebuilt(s, cfg, map, policy("policy.xml"), "10:20");
  ASSERT_NE(h.eng, nullptr) << h.error;
  std::vector<std::string> names;
  for (const auto& d : s.domains) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"kept", "starting"}));
  EXPECT_EQ(h.eng->placed().size(), 2u);
  // Outside a hook nobody knows the daemon: admissions in progress are kept.
  s.add(orphan);
  view_or_error cli = rebuilt(s, cfg, map, policy("policy.xml"), "");
  EXPECT_EQ(s.domains.size(), 3u);
}

TEST_F(Rebuild, HooksNeedLibvirtsRecords) {
  config c = cfg;
  c.libvirt_run_dir = dir + "/missing";
  host_state s;
  view_or_error h = rebuilt(s, c, map, policy("policy.xml"), "1:2");
  EXPECT_EQ(h.eng, nullptr);
  EXPECT_EQ(h.error.rfind("cannot read libvirt's records of running domains in " + dir + "/missing/qemu", 0), 0u) << h.error;
  view_or_error install = rebuilt(s, c, map, policy("policy.xml"), "", false);
  EXPECT_NE(install.eng, nullptr);  // before libvirtd ever ran, nothing runs
}

TEST_F(Rebuild, AnAdmittedDomainThatNoLongerFitsIsAProblem) {
  const long me = static_cast<long>(::getpid());
  record("alpha", me, 1, "dom_Ads_Alpha");
  record("beta", me, 2, "dom_Ads_Beta");
  host_state s;
  view_or_error h = rebuilt(s, cfg, map, policy("policy.xml"), "1:2");
  ASSERT_NE(h.eng, nullptr);
  ASSERT_EQ(h.problems.size(), 1u);
  EXPECT_EQ(h.problems[0].rfind("running domain 'beta' cannot be admitted: Chinese Wall: conflict set CompetingOEMs", 0), 0u)
      << h.problems[0];
}

}  // namespace
