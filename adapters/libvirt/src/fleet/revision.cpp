// SPDX-License-Identifier: Apache-2.0
#include "fleet/revision.hpp"

#include <sodium.h>

#include "fleet/etcd.hpp"
#include "util.hpp"

namespace shype::libvirt::fleet {

namespace {
constexpr const char* magic = "shype-fleet-revision 1";
const char* const fields[] = {"revision", "title", "publisher", "published", "size", "sha256", "signature"};

struct parsed_record {
  revision r;
  std::string signed_part;  ///< the header lines before `signature`, each with its newline
  std::string signature;    ///< raw
  std::string body;
  std::int64_t size = -1;
};

bool digits(const std::string& s) { return !s.empty() && s.size() <= 10 && s.find_first_not_of("0123456789") == std::string::npos; }

result<parsed_record> parse_record(const std::string& record, const std::string& where) {
  auto bad = [&](const std::string& why) { return error(where + ": " + why); };
  if (record.size() > max_revision_bytes)
    return bad("revision record of " + std::to_string(record.size()) + " bytes is larger than the limit of 1 MiB");
  parsed_record p;
  std::size_t pos = 0;
  auto next_line = [&](std::string& out) {
    const auto nl = record.find('\n', pos);
    if (nl == std::string::npos || nl - pos > max_header_line) return false;
    out = record.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string l;
  if (!next_line(l) || l != magic) return bad("not a shype fleet revision (the first line is not '" + std::string(magic) + "')");
  p.signed_part = l + "\n";
  for (const char* f : fields) {
    if (!next_line(l)) return bad("truncated header: no '" + std::string(f) + "' line");
    const std::string name = l.substr(0, l.find(' '));
    if (name != f) return bad("expected the '" + std::string(f) + "' line, found '" + one_line(l.substr(0, 60)) + "'");
    const std::string value = l.size() > name.size() ? l.substr(name.size() + 1) : std::string();
    if (name == "revision") {
      if (!digits(value) || std::stoll(value) == 0) return bad("revision: not a number from 1 to 9999999999: " + one_line(value));
      p.r.number = std::stoll(value);
    } else if (name == "title") p.r.title = value;
    else if (name == "publisher") p.r.publisher = value;
    else if (name == "published") p.r.published = value;
    else if (name == "size") {
      if (!digits(value)) return bad("size: not a number: " + one_line(value));
      p.size = std::stoll(value);
    } else if (name == "sha256") {
      if (value.size() != 64 || value.find_first_not_of("0123456789abcdef") != std::string::npos)
        return bad("sha256: not 64 lowercase hex digits");
      p.r.sha256 = value;
    } else {
      auto sig = base64_decode(value);
      if (!sig || sig->size() != crypto_sign_BYTES) return bad("signature: not a base64 Ed25519 signature");
      p.signature = *sig;
      break;
    }
    p.signed_part += l + "\n";
  }
  if (!next_line(l) || !l.empty()) return bad("truncated header: no empty line before the policy");
  p.body = record.substr(pos);
  if (static_cast<std::int64_t>(p.body.size()) != p.size)
    return bad("the policy is " + std::to_string(p.body.size()) + " bytes, the header says " + std::to_string(p.size) +
               " (truncated or altered)");
  p.r.policy.assign(p.body.begin(), p.body.end());
  return p;
}
}  // namespace

key_pair generate_keys() {
  if (sodium_init() < 0) return {};
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  key_pair k{std::string(reinterpret_cast<char*>(pk), sizeof pk), std::string(reinterpret_cast<char*>(sk), sizeof sk)};
  sodium_memzero(sk, sizeof sk);
  return k;
}

result<std::string> read_key(const std::string& path, std::size_t bytes, const char* what) {
  auto text = read_text(path);
  if (!text) return std::move(text).failure();
  auto decoded = base64_decode(trim(*text));
  if (!decoded || decoded->size() != bytes)
    return error(path + ": not an Ed25519 " + what + " (one line of base64 encoding " + std::to_string(bytes) + " bytes)");
  return *decoded;
}

std::string sha256_hex(const std::string& bytes) {
  if (sodium_init() < 0) return {};
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : h) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

result<std::string> sign_revision(const revision& r, const std::string& secret_key) {
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES) return error("the signing key is not an Ed25519 secret key");
  if (r.number < 1 || r.number > max_revision_number) return error("revision number out of range: " + std::to_string(r.number));
  for (const auto* s : {&r.title, &r.publisher, &r.published})
    if (s->find('\n') != std::string::npos || s->size() > max_header_line - 16) return error("revision header field too long or multi-line");
  const std::string policy(r.policy.begin(), r.policy.end());
  std::string head = std::string(magic) + "\nrevision " + std::to_string(r.number) + "\ntitle " + r.title + "\npublisher " +
                     r.publisher + "\npublished " + r.published + "\nsize " + std::to_string(policy.size()) + "\nsha256 " +
                     sha256_hex(policy) + "\n";
  const std::string message = head + policy;
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(secret_key.data()));
  std::string record = head + "signature " + base64_encode(std::string(reinterpret_cast<char*>(sig), sizeof sig)) + "\n\n" + policy;
  if (record.size() > max_revision_bytes)
    return error("the revision record would be " + std::to_string(record.size()) + " bytes, more than the limit of 1 MiB");
  return record;
}

result<revision> verify_revision(const std::string& record, const std::string& public_key, const std::string& where) {
  auto p = parse_record(record, where);
  if (!p) return std::move(p).failure();
  if (sha256_hex(p->body) != p->r.sha256) return error(where + ": the policy's SHA-256 does not match the header (corrupt)");
  const std::string message = p->signed_part + p->body;
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES ||
      crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(p->signature.data()),
                                  reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                  reinterpret_cast<const unsigned char*>(public_key.data())) != 0)
    return error(where + ": the signature does not verify against the operator's public key");
  return std::move(p->r);
}

result<revision> read_revision_header(const std::string& record, const std::string& where) {
  auto p = parse_record(record, where);
  if (!p) return std::move(p).failure();
  return std::move(p->r);
}

}  // namespace shype::libvirt::fleet
