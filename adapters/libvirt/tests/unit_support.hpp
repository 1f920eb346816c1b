// SPDX-License-Identifier: Apache-2.0
#pragma once
// What libvirt_unit's files share (unit_test.cpp, host_test.cpp): adapters from the adapter's
// result<T>/status to the shape the assertions were written in, scratch directories, entries.
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "engine.hpp"
#include "error.hpp"
#include "host.hpp"
#include "host_state.hpp"
#include "util.hpp"

namespace shype::libvirt::test {

// The adapter returns result<T> and status (error.hpp). These keep the assertions below as they
// were written: a value or false, with the error's first line in `why`.
template <class T>
inline std::optional<T> value_of(result<T> r, std::string& why) {
  if (!r) {
    why = r.message();
    return std::nullopt;
  }
  return std::move(*r);
}
inline bool done(const status& s, std::string& why) {
  if (!s) why = s.message();
  return s.ok();
}
template <class T>
inline bool take(result<T> r, T& out, std::string& why) {
  if (!r) {
    why = r.message();
    return false;
  }
  out = std::move(*r);
  return true;
}
inline std::unique_ptr<engine> load_engine(std::vector<std::uint8_t> p, std::string& why) {
  auto e = engine::load(std::move(p));
  if (!e) {
    why = e.message();
    return nullptr;
  }
  return std::move(*e);
}
inline state_store::loaded load_into(state_store& store, host_state& s, std::string& detail) {
  auto r = store.load(s);
  detail = r.detail;
  return r.how;
}
inline int run_capture(const std::vector<std::string>& argv, std::string& out) {
  auto r = run_program(argv);
  out = r.output;
  return r.status;
}
/// rebuild()'s host view, or its error (then `eng` is null).
struct view_or_error : host_view {
  std::string error;
};
template <class... A>
inline view_or_error rebuilt(A&&... a) {
  view_or_error v;
  auto r = rebuild(std::forward<A>(a)...);
  if (r) static_cast<host_view&>(v) = std::move(*r);
  else v.error = r.message();
  return v;
}

/// A fresh directory under the build tree's temporary area.
inline std::string scratch(const std::string& name) {
  const std::string dir = std::string(SHYPE_LIBVIRT_TEST_TMP) + "/" + name + "-" + std::to_string(::getpid());
  std::string why;
  std::string out;
  run_capture({"/bin/rm", "-rf", dir}, out);
  EXPECT_TRUE(done(make_dirs(dir), why)) << why;
  return dir;
}

inline void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

inline disk_use disk(const std::string& key, const std::string& label, bool readonly = false) {
  disk_use k;
  k.key = key;
  k.label = label;
  k.readonly = readonly;
  k.shareable = true;
  return k;
}

}  // namespace shype::libvirt::test
