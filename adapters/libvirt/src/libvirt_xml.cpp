// SPDX-License-Identifier: Apache-2.0
#include "libvirt_xml.hpp"

#include <cstdlib>

#include "util.hpp"
#include <shype/tool/compile/xml_document.hpp>

namespace shype::libvirt {

using tool::get_attribute;
using tool::line_of;
using tool::local_name;
using tool::namespace_uri;
using tool::text_of;

namespace {

bool element(const xmlNode* n) { return n != nullptr && n->type == XML_ELEMENT_NODE; }

/// The first child element named `name` (without namespace), or nullptr.
const xmlNode* child(const xmlNode* n, const char* name) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next)
    if (element(c) && c->ns == nullptr && local_name(c) == name) return c;
  return nullptr;
}

std::string child_text(const xmlNode* n, const char* name) {
  const xmlNode* c = child(n, name);
  return c != nullptr ? trim(text_of(c)) : std::string();
}

std::string attribute(const xmlNode* n, const char* name) {
  std::string v;
  if (n != nullptr) (void)get_attribute(n, name, v);
  return v;
}

/// The shype label inside a <metadata> element (if any): exactly one <label name="..."/>.
bool read_label(const xmlNode* owner, label_desc& out, const std::string& file, tool::diagnostics& diag) {
  const xmlNode* md = child(owner, "metadata");
  if (md == nullptr) return true;
  bool ok = true;
  for (const xmlNode* c = md->children; c != nullptr; c = c->next) {
    if (!element(c) || namespace_uri(c) != label_namespace) continue;
    const std::string where = "<" + local_name(c) + "> in namespace " + label_namespace;
    if (local_name(c) != "label") {
      diag.error(file, line_of(c), "metadata", where + ": expected <label name=\"...\"/>");
      ok = false;
      continue;
    }
    if (out.present) {
      diag.error(file, line_of(c), "metadata", "a second shype <label> (the first is on line " + std::to_string(out.line) + ")");
      ok = false;
      continue;
    }
    std::string name;
    if (!get_attribute(c, "name", name) || trim(name).empty()) {
      diag.error(file, line_of(c), "metadata", where + ": the name attribute is missing or empty");
      ok = false;
      continue;
    }
    out.present = true;
    out.name = trim(name);
    out.line = line_of(c);
  }
  return ok;
}

bool read_disk(const xmlNode* d, domain_desc& dom, const std::string& file, tool::diagnostics& diag) {
  disk_desc disk;
  disk.line = line_of(d);
  const std::string type = attribute(d, "type");
  const xmlNode* src = child(d, "source");
  disk.target = attribute(child(d, "target"), "dev");
  disk.shareable = child(d, "shareable") != nullptr;
  disk.readonly = child(d, "readonly") != nullptr;
  if (src == nullptr) return true;  // an empty CD-ROM drive: nothing is shared
  bool is_path = true;
  if (type == "file" || type.empty()) {
    disk.key = attribute(src, "file");
  } else if (type == "block") {
    disk.key = attribute(src, "dev");
  } else if (type == "dir") {
    disk.key = attribute(src, "dir");
  } else if (type == "volume" || type == "network") {
    is_path = false;
    const bool volume = type == "volume";
    const std::string a = attribute(src, volume ? "pool" : "protocol"), b = attribute(src, volume ? "volume" : "name");
    if (a.empty() || b.empty()) {
      diag.error(file, disk.line, "disk",
                 volume ? "a volume disk needs <source pool='...' volume='...'/>"
                        : "a network disk needs <source protocol='...' name='...'/>");
      return false;
    }
    disk.key = type + ":" + a + "/" + b;
  } else {
    diag.error(file, disk.line, "disk", "disk type '" + type + "' is not supported by shype (file, block, dir, volume, network)");
    return false;
  }
  if (disk.key.empty()) return true;  // no medium
  if (is_path) {
    if (disk.key[0] != '/') {
      diag.error(file, disk.line, "disk", "the source '" + disk.key + "' is not an absolute path");
      return false;
    }
    disk.key = canonical_path(disk.key);
  }
  dom.disks.push_back(disk);
  return true;
}

bool read_domain(const xmlNode* root, domain_desc& dom, const std::string& file, tool::diagnostics& diag) {
  if (!element(root) || local_name(root) != "domain") {
    diag.error(file, root != nullptr ? line_of(root) : 0, root != nullptr ? local_name(root) : "", "expected a <domain> element");
    return false;
  }
  bool ok = true;
  dom.name = child_text(root, "name");
  dom.uuid = child_text(root, "uuid");
  if (dom.name.empty()) {
    diag.error(file, line_of(root), "domain", "no <name>");
    ok = false;
  }
  if (dom.uuid.empty()) {
    diag.error(file, line_of(root), "domain", "no <uuid>");
    ok = false;
  }
  const std::string id = attribute(root, "id");
  if (!id.empty()) dom.id = std::strtol(id.c_str(), nullptr, 10);
  ok = read_label(root, dom.label, file, diag) && ok;
  if (const xmlNode* devices = child(root, "devices")) {
    for (const xmlNode* d = devices->children; d != nullptr; d = d->next) {
      if (!element(d) || d->ns != nullptr) continue;
      if (local_name(d) == "disk") {
        ok = read_disk(d, dom, file, diag) && ok;
      } else if (local_name(d) == "interface" && attribute(d, "type") == "network") {
        interface_desc i;
        const xmlNode* src = child(d, "source");
        i.network = attribute(src, "network");
        i.portid = attribute(src, "portid");
        i.mac = attribute(child(d, "mac"), "address");
        i.link_down = attribute(child(d, "link"), "state") == "down";
        if (i.network.empty()) {
          diag.error(file, line_of(d), "interface", "a network interface without <source network='...'/>");
          ok = false;
          continue;
        }
        dom.interfaces.push_back(i);
      }
    }
  }
  return ok;
}

