// SPDX-License-Identifier: Apache-2.0
// Verification of a refhv attestation (attestation.hpp). TPM structures: libtss2-mu; SHA-256
// and ECDSA: OpenSSL 3.
#include <shype/tool/attest/attestation.hpp>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <tss2/tss2_mu.h>

#include <refhv/hypercall.h>
#include <shype/policy_view.hpp>

#include <cstring>
#include <memory>
#include <sstream>

namespace shype::tool::attest {

namespace {

template <class T>
std::uint32_t le32(const std::uint8_t* p) {
  T v{};
  std::memcpy(&v, p, sizeof v);  // refhv and the host are both little-endian x86-64
  return v;
}

verdict reject(std::string check, std::string message) {
  verdict v;
  v.check = std::move(check);
  v.message = std::move(message);
  return v;
}

template <class T, class F>
bool unmarshal(const std::vector<std::uint8_t>& b, T& out, F fn) {
  std::size_t off = 0;
  return fn(b.data(), b.size(), &off, &out) == TSS2_RC_SUCCESS && off == b.size();
}

struct pkey_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

/// The AK's public key as an OpenSSL key (ECC P-256 only: what refhv creates).
pkey_ptr ecc_key(const TPMT_PUBLIC& pub) {
  std::vector<std::uint8_t> point{0x04};
  const auto& x = pub.unique.ecc.x;
  const auto& y = pub.unique.ecc.y;
  if (x.size != 32 || y.size != 32) return nullptr;
  point.insert(point.end(), x.buffer, x.buffer + 32);
  point.insert(point.end(), y.buffer, y.buffer + 32);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (bld == nullptr) return nullptr;
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  if (params != nullptr && ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1)
    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return pkey_ptr(key);
}

/// ECDSA (r, s) to the DER form OpenSSL verifies.
std::vector<std::uint8_t> der_signature(const TPMS_SIGNATURE_ECDSA& s) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(s.signatureR.buffer, s.signatureR.size, nullptr);
  BIGNUM* ss = BN_bin2bn(s.signatureS.buffer, s.signatureS.size, nullptr);
  std::vector<std::uint8_t> der;
  if (sig != nullptr && r != nullptr && ss != nullptr && ECDSA_SIG_set0(sig, r, ss) == 1) {
    r = ss = nullptr;  // owned by sig now
    unsigned char* p = nullptr;
    const int n = i2d_ECDSA_SIG(sig, &p);
    if (n > 0) der.assign(p, p + n);
    OPENSSL_free(p);
  }
  BN_free(r);
  BN_free(ss);
  ECDSA_SIG_free(sig);
  return der;
}

bool verify_signature(EVP_PKEY* key, const std::vector<std::uint8_t>& msg, const std::vector<std::uint8_t>& der) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, der.data(), der.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string describe(const event& e) {
  std::ostringstream o;
  o << e.name << " " << e.version_major << "." << e.version_minor << " (sha256:" << hex(e.sha256.data(), 32) << ")";
  return o.str();
}

}  // namespace

digest sha256(const std::vector<std::uint8_t>& bytes) {
  digest d{};
  unsigned n = 0;
  EVP_Digest(bytes.data(), bytes.size(), d.data(), &n, EVP_sha256(), nullptr);
  return d;
}

std::vector<std::uint8_t> key_name(const std::vector<std::uint8_t>& ak_public) {
  std::vector<std::uint8_t> name{0x00, 0x0B};  // TPM_ALG_SHA256
  const digest d = sha256(ak_public);
  name.insert(name.end(), d.begin(), d.end());
  return name;
}

std::vector<std::uint8_t> qualified_name(const std::vector<std::uint8_t>& ak_public) {
  std::vector<std::uint8_t> parent{0x40, 0x00, 0x00, 0x0B};  // TPM_RH_ENDORSEMENT's name is its handle
  const std::vector<std::uint8_t> name = key_name(ak_public);
  parent.insert(parent.end(), name.begin(), name.end());
  const digest d = sha256(parent);
  std::vector<std::uint8_t> q{0x00, 0x0B};
  q.insert(q.end(), d.begin(), d.end());
  return q;
}

