// SPDX-License-Identifier: Apache-2.0
// shype-libvirt agent: one host's part of the fleet (docs/fleet.md).
//
// Loop: hold a lease (granted with lease_ttl, kept alive every third of it); publish the host's
// record under it when it changed (or the lease is new); read this host's assignment and, if it
// names a revision newer than the one in force, take it: fetch, verify (format, size, SHA-256,
// Ed25519 signature against the configured key, revision number, no going back), write it to
// AGENT_DIR atomically, apply it through change-policy (the adapter's own, under its lock), and
// report the outcome under the lease; then watch the assignment for a third of the lease time.
// If etcd cannot be reached the host keeps the policy it has (its hooks never ask etcd) and the
// agent retries every second; a lease that expired meanwhile is granted afresh, and the record
// published again. SIGTERM/SIGINT end the loop and revoke the lease (the host leaves at once).

#include <csignal>
#include <chrono>
#include <ostream>
#include <sstream>
#include <thread>

#include <shype/tool/io/command_line.hpp>

#include "commands.hpp"
#include "fleet/etcd.hpp"
#include "fleet/fleet.hpp"
#include "fleet/revision.hpp"
#include "host.hpp"
#include "util.hpp"

namespace shype::libvirt::fleet {

namespace {

volatile std::sig_atomic_t stop_requested = 0;
extern "C" void on_stop(int) { stop_requested = 1; }

const char* agent_help =
    "usage: shype-libvirt agent [--config FILE] [--once]\n\n"
    "Runs this host's part of the fleet (docs/fleet.md): publishes the host's state in etcd under a lease,\n"
    "applies the policy revisions assigned to it (verified against the operator's public key) through\n"
    "change-policy and reports the outcome. FILE defaults to /etc/shype/fleet.conf. --once does one round\n"
    "(publish, apply what is assigned, report) and exits. Exit: 0 stopped, 2 usage, 3 invalid configuration.\n";

/// A revision number as an assignment holds it, -1 if it is not one.
std::int64_t number_of(const std::string& v) {
  const std::string t = trim(v);
  if (t.empty() || t.size() > 10 || t.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(t);
}

struct in_force {
  std::int64_t number = 0;
  std::string sha256;
};

std::string in_force_path(const fleet_config& fc) { return fc.agent_dir + "/in-force"; }

in_force read_in_force(const fleet_config& fc) {
  in_force f;
  auto t = read_text(in_force_path(fc));
  if (!t) return f;
  const auto w = split_blanks(trim(*t));
  if (w.size() == 2 && w[0].find_first_not_of("0123456789") == std::string::npos && !w[0].empty() && w[0].size() <= 10) {
    f.number = std::stoll(w[0]);
    f.sha256 = w[1];
  }
  return f;
}

class agent {
 public:
  agent(fleet_config fc, config lc, std::string public_key, std::string password, std::ostream& out)
      : fc_(std::move(fc)), lc_(std::move(lc)), key_(std::move(public_key)), out_(out),
        etcd_({fc_.endpoints, fc_.ca, fc_.cert, fc_.key, fc_.user, std::move(password),
               2000, std::max<long>(2000, fc_.lease_ttl * 1000 / 3)}) {}

  /// One round; returns the time to wait for a change of the assignment (ms), or an error.
  result<long> round() {
    const auto now = std::chrono::steady_clock::now();
    if (lease_ == 0) {
      auto l = etcd_.lease_grant(fc_.lease_ttl);
      if (!l) return std::move(l).failure();
      lease_ = *l;
      published_.clear();
      last_keepalive_ = now;
      say("holding lease " + std::to_string(lease_) + " (" + std::to_string(fc_.lease_ttl) + " s)");
      if (!last_report_.empty()) {
        if (auto s = etcd_.put(fc_.report_key(fc_.host), last_report_, lease_); !s) return std::move(s).failure();
      }
    } else if (now - last_keepalive_ >= std::chrono::milliseconds(fc_.lease_ttl * 1000 / 3)) {
      auto ttl = etcd_.lease_keepalive(lease_);
      if (!ttl) return std::move(ttl).failure();
      if (*ttl <= 0) {
        say("lease " + std::to_string(lease_) + " expired; taking a new one");
        lease_ = 0;
        return 0L;
      }
      last_keepalive_ = now;
    }
    if (report_pending_) {  // a report etcd did not take: sent again before anything else
      if (auto s = etcd_.put(fc_.report_key(fc_.host), last_report_, lease_); !s) return std::move(s).failure();
      report_pending_ = false;
    }
    if (auto s = publish(); !s) return std::move(s).failure();
    std::int64_t rev = 0;
    auto a = etcd_.get(fc_.assign_key(fc_.host), &rev);
    if (!a) return std::move(a).failure();
    auto cur = etcd_.get(fc_.current_key());
    if (!cur) return std::move(cur).failure();
    // This host's assignment, or the fleet's current revision if that is newer (the host was
    // away when it was rolled out).
    const kv* pick = a->empty() ? nullptr : &(*a)[0];
    if (!cur->empty() && (pick == nullptr || number_of(pick->value) < number_of((*cur)[0].value))) pick = &(*cur)[0];
    if (pick != nullptr) {
      if (auto s = take(*pick); !s) return std::move(s).failure();
    }
    watch_from_ = rev + 1;
    return static_cast<long>(fc_.lease_ttl * 1000 / 3);
  }

  /// Waits for a change of the assignment (or the time to keep the lease alive).
  void wait(long ms) {
    std::int64_t next = 0;
    auto w = etcd_.watch(fc_.assign_key(fc_.host), false, watch_from_, ms, next);
    if (!w) {
      say("watch: " + w.message());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  void forget_lease() { lease_ = 0; }

  void leave() {
    if (lease_ != 0) (void)etcd_.lease_revoke(lease_);
  }

  void say(const std::string& s) { out_ << timestamp() << " agent " << fc_.host << ": " << one_line(s) << std::endl; }

 private:
  /// The host record now: the adapter's state under its lock, reconciled as status does.
  result<host_record> gather() {
    host_record h;
    h.host = fc_.host;
    auto map = label_map::load(lc_.disk_labels, lc_.disk_labels_explicit);
    if (!map) return std::move(map).failure();
    for (const auto& e : map->entries()) h.map.push_back(e.label + " " + e.key);
    state_store store(lc_);
    if (auto s = store.lock(); !s) return std::move(s).failure();
    host_state st;
    const auto report = store.load(st);
    if (report.how == state_store::loaded::unusable) return error(report.detail);
    auto policy = read_policy(lc_);
    if (!policy) return std::move(policy).failure();
    const std::vector<std::uint8_t> bytes = *policy;
    auto rebuilt = rebuild(st, lc_, *map, std::move(*policy), "", false);
    if (!rebuilt) return std::move(rebuilt).failure();
    h.problems = rebuilt->problems;
    h.title = rebuilt->eng->policy_title();
    h.policy = bytes;
    h.policy_sha256 = sha256_hex(std::string(bytes.begin(), bytes.end()));
    const in_force f = read_in_force(fc_);
    h.revision = f.sha256 == h.policy_sha256 ? f.number : 0;
    h.unlabelled_domains = lc_.unlabelled_label.empty() ? "refuse" : lc_.unlabelled_label;
    h.suspend_on_revoked_disk = lc_.suspend_on_revoked_disk;
    h.state = render_state(st);
    return h;
  }

  status publish() {
    auto h = gather();
    if (!h) {
      say("cannot read this host's state: " + h.message());
      return {};  // nothing new to say; the last record stays
    }
    const std::string text = render_host(*h);
    if (text == published_) return {};
    host_record stamped = *h;
    stamped.updated = timestamp();
    const std::string record = render_host(stamped);
    if (record.size() > max_record_bytes) {
      say("the host record is " + std::to_string(record.size()) + " bytes, more than the limit of 1 MiB: not published");
      return {};
    }
    if (auto s = etcd_.put(fc_.state_key(fc_.host), record, lease_); !s) return s;
    published_ = text;
    return {};
  }

  status send(report r) {
    r.host = fc_.host;
    r.at = timestamp();
    last_report_ = render_report(r);
    report_pending_ = true;
    say(r.outcome + " revision " + std::to_string(r.revision) + (r.lines.empty() ? "" : ": " + r.lines.front()));
    if (auto s = etcd_.put(fc_.report_key(fc_.host), last_report_, lease_); !s) return s;
    report_pending_ = false;
    return publish();
  }

  /// Takes the revision the assignment names, if it is new.
  status take(const kv& assignment) {
    const std::string v = trim(assignment.value);
    report r;
    if (v.empty() || v.size() > 10 || v.find_first_not_of("0123456789") != std::string::npos) {
      if (assignment.mod_revision == seen_) return {};
      seen_ = assignment.mod_revision;
      r.outcome = "rejected";
      r.lines.push_back(assignment.key + ": not a revision number: " + one_line(v.substr(0, 40)));
      return send(r);
    }
    r.revision = std::stoll(v);
    const in_force f = read_in_force(fc_);
    if (r.revision == f.number) return {};
    // A record is looked at once per change of the assignment or of the record itself.
    const std::string key = fc_.revision_key(r.revision);
    auto rec = etcd_.get(key);
    if (!rec) return std::move(rec).failure();
    const std::int64_t seen = assignment.mod_revision * 1'000'003 + (rec->empty() ? 0 : (*rec)[0].mod_revision);
    if (seen == seen_) return {};
    seen_ = seen;
    if (r.revision < f.number) {
      r.outcome = "rejected";
      r.lines.push_back("revision " + v + " is older than revision " + std::to_string(f.number) +
                        " in force: a fleet never goes back (publish the old policy as a new revision)");
      return send(r);
    }
    if (rec->empty()) {
      r.outcome = "rejected";
      r.lines.push_back(key + ": no such revision");
      return send(r);
    }
    auto verified = verify_revision((*rec)[0].value, key_, key);
    if (verified && verified->number != r.revision)
      verified = error(key + ": the record is revision " + std::to_string(verified->number) + ", not " + v);
    if (!verified) {
      r.outcome = "rejected";
      r.lines = verified.failure().lines;
      return send(r);
    }
    // The verified revision, kept atomically before it is used.
    const std::string file = fc_.agent_dir + "/revision.bin";
    if (auto s = write_atomic(file, std::string(verified->policy.begin(), verified->policy.end()), 0600); !s) {
      r.outcome = "error";
      r.lines = s.failure().lines;
      return send(r);
    }
    std::ostringstream o, e;
    const int rc = cmd_change_policy(change_options{fc_.libvirt_config, file, false}, o, e);
    r.outcome = rc == exit_ok ? "applied" : rc == exit_action_failed ? "applied-with-failures" : rc == exit_refused ? "refused" : "error";
    for (const std::string& t : {o.str(), e.str()}) {
      std::istringstream lines(t);
      std::string l;
      while (std::getline(lines, l))
        if (!l.empty()) r.lines.push_back(l);
    }
    if (rc == exit_ok || rc == exit_action_failed) {
      if (auto s = write_atomic(in_force_path(fc_), std::to_string(r.revision) + " " + verified->sha256 + "\n", 0644); !s) {
        r.lines.push_back("warning: " + s.message());
      }
    }
    return send(r);
  }

  fleet_config fc_;
  config lc_;
  std::string key_;
  std::ostream& out_;
  etcd_client etcd_;
  std::int64_t lease_ = 0, watch_from_ = 0, seen_ = -1;
  std::chrono::steady_clock::time_point last_keepalive_;
  std::string published_, last_report_;
  bool report_pending_ = false;  ///< last_report_ is not in etcd yet
};

}  // namespace

int run_agent(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const tool::command_spec spec{"agent", 0, 0, {"--once"}, {"--config"}, agent_help, "shype-libvirt"};
  auto p = tool::parse_args(spec, args, err);
  if (!p) return exit_usage;
  if (p->help) {
    out << agent_help;
    return exit_ok;
  }
  const auto it = p->values.find("--config");
  const std::string path = it == p->values.end() ? "/etc/shype/fleet.conf" : it->second;
  auto fc = load_fleet_config(path);
  if (!fc) {
    for (const auto& l : fc.failure().lines) err << "shype-libvirt agent: " << one_line(l) << "\n";
    return exit_invalid;
  }
  auto bad = [&](const std::string& s) {
    err << "shype-libvirt agent: " << one_line(s) << "\n";
    return exit_invalid;
  };
  if (fc->host.empty()) return bad(path + ": host: not set");
  if (fc->public_key.empty()) return bad(path + ": public_key: not set (the operator's key revisions are verified with)");
  auto key = read_key(fc->public_key, public_key_bytes, "public key");
  if (!key) return bad(key.message());
  std::string password;
  if (!fc->password_file.empty()) {
    auto pw = read_text(fc->password_file);
    if (!pw) return bad(pw.message());
    password = trim(*pw);
  }
  auto lc = load_config(fc->libvirt_config);
  if (!lc) return bad(lc.message());
  if (auto s = make_dirs(fc->agent_dir); !s) return bad(s.message());

  agent a(*fc, *lc, *key, password, out);
  std::signal(SIGTERM, on_stop);
  std::signal(SIGINT, on_stop);
  const bool once = p->flags.count("--once") != 0;
  while (stop_requested == 0) {
    auto wait = a.round();
    if (!wait && wait.message().find("lease not found") != std::string::npos) {
      a.say("lease gone (" + wait.message() + "); taking a new one");
      a.forget_lease();
      continue;
    }
    if (!wait) {
      a.say("etcd unreachable, keeping the policy in force: " + wait.message());
      if (once) return exit_invalid;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    if (once) break;
    if (*wait > 0) a.wait(*wait);
  }
  a.leave();
  a.say(once ? "one round done" : "stopped; lease revoked");
  return exit_ok;
}

}  // namespace shype::libvirt::fleet
