// SPDX-License-Identifier: Apache-2.0
#include "label_map.hpp"

#include <sstream>

#include "util.hpp"

namespace shype::libvirt {

std::optional<label_map> label_map::parse_into(const std::string& text, const std::string& file, tool::diagnostics& diag) {
  label_map m;
  m.file_ = file;
  const std::size_t errors = diag.error_count();
  std::istringstream in(text);
  std::string raw;
  long lineno = 0;
  while (std::getline(in, raw)) {
    ++lineno;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    std::size_t sep = line.find_first_of(" \t");
    if (sep == std::string::npos) {
      diag.error(file, lineno, "", "expected 'LABEL PATH', got '" + line + "'");
      continue;
    }
    label_map_entry e;
    e.label = line.substr(0, sep);
    std::string key = trim(line.substr(sep));
    e.line = lineno;
    if (key.rfind("volume:", 0) == 0 || key.rfind("network:", 0) == 0) {
      if (key.find(':') + 1 == key.size() || key.find('/') == std::string::npos) {
        diag.error(file, lineno, e.label, "expected volume:POOL/VOLUME or network:PROTOCOL/NAME, got '" + key + "'");
        continue;
      }
      e.key = key;
    } else if (key.empty() || key[0] != '/') {
      diag.error(file, lineno, e.label, "expected an absolute path, volume:POOL/VOLUME or network:PROTOCOL/NAME, got '" + key + "'");
      continue;
    } else {
      e.directory = key.back() == '/';
      e.key = canonical_path(key);
      if (e.directory && e.key.back() != '/') e.key += '/';
    }
    bool duplicate = false;
    for (const auto& other : m.entries_) {
      if (other.key == e.key) {
        diag.error(file, lineno, e.label,
                   "'" + e.key + "' is already labelled " + other.label + " on line " + std::to_string(other.line));
        duplicate = true;
      }
    }
    if (!duplicate) m.entries_.push_back(std::move(e));
  }
  if (diag.error_count() != errors) return std::nullopt;
  return m;
}

result<label_map> label_map::load(const std::string& path, bool required) {
  if (!required && !exists(path)) {
    label_map m;
    m.file_ = path;
    return m;
  }
  auto text = read_text(path);
  if (!text) return std::move(text).failure();
  return parse(*text, path);
}

result<label_map> label_map::parse(const std::string& text, const std::string& file) {
  return parse_with(parse_into, text, file, file + ": cannot read the disk label map");
}

const label_map_entry* label_map::lookup(const std::string& key) const {
  const label_map_entry* best = nullptr;
  for (const auto& e : entries_) {
    if (!e.directory) {
      if (e.key == key) return &e;
      continue;
    }
    if (key.size() > e.key.size() && key.compare(0, e.key.size(), e.key) == 0 &&
        (best == nullptr || e.key.size() > best->key.size()))
      best = &e;
  }
  return best;
}

status label_map::check_labels(const shype::policy_view& policy) const {
  tool::diagnostics diag;
  for (const auto& e : entries_) {
    const shype::string_ref label(e.label.data(), e.label.size());
    if (policy.find_resource_label(label) != shype::policy_view::npos) continue;
    std::string why = "not a resource label of policy '" + std::string(policy.name().data(), policy.name().size()) + "'";
    if (const auto to = policy.find_rename(shype::label_kind::resource, label); to != shype::policy_view::npos) {
      const shype::string_ref n = policy.resource_label(to).name();
      why += " (it renames " + e.label + " to " + std::string(n.data(), n.size()) + ": write the new name here)";
    }
    diag.error(file_, e.line, e.label, why);
  }
  if (diag.list().empty()) return {};
  return error::of(diag, file_);
}

}  // namespace shype::libvirt
