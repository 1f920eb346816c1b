// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the policy compiler (ACM XML -> binary), as `shype compile` runs it.
//
// Oracles: compiling is deterministic (same bytes, same diagnostics); a failure says why (at
// least one error); a success is a binary the loader accepts and that is canonical (written
// again from its view through policy_builder it is the same); and where the schema can express
// the policy, `dump --xml` of the binary compiles back to exactly the same bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <shype/policy_view.hpp>

#include <shype/tool/compile/compiler.hpp>
#include <shype/tool/io/decoded_policy.hpp>
#include "fuzz_check.hpp"
#include <shype/tool/compile/policy_writer.hpp>
#include "shype_model/rebuild.hpp"

using shype_fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto r = shype::tool::compile_xml(data, size, "fuzz.xml");
  const auto again = shype::tool::compile_xml(data, size, "fuzz.xml");
  require(r.binary == again.binary && r.diag.text() == again.diag.text(), "compiling the same XML twice gave different results");
  if (!r.ok()) {
    require(r.diag.has_errors(), "the compiler failed without an error");
    return 0;
  }
  require(!r.diag.has_errors(), "the compiler produced a binary and reported errors");
  const auto v = shype::policy_view::load(shype::byte_view(r.binary.data(), r.binary.size()));
  require(v.has_value(), "the compiler produced a binary the loader refuses");
  const auto round = shype_model::rebuild(v.value());
  require(!round || *round == r.binary, "the compiler produced a binary that is not canonical");

  std::string xml;
  shype::tool::diagnostics diag;
  if (!shype::tool::dump_xml(shype::tool::decode(v.value()), "fuzz.xml", xml, diag)) return 0;  // not expressible in the schema
  const auto back = shype::tool::compile_xml(reinterpret_cast<const std::uint8_t*>(xml.data()), xml.size(), "dump.xml");
  require(back.ok(), "dump --xml wrote XML that does not compile:\n" + back.diag.text() + "\n" + xml);
  require(back.binary == r.binary, "dump --xml wrote XML that compiles to other bytes:\n" + xml);
  return 0;
}
