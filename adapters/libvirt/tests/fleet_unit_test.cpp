// SPDX-License-Identifier: Apache-2.0
// The fleet layer's parts that need no etcd: the JSON reader, base64, signed revisions (every
// way a record can be wrong is refused, naming what), host records and reports, the fleet
// configuration's diagnostics, and the plans and placements made from a published record.
#include <fstream>

#include <gtest/gtest.h>

#include "fleet/etcd.hpp"
#include "fleet/fleet.hpp"
#include "fleet/json.hpp"
#include "fleet/records.hpp"
#include "fleet/revision.hpp"
#include "support.hpp"

namespace shype::libvirt::fleet {
namespace {

using test::dom;
using test::policy;

// ----- JSON ---------------------------------------------------------------------------------------------
TEST(FleetJson, ReadsEtcdAnswers) {
  auto j = parse_json(R"({"header":{"revision":"42"},"kvs":[{"key":"YQ==","value":"Yg=="}],"succeeded":true,"s":"a\"\u00e9\n"})", "t");
  ASSERT_TRUE(j) << j.message();
  EXPECT_EQ(j->get("header")->integer("revision"), 42);
  EXPECT_TRUE(j->flag("succeeded"));
  EXPECT_EQ(j->get("kvs")->a.size(), 1u);
  EXPECT_EQ(j->str("s"), "a\"\xC3\xA9\n");
  EXPECT_FALSE(j->flag("absent"));
}

TEST(FleetJson, RefusesMalformedAndTooDeepInputNamingTheOffset) {
  auto bad = parse_json(R"({"a":1,})", "etcd's answer");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("etcd's answer: invalid JSON at offset 7"), std::string::npos) << bad.message();
  EXPECT_FALSE(parse_json(std::string(65, '[') + std::string(65, ']'), "t"));
  EXPECT_TRUE(parse_json(std::string(60, '[') + std::string(60, ']'), "t"));
  EXPECT_FALSE(parse_json("{} x", "t"));
}

TEST(FleetJson, AStreamIsReadOneCompleteMessageAtATime) {
  std::string stream = R"({"result":{"created":true}})" "\n" R"({"result":{"ev)";
  std::size_t pos = 0;
  auto first = parse_json_prefix(stream, pos, "w");
  ASSERT_TRUE(first && *first);
  EXPECT_TRUE((*first)->get("result")->flag("created"));
  auto second = parse_json_prefix(stream, pos, "w");
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second) << "an unfinished message is not a message";
  stream += R"(ents":[]}})";
  second = parse_json_prefix(stream, pos, "w");
  ASSERT_TRUE(second && *second);
}

TEST(FleetBase64, RoundTripsBytesAndRefusesGarbage) {
  const std::string bytes("a\0b\xff\n", 5);
  EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
  EXPECT_EQ(base64_encode("/shype"), "L3NoeXBl");
  EXPECT_FALSE(base64_decode("L3N*eXBl"));
  EXPECT_EQ(prefix_end("/a/"), "/a0");
}

// ----- revisions ----------------------------------------------------------------------------------------
struct FleetRevision : ::testing::Test {
  key_pair keys = generate_keys();
  revision r;
  std::string record;
  void SetUp() override {
    r.number = 7;
    r.title = "'libvirt.test' version 1.0";
    r.publisher = "operator";
    r.published = "2026-12-07T20:00:00Z";
    r.policy = policy("policy.xml");
    auto s = sign_revision(r, keys.secret_key);
    ASSERT_TRUE(s) << s.message();
    record = *s;
  }
  std::string refusal(const std::string& rec) {
    auto v = verify_revision(rec, keys.public_key, "KEY");
    return v ? std::string("(verified)") : v.message();
  }
};

TEST_F(FleetRevision, ASignedRecordVerifies) {
  auto v = verify_revision(record, keys.public_key, "KEY");
  ASSERT_TRUE(v) << v.message();
  EXPECT_EQ(v->number, 7);
  EXPECT_EQ(v->policy, r.policy);
  EXPECT_EQ(v->sha256, sha256_hex(std::string(r.policy.begin(), r.policy.end())));
  EXPECT_EQ(v->publisher, "operator");
}

