// SPDX-License-Identifier: Apache-2.0
#include <shype/tool/analysis/assertions.hpp>

#include <shype/tool/analysis/flow_report.hpp>
#include <shype/tool/io/input_file.hpp>
#include <shype/tool/io/text_escape.hpp>

namespace shype::tool {
namespace {

constexpr const char* element = "assertions";

/// Splits one line into words: bare, or "quoted" with \" and \\; '#' at a word's start ends the line.
result<std::vector<std::string>> words_of(std::string_view line) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size() || line[i] == '#') return words;
    std::string w;
    if (line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        char c = line[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i == line.size() || (line[i] != '"' && line[i] != '\\')) return error("in a quoted name, '\\' may only precede '\"' or '\\'");
          c = line[i++];
        }
        w += c;
      }
      if (!closed) return error("a quoted name is not closed");
      if (i < line.size() && line[i] != ' ' && line[i] != '\t') return error("a quoted name must be followed by a space");
      if (w.empty()) return error("an empty name");
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') w += line[i++];
    }
    words.push_back(std::move(w));
  }
}

/// NAME in quotes, escaped. Appended piece by piece: `"\"" + text` trips g++-12's -O3
/// -Werror=restrict false positive in libstdc++'s string::insert (scripts/bench.sh builds -O3).
std::string q(const std::string& s) {
  std::string out(1, '"');
  out += one_line(s);
  out += '"';
  return out;
}

}  // namespace

std::optional<assertion_file> parse_assertions(std::string_view text, const std::string& file, diagnostics& diag) {
  assertion_file f{file, {}};
  bool failed = false;
  auto fail = [&](long line, const std::string& message) {
    diag.error(file, line, element, message);
    failed = true;
  };
  if (text.size() > max_assertion_file_bytes) {
    fail(0, "larger than " + size_text(max_assertion_file_bytes));
    return std::nullopt;
  }
  long line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_assertion_line_bytes) {
      fail(line_no, "line longer than " + std::to_string(max_assertion_line_bytes) + " bytes");
      continue;
    }
    if (line.find('\0') != std::string_view::npos) {
      fail(line_no, "a NUL byte (an assertion file is text)");
      continue;
    }
    auto words = words_of(line);
    if (!words) {
      fail(line_no, words.message());
      continue;
    }
    const std::vector<std::string>& w = *words;
    if (w.empty()) continue;
    if (f.items.size() == max_assertions) {
      fail(line_no, "more than " + std::to_string(max_assertions) + " statements");
      break;
    }
    const std::string& verb = w[0];
    if (verb == "no-flow") {
      if (w.size() != 4 || w[2] != "->") {
        fail(line_no, "expected 'no-flow FROM -> TO'");
        continue;
      }
      f.items.push_back({assertion_kind::no_flow, line_no, w[1], w[3]});
    } else if (verb == "never-together") {
      if (w.size() != 3) {
        fail(line_no, "expected 'never-together A B'");
        continue;
      }
      f.items.push_back({assertion_kind::never_together, line_no, w[1], w[2]});
    } else if (verb == "trust") {
      if (w.size() != 2) {
        fail(line_no, "expected 'trust LABEL'");
        continue;
      }
      f.items.push_back({assertion_kind::trust, line_no, w[1], {}});
    } else {
      fail(line_no, "unknown statement " + q(verb) + " (expected no-flow, never-together or trust)");
    }
  }
  if (failed) return std::nullopt;
  return f;
}

std::optional<assertion_file> read_assertions(const std::string& path, diagnostics& diag) {
  auto bytes = read_input_file(path, max_assertion_file_bytes);
  if (!bytes) {
    diag.error(path, 0, "", bytes.message());
    return std::nullopt;
  }
  return parse_assertions(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()), path, diag);
}

