// SPDX-License-Identifier: Apache-2.0
// `shype attest verify`'s checks (tools/lib/attest) against an attestation refhv produced under
// QEMU with swtpm (data/attest/refhv-serial.log, the verifier's nonce in data/attest/nonce.txt):
// the genuine one verifies; each forgery is rejected by the check meant to catch it.
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include <shype/tool/attest/attestation.hpp>
#include <shype/tool/compile/load_policy.hpp>

#include "../../refhv/include/refhv/hypercall.h"

namespace {
using namespace shype::tool;
using bytes = std::vector<std::uint8_t>;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
const std::string data = std::string(SHYPE_TOOL_TEST_DATA) + "/attest/";

struct fixture : ::testing::Test {
  void SetUp() override {
    auto b = attest::from_serial_log(slurp(data + "refhv-serial.log"), "final");
    ASSERT_TRUE(b) << b.message();
    raw = *b;
    auto n = slurp(data + "nonce.txt");
    while (!n.empty() && (n.back() == '\n' || n.back() == '\r')) n.pop_back();
    auto nb = attest::unhex(n);
    ASSERT_TRUE(nb);
    expect.nonce = *nb;
  }
  attest::attestation parsed(const bytes& b) {
    auto a = attest::parse(b);
    EXPECT_TRUE(a) << a.message();
    return a ? *a : attest::attestation{};
  }
  bytes policy(const char* xml) {
    auto p = load_policy_file(std::string(SHYPE_EXAMPLES) + "/customer-order/" + xml);
    EXPECT_TRUE(p.ok());
    return p.binary;
  }
  /// Offset of event i's record in the raw attestation.
  std::size_t event_at(std::size_t i) {
    refhv_attestation h{};
    std::memcpy(&h, raw.data(), sizeof h);
    return sizeof h + h.quote_size + h.signature_size + h.ak_public_size + i * sizeof(refhv_attest_event);
  }
  bytes raw;
  attest::expectation expect;
};

TEST_F(fixture, genuine_attestation_names_policy_v2_generation_2_and_logs_both) {
  const auto a = parsed(raw);
  expect.policy = policy("policy-v2.xml");
  const auto v = attest::verify(a, expect);
  ASSERT_TRUE(v.ok) << v.check << ": " << v.message;
  ASSERT_EQ(v.events, 2u);
  EXPECT_EQ(v.in_force->name, "example.customer-order");
  EXPECT_EQ(v.in_force->generation, 2u);
  EXPECT_EQ(v.in_force->version_minor, 1u);
  EXPECT_EQ(a.events[0].sha256, attest::sha256(policy("policy.xml")));  // the boot policy came first
  EXPECT_EQ(a.events[1].sha256, attest::sha256(policy("policy-v2.xml")));
}

TEST_F(fixture, wrong_expected_policy_is_rejected_by_expect) {
  expect.policy = policy("policy.xml");
  const auto v = attest::verify(parsed(raw), expect);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.check, "expect");
  EXPECT_NE(v.message.find("not the expected policy"), std::string::npos) << v.message;
}

TEST_F(fixture, replayed_quote_is_rejected_by_nonce) {
  expect.nonce[0] ^= 1;  // this verifier's fresh nonce is another one
  const auto v = attest::verify(parsed(raw), expect);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.check, "nonce");
}

TEST_F(fixture, edited_digest_in_the_log_is_rejected_by_replay) {
  raw[event_at(0) + offsetof(refhv_attest_event, digest)] ^= 0x01;
  const auto v = attest::verify(parsed(raw), expect);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.check, "event log replay");
}

TEST_F(fixture, edited_generation_is_rejected_by_the_log_check) {
  raw[event_at(1) + offsetof(refhv_attest_event, generation)] = 7;
  const auto v = attest::verify(parsed(raw), expect);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.check, "event log");
}

TEST_F(fixture, edited_name_version_or_time_is_rejected_by_replay) {
  // The PCR covers each whole event record (its digest is extended after the policy's).
  for (const std::size_t field : {offsetof(refhv_attest_event, name), offsetof(refhv_attest_event, version_minor),
                                  offsetof(refhv_attest_event, time_ms), offsetof(refhv_attest_event, reserved)}) {
    bytes b = raw;
    b[event_at(1) + field] ^= 0x01;
    const auto v = attest::verify(parsed(b), expect);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.check, "event log replay") << field;
  }
}

TEST_F(fixture, truncated_log_is_rejected_by_replay) {
  // The last event dropped and the header made consistent: the PCR still holds it.
  raw.resize(event_at(1));
  raw[offsetof(refhv_attestation, events)] = 1;
  const auto v = attest::verify(parsed(raw), expect);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.check, "event log replay");
}

TEST_F(fixture, cut_bytes_are_rejected_by_format) {
  for (std::size_t n : {std::size_t{0}, std::size_t{10}, raw.size() - 1}) {
    const auto a = attest::parse(bytes(raw.begin(), raw.begin() + static_cast<long>(n)));
    ASSERT_FALSE(a);
    EXPECT_EQ(a.message().rfind("format: ", 0), 0u) << a.message();
  }
}

