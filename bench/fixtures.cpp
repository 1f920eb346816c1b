// SPDX-License-Identifier: Apache-2.0
#include "fixtures.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <tuple>

extern "C" {
#include <sepol/debug.h>
#include <sepol/policydb/services.h>
}

#include <shype/tool/compile/compiler.hpp>
#include <shype/tool/analysis/selinux_export.hpp>

extern char** environ;

namespace bench {
namespace {

std::string scratch() {
  const auto d = std::filesystem::temp_directory_path() / ("shype-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::unique_ptr<compiled_policy> build(const shype::tool::synthetic_spec& spec) {
  auto p = std::make_unique<compiled_policy>();
  p->spec = spec;
  p->xml = shype::tool::synthetic_policy_xml(spec);
  auto c = shype::tool::compile_xml(reinterpret_cast<const std::uint8_t*>(p->xml.data()), p->xml.size(), spec.name + ".xml");
  if (!c.ok()) throw std::runtime_error("synthetic policy does not compile: " + c.diag.text());
  p->binary = std::move(c.binary);
  p->decoded = shype::tool::decode(p->view());
  p->selinux_conf = shype::tool::export_selinux(p->decoded);
  if (have_checkpolicy()) {
    static const std::string dir = scratch();
    const std::string conf = dir + "/" + spec.name + ".conf", bin = dir + "/" + spec.name + ".bin";
    std::ofstream(conf, std::ios::binary) << p->selinux_conf;
    if (run_quiet({"checkpolicy", "-t", "xen", "-c", "30", "-o", bin, conf}) != 0)
      throw std::runtime_error("checkpolicy refused " + conf);
    p->selinux_binary = read_all(bin);
    std::filesystem::remove(conf);
    std::filesystem::remove(bin);
  }
  return p;
}

using key = std::tuple<std::string, std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, std::size_t, std::size_t,
                       std::uint64_t>;

const compiled_policy* active = nullptr;
sepol_ids active_ids;

void register_contexts(const compiled_policy& p, sepol_ids& ids) {
  ids.vm.clear();
  ids.res.clear();
  auto sid = [](const std::string& ctx) {
    sepol_security_id_t s = 0;
    if (sepol_context_to_sid(ctx.c_str(), ctx.size() + 1, &s) != 0) throw std::runtime_error("libsepol: no SID for " + ctx);
    return s;
  };
  for (const auto& l : p.decoded.vm_labels) ids.vm.push_back(sid(shype::tool::selinux_vm_context(l.name)));
  for (const auto& r : p.decoded.resource_labels) ids.res.push_back(sid(shype::tool::selinux_resource_context(r.name)));
}

}  // namespace

bool have_checkpolicy() {
  static const bool have = run_quiet({"checkpolicy", "-V"}) == 0;
  return have;
}

const compiled_policy& policy(const shype::tool::synthetic_spec& s) {
  static std::mutex m;
  static std::map<key, std::unique_ptr<compiled_policy>> cache;
  std::lock_guard<std::mutex> g(m);
  const key k{s.name, s.te_types, s.cw_types, s.conflict_sets, s.vm_labels, s.resource_labels, s.te_min, s.te_max, s.seed};
  auto& slot = cache[k];
  if (!slot) slot = build(s);
  return *slot;
}

const compiled_policy& te_policy(std::size_t types) {
  return policy({.name = "te" + std::to_string(types), .te_types = types, .cw_types = 0, .conflict_sets = 0,
                 .vm_labels = 1000, .resource_labels = 100, .te_min = 1, .te_max = 3, .seed = 1});
}

const compiled_policy& cw_policy(std::size_t types, std::size_t sets) {
  return policy({.name = "cw" + std::to_string(types) + "x" + std::to_string(sets), .te_types = 8, .cw_types = types,
                 .conflict_sets = sets, .vm_labels = 1000, .resource_labels = 0, .te_min = 1, .te_max = 2, .seed = 2});
}

const compiled_policy& large_policy() {
  return policy({.name = "large", .te_types = 1024, .cw_types = 1024, .conflict_sets = 64, .vm_labels = 1000,
                 .resource_labels = 1000, .te_min = 1, .te_max = 3, .seed = 3});
}

const compiled_policy& revocation_policy(int variant) {
  shype::tool::synthetic_spec s{.name = "revoke" + std::to_string(variant), .te_types = 64, .cw_types = 0, .conflict_sets = 0,
                                .vm_labels = 256, .resource_labels = 16, .te_min = 2, .te_max = 6,
                                .seed = variant == 1 ? 5u : 4u};
  if (variant != 2) return policy(s);
  // Same labels and types as variant 0, another version: nothing to revoke.
  static std::mutex m;
  static std::unique_ptr<compiled_policy> v2;
  std::lock_guard<std::mutex> g(m);
  if (!v2) {
    auto p = std::make_unique<compiled_policy>(policy(s));
    p->xml.replace(p->xml.find("<Version>1.0</Version>"), 22, "<Version>2.0</Version>");
    auto c = shype::tool::compile_xml(reinterpret_cast<const std::uint8_t*>(p->xml.data()), p->xml.size(), "revoke2.xml");
    if (!c.ok()) throw std::runtime_error("revoke2 does not compile");
    p->binary = std::move(c.binary);
    p->decoded = shype::tool::decode(p->view());
    v2 = std::move(p);
  }
  return *v2;
}

const sepol_ids& sepol_activate(const compiled_policy& p) {
  if (active == &p) return active_ids;
  if (p.selinux_binary.empty()) throw std::runtime_error("no SELinux binary (checkpolicy missing)");
  sepol_debug(0);
  std::string copy = p.selinux_binary;  // libsepol reads from a mutable buffer
  if (sepol_load_policy(copy.data(), copy.size()) != 0) throw std::runtime_error("libsepol refused the policy");
  active = &p;
  register_contexts(p, active_ids);
  auto cls = [](const char* n) {
    sepol_security_class_t c = 0;
    if (sepol_string_to_security_class(n, &c) != 0) throw std::runtime_error(std::string("no class ") + n);
    return c;
  };
  auto perm = [](sepol_security_class_t c, const char* n) {
    sepol_access_vector_t v = 0;
    if (sepol_string_to_av_perm(c, n, &v) != 0) throw std::runtime_error(std::string("no permission ") + n);
    return v;
  };
  active_ids.event = cls("event");
  active_ids.grant = cls("grant");
  active_ids.resource = cls("resource");
  active_ids.event_bind = perm(active_ids.event, "bind");
  active_ids.grant_copy = perm(active_ids.grant, "copy");
  active_ids.grant_map_read = perm(active_ids.grant, "map_read");
  active_ids.resource_use = perm(active_ids.resource, "use");
  return active_ids;
}

void sepol_reload(const compiled_policy& p) {
  std::string copy = p.selinux_binary;
  if (sepol_load_policy(copy.data(), copy.size()) != 0) throw std::runtime_error("libsepol refused the policy");
  active = &p;
  sepol_ids again;
  register_contexts(p, again);
  if (again.vm != active_ids.vm) throw std::runtime_error("libsepol: SIDs changed across a reload");
}

std::uint32_t sepol_allowed(std::uint32_t ssid, std::uint32_t tsid, std::uint16_t tclass) {
  sepol_av_decision d{};
  (void)sepol_compute_av(ssid, tsid, tclass, ~0u, &d);
  return d.allowed;
}

int run_quiet(const std::vector<std::string>& argv_in) {
  std::vector<std::string> words = argv_in;
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &quiet, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&quiet);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace bench
