// SPDX-License-Identifier: Apache-2.0
#include "fleet/etcd.hpp"

#include <chrono>
#include <mutex>
#include <thread>

#include <curl/curl.h>
#include <sodium.h>

#include "fleet/json.hpp"

namespace shype::libvirt::fleet {

std::string base64_encode(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> base64_decode(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xFF) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
  });
}

/// How an attempt at one endpoint ended.
enum class outcome { ok, unavailable, refused, reauth };

struct answer {
  outcome how = outcome::ok;
  std::string text;  ///< the body, or what went wrong
  json body;
  answer() = default;
  answer(outcome h, std::string t) : how(h), text(std::move(t)) {}
};

kv kv_of(const json& j) {
  kv r;
  r.key = base64_decode(j.str("key")).value_or("");
  r.value = base64_decode(j.str("value")).value_or("");
  r.create_revision = j.integer("create_revision");
  r.mod_revision = j.integer("mod_revision");
  r.version = j.integer("version");
  r.lease = j.integer("lease");
  return r;
}

struct sink {
  std::string data;
  bool too_big = false;
  // For a watch: stop as soon as a message with events (or an error) is complete.
  bool streaming = false;
  std::size_t parsed = 0;
  std::vector<json> messages;
  bool stop = false;
  std::string parse_error;
};

size_t on_data(char* ptr, size_t size, size_t n, void* user) {
  auto* s = static_cast<sink*>(user);
  const size_t len = size * n;
  if (s->data.size() + len > max_answer_bytes) {
    s->too_big = true;
    return 0;
  }
  s->data.append(ptr, len);
  if (!s->streaming) return len;
  while (true) {
    auto m = parse_json_prefix(s->data, s->parsed, "etcd watch");
    if (!m) {
      s->parse_error = m.message();
      return 0;
    }
    if (!*m) break;
    const json& msg = **m;
    const json* r = msg.get("result");
    const bool events = r != nullptr && r->get("events") != nullptr;
    const bool ends = msg.get("error") != nullptr || (r != nullptr && (r->flag("canceled") || r->integer("compact_revision") != 0));
    s->messages.push_back(msg);
    if (events || ends) {
      s->stop = true;
      return 0;
    }
  }
  return len;
}

}  // namespace

struct etcd_client::impl {
  etcd_options opt;
  CURL* curl = nullptr;
  std::size_t current = 0;  ///< the endpoint that answered last
  std::string token;

