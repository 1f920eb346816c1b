// SPDX-License-Identifier: Apache-2.0
// The libvirt adapter's parts, in-process: configuration, disk label map, libvirt XML, the state
// file, the engine's decisions and their wording, the decision log, atomic writes and limits.
// A policy change's commit and the rebuild from libvirt's records are in host_test.cpp.
#include <csignal>
#include <cstdlib>
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
#include "libvirt_xml.hpp"
#include <shype/tool/io/policy_file.hpp>
#include "support.hpp"
#include "unit_support.hpp"
#include "util.hpp"

namespace {

using namespace shype::libvirt;
namespace tool = shype::tool;

using namespace test;

// ===== configuration ==========================================================================

TEST(Config, DefaultsAndValues) {
  auto c = parse_config("# comment\n\nstate_dir = /tmp/s\nunlabelled_domains = label dom_Order\n"
                        "unlabelled_disks = refuse\nuri = \"qemu:///system?socket=/x y\"\non_revoked_disk = report\n",
                        "f.conf");
  ASSERT_TRUE(c) << c.message();
  EXPECT_EQ(c->state_dir, "/tmp/s");
  EXPECT_EQ(c->policy_path(), "/tmp/s/policy.bin");
  EXPECT_EQ(c->unlabelled_label, "dom_Order");
  EXPECT_TRUE(c->refuse_unlabelled_disks);
  EXPECT_FALSE(c->refuse_unlabelled_networks);
  EXPECT_EQ(c->uri, "qemu:///system?socket=/x y");
  EXPECT_FALSE(c->suspend_on_revoked_disk);
  EXPECT_EQ(c->libvirt_run_dir, "/run/libvirt");
  EXPECT_FALSE(c->disk_labels_explicit);
  EXPECT_EQ(c->where("unlabelled_domains"), "f.conf:4");
  EXPECT_EQ(c->where("virsh"), "f.conf (default)");
}

TEST(Config, EveryErrorNamesFileAndLine) {
  const auto bad =
      parse_config("state_dir = relative\nfrobnicate = 1\nunlabelled_domains = maybe\nuri = a\nuri = b\nno equals\n", "bad.conf");
  ASSERT_FALSE(bad);
  const auto& lines = bad.failure().lines;
  ASSERT_EQ(lines.size(), 5u) << bad.message();
  EXPECT_EQ(lines[0], "bad.conf:1: state_dir: expected an absolute directory, got 'relative'");
  EXPECT_EQ(lines[1].rfind("bad.conf:2: frobnicate: unknown key (known: state_dir, ", 0), 0u);
  EXPECT_EQ(lines[2], "bad.conf:3: unlabelled_domains: expected 'refuse' or 'label NAME', got 'maybe'");
  EXPECT_EQ(lines[3], "bad.conf:5: uri: set twice (first on line 4)");
  EXPECT_EQ(lines[4], "bad.conf:6: expected 'key = value', got 'no equals'");
}

TEST(Config, RenderedDefaultsParseBack) {
  config c;
  c.unlabelled_label = "dom_Computing";
  c.suspend_on_revoked_disk = false;
  auto back = parse_config(render_config(c), "rendered");
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(back->unlabelled_label, "dom_Computing");
  EXPECT_FALSE(back->suspend_on_revoked_disk);
  EXPECT_EQ(back->state_dir, c.state_dir);
}

// ===== the disk label map =====================================================================

TEST(LabelMap, ExactBeatsDirectoryAndLongerDirectoryBeatsShorter) {
  auto m = label_map::parse("# map\nvdisk_Ads /srv/\nvdisk_Order  /srv/order/\nvdisk_Ads /srv/order/public.img\n"
                            "vdisk_Order volume:default/db\nvdisk_Ads /srv//x/../shared disk.img\n",
                            "map");
  ASSERT_TRUE(m) << m.message();
  ASSERT_NE(m->lookup("/srv/order/db.img"), nullptr);
  EXPECT_EQ(m->lookup("/srv/order/db.img")->label, "vdisk_Order");
  EXPECT_EQ(m->lookup("/srv/order/public.img")->label, "vdisk_Ads");
  EXPECT_EQ(m->lookup("/srv/other.img")->label, "vdisk_Ads");
  EXPECT_EQ(m->lookup("volume:default/db")->label, "vdisk_Order");
  EXPECT_EQ(m->lookup("/srv/shared disk.img")->line, 6);  // canonical spelling, blanks kept
  EXPECT_EQ(m->lookup("/elsewhere.img"), nullptr);
  EXPECT_EQ(m->lookup("/srv/"), nullptr);  // a directory entry labels what is below it
}

TEST(LabelMap, ErrorsAndLabelsThePolicyLacks) {
  const auto bad =
      label_map::parse("vdisk_Ads relative.img\nvdisk_Ads\nvdisk_A /a.img\nvdisk_B /a.img\nvdisk_C volume:nopool\n", "map");
  ASSERT_FALSE(bad);
  const auto& lines = bad.failure().lines;
  ASSERT_EQ(lines.size(), 4u) << bad.message();
  EXPECT_EQ(lines[0],
            "map:1: vdisk_Ads: expected an absolute path, volume:POOL/VOLUME or network:PROTOCOL/NAME, got 'relative.img'");
  EXPECT_EQ(lines[1], "map:2: expected 'LABEL PATH', got 'vdisk_Ads'");
  EXPECT_EQ(lines[2], "map:4: vdisk_B: '/a.img' is already labelled vdisk_A on line 3");

  auto m = label_map::parse("vdisk_Order /a.img\nvdisk_Nowhere /b.img\n", "map");
  ASSERT_TRUE(m);
  const auto bytes = policy("policy.xml");
  const auto v = shype::policy_view::load(shype::byte_view(bytes.data(), bytes.size()));
  const status checked = m->check_labels(v.value());
  EXPECT_FALSE(checked);
  EXPECT_EQ(checked.message(), "map:2: vdisk_Nowhere: not a resource label of policy 'libvirt.test'");

  EXPECT_TRUE(label_map::load("/nonexistent/map", false).ok());  // the default may be absent
  const auto required = label_map::load("/nonexistent/map", true);  // a configured one may not
  EXPECT_FALSE(required.ok());
  EXPECT_EQ(required.message().rfind("/nonexistent/map: cannot open: ", 0), 0u) << required.message();
}

// ===== libvirt XML ============================================================================

TEST(LibvirtXml, DomainLabelDisksAndInterfaces) {
  const std::string xml = R"(<domain type='qemu' id='7'>
  <name>web 1</name><uuid>11111111-2222-3333-4444-555555555555</uuid>
  <metadata>
    <other:thing xmlns:other="urn:other"/>
    <shype:label xmlns:shype="urn:shype:libvirt:1" name=" dom_Order "/>
  </metadata>
  <devices>
    <disk type='file' device='disk'><source file='/srv//a/../b.img'/><target dev='vda'/><shareable/></disk>
    <disk type='block'><source dev='/dev/sdz'/><target dev='vdb'/><readonly/></disk>
    <disk type='volume'><source pool='default' volume='db'/><target dev='vdc'/></disk>
    <disk type='network'><source protocol='rbd' name='pool/img'/><target dev='vdd'/></disk>
    <disk type='file' device='cdrom'><target dev='hdc'/><readonly/></disk>
    <interface type='network'><mac address='52:54:00:00:00:01'/><source network='lan' portid='p-1'/><link state='down'/></interface>
    <interface type='user'><mac address='52:54:00:00:00:02'/></interface>
  </devices>
</domain>)";
  auto d = parse_domain(xml, "stdin");
  ASSERT_TRUE(d) << d.message();
  EXPECT_EQ(d->name, "web 1");
  EXPECT_EQ(d->id, 7);
  EXPECT_TRUE(d->label.present);
  EXPECT_EQ(d->label.name, "dom_Order");
  EXPECT_EQ(d->label.line, 5);
  ASSERT_EQ(d->disks.size(), 4u);  // the empty CD-ROM drive shares nothing
  EXPECT_EQ(d->disks[0].key, "/srv/b.img");
  EXPECT_TRUE(d->disks[0].shareable);
  EXPECT_EQ(d->disks[1].key, "/dev/sdz");
  EXPECT_TRUE(d->disks[1].readonly);
  EXPECT_EQ(d->disks[2].key, "volume:default/db");
  EXPECT_EQ(d->disks[3].key, "network:rbd/pool/img");
  ASSERT_EQ(d->interfaces.size(), 1u);
  EXPECT_EQ(d->interfaces[0].network, "lan");
  EXPECT_EQ(d->interfaces[0].portid, "p-1");
  EXPECT_TRUE(d->interfaces[0].link_down);
}

