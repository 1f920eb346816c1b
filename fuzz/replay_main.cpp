// SPDX-License-Identifier: Apache-2.0
// Runs a fuzz target's LLVMFuzzerTestOneInput over files, and over every file of directories
// (one level, sorted, dot-files and README* skipped): the corpus and the crash regressions as an
// ordinary test, with any compiler (g++ has no -fsanitize=fuzzer). No input at all is a failure,
// so an emptied corpus cannot pass. As under the engines, one input may take at most
// SHYPE_FUZZ_INPUT_SECONDS (60 s; libFuzzer's smoke runs use -timeout=25) and memory is limited
// (memory_limit.cpp): past either bound the replay aborts, naming the input.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <signal.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
const char* current = "";  // the input being replayed, for the alarm handler
unsigned input_seconds = 60;
void on_alarm(int) {
  // Only async-signal-safe calls here.
  const char* parts[] = {"replay: ", current, ": still running after the per-input time limit (SHYPE_FUZZ_INPUT_SECONDS)\n"};
  for (const char* p : parts) {
    std::size_t n = 0;
    while (p[n] != '\0') ++n;
    (void)!::write(2, p, n);
  }
  ::signal(SIGABRT, SIG_DFL);
  ::abort();
}
}  // namespace

int main(int argc, char** argv) {
  if (const char* s = std::getenv("SHYPE_FUZZ_INPUT_SECONDS"); s != nullptr && *s != '\0')
    input_seconds = static_cast<unsigned>(std::strtoul(s, nullptr, 10));
  ::signal(SIGALRM, on_alarm);
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path p(argv[i]);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::directory_iterator(p)) {
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && name[0] != '.' && name.rfind("README", 0) != 0) inputs.push_back(e.path());
      }
    } else if (fs::is_regular_file(p, ec)) {
      inputs.push_back(p);
    } else if (!fs::exists(p, ec)) {
      continue;  // a regression directory without files yet
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs\n");
    return 1;
  }
  for (const auto& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", p.string().c_str());
      return 1;
    }
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", p.string().c_str(), bytes.size());
    // A copy the exact size of the input, so that ASan sees any read past its end.
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    const std::string name = p.string();
    current = name.c_str();
    ::alarm(input_seconds);  // 0: no limit
    LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
    ::alarm(0);
  }
  std::printf("replayed %zu inputs\n", inputs.size());
  return 0;
}
