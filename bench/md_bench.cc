// Market-data book keeping: depth-book diffs, top of book, the min-change filter, the stale
// check, and a synced DepthSync. Needs phoenix::md linked into phoenix_bench.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/clock.h"
#include "core/decimal.h"
#include "core/market_data.h"
#include "md/depth_book.h"
#include "md/depth_sync.h"
#include "md/min_change_filter.h"
#include "md/stale_detector.h"
#include "md/top_of_book.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

namespace {

using phoenix::core::Level;
using phoenix::core::Price;
using phoenix::core::Qty;
using phoenix::md::BookSide;
using phoenix::md::DepthBook;

constexpr int64_t kMid = 3'000'000;  // 30000.00 at price scale 2
constexpr int64_t kBookLevels = 1000;
constexpr size_t kDiffLevels = 10;

Level level(int64_t price, int64_t qty) { return Level{Price(price), Qty(qty)}; }

// A 1000-level-per-side book around kMid with one tick between levels.
void fill_book(DepthBook& book) {
  std::vector<Level> bids;
  std::vector<Level> asks;
  for (int64_t i = 0; i < kBookLevels; ++i) {
    bids.push_back(level(kMid - 1 - i, 100 + i));
    asks.push_back(level(kMid + 1 + i, 100 + i));
  }
  book.load(bids, asks);
}

// Diffs of kDiffLevels levels (half per side) within the top 20 levels: updates, removals
// and re-insertions in about equal numbers, so the book keeps its size.
struct DiffSet {
  std::vector<std::vector<Level>> bids;
  std::vector<std::vector<Level>> asks;
};

DiffSet make_diffs(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  DiffSet d;
  for (size_t i = 0; i < count; ++i) {
    std::vector<Level> b;
    std::vector<Level> a;
    for (size_t k = 0; k < kDiffLevels / 2; ++k) {
      const auto depth = static_cast<int64_t>(rng() % 20);
      const int64_t qty = rng() % 3 == 0 ? 0 : static_cast<int64_t>(1 + rng() % 500);
      b.push_back(level(kMid - 1 - depth, qty));
      a.push_back(level(kMid + 1 + static_cast<int64_t>(rng() % 20), rng() % 3 == 0 ? 0 : qty + 1));
    }
    d.bids.push_back(std::move(b));
    d.asks.push_back(std::move(a));
  }
  return d;
}

void BM_DepthBookApplyDiff(benchmark::State& state) {
  DepthBook book;
  fill_book(book);
  const DiffSet diffs = make_diffs(4096, 1);
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & 4095;
    const size_t invalid = book.apply_levels(diffs.bids[k], diffs.asks[k]);
    benchmark::DoNotOptimize(invalid);
    benchmark::DoNotOptimize(book.crossed());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["levels_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kDiffLevels, benchmark::Counter::kIsRate);
  state.counters["book_levels"] = static_cast<double>(book.bid_levels() + book.ask_levels());
}
BENCHMARK(BM_DepthBookApplyDiff);

// The same diffs on a std::map per side: the node-based alternative DepthBook was chosen
// over (quote the ratio of the two medians).
void BM_MapBookApplyDiff(benchmark::State& state) {
  std::map<int64_t, int64_t, std::greater<>> bids;
  std::map<int64_t, int64_t> asks;
  for (int64_t i = 0; i < kBookLevels; ++i) {
    bids[kMid - 1 - i] = 100 + i;
    asks[kMid + 1 + i] = 100 + i;
  }
  const DiffSet diffs = make_diffs(4096, 1);
  auto apply = [](auto& side, const Level& l) {
    if (l.qty.units() == 0) {
      side.erase(l.price.units());
    } else {
      side.insert_or_assign(l.price.units(), l.qty.units());
    }
  };
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & 4095;
    for (const Level& l : diffs.bids[k]) apply(bids, l);
    for (const Level& l : diffs.asks[k]) apply(asks, l);
    benchmark::DoNotOptimize(bids.begin()->first >= asks.begin()->first);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_MapBookApplyDiff);

// The whole synced path: update-id checks, apply, crossed check.
void BM_DepthSyncSyncedDiff(benchmark::State& state) {
  const auto saved_level = phoenix::telemetry::log_level();
  phoenix::telemetry::set_log_level(phoenix::telemetry::LogLevel::kWarn);  // no md_book_synced line
  phoenix::core::ManualClock clock;
  phoenix::md::DepthSync sync(0, "BTCUSDT", clock);
  DepthBook seed;
  fill_book(seed);
  std::vector<Level> bids(seed.bids().begin(), seed.bids().end());
  std::vector<Level> asks(seed.asks().begin(), seed.asks().end());
  phoenix::core::DepthDiff first;
  first.first_update_id = 100;
  first.final_update_id = 100;
  (void)sync.on_diff(first);
  phoenix::core::DepthSnapshot snap;
  snap.last_update_id = 100;
  snap.bids = bids;
  snap.asks = asks;
  if (!sync.on_snapshot(snap).synced) state.SkipWithError("did not sync");
  const DiffSet diffs = make_diffs(4096, 2);
  uint64_t id = 100;
  size_t i = 0;
  for (auto _ : state) {
    const size_t k = i++ & 4095;
    phoenix::core::DepthDiff d;
    d.first_update_id = id + 1;
    d.final_update_id = id + 3;
    id += 3;
    d.bids = diffs.bids[k];
    d.asks = diffs.asks[k];
    auto r = sync.on_diff(d);
    benchmark::DoNotOptimize(r);
  }
  if (sync.resyncs_total() != 0) state.SkipWithError("unexpected resync");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  phoenix::telemetry::set_log_level(saved_level);
}
BENCHMARK(BM_DepthSyncSyncedDiff);

void BM_TopOfBookApply(benchmark::State& state) {
  phoenix::md::TopOfBook top;
  std::vector<phoenix::core::BookTicker> tickers(1024);
  std::mt19937_64 rng(3);
  for (size_t i = 0; i < tickers.size(); ++i) {
    const int64_t bid = kMid - static_cast<int64_t>(rng() % 50);
    tickers[i].bid_price = Price(bid);
    tickers[i].bid_qty = Qty(static_cast<int64_t>(1 + rng() % 1000));
    tickers[i].ask_price = Price(bid + 1 + static_cast<int64_t>(rng() % 5));
    tickers[i].ask_qty = Qty(static_cast<int64_t>(1 + rng() % 1000));
  }
  uint64_t id = 0;
  for (auto _ : state) {
    phoenix::core::BookTicker& t = tickers[id & 1023];
    t.update_id = ++id;
    benchmark::DoNotOptimize(top.apply(t));
    benchmark::DoNotOptimize(top.mid());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TopOfBookApply);

// A random walk of up to +-40 ticks (0.40) per update at 30000.00 with a 1 bp threshold
// (300 ticks): most updates are filtered, as on a busy bookTicker stream.
void BM_MinChangeFilter(benchmark::State& state) {
  phoenix::md::MinChangeFilter filter(phoenix::core::Decimal(1, 0));
  const auto sym = filter.add_symbol("BTCUSDT");
  std::vector<int64_t> walk(4096);
  std::mt19937_64 rng(4);
  int64_t p = kMid;
  for (int64_t& w : walk) {
    p += static_cast<int64_t>(rng() % 81) - 40;
    w = p;
  }
  size_t i = 0;
  for (auto _ : state) {
    const int64_t bid = walk[i++ & 4095];
    benchmark::DoNotOptimize(filter.on_update(sym, Price(bid), Price(bid + 10)));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["forwarded_pct"] =
      100.0 * static_cast<double>(filter.forwarded(sym)) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_MinChangeFilter);

// One periodic check over N fresh symbols (the steady state: nothing turns stale), with
// the age gauges registered as in production.
void BM_StaleDetectorCheck(benchmark::State& state) {
  phoenix::core::ManualClock clock;
  phoenix::telemetry::Registry registry;
  phoenix::md::StaleDetector detector(clock, &registry);
  const auto n = static_cast<size_t>(state.range(0));
  for (size_t k = 0; k < n; ++k) detector.add_key("SYM" + std::to_string(k));
  const int64_t start = clock.monotonic_ns();
  for (size_t k = 0; k < n; ++k) detector.on_update(k, start);
  const int64_t now = start + 1'000'000'000;  // every key 1 s old: under the threshold
  for (auto _ : state) {
    benchmark::DoNotOptimize(detector.check(now));
  }
  if (detector.stale_count() != 0) state.SkipWithError("a key went stale");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["keys"] = static_cast<double>(n);
}
BENCHMARK(BM_StaleDetectorCheck)->Arg(5)->Arg(100);

void BM_StaleDetectorOnUpdate(benchmark::State& state) {
  phoenix::core::ManualClock clock;
  phoenix::md::StaleDetector detector(clock);
  for (size_t k = 0; k < 5; ++k) detector.add_key("SYM" + std::to_string(k));
  int64_t now = clock.monotonic_ns();
  size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(detector.on_update(k, ++now));
    k = k == 4 ? 0 : k + 1;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_StaleDetectorOnUpdate);

}  // namespace