TEST(LibvirtXml, MalformedInputNamesTheLine) {
  const auto error_of = [](const std::string& xml) {
    const auto d = parse_domain(xml, "stdin");
    EXPECT_FALSE(d);
    return d.message();
  };
  EXPECT_EQ(error_of("<domain><name>a</name><uuid>u</uuid>\n<metadata>\n<l:label xmlns:l='urn:shype:libvirt:1'/>"
                     "</metadata></domain>"),
            "stdin:3: metadata: <label> in namespace urn:shype:libvirt:1: the name attribute is missing or empty");
  EXPECT_EQ(error_of("<domain><name>a</name><uuid>u</uuid><metadata>\n<l:label xmlns:l='urn:shype:libvirt:1' name='x'/>\n"
                     "<l:label xmlns:l='urn:shype:libvirt:1' name='y'/></metadata></domain>"),
            "stdin:3: metadata: a second shype <label> (the first is on line 2)");
  EXPECT_EQ(error_of("<domain><name>a</name><uuid>u</uuid><devices>\n<disk type='nvme'><source file='/x'/></disk>"
                     "</devices></domain>"),
            "stdin:2: disk: disk type 'nvme' is not supported by shype (file, block, dir, volume, network)");
  EXPECT_EQ(error_of("<domain><name>a</name></domain>"), "stdin:1: domain: no <uuid>");
  EXPECT_EQ(error_of("<network/>"), "stdin:1: network: expected a <domain> element");
  EXPECT_EQ(error_of("<domain>\n<name>a</name>").rfind("stdin:2: XML: ", 0), 0u);
}

