// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/compile/compiler.hpp>

#include <map>
#include <memory>
#include <set>

#include <shype/policy_builder.hpp>

#include <shype/tool/compile/compile_limits.hpp>
#include <shype/tool/io/load_error_text.hpp>
#include <shype/tool/compile/schema_rules.hpp>
#include <shype/tool/compile/semantic_rules.hpp>
#include <shype/tool/io/sha256.hpp>
#include <shype/tool/compile/xml_document.hpp>

namespace shype::tool {
namespace {

using builder = shype::policy_builder<compile_limits>;

shype::string_ref ref(const std::string& s) { return {s.data(), s.size()}; }

/// "12.3" -> {12, 3}, as the schema reads it (checked before: it matches).
shype::policy_version parse_version(const std::string& v) {
  shype::policy_version out{};
  std::string separator;
  (void)split_version(v, out.major, out.minor, separator);
  return out;
}

/// Provisional builder ids of the distinct, non-empty names in `types`.
std::vector<std::uint16_t> ids_of(const std::vector<named>& types, const std::map<std::string, std::uint16_t>& table) {
  std::vector<std::uint16_t> out;
  std::set<std::uint16_t> seen;
  for (const auto& t : types) {
    auto it = table.find(t.text);
    if (it != table.end() && seen.insert(it->second).second) out.push_back(it->second);
  }
  return out;
}

}  // namespace

compile_result build_binary(const policy_source& p, const std::uint8_t (&source_hash)[32]) {
  compile_result r;
  const auto version = p.version ? parse_version(p.version->text) : shype::policy_version{0, 0};
  // The builder holds every table at full capacity: megabytes, so it lives on the heap.
  auto b = std::make_unique<builder>(ref(p.policy_name.text), version);
  b->source_hash(source_hash);
  auto internal = [&](const char* what, shype::errc e) {
    r.diag.error(p.file, 0, "", std::string("internal error: the policy builder refused ") + what + ": " + shype::to_string(e));
    return r;
  };

  std::map<std::string, std::uint16_t> te, cw;
  if (p.has_te) b->enable_te();
  if (p.has_cw) b->enable_cw();
  for (const auto& t : p.te_types) {
    auto id = b->te_type(ref(t.text));
    if (!id) return internal("a TE type", id.error());
    te.emplace(t.text, id.value());
  }
  for (const auto& t : p.cw_types) {
    auto id = b->cw_type(ref(t.text));
    if (!id) return internal("a Chinese Wall type", id.error());
    cw.emplace(t.text, id.value());
  }
  for (const auto& s : p.conflict_sets) {
    const auto types = ids_of(s.types, cw);
    if (auto id = b->conflict_set(ref(s.name.text), shype::id_list(types.data(), types.size())); !id)
      return internal("a conflict set", id.error());
  }
  for (const auto& l : p.vm_labels) {
    const auto t = ids_of(l.te, te), c = ids_of(l.cw, cw);
    auto id = b->vm_label(ref(l.name.text), shype::id_list(t.data(), t.size()), shype::id_list(c.data(), c.size()));
    if (!id) return internal("a VM label", id.error());
    if (l.from)
      if (auto rn = b->vm_label_from(id.value(), ref(l.from->text)); !rn) return internal("a VM label's rename", rn.error());
  }
  for (const auto& l : p.resource_labels) {
    const auto t = ids_of(l.te, te);
    auto id = b->resource_label(ref(l.name.text), shype::id_list(t.data(), t.size()));
    if (!id) return internal("a resource label", id.error());
    if (l.from)
      if (auto rn = b->resource_label_from(id.value(), ref(l.from->text)); !rn) return internal("a resource label's rename", rn.error());
  }
  if (p.has_subject_labels) b->bootstrap(ref(p.bootstrap.text));

  std::vector<std::uint8_t> out(b->size());
  auto built = b->build(out.data(), out.size());
  if (!built) {
    // The semantic rules should have caught whatever the builder refuses; say exactly what it was.
    r.diag.error(p.file, 0, "", "internal error: the policy builder refused the policy: " + describe_builder_error(built.error()));
    return r;
  }
  out.resize(built.value());
  r.binary = std::move(out);
  return r;
}

compile_result compile_xml(const std::uint8_t* data, std::size_t size, const std::string& file) {
  compile_result r;
  xml_document doc(data, size, file, r.diag);
  if (!doc.ok()) return r;
  if (!check_schema(doc.root(), file, r.diag)) return r;
  const policy_source p = extract_policy(doc.get(), file);
  check_semantics(p, r.diag);
  if (r.diag.has_errors()) return r;

  std::uint8_t hash[32];
  if (p.shype_instructions.empty() || !parse_source_hash_instruction(p.shype_instructions.front().text, hash)) {
    const auto h = sha256::of(data, size);
    for (std::size_t i = 0; i < 32; ++i) hash[i] = h[i];
  }
  compile_result built = build_binary(p, hash);
  r.diag.append(built.diag);
  r.binary = std::move(built.binary);
  return r;
}

}  // namespace shype::tool
