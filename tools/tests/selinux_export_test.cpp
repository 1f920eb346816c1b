// SPDX-License-Identifier: Apache-2.0
// `shype export-selinux`, differentially: every policy is compiled by shype and exported, the
// export is compiled with `checkpolicy -t xen` and loaded into libsepol's security server (the
// code of Xen's FLASK), and for every pair of labels FLASK's decision must equal the one the
// shype monitor takes: event channels, grant maps and copies between every two VM labels, and
// resource use between every VM label and resource label. Exits 77 (skipped) without checkpolicy.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <shype/monitor.hpp>
#include <shype/type_enforcement.hpp>

extern "C" {
#include <sepol/debug.h>
#include <sepol/policydb/services.h>
}

#include <shype/tool/io/decoded_policy.hpp>
#include <shype/tool/analysis/selinux_export.hpp>
#include <shype/tool/analysis/synthetic_policy.hpp>
#include "test_support.hpp"

extern char** environ;

namespace shype::tool::test {
namespace {

// TE only: placement plays no part in sharing, and every label can then run at once.
constexpr shype::monitor_limits limits{.max_domains = 2048, .cache_sets = 64, .cache_ways = 2, .max_bindings = 1,
                                       .audit_entries = 1, .revocation_memo = 1};
using te_monitor = shype::basic_monitor<limits, shype::no_locking, shype::type_enforcement<4096>>;

int run(std::vector<std::string> words) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t quiet;  // checkpolicy reports progress on standard output
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &quiet, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&quiet);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

sepol_security_id_t sid_of(const std::string& context) {
  sepol_security_id_t sid = 0;
  EXPECT_EQ(sepol_context_to_sid(context.c_str(), context.size() + 1, &sid), 0) << context;
  return sid;
}

struct perm {
  sepol_security_class_t cls;
  sepol_access_vector_t av;
};
perm perm_of(const char* cls, const char* name) {
  perm p{};
  EXPECT_EQ(sepol_string_to_security_class(cls, &p.cls), 0) << cls;
  EXPECT_EQ(sepol_string_to_av_perm(p.cls, name, &p.av), 0) << name;
  return p;
}
bool flask_allows(sepol_security_id_t s, sepol_security_id_t t, perm p) {
  sepol_av_decision d{};
  EXPECT_EQ(sepol_compute_av(s, t, p.cls, p.av, &d), 0);
  return (d.allowed & p.av) == p.av;
}

/// Compiles `xml`, exports it, loads the export into libsepol and compares every decision.
void differential(const std::string& xml, const std::string& name) {
  SCOPED_TRACE(name);
  const compile_result c = compile_text(xml, name);
  ASSERT_TRUE(c.ok()) << c.diag.text();
  const auto view = shype::policy_view::load(shype::byte_view(c.binary.data(), c.binary.size()));
  ASSERT_TRUE(view.has_value());
  const decoded_policy d = decode(view.value());
  ASSERT_LE(2 * d.vm_labels.size(), limits.max_domains);

  const std::string dir = scratch_dir() + "/selinux";
  std::filesystem::create_directories(dir);
  const std::string conf = dir + "/" + name + ".conf", bin = dir + "/" + name + ".bin";
  spit(conf, export_selinux(d));
  ASSERT_EQ(run({"checkpolicy", "-t", "xen", "-c", "30", "-o", bin, conf}), 0) << "checkpolicy refused " << conf;
  std::string policy = slurp(bin);
  ASSERT_EQ(sepol_load_policy(policy.data(), policy.size()), 0);

  // Two domains per label (2i, 2i+1), so a label is also checked against itself.
  auto m = std::make_unique<te_monitor>();
  ASSERT_TRUE(m->load_initial(shype::byte_view(c.binary.data(), c.binary.size())));
  for (std::size_t i = 0; i < d.vm_labels.size(); ++i)
    for (std::size_t k = 0; k < 2; ++k)
      ASSERT_TRUE(m->domain_create(static_cast<shype::domid_t>(2 * i + k), static_cast<shype::label_id>(i)).value().permitted());

  std::vector<sepol_security_id_t> vm, res;
  for (const auto& l : d.vm_labels) vm.push_back(sid_of(selinux_vm_context(l.name)));
  for (const auto& r : d.resource_labels) res.push_back(sid_of(selinux_resource_context(r.name)));
  const perm bind = perm_of("event", "bind"), create = perm_of("event", "create"), map_read = perm_of("grant", "map_read"),
             map_write = perm_of("grant", "map_write"), copy = perm_of("grant", "copy"), use = perm_of("resource", "use");

  std::size_t permits = 0, denials = 0;
  for (std::size_t a = 0; a < vm.size(); ++a) {
    for (std::size_t b = 0; b < vm.size(); ++b) {
      const auto s = static_cast<shype::domid_t>(2 * a), o = static_cast<shype::domid_t>(2 * b + 1);
      const struct { shype::hook op; bool flask; } checks[] = {
          {shype::hook::evtchn_bind, flask_allows(vm[a], vm[b], bind) && flask_allows(vm[a], vm[b], create)},
          {shype::hook::grant_map_ro, flask_allows(vm[b], vm[a], map_read)},  // mapper -> granter
          {shype::hook::grant_map_rw, flask_allows(vm[b], vm[a], map_read) && flask_allows(vm[b], vm[a], map_write)},
          {shype::hook::grant_copy, flask_allows(vm[a], vm[b], copy)},
      };
      for (const auto& ch : checks) {
        const auto v = m->evaluate(ch.op, s, o);
        ASSERT_TRUE(v.has_value());
        ASSERT_EQ(v.value().permitted(), ch.flask)
            << shype::to_string(ch.op) << " " << d.vm_labels[a].name << " -> " << d.vm_labels[b].name;
        ++(ch.flask ? permits : denials);
      }
    }
    for (std::size_t r = 0; r < res.size(); ++r) {
      const bool flask = flask_allows(vm[a], res[r], use);
      for (const auto mode : {shype::access_mode::read, shype::access_mode::read_write}) {
        const auto v = m->resource_access(static_cast<shype::domid_t>(2 * a), static_cast<shype::resource_id>(r), mode);
        ASSERT_TRUE(v.has_value());
        ASSERT_EQ(v.value().permitted(), flask) << "resource " << d.vm_labels[a].name << " -> " << d.resource_labels[r].name;
      }
      ++(flask ? permits : denials);
    }
  }
  // A comparison of nothing proves nothing.
  EXPECT_GT(permits + denials, 0u);
  if (d.has_te && d.vm_labels.size() > 1) {
    EXPECT_GT(permits, 0u);
  }
}

std::vector<std::filesystem::path> xml_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.path().extension() == ".xml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ExportSelinux, XenPoliciesDecideAsShype) {
  const auto files = xml_files(xen_dir());
  ASSERT_GE(files.size(), 7u);
  for (const auto& f : files) differential(slurp(f.string()), f.stem().string());
}

