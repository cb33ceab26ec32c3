// Quoter: one ladder computation (7 levels a side), the per-tick cost of strategy.
// Run: ./build/release/bench/phoenix_bench --benchmark_filter=Quoter

#include <cstdint>

#include <benchmark/benchmark.h>

#include "strategy/quoter.h"

namespace {

using phoenix::core::Decimal;
using phoenix::core::Level;
using phoenix::core::Price;
using phoenix::core::Qty;
namespace strategy = phoenix::strategy;

// ETHUSDC-like: tick 0.01, step 0.0001, every filter on, skew and balance cap on.
strategy::SymbolFilters bench_filters() {
  strategy::SymbolFilters f;
  f.price_scale = 2;
  f.qty_scale = 4;
  f.quote_scale = 8;
  f.tick_size = Price(1);
  f.step_size = Qty(1);
  f.min_price = Price(1);
  f.max_price = Price(100'000'000);
  f.min_qty = Qty(1);
  f.max_qty = Qty(90'000'000);
  f.min_notional_quote_units = 500'000'000;  // 5 quote
  f.max_notional_quote_units = 900'000'000'000'000;
  f.percent_price =
      strategy::PercentPriceBySide{Decimal(5, 0), Decimal(2, 1), Decimal(5, 0), Decimal(2, 1), Price(300000)};
  return f;
}

strategy::QuoteParams bench_params(strategy::FairPriceMode mode, strategy::SizeUnit unit) {
  strategy::QuoteParams p;
  p.fair_price = mode;
  p.levels = 7;
  p.half_spread_cbps = 1'000;
  p.level_step_cbps = 500;
  p.min_spread_cbps = 1'500;
  p.size_unit = unit;
  p.size_base = Qty(100);              // 0.01 base
  p.size_quote_units = 2'500'000'000;  // 25 quote
  p.size_growth_ppm = 1'200'000;
  p.skew.enabled = true;
  p.skew.max_price_skew_cbps = 2'000;
  p.price_ceiling = Price(400000);
  p.price_floor = Price(200000);
  return p;
}

void run(benchmark::State& state, strategy::FairPriceMode mode, strategy::SizeUnit unit) {
  const strategy::SymbolFilters f = bench_filters();
  const strategy::QuoteParams p = bench_params(mode, unit);
  const strategy::Balances bal{Qty(20'000), 100'000'000'000};  // 2 base, 1000 quote
  strategy::Ladder ladder;
  ladder.reserve(p.levels);
  int64_t i = 0;
  for (auto _ : state) {
    // The book moves a little every iteration, as a new bookTicker would.
    const int64_t bid = 300000 + (i & 63);
    const strategy::TopOfBook book{Level{Price(bid), Qty(12'345 + (i & 7))},
                                   Level{Price(bid + 3), Qty(23'456)}};
    strategy::compute_ladder(f, p, book, bal, ladder);
    benchmark::DoNotOptimize(ladder.bids.data());
    benchmark::DoNotOptimize(ladder.asks.data());
    benchmark::ClobberMemory();
    ++i;
  }
  if (ladder.bids.size() != 7 || ladder.asks.size() != 7) state.SkipWithError("ladder is not 7 x 7");
  state.SetItemsProcessed(state.iterations());
}

void BM_QuoterMidBaseSize(benchmark::State& state) {
  run(state, strategy::FairPriceMode::kMid, strategy::SizeUnit::kBase);
}
void BM_QuoterMicroQuoteSize(benchmark::State& state) {
  run(state, strategy::FairPriceMode::kMicro, strategy::SizeUnit::kQuote);
}

}  // namespace

BENCHMARK(BM_QuoterMidBaseSize);
BENCHMARK(BM_QuoterMicroQuoteSize);
