// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/compile/load_policy.hpp>

#include <shype/tool/compile/compiler.hpp>
#include <shype/tool/io/input_file.hpp>

namespace shype::tool {

loaded_policy load_policy(const std::vector<std::uint8_t>& bytes, const std::string& file) {
  if (const std::string enc = foreign_encoding(bytes); !enc.empty()) {
    loaded_policy p;
    p.diag.error(file, 0, "", "the file is " + enc + " text; a policy must be UTF-8 XML or a compiled binary (convert it: iconv -f " +
                                  enc.substr(0, enc.find(' ')) + " -t UTF-8)");
    return p;
  }
  if (kind_of(bytes) == policy_kind::binary) return load_binary_policy(bytes, file);
  loaded_policy p;
  compile_result r = compile_xml(bytes.data(), bytes.size(), file);
  p.diag = std::move(r.diag);
  p.binary = std::move(r.binary);
  return p;
}

loaded_policy load_policy_file(const std::string& path) {
  loaded_policy p;
  auto bytes = read_file(path, p.diag);
  if (!bytes) return p;
  return load_policy(*bytes, path);
}

}  // namespace shype::tool