assertion_outcome check_assertions(const decoded_policy& p, const assertion_file& f, mls_model mls, diagnostics& diag) {
  assertion_outcome out;
  bool names_ok = true;
  // The graph without trust resolves the trust statements; then the one that is checked.
  auto plain = flow_graph::build(p, {.mls = mls, .trusted = {}});
  if (!plain) {
    diag.error(f.file, 0, element, plain.message());
    return out;
  }
  flow_options o{.mls = mls, .trusted = {}};
  for (const auto& a : f.items) {
    if (a.kind != assertion_kind::trust) continue;
    if (auto n = label_nodes(*plain, {a.a})) {
      o.trusted.push_back(n->front());
    } else {
      diag.error(f.file, a.line, "trust", n.message());
      names_ok = false;
    }
  }
  auto built = flow_graph::build(p, o);
  if (!built) {
    diag.error(f.file, 0, element, built.message());
    return out;
  }
  const flow_graph& g = *built;
  for (const auto& a : f.items) {
    if (a.kind == assertion_kind::trust) continue;
    const char* what = a.kind == assertion_kind::no_flow ? "no-flow" : "never-together";
    auto ea = resolve_endpoint(g, a.a);
    if (!ea) diag.error(f.file, a.line, what, ea.message());
    auto eb = resolve_endpoint(g, a.b);
    if (!eb) diag.error(f.file, a.line, what, eb.message());
    if (!ea || !eb) {
      names_ok = false;
      continue;
    }
    ++out.checked;
    std::size_t lines = 0, more = 0;
    auto report = [&](const std::string& message) {
      if (lines++ < max_violation_lines)
        diag.error(f.file, a.line, what, message);
      else
        ++more;
    };
    if (a.kind == assertion_kind::no_flow) {
      // Every flowing pair (the closure says which), each with its shortest paths.
      ea->nodes.for_each([&](std::size_t s) {
        node_set hit = g.reach(s);
        hit &= eb->nodes;
        hit.for_each([&](std::size_t t) {
          if (lines >= max_violation_lines) {
            ++more;
            return;
          }
          node_set from = g.empty_set(), to = g.empty_set();
          from.set(s);
          to.set(t);
          const flow_paths fp = g.shortest_paths(from, to);
          if (s == t) {
            report(one_line(g.display(s)) + " is in both " + one_line(ea->what) + " and " + one_line(eb->what));
            return;
          }
          for (const auto& path : fp.paths) report("flow " + path_text(g, path));
          if (fp.total > fp.paths.size()) report("... and " + std::to_string(fp.total - fp.paths.size()) + " more shortest paths from " +
                                                  one_line(g.display(s)) + " to " + one_line(g.display(t)));
        });
      });
    } else {
      if ((ea->has_resource && !ea->type) || (eb->has_resource && !eb->type)) {
        diag.error(f.file, a.line, what, "a resource label runs on no host: never-together takes VM labels or TE types");
        names_ok = false;
        --out.checked;
        continue;
      }
      // A TE type stands for the VM labels holding it here.
      for (auto* e : {&*ea, &*eb})
        for (std::size_t r = g.vm_count(); r < g.size(); ++r) e->nodes.reset(r);
      ea->nodes.for_each([&](std::size_t x) {
        eb->nodes.for_each([&](std::size_t y) {
          if (y < x && ea->nodes.test(y) && eb->nodes.test(x)) return;  // the pair was seen the other way round
          if (g.never_together(x, y)) return;
          report(x == y ? "two domains labelled " + q(g.name(x)) + " may run on one host"
                        : "labels " + q(g.name(x)) + " and " + q(g.name(y)) + " may run on one host (no conflict set separates them)");
        });
      });
    }
    if (more > 0) diag.error(f.file, a.line, what, "... and " + std::to_string(more) + " more violations (the first " + std::to_string(max_violation_lines) + " shown)");
    if (lines > 0) ++out.violated;
  }
  out.ok = names_ok && out.violated == 0;
  return out;
}

}  // namespace shype::tool
