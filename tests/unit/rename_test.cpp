// SPDX-License-Identifier: Apache-2.0
// Label renames (Xen ACM's <Name from="old">new</Name>, binary format 1.1): the builder and
// the loader of the rename table, one corruption at a time, and the monitor's live policy
// change applying them (a harmless rename is accepted, a conflicting one refused with the
// conflict named, a rename from an unknown label refused; the old policy stays in force).
#include <shype/detail/xxh64.hpp>
#include <shype/monitor.hpp>
#include <shype/policy_builder.hpp>
#include <shype/policy_view.hpp>

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "shype_test/fixture.hpp"
#include "shype_test/reseal.hpp"

namespace {

namespace f = shype::detail::format;
using namespace shype_test;
using shype::errc;
using shype::label_kind;
using shype::policy_section;
using shype::policy_view;

struct vm_spec {
  std::string name;
  std::vector<std::string> te, cw;
  std::string from;
};
struct res_spec {
  std::string name;
  std::vector<std::string> te;
  std::string from;
};

/// The paper's labels (as shype_test::paper_policy), to be edited by each test.
std::vector<vm_spec> paper_vms() {
  return {{"dom0", {"Order", "Advertising", "Computing"}, {}, ""},
          {"device", {"Order", "Advertising"}, {}, ""},
          {"order", {"Order"}, {"OrderCo"}, ""},
          {"ads_a", {"Advertising"}, {"AdsA"}, ""},
          {"ads_b", {"Advertising"}, {"AdsB"}, ""},
          {"computing", {"Computing"}, {"ComputeCo"}, ""}};
}
std::vector<res_spec> paper_resources() { return {{"vdisk_order", {"Order"}, ""}, {"vdisk_ads", {"Advertising"}, ""}}; }

/// A built policy, or why the builder refused it.
struct built {
  std::vector<std::uint8_t> bytes;
  bool ok = false;
  shype::load_error err{};
  [[nodiscard]] bool has_value() const { return ok; }
  [[nodiscard]] const std::vector<std::uint8_t>& value() const {
    if (!ok) std::abort();
    return bytes;
  }
  [[nodiscard]] shype::load_error error() const { return err; }
};

/// Builds the paper's types and conflict set with these labels; renames where `from` is set.
built build(const std::vector<vm_spec>& vms, const std::vector<res_spec>& res) {
  builder b("customer-order", {1, 1});
  std::map<std::string, std::uint16_t> te, cw;
  for (const char* t : {"Order", "Advertising", "Computing"}) te[t] = b.te_type(t).value();
  for (const char* t : {"OrderCo", "AdsA", "AdsB", "ComputeCo"}) cw[t] = b.cw_type(t).value();
  (void)b.conflict_set("advertisers", {cw["AdsA"], cw["AdsB"]});
  auto ids = [](const std::vector<std::string>& names, std::map<std::string, std::uint16_t>& table) {
    std::vector<std::uint16_t> out;
    for (const auto& n : names) out.push_back(table.at(n));
    return out;
  };
  for (const auto& v : vms) {
    const auto t = ids(v.te, te), c = ids(v.cw, cw);
    const auto l = b.vm_label(shype::string_ref(v.name.data(), v.name.size()), shype::id_list(t.data(), t.size()),
                              shype::id_list(c.data(), c.size()));
    EXPECT_TRUE(l.has_value());
    if (!v.from.empty()) {
      EXPECT_TRUE(b.vm_label_from(l.value(), shype::string_ref(v.from.data(), v.from.size())).has_value());
    }
  }
  for (const auto& r : res) {
    const auto t = ids(r.te, te);
    const auto l = b.resource_label(shype::string_ref(r.name.data(), r.name.size()), shype::id_list(t.data(), t.size()));
    EXPECT_TRUE(l.has_value());
    if (!r.from.empty()) {
      EXPECT_TRUE(b.resource_label_from(l.value(), shype::string_ref(r.from.data(), r.from.size())).has_value());
    }
  }
  b.bootstrap("dom0");
  std::vector<std::uint8_t> out(b.size());
  auto n = b.build(out.data(), out.size());
  if (!n) return {{}, false, n.error()};
  out.resize(n.value());
  return {out, true, {}};
}

vm_spec& vm(std::vector<vm_spec>& v, const char* name) {
  for (auto& s : v)
    if (s.name == name) return s;
  std::abort();
}

/// ads_a becomes ads_alpha and vdisk_ads becomes vdisk_adverts; nothing else changes.
std::vector<std::uint8_t> harmless_renames() {
  auto vms = paper_vms();
  vm(vms, "ads_a") = {"ads_alpha", {"Advertising"}, {"AdsA"}, "ads_a"};
  auto res = paper_resources();
  res[1] = {"vdisk_adverts", {"Advertising"}, "vdisk_ads"};
  return build(vms, res).value();
}

std::uint32_t u32at(const std::vector<std::uint8_t>& b, std::size_t off) { return shype::detail::load_u32(b.data() + off); }
std::uint16_t u16at(const std::vector<std::uint8_t>& b, std::size_t off) { return shype::detail::load_u16(b.data() + off); }
void put16(std::vector<std::uint8_t>& b, std::size_t off, std::uint16_t v) { shype::detail::store_le(b.data() + off, v); }
void put32(std::vector<std::uint8_t>& b, std::size_t off, std::uint32_t v) { shype::detail::store_le(b.data() + off, v); }
/// Where the rename table starts: right before the strings section.
std::size_t renames_at(const std::vector<std::uint8_t>& b) {
  return u32at(b, f::off::strings) - f::rename_size * u16at(b, f::off::rename_count);
}

// --- format ----------------------------------------------------------------------------------------

TEST(RenameFormat, RenamesAreWrittenAsFormat11AndFoundByOldName) {
  const auto b = harmless_renames();
  EXPECT_EQ(u16at(b, f::off::minor), 1u);
  const auto v = policy_view::load(shype::byte_view(b.data(), b.size())).value();
  ASSERT_EQ(v.rename_count(), 2u);
  // Sorted by kind (VM labels first), then by old name.
  EXPECT_EQ(v.rename(0).kind, label_kind::vm);
  EXPECT_EQ(name(v.rename(0).from), "ads_a");
  EXPECT_EQ(v.rename(0).label, v.find_vm_label("ads_alpha"));
  EXPECT_EQ(v.rename(1).kind, label_kind::resource);
  EXPECT_EQ(name(v.rename(1).from), "vdisk_ads");
  EXPECT_EQ(v.rename(1).label, v.find_resource_label("vdisk_adverts"));
  EXPECT_EQ(v.find_rename(label_kind::vm, "ads_a"), v.find_vm_label("ads_alpha"));
  EXPECT_EQ(v.find_rename(label_kind::resource, "ads_a"), policy_view::npos);
  EXPECT_EQ(name(v.renamed_from(label_kind::vm, v.find_vm_label("ads_alpha"))), "ads_a");
  EXPECT_TRUE(v.renamed_from(label_kind::vm, v.find_vm_label("order")).empty());
  EXPECT_EQ(v.find_successor(label_kind::vm, "ads_a"), v.find_vm_label("ads_alpha"));
  EXPECT_EQ(v.find_successor(label_kind::vm, "order"), v.find_vm_label("order"));
  EXPECT_EQ(v.find_successor(label_kind::resource, "vdisk_ads"), v.find_resource_label("vdisk_adverts"));
  // The same policy always gives the same bytes.
  EXPECT_EQ(harmless_renames(), b);
}

TEST(RenameFormat, APolicyWithoutRenamesIsStillFormat10) {
  const auto b = build(paper_vms(), paper_resources()).value();
  EXPECT_EQ(u16at(b, f::off::minor), 0u);
  EXPECT_EQ(u16at(b, f::off::rename_count), 0u);
  const auto v = policy_view::load(shype::byte_view(b.data(), b.size())).value();
  EXPECT_EQ(v.rename_count(), 0u);
  EXPECT_EQ(v.find_successor(label_kind::vm, "order"), v.find_vm_label("order"));
}

TEST(RenameFormat, ALabelNamedLikeAnOldOneButRenamedFromAnotherIsNotItsSuccessor) {
  // order is dropped; computing is renamed to order: the old order has no successor.
  auto vms = paper_vms();
  vms.erase(vms.begin() + 2);
  vm(vms, "computing") = {"order", {"Computing"}, {"ComputeCo"}, "computing"};
  const auto b = build(vms, paper_resources()).value();
  const auto v = policy_view::load(shype::byte_view(b.data(), b.size())).value();
  EXPECT_EQ(v.find_successor(label_kind::vm, "computing"), v.find_vm_label("order"));
  EXPECT_EQ(v.find_successor(label_kind::vm, "order"), policy_view::npos);
}

TEST(RenameBuilder, RefusesTwoRenamesFromOneNameAndALabelRenamedTwice) {
  auto vms = paper_vms();
  vm(vms, "ads_a").from = "old";
  vm(vms, "ads_b").from = "old";
  const auto r = build(vms, paper_resources());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::duplicate_name);
  EXPECT_EQ(r.error().section, policy_section::renames);