/// `msg` signed by `key` (ECDSA-SHA256) as a marshalled TPMT_SIGNATURE.
bytes tpm_signature(EVP_PKEY* key, const bytes& msg) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t n = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(ctx, nullptr, &n, msg.data(), msg.size());
  bytes der(n);
  EVP_DigestSign(ctx, der.data(), &n, msg.data(), msg.size());
  der.resize(n);
  EVP_MD_CTX_free(ctx);
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return {};
  TPMT_SIGNATURE t{};
  t.sigAlg = TPM2_ALG_ECDSA;
  t.signature.ecdsa.hash = TPM2_ALG_SHA256;
  t.signature.ecdsa.signatureR.size =
      static_cast<UINT16>(BN_bn2binpad(ECDSA_SIG_get0_r(sig), t.signature.ecdsa.signatureR.buffer, 32));
  t.signature.ecdsa.signatureS.size =
      static_cast<UINT16>(BN_bn2binpad(ECDSA_SIG_get0_s(sig), t.signature.ecdsa.signatureS.buffer, 32));
  ECDSA_SIG_free(sig);
  std::uint8_t buf[256];
  std::size_t off = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Marshal(&t, buf, sizeof buf, &off) != TSS2_RC_SUCCESS) return {};
  return bytes(buf, buf + off);
}

struct other_key {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ~other_key() { EVP_PKEY_free(key); }
};

TEST_F(fixture, quote_signed_by_another_key_is_rejected_by_signature) {
  auto a = parsed(raw);
  other_key k;
  ASSERT_NE(k.key, nullptr);
  a.signature = tpm_signature(k.key, a.quote);
  ASSERT_FALSE(a.signature.empty());
  const auto v = attest::verify(a, expect);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.check, "signature");
  EXPECT_NE(v.message.find("not signed by the attestation key"), std::string::npos) << v.message;
}

TEST_F(fixture, whole_forgery_with_another_key_passes_unless_the_key_is_pinned) {
  // Another key substituted everywhere (public part, the quote's signer, the signature): the
  // quote itself cannot tell (the AK is not certified here, README "Attestation"); a pinned
  // key name can.
  auto a = parsed(raw);
  const auto genuine = attest::verify(a, expect);
  ASSERT_TRUE(genuine.ok);
  const bytes genuine_name = attest::key_name(a.ak_public);
  other_key k;
  ASSERT_NE(k.key, nullptr);
  BIGNUM *x = nullptr, *y = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(k.key, "qx", &x), 1);
  ASSERT_EQ(EVP_PKEY_get_bn_param(k.key, "qy", &y), 1);
  TPMT_PUBLIC pub{};
  std::size_t off = 0;
  ASSERT_EQ(Tss2_MU_TPMT_PUBLIC_Unmarshal(a.ak_public.data(), a.ak_public.size(), &off, &pub), TSS2_RC_SUCCESS);
  pub.unique.ecc.x.size = static_cast<UINT16>(BN_bn2binpad(x, pub.unique.ecc.x.buffer, 32));
  pub.unique.ecc.y.size = static_cast<UINT16>(BN_bn2binpad(y, pub.unique.ecc.y.buffer, 32));
  BN_free(x);
  BN_free(y);
  std::uint8_t buf[1024];
  off = 0;
  ASSERT_EQ(Tss2_MU_TPMT_PUBLIC_Marshal(&pub, buf, sizeof buf, &off), TSS2_RC_SUCCESS);
  a.ak_public.assign(buf, buf + off);
  const bytes qualified = attest::qualified_name(a.ak_public);
  TPMS_ATTEST q{};
  off = 0;
  ASSERT_EQ(Tss2_MU_TPMS_ATTEST_Unmarshal(a.quote.data(), a.quote.size(), &off, &q), TSS2_RC_SUCCESS);
  q.qualifiedSigner.size = static_cast<UINT16>(qualified.size());
  std::memcpy(q.qualifiedSigner.name, qualified.data(), qualified.size());
  off = 0;
  ASSERT_EQ(Tss2_MU_TPMS_ATTEST_Marshal(&q, buf, sizeof buf, &off), TSS2_RC_SUCCESS);
  a.quote.assign(buf, buf + off);
  a.signature = tpm_signature(k.key, a.quote);
  EXPECT_TRUE(attest::verify(a, expect).ok);  // the documented limit
  expect.ak_name = genuine_name;
  EXPECT_TRUE(attest::verify(parsed(raw), expect).ok);  // the genuine one, pinned
  const auto v = attest::verify(a, expect);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.check, "attestation key");
  EXPECT_NE(v.message.find("not the pinned"), std::string::npos) << v.message;
}

TEST_F(fixture, pcr_extended_by_something_else_is_rejected_by_replay) {
  auto b = attest::from_serial_log(slurp(data + "refhv-serial.log"), "tampered");
  ASSERT_TRUE(b) << b.message();
  const auto v = attest::verify(parsed(*b), expect);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.check, "event log replay");
}

TEST_F(fixture, serial_log_without_the_tag_or_with_a_wrong_count_is_refused) {
  const auto none = attest::from_serial_log(slurp(data + "refhv-serial.log"), "nosuch");
  ASSERT_FALSE(none);
  EXPECT_NE(none.message().find("no complete attestation 'nosuch'"), std::string::npos) << none.message();
  std::string log = slurp(data + "refhv-serial.log");
  const auto at = log.find("REFHV-ATTEST final end ");
  ASSERT_NE(at, std::string::npos);
  log.insert(at + 23, "1");
  const auto miscounted = attest::from_serial_log(log, "final");
  ASSERT_FALSE(miscounted);
  EXPECT_NE(miscounted.message().find("its end line says"), std::string::npos) << miscounted.message();
}
}  // namespace
