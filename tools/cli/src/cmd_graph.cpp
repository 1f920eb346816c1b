// SPDX-License-Identifier: Apache-2.0
// shype graph [--flows] POLICY [-o FILE.dot] [--svg FILE.svg]

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <ostream>
#include <string_view>

#include <shype/tool/analysis/flow_report.hpp>
#include <shype/tool/analysis/policy_graph.hpp>
#include <shype/tool/cli/cli.hpp>
#include <shype/tool/cli/flow_args.hpp>
#include <shype/tool/cli/verb_start.hpp>
#include <shype/tool/io/atomic_file.hpp>
#include <shype/tool/io/input_file.hpp>

extern char** environ;

namespace shype::tool {
namespace {

const command_spec spec{"graph", 1, 1, {"--flows"}, {"-o", "--svg", "--trust", "--mls"},
                        "usage: shype graph [--flows [--trust LABEL]... [--mls MODEL]] POLICY [-o FILE.dot] [--svg FILE.svg]\n\n"
                        "Draws the policy (XML or binary) as a Graphviz graph: TE types (coalitions) and Chinese\n"
                        "Wall types as clustered nodes, VM labels (boxes) and resource labels (cylinders) joined to\n"
                        "their types, green edges between VM labels that may share, red dashed edges between the\n"
                        "types of a conflict set and between VM labels that may never run on one host.\n"
                        "With --flows: the flow graph of 'shype analyze' instead, as a directed graph (an arrow\n"
                        "each way the information may pass), relays filled orange.\n\n"
                        "options:\n  --flows         draw the flow graph (who may pass information to whom); --trust and\n"
                        "                  --mls as for 'shype analyze' (trusted labels are grey)\n"
                        "  -o FILE.dot     write the DOT text there (default: standard output, unless --svg)\n"
                        "  --svg FILE.svg  also render SVG with Graphviz 'dot' (package graphviz); exit code 4 if\n"
                        "                  'dot' is not installed or fails\n"};

/// The largest SVG read back from dot (a policy at the compile limits draws far less).
constexpr std::size_t max_rendered_bytes = std::size_t{256} << 20;

/// `dot` on PATH, or "" if there is none.
std::string find_dot() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::string p = path;
  std::size_t start = 0;
  while (start <= p.size()) {
    const std::size_t end = p.find(':', start);
    const std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/dot";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

/// Runs `dot -Tsvg -o svg dot_file`; returns its exit status (or -1 if it could not start).
int run_dot(const std::string& dot, const std::string& dot_file, const std::string& svg) {
  std::vector<std::string> words = {dot, "-Tsvg", "-o", svg, dot_file};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, dot.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int cmd_graph(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const verb_start v = start_verb(spec, args, {.policies = 1}, out, err);
  if (v.done) return *v.done;
  std::vector<std::string> left_out;
  const decoded_policy p = v.decoded(0);
  if (v.args.flags.count("--flows") == 0 && (v.args.values.count("--trust") != 0 || v.args.values.count("--mls") != 0))
    return usage_error(spec, "--trust and --mls go with --flows", err);
  std::string dot_text;
  if (v.args.flags.count("--flows") != 0) {
    int rc = exit_ok;
    const auto g = flow_graph_from_args(spec, v.args, v.args.positional[0], p, err, rc);
    if (!g) return rc;
    dot_text = flow_dot(p, *g, &left_out);
  } else {
    dot_text = policy_dot(p, &left_out);
  }
  for (const auto& note : left_out) err << v.args.positional[0] << ": warning: " << note << "\n";
  const bool svg_only = v.args.values.count("--svg") != 0 && v.args.values.count("-o") == 0;
  if (!svg_only)
    if (const int rc = write_output(v, dot_text, out, err); rc != exit_ok) return rc;
  if (v.args.values.count("--svg") == 0) return exit_ok;

  const std::string& svg = v.args.values.at("--svg");
  const std::string dot = find_dot();
  if (dot.empty()) {
    err << "shype graph: cannot write " << svg << ": the Graphviz 'dot' program is not on PATH (install the graphviz package)\n";
    return exit_no_dot;
  }
  // dot reads the graph from a temporary file and writes the SVG to another, both beside the
  // target; the SVG then replaces the target atomically, so a failed run leaves the old one.
  const result<std::string> graph_tmp = temp_file_beside(svg);
  const result<std::string> svg_tmp = graph_tmp ? temp_file_beside(svg) : graph_tmp;
  auto clean = [&] {
    for (const auto* f : {&graph_tmp, &svg_tmp})
      if (*f) ::unlink((*f)->c_str());
  };
  auto file_error = [&](const std::string& reason) {
    clean();
    err << svg << ": " << reason << "\n";
    return exit_invalid;
  };
  if (!svg_tmp) return file_error(svg_tmp.message());
  if (const status s = write_file_atomic(*graph_tmp, dot_text); !s) return file_error(s.message());
  const int rc = run_dot(dot, *graph_tmp, *svg_tmp);
  if (rc != 0) {
    clean();
    err << "shype graph: " << dot << " failed to write " << svg << " (exit status " << rc << ")\n";
    return exit_no_dot;
  }
  auto rendered = read_input_file(*svg_tmp, max_rendered_bytes);
  if (!rendered) return file_error("reading what dot wrote: " + rendered.message());
  if (const status s = write_file_atomic(svg, std::string_view(reinterpret_cast<const char*>(rendered->data()), rendered->size())); !s)
    return file_error(s.message());
  clean();
  return exit_ok;
}

}  // namespace shype::tool
