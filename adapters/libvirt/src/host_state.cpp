// SPDX-License-Identifier: Apache-2.0
#include "host_state.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <shype/tool/io/sha256.hpp>
#include "util.hpp"

namespace shype::libvirt {

domain_entry* host_state::find(const std::string& uuid) {
  for (auto& d : domains)
    if (d.uuid == uuid) return &d;
  return nullptr;
}

const domain_entry* host_state::find(const std::string& uuid) const {
  for (const auto& d : domains)
    if (d.uuid == uuid) return &d;
  return nullptr;
}

bool host_state::remove(const std::string& uuid) {
  const auto it = std::find_if(domains.begin(), domains.end(), [&](const domain_entry& d) { return d.uuid == uuid; });
  if (it == domains.end()) return false;
  domains.erase(it);
  return true;
}

domain_entry& host_state::add(domain_entry e) {
  e.seq = next_seq++;
  domains.push_back(std::move(e));
  return domains.back();
}

namespace {
// Version 2 adds the "policy" line; a version-1 file is still read (its policy is unknown and
// taken to be the one in force) and is written back as version 2.
constexpr const char* magic = "shype-libvirt-state 2";
constexpr const char* magic_v1 = "shype-libvirt-state 1";

std::string flags_of(const disk_use& d) {
  std::string f;
  if (d.shareable) f += 's';
  if (d.readonly) f += 'r';
  if (d.revoked) f += 'x';
  return f.empty() ? "-" : f;
}
}  // namespace

std::string render_state(const host_state& s) {
  std::string o;
  o += "# The shype adapter's record of this host (written by shype-libvirt; do not edit).\n";
  o += std::string(magic) + "\n";
  o += "next-seq " + std::to_string(s.next_seq) + "\n";
  o += "changes " + std::to_string(s.changes) + "\n";
  o += "daemon " + encode_field(s.daemon) + "\n";
  o += "policy " + encode_field(s.policy) + "\n";
  for (const auto& d : s.domains) {
    o += "domain " + std::to_string(d.seq) + " " + encode_field(d.uuid) + " " + encode_field(d.name) + " " +
         encode_field(d.label) + " " + (d.state == phase::running ? "running" : "admitted") + " " +
         std::to_string(d.libvirt_id) + " " + encode_field(d.daemon) + " " + (d.suspended ? "1" : "0") + "\n";
    for (const auto& k : d.disks)
      o += "  disk " + encode_field(k.key) + " " + encode_field(k.target) + " " + encode_field(k.label) + " " + flags_of(k) + "\n";
    for (const auto& p : d.ports)
      o += "  port " + encode_field(p.network) + " " + encode_field(p.portid) + " " + encode_field(p.mac) + " " +
           encode_field(p.label) + " " + (p.revoked ? "1" : "0") + "\n";
  }
  o += "end\n";
  return o;
}

namespace {
std::optional<host_state> parse_state_into(const std::string& text, const std::string& file, tool::diagnostics& diag) {
  host_state s;
  std::istringstream in(text);
  std::string raw;
  long lineno = 0;
  bool seen_magic = false, seen_end = false, v1 = false, seen_policy = false;
  auto fail = [&](const std::string& what) {
    diag.error(file, lineno, "", what);
    return std::nullopt;
  };
  auto number = [](const std::string& w, long long& out) {
    char* end = nullptr;
    errno = 0;
    out = std::strtoll(w.c_str(), &end, 10);
    return errno == 0 && end != w.c_str() && *end == '\0';
  };
  while (std::getline(in, raw)) {
    ++lineno;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    if (seen_end) return fail("text after 'end'");
    if (!seen_magic) {
      if (line != magic && line != magic_v1)
        return fail(std::string("not a state file of this version (expected '") + magic + "')");
      v1 = line == magic_v1;
      seen_magic = true;
      continue;
    }
    const auto w = split_blanks(line);
    std::vector<std::string> f;
    for (std::size_t i = 1; i < w.size(); ++i) {
      auto v = decode_field(w[i]);
      if (!v) return fail("bad %-escape in '" + w[i] + "'");
      f.push_back(*v);
    }
    long long n = 0, m = 0;
    if (w[0] == "end" && f.empty()) {
      seen_end = true;
    } else if (w[0] == "next-seq" && f.size() == 1 && number(f[0], n) && n > 0) {
      s.next_seq = static_cast<std::uint64_t>(n);
    } else if (w[0] == "changes" && f.size() == 1 && number(f[0], n) && n >= 0) {
      s.changes = static_cast<std::uint64_t>(n);
    } else if (w[0] == "daemon" && f.size() == 1) {
      s.daemon = f[0];
    } else if (w[0] == "policy" && f.size() == 1 && !v1 && !seen_policy) {
      s.policy = f[0];
      seen_policy = true;
    } else if (w[0] == "domain" && f.size() == 8 && number(f[0], n) && n > 0 && number(f[5], m) &&
               (f[4] == "running" || f[4] == "admitted") && (f[7] == "0" || f[7] == "1") && !f[1].empty()) {
      if (s.find(f[1]) != nullptr) return fail("domain " + f[1] + " appears twice");
      domain_entry d;
      d.seq = static_cast<std::uint64_t>(n);
      d.uuid = f[1];
      d.name = f[2];
      d.label = f[3];
      d.state = f[4] == "running" ? phase::running : phase::admitted;
      d.libvirt_id = static_cast<long>(m);
      d.daemon = f[6];
      d.suspended = f[7] == "1";
      if (d.seq >= s.next_seq) return fail("sequence number " + f[0] + " is not below next-seq");
      s.domains.push_back(std::move(d));
    } else if (w[0] == "disk" && f.size() == 4 && !s.domains.empty() && !f[0].empty()) {
      disk_use k;
      k.key = f[0];
      k.target = f[1];
      k.label = f[2];
      const std::string& flags = f[3];  // "-" decodes to ""
      if (flags.find_first_not_of("srx") != std::string::npos) return fail("bad disk flags '" + flags + "'");
      k.shareable = flags.find('s') != std::string::npos;
      k.readonly = flags.find('r') != std::string::npos;
      k.revoked = flags.find('x') != std::string::npos;
      s.domains.back().disks.push_back(std::move(k));
    } else if (w[0] == "port" && f.size() == 5 && !s.domains.empty() && (f[4] == "0" || f[4] == "1") && !f[1].empty()) {
      port_use p;
      p.network = f[0];
      p.portid = f[1];
      p.mac = f[2];
      p.label = f[3];
      p.revoked = f[4] == "1";
      s.domains.back().ports.push_back(std::move(p));
    } else {
      return fail("unexpected line '" + line + "'");
    }
  }
  if (!seen_magic) return fail("empty state file");
  if (!seen_end) return fail("truncated state file (no 'end' line)");
  if (!v1 && !seen_policy) return fail("no 'policy' line (the identity of the policy the state was made against)");
  std::sort(s.domains.begin(), s.domains.end(), [](const domain_entry& a, const domain_entry& b) { return a.seq < b.seq; });
  return s;
}

}  // namespace

result<host_state> parse_state(const std::string& text, const std::string& file) {
  return parse_with(parse_state_into, text, file, file + ": unreadable");
}

std::string policy_identity(const std::string& bytes) {
  const auto d = tool::sha256::of(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return tool::to_hex(d.data(), d.size()) + " " + std::to_string(bytes.size());
}

state_store::~state_store() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

status state_store::lock() {
  if (auto s = make_dirs(cfg_.state_dir); !s) return s;
  fd_ = ::open(cfg_.lock_path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return error(cfg_.lock_path() + ": cannot open: " + std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    return error(cfg_.lock_path() + ": cannot lock: " + std::strerror(errno));
  }
  return {};
}

namespace {

/// Identity of the file at `path`; "" if it does not exist; an error if it cannot be read.
result<std::string> identity_of_file(const std::string& path) {
  if (!exists(path)) return std::string();
  const auto text = read_text(path);
  if (!text) return text.failure();
  return policy_identity(*text);
}

}  // namespace

state_store::load_report state_store::load(host_state& out) {
  load_report report;
  std::string& detail = report.detail;
  const std::string path = cfg_.state_path();
  const std::string policy_path = cfg_.policy_path();
  const std::string pending = cfg_.policy_pending_path();
  auto in_force = identity_of_file(policy_path);
  auto finish = [&](loaded l) {
    out.policy = in_force ? *in_force : std::string();
    report.how = l;
    return report;
  };
  if (!exists(path)) return finish(loaded::missing);
  auto text = read_text(path);
  std::optional<host_state> s;
  std::string unreadable = text.message();
  if (text) {
    auto parsed_state = parse_state(*text, path);
    if (parsed_state) s = std::move(*parsed_state);
    else unreadable = parsed_state.message();
  }
  std::string tag = "corrupt";
  if (s && in_force && (s->policy.empty() || s->policy == *in_force)) {
    // A pending policy beside a state that does not name it: a change that never committed.
    if (exists(pending)) ::unlink(pending.c_str());
    out = std::move(*s);
    return finish(loaded::ok);
  }
  if (s && !in_force) {
    // The policy cannot be read: nothing can be checked, and every decision fails on it; the
    // state is kept as it is.
    out = std::move(*s);
    report.how = loaded::ok;
    return report;
  }
  if (s && in_force) {
    // Made against another policy. The pending one of a committed change: put it in force.
    const auto next = identity_of_file(pending);
    const std::string pending_error = next.message();
    if (next && !next->empty() && *next == s->policy) {
      if (auto r = rename_durably(pending, policy_path); !r) {
        // Committed but not in force: neither policy may decide (fail closed); the state stays.
        detail = "cannot complete an interrupted policy change: " + r.message();
        report.how = loaded::unusable;
        return report;
      }
      in_force = *next;
      detail = "completed an interrupted policy change: " + pending + " is now " + policy_path;
      out = std::move(*s);
      return finish(loaded::ok);
    }
    detail = path + ": made against policy " + s->policy + ", but the policy in force (" + policy_path + ") is " +
             (in_force->empty() ? std::string("missing") : *in_force) +
             (pending_error.empty() ? std::string() : " (" + pending_error + ")");
    tag = "mismatch";
  } else {
    detail = unreadable;
  }
  // Keep the file for inspection; the caller rebuilds the state from libvirt.
  if (const auto aside = move_aside(path, tag, corrupt_copies_kept))
    detail += " (moved to " + *aside + ")";
  else
    detail += " (not moved aside: " + aside.message() + ")";
  return finish(loaded::corrupt);
}

status state_store::save(const host_state& s) { return write_atomic(cfg_.state_path(), render_state(s), 0600); }

result<std::string> state_store::commit(host_state& s, const std::string& policy) {
  const std::string pending = cfg_.policy_pending_path();
  const std::string before = s.policy;
  s.policy = policy_identity(policy);
  if (auto w = write_atomic(pending, policy, 0600); !w) {
    s.policy = before;
    return std::move(w).failure();
  }
  if (auto w = save(s); !w) {  // the commit: until here the old policy and state are in force
    ::unlink(pending.c_str());
    s.policy = before;
    return std::move(w).failure();
  }
  if (auto r = rename_durably(pending, cfg_.policy_path()); !r)
    return r.message() + " (the change is committed; the next hook or command puts the policy in place)";
  return std::string();
}

}  // namespace shype::libvirt
