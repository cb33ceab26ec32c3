// Micro benchmarks of phoenix-exchange's market-data side: fan-out of one book change
// (or one trade) to 10 subscribers, a diff depth event to 10 subscribers, and the cost
// of one synthetic-market step (5 default symbols), with and without streams attached.
// Books come from the test FakeExchange (a real MatchingEngine behind the Exchange
// interface), so "book change" costs include the engine's place/cancel.

#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "sim/defaults.h"
#include "sim/fake_exchange_test_util.h"
#include "sim/market_streams.h"

namespace phoenix::sim {
namespace {

using testing::FakeExchange;

constexpr int64_t kOne = 100'000'000;
constexpr int kSubscribers = 10;

class CountingSubscriber : public StreamSubscriber {
 public:
  void on_stream_message(const StreamMessage& m) override {
    ++messages;
    bytes += m.raw->size() + m.combined->size();
  }
  int64_t messages = 0;
  size_t bytes = 0;
};

struct Fixture {
  Fixture()
      : ex(default_assets(), default_symbols()), streams(MarketStreams::create(ex)), subs(kSubscribers) {
    (void)ex.deposit(1, "ETH", 1'000'000 * kOne);
    (void)ex.deposit(1, "USDC", 1'000'000'000 * kOne);
    // A book to work on: 20 levels a side.
    for (int i = 0; i < 20; ++i) {
      NewOrder o;
      o.symbol = "ETHUSDC";
      o.account = 1;
      o.side = Side::kBuy;
      o.price_units = 2999 * kOne - i * kOne / 100;
      o.qty_units = kOne / 10;
      ex.place(o);
      o.side = Side::kSell;
      o.price_units = 3001 * kOne + i * kOne / 100;
      ex.place(o);
    }
  }
  void subscribe(const char* stream) {
    for (auto& s : subs) (void)streams->subscribe(stream, &s);
  }
  int64_t delivered() const {
    int64_t n = 0;
    for (const auto& s : subs) n += s.messages;
    return n;
  }
  FakeExchange ex;
  std::unique_ptr<MarketStreams> streams;
  std::vector<CountingSubscriber> subs;
};

// One trade print -> trade payload built once -> 10 subscribers (streams only).
void BM_FanOutTradeTo10(benchmark::State& state) {
  Fixture f;
  f.subscribe("ethusdc@trade");
  TradePrint t;
  t.symbol = "ETHUSDC";
  t.price_units = 3000 * kOne;
  t.qty_units = kOne / 100;
  t.time_ms = 1'700'000'000'000;
  for (auto _ : state) {
    ++t.trade_id;
    ++t.taker_order_id;
    f.streams->on_trade(t);
  }
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(f.delivered()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FanOutTradeTo10);

// One change of the best bid (place or cancel through the engine) -> bookTicker to 10.
void BM_FanOutBookTickerTo10(benchmark::State& state) {
  Fixture f;
  f.subscribe("ethusdc@bookTicker");
  NewOrder o;
  o.symbol = "ETHUSDC";
  o.account = 1;
  o.side = Side::kBuy;
  o.price_units = 3000 * kOne;
  o.qty_units = kOne / 100;
  for (auto _ : state) {
    const PlaceResult r = f.ex.place(o);
    (void)f.ex.cancel_internal("ETHUSDC", 1, r.order_id);
  }
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(f.delivered()), benchmark::Counter::kIsRate);
  state.counters["book_changes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 2, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FanOutBookTickerTo10);

// A bid placed and a bid cancelled (engine included) + a 100 ms tick -> one depthUpdate
// (two touched levels) to 10 subscribers.
void BM_FanOutDepthDiffTo10(benchmark::State& state) {
  Fixture f;
  f.subscribe("ethusdc@depth@100ms");
  int64_t now_ms = 1'700'000'000'000;
  NewOrder o;
  o.symbol = "ETHUSDC";
  o.account = 1;
  o.side = Side::kBuy;
  o.qty_units = kOne / 100;
  OrderId previous = 0;
  int64_t i = 0;
  for (auto _ : state) {
    o.price_units = 2999 * kOne - (i++ % 10) * kOne / 100;
    const PlaceResult r = f.ex.place(o);
    if (previous != 0) (void)f.ex.cancel_internal("ETHUSDC", 1, previous);
    previous = r.order_id;
    now_ms += 100;
    f.streams->tick(now_ms);
  }
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(f.delivered()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FanOutDepthDiffTo10);

// One 100 ms step of the synthetic market over the 5 default symbols.
void BM_MarketSimStep(benchmark::State& state) {
  const bool with_streams = state.range(0) != 0;
  FakeExchange ex(default_assets(), default_symbols(), FeeSchedule{10, 10});
  std::unique_ptr<MarketStreams> streams;
  std::vector<CountingSubscriber> subs(kSubscribers);
  if (with_streams) {
    streams = MarketStreams::create(ex);
    for (const char* sym : {"ethusdc", "dogeusdc", "solusdc", "bnbusdc", "xrpusdc"}) {
      for (const char* kind : {"@bookTicker", "@trade", "@aggTrade", "@depth@100ms", "@depth10@100ms"}) {
        for (auto& s : subs) (void)streams->subscribe(std::string(sym) + kind, &s);
      }
    }
  }
  auto sim = MarketSimulator::create(default_market_sim_spec(), ex);
  if (!sim.ok()) {
    state.SkipWithError("market sim create failed");
    return;
  }
  int64_t now_ms = 1'700'000'000'000;
  (*sim)->tick(now_ms);
  for (auto _ : state) {
    now_ms += 100;
    ex.set_now_ms(now_ms);
    (*sim)->tick(now_ms);
    if (streams) streams->tick(now_ms);
  }
  int64_t delivered = 0;
  for (const auto& s : subs) delivered += s.messages;
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  if (with_streams) {
    state.counters["messages/s"] =
        benchmark::Counter(static_cast<double>(delivered), benchmark::Counter::kIsRate);
  }
}
BENCHMARK(BM_MarketSimStep)->Arg(0)->Arg(1)->ArgName("streams");

}  // namespace
}  // namespace phoenix::sim
