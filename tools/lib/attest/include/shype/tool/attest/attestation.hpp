// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::tool::attest — verifying what refhv's ATTEST_QUOTE returned (refhv/README.md,
// "Attestation"): a TPM quote over the policy PCR, its signature, the attestation key's public
// part and refhv's event log of the policies it put in force. verify() runs the checks in a
// fixed order and names the first that fails.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <shype/tool/io/error.hpp>

namespace shype::tool::attest {

using digest = std::array<std::uint8_t, 32>;

/// One measurement as refhv logged it. The PCR covers the policy digest and, through the digest
/// of the whole record, name, version, generation and time.
struct event {
  std::uint32_t pcr = 0, type = 0;
  digest sha256{};
  std::uint32_t generation = 0, version_major = 0, version_minor = 0;
  std::uint64_t time_ms = 0;
  std::string name;
};

struct attestation {
  std::uint32_t pcr = 0;
  std::vector<std::uint8_t> quote, signature, ak_public;  ///< TPMS_ATTEST, TPMT_SIGNATURE, TPMT_PUBLIC
  std::vector<event> events;
  std::vector<std::vector<std::uint8_t>> records;  ///< each event's record as extended (128 bytes)
  digest pcr_value{};  ///< refhv's PCR_Read: unsigned, not checked
};

/// Limits (refhv's, hypercall.h): at most 64 events, 1024 bytes per TPM structure, a 32-byte nonce.
inline constexpr std::size_t max_events = 64, max_blob = 1024, max_nonce = 32;
/// A serial log holds at most this much attestation text per tag.
inline constexpr std::size_t max_log_bytes = 1 << 20;

/// Decodes refhv_attestation bytes, or an error ("format: ...") if they are not one.
[[nodiscard]] result<attestation> parse(const std::vector<std::uint8_t>& bytes);
/// The bytes dom0 printed as "REFHV-ATTEST <tag> <hex>" lines (closed by "REFHV-ATTEST <tag> end
/// <n>"), taken from a serial log; an error if there are none or they do not add up.
[[nodiscard]] result<std::vector<std::uint8_t>> from_serial_log(const std::string& text, const std::string& tag);

struct expectation {
  std::vector<std::uint8_t> nonce;                    ///< the verifier's, 1..32 bytes
  std::optional<std::vector<std::uint8_t>> policy;    ///< --expect: the binary policy that must be in force
  /// --ak-name: the attestation key's TPM name (0x000B || SHA-256 of its public area) the verifier
  /// pinned, e.g. on first contact; without it any key that signs consistently is accepted.
  std::optional<std::vector<std::uint8_t>> ak_name;
};

struct verdict {
  bool ok = false;
  std::string check;    ///< the check that failed (empty if ok): format, attestation key, quote, signature,
                        ///< nonce, pcr selection, event log, event log replay, expect
  std::string message;  ///< why, one line
  std::size_t events = 0;
  std::optional<event> in_force;  ///< the last event (the policy in force), if verified
  std::string key;                ///< what signed, e.g. "ECDSA P-256 (SHA-256), key name 000b..."
  bool key_pinned = false;        ///< the key was the --ak-name one
};

/// Signature by the AK in the attestation, nonce, PCR selection, the log replaying to the quoted
/// PCR digest, the generations 1..n in order, and (if given) the policy expected.
verdict verify(const attestation& a, const expectation& e);

/// A key's TPM name (0x000B || SHA-256 of its TPMT_PUBLIC), and its qualified name as a primary
/// key of the endorsement hierarchy (0x000B || SHA-256(TPM_RH_ENDORSEMENT || name)): what a
/// quote by refhv's AK carries as its signer.
std::vector<std::uint8_t> key_name(const std::vector<std::uint8_t>& ak_public);
std::vector<std::uint8_t> qualified_name(const std::vector<std::uint8_t>& ak_public);

/// SHA-256 (OpenSSL), lowercase hex.
digest sha256(const std::vector<std::uint8_t>& bytes);
std::string hex(const std::uint8_t* p, std::size_t n);
/// Parses lowercase/uppercase hex; nullopt if it is not an even number of hex digits.
std::optional<std::vector<std::uint8_t>> unhex(const std::string& s);

}  // namespace shype::tool::attest
