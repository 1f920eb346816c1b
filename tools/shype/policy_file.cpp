// SPDX-License-Identifier: Apache-2.0
#include "policy_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <shype/detail/policy_format.hpp>
#include <shype/policy_view.hpp>

#include "compiler.hpp"
#include "load_error_text.hpp"

namespace shype::tool {

std::optional<std::vector<std::uint8_t>> read_file(const std::string& path, diagnostics& diag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.error(path, 0, "", std::string("cannot open: ") + std::strerror(errno));
    return std::nullopt;
  }
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    diag.error(path, 0, "", "cannot read");
    return std::nullopt;
  }
  return bytes;
}

bool write_file(const std::string& path, const std::uint8_t* data, std::size_t size, diagnostics& diag) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (out) out.close();
  if (!out) {
    diag.error(path, 0, "", std::string("cannot write: ") + std::strerror(errno));
    return false;
  }
  return true;
}

policy_kind kind_of(const std::vector<std::uint8_t>& bytes) {
  namespace f = shype::detail::format;
  if (bytes.size() >= sizeof f::magic && std::memcmp(bytes.data(), f::magic, sizeof f::magic) == 0) return policy_kind::binary;
  std::size_t i = 0;
  if (bytes.size() >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) i = 3;
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r')) ++i;
  return i < bytes.size() && bytes[i] == '<' ? policy_kind::xml : policy_kind::binary;
}

loaded_policy load_policy(const std::vector<std::uint8_t>& bytes, const std::string& file) {
  loaded_policy p;
  p.kind = kind_of(bytes);
  if (p.kind == policy_kind::xml) {
    compile_result r = compile_xml(bytes.data(), bytes.size(), file);
    p.diag = std::move(r.diag);
    p.binary = std::move(r.binary);
    return p;
  }
  auto v = shype::policy_view::load(shype::byte_view(bytes.data(), bytes.size()));
  if (!v) {
    p.diag.add(describe_load_error(file, bytes.data(), bytes.size(), v.error()));
    return p;
  }
  p.binary = bytes;
  return p;
}

loaded_policy load_policy_file(const std::string& path) {
  loaded_policy p;
  auto bytes = read_file(path, p.diag);
  if (!bytes) return p;
  return load_policy(*bytes, path);
}

}  // namespace shype::tool
