// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the libvirt adapter's parsers of libvirt's XML (adapters/libvirt/src/libvirt_xml.hpp):
// the domain XML a hook reads on stdin, <domstatus> records, a network hook's <hookData> and
// <networkstatus>. The first byte picks the parser, the rest is the XML (untrusted: any guest
// owner writes domain XML, metadata included).
//
// Oracles: parsing is deterministic; a refusal has at least one line and every line names the
// file ("FILE:LINE: ..." or "FILE: ..."); what a success returns holds the parser's promises:
// a label is present only with a non-empty, trimmed name and a line, each disk has a key that
// is either an absolute canonical path (canonicalising it again changes nothing) or
// volume:POOL/VOLUME / network:PROTO/NAME, each network interface names its network, a port
// names its uuid and its owner's.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "libvirt_xml.hpp"
#include "util.hpp"

namespace lv = shype::libvirt;
using shype_fuzz::require;

namespace {

const std::string file = "fuzz.xml";

template <class T>
void check_error(const lv::result<T>& a, const lv::result<T>& b) {
  require(a.ok() == b.ok(), "parsing the same XML twice gave different results");
  if (a.ok()) return;
  require(!a.failure().lines.empty(), "a refusal without a message");
  require(a.failure().lines == b.failure().lines, "parsing the same XML twice gave different messages");
  for (const auto& l : a.failure().lines)
    require(l.rfind(file + ":", 0) == 0, "an error line that does not name the file: " + l);
}

bool trimmed(const std::string& s) { return !s.empty() && lv::trim(s) == s; }

void check_label(const lv::label_desc& l) {
  if (!l.present) return;
  require(trimmed(l.name), "a label with an empty or untrimmed name: '" + l.name + "'");
  require(l.line > 0, "a label without its line");
}

void check_domain(const lv::domain_desc& d) {
  require(!d.name.empty() && !d.uuid.empty(), "a domain without name or uuid was accepted");
  check_label(d.label);
  for (const auto& k : d.disks) {
    require(!k.key.empty(), "a disk without a key");
    if (k.key[0] == '/') {
      require(lv::canonical_path(k.key) == k.key, "a disk path that is not canonical: " + k.key);
    } else {
      const bool volume = k.key.rfind("volume:", 0) == 0, network = k.key.rfind("network:", 0) == 0;
      require((volume || network) && k.key.find('/') != std::string::npos, "a disk key that is neither a path nor a volume/network: " + k.key);
    }
  }
  for (const auto& i : d.interfaces) require(!i.network.empty(), "a network interface without its network");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string xml(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      const auto a = lv::parse_domain(xml, file), b = lv::parse_domain(xml, file);
      check_error(a, b);
      if (a) check_domain(*a);
      break;
    }
    case 1: {
      const auto a = lv::parse_domain_status(xml, file), b = lv::parse_domain_status(xml, file);
      check_error(a, b);
      if (a) check_domain(a->domain);
      break;
    }
    case 2: {
      const auto a = lv::parse_network_hook(xml, file), b = lv::parse_network_hook(xml, file);
      check_error(a, b);
      if (a) {
        require(!a->network.name.empty(), "a network without a name was accepted");
        check_label(a->network.label);
        if (a->port) require(!a->port->uuid.empty() && !a->port->owner_uuid.empty(), "a port without uuid or owner uuid was accepted");
      }
      break;
    }
    default: {
      const auto a = lv::parse_network_status(xml, file), b = lv::parse_network_status(xml, file);
      check_error(a, b);
      if (a) {
        require(!a->name.empty(), "a network without a name was accepted");
        check_label(a->label);
      }
      break;
    }
  }
  return 0;
}
