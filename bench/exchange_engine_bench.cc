// phoenix-exchange's matching engine in-process: orders per second for the operations a
// market maker's session consists of (place a resting LIMIT_MAKER, cancel it, a taker that
// fills against resting liquidity, a keep-priority amend), on a book with depth. The events
// each call produces (executionReport / outboundAccountPosition data) are part of the cost.
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "sim/matching_engine.h"

namespace {

namespace sim = phoenix::sim;

constexpr sim::AccountId kMaker = 1;
constexpr sim::AccountId kTaker = 2;
constexpr sim::AccountId kBot = 3;
constexpr int64_t kMid = 300'000;  // 3000.00 at price scale 2
constexpr int64_t kQty = 100;      // 0.0100 at qty scale 4

// ETHUSDC-like: price scale 2 (tick 0.01), qty scale 4 (step 0.0001); USDC and ETH at 8.
sim::MatchingEngine make_engine(int levels_per_side) {
  sim::MatchingEngine engine(sim::FeeSchedule{10, 10});
  (void)engine.add_asset({"USDC", 8});
  (void)engine.add_asset({"ETH", 8});
  sim::SymbolSpec spec;
  spec.name = "ETHUSDC";
  spec.base_asset = "ETH";
  spec.quote_asset = "USDC";
  spec.price_scale = 2;
  spec.qty_scale = 4;
  spec.tick_units = 1;
  spec.step_units = 1;
  spec.min_qty_units = 1;
  (void)engine.add_symbol(spec);
  for (sim::AccountId a : {kMaker, kTaker, kBot}) {
    (void)engine.deposit(a, "USDC", 1'000'000'000'000'000'000);  // 1e10 USDC
    (void)engine.deposit(a, "ETH", 1'000'000'000'000'000'000);
  }
  std::vector<sim::Event> events;
  for (int i = 1; i <= levels_per_side; ++i) {
    for (sim::Side side : {sim::Side::kBuy, sim::Side::kSell}) {
      sim::NewOrder o;
      o.symbol = "ETHUSDC";
      o.account = kMaker;
      o.side = side;
      o.type = sim::OrderType::kLimit;
      o.price_units = side == sim::Side::kBuy ? kMid - 10 - i : kMid + 10 + i;  // 0.10 spread
      o.qty_units = kQty * 1000;
      (void)engine.place(o, &events);
    }
  }
  return engine;
}

// A LIMIT_MAKER placed behind the best bid, then cancelled: the quote/requote cycle.
void BM_EnginePlaceCancelMaker(benchmark::State& state) {
  sim::MatchingEngine engine = make_engine(static_cast<int>(state.range(0)));
  std::vector<sim::Event> events;
  events.reserve(16);
  sim::NewOrder o;
  o.symbol = "ETHUSDC";
  o.account = kBot;
  o.side = sim::Side::kBuy;
  o.type = sim::OrderType::kLimitMaker;
  o.qty_units = kQty;
  int64_t i = 0;
  for (auto _ : state) {
    o.price_units = kMid - 1 - (i++ % 50);
    events.clear();
    const sim::PlaceResult r = engine.place(o, &events);
    events.clear();
    (void)engine.cancel("ETHUSDC", kBot, r.order_id, &events);
    benchmark::DoNotOptimize(events.data());
  }
  state.SetItemsProcessed(state.iterations() * 2);  // two order operations per iteration
  state.counters["orders/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 2), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EnginePlaceCancelMaker)->Arg(10)->Arg(1000);

// A resting ask from the bot, taken at once by an IOC buy of the same size: one fill,
// reports to both sides, balances settled with commission.
void BM_EngineTakerFill(benchmark::State& state) {
  sim::MatchingEngine engine = make_engine(static_cast<int>(state.range(0)));
  std::vector<sim::Event> events;
  events.reserve(16);
  sim::NewOrder ask;
  ask.symbol = "ETHUSDC";
  ask.account = kBot;
  ask.side = sim::Side::kSell;
  ask.type = sim::OrderType::kLimitMaker;
  ask.price_units = kMid;  // inside the spread: best ask
  ask.qty_units = kQty;
  sim::NewOrder take = ask;
  take.account = kTaker;
  take.side = sim::Side::kBuy;
  take.type = sim::OrderType::kLimit;
  take.tif = sim::TimeInForce::kIoc;
  for (auto _ : state) {
    events.clear();
    (void)engine.place(ask, &events);
    events.clear();
    (void)engine.place(take, &events);
    benchmark::DoNotOptimize(events.data());
  }
  state.SetItemsProcessed(state.iterations() * 2);
  state.counters["orders/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 2), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EngineTakerFill)->Arg(10)->Arg(1000);

// A market order sweeping 5 levels of the bot's asks, which are then replaced.
void BM_EngineSweep5(benchmark::State& state) {
  sim::MatchingEngine engine = make_engine(10);
  std::vector<sim::Event> events;
  events.reserve(64);
  sim::NewOrder ask;
  ask.symbol = "ETHUSDC";
  ask.account = kBot;
  ask.side = sim::Side::kSell;
  ask.type = sim::OrderType::kLimitMaker;
  ask.qty_units = kQty;
  sim::NewOrder sweep;
  sweep.symbol = "ETHUSDC";
  sweep.account = kTaker;
  sweep.side = sim::Side::kBuy;
  sweep.type = sim::OrderType::kMarket;
  sweep.qty_units = kQty * 5;
  for (auto _ : state) {
    events.clear();
    for (int l = 0; l < 5; ++l) {
      ask.price_units = kMid + l;  // below the background asks: swept first
      (void)engine.place(ask, &events);
    }
    events.clear();
    (void)engine.place(sweep, &events);
    benchmark::DoNotOptimize(events.data());
  }
  state.SetItemsProcessed(state.iterations() * 6);
  state.counters["orders/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 6), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EngineSweep5);

}  // namespace