std::string hex(const std::uint8_t* p, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::optional<std::vector<std::uint8_t>> unhex(const std::string& s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const int hi = nib(s[i]), lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

result<attestation> parse(const std::vector<std::uint8_t>& b) {
  const std::size_t hs = sizeof(refhv_attestation);
  if (b.size() < hs) {
    return error("format: " + std::to_string(b.size()) + " bytes, shorter than the " + std::to_string(hs) + "-byte header");
  }
  const std::uint8_t* p = b.data();
  if (le32<std::uint32_t>(p) != REFHV_ATTEST_MAGIC) {
    return error("format: not a refhv attestation (bad magic)");
  }
  attestation a;
  a.pcr = le32<std::uint32_t>(p + offsetof(refhv_attestation, pcr));
  const std::size_t qs = le32<std::uint32_t>(p + offsetof(refhv_attestation, quote_size));
  const std::size_t ss = le32<std::uint32_t>(p + offsetof(refhv_attestation, signature_size));
  const std::size_t ps = le32<std::uint32_t>(p + offsetof(refhv_attestation, ak_public_size));
  const std::size_t ne = le32<std::uint32_t>(p + offsetof(refhv_attestation, events));
  if (qs > max_blob || ss > max_blob || ps > max_blob || ne > max_events) {
    return error("format: a size over the limits (quote, signature, key <= 1024 bytes, <= 64 events)");
  }
  const std::size_t want = hs + qs + ss + ps + ne * sizeof(refhv_attest_event);
  if (b.size() != want) {
    return error("format: " + std::to_string(b.size()) + " bytes, the header announces " + std::to_string(want) +
            (b.size() < want ? " (truncated)" : " (trailing bytes)"));
  }
  std::memcpy(a.pcr_value.data(), p + offsetof(refhv_attestation, pcr_value), 32);
  std::size_t at = hs;
  auto take = [&](std::size_t n) {
    std::vector<std::uint8_t> v(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + n));
    at += n;
    return v;
  };
  a.quote = take(qs);
  a.signature = take(ss);
  a.ak_public = take(ps);
  for (std::size_t i = 0; i < ne; ++i) {
    refhv_attest_event r{};
    std::memcpy(&r, b.data() + at, sizeof r);
    a.records.emplace_back(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + sizeof r));
    at += sizeof r;
    event e;
    e.pcr = r.pcr;
    e.type = r.type;
    std::memcpy(e.sha256.data(), r.digest, 32);
    e.generation = r.generation;
    e.version_major = r.version_major;
    e.version_minor = r.version_minor;
    e.time_ms = r.time_ms;
    e.name.assign(r.name, strnlen(r.name, sizeof r.name));
    a.events.push_back(std::move(e));
  }
  return a;
}

result<std::vector<std::uint8_t>> from_serial_log(const std::string& text, const std::string& tag) {
  const std::string prefix = "REFHV-ATTEST " + tag + " ";
  std::string hexs;
  std::optional<std::size_t> end;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t at = line.find(prefix);
    if (at == std::string::npos) continue;
    const std::string rest = line.substr(at + prefix.size());
    if (end) {
      return error("serial log: text after 'REFHV-ATTEST " + tag + " end'");
    }
    if (rest.rfind("end ", 0) == 0) {
      end = std::strtoull(rest.c_str() + 4, nullptr, 10);
      continue;
    }
    hexs += rest;
    if (hexs.size() > 2 * max_log_bytes) {
      return error("serial log: more than 1 MiB of attestation '" + tag + "'");
    }
  }
  if (!end) {
    return error("serial log: no complete attestation '" + tag + "' (no 'REFHV-ATTEST " + tag + " end' line)");
  }
  auto bytes = unhex(hexs);
  if (!bytes) {
    return error("serial log: attestation '" + tag + "' is not hex");
  }
  if (bytes->size() != *end) {
    return error("serial log: attestation '" + tag + "' has " + std::to_string(bytes->size()) + " bytes, its end line says " +
            std::to_string(*end));
  }
  return std::move(*bytes);
}