  builder b("p");
  const auto l = b.vm_label("x", {}, {}).value();
  EXPECT_TRUE(b.vm_label_from(l, "a").has_value());
  EXPECT_EQ(b.vm_label_from(l, "b").error(), errc::invalid_argument);
  EXPECT_EQ(b.vm_label_from(7, "b").error(), errc::unknown_label);
  EXPECT_EQ(b.resource_label_from(0, "b").error(), errc::unknown_label);
}

// --- the loader: one corruption of the rename table at a time --------------------------------------

struct corruption {
  const char* what;
  void (*patch)(std::vector<std::uint8_t>&);
  errc code;
  policy_section section;
};

const corruption corruptions[] = {
    {"format 1.0 with a rename table (the field is reserved there)", [](auto& b) { put16(b, f::off::minor, 0); }, errc::bad_header,
     policy_section::header},
    {"format 1.1 without renames", [](auto& b) { put16(b, f::off::rename_count, 0); }, errc::bad_count, policy_section::header},
    {"more renames than the format allows", [](auto& b) { put16(b, f::off::rename_count, f::max_renames + 1); }, errc::bad_count,
     policy_section::header},
    {"a count that moves the table", [](auto& b) { put16(b, f::off::rename_count, 3); }, errc::bad_offset, policy_section::header},
    {"unknown kind", [](auto& b) { put16(b, renames_at(b) + 8, 2); }, errc::bad_reference, policy_section::renames},
    {"label out of range", [](auto& b) { put16(b, renames_at(b) + 10, 6); }, errc::bad_reference, policy_section::renames},
    {"resource label out of range", [](auto& b) { put16(b, renames_at(b) + 16 + 10, 2); }, errc::bad_reference,
     policy_section::renames},
    {"reserved field", [](auto& b) { put32(b, renames_at(b) + 12, 1); }, errc::bad_header, policy_section::renames},
    {"empty from", [](auto& b) { put32(b, renames_at(b) + 4, 0); }, errc::bad_string, policy_section::renames},
    {"from out of bounds", [](auto& b) { put32(b, renames_at(b), 0x10000); }, errc::bad_string, policy_section::renames},
    {"control byte in from", [](auto& b) { b[u32at(b, f::off::strings) + u32at(b, renames_at(b))] = '\t'; }, errc::bad_string,
     policy_section::renames},
    {"kinds out of order", [](auto& b) {
       put16(b, renames_at(b) + 8, 1);
       put16(b, renames_at(b) + 10, 0);
       put16(b, renames_at(b) + 16 + 8, 0);
     },
     errc::unsorted_names, policy_section::renames},
    {"same old name twice", [](auto& b) {  // both VM renames, the second's from := the first's
       put16(b, renames_at(b) + 16 + 8, 0);
       for (std::size_t i = 0; i < 8; ++i) b[renames_at(b) + 16 + i] = b[renames_at(b) + i];
     },
     errc::duplicate_name, policy_section::renames},
    {"one label renamed twice", [](auto& b) {  // both VM renames, of the same label, still in order
       const std::size_t r = renames_at(b);
       put16(b, r + 16 + 8, 0);
       put16(b, r + 16 + 10, u16at(b, r + 10));
       for (std::size_t i = 0; i < 8; ++i) std::swap(b[r + i], b[r + 16 + i]);
     },
     errc::bad_reference, policy_section::renames},
    {"from stored out of the writer's order", [](auto& b) {  // name ref of a VM label := the rename's from
       const std::size_t l = u32at(b, f::off::vm_labels);
       for (std::size_t i = 0; i < 4; ++i) b[l + i] = b[renames_at(b) + i];
     },
     errc::unsorted_names, policy_section::vm_labels},
};

