// SPDX-License-Identifier: Apache-2.0
// shype-libvirt fleet VERB (also `shype fleet VERB`): the operator's view of the fleet and its
// rollouts (docs/fleet.md). Reads the hosts' records from etcd, plans against them with the
// adapter's own plans, publishes signed revisions and assigns them to hosts in waves.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

#include <shype/tool/compile/load_policy.hpp>
#include <shype/tool/io/command_line.hpp>

#include "fleet/etcd.hpp"
#include "fleet/fleet.hpp"
#include "fleet/revision.hpp"
#include "util.hpp"

namespace shype::libvirt::fleet {

namespace {

const char* fleet_help =
    "usage: shype-libvirt fleet VERB [--config FILE] ARGS...     (also: shype fleet VERB ...)\n\n"
    "The operator's side of a fleet of libvirt hosts kept in etcd (docs/fleet.md). FILE defaults to\n"
    "/etc/shype/fleet.conf (endpoints, TLS files, user, password_file, prefix, secret_key).\n\n"
    "verbs:\n"
    "  status                 every live host: the revision it enforces, the labels running, its Chinese Wall\n"
    "                         occupancy, and hosts that refused or rejected their last revision\n"
    "  plan POLICY            dry run of POLICY against every host's published state: per host, what would be\n"
    "                         revoked or why it would be refused\n"
    "  rollout POLICY [--canary N] [--confirm] [--continue-on-refusal] [--timeout SECONDS]\n"
    "                         signs and publishes POLICY as the next revision, assigns it to the first N hosts\n"
    "                         (by name), waits for their reports, then to the rest; stops at the first wave with\n"
    "                         a refusal unless --continue-on-refusal. --confirm asks on stdin before the rest.\n"
    "  place LABEL            the hosts whose Chinese Wall admits a new domain with LABEL now\n"
    "  history                the revisions, who published them and when, and how many hosts enforce each\n"
    "  keygen --secret FILE --public FILE   a new Ed25519 key pair for signing revisions\n\n"
    "Exit: 0 success, 1 a host refused (or would, or no host admits the label), 2 usage, 3 invalid input or\n"
    "etcd error.\n";

/// The revisions kept in etcd: publishing the next one deletes the oldest beyond this.
constexpr std::size_t max_revisions_kept = 1000;
/// Operations in one etcd transaction (etcd's default --max-txn-ops is 128).
constexpr std::size_t txn_chunk = 100;

std::ostream& line(std::ostream& o, const std::string& s) { return o << one_line(s) << '\n'; }

int fail(std::ostream& err, const error& e, const char* verb) {
  for (const auto& l : e.lines) line(err, std::string("shype fleet ") + verb + ": " + l);
  return e.exit_code() == exit_refused ? exit_invalid : e.exit_code();
}

struct host_entry {
  std::optional<host_record> rec;
  std::string rec_error;
  std::optional<report> rep;
  std::string rep_error;
};

struct fleet_view {
  std::map<std::string, host_entry> hosts;
  std::int64_t etcd_revision = 0;
};

struct session {
  fleet_config fc;
  std::unique_ptr<etcd_client> etcd;
};

result<session> open_session(const std::string& path) {
  auto fc = load_fleet_config(path);
  if (!fc) return std::move(fc).failure();
  std::string password;
  if (!fc->password_file.empty()) {
    auto pw = read_text(fc->password_file);
    if (!pw) return std::move(pw).failure();
    password = trim(*pw);
  }
  session s{*fc, nullptr};
  s.etcd = std::make_unique<etcd_client>(etcd_options{fc->endpoints, fc->ca, fc->cert, fc->key, fc->user, password, 2000, 8000});
  return s;
}

result<fleet_view> read_fleet(session& s) {
  fleet_view v;
  // Two keys a host (its state and its report), and a few of its own beside them.
  const auto limit = static_cast<std::int64_t>(4 * max_hosts);
  bool more = false;
  auto kvs = s.etcd->get_prefix(s.fc.hosts_prefix(), limit, &v.etcd_revision, false, &more);
  if (!kvs) return std::move(kvs).failure();
  if (more)
    return error("more than " + std::to_string(limit) + " keys under " + s.fc.hosts_prefix() + ": the fleet is larger than the limit of " +
                 std::to_string(max_hosts) + " hosts");
  for (const auto& x : *kvs) {
    if (std::string h = host_of_key(s.fc, x.key, "state"); !h.empty()) {
      auto r = parse_host(x.value, x.key);
      if (r && r->host != h) r = error(x.key + ": the record names host " + r->host);
      if (r) v.hosts[h].rec = std::move(*r);
      else v.hosts[h].rec_error = r.message();
    } else if (std::string h2 = host_of_key(s.fc, x.key, "report"); !h2.empty()) {
      auto r = parse_report(x.value, x.key);
      if (r) v.hosts[h2].rep = std::move(*r);
      else v.hosts[h2].rep_error = r.message();
    }
  }
  // A report without a live record is a host that left: it is not part of the fleet.
  for (auto it = v.hosts.begin(); it != v.hosts.end();)
    it = (!it->second.rec && it->second.rec_error.empty()) ? v.hosts.erase(it) : std::next(it);
  if (v.hosts.size() > max_hosts)
    return error("the fleet has more than " + std::to_string(max_hosts) + " hosts, the limit of this tool");
  return v;
}

result<std::vector<std::uint8_t>> load_policy_arg(const std::string& path, std::ostream& err) {
  tool::loaded_policy p = tool::load_policy_file(path);
  if (!p.ok()) return error::of(p.diag, path + ": cannot load the policy");
  for (const auto& d : p.diag.list()) line(err, tool::format(d));
  return std::move(p.binary);
}

/// fn(i) for every i < n, on as many threads as there are CPUs (at most 8), results in order:
/// each host is replayed into a monitor of its own (engine.hpp), and that is most of the work.
template <class R, class F>
std::vector<R> for_each_host(std::size_t n, F fn) {
  std::vector<R> out(n);
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < n; i = next++) out[i] = fn(i);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads && t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return out;
}

std::vector<std::pair<std::string, const host_entry*>> entries(const fleet_view& v) {
  std::vector<std::pair<std::string, const host_entry*>> out;
  for (const auto& [name, e] : v.hosts) out.emplace_back(name, &e);
  return out;
}

bool bad_outcome(const std::string& o) { return o == "refused" || o == "rejected" || o == "error"; }

/// The lines of a report worth showing: what was revoked or refused, and anything gone wrong.
std::vector<std::string> report_lines(const report& r) {
  std::vector<std::string> out;
  for (const auto& l : r.lines) {
    const std::string t = trim(l);
    if (r.outcome == "rejected" || r.outcome == "error" || t.rfind("refused:", 0) == 0 || t.rfind("revoked:", 0) == 0 ||
        t.rfind("FAILED", 0) == 0 || t.rfind("renamed:", 0) == 0 || t.rfind("warning:", 0) == 0)
      out.push_back(t);
  }
  return out;
}

// ----- status ------------------------------------------------------------------------------------------

struct host_status {
  std::vector<std::string> lines;
  bool bad = false, refused = false;
};

host_status status_of(const std::string& name, const host_entry& e) {
  host_status r;
  if (!e.rec) {
    r.lines.push_back("host " + name + ": UNREADABLE record: " + e.rec_error);
    r.bad = true;
    return r;
  }
  auto h = replay(*e.rec);
  if (!h) {
    r.lines.push_back("host " + name + ": UNREADABLE record: " + h.message());
    r.bad = true;
    return r;
  }
  const auto& placed = h->eng->placed();
  r.lines.push_back("host " + name + "  revision " +
                    (e.rec->revision == 0 ? std::string("none (local policy)") : std::to_string(e.rec->revision)) + "  " +
                    e.rec->title + "  " + std::to_string(placed.size()) + " domain(s)  updated " + e.rec->updated);
  std::string running;
  for (const auto& d : placed) running += (running.empty() ? "" : ", ") + d.name + " (" + d.label + ")";
  r.lines.push_back("  labels running: " + (running.empty() ? std::string("none") : running));
  r.lines.push_back("  chinese wall: " + cw_occupancy(*h));
  for (const auto& p : h->problems) {
    r.lines.push_back("  PROBLEM: " + p);
    r.bad = true;
  }
  if (e.rep) {
    const bool bad = bad_outcome(e.rep->outcome);
    r.lines.push_back(std::string("  last revision: ") + std::to_string(e.rep->revision) + " " +
                      (bad ? "REFUSED (" + e.rep->outcome + ")" : e.rep->outcome) + " at " + e.rep->at);
    for (const auto& l : report_lines(*e.rep)) r.lines.push_back("    " + l);
    r.refused = bad;
  } else if (!e.rep_error.empty()) {
    r.lines.push_back("  last revision: UNREADABLE report: " + e.rep_error);
  }
  return r;
}

int cmd_status(session& s, std::ostream& out, std::ostream& err) {
  auto v = read_fleet(s);
  if (!v) return fail(err, v.failure(), "status");
  out << "fleet: " << v->hosts.size() << " host(s) at " << s.etcd->endpoints() << "\n";
  const auto hosts = entries(*v);
  const auto all = for_each_host<host_status>(hosts.size(), [&](std::size_t i) { return status_of(hosts[i].first, *hosts[i].second); });
  int rc = exit_ok;
  std::size_t refused = 0;
  for (const auto& r : all) {
    for (const auto& l : r.lines) line(out, l);
    if (r.bad || r.refused) rc = exit_refused;
    if (r.refused) ++refused;
  }
  out << "fleet: " << v->hosts.size() << " host(s), " << refused << " refused their last revision\n";
  return rc;
}

// ----- plan ------------------------------------------------------------------------------------------------

struct host_plan {
  bool refused = false;
  std::vector<std::string> lines;
  std::string head;
};

host_plan plan_one(const std::string& name, const host_entry& e, const std::vector<std::uint8_t>& next) {
  host_plan p;
  if (!e.rec) {
    p.refused = true;
    p.head = "host " + name + ": cannot plan: " + e.rec_error;
    return p;
  }
  auto h = replay(*e.rec);
  if (!h) {
    p.refused = true;
    p.head = "host " + name + ": cannot plan: " + h.message();
    return p;
  }
  const change_plan c = plan_host(*h, next);
  if (c.refused()) {
    p.refused = true;
    p.head = "host " + name + ": would REFUSE " + c.title_after + " (keeps " + c.title_before + ")";
    for (const auto& r : c.refusals) p.lines.push_back("refused: " + r);
    return p;
  }
  p.head = "host " + name + ": would apply " + c.title_before + " -> " + c.title_after + ", " + std::to_string(c.actions.size()) +
           " revocation(s)";
  for (const auto& r : c.renames) p.lines.push_back("would rename: " + r);
  for (const auto& a : c.actions) p.lines.push_back("would revoke: " + a.description);
  return p;
}

int cmd_plan(session& s, const std::string& policy_path, std::ostream& out, std::ostream& err) {
  auto next = load_policy_arg(policy_path, err);
  if (!next) return fail(err, next.failure(), "plan");
  auto v = read_fleet(s);
  if (!v) return fail(err, v.failure(), "plan");
  std::size_t refusing = 0, revoking = 0;
  const auto hosts = entries(*v);
  const auto plans = for_each_host<host_plan>(hosts.size(), [&](std::size_t i) { return plan_one(hosts[i].first, *hosts[i].second, *next); });
  for (const host_plan& p : plans) {
    line(out, p.head);
    for (const auto& l : p.lines) line(out, "  " + l);
    if (p.refused) ++refusing;
    else if (!p.lines.empty()) ++revoking;
  }
  out << "plan: " << v->hosts.size() << " host(s): " << v->hosts.size() - refusing << " would apply (" << revoking
      << " with revocations), " << refusing << " would refuse\n";
  return refusing == 0 ? exit_ok : exit_refused;
}

// ----- rollout -------------------------------------------------------------------------------------------

struct rollout_options {
  std::string policy;
  std::size_t canary = 0;
  bool confirm = false, continue_on_refusal = false;
  long timeout = 0;
};

/// Publishes `next` as the next revision: its number.
result<std::int64_t> publish(session& s, const std::vector<std::uint8_t>& next, const std::string& title, std::ostream& err) {
  if (s.fc.secret_key.empty()) return error(s.fc.file + ": secret_key: not set (the operator's signing key)");
  auto secret = read_key(s.fc.secret_key, secret_key_bytes, "secret key");
  if (!secret) return std::move(secret).failure();
  auto existing = s.etcd->get_prefix(s.fc.revisions_prefix(), 0, nullptr, true);
  if (!existing) return std::move(existing).failure();
  std::int64_t last = 0;
  for (const auto& k : *existing) {
    const std::string n = k.key.substr(s.fc.revisions_prefix().size());
    if (n.size() == 10 && n.find_first_not_of("0123456789") == std::string::npos) last = std::max<std::int64_t>(last, std::stoll(n));
  }
  if (last >= max_revision_number) return error("the revision numbers are used up (" + std::to_string(last) + ")");
  revision r;
  r.number = last + 1;
  r.title = title;
  r.publisher = s.fc.user.empty() ? std::string("(no etcd user)") : s.fc.user;
  r.published = timestamp();
  r.policy = next;
  auto record = sign_revision(r, *secret);
  if (!record) return std::move(record).failure();
  std::vector<txn_op> ops{{txn_op::kind::put, s.fc.revision_key(r.number), *record, 0}};
  // The oldest revisions beyond the limit go in the same transaction.
  for (std::size_t i = 0; i + max_revisions_kept <= existing->size() && ops.size() < txn_chunk; ++i)
    ops.push_back({txn_op::kind::del, (*existing)[i].key, "", 0});
  auto done = s.etcd->txn({{s.fc.revision_key(r.number), "CREATE", "EQUAL", 0, ""}}, ops);
  if (!done) return std::move(done).failure();
  if (!*done) return error("revision " + std::to_string(r.number) + " was published by someone else meanwhile; run the rollout again");
  (void)err;
  return r.number;
}

int cmd_rollout(session& s, const rollout_options& o, std::ostream& out, std::ostream& err) {
  auto next = load_policy_arg(o.policy, err);
  if (!next) return fail(err, next.failure(), "rollout");
  auto title_engine = engine::load(*next);
  if (!title_engine) return fail(err, error(o.policy + ": " + title_engine.message()), "rollout");
  const std::string title = (*title_engine)->policy_title();
  auto v = read_fleet(s);
  if (!v) return fail(err, v.failure(), "rollout");
  std::vector<std::string> hosts;
  for (const auto& [name, e] : v->hosts) hosts.push_back(name);
  if (hosts.empty()) return fail(err, error("no host is publishing its state: nothing to roll out to"), "rollout");
  auto number = publish(s, *next, title, err);
  if (!number) return fail(err, number.failure(), "rollout");
  const std::int64_t n = *number;
  out << "published revision " << n << ": " << title << " (" << s.fc.revision_key(n) << ")\n";

  std::vector<std::vector<std::string>> waves;
  const std::size_t c = std::min(o.canary, hosts.size());
  if (c > 0) waves.emplace_back(hosts.begin(), hosts.begin() + static_cast<std::ptrdiff_t>(c));
  if (c < hosts.size()) waves.emplace_back(hosts.begin() + static_cast<std::ptrdiff_t>(c), hosts.end());

  std::set<std::string> given;
  std::size_t applied = 0, refused = 0;
  auto stopped = [&](const std::string& why, int rc) {
    std::vector<std::string> rest;
    for (const auto& h : hosts)
      if (given.count(h) == 0) rest.push_back(h);
    line(out, "rollout of revision " + std::to_string(n) + " stopped: " + why);
    std::string names;
    for (const auto& h : rest) names += (names.empty() ? "" : ", ") + h;
    line(out, "not given revision " + std::to_string(n) + " (they keep their policy): " + (names.empty() ? "none" : names));
    return rc;
  };
  for (std::size_t w = 0; w < waves.size(); ++w) {
    const auto& wave = waves[w];
    const bool is_canary = c > 0 && w == 0;
    if (w > 0 && o.confirm) {
      out << "canary wave done; roll out revision " << n << " to the remaining " << wave.size() << " host(s)? [yes/no] " << std::flush;
      std::string answer;
      if (!std::getline(std::cin, answer) || trim(answer) != "yes") return stopped("not confirmed", exit_refused);
    }
    std::int64_t from = 0;
    if (auto r = s.etcd->get(s.fc.assign_key(wave.front()), &from); !r) {
      line(err, "shype fleet rollout: " + r.message());
      return stopped("etcd could not take the assignment: " + r.message(), exit_invalid);
    }
    for (std::size_t i = 0; i < wave.size(); i += txn_chunk) {
      std::vector<txn_op> ops;
      for (std::size_t j = i; j < std::min(wave.size(), i + txn_chunk); ++j)
        ops.push_back({txn_op::kind::put, s.fc.assign_key(wave[j]), std::to_string(n), 0});
      auto done = s.etcd->txn({}, ops);
      if (!done) {
        line(err, "shype fleet rollout: " + done.message());
        return stopped("etcd could not take the assignment: " + done.message(), exit_invalid);
      }
      for (std::size_t j = i; j < std::min(wave.size(), i + txn_chunk); ++j) given.insert(wave[j]);
    }
    out << (is_canary ? "canary wave" : "wave") << ": assigned revision " << n << " to " << wave.size() << " host(s)\n";

    // Reports (or a host leaving) arrive as changes under PREFIX/hosts/.
    std::set<std::string> pending(wave.begin(), wave.end());
    bool wave_refused = false;
    const long timeout = o.timeout > 0 ? o.timeout : static_cast<long>(s.fc.report_timeout);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
    std::int64_t watch_from = from + 1;
    while (!pending.empty()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      std::int64_t next_rev = watch_from;
      auto changes = s.etcd->watch(s.fc.hosts_prefix(), true, watch_from, std::min<long>(left, 2000), next_rev);
      if (!changes) {
        line(err, "shype fleet rollout: " + changes.message());
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        continue;
      }
      watch_from = next_rev;
      for (const auto& k : *changes) {
        const std::string hs = host_of_key(s.fc, k.key, "state"), hr = host_of_key(s.fc, k.key, "report");
        if (!hs.empty() && k.version == 0 && pending.erase(hs) != 0) {
          line(out, "host " + hs + ": LEFT the fleet (its lease expired) before reporting");
          wave_refused = true;
          ++refused;
        }
        if (hr.empty() || k.version == 0 || pending.count(hr) == 0) continue;
        auto r = parse_report(k.value, k.key);
        if (!r) {
          line(out, "host " + hr + ": unreadable report: " + r.message());
          continue;
        }
        if (r->revision != n) continue;
        pending.erase(hr);
        const bool bad = bad_outcome(r->outcome);
        line(out, "host " + hr + ": " + (bad ? "REFUSED (" + r->outcome + ")" : r->outcome) + " revision " + std::to_string(n));
        for (const auto& l : report_lines(*r)) line(out, "  " + l);
        if (bad) {
          wave_refused = true;
          ++refused;
        } else {
          ++applied;
        }
      }
    }
    for (const auto& h : pending) {
      line(out, "host " + h + ": NO REPORT within " + std::to_string(timeout) + " s");
      wave_refused = true;
      ++refused;
    }
    if (wave_refused && !o.continue_on_refusal && w + 1 < waves.size())
      return stopped(std::string("a host of the ") + (is_canary ? "canary " : "") + "wave did not apply it", exit_refused);
  }
  // Every host was given n and some took it: a host that was away takes it when it comes back.
  if (applied == 0) {
    out << "rollout of revision " << n << ": no host applied it\n";
    return exit_refused;
  }
  if (auto cur = s.etcd->put(s.fc.current_key(), std::to_string(n)); !cur) {
    line(err, "shype fleet rollout: " + cur.message());
    line(out, "rollout of revision " + std::to_string(n) + ": every host was given it, but " + s.fc.current_key() + " could not be set");
    return exit_invalid;
  }
  out << "rollout of revision " << n << ": " << applied << " host(s) applied, " << refused << " refused or did not report\n";
  return refused == 0 ? exit_ok : exit_refused;
}

// ----- place, history, keygen -----------------------------------------------------------------------------

int cmd_place(session& s, const std::string& label, std::ostream& out, std::ostream& err) {
  auto v = read_fleet(s);
  if (!v) return fail(err, v.failure(), "place");
  const auto hosts = entries(*v);
  const auto answers = for_each_host<std::pair<bool, std::string>>(hosts.size(), [&](std::size_t i) {
    const std::string& name = hosts[i].first;
    const host_entry& e = *hosts[i].second;
    if (!e.rec) return std::pair<bool, std::string>(false, "host " + name + ": unknown (unreadable record: " + e.rec_error + ")");
    auto h = replay(*e.rec);
    if (!h) return std::pair<bool, std::string>(false, "host " + name + ": unknown (" + h.message() + ")");
    const std::string why = place_on(*h, label);
    return why.empty() ? std::pair<bool, std::string>(true, "host " + name + ": admits " + label)
                       : std::pair<bool, std::string>(false, "host " + name + ": refuses " + label + ": " + why);
  });
  std::size_t admit = 0;
  for (const auto& [admits, text] : answers) {
    line(out, text);
    if (admits) ++admit;
  }
  out << "place: " << admit << " of " << v->hosts.size() << " host(s) admit " << one_line(label) << " now\n";
  return admit > 0 ? exit_ok : exit_refused;
}

int cmd_history(session& s, std::ostream& out, std::ostream& err) {
  auto revs = s.etcd->get_prefix(s.fc.revisions_prefix());
  if (!revs) return fail(err, revs.failure(), "history");
  auto v = read_fleet(s);
  if (!v) return fail(err, v.failure(), "history");
  std::map<std::int64_t, std::size_t> enforcing;
  for (const auto& [name, e] : v->hosts)
    if (e.rec) ++enforcing[e.rec->revision];
  for (const auto& k : *revs) {
    auto r = read_revision_header(k.value, k.key);
    if (!r) {
      line(out, "UNREADABLE " + r.message());
      continue;
    }
    line(out, "revision " + std::to_string(r->number) + "  " + r->published + "  by " + r->publisher + "  " + r->title +
                  "  sha256 " + r->sha256.substr(0, 16) + "  enforced by " + std::to_string(enforcing[r->number]) + " host(s)");
  }
  out << "history: " << revs->size() << " revision(s) kept (at most " << max_revisions_kept << ")\n";
  return exit_ok;
}

int cmd_keygen(const std::string& secret, const std::string& pub, std::ostream& out, std::ostream& err) {
  if (exists(secret) || exists(pub)) {
    line(err, "shype fleet keygen: " + (exists(secret) ? secret : pub) + " exists: not replaced");
    return exit_invalid;
  }
  const key_pair k = generate_keys();
  status st = write_atomic(secret, base64_encode(k.secret_key) + "\n", 0600);
  if (st) st = write_atomic(pub, base64_encode(k.public_key) + "\n", 0644);
  if (!st) return fail(err, st.failure(), "keygen");
  out << "wrote the signing key " << secret << " (keep it secret) and the public key " << pub << " (give it to every agent)\n";
  return exit_ok;
}

}  // namespace

