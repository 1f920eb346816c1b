// SPDX-License-Identifier: Apache-2.0
// shype attest verify FILE --nonce HEX [--expect POLICY] [--tag TAG]
// Thin: the checks are tools/lib/attest's.

#include <cstdlib>
#include <ostream>

#include <shype/tool/attest/attestation.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/compile/load_policy.hpp>

namespace shype::tool {
namespace {

constexpr int exit_rejected = 1;  // a check failed: the host's attestation is not accepted

const command_spec spec{"attest", 2, 2, {}, {"--nonce", "--expect", "--tag", "--ak-name"},
                        "usage: shype attest verify FILE --nonce HEX [--expect POLICY] [--ak-name HEX] [--tag TAG]\n\n"
                        "Verifies an attestation of refhv (its ATTEST_QUOTE answer): FILE is either the binary\n"
                        "answer or a serial log in which dom0 printed it as 'REFHV-ATTEST TAG <hex>' lines (TAG\n"
                        "'final' unless --tag). Checks, in order, and names the first that fails: the attestation\n"
                        "key (a restricted TPM-bound ECC P-256 signing key), the quote (a TPM's, naming that key),\n"
                        "the signature (ECDSA-SHA256 by that key, OpenSSL), the nonce (HEX, the one this verifier\n"
                        "gave, 1..32 bytes), the PCR selection (exactly SHA-256 PCR 12), the event log (policy\n"
                        "events, generations 1, 2, ...) and its replay (it must give the quoted PCR digest).\n"
                        "Then prints the policy in force (name, version, generation, SHA-256) and the log.\n"
                        "--expect POLICY (XML or binary) fails unless the policy in force is that one (same\n"
                        "SHA-256 of the binary, same name and version in the log).\n"
                        "--ak-name HEX fails unless the attestation key is that one (its TPM name, printed on\n"
                        "success: pin it on first contact). The key is not certified by an endorsement key here,\n"
                        "so without a pinned key any key that signs consistently passes: refhv/README.md, Attestation.\n"
                        "Exit codes: 0 verified, 1 rejected (the message names the check), 2 usage, 3 unreadable\n"
                        "input.\n"};

}  // namespace

int cmd_attest(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse_args(spec, args, err);
  if (!parsed) return exit_usage;
  if (parsed->help) {
    out << spec.help;
    return exit_ok;
  }
  const auto& a = *parsed;
  if (a.positional[0] != "verify") return usage_error(spec, "unknown sub-command '" + a.positional[0] + "' (verify)", err);
  const auto nonce_arg = a.values.find("--nonce");
  if (nonce_arg == a.values.end()) return usage_error(spec, "--nonce HEX is required (the nonce this verifier gave)", err);
  attest::expectation e;
  const auto nonce = attest::unhex(nonce_arg->second);
  if (!nonce || nonce->empty() || nonce->size() > attest::max_nonce)
    return usage_error(spec, "--nonce: 1..32 bytes of hex expected, got '" + nonce_arg->second + "'", err);
  e.nonce = *nonce;

  if (const auto k = a.values.find("--ak-name"); k != a.values.end()) {
    e.ak_name = attest::unhex(k->second);
    if (!e.ak_name || e.ak_name->size() != 34)
      return usage_error(spec, "--ak-name: 34 bytes of hex expected (000b and a SHA-256), got '" + k->second + "'", err);
  }
  const std::string& file = a.positional[1];
  diagnostics diag;
  const auto bytes = read_file(file, diag);
  if (!bytes) {
    print(diag, err);
    return exit_invalid;
  }
  std::optional<std::vector<std::uint8_t>> raw = *bytes;
  if (bytes->size() < 4 || (*bytes)[0] != 'R' || (*bytes)[1] != 'T' || (*bytes)[2] != 'A' || (*bytes)[3] != '1') {
    const auto tag = a.values.find("--tag");
    auto from_log = attest::from_serial_log(std::string(bytes->begin(), bytes->end()), tag == a.values.end() ? "final" : tag->second);
    if (!from_log) {
      err << "shype attest: " << file << ": " << from_log.message() << "\n";
      return exit_invalid;
    }
    raw = std::move(*from_log);
  }
  if (const auto ex = a.values.find("--expect"); ex != a.values.end()) {
    loaded_policy p = load_policy_file(ex->second);
    if (!p.ok()) {
      print(p.diag, err);
      return exit_invalid;
    }
    e.policy = std::move(p.binary);
  }
  // tpm2-tss logs malformed structures on stderr; our own message names the check instead
  // (a TSS2_LOG the user set is kept).
  setenv("TSS2_LOG", "marshal+NONE", 0);
  const auto att = attest::parse(*raw);
  if (!att) {
    err << "shype attest: " << file << ": rejected: " << att.message() << "\n";
    return exit_rejected;
  }
  const attest::verdict v = attest::verify(*att, e);
  if (!v.ok) {
    err << "shype attest: " << file << ": rejected: " << v.check << " check failed: " << v.message << "\n";
    return exit_rejected;
  }
  const attest::event& now = *v.in_force;
  out << "OK: attestation verified: signature by the attestation key (" << v.key << "), nonce, PCR "
      << att->pcr << " = replay of " << v.events << " measurement" << (v.events == 1 ? "" : "s") << "\n";
  out << "policy in force: " << now.name << " version " << now.version_major << "." << now.version_minor
      << " generation " << now.generation << " sha256:" << attest::hex(now.sha256.data(), 32)
      << (e.policy ? " (as expected)" : "") << "\n";
  out << "event log:\n";
  for (const attest::event& ev : att->events)
    out << "  generation " << ev.generation << ": " << ev.name << " " << ev.version_major << "." << ev.version_minor
        << " sha256:" << attest::hex(ev.sha256.data(), 32) << " at " << ev.time_ms << " ms\n";
  if (v.key_pinned)
    out << "the attestation key is the pinned one (--ak-name); it is not certified by an EK or CA here\n";
  else
    out << "note: the attestation key is not certified by an EK or CA here and was not pinned (--ak-name): trust\n"
           "      it only if you know it is this host's TPM's (refhv/README.md, Attestation)\n";
  return exit_ok;
}

}  // namespace shype::tool
