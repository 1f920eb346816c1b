// SPDX-License-Identifier: Apache-2.0
#pragma once
// A client of etcd's v3 API through its JSON gateway (POST /v3/kv/range, /v3/kv/txn,
// /v3/lease/*, /v3/watch, /v3/auth/authenticate), over libcurl with TLS and a client
// certificate. Keys and values travel base64-encoded; 64-bit numbers as strings.
//
// Endpoints are tried in turn: a member that does not answer (refused, timed out) or answers
// that it cannot serve now (no leader, leader changed, timed out: code 14 "Unavailable") is
// skipped for the next one, until `deadline_ms` has passed; then the request fails with one
// line naming every endpoint and what it said. A refusal by etcd (permission denied, a
// failed authentication) fails at once. etcd 3.4 refuses gateway requests whose client
// certificate carries a Common Name while authentication is on, and takes the user from a
// token instead: client certificates for the gateway have no CN (docs/fleet.md), and the
// user and password are authenticated for a token, renewed when etcd says it is invalid.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "error.hpp"

namespace shype::libvirt::fleet {

struct etcd_options {
  std::vector<std::string> endpoints;  ///< https://HOST:PORT (http:// allowed for tests without TLS)
  std::string ca, cert, key;           ///< PEM files; cert+key: the client certificate
  std::string user, password;          ///< etcd user; "" without authentication
  long request_timeout_ms = 2000;      ///< one request to one endpoint
  long deadline_ms = 8000;             ///< one request over all endpoints, with retries
};

struct kv {
  std::string key, value;
  std::int64_t create_revision = 0, mod_revision = 0, version = 0, lease = 0;
};

/// One comparison of a transaction (etcd Compare): target MOD, VERSION, CREATE or VALUE.
struct compare {
  std::string key;
  std::string target = "MOD";  ///< MOD, VERSION, CREATE, VALUE
  std::string result = "EQUAL";
  std::int64_t number = 0;      ///< for MOD, VERSION, CREATE
  std::string value;            ///< for VALUE
};
/// One operation of a transaction: a put (with an optional lease) or a delete.
struct txn_op {
  enum class kind { put, del } what = kind::put;
  std::string key, value;
  std::int64_t lease = 0;
};

/// The largest answer read from etcd (a range over 1,000 host records is about 10 MiB).
inline constexpr std::size_t max_answer_bytes = std::size_t{64} << 20;

class etcd_client {
 public:
  explicit etcd_client(etcd_options o);
  ~etcd_client();
  etcd_client(const etcd_client&) = delete;
  etcd_client& operator=(const etcd_client&) = delete;

  /// The value of `key`, or no kv (an empty vector).
  [[nodiscard]] result<std::vector<kv>> get(const std::string& key, std::int64_t* revision = nullptr);
  /// Every key starting with `prefix` (sorted by key), at most `limit` (0: no limit, but the
  /// answer is bounded); `more` (if given) is set when etcd has more than `limit`.
  [[nodiscard]] result<std::vector<kv>> get_prefix(const std::string& prefix, std::int64_t limit = 0,
                                                   std::int64_t* revision = nullptr, bool keys_only = false,
                                                   bool* more = nullptr);
  [[nodiscard]] status put(const std::string& key, const std::string& value, std::int64_t lease = 0);
  /// Runs `success` if every comparison holds: true if it ran.
  [[nodiscard]] result<bool> txn(const std::vector<compare>& when, const std::vector<txn_op>& success);
  [[nodiscard]] result<std::int64_t> lease_grant(std::int64_t ttl_seconds);
  /// Refreshes a lease: the TTL it has now, 0 if it has expired.
  [[nodiscard]] result<std::int64_t> lease_keepalive(std::int64_t id);
  [[nodiscard]] status lease_revoke(std::int64_t id);
  /// Waits up to `wait_ms` for changes to `key` (or keys under it if `prefix`) from revision
  /// `from`: the changed kvs (a deleted key comes with an empty value and version 0), empty on
  /// a timeout. `next` is set to the revision to watch from next time.
  [[nodiscard]] result<std::vector<kv>> watch(const std::string& key, bool prefix, std::int64_t from, long wait_ms,
                                              std::int64_t& next);

  /// The endpoint list as one string, for messages.
  [[nodiscard]] std::string endpoints() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

/// base64 (standard alphabet, padded), as etcd's JSON gateway writes bytes.
[[nodiscard]] std::string base64_encode(const std::string& bytes);
/// nullopt if `text` is not valid base64.
[[nodiscard]] std::optional<std::string> base64_decode(const std::string& text);

/// The key just after every key starting with `prefix` (etcd's range_end for a prefix).
[[nodiscard]] std::string prefix_end(const std::string& prefix);

}  // namespace shype::libvirt::fleet