int run_fleet(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << fleet_help;
    return args.empty() ? exit_usage : exit_ok;
  }
  const std::string verb = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  struct verb_spec {
    std::size_t positional;
    std::set<std::string> flags, values;
  };
  static const std::map<std::string, verb_spec> verbs{
      {"status", {0, {}, {"--config"}}},
      {"plan", {1, {}, {"--config"}}},
      {"rollout", {1, {"--confirm", "--continue-on-refusal"}, {"--config", "--canary", "--timeout"}}},
      {"place", {1, {}, {"--config"}}},
      {"history", {0, {}, {"--config"}}},
      {"keygen", {0, {}, {"--secret", "--public"}}},
  };
  const auto it = verbs.find(verb);
  if (it == verbs.end()) {
    err << "shype-libvirt fleet: unknown verb '" << one_line(verb) << "' (status, plan, rollout, place, history, keygen)\n";
    return exit_usage;
  }
  const std::string name = "fleet " + verb;
  const tool::command_spec spec{name.c_str(), it->second.positional, it->second.positional, it->second.flags, it->second.values,
                                fleet_help, "shype-libvirt"};
  auto p = tool::parse_args(spec, rest, err);
  if (!p) return exit_usage;
  if (p->help) {
    out << fleet_help;
    return exit_ok;
  }
  auto value = [&](const char* k, const std::string& fallback) {
    const auto v = p->values.find(k);
    return v == p->values.end() ? fallback : v->second;
  };
  if (verb == "keygen") {
    if (p->values.count("--secret") == 0 || p->values.count("--public") == 0) {
      err << "shype-libvirt fleet keygen: --secret FILE and --public FILE are required\n";
      return exit_usage;
    }
    return cmd_keygen(p->values["--secret"], p->values["--public"], out, err);
  }
  auto s = open_session(value("--config", "/etc/shype/fleet.conf"));
  if (!s) return fail(err, s.failure(), verb.c_str());
  if (verb == "status") return cmd_status(*s, out, err);
  if (verb == "plan") return cmd_plan(*s, p->positional[0], out, err);
  if (verb == "place") return cmd_place(*s, p->positional[0], out, err);
  if (verb == "history") return cmd_history(*s, out, err);
  rollout_options o;
  o.policy = p->positional[0];
  o.confirm = p->flags.count("--confirm") != 0;
  o.continue_on_refusal = p->flags.count("--continue-on-refusal") != 0;
  for (const auto& [flag, target] : {std::pair<const char*, long*>{"--timeout", &o.timeout}}) {
    const std::string t = value(flag, "");
    if (t.empty()) continue;
    if (t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos || std::stol(t) == 0) {
      err << "shype-libvirt fleet rollout: " << flag << ": not a number from 1 to 999999: " << one_line(t) << "\n";
      return exit_usage;
    }
    *target = std::stol(t);
  }
  const std::string c = value("--canary", "0");
  if (c.empty() || c.size() > 5 || c.find_first_not_of("0123456789") != std::string::npos) {
    err << "shype-libvirt fleet rollout: --canary: not a number of hosts from 0 to 99999: " << one_line(c) << "\n";
    return exit_usage;
  }
  o.canary = std::stoul(c);
  return cmd_rollout(*s, o, out, err);
}

}  // namespace shype::libvirt::fleet
