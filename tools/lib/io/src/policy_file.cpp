// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/io/policy_file.hpp>

#include <cstring>
#include <string_view>

#include <shype/detail/policy_format.hpp>
#include <shype/policy_view.hpp>

#include <shype/tool/io/atomic_file.hpp>
#include <shype/tool/io/input_file.hpp>
#include <shype/tool/io/load_error_text.hpp>

namespace shype::tool {

std::optional<std::vector<std::uint8_t>> read_file(const std::string& path, diagnostics& diag) {
  auto bytes = read_input_file(path);
  if (!bytes) {
    diag.error(path, 0, "", bytes.message());
    return std::nullopt;
  }
  return std::move(*bytes);
}

bool write_file(const std::string& path, const std::uint8_t* data, std::size_t size, diagnostics& diag) {
  const status written = write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(data), size));
  if (!written) diag.error(path, 0, "", written.message());
  return written.ok();
}

policy_kind kind_of(const std::vector<std::uint8_t>& bytes) {
  namespace f = shype::detail::format;
  if (bytes.size() >= sizeof f::magic && std::memcmp(bytes.data(), f::magic, sizeof f::magic) == 0) return policy_kind::binary;
  std::size_t i = 0;
  if (bytes.size() >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) i = 3;
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r')) ++i;
  return i < bytes.size() && bytes[i] == '<' ? policy_kind::xml : policy_kind::binary;
}

loaded_policy load_binary_policy(const std::vector<std::uint8_t>& bytes, const std::string& file) {
  loaded_policy p;
  p.kind = policy_kind::binary;
  auto v = shype::policy_view::load(shype::byte_view(bytes.data(), bytes.size()));
  if (!v) {
    p.diag.add(describe_load_error(file, bytes.data(), bytes.size(), v.error()));
    return p;
  }
  p.binary = bytes;
  return p;
}

}  // namespace shype::tool
