// SPDX-License-Identifier: Apache-2.0
#include "config.hpp"

#include <sstream>

#include "util.hpp"

namespace shype::libvirt {

std::string config::where(const std::string& key) const {
  const auto it = lines.find(key);
  if (file.empty()) return "built-in default";
  if (it == lines.end()) return file + " (default)";
  return file + ":" + std::to_string(it->second);
}

namespace {

bool absolute(const std::string& v) { return !v.empty() && v[0] == '/'; }

std::optional<config> parse_config_into(const std::string& text, const std::string& file, tool::diagnostics& diag) {
  config c;
  c.file = file;
  const std::size_t errors = diag.error_count();
  long lineno = 0;
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    ++lineno;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      diag.error(file, lineno, "", "expected 'key = value', got '" + line + "'");
      continue;
    }
    const std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (c.lines.count(key) != 0) {
      diag.error(file, lineno, key, "set twice (first on line " + std::to_string(c.lines[key]) + ")");
      continue;
    }
    c.lines[key] = lineno;
    auto bad = [&](const std::string& what) { diag.error(file, lineno, key, what + ", got '" + value + "'"); };
    if (key == "state_dir") {
      if (!absolute(value)) bad("expected an absolute directory");
      c.state_dir = value;
    } else if (key == "disk_labels") {
      if (!absolute(value)) bad("expected an absolute file name");
      c.disk_labels = value;
      c.disk_labels_explicit = true;
    } else if (key == "unlabelled_domains") {
      const auto w = split_blanks(value);
      if (w.size() == 1 && w[0] == "refuse") c.unlabelled_label.clear();
      else if (w.size() == 2 && w[0] == "label") c.unlabelled_label = w[1];
      else bad("expected 'refuse' or 'label NAME'");
    } else if (key == "unlabelled_disks" || key == "unlabelled_networks") {
      bool refuse = false;
      if (value == "refuse") refuse = true;
      else if (value != "allow") bad("expected 'allow' or 'refuse'");
      (key == "unlabelled_disks" ? c.refuse_unlabelled_disks : c.refuse_unlabelled_networks) = refuse;
    } else if (key == "libvirt_run_dir") {
      if (!absolute(value)) bad("expected an absolute directory");
      c.libvirt_run_dir = value;
    } else if (key == "virsh") {
      if (!absolute(value)) bad("expected the absolute file name of virsh");
      c.virsh = value;
    } else if (key == "uri") {
      if (value.empty()) bad("expected a libvirt URI");
      c.uri = value;
    } else if (key == "on_revoked_disk") {
      if (value == "suspend") c.suspend_on_revoked_disk = true;
      else if (value == "report") c.suspend_on_revoked_disk = false;
      else bad("expected 'suspend' or 'report'");
    } else {
      diag.error(file, lineno, key,
                 "unknown key (known: state_dir, disk_labels, unlabelled_domains, unlabelled_disks, "
                 "unlabelled_networks, libvirt_run_dir, virsh, uri, on_revoked_disk)");
    }
  }
  if (diag.error_count() != errors) return std::nullopt;
  return c;
}
}  // namespace

result<config> parse_config(const std::string& text, const std::string& file) {
  return parse_with(parse_config_into, text, file, file + ": cannot read the configuration");
}

result<config> load_config(const std::string& path) {
  auto text = read_text(path);
  if (!text) return std::move(text).failure();
  return parse_config(*text, path);
}

std::string render_config(const config& c) {
  std::string s;
  s += "# shype for libvirt (see adapters/libvirt/README.md). Read by the hooks and by every\n";
  s += "# shype-libvirt command; changes apply to the next hook call.\n\n";
  s += "# Where the policy in force (policy.bin), the state of this host and the decision log live.\n";
  s += "state_dir = " + c.state_dir + "\n\n";
  s += "# Disk label map: 'LABEL PATH' lines; a PATH ending in '/' labels everything below it.\n";
  s += "disk_labels = " + c.disk_labels + "\n\n";
  s += "# Domains without <metadata><shype:label name=\"...\"/>: 'refuse', or 'label NAME'.\n";
  s += "unlabelled_domains = " + (c.unlabelled_label.empty() ? std::string("refuse") : "label " + c.unlabelled_label) + "\n\n";
  s += "# Disks the map does not label, networks without a label: 'allow' or 'refuse'.\n";
  s += std::string("unlabelled_disks = ") + (c.refuse_unlabelled_disks ? "refuse" : "allow") + "\n";
  s += std::string("unlabelled_networks = ") + (c.refuse_unlabelled_networks ? "refuse" : "allow") + "\n\n";
  s += "# libvirt's runtime directory: what libvirt says is running (qemu/*.xml, network/*.xml).\n";
  s += "libvirt_run_dir = " + c.libvirt_run_dir + "\n\n";
  s += "# How change-policy acts on running domains (domif-setlink, suspend).\n";
  s += "virsh = " + c.virsh + "\n";
  s += "uri = " + c.uri + "\n";
  s += std::string("on_revoked_disk = ") + (c.suspend_on_revoked_disk ? "suspend" : "report") + "\n";
  return s;
}

}  // namespace shype::libvirt