TEST(LibvirtXml, NetworkHookDataAndLibvirtRecords) {
  auto h = parse_network_hook(R"(<hookData><network><name>lan</name><uuid>n-1</uuid>
    <metadata><shype:label xmlns:shype="urn:shype:libvirt:1" name="net_Order"/></metadata></network>
    <networkport><uuid>p-9</uuid><owner><name>web</name><uuid>d-1</uuid></owner><mac address='52:54:00:00:00:09'/></networkport>
    </hookData>)",
                              "stdin");
  ASSERT_TRUE(h) << h.message();
  EXPECT_EQ(h->network.name, "lan");
  EXPECT_EQ(h->network.label.name, "net_Order");
  ASSERT_TRUE(h->port);
  EXPECT_EQ(h->port->uuid, "p-9");
  EXPECT_EQ(h->port->owner_uuid, "d-1");
  EXPECT_EQ(h->port->mac, "52:54:00:00:00:09");

  auto s = parse_domain_status("<!-- libvirt --><domstatus state='running' pid='1234'><domain><name>a</name><uuid>u</uuid>"
                               "</domain></domstatus>",
                               "a.xml");
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(s->pid, 1234);
  EXPECT_EQ(s->domain.name, "a");
  auto n = parse_network_status("<networkstatus><network><name>lan</name></network></networkstatus>", "lan.xml");
  ASSERT_TRUE(n);
  EXPECT_FALSE(n->label.present);
}

// ===== the state file =========================================================================

TEST(HostState, RoundTripsAwkwardNames) {
  host_state s;
  s.changes = 2;
  s.daemon = "123:456";
  domain_entry a = dom("web 1%-", "dom_Order");
  a.state = phase::running;
  a.libvirt_id = 4;
  a.disks.push_back(disk("/srv/with space/ä.img", "vdisk_Order", true));
  a.disks.back().revoked = true;
  a.ports.push_back({"lan", "p-1", "52:54:00:00:00:01", "", true});
  s.add(a);
  domain_entry b = dom("-", "");
  s.add(b);
  const std::string text = render_state(s);
  auto back = parse_state(text, "state");
  ASSERT_TRUE(back) << back.message() << text;
  EXPECT_EQ(render_state(*back), text);
  ASSERT_EQ(back->domains.size(), 2u);
  EXPECT_EQ(back->domains[0].name, "web 1%-");
  EXPECT_EQ(back->domains[0].disks[0].key, "/srv/with space/ä.img");
  EXPECT_TRUE(back->domains[0].disks[0].readonly && back->domains[0].disks[0].revoked);
  EXPECT_TRUE(back->domains[0].ports[0].revoked);
  EXPECT_EQ(back->domains[1].name, "-");
  EXPECT_EQ(back->next_seq, 3u);
  EXPECT_EQ(encode_field(""), "-");
  EXPECT_EQ(decode_field("%zz"), std::nullopt);
}