TEST_F(FleetRevision, ACorruptPolicyByteIsRefusedByItsChecksum) {
  std::string bad = record;
  bad[bad.size() - 10] ^= 1;
  EXPECT_EQ(refusal(bad), "KEY: the policy's SHA-256 does not match the header (corrupt)");
}

TEST_F(FleetRevision, ATruncatedRecordIsRefused) {
  EXPECT_NE(refusal(record.substr(0, record.size() - 1)).find("header says"), std::string::npos);
  EXPECT_NE(refusal(record.substr(0, record.find("sha256"))).find("KEY: truncated header: no 'sha256' line"), std::string::npos);
  EXPECT_NE(refusal("").find("not a shype fleet revision"), std::string::npos);
}

TEST_F(FleetRevision, AnUnsignedOrAlteredHeaderOrAnotherKeyIsRefused) {
  const auto sig = record.find("signature ");
  const auto eol = record.find('\n', sig);
  EXPECT_NE(refusal(record.substr(0, sig) + record.substr(eol + 1)).find("expected the 'signature' line"), std::string::npos);
  std::string retitled = record;
  retitled.replace(retitled.find("version 1.0"), 11, "version 9.9");
  EXPECT_EQ(refusal(retitled), "KEY: the signature does not verify against the operator's public key");
  std::string renumbered = record;
  renumbered.replace(renumbered.find("revision 7"), 10, "revision 8");
  EXPECT_EQ(refusal(renumbered), "KEY: the signature does not verify against the operator's public key");
  const key_pair other = generate_keys();
  EXPECT_FALSE(verify_revision(record, other.public_key, "KEY"));
}

TEST_F(FleetRevision, SizesAndNumbersHaveLimits) {
  revision big = r;
  big.policy.assign(max_revision_bytes, 0);
  auto s = sign_revision(big, keys.secret_key);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("more than the limit of 1 MiB"), std::string::npos);
  EXPECT_NE(refusal(std::string(max_revision_bytes + 1, 'x')).find("larger than the limit of 1 MiB"), std::string::npos);
  revision zero = r;
  zero.number = 0;
  EXPECT_FALSE(sign_revision(zero, keys.secret_key));
  zero.number = max_revision_number + 1;
  EXPECT_FALSE(sign_revision(zero, keys.secret_key));
}

// ----- records and configuration ------------------------------------------------------------------------
host_record sample_host() {
  host_state st;
  st.add(dom("order2", "dom_Order"));
  st.add(dom("comp", "dom_Computing"));
  host_record h;
  h.host = "h2";
  h.revision = 3;
  h.policy = policy("policy.xml");
  h.policy_sha256 = sha256_hex(std::string(h.policy.begin(), h.policy.end()));
  h.title = "'libvirt.test' version 1.0";
  h.updated = "2026-12-07T20:00:00Z";
  h.state = render_state(st);
  return h;
}

TEST(FleetRecords, AHostRecordRoundTripsAndBadOnesAreNamed) {
  const host_record h = sample_host();
  auto back = parse_host(render_host(h), "K");
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(back->revision, 3);
  EXPECT_EQ(back->policy, h.policy);
  EXPECT_EQ(back->state, h.state);
  EXPECT_EQ(parse_host("garbage", "K").message(), "K: not a shype fleet host record");
  const std::string text = render_host(h);
  EXPECT_EQ(parse_host(text.substr(0, text.find("state\n")), "K").message(), "K: truncated host record (no state line)");
  EXPECT_NE(parse_host("shype-fleet-host 1\nbogus 1\n", "K").message().find("unknown line 'bogus'"), std::string::npos);
  EXPECT_NE(parse_host("shype-fleet-host 1\nhost ../x\n", "K").message().find("not a host name"), std::string::npos);
}