TEST(RenameLoader, EachCorruptionOfTheRenameTableIsRejected) {
  auto vms = paper_vms();
  vm(vms, "ads_a") = {"ads_alpha", {"Advertising"}, {"AdsA"}, "zz_old"};  // sorts after vdisk_ads
  auto res = paper_resources();
  res[1].from = "vdisk_old";
  const auto good = build(vms, res).value();
  ASSERT_TRUE(policy_view::load(shype::byte_view(good.data(), good.size())).has_value());
  ASSERT_EQ(u16at(good, f::off::rename_count), 2u);
  for (const auto& c : corruptions) {
    auto b = good;
    c.patch(b);
    reseal(b);
    auto r = policy_view::load(shype::byte_view(b.data(), b.size()));
    ASSERT_FALSE(r.has_value()) << c.what;
    EXPECT_EQ(r.error().code, c.code) << c.what << ": got " << shype::to_string(r.error().code);
    EXPECT_EQ(r.error().section, c.section) << c.what << ": got " << shype::to_string(r.error().section);
    if (c.section == policy_section::renames && (c.code == errc::duplicate_name || c.code == errc::unsorted_names)) {
      EXPECT_EQ(r.error().index, 1u) << c.what;  // the second rename, against the first
      EXPECT_EQ(r.error().other, 0u) << c.what;
    }
  }
}

