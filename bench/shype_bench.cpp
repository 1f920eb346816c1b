// SPDX-License-Identifier: Apache-2.0
// The benchmark suite (issue 7): shype side by side with Xen's FLASK security server (libsepol),
// an AVC in front of it, and the original Xen ACM layout, in one run. scripts/bench.sh runs it,
// adds Callgrind instruction counts and compile times, and writes docs/performance.md.
//
//   shype_bench [Google Benchmark options]   the timed figures
//   shype_bench --kernel NAME [--ops N]      runs one kernel N times between Callgrind's
//                                            start/stop instrumentation requests
//   shype_bench --list-kernels               the kernel names
//   shype_bench --facts                      sizes and allocation counts, as JSON

#include <benchmark/benchmark.h>

#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define SHYPE_BENCH_CALLGRIND 1
#endif

extern "C" {
#include <sepol/debug.h>
#include <sepol/policydb/services.h>
}

#include <shype/chinese_wall.hpp>
#include <shype/monitor.hpp>
#include <shype/te_table.hpp>
#include <shype/type_enforcement.hpp>

#include "avc.hpp"
#include <shype/tool/analysis/flow_report.hpp>
#include <shype/tool/compile/compiler.hpp>
#include "fixtures.hpp"
#include "kernels.hpp"
#include "shype_test/alloc_counter.hpp"
#include "xen_acm.hpp"