TEST(FleetRecords, AReportKeepsItsLinesOnOneLineEachWithinItsLimit) {
  report r;
  r.host = "h1";
  r.revision = 4;
  r.outcome = "refused";
  r.lines = {"refused: x\nforged line", "second"};
  auto back = parse_report(render_report(r), "K");
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(back->lines.size(), 2u);
  EXPECT_EQ(back->lines[0], "refused: x\\nforged line");
  r.lines.assign(max_report_lines + 5, "l");
  back = parse_report(render_report(r), "K");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->lines.size(), max_report_lines + 1);
  EXPECT_EQ(back->lines.back(), "... 5 more line(s) left out");
}

TEST(FleetRecords, KeysAndHostNames) {
  fleet_config c;
  EXPECT_EQ(c.revision_key(12), "/shype/fleet/revisions/0000000012");
  EXPECT_EQ(host_of_key(c, "/shype/fleet/hosts/h1/state", "state"), "h1");
  EXPECT_EQ(host_of_key(c, "/shype/fleet/hosts/h1/report", "state"), "");
  EXPECT_EQ(host_of_key(c, "/shype/fleet/hosts/h1/x/state", "state"), "");
  EXPECT_TRUE(valid_host_name("web-01.example"));
  EXPECT_FALSE(valid_host_name(".."));
  EXPECT_FALSE(valid_host_name("a/b"));
  EXPECT_FALSE(valid_host_name(std::string(max_host_name + 1, 'a')));
}

TEST(FleetRecords, TheConfigurationNamesFileAndLine) {
  const std::string path = std::string(SHYPE_LIBVIRT_TEST_TMP) + "/fleet-unit.conf";
  auto with = [&](const std::string& text) {
    std::ofstream(path) << text;
    auto c = load_fleet_config(path);
    return c ? std::string("(ok)") : c.message();
  };
  EXPECT_EQ(with("endpoints = https://a:1\nhost = h1\nlease_ttl = 5\n"), "(ok)");
  EXPECT_EQ(with("endpoints = https://a:1\nfrob = 1\n"), path + ":2: frob: unknown key");
  EXPECT_EQ(with("endpoints = https://a:1\nendpoints = https://b:1\n"), path + ":2: endpoints: set twice");
  EXPECT_EQ(with("endpoints = https://a:1\nlease_ttl = 1\n"), path + ":2: lease_ttl: not a number from 2 to 3600: 1");
  EXPECT_EQ(with("endpoints = ftp://a\n"), path + ":1: endpoints: not an http(s) URL: ftp://a");
  EXPECT_EQ(with("host = h1\n"), path + ": endpoints: not set");
}

// ----- plans and placement from a published record -------------------------------------------------------
TEST(FleetView, PlanAndPlaceFromAPublishedRecord) {
  auto h = replay(sample_host());
  ASSERT_TRUE(h) << h.message();
  EXPECT_EQ(cw_occupancy(*h), "cw_Computing, cw_Order");
  const change_plan refused = plan_host(*h, policy("policy-v4-fleet.xml"));
  ASSERT_TRUE(refused.refused());
  EXPECT_NE(refused.refusals.front().find("Chinese Wall"), std::string::npos) << refused.refusals.front();
  EXPECT_FALSE(plan_host(*h, policy("policy-v2-revoke.xml")).refused());
  EXPECT_NE(place_on(*h, "dom_Nope").find("label dom_Nope is not in policy"), std::string::npos);
  EXPECT_EQ(place_on(*h, "dom_Ads_Alpha"), "");
  EXPECT_NE(place_on(*h, "dom_Ads_Beta").find("Chinese Wall: conflict set CompetingOEMs"), std::string::npos)
      << "the admitted probe stays placed";
}

TEST(FleetView, ARecordWhosePolicyDoesNotMatchItsChecksumIsNotUsed) {
  host_record h = sample_host();
  h.policy_sha256 = std::string(64, '0');
  EXPECT_EQ(replay(h).message(), "host h2: the published policy does not match its SHA-256");
}

}  // namespace
}  // namespace shype::libvirt::fleet