TEST(HostState, TruncatedOrGarbledFilesAreRejectedAndMovedAside) {
  host_state s;
  s.add(dom("a", "dom_Order"));
  std::string text = render_state(s);
  const auto truncated = parse_state(text.substr(0, text.find("end")), "state");
  EXPECT_FALSE(truncated);
  EXPECT_EQ(truncated.message(), "state:7: truncated state file (no 'end' line)");

  config c;
  c.state_dir = scratch("state");
  state_store store(c);
  std::string error;
  ASSERT_TRUE(done(store.lock(), error)) << error;
  ASSERT_TRUE(done(store.save(s), error)) << error;
  host_state loaded;
  std::string detail;
  EXPECT_EQ(load_into(store, loaded, detail), state_store::loaded::ok);
  EXPECT_EQ(loaded.domains.size(), 1u);
  write(c.state_path(), "shype-libvirt-state 1\ndomain x\n");
  EXPECT_EQ(load_into(store, loaded, detail), state_store::loaded::corrupt);
  EXPECT_NE(detail.find("unexpected line 'domain x'"), std::string::npos) << detail;
  EXPECT_NE(detail.find("moved to " + c.state_path() + ".corrupt-"), std::string::npos) << detail;
  EXPECT_EQ(load_into(store, loaded, detail), state_store::loaded::missing);
}

// Several corrupt state files in one second (hooks run many times a second) each keep a copy
// of their own; only the newest corrupt_copies_kept stay.
TEST(HostState, EveryCorruptCopyIsKeptUnderItsOwnNameUpToTheBound) {
  config c;
  c.state_dir = scratch("corrupt-copies");
  state_store store(c);
  std::string error;
  ASSERT_TRUE(done(store.lock(), error)) << error;
  const std::size_t rounds = corrupt_copies_kept + 4;
  std::vector<std::string> moved;
  for (std::size_t i = 0; i < rounds; ++i) {
    write(c.state_path(), "garbage " + std::to_string(i) + "\n");
    host_state loaded;
    std::string detail;
    ASSERT_EQ(load_into(store, loaded, detail), state_store::loaded::corrupt);
    const auto at = detail.find("(moved to ");
    ASSERT_NE(at, std::string::npos) << detail;
    moved.push_back(detail.substr(at + 10, detail.size() - at - 11));
  }
  std::string out;
  ASSERT_EQ(run_capture({"/bin/sh", "-c", "cd '" + c.state_dir + "' && ls -1 state.corrupt-*"}, out), 0) << out;
  std::size_t count = 0;
  for (std::size_t i = 0; i < rounds; ++i) {
    std::string e;
    const auto text = value_of(read_text(moved[i]), e);
    if (i + corrupt_copies_kept < rounds) {
      EXPECT_FALSE(text) << moved[i] << " (older than the newest " << corrupt_copies_kept << ") is still there";
      continue;
    }
    ASSERT_TRUE(text) << e;
    EXPECT_EQ(*text, "garbage " + std::to_string(i) + "\n") << moved[i];
    ++count;
  }
  EXPECT_EQ(count, corrupt_copies_kept);
  std::size_t listed = 0;
  for (char ch : out) listed += ch == '\n';
  EXPECT_EQ(listed + 1, corrupt_copies_kept) << out;
}

// ===== the engine =============================================================================

class Engine : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    eng = load_engine(policy("policy.xml"), error);
    ASSERT_NE(eng, nullptr) << error;
  }
  std::unique_ptr<engine> eng;
};

TEST_F(Engine, ChineseWallRefusalNamesTheSetAndTheOtherDomain) {
  EXPECT_EQ(eng->admit(dom("alpha", "dom_Ads_Alpha"), shype::hook::domain_create), "");
  EXPECT_EQ(eng->admit(dom("order", "dom_Order"), shype::hook::domain_create), "");
  EXPECT_EQ(eng->admit(dom("beta", "dom_Ads_Beta"), shype::hook::migrate_in),
            "Chinese Wall: conflict set CompetingOEMs: domain 'alpha' (label dom_Ads_Alpha) runs here with type "
            "cw_OEM_Alpha; this domain's type cw_OEM_Beta is in the same set");
  EXPECT_EQ(eng->admit(dom("x", "dom_Unknown"), shype::hook::domain_create),
            "label dom_Unknown is not in policy 'libvirt.test' version 1.0");
  EXPECT_EQ(eng->placed().size(), 2u);
}

