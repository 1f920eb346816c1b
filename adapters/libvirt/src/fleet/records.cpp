// SPDX-License-Identifier: Apache-2.0
#include "fleet/records.hpp"

#include <cstdio>
#include <set>
#include <sstream>

#include "fleet/etcd.hpp"
#include "util.hpp"

namespace shype::libvirt::fleet {

bool valid_host_name(const std::string& h) {
  if (h.empty() || h.size() > max_host_name || h == "." || h == "..") return false;
  for (const char c : h)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

std::string fleet_config::revision_key(std::int64_t n) const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010lld", static_cast<long long>(n));
  return revisions_prefix() + buf;
}

result<fleet_config> load_fleet_config(const std::string& path) {
  auto text = read_text(path);
  if (!text) return std::move(text).failure();
  fleet_config c;
  c.file = path;
  std::set<std::string> seen;
  std::istringstream in(*text);
  std::string raw;
  long n = 0;
  while (std::getline(in, raw)) {
    ++n;
    const std::string where = path + ":" + std::to_string(n) + ": ";
    const std::string l = trim(raw.substr(0, raw.find('#')));
    if (l.empty()) continue;
    const auto eq = l.find('=');
    if (eq == std::string::npos) return error(where + "expected KEY = VALUE");
    const std::string k = trim(l.substr(0, eq)), v = trim(l.substr(eq + 1));
    if (!seen.insert(k).second) return error(where + k + ": set twice");
    auto number = [&](std::int64_t& out, std::int64_t lo, std::int64_t hi) -> status {
      if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos || std::stoll(v) < lo || std::stoll(v) > hi)
        return error(where + k + ": not a number from " + std::to_string(lo) + " to " + std::to_string(hi) + ": " + v);
      out = std::stoll(v);
      return {};
    };
    status s;
    if (k == "endpoints") {
      std::string e;
      std::istringstream es(v);
      while (std::getline(es, e, ','))
        if (!trim(e).empty()) c.endpoints.push_back(trim(e));
      for (const auto& x : c.endpoints)
        if (x.rfind("https://", 0) != 0 && x.rfind("http://", 0) != 0) return error(where + "endpoints: not an http(s) URL: " + x);
      if (c.endpoints.empty() || c.endpoints.size() > 16) return error(where + "endpoints: 1 to 16 URLs, separated by ','");
    } else if (k == "ca") c.ca = v;
    else if (k == "cert") c.cert = v;
    else if (k == "key") c.key = v;
    else if (k == "user") c.user = v;
    else if (k == "password_file") c.password_file = v;
    else if (k == "prefix") {
      if (v.empty() || v.front() != '/' || v.back() == '/') return error(where + "prefix: must start with '/' and not end with one");
      c.prefix = v;
    } else if (k == "host") {
      if (!valid_host_name(v)) return error(where + "host: 1 to 64 of A-Z a-z 0-9 . _ -: " + one_line(v));
      c.host = v;
    } else if (k == "public_key") c.public_key = v;
    else if (k == "secret_key") c.secret_key = v;
    else if (k == "libvirt_config") c.libvirt_config = v;
    else if (k == "agent_dir") c.agent_dir = v;
    else if (k == "lease_ttl") s = number(c.lease_ttl, 2, max_lease_ttl);
    else if (k == "report_timeout") s = number(c.report_timeout, 1, 86400);
    else return error(where + k + ": unknown key");
    if (!s) return std::move(s).failure();
  }
  if (c.endpoints.empty()) return error(path + ": endpoints: not set");
  return c;
}

// ----- host records ---------------------------------------------------------------------------------