// --- the monitor's live change ---------------------------------------------------------------------

class RenameChange : public ::testing::Test, protected paper_setup<> {
 protected:
  void SetUp() override { boot_paper(); }
  struct outcome {
    shype::change_report report;
    std::vector<std::uint64_t> revoked;
    std::vector<shype::violation> violations;
    std::vector<std::string> text;  // the violations' names, copied while they are valid
  };
  outcome change(const std::vector<std::uint8_t>& p, shype::change_mode mode = shype::change_mode::apply) {
    outcome o;
    auto r = m->change_policy(
        dom0, shype::byte_view(p.data(), p.size()), mode,
        [&](shype::binding_handle, const shype::binding& b) { o.revoked.push_back(b.cookie); },
        [&](const shype::violation& v) {
          o.violations.push_back(v);
          o.text.push_back(name(v.label) + "->" + name(v.new_label) + "|" + name(v.other_label));
        });
    EXPECT_TRUE(r.has_value());
    if (r) o.report = r.value();
    return o;
  }
};

TEST_F(RenameChange, AHarmlessRenameOfARunningDomainIsAccepted) {
  // A live channel and a resource attachment of the renamed advertiser.
  const auto ch = m->evtchn_bind(device, ads, 1);
  ASSERT_TRUE(ch && ch->permitted());
  const auto disk = m->resource_attach(ads, resource("vdisk_ads"), shype::access_mode::read, 2);
  ASSERT_TRUE(disk && disk->permitted());
  const auto p = harmless_renames();
  const auto o = change(p);
  EXPECT_TRUE(o.violations.empty());
  ASSERT_EQ(o.report.value, shype::decision::permit);
  EXPECT_TRUE(o.revoked.empty());
  // The advertiser carries on under its new name, with its channel and disk.
  EXPECT_EQ(m->domain(ads).state, shype::domain_state::running);
  EXPECT_EQ(name(m->policy().vm_label(m->domain(ads).label).name()), "ads_alpha");
  EXPECT_EQ(m->binding_count(), 2u);
  const auto acc = m->resource_access(ads, m->policy().find_resource_label("vdisk_adverts"), shype::access_mode::read);
  ASSERT_TRUE(acc.has_value());
  EXPECT_TRUE(acc->permitted());
  // The Chinese Wall still holds under the new name: the rival may not start.
  const auto rival_start = m->domain_create(rival, label("ads_b"));
  ASSERT_TRUE(rival_start.has_value());
  EXPECT_FALSE(rival_start->permitted());
}

TEST_F(RenameChange, WithoutTheRenameTheSameChangeIsRefused) {
  auto vms = paper_vms();
  vm(vms, "ads_a").name = "ads_alpha";  // no from: the running advertiser's label is gone
  const auto p = build(vms, paper_resources()).value();
  const auto gen = m->generation();
  const auto o = change(p);
  EXPECT_EQ(o.report.value, shype::decision::deny);
  ASSERT_EQ(o.violations.size(), 1u);
  EXPECT_EQ(o.violations[0].kind, shype::violation_kind::label_missing);
  EXPECT_EQ(o.violations[0].domain, ads);
  EXPECT_EQ(m->generation(), gen);
}

