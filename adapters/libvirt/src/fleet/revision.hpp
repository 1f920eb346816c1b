// SPDX-License-Identifier: Apache-2.0
#pragma once
// A policy revision as the fleet stores it in etcd (KEYS/revisions/NNNNNNNNNN): a text header
// that the operator's Ed25519 key signs, then the binary policy.
//
//   shype-fleet-revision 1
//   revision 7
//   title 'customer-order' version 1.1
//   publisher operator
//   published 2026-12-07T20:30:00Z
//   size 1234
//   sha256 <hex of the policy bytes>
//   signature <base64 Ed25519 signature of every header line above, newlines included, then the policy bytes>
//   <empty line>
//   <the policy: `size` bytes>
//
// An agent uses a revision only if every line is there once, in this order, the size and
// checksum match the bytes that follow (so a truncated or altered record is refused), the
// signature verifies against the operator's public key it is configured with (so neither the
// store nor an agent's credentials can make a policy), and the policy itself validates.

#include <cstdint>
#include <string>
#include <vector>

#include "error.hpp"

namespace shype::libvirt::fleet {

/// Limits: a record is at most 1 MiB (etcd's default request limit is 1.5 MiB), a header line at
/// most 1 KiB, revision numbers at most 9,999,999,999 (ten digits in the key).
inline constexpr std::size_t max_revision_bytes = std::size_t{1} << 20;
inline constexpr std::size_t max_header_line = 1024;
inline constexpr std::int64_t max_revision_number = 9'999'999'999;

struct revision {
  std::int64_t number = 0;
  std::string title, publisher, published;
  std::string sha256;  ///< hex
  std::vector<std::uint8_t> policy;
};

/// An Ed25519 key pair as text files: one line of base64 each (keygen writes them).
struct key_pair {
  std::string public_key, secret_key;  ///< raw bytes
};
[[nodiscard]] key_pair generate_keys();
/// Reads a key file (one base64 line) of the expected length: an error naming the file.
[[nodiscard]] result<std::string> read_key(const std::string& path, std::size_t bytes, const char* what);
inline constexpr std::size_t public_key_bytes = 32, secret_key_bytes = 64;

/// Hex SHA-256 of `bytes`.
[[nodiscard]] std::string sha256_hex(const std::string& bytes);

/// The signed record of `r` (its sha256 is computed here).
[[nodiscard]] result<std::string> sign_revision(const revision& r, const std::string& secret_key);
/// Parses and verifies a record: an error (kind invalid) naming `where` and what is wrong.
[[nodiscard]] result<revision> verify_revision(const std::string& record, const std::string& public_key, const std::string& where);
/// Parses a record's header without checking the signature (for `history`): what it says, or why it is unreadable.
[[nodiscard]] result<revision> read_revision_header(const std::string& record, const std::string& where);

}  // namespace shype::libvirt::fleet