namespace {
constexpr const char* host_magic = "shype-fleet-host 1";
constexpr const char* report_magic = "shype-fleet-report 1";

struct line_reader {
  const std::string& text;
  std::size_t pos = 0;
  bool next(std::string& out) {
    if (pos >= text.size()) return false;
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out = text.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  }
};

bool parse_int(const std::string& v, std::int64_t& out) {
  if (v.empty() || v.size() > 10 || v.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoll(v);
  return true;
}
}  // namespace

std::string render_host(const host_record& h) {
  std::string s = std::string(host_magic) + "\nhost " + h.host + "\nrevision " + std::to_string(h.revision) + "\npolicy-sha256 " +
                  h.policy_sha256 + "\ntitle " + one_line(h.title) + "\nunlabelled-domains " + h.unlabelled_domains +
                  "\non-revoked-disk " + (h.suspend_on_revoked_disk ? "suspend" : "report") + "\n";
  for (const auto& m : h.map) s += "map " + one_line(m) + "\n";
  for (const auto& p : h.problems) s += "problem " + one_line(p) + "\n";
  s += "updated " + h.updated + "\npolicy " + base64_encode(std::string(h.policy.begin(), h.policy.end())) + "\nstate\n" + h.state;
  return s;
}

result<host_record> parse_host(const std::string& text, const std::string& where) {
  auto bad = [&](const std::string& why) { return error(where + ": " + why); };
  if (text.size() > max_record_bytes) return bad("host record larger than the limit of 1 MiB");
  line_reader r{text};
  std::string l;
  if (!r.next(l) || l != host_magic) return bad("not a shype fleet host record");
  host_record h;
  bool have_policy = false;
  while (r.next(l)) {
    const auto sp = l.find(' ');
    const std::string k = l.substr(0, sp), v = sp == std::string::npos ? std::string() : l.substr(sp + 1);
    if (k == "state") {
      h.state = text.substr(r.pos > text.size() ? text.size() : r.pos);
      if (!have_policy || h.host.empty()) return bad("incomplete host record (no host or policy line)");
      return h;
    }
    if (k == "host") {
      if (!valid_host_name(v)) return bad("host: not a host name: " + one_line(v));
      h.host = v;
    } else if (k == "revision") {
      if (!parse_int(v, h.revision)) return bad("revision: not a number: " + one_line(v));
    } else if (k == "policy-sha256") h.policy_sha256 = v;
    else if (k == "title") h.title = v;
    else if (k == "unlabelled-domains") h.unlabelled_domains = v;
    else if (k == "on-revoked-disk") h.suspend_on_revoked_disk = v != "report";
    else if (k == "map") h.map.push_back(v);
    else if (k == "problem") h.problems.push_back(v);
    else if (k == "updated") h.updated = v;
    else if (k == "policy") {
      auto p = base64_decode(v);
      if (!p) return bad("policy: not base64");
      h.policy.assign(p->begin(), p->end());
      have_policy = true;
    } else return bad("unknown line '" + one_line(k.substr(0, 40)) + "'");
  }
  return bad("truncated host record (no state line)");
}

std::string render_report(const report& r) {
  std::string s = std::string(report_magic) + "\nhost " + r.host + "\nrevision " + std::to_string(r.revision) + "\noutcome " +
                  r.outcome + "\nat " + r.at + "\n";
  std::size_t n = 0;
  for (const auto& l : r.lines) {
    if (++n > max_report_lines) {
      s += "line ... " + std::to_string(r.lines.size() - max_report_lines) + " more line(s) left out\n";
      break;
    }
    s += "line " + one_line(l) + "\n";
  }
  return s;
}

result<report> parse_report(const std::string& text, const std::string& where) {
  auto bad = [&](const std::string& why) { return error(where + ": " + why); };
  if (text.size() > max_record_bytes) return bad("report larger than the limit of 1 MiB");
  line_reader rd{text};
  std::string l;
  if (!rd.next(l) || l != report_magic) return bad("not a shype fleet report");
  report r;
  while (rd.next(l)) {
    const auto sp = l.find(' ');
    const std::string k = l.substr(0, sp), v = sp == std::string::npos ? std::string() : l.substr(sp + 1);
    if (k == "host") r.host = v;
    else if (k == "revision") {
      if (!parse_int(v, r.revision)) return bad("revision: not a number");
    } else if (k == "outcome") r.outcome = v;
    else if (k == "at") r.at = v;
    else if (k == "line") r.lines.push_back(v);
    else return bad("unknown line '" + one_line(k.substr(0, 40)) + "'");
  }
  if (r.host.empty() || r.outcome.empty()) return bad("incomplete report");
  return r;
}

std::string host_of_key(const fleet_config& c, const std::string& key, const char* leaf) {
  const std::string p = c.hosts_prefix();
  if (key.compare(0, p.size(), p) != 0) return {};
  const std::string rest = key.substr(p.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos || rest.substr(slash + 1) != leaf) return {};
  return rest.substr(0, slash);
}

}  // namespace shype::libvirt::fleet