  /// One POST to one endpoint.
  answer attempt(const std::string& endpoint, const std::string& path, const std::string& body, long timeout_ms, sink& s,
                 bool authenticated) {
    answer a;
    curl_easy_reset(curl);
    const std::string url = endpoint + path;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min<long>(timeout_ms, 1000));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &s);
    if (!opt.ca.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, opt.ca.c_str());
    if (!opt.cert.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, opt.cert.c_str());
    if (!opt.key.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, opt.key.c_str());
    char detail[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    const std::string auth = "Authorization: " + token;
    if (authenticated && !token.empty()) headers = curl_slist_append(headers, auth.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    long http = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
    if (s.stop || (s.streaming && rc == CURLE_OPERATION_TIMEDOUT && http == 200)) return a;  // a watch ended or waited
    if (s.too_big) return {outcome::refused, "the answer is larger than the limit of " + std::to_string(max_answer_bytes >> 20) + " MiB"};
    if (!s.parse_error.empty()) return {outcome::refused, s.parse_error};
    if (rc != CURLE_OK) {
      // TLS refusals are as final as a permission error: our certificate files are unusable, the
      // member's certificate does not verify, or the member refused our certificate (or its
      // absence) with a TLS alert. Anything else may be this member only: the next one is tried.
      const std::string why = detail[0] != '\0' ? std::string(detail) : std::string(curl_easy_strerror(rc));
      const bool alert = why.find("alert certificate required") != std::string::npos || why.find("alert bad certificate") != std::string::npos ||
                         why.find("alert unknown ca") != std::string::npos;
      const bool tls = rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_PEER_FAILED_VERIFICATION || alert;
      if (alert) return {outcome::refused, "the member refused this client's certificate (TLS: " + why + ")"};
      return {tls ? outcome::refused : outcome::unavailable, why};
    }
    if (s.streaming) return a;
    auto j = parse_json(s.data, "etcd's answer");
    if (!j) return {http == 200 ? outcome::refused : outcome::unavailable, "HTTP " + std::to_string(http) + ": " + s.data.substr(0, 200)};
    if (http != 200 || j->get("error") != nullptr) {
      std::string msg = j->str("error");
      if (msg.empty()) msg = j->str("message");
      if (msg.empty()) msg = "HTTP " + std::to_string(http);
      const auto code = j->integer("code");
      if (code == 16 || msg.find("invalid auth token") != std::string::npos) return {outcome::reauth, msg};
      // Unavailable (no leader, leader changed, timed out) and deadline exceeded: another member may serve it.
      if (code == 14 || code == 4 || code == 10 || msg.find("timed out") != std::string::npos ||
          msg.find("leader") != std::string::npos)
        return {outcome::unavailable, msg};
      return {outcome::refused, msg};
    }
    a.body = std::move(*j);
    return a;
  }

  /// A request over the endpoints, with retries until the deadline.
  result<json> request(const std::string& path, const std::string& body, long timeout_ms = 0, sink* stream = nullptr,
                       bool authenticated = true) {
    if (timeout_ms == 0) timeout_ms = opt.request_timeout_ms;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> said(opt.endpoints.size());
    bool reauthed = false;
    for (int round = 0;; ++round) {
      for (std::size_t i = 0; i < opt.endpoints.size(); ++i) {
        const std::size_t at = (current + i) % opt.endpoints.size();
        if (authenticated && !opt.user.empty() && token.empty()) {
          if (auto t = authenticate(at); !t) {
            said[at] = t.message();
            if (t.failure().what == error::kind::refused) return error("etcd: " + opt.endpoints[at] + ": " + t.message());
            continue;
          }
        }
        sink local;
        sink& s = stream != nullptr ? *stream : local;
        if (stream != nullptr) {
          s.data.clear();
          s.parsed = 0;
          s.messages.clear();
          s.stop = false;
        }
        answer a = attempt(opt.endpoints[at], path, body, timeout_ms, s, authenticated);
        if (a.how == outcome::ok) {
          current = at;
          return std::move(a.body);
        }
        if (a.how == outcome::reauth && !reauthed) {
          token.clear();
          reauthed = true;
          --i;  // the same endpoint again, with a new token
          continue;
        }
        said[at] = a.text;
        if (a.how == outcome::refused || a.how == outcome::reauth)
          return error("etcd: " + opt.endpoints[at] + " " + path + ": " + a.text, error::kind::refused);
      }
      const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      if (spent >= opt.deadline_ms) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(200 + 100 * round, 1000)));
    }
    std::string text = "etcd: no member could serve " + path + " within " + std::to_string(opt.deadline_ms) + " ms:";
    for (std::size_t i = 0; i < said.size(); ++i) text += " " + opt.endpoints[i] + ": " + (said[i].empty() ? "not tried" : said[i]) + ";";
    text.pop_back();
    return error(text);
  }

  status authenticate(std::size_t at) {
    sink s;
    answer a = attempt(opt.endpoints[at], "/v3/auth/authenticate",
                       "{\"name\":" + json_quote(opt.user) + ",\"password\":" + json_quote(opt.password) + "}",
                       opt.request_timeout_ms, s, false);
    if (a.how != outcome::ok) {
      const bool final = a.how == outcome::refused || a.how == outcome::reauth;
      return error("authentication as " + opt.user + " failed: " + a.text, final ? error::kind::refused : error::kind::invalid);
    }
    token = a.body.str("token");
    if (token.empty()) return error("authentication as " + opt.user + " gave no token", error::kind::refused);
    return {};
  }
};

etcd_client::etcd_client(etcd_options o) : p_(std::make_unique<impl>()) {
  global_init();
  p_->opt = std::move(o);
  p_->curl = curl_easy_init();
  if (p_->curl == nullptr) throw std::runtime_error("libcurl: cannot create a handle");
}

etcd_client::~etcd_client() {
  if (p_ && p_->curl != nullptr) curl_easy_cleanup(p_->curl);
}

std::string etcd_client::endpoints() const {
  std::string s;
  for (const auto& e : p_->opt.endpoints) s += (s.empty() ? "" : ",") + e;
  return s;
}

namespace {
result<std::vector<kv>> kvs_of(result<json> j, std::int64_t* revision, bool* more = nullptr) {
  if (!j) return std::move(j).failure();
  if (more != nullptr) *more = j->flag("more");
  std::vector<kv> out;
  if (const json* h = j->get("header"); h != nullptr && revision != nullptr) *revision = h->integer("revision");
  if (const json* a = j->get("kvs"); a != nullptr)
    for (const auto& e : a->a) out.push_back(kv_of(e));
  return out;
}
}  // namespace

result<std::vector<kv>> etcd_client::get(const std::string& key, std::int64_t* revision) {
  return kvs_of(p_->request("/v3/kv/range", "{\"key\":\"" + base64_encode(key) + "\"}"), revision);
}

result<std::vector<kv>> etcd_client::get_prefix(const std::string& prefix, std::int64_t limit, std::int64_t* revision,
                                                bool keys_only, bool* more) {
  std::string body = "{\"key\":\"" + base64_encode(prefix) + "\",\"range_end\":\"" + base64_encode(prefix_end(prefix)) + "\"";
  if (limit > 0) body += ",\"limit\":\"" + std::to_string(limit) + "\"";
  if (keys_only) body += ",\"keys_only\":true";
  return kvs_of(p_->request("/v3/kv/range", body + "}"), revision, more);
}

