// Decimal parse/format/round: the cost of turning Binance's price strings into ticks.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/decimal.h"

namespace {

using phoenix::core::format_units;
using phoenix::core::parse_units;
using phoenix::core::round_to_step;
using phoenix::core::Rounding;

const std::vector<std::string>& samples() {
  static const std::vector<std::string> kSamples = {"30000.10000000", "0.00010000",   "2412.57000000",
                                                    "0.16234000",     "148.23000000", "612.40000000"};
  return kSamples;
}

void BM_ParseUnits(benchmark::State& state) {
  const auto& in = samples();
  size_t i = 0;
  for (auto _ : state) {
    auto r = parse_units(in[i++ % in.size()], 8);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseUnits);

void BM_FormatUnits(benchmark::State& state) {
  int64_t u = 3000010000000;
  for (auto _ : state) {
    std::string s = format_units(u++, 8);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FormatUnits);

void BM_RoundToStep(benchmark::State& state) {
  int64_t u = 3000017;
  for (auto _ : state) {
    auto r = round_to_step(u++, 5, Rounding::kNearest);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RoundToStep);

}  // namespace