verdict verify(const attestation& a, const expectation& e) {
  // The attestation key: a restricted signing ECC P-256 key with ECDSA-SHA256, as refhv makes it.
  TPMT_PUBLIC pub{};
  if (!unmarshal(a.ak_public, pub, Tss2_MU_TPMT_PUBLIC_Unmarshal))
    return reject("attestation key", "the public part does not decode as a TPMT_PUBLIC");
  const TPMA_OBJECT need = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM;
  if (pub.type != TPM2_ALG_ECC || (pub.objectAttributes & need) != need ||
      pub.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 || pub.nameAlg != TPM2_ALG_SHA256)
    return reject("attestation key", "not a restricted, TPM-bound ECC P-256 signing key");
  pkey_ptr key = ecc_key(pub);
  if (!key) return reject("attestation key", "the public point is not on P-256");

  // The quote, and that it names this key as its signer: its qualified name, for a primary key
  // of the endorsement hierarchy (refhv's AK) SHA-256(TPM_RH_ENDORSEMENT || name), name =
  // SHA-256 of the public area, each prefixed with TPM_ALG_SHA256.
  TPMS_ATTEST q{};
  if (!unmarshal(a.quote, q, Tss2_MU_TPMS_ATTEST_Unmarshal))
    return reject("quote", "the quote does not decode as a TPMS_ATTEST");
  if (q.magic != TPM2_GENERATED_VALUE || q.type != TPM2_ST_ATTEST_QUOTE)
    return reject("quote", "not a quote generated by a TPM (magic or type)");
  const std::vector<std::uint8_t> name = key_name(a.ak_public);
  const std::vector<std::uint8_t> qualified = qualified_name(a.ak_public);
  if (e.ak_name && *e.ak_name != name)
    return reject("attestation key", "the key's name is " + hex(name.data(), name.size()) + ", not the pinned " +
                                         hex(e.ak_name->data(), e.ak_name->size()));
  if (q.qualifiedSigner.size != qualified.size() ||
      std::memcmp(q.qualifiedSigner.name, qualified.data(), qualified.size()) != 0)
    return reject("quote", "the quote names another signing key than the attestation key given");

  // The signature over the quote, by that key.
  TPMT_SIGNATURE sig{};
  if (!unmarshal(a.signature, sig, Tss2_MU_TPMT_SIGNATURE_Unmarshal))
    return reject("signature", "the signature does not decode as a TPMT_SIGNATURE");
  if (sig.sigAlg != TPM2_ALG_ECDSA || sig.signature.ecdsa.hash != TPM2_ALG_SHA256)
    return reject("signature", "not an ECDSA-SHA256 signature");
  if (!verify_signature(key.get(), a.quote, der_signature(sig.signature.ecdsa)))
    return reject("signature", "the quote is not signed by the attestation key");

  // Freshness: the verifier's nonce is the quote's qualifying data.
  if (q.extraData.size != e.nonce.size() || std::memcmp(q.extraData.buffer, e.nonce.data(), e.nonce.size()) != 0)
    return reject("nonce", "the quote carries nonce " + hex(q.extraData.buffer, q.extraData.size) +
                               ", not this verifier's (a replayed or foreign quote)");

  // What was quoted: exactly the SHA-256 bank's policy PCR.
  const TPML_PCR_SELECTION& sel = q.attested.quote.pcrSelect;
  bool only_pcr = sel.count == 1 && sel.pcrSelections[0].hash == TPM2_ALG_SHA256 && a.pcr < 24;
  for (unsigned i = 0; only_pcr && i < sel.pcrSelections[0].sizeofSelect; ++i)
    only_pcr = sel.pcrSelections[0].pcrSelect[i] == (i == a.pcr / 8 ? (1u << (a.pcr % 8)) : 0u);
  if (!only_pcr || a.pcr != REFHV_ATTEST_PCR)
    return reject("pcr selection", "the quote does not cover exactly SHA-256 PCR " + std::to_string(REFHV_ATTEST_PCR));

  // The log: policy events on that PCR, generations 1, 2, ... (one per policy put in force).
  if (a.events.empty()) return reject("event log", "no measurement at all (not even the boot policy)");
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    const event& ev = a.events[i];
    if (ev.pcr != a.pcr || ev.type != REFHV_ATTEST_EV_POLICY)
      return reject("event log", "event " + std::to_string(i + 1) + " is not a policy measurement into PCR " +
                                     std::to_string(a.pcr));
    if (ev.generation != i + 1)
      return reject("event log", "event " + std::to_string(i + 1) + " says generation " +
                                     std::to_string(ev.generation) + "; policies go in force as generations 1, 2, ...");
  }
  // Replay: from zero, per event PCR = SHA-256(PCR || policy digest), then SHA-256(PCR ||
  // SHA-256(event record)); the quote holds SHA-256 of the PCR's value.
  std::vector<std::uint8_t> pcr(32, 0);
  auto extend = [&](const digest& d) {
    pcr.insert(pcr.end(), d.begin(), d.end());
    const digest n = sha256(pcr);
    pcr.assign(n.begin(), n.end());
  };
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    extend(a.events[i].sha256);
    extend(sha256(a.records[i]));
  }
  const digest composite = sha256(pcr);
  const TPM2B_DIGEST& quoted = q.attested.quote.pcrDigest;
  if (quoted.size != 32 || std::memcmp(quoted.buffer, composite.data(), 32) != 0)
    return reject("event log replay", "replaying the " + std::to_string(a.events.size()) +
                                          " logged measurements does not give the quoted PCR " +
                                          std::to_string(a.pcr) + " (the log was edited or truncated, or something "
                                          "else extended the PCR)");

  const event& now = a.events.back();
  if (e.policy) {
    const digest want = sha256(*e.policy);
    if (want != now.sha256)
      return reject("expect", "the host enforces " + describe(now) + ", not the expected policy (sha256:" +
                                  hex(want.data(), 32) + ")");
    // The digest is the policy's: the log's name and version for it must be the policy's own.
    const auto pv = shype::policy_view::load(shype::byte_view(e.policy->data(), e.policy->size()));
    if (!pv) return reject("expect", "the expected policy is not a valid binary policy");
    const std::string pname(pv.value().name().data(), pv.value().name().size());
    const auto ver = pv.value().version();
    if (pname.substr(0, REFHV_ATTEST_NAME_MAX - 1) != now.name || ver.major != now.version_major ||
        ver.minor != now.version_minor)
      return reject("expect", "the event log calls the policy in force " + now.name + " " +
                                  std::to_string(now.version_major) + "." + std::to_string(now.version_minor) +
                                  ", but its digest is that of " + pname + " " + std::to_string(ver.major) + "." +
                                  std::to_string(ver.minor) + " (an edited log)");
  }
  verdict v;
  v.ok = true;
  v.events = a.events.size();
  v.in_force = now;
  v.key = "ECDSA P-256 (SHA-256), key name " + hex(name.data(), name.size());
  v.key_pinned = e.ak_name.has_value();
  return v;
}

}  // namespace shype::tool::attest