TEST_F(Engine, DisksLabelsAndSharing) {
  domain_entry order = dom("order", "dom_Order");
  order.disks = {disk("/d/order.img", "vdisk_Order"), disk("/d/iso", "", true), disk("/d/scratch", "")};
  EXPECT_EQ(eng->admit(order, shype::hook::domain_create), "");

  domain_entry comp = dom("comp", "dom_Computing");
  comp.disks = {disk("/d/order.img", "vdisk_Order")};
  EXPECT_EQ(eng->admit(comp, shype::hook::domain_create),
            "Type Enforcement: disk /d/order.img (resource label vdisk_Order, types Order) shares no type with this "
            "domain (types Computing)");
  comp.disks = {disk("/d/iso", "", true)};  // read-only on both sides: nothing flows between them
  EXPECT_EQ(eng->admit(comp, shype::hook::domain_create), "");

  domain_entry comp2 = dom("comp2", "dom_Computing");
  comp2.disks = {disk("/d/iso", "", false)};  // now a writer: it would reach order (and comp)
  EXPECT_EQ(eng->admit(comp2, shype::hook::domain_create),
            "Type Enforcement: disk /d/iso is shared with domain 'order' (label dom_Order), which is in no coalition "
            "with this domain");
  comp2.disks = {disk("/d/scratch", "", true)};  // reading what order writes
  EXPECT_EQ(eng->admit(comp2, shype::hook::domain_create),
            "Type Enforcement: disk /d/scratch is shared with domain 'order' (label dom_Order), which is in no "
            "coalition with this domain");
  domain_entry order2 = dom("order2", "dom_Order");
  order2.disks = {disk("/d/order.img", "vdisk_Order"), disk("/d/scratch", "")};
  EXPECT_EQ(eng->admit(order2, shype::hook::domain_create), "");
  EXPECT_EQ(eng->placed().size(), 3u);  // order, comp, order2: refused ones left nothing behind
}

TEST_F(Engine, PortsLabelsPairsAndRollback) {
  domain_entry order = dom("order", "dom_Order");
  EXPECT_EQ(eng->admit(order, shype::hook::domain_create), "");
  EXPECT_EQ(eng->admit(dom("alpha", "dom_Ads_Alpha"), shype::hook::domain_create), "");
  EXPECT_EQ(eng->admit_port("uuid-order", {"net-o", "p1", "m1", "net_Order", false}), "");
  EXPECT_EQ(eng->admit_port("uuid-alpha", {"net-o", "p2", "m2", "net_Order", false}),
            "Type Enforcement: network net-o (resource label net_Order, types Order) shares no type with this domain "
            "(types Advertising)");
  EXPECT_EQ(eng->admit_port("uuid-order", {"open", "p3", "m3", "", false}), "");
  EXPECT_EQ(eng->admit_port("uuid-alpha", {"open", "p4", "m4", "", false}),
            "Type Enforcement: network open is shared with domain 'order' (label dom_Order), which is in no coalition "
            "with this domain");
  EXPECT_EQ(eng->admit_port("uuid-nobody", {"open", "p5", "m5", "", false}), "its domain was not admitted by shype");
  EXPECT_EQ(eng->placed("uuid-alpha")->ports.size(), 0u);
  EXPECT_EQ(eng->admit_port("uuid-alpha", {"net-a", "p6", "m6", "net_Ads", false}), "");
}

