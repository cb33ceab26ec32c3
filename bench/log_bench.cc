// Cost of log_event at the call site. No main(): linked with benchmark_main.
//
//   BM_LogEventFiltered   below the level: one relaxed atomic load, no rendering (~1 ns).
//   BM_LogEventAsync/0    rendered and enqueued to a logger with no sinks (caller's cost).
//   BM_LogEventAsync/1    rendered and enqueued; the logging thread writes a rotating file.
// The async queue drops the oldest line when full instead of blocking the caller; the
// `dropped` counter shows how many the logging thread could not keep up with.

#include <chrono>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include "telemetry/log.h"

namespace phoenix::telemetry {
namespace {

using namespace std::chrono_literals;

void BM_LogEventFiltered(benchmark::State& state) {
  set_log_level(LogLevel::kWarn);
  const std::string symbol = "ETHUSDC";
  int64_t i = 0;
  for (auto _ : state) {
    log_event(LogLevel::kDebug, "quote_sent", "symbol", symbol, "seq", i, "latency_us", 12us);
    benchmark::DoNotOptimize(++i);
  }
  set_log_level(LogLevel::kInfo);
}
BENCHMARK(BM_LogEventFiltered);

void BM_LogEventAsync(benchmark::State& state) {
  const bool to_file = state.range(0) != 0;
  std::string dir = (std::filesystem::temp_directory_path() / "phoenix_log_bench_XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  LogOptions options;
  options.file = to_file ? dir + "/bench.log" : "";
  options.to_stderr = false;
  options.max_file_bytes = 64ull << 20;
  options.max_files = 1;
  options.flush_interval_s = 0;
  if (auto status = init_logging(options); !status) {
    state.SkipWithError(status.error().message.c_str());
    return;
  }
  const uint64_t dropped_before = log_stats().dropped;
  const std::string symbol = "ETHUSDC";
  int64_t i = 0;
  for (auto _ : state) {
    log_event(LogLevel::kInfo, "md_update", "symbol", symbol, "seq", ++i, "bid", 3012.25, "stale_ms", 2700ms,
              "last_update", WallTimeMs{1'764'000'000'000 + i});
  }
  shutdown_logging();
  state.counters["dropped"] = static_cast<double>(log_stats().dropped - dropped_before);
  state.SetItemsProcessed(state.iterations());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_LogEventAsync)->Arg(0)->Arg(1)->UseRealTime();

}  // namespace
}  // namespace phoenix::telemetry