status etcd_client::put(const std::string& key, const std::string& value, std::int64_t lease) {
  std::string body = "{\"key\":\"" + base64_encode(key) + "\",\"value\":\"" + base64_encode(value) + "\"";
  if (lease != 0) body += ",\"lease\":\"" + std::to_string(lease) + "\"";
  auto r = p_->request("/v3/kv/put", body + "}");
  if (!r) return std::move(r).failure();
  return {};
}

result<bool> etcd_client::txn(const std::vector<compare>& when, const std::vector<txn_op>& success) {
  std::string body = "{\"compare\":[";
  for (std::size_t i = 0; i < when.size(); ++i) {
    const compare& c = when[i];
    body += (i ? "," : "") + std::string("{\"key\":\"") + base64_encode(c.key) + "\",\"target\":\"" + c.target +
            "\",\"result\":\"" + c.result + "\",";
    if (c.target == "MOD") body += "\"mod_revision\":\"" + std::to_string(c.number) + "\"}";
    else if (c.target == "VERSION") body += "\"version\":\"" + std::to_string(c.number) + "\"}";
    else if (c.target == "CREATE") body += "\"create_revision\":\"" + std::to_string(c.number) + "\"}";
    else body += "\"value\":\"" + base64_encode(c.value) + "\"}";
  }
  body += "],\"success\":[";
  for (std::size_t i = 0; i < success.size(); ++i) {
    const txn_op& o = success[i];
    body += i ? "," : "";
    if (o.what == txn_op::kind::put)
      body += "{\"request_put\":{\"key\":\"" + base64_encode(o.key) + "\",\"value\":\"" + base64_encode(o.value) + "\"" +
              (o.lease != 0 ? ",\"lease\":\"" + std::to_string(o.lease) + "\"" : std::string()) + "}}";
    else
      body += "{\"request_delete_range\":{\"key\":\"" + base64_encode(o.key) + "\"}}";
  }
  auto r = p_->request("/v3/kv/txn", body + "]}");
  if (!r) return std::move(r).failure();
  return r->flag("succeeded");
}

result<std::int64_t> etcd_client::lease_grant(std::int64_t ttl_seconds) {
  auto r = p_->request("/v3/lease/grant", "{\"TTL\":\"" + std::to_string(ttl_seconds) + "\"}");
  if (!r) return std::move(r).failure();
  const auto id = r->integer("ID");
  if (id == 0) return error("etcd: lease grant gave no lease: " + r->str("error"));
  return id;
}

result<std::int64_t> etcd_client::lease_keepalive(std::int64_t id) {
  auto r = p_->request("/v3/lease/keepalive", "{\"ID\":\"" + std::to_string(id) + "\"}");
  if (!r) return std::move(r).failure();
  const json* res = r->get("result");
  return res == nullptr ? std::int64_t{0} : res->integer("TTL");
}

status etcd_client::lease_revoke(std::int64_t id) {
  auto r = p_->request("/v3/lease/revoke", "{\"ID\":\"" + std::to_string(id) + "\"}");
  if (!r) return std::move(r).failure();
  return {};
}

result<std::vector<kv>> etcd_client::watch(const std::string& key, bool prefix, std::int64_t from, long wait_ms,
                                           std::int64_t& next) {
  std::string body = "{\"create_request\":{\"key\":\"" + base64_encode(key) + "\"";
  if (prefix) body += ",\"range_end\":\"" + base64_encode(prefix_end(key)) + "\"";
  body += ",\"start_revision\":\"" + std::to_string(from) + "\"}}";
  sink s;
  s.streaming = true;
  // One endpoint's wait is the whole wait: a timeout with the watch created is "no change".
  const long saved = p_->opt.deadline_ms;
  p_->opt.deadline_ms = std::min(saved, wait_ms);
  auto r = p_->request("/v3/watch", body, wait_ms, &s);
  p_->opt.deadline_ms = saved;
  if (!r) return std::move(r).failure();
  std::vector<kv> out;
  next = from;
  bool created = false;
  for (const auto& m : s.messages) {
    if (const json* e = m.get("error"); e != nullptr) return error("etcd: watch of " + key + ": " + m.str("error"));
    const json* res = m.get("result");
    if (res == nullptr) continue;
    if (res->flag("created")) created = true;
    if (res->integer("compact_revision") != 0)
      return error("etcd: watch of " + key + ": revision " + std::to_string(from) + " was compacted");
    if (res->flag("canceled"))
      return error("etcd: watch of " + key + " canceled: " + (res->str("cancel_reason").empty() ? "no reason given" : res->str("cancel_reason")),
                   error::kind::refused);
    if (const json* ev = res->get("events"); ev != nullptr)
      for (const auto& e : ev->a) {
        if (const json* k = e.get("kv"); k != nullptr) {
          kv x = kv_of(*k);
          if (e.str("type") == "DELETE") x.version = 0, x.value.clear();
          next = std::max(next, x.mod_revision + 1);
          out.push_back(std::move(x));
        }
      }
  }
  if (!created && out.empty()) return error("etcd: watch of " + key + ": no member answered within " + std::to_string(wait_ms) + " ms");
  return out;
}

}  // namespace shype::libvirt::fleet