TEST_F(Engine, PolicyChangeRevokesAndRefusesByName) {
  domain_entry order = dom("order", "dom_Order");
  order.ports = {{"net-o", "p1", "m1", "net_Order", false}, {"net-a", "p2", "m2", "", false}};
  EXPECT_EQ(eng->admit(order, shype::hook::domain_create), "");
  EXPECT_EQ(eng->admit(dom("comp", "dom_Computing"), shype::hook::domain_create), "");

  auto refused = eng->change(policy("policy-v3-conflict.xml"), false);
  EXPECT_FALSE(refused.applied);
  ASSERT_EQ(refused.refusals.size(), 1u);
  EXPECT_EQ(refused.refusals[0],
            "Chinese Wall: domain 'comp' (label dom_Computing) and domain 'order' (label dom_Order) both run here, "
            "and the new policy's conflict set OrderIsolation holds both their types");
  EXPECT_EQ(eng->policy_title(), "'libvirt.test' version 1.0");

  auto dry = eng->change(policy("policy-v2-revoke.xml"), true);
  EXPECT_TRUE(dry.applied);
  ASSERT_EQ(dry.revoked.size(), 1u);
  EXPECT_EQ(dry.revoked[0].what, binding_origin::kind::port_label);
  EXPECT_EQ(eng->placed()[dry.revoked[0].domain].ports[dry.revoked[0].item].portid, "p1");
  EXPECT_EQ(eng->policy_title(), "'libvirt.test' version 1.0");

  auto applied = eng->change(policy("policy-v2-revoke.xml"), false);
  EXPECT_TRUE(applied.applied);
  EXPECT_EQ(applied.revoked.size(), 1u);
  EXPECT_EQ(eng->policy_title(), "'libvirt.test' version 1.1");
  EXPECT_EQ(eng->admit(dom("order2", "dom_Order"), shype::hook::domain_create), "");  // decided under 1.1
}