namespace {

using namespace bench;
using shype_test::allocations;

// --- the critical-path kernels ------------------------------------------------------------------

void run_kernel(benchmark::State& state, const kernel* k) {
  try {
    const operation& op = operation_of(*k);
    if (k->each_run) k->each_run();
    const auto before = allocations();
    std::size_t i = 0;
    for (auto _ : state) op(i++);
    const auto after = allocations();
    state.counters["allocs_per_op"] =
        benchmark::Counter(static_cast<double>(after.calls - before.calls) / static_cast<double>(i == 0 ? 1 : i));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

// --- revocation ---------------------------------------------------------------------------------

// Room for every (kind, subject, object) group of the figure (3 kinds x 256 x 255 at most), so a
// change decides per group (binding_registry.hpp); with fewer, it falls back to per binding.
constexpr shype::monitor_limits revoke_limits{.max_domains = 256, .max_bindings = std::size_t{1} << 20,
                                              .binding_groups = std::size_t{1} << 18};
using revoke_monitor = shype::basic_monitor<revoke_limits, shype::no_locking, shype::type_enforcement<64>>;
// The same with a memo large enough for every (kind, label, label) of the figure (3 x 256 x 256):
// shows what the default revocation_memo (4096) costs when bindings join many label pairs.
constexpr shype::monitor_limits revoke_big_memo_limits{.max_domains = 256, .max_bindings = std::size_t{1} << 20,
                                                       .revocation_memo = std::size_t{1} << 18,
                                                       .binding_groups = std::size_t{1} << 18};
using revoke_big_memo_monitor = shype::basic_monitor<revoke_big_memo_limits, shype::no_locking, shype::type_enforcement<64>>;

template <class Monitor>
struct revoke_fixture {
  std::unique_ptr<Monitor> m = std::make_unique<Monitor>();
  std::vector<std::pair<shype::domid_t, shype::domid_t>> permitted[3];  // by policy variant
  std::size_t next = 0;
  int current = 0;

  revoke_fixture() {
    if (!m->load_initial(revocation_policy(0).bytes())) throw std::runtime_error("monitor refused the policy");
    for (std::size_t d = 0; d < 256; ++d)
      if (!m->domain_create(static_cast<shype::domid_t>(d), static_cast<shype::label_id>(d))) throw std::runtime_error("create");
    for (int v = 0; v < 3; ++v) {
      const auto& dec = revocation_policy(v).decoded;
      for (std::size_t a = 0; a < 256; ++a)
        for (std::size_t b = 0; b < 256; ++b)
          if (a != b && dec.may_share(dec.vm_labels[a], dec.vm_labels[b]))
            permitted[v].push_back({static_cast<shype::domid_t>(a), static_cast<shype::domid_t>(b)});
    }
  }
  /// Brings the registry back to a million bindings the current policy permits: event
  /// channels, read-only and read-write grant mappings in turn.
  void top_up(std::size_t target) {
    if (m->binding_count() > target) {  // a smaller figure after a larger one: start afresh
      for (std::size_t d = 0; d < 256; ++d) {
        (void)m->domain_destroy(static_cast<shype::domid_t>(d));
        (void)m->domain_create(static_cast<shype::domid_t>(d), static_cast<shype::label_id>(d));
      }
    }
    auto& ok = permitted[current];
    while (m->binding_count() < target) {
      const auto [s, o] = ok[next++ % ok.size()];
      const std::size_t kind = next % 3;
      const auto r = kind == 0 ? m->evtchn_bind(s, o, next)
                               : m->grant_map(s, o, kind == 1 ? shype::access_mode::read : shype::access_mode::read_write, next);
      if (!r || !r.value().permitted()) throw std::runtime_error("binding refused");
    }
  }
};

/// variant: 1 = alternate between policies 0 and 1 (part of the bindings revoked each time);
/// 2 = alternate between policies 0 and 2 (same decisions: all re-evaluated, none revoked).
template <class Monitor>
void BM_revocation_shype(benchmark::State& state) {
  static revoke_fixture<Monitor> f;
  const int other = static_cast<int>(state.range(0));
  const auto target = static_cast<std::size_t>(state.range(1));
  std::size_t revoked = 0, changes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    f.top_up(target);
    const int next = f.current == 0 ? other : 0;
    state.ResumeTiming();
    auto r = f.m->change_policy(shype::hypervisor_subject, revocation_policy(next).bytes());
    state.PauseTiming();
    if (!r || r.value().value != shype::decision::permit) throw std::runtime_error("policy change refused");
    revoked += r.value().revoked;
    ++changes;
    f.current = next;
    state.ResumeTiming();
  }
  state.counters["bindings"] = static_cast<double>(target);
  state.counters["revoked_per_change"] = static_cast<double>(revoked) / static_cast<double>(changes);
}

/// Peer: Xen ACM re-evaluates every channel and grant after a policy change, one STE decision
/// (a scan of 16-bit flags) each, with nothing memoised.
void BM_revocation_acm(benchmark::State& state) {
  const int other = static_cast<int>(state.range(0));
  const auto target = static_cast<std::size_t>(state.range(1));
  const xen_acm acm[2] = {xen_acm(revocation_policy(0).decoded), xen_acm(revocation_policy(other).decoded)};
  struct acm_binding {
    std::uint8_t kind;
    std::uint16_t s, o;
  };
  std::vector<acm_binding> live;
  std::size_t next = 0, revoked = 0, changes = 0;
  int current = 0;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> ok[2];
  for (int v = 0; v < 2; ++v)
    for (std::size_t a = 0; a < 256; ++a)
      for (std::size_t b = 0; b < 256; ++b)
        if (a != b && acm[v].ste_permits(a, b)) ok[v].push_back({static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(b)});
  for (auto _ : state) {
    state.PauseTiming();
    while (live.size() < target) {
      const auto [s, o] = ok[current][next++ % ok[current].size()];
      live.push_back({static_cast<std::uint8_t>(next % 3), s, o});
    }
    const int to = 1 - current;
    state.ResumeTiming();
    std::size_t kept = 0;
    for (const auto& b : live)
      if (acm[to].ste_permits(b.s, b.o)) live[kept++] = b;
    state.PauseTiming();
    revoked += live.size() - kept;
    live.resize(kept);
    ++changes;
    current = to;
    state.ResumeTiming();
  }
  state.counters["bindings"] = static_cast<double>(target);
  state.counters["revoked_per_change"] = static_cast<double>(revoked) / static_cast<double>(changes);
}

// --- policy load and compile ------------------------------------------------------------------

void BM_load_shype(benchmark::State& state) {
  const auto& p = large_policy();
  const auto bytes = p.bytes();
  const auto before = allocations();
  for (auto _ : state) {
    auto v = shype::policy_view::load(bytes);
    if (!v) throw std::runtime_error("policy refused");
    benchmark::DoNotOptimize(v);
  }
  const auto after = allocations();
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
  state.counters["policy_bytes"] = static_cast<double>(bytes.size());
  state.counters["allocs_per_op"] = static_cast<double>(after.calls - before.calls) / static_cast<double>(state.iterations());
}

/// What a monitor with a TE decision table (type_enforcement<1024, 1024>) does on a load:
/// validate the policy, then build the label x label table of its 1000 VM labels and 1024 types
/// (te_table.hpp). The table is built outside policy_view::load (by the policy stack, in
/// load_initial and in a change's plan), so load/shype alone does not count it: this does.
void BM_load_shype_te_table(benchmark::State& state) {
  const auto& p = large_policy();
  const auto bytes = p.bytes();
  auto table = std::make_unique<shype::te_table<1024, 1024>>();
  const auto before = allocations();
  for (auto _ : state) {
    auto v = shype::policy_view::load(bytes);
    if (!v || !table->build(v.value())) throw std::runtime_error("policy refused");
    benchmark::DoNotOptimize(table->labels());
  }
  const auto after = allocations();
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
  state.counters["policy_bytes"] = static_cast<double>(bytes.size());
  state.counters["allocs_per_op"] = static_cast<double>(after.calls - before.calls) / static_cast<double>(state.iterations());
}

/// Only the table build of load/shype_te_table, on the policy already loaded.
void BM_te_table_build(benchmark::State& state) {
  const auto& p = large_policy();
  const auto v = shype::policy_view::load(p.bytes());
  if (!v) throw std::runtime_error("policy refused");
  auto table = std::make_unique<shype::te_table<1024, 1024>>();
  for (auto _ : state) {
    if (!table->build(v.value())) throw std::runtime_error("table refused");
    benchmark::DoNotOptimize(table->labels());
  }
}

/// Peer: FLASK's policy load (sepol_load_policy = Xen's security_load_policy: read the binary
/// into a policydb, build its hash tables and SID table) of the same policy.
void BM_load_sepol(benchmark::State& state) {
  const auto& p = large_policy();
  if (p.selinux_binary.empty()) {
    state.SkipWithError("checkpolicy missing");
    return;
  }
  std::string copy = p.selinux_binary;
  const auto before = allocations();
  for (auto _ : state)
    if (sepol_load_policy(copy.data(), copy.size()) != 0) throw std::runtime_error("libsepol refused the policy");
  const auto after = allocations();
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(copy.size()));
  state.counters["policy_bytes"] = static_cast<double>(copy.size());
  state.counters["allocs_per_op"] = static_cast<double>(after.calls - before.calls) / static_cast<double>(state.iterations());
  sepol_activate(te_policy(1024));  // leave a known policy loaded for whatever runs next
}

void BM_compile_xml_shype(benchmark::State& state) {
  const auto& p = large_policy();
  for (auto _ : state) {
    auto r = shype::tool::compile_xml(reinterpret_cast<const std::uint8_t*>(p.xml.data()), p.xml.size(), "large.xml");
    if (!r.ok()) throw std::runtime_error("compile failed");
    benchmark::DoNotOptimize(r);
  }
  state.counters["labels"] = static_cast<double>(p.decoded.vm_labels.size() + p.decoded.resource_labels.size());
  state.counters["xml_bytes"] = static_cast<double>(p.xml.size());
}

/// `shype analyze` on the large policy (issue 14: 1,000 labels x 1,000 types in under a second):
/// the flow graph, its closure, the relays and the summary text, from the decoded policy.
/// Arg 0: the large policy (1-3 TE types a label: a sparse graph); arg 1: the same sizes with
/// 20-40 TE types a label (a dense graph: most pairs of labels share a type).
void BM_analyze_shype(benchmark::State& state) {
  const auto& p = state.range(0) == 0 ? large_policy()
                                      : policy({.name = "dense", .te_types = 1000, .cw_types = 1000, .conflict_sets = 64, .vm_labels = 1000,
                                                .resource_labels = 1000, .te_min = 20, .te_max = 40, .seed = 7});
  std::size_t edges = 0;
  for (auto _ : state) {
    auto g = shype::tool::flow_graph::build(p.decoded, {});
    if (!g) throw std::runtime_error("analyze failed: " + g.message());
    std::string text = shype::tool::flow_summary_text(p.decoded, *g);
    edges = g->edge_count();
    benchmark::DoNotOptimize(text);
  }
  state.counters["labels"] = static_cast<double>(p.decoded.vm_labels.size() + p.decoded.resource_labels.size());
  state.counters["te_types"] = static_cast<double>(p.decoded.te_types.size());
  state.counters["edges"] = static_cast<double>(edges);
}

/// Peer: checkpolicy -t xen on the exported policy.conf (a process: wall time).
void BM_compile_checkpolicy(benchmark::State& state) {
  const auto& p = large_policy();
  if (!have_checkpolicy()) {
    state.SkipWithError("checkpolicy missing");
    return;
  }
  const std::string dir = std::filesystem::temp_directory_path() / ("shype-bench-cp-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string conf = dir + "/large.conf", bin = dir + "/large.bin";
  std::ofstream(conf, std::ios::binary) << p.selinux_conf;
  for (auto _ : state)
    if (run_quiet({"checkpolicy", "-t", "xen", "-c", "30", "-o", bin, conf}) != 0) throw std::runtime_error("checkpolicy failed");
  std::filesystem::remove_all(dir);
}

// --- hooks on two threads while the policy changes continuously -------------------------------

/// How long the hook threads run in one repetition of the swap figures.
constexpr auto swap_window = std::chrono::milliseconds(500);

/// Between two policy loads: nothing (continuously), or a pause for a given rate.
void pace(std::int64_t per_second) {
  if (per_second > 0) std::this_thread::sleep_for(std::chrono::microseconds(1'000'000 / per_second));
}

constexpr shype::monitor_limits smp_limits{.max_domains = 256};
/// Three threads (two hooking, one swapping) on two CPUs: a lock holder can be preempted, so
/// waiters yield after a few spins, as a hosted embedder would configure (locking.hpp). With
/// the hypervisor's pause-only waiting, hooks spin through whole time slices while the swapper
/// waits for a CPU, and throughput collapses to near zero in some runs.
using smp_monitor = shype::basic_monitor<smp_limits, shype::basic_smp_locking<shype::yield_after_spins<&sched_yield>>,
                                         shype::type_enforcement<64>>;
constexpr std::size_t hot_pairs = 64;

struct swap_shype {
  std::unique_ptr<smp_monitor> m = std::make_unique<smp_monitor>();
  std::vector<std::pair<shype::domid_t, shype::domid_t>> pairs;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> swaps{0}, hooks{0};
  std::thread swapper;

  swap_shype() {
    if (!m->load_initial(revocation_policy(0).bytes())) throw std::runtime_error("monitor refused the policy");
    for (std::size_t d = 0; d < 256; ++d) (void)m->domain_create(static_cast<shype::domid_t>(d), static_cast<shype::label_id>(d));
    const auto& dec = revocation_policy(0).decoded;
    for (std::size_t a = 0; a < 256 && pairs.size() < hot_pairs; ++a)
      for (std::size_t b = a + 1; b < 256 && pairs.size() < hot_pairs; b += 7)
        if (dec.may_share(dec.vm_labels[a], dec.vm_labels[b]))
          pairs.push_back({static_cast<shype::domid_t>(a), static_cast<shype::domid_t>(b)});
  }
  void start(std::int64_t per_second) {
    stop = false;
    swapper = std::thread([this, per_second] {
      for (int v = 2; !stop.load(std::memory_order_relaxed); v = v == 2 ? 0 : 2) {
        auto r = m->change_policy(shype::hypervisor_subject, revocation_policy(v).bytes());
        if (!r || r.value().value != shype::decision::permit) std::abort();
        swaps.fetch_add(1, std::memory_order_relaxed);
        pace(per_second);
      }
    });
  }
  void finish() {
    stop = true;
    swapper.join();
  }
};

void BM_swap_throughput_shype(benchmark::State& state) {
  static swap_shype f;
  if (state.thread_index() == 0) {
    f.swaps = 0;
    f.start(state.range(0));
  }
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 31, denied = 0, hooks = 0;
  for (auto _ : state) {  // one iteration: hooks for a fixed time while the swapper runs
    const auto until = std::chrono::steady_clock::now() + swap_window;
    while (std::chrono::steady_clock::now() < until) {
      for (int burst = 0; burst < 64; ++burst, ++hooks) {
        const auto [s, o] = f.pairs[i++ % f.pairs.size()];
        auto r = f.m->grant_copy(s, o);
        if (!r || !r.value().permitted()) ++denied;
      }
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(hooks));
  if (denied != 0) state.SkipWithError("a hook was denied");
  if (state.thread_index() == 0) {
    f.finish();
    state.counters["swaps_per_s"] = benchmark::Counter(static_cast<double>(f.swaps.load()), benchmark::Counter::kIsRate);
  }
}

/// Peer: two threads asking an AVC in front of libsepol (lock-free lookups with grace periods,
/// misses under the security server's read lock) while a third loads the policy again and
/// again (write lock, flush), as Xen's FLASK does on a policy load.
struct swap_avc {
  avc cache;
  std::shared_mutex policy_lock;  // Xen: the security server's policy rwlock
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  sepol_ids ids;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> swaps{0};
  std::thread swapper;

  swap_avc() {
    const auto& p = revocation_policy(0);
    ids = sepol_activate(p);
    const auto& dec = p.decoded;
    for (std::size_t a = 0; a < 256 && pairs.size() < hot_pairs; ++a)
      for (std::size_t b = a + 1; b < 256 && pairs.size() < hot_pairs; b += 7)
        if (dec.may_share(dec.vm_labels[a], dec.vm_labels[b])) pairs.push_back({ids.vm[a], ids.vm[b]});
  }
  void start(std::int64_t per_second) {
    stop = false;
    sepol_activate(revocation_policy(0));
    swapper = std::thread([this, per_second] {
      while (!stop.load(std::memory_order_relaxed)) {
        {
          std::unique_lock<std::shared_mutex> g(policy_lock);
          sepol_reload(revocation_policy(0));
        }
        cache.flush();
        swaps.fetch_add(1, std::memory_order_relaxed);
        pace(per_second);
      }
    });
  }
  void finish() {
    stop = true;
    swapper.join();
  }
};

void BM_swap_throughput_avc(benchmark::State& state) {
  if (!have_checkpolicy()) {
    state.SkipWithError("checkpolicy missing");
    return;
  }
  static swap_avc f;
  if (state.thread_index() == 0) {
    f.swaps = 0;
    f.start(state.range(0));
  }
  const auto me = static_cast<std::size_t>(state.thread_index());
  f.cache.reader_online(me);
  auto compute = [](std::uint32_t s, std::uint32_t t, std::uint16_t c) {
    std::shared_lock<std::shared_mutex> g(f.policy_lock);
    return sepol_allowed(s, t, c);
  };
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 31, denied = 0, hooks = 0;
  for (auto _ : state) {
    const auto until = std::chrono::steady_clock::now() + swap_window;
    while (std::chrono::steady_clock::now() < until) {
      for (int burst = 0; burst < 64; ++burst, ++hooks) {
        const auto [s, t] = f.pairs[i++ % f.pairs.size()];
        if (!f.cache.has_perm(s, t, f.ids.grant, f.ids.grant_copy, compute)) ++denied;
        f.cache.quiescent(me);
      }
    }
  }
  f.cache.reader_offline(me);
  state.SetItemsProcessed(static_cast<std::int64_t>(hooks));
  if (denied != 0) state.SkipWithError("a check was denied");
  if (state.thread_index() == 0) {
    f.finish();
    state.counters["swaps_per_s"] = benchmark::Counter(static_cast<double>(f.swaps.load()), benchmark::Counter::kIsRate);
  }
}

// --- registration -------------------------------------------------------------------------------

void register_all() {
  for (const kernel& k : kernels())
    benchmark::RegisterBenchmark(("kernel/" + k.name).c_str(), run_kernel, &k);
  for (const std::int64_t n : {125'000, 250'000, 500'000, 1'000'000}) {
    benchmark::RegisterBenchmark("revocation/shype/part", BM_revocation_shype<revoke_monitor>)->Args({1, n})->Unit(benchmark::kMillisecond)->Iterations(8);
    benchmark::RegisterBenchmark("revocation/acm/part", BM_revocation_acm)->Args({1, n})->Unit(benchmark::kMillisecond)->Iterations(8);
  }
  benchmark::RegisterBenchmark("revocation/shype/none", BM_revocation_shype<revoke_monitor>)->Args({2, 1'000'000})->Unit(benchmark::kMillisecond)->Iterations(8);
  benchmark::RegisterBenchmark("revocation/shype_big_memo/part", BM_revocation_shype<revoke_big_memo_monitor>)->Args({1, 1'000'000})->Unit(benchmark::kMillisecond)->Iterations(8);
  benchmark::RegisterBenchmark("revocation/shype_big_memo/none", BM_revocation_shype<revoke_big_memo_monitor>)->Args({2, 1'000'000})->Unit(benchmark::kMillisecond)->Iterations(8);
  benchmark::RegisterBenchmark("load/shype", BM_load_shype)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("load/sepol", BM_load_sepol)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("load/shype_te_table", BM_load_shype_te_table)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("te_table/build", BM_te_table_build)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("compile/shype", BM_compile_xml_shype)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("compile/checkpolicy", BM_compile_checkpolicy)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("analyze/shype", BM_analyze_shype)->Arg(0)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("analyze/shype", BM_analyze_shype)->Arg(1)->Unit(benchmark::kMillisecond);
  // Policy loads back to back (0), or 50 a second.
  for (const std::int64_t rate : {0, 50}) {
    // One iteration of a fixed duration: back-to-back loads can starve shype's hooks (see
    // docs/performance.md), which misleads Google Benchmark's estimate of the iteration count.
    benchmark::RegisterBenchmark("swap/shype", BM_swap_throughput_shype)->Arg(rate)->Threads(2)->UseRealTime()->Iterations(1);
    benchmark::RegisterBenchmark("swap/avc", BM_swap_throughput_avc)->Arg(rate)->Threads(2)->UseRealTime()->Iterations(1);
  }
}

// --- Callgrind mode -------------------------------------------------------------------------------

int kernel_mode(const std::string& name, std::size_t ops) {
  for (const kernel& k : kernels()) {
    if (k.name != name) continue;
    const operation& op = operation_of(k);
    if (k.each_run) k.each_run();
    for (std::size_t i = 0; i < 1000; ++i) op(i);  // warm: caches filled as in the timed runs
#ifdef SHYPE_BENCH_CALLGRIND
    CALLGRIND_ZERO_STATS;
    CALLGRIND_START_INSTRUMENTATION;
#endif
    for (std::size_t i = 0; i < ops; ++i) op(i);
#ifdef SHYPE_BENCH_CALLGRIND
    CALLGRIND_STOP_INSTRUMENTATION;
#endif
    return 0;
  }
  std::cerr << "shype_bench: no kernel " << name << "\n";
  return 2;
}

// --- facts: sizes and allocations ---------------------------------------------------------------

template <class M>
void size_line(const char* name, const char* config, bool& first) {
  std::cout << (first ? "" : ",\n") << "    {\"name\": \"" << name << "\", \"config\": \"" << config << "\", \"bytes\": " << sizeof(M)
            << "}";
  first = false;
}

int facts_mode() {
  using namespace shype;
  sepol_debug(0);  // libsepol reports a load on standard output, which is this mode's JSON
  std::cout << "{\n  \"monitor_sizes\": [\n";
  bool first = true;
  size_line<monitor<chinese_wall<64>, type_enforcement<256>>>(
      "monitor<chinese_wall<64>, type_enforcement<256>>", "defaults: 256 domains, 256x4 cache, 4096 bindings, smp_locking", first);
  size_line<basic_monitor<monitor_limits{}, no_locking, chinese_wall<64>, type_enforcement<256>>>(
      "same, no_locking", "defaults, no_locking", first);
  size_line<basic_monitor<monitor_limits{.max_domains = 1024}, no_locking, chinese_wall<1024>, type_enforcement<1024>>>(
      "chinese_wall<1024> + type_enforcement<1024>", "1024 domains, 256x4 cache, 4096 bindings", first);
  size_line<basic_monitor<monitor_limits{.max_domains = 1024, .max_bindings = 65536}, smp_locking, chinese_wall<4096>,
                          type_enforcement<4096>>>("shype simulate's host", "1024 domains, 65536 bindings, 4096 types each", first);
  size_line<revoke_monitor>("revocation figure's monitor", "256 domains, 2^20 bindings, type_enforcement<64>", first);
  std::cout << "\n  ],\n";

  const auto& p = large_policy();
  const xen_acm acm(p.decoded);
  std::cout << "  \"large_policy\": {\"shype_binary_bytes\": " << p.binary.size() << ", \"xml_bytes\": " << p.xml.size()
            << ", \"selinux_conf_bytes\": " << p.selinux_conf.size() << ", \"selinux_binary_bytes\": " << p.selinux_binary.size()
            << ", \"acm_label_array_bytes\": " << acm.bytes();
  if (!p.selinux_binary.empty()) {
    std::string copy = p.selinux_binary;
    const auto before = allocations();
    if (sepol_load_policy(copy.data(), copy.size()) != 0) return 1;
    const auto after = allocations();
    std::cout << ", \"sepol_load_allocations\": " << after.calls - before.calls
              << ", \"sepol_load_heap_bytes\": " << after.bytes - before.bytes;
  }
  {
    const auto before = allocations();
    auto v = policy_view::load(p.bytes());
    const auto after = allocations();
    std::cout << ", \"shype_load_allocations\": " << after.calls - before.calls << ", \"shype_load_ok\": " << (v ? "true" : "false");
  }
  std::cout << "},\n  \"avc\": {\"slots\": " << avc::slots << ", \"node_bytes\": " << sizeof(avc::node)
            << ", \"threshold\": " << avc::threshold << ", \"bytes_full\": " << sizeof(avc) + avc::threshold * sizeof(avc::node)
            << "},\n  \"acm_ste_cache_bytes_per_domain\": " << sizeof(acm_ste_cache)
            << ",\n  \"have_checkpolicy\": " << (have_checkpolicy() ? "true" : "false") << "\n}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    for (int i = 1; i < argc; ++i) {
      if (std::strcmp(argv[i], "--list-kernels") == 0) {
        for (const kernel& k : kernels()) std::cout << k.name << "\t" << k.label << "\n";
        return 0;
      }
      if (std::strcmp(argv[i], "--facts") == 0) return facts_mode();
      if (std::strcmp(argv[i], "--kernel") == 0 && i + 1 < argc) {
        std::size_t ops = 100000;
        if (i + 3 < argc && std::strcmp(argv[i + 2], "--ops") == 0) ops = std::stoul(argv[i + 3]);
        return kernel_mode(argv[i + 1], ops);
      }
    }
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "shype_bench: " << e.what() << "\n";
    return 1;
  }
}
