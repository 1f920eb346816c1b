// SPDX-License-Identifier: Apache-2.0
// The denial log and its AVC-style formatter.
#include <shype/audit_log.hpp>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "shype_test/fixture.hpp"

namespace {

using namespace shype_test;

std::string format(const shype::denial_record& r, std::size_t cap = 256) {
  std::string buf(cap, '\0');
  const auto n = shype::format_denial(r, buf.data(), buf.size());
  buf.resize(n);
  return buf;
}

TEST(Audit, FormatsEveryObjectKind) {
  shype::denial_record r;
  r.seq = 4;
  r.generation = 2;
  r.op = shype::hook::evtchn_bind;
  r.policy = "type_enforcement";
  r.subject = 6;
  r.object = 2;
  shype::denial_record::copy_label(r.subject_label, "ads_a");
  shype::denial_record::copy_label(r.object_label, "order");
  EXPECT_EQ(format(r), "avc: denied { bind } for source=dom6 slabel=\"ads_a\" target=dom2 tlabel=\"order\" policy=type_enforcement generation=2 seq=4");
  r.object_kind = shype::audit_object::resource;
  r.op = shype::hook::resource_access;
  shype::denial_record::copy_label(r.object_label, "vdisk_order");
  EXPECT_EQ(format(r), "avc: denied { access } for source=dom6 slabel=\"ads_a\" target=resource tlabel=\"vdisk_order\" policy=type_enforcement generation=2 seq=4");
}

TEST(Audit, LongNamesAreCutQuotesEscapedAndOutputBounded) {
  shype::denial_record r;
  shype::denial_record::copy_label(r.subject_label, "a\"very-long-label-name-that-goes-on-and-on");
  EXPECT_EQ(std::string(r.subject_label), "a\"very-long-label-name-that-goe");  // 31 bytes kept
  const auto line = format(r);
  EXPECT_NE(line.find("slabel=\"a\\\"very-long"), std::string::npos);
  const auto cut = format(r, 20);
  EXPECT_EQ(cut.size(), 19u);  // truncated, still NUL-terminated
  EXPECT_EQ(cut, line.substr(0, 19));
}

TEST(Audit, TheMonitorRecordsWhoWhatAndWhichPolicy) {
  paper_setup<> s;
  s.boot_paper();
  (void)s.m->grant_map(ads, order1, shype::access_mode::read, 0);
  (void)s.m->resource_access(computing, s.resource("vdisk_ads"), shype::access_mode::read);
  std::vector<std::string> lines;
  s.m->audit().for_each([&](const shype::denial_record& d) { lines.push_back(format(d)); });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "avc: denied { map_read } for source=dom6 slabel=\"ads_a\" target=dom2 tlabel=\"order\" policy=type_enforcement generation=1 seq=0");
  EXPECT_EQ(lines[1], "avc: denied { access } for source=dom8 slabel=\"computing\" target=resource tlabel=\"vdisk_ads\" policy=type_enforcement generation=1 seq=1");
  EXPECT_EQ(s.m->audit().total(), s.m->stats().total().denials);
}

}  // namespace