TEST(Util, OneLineEscapesWhatCouldBreakOrForgeALine) {
  EXPECT_EQ(one_line("plain name-1.img"), "plain name-1.img");
  EXPECT_EQ(one_line("a\nb"), "a\\nb");
  EXPECT_EQ(one_line("a\r\tb\\c"), "a\\r\\tb\\\\c");
  EXPECT_EQ(one_line(std::string("x\0y\x1b[2J\x7f", 8)), "x\\x00y\\x1B[2J\\x7F");
  EXPECT_EQ(one_line("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");                // UTF-8 stays
  EXPECT_EQ(one_line("nel\xc2\x85ls\xe2\x80\xa8"), "nel\\u0085ls\\u2028");                   // C1, U+2028
  EXPECT_EQ(one_line("bad\xff\xc3(\xed\xa0\x80"), "bad\\xFF\\xC3(\\xED\\xA0\\x80");  // not UTF-8, surrogate
  for (int c = 0; c < 256; ++c) {
    const std::string s = one_line(std::string(1, static_cast<char>(c)) + "\n");
    EXPECT_EQ(s.find('\n'), std::string::npos);
    EXPECT_EQ(s.find('\r'), std::string::npos);
  }
}

// A domain named "a<newline>2026-... admitted ..." must not forge a record of the decision log.
TEST(Util, DecisionLogRecordsAreOneLineAndTheLogIsBounded) {
  config c;
  c.state_dir = scratch("decision-log");
  log_decisions(c, {"admitted start of domain 'a\n2000-01-01T00:00:00 admitted start of domain 'forged'' (label x)",
                    "released domain 'b\rc'"});
  std::string error;
  auto text = value_of(read_text(c.log_path()), error);
  ASSERT_TRUE(text) << error;
  std::size_t records = 0;
  std::size_t at = 0;
  while ((at = text->find('\n', at)) != std::string::npos) ++records, ++at;
  EXPECT_EQ(records, 2u) << *text;
  EXPECT_EQ(text->find("\n2000-01-01"), std::string::npos) << *text;
  EXPECT_NE(text->find("domain 'a\\n2000-01-01T00:00:00 admitted"), std::string::npos) << *text;
  EXPECT_EQ(text->find('\r'), std::string::npos) << *text;

  // Past the limit the log moves to PATH.1 (replacing the one before) and starts again.
  const std::string log = c.state_dir + "/small.log";
  const std::string record(40, 'r');
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(done(append_log(log, record + std::to_string(i % 10) + "\n", 100), error)) << error;
  auto now = value_of(read_text(log), error), old = value_of(read_text(log + ".1"), error);
  ASSERT_TRUE(now && old) << error;
  EXPECT_LE(now->size(), 100u);
  EXPECT_LE(old->size(), 100u);
  EXPECT_EQ(now->substr(now->size() - 2), "9\n");  // the newest record is in the log
  EXPECT_FALSE(exists(log + ".2"));
}

// On a full disk (here: a file size limit) a failed write leaves the old file whole, and no
// temporary file behind.
TEST(Util, AFailedAtomicWriteLeavesTheOldFile) {
  const std::string dir = scratch("atomic");
  const std::string file = dir + "/state";
  std::string error;
  ASSERT_TRUE(done(write_atomic(file, "old content\n"), error)) << error;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);  // write() then fails with EFBIG instead of killing us
    rlimit r{};
    r.rlim_cur = r.rlim_max = 4096;
    if (::setrlimit(RLIMIT_FSIZE, &r) != 0) ::_exit(2);
    std::string e;
    const bool ok = done(write_atomic(file, std::string(65536, 'n')), e);
    ::_exit(!ok && e.find(": cannot write: ") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "write_atomic did not report the failed write";
  const auto text = value_of(read_text(file), error);
  ASSERT_TRUE(text) << error;
  EXPECT_EQ(*text, "old content\n");
  std::string out;
  EXPECT_EQ(run_capture({"/bin/sh", "-c", "ls -A '" + dir + "'"}, out), 0);
  EXPECT_EQ(out, "state");
}

// What stands at a file's place is replaced, never written through: a FIFO (writing into it
// would block a hook until someone reads) and a symbolic link (a root hook must not write where
// a planted link points). This is why the adapter keeps its own write_atomic beside the tool's
// write_file_atomic, which writes a non-regular target in place and follows links (util.hpp).
TEST(Util, AnAtomicWriteReplacesWhatStandsInThePlaceOfTheFile) {
  const std::string dir = scratch("in-the-way");
  std::string error;
  ASSERT_EQ(::mkfifo((dir + "/state").c_str(), 0600), 0);
  ASSERT_TRUE(done(write_atomic(dir + "/state", "new\n", 0600), error)) << error;
  EXPECT_EQ(value_of(read_text(dir + "/state"), error).value_or("(" + error + ")"), "new\n");

  ASSERT_TRUE(done(write_atomic(dir + "/elsewhere", "keep\n", 0600), error)) << error;
  ASSERT_EQ(::symlink((dir + "/elsewhere").c_str(), (dir + "/policy.bin").c_str()), 0);
  ASSERT_TRUE(done(write_atomic(dir + "/policy.bin", "policy\n", 0600), error)) << error;
  struct stat st {};
  ASSERT_EQ(::lstat((dir + "/policy.bin").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(value_of(read_text(dir + "/elsewhere"), error).value_or("(" + error + ")"), "keep\n");
}

TEST(Util, InputsAndProgramOutputAreBounded) {
  const std::string dir = scratch("bounded");
  const std::string big = dir + "/big";
  std::string out, error;
  ASSERT_EQ(run_capture({"/usr/bin/truncate", "-s", std::to_string(max_input_bytes + 1), big}, out), 0) << out;
  EXPECT_FALSE(value_of(read_text(big), error));
  EXPECT_EQ(error, big + ": larger than the limit of 16 MiB");
  EXPECT_FALSE(value_of(read_text(dir), error));
  EXPECT_EQ(error, dir + ": is a directory");
  ASSERT_EQ(::mkfifo((dir + "/fifo").c_str(), 0600), 0);
  EXPECT_FALSE(value_of(read_text(dir + "/fifo"), error));  // refused, not waited on
  EXPECT_EQ(error, dir + "/fifo: not a regular file");
  EXPECT_EQ(run_capture({"/usr/bin/head", "-c", "1000000", "/dev/zero"}, out), 0);
  EXPECT_LE(out.size(), max_program_output + 64);
  EXPECT_NE(out.find("[output cut at 64 KiB]"), std::string::npos);
}

TEST(Util, CanonicalPathsAndCommands) {
  EXPECT_EQ(canonical_path("/nonexistent//a/./b/../c"), "/nonexistent/a/c");
  EXPECT_EQ(canonical_path("/nonexistent/.."), "/");
  EXPECT_EQ(join_command({"/usr/bin/virsh", "-c", "qemu:///system?socket=/a b", "it's"}),
            "/usr/bin/virsh -c 'qemu:///system?socket=/a b' 'it'\\''s'");
  std::string out;
  EXPECT_EQ(run_capture({"/bin/sh", "-c", "echo hello; echo oops >&2; exit 3"}, out), 3);
  EXPECT_EQ(out, "hello\noops");
  EXPECT_TRUE(process_alive(static_cast<long>(::getpid())));
  EXPECT_FALSE(process_alive(999999999));
  EXPECT_FALSE(process_identity(static_cast<long>(::getpid())).empty());
}

}  // namespace