bool read_network(const xmlNode* n, network_desc& net, const std::string& file, tool::diagnostics& diag) {
  if (!element(n) || local_name(n) != "network") {
    diag.error(file, n != nullptr ? line_of(n) : 0, "", "expected a <network> element");
    return false;
  }
  net.name = child_text(n, "name");
  net.uuid = child_text(n, "uuid");
  if (net.name.empty()) {
    diag.error(file, line_of(n), "network", "no <name>");
    return false;
  }
  return read_label(n, net.label, file, diag);
}

std::optional<domain_desc> parse_domain_into(const std::string& xml, const std::string& file, tool::diagnostics& diag) {
  tool::xml_document doc(reinterpret_cast<const std::uint8_t*>(xml.data()), xml.size(), file, diag);
  if (!doc.ok()) return std::nullopt;
  domain_desc d;
  if (!read_domain(doc.root(), d, file, diag)) return std::nullopt;
  return d;
}
std::optional<domain_status> parse_domain_status_into(const std::string& xml, const std::string& file, tool::diagnostics& diag) {
  tool::xml_document doc(reinterpret_cast<const std::uint8_t*>(xml.data()), xml.size(), file, diag);
  if (!doc.ok()) return std::nullopt;
  const xmlNode* root = doc.root();
  if (!element(root) || local_name(root) != "domstatus") {
    diag.error(file, root != nullptr ? line_of(root) : 0, "", "expected a <domstatus> element");
    return std::nullopt;
  }
  domain_status s;
  s.state = attribute(root, "state");
  s.pid = std::strtol(attribute(root, "pid").c_str(), nullptr, 10);
  const xmlNode* dom = child(root, "domain");
  if (dom == nullptr) {
    diag.error(file, line_of(root), "domstatus", "no <domain>");
    return std::nullopt;
  }
  if (!read_domain(dom, s.domain, file, diag)) return std::nullopt;
  return s;
}
std::optional<network_hook_data> parse_network_hook_into(const std::string& xml, const std::string& file, tool::diagnostics& diag) {
  tool::xml_document doc(reinterpret_cast<const std::uint8_t*>(xml.data()), xml.size(), file, diag);
  if (!doc.ok()) return std::nullopt;
  const xmlNode* root = doc.root();
  network_hook_data h;
  const xmlNode* net = root;
  if (element(root) && local_name(root) == "hookData") net = child(root, "network");
  if (net == nullptr) {
    diag.error(file, line_of(root), "hookData", "no <network>");
    return std::nullopt;
  }
  if (!read_network(net, h.network, file, diag)) return std::nullopt;
  if (const xmlNode* p = element(root) && local_name(root) == "hookData" ? child(root, "networkport") : nullptr) {
    port_desc port;
    port.uuid = child_text(p, "uuid");
    if (const xmlNode* owner = child(p, "owner")) {
      port.owner_name = child_text(owner, "name");
      port.owner_uuid = child_text(owner, "uuid");
    }
    port.mac = attribute(child(p, "mac"), "address");
    if (port.uuid.empty() || port.owner_uuid.empty()) {
      diag.error(file, line_of(p), "networkport", "a port needs <uuid> and <owner><uuid>");
      return std::nullopt;
    }
    h.port = port;
  }
  return h;
}
std::optional<network_desc> parse_network_status_into(const std::string& xml, const std::string& file, tool::diagnostics& diag) {
  tool::xml_document doc(reinterpret_cast<const std::uint8_t*>(xml.data()), xml.size(), file, diag);
  if (!doc.ok()) return std::nullopt;
  const xmlNode* root = doc.root();
  const xmlNode* net = root;
  if (element(root) && local_name(root) == "networkstatus") net = child(root, "network");
  network_desc n;
  if (!read_network(net, n, file, diag)) return std::nullopt;
  return n;
}

}  // namespace

result<domain_desc> parse_domain(const std::string& xml, const std::string& file) {
  return parse_with(parse_domain_into, xml, file, file + ": no XML");
}

result<domain_status> parse_domain_status(const std::string& xml, const std::string& file) {
  return parse_with(parse_domain_status_into, xml, file, file + ": no XML");
}

result<network_hook_data> parse_network_hook(const std::string& xml, const std::string& file) {
  return parse_with(parse_network_hook_into, xml, file, file + ": no XML");
}

result<network_desc> parse_network_status(const std::string& xml, const std::string& file) {
  return parse_with(parse_network_status_into, xml, file, file + ": no XML");
}

}  // namespace shype::libvirt