TEST(ExportSelinux, ExamplesAndGoldenDecideAsShype) {
  differential(golden(), "golden");
  for (const char* p : {"policy", "policy-v2", "policy-v3-isolation"})
    differential(slurp(examples_dir() + "/customer-order/" + p + ".xml"), std::string("customer-order-") + p);
}

TEST(ExportSelinux, SyntheticPoliciesDecideAsShype) {
  // Labels without TE types, many coalitions a label, and a policy without a TE section.
  differential(synthetic_policy_xml({.name = "s1", .te_types = 40, .cw_types = 16, .conflict_sets = 4, .vm_labels = 120,
                                     .resource_labels = 40, .te_min = 0, .te_max = 4, .seed = 7}),
               "synthetic-1");
  differential(synthetic_policy_xml({.name = "s2", .te_types = 300, .cw_types = 0, .conflict_sets = 0, .vm_labels = 200,
                                     .resource_labels = 60, .te_min = 1, .te_max = 12, .seed = 11}),
               "synthetic-2");
  differential(synthetic_policy_xml({.name = "s3", .te_types = 0, .cw_types = 8, .conflict_sets = 2, .vm_labels = 20,
                                     .resource_labels = 0, .seed = 3}),
               "synthetic-no-te");
}

TEST(ExportSelinux, NamesAreInjectiveIdentifiers) {
  EXPECT_EQ(selinux_vm_type("dom_Order"), "vm_dom__Order_t");
  EXPECT_EQ(selinux_vm_type("a.b c"), "vm_a_2eb_20c_t");
  EXPECT_NE(selinux_vm_type("a_2e"), selinux_vm_type("a.")); // "a__2e" vs "a_2e"
  EXPECT_EQ(selinux_resource_context("r-1"), "system_u:object_r:res_r_2d1_t");
}

TEST(ExportSelinux, CommandWritesTheFileAndRulesOnly) {
  const std::string out = scratch_dir() + "/selinux/cmd.conf";
  std::filesystem::create_directories(scratch_dir() + "/selinux");
  std::filesystem::remove(out);
  const auto r = shype({"export-selinux", data_dir() + "/golden.xml", "-o", out});
  EXPECT_EQ(r.rc, exit_ok) << r.err;
  EXPECT_NE(slurp(out).find("allow te_Order_vm te_Order_vm : event { create bind };"), std::string::npos);
  EXPECT_NE(slurp(out).find("# conflict set \"Competitors\": at most one of cw_cw__Alpha cw_cw__Beta"), std::string::npos);
  const auto rules = shype({"export-selinux", data_dir() + "/golden.xml", "--rules-only"});
  EXPECT_EQ(rules.rc, exit_ok);
  EXPECT_EQ(rules.out.find("\nclass "), std::string::npos);
  EXPECT_EQ(rules.out.find("\nsid "), std::string::npos);
  EXPECT_NE(rules.out.find("allow te_Ads_vm te_Ads_res : resource use;"), std::string::npos);
  EXPECT_EQ(shype({"export-selinux"}).rc, exit_usage);
  EXPECT_EQ(shype({"export-selinux", data_dir() + "/two-errors.xml"}).rc, exit_invalid);
}

}  // namespace
}  // namespace shype::tool::test

int main(int argc, char** argv) {
  if (shype::tool::test::run({"checkpolicy", "-V"}) < 0) {
    std::puts("checkpolicy (Debian package checkpolicy) is not installed: skipped");
    return 77;
  }
  sepol_debug(0);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