TEST_F(RenameChange, ARenameIntoAConflictIsRefusedAndNamesTheConflict) {
  // computing is renamed to rival_ads, an advertiser in conflict with the running ads_a.
  auto vms = paper_vms();
  vm(vms, "computing") = {"rival_ads", {"Computing"}, {"AdsB"}, "computing"};
  const auto p = build(vms, paper_resources()).value();
  const auto gen = m->generation();
  const auto o = change(p);
  EXPECT_EQ(o.report.value, shype::decision::deny);
  ASSERT_EQ(o.violations.size(), 1u);
  const auto& v = o.violations[0];
  EXPECT_EQ(v.kind, shype::violation_kind::conflict);
  EXPECT_EQ(v.domain, computing);
  EXPECT_EQ(v.other, ads);
  EXPECT_EQ(std::string(paper_monitor::policy_name(v.policy_index)), "chinese_wall");
  EXPECT_EQ(o.text[0], "computing->rival_ads|ads_a");
  // The old policy stays in force, the computing VM keeps its label.
  EXPECT_EQ(m->generation(), gen);
  EXPECT_EQ(name(m->policy().vm_label(m->domain(computing).label).name()), "computing");
}

TEST_F(RenameChange, ARenameFromNoLabelOfThePolicyInForceIsRefused) {
  auto vms = paper_vms();
  vm(vms, "ads_b").from = "ads_c";  // a typo: there is no ads_c
  auto res = paper_resources();
  res[0].from = "vdisk_nothing";
  const auto p = build(vms, res).value();
  const auto gen = m->generation();
  const auto o = change(p, shype::change_mode::dry_run);
  EXPECT_EQ(o.report.value, shype::decision::deny);
  ASSERT_EQ(o.violations.size(), 2u);
  EXPECT_EQ(o.violations[0].kind, shype::violation_kind::rename_unknown);
  EXPECT_EQ(o.violations[0].table, label_kind::vm);
  EXPECT_EQ(o.violations[0].domain, shype::hypervisor_subject);
  EXPECT_EQ(o.text[0], "ads_c->ads_b|");
  EXPECT_EQ(o.violations[1].kind, shype::violation_kind::rename_unknown);
  EXPECT_EQ(o.violations[1].table, label_kind::resource);
  EXPECT_EQ(o.text[1], "vdisk_nothing->vdisk_order|");
  EXPECT_EQ(change(p).report.value, shype::decision::deny);
  EXPECT_EQ(m->generation(), gen);
}

TEST_F(RenameChange, ARenameTakesPrecedenceOverTheSameName) {
  // The labels ads_a and ads_b swap names (each keeps its types): the running advertiser
  // follows its rename to ads_b, not the old name, and so now holds AdsB.
  auto vms = paper_vms();
  vm(vms, "ads_a").from = "ads_b";
  vm(vms, "ads_b").from = "ads_a";
  const auto p = build(vms, paper_resources()).value();  // the monitor reads these bytes from now on
  const auto o = change(p);
  EXPECT_TRUE(o.violations.empty());
  EXPECT_EQ(name(m->policy().vm_label(m->domain(ads).label).name()), "ads_b");
  EXPECT_TRUE(m->policy().vm_label(m->domain(ads).label).cw().contains(m->policy().find_cw_type("AdsB")));
}

TEST_F(RenameChange, AnOldLabelWhoseNameWasGivenToAnotherHasNoSuccessor) {
  auto vms = paper_vms();
  vms.erase(vms.begin() + 2);  // order is dropped, computing takes its name
  vm(vms, "computing") = {"order", {"Computing"}, {"ComputeCo"}, "computing"};
  const auto p = build(vms, paper_resources()).value();
  const auto o = change(p);
  EXPECT_EQ(o.report.value, shype::decision::deny);
  ASSERT_EQ(o.violations.size(), 2u);  // the two Order VMs
  EXPECT_EQ(o.violations[0].kind, shype::violation_kind::label_missing);
  EXPECT_EQ(o.violations[0].domain, order1);
  EXPECT_EQ(o.violations[1].domain, order2);
}

}  // namespace
