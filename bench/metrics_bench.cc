// Micro benchmarks of the metrics hot path (updates from the event loop) and of a scrape.

#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "telemetry/exposition.h"
#include "telemetry/metrics.h"

namespace phoenix::telemetry {
namespace {

void BM_CounterInc(benchmark::State& state) {
  Registry reg;
  Counter& c = reg.counter("phoenix_bench_events_total", "Events.", {{"conn", "market"}});
  for (auto _ : state) c.inc();
  benchmark::DoNotOptimize(c.value());
}
BENCHMARK(BM_CounterInc);

void BM_GaugeSet(benchmark::State& state) {
  Registry reg;
  Gauge& g = reg.gauge("phoenix_bench_level", "Level.");
  double v = 0;
  for (auto _ : state) {
    g.set(v);
    v += 1;
  }
  benchmark::DoNotOptimize(g.value());
}
BENCHMARK(BM_GaugeSet);

void BM_GaugeAdd(benchmark::State& state) {
  Registry reg;
  Gauge& g = reg.gauge("phoenix_bench_level", "Level.");
  for (auto _ : state) g.add(1.0);
  benchmark::DoNotOptimize(g.value());
}
BENCHMARK(BM_GaugeAdd);

// Arg: number of bucket bounds (8 takes the linear scan, 16 and 32 the binary search).
void BM_HistogramObserve(benchmark::State& state) {
  Registry reg;
  const auto bounds = static_cast<size_t>(state.range(0));
  Histogram& h =
      reg.histogram("phoenix_bench_latency_seconds", "Latency.", exponential_buckets(1e-6, 2, bounds));
  // Values spread over the buckets, cycled without a data-dependent allocation.
  double values[64];
  for (int i = 0; i < 64; ++i) values[i] = 1e-6 * static_cast<double>(1u << (i % 24));
  size_t i = 0;
  for (auto _ : state) {
    h.observe(values[i]);
    i = (i + 1) & 63;
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramObserve)->Arg(8)->Arg(16)->Arg(32);

// A scrape of a registry with about 200 series: 100 counters, 80 gauges and 2 histograms
// of 12 buckets (each histogram series prints 15 lines).
void BM_Expose(benchmark::State& state) {
  Registry reg;
  for (int i = 0; i < 100; ++i) {
    reg.counter("phoenix_bench_messages_total", "Messages.",
                {{"conn", fmt::format("c{}", i % 10)}, {"kind", fmt::format("k{}", i / 10)}})
        .inc(static_cast<uint64_t>(i) * 1000);
  }
  for (int i = 0; i < 80; ++i) {
    reg.gauge("phoenix_bench_price", "Price.", {{"symbol", fmt::format("SYM{}", i)}})
        .set(30000.1 + static_cast<double>(i) * 0.37);
  }
  for (const char* conn : {"market", "api"}) {
    auto& h = reg.histogram("phoenix_bench_latency_seconds", "Latency.", exponential_buckets(1e-4, 2, 12),
                            {{"conn", conn}});
    for (int i = 0; i < 1000; ++i) h.observe(1e-5 * i);
  }
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = expose(reg);
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Expose);

}  // namespace
}  // namespace phoenix::telemetry
