// Binance market-stream decode: one combined-stream message through StreamDecoder
// (simdjson On-Demand + exact decimal parsing + symbol lookup + sink call), per kind.
// The label shows the simdjson kernels in use (on_demand/stage1); rebuild with
// -DPHOENIX_SIMDJSON_HASWELL=OFF to compare. Needs phoenix::binance linked in.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "binance/stream_decoder.h"
#include "binance/symbol_table.h"
#include "core/market_data.h"
#include "telemetry/metrics.h"

namespace {

using phoenix::binance::DecodeResult;
using phoenix::binance::MarketDataSink;
using phoenix::binance::StreamDecoder;
using phoenix::binance::SymbolTable;

// Keeps the events observable so nothing is optimised away; allocates nothing.
class NullSink : public MarketDataSink {
 public:
  void on_book_ticker(const phoenix::core::BookTicker& e, int64_t) override { benchmark::DoNotOptimize(e); }
  void on_depth_snapshot(const phoenix::core::DepthSnapshot& e, int64_t) override {
    benchmark::DoNotOptimize(e);
  }
  void on_depth_diff(const phoenix::core::DepthDiff& e, int64_t) override { benchmark::DoNotOptimize(e); }
  void on_trade(const phoenix::core::Trade& e, int64_t) override { benchmark::DoNotOptimize(e); }
  void on_control_reply(const phoenix::binance::ControlReply&) override {}
  void on_server_shutdown(int64_t) override {}
};

std::string price(int64_t cents) {
  std::string s = std::to_string(cents / 100) + "." + std::to_string(cents % 100 + 100).substr(1) + "000000";
  return s;
}

std::string levels(int count, int64_t first_cents, int64_t step_cents) {
  std::string out = "[";
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    out += "[\"" + price(first_cents + i * step_cents) + "\",\"" + std::to_string(1 + i % 7) + "." +
           std::to_string(1000 + i * 37 % 1000).substr(1) + "40000\"]";
  }
  return out + "]";
}

std::string book_ticker_message() {
  return R"({"stream":"ethusdc@bookTicker","data":{"u":52345678901,"s":"ETHUSDC","b":"2412.57000000",)"
         R"("B":"12.34560000","a":"2412.58000000","A":"3.21000000"}})";
}

std::string depth20_message() {
  return R"({"stream":"ethusdc@depth20@100ms","data":{"lastUpdateId":52345678901,"bids":)" +
         levels(20, 241257, -1) + R"(,"asks":)" + levels(20, 241258, 1) + "}}";
}

// A typical 100 ms diff: 10 levels (5 a side), one of them a removal.
std::string depth_diff_message() {
  std::string bids = levels(5, 241257, -3);
  bids.replace(bids.rfind("\",\"") + 3, 10, "0.00000000");
  return R"({"stream":"ethusdc@depth@100ms","data":{"e":"depthUpdate","E":1764000000123,"s":"ETHUSDC",)"
         R"("U":52345678890,"u":52345678901,"b":)" +
         bids + R"(,"a":)" + levels(5, 241258, 2) + "}}";
}

std::string trade_message() {
  return R"({"stream":"ethusdc@trade","data":{"e":"trade","E":1764000000123,"s":"ETHUSDC","t":912345678,)"
         R"("p":"2412.57000000","q":"0.04210000","T":1764000000122,"m":true,"M":true}})";
}

void run_decode(benchmark::State& state, const std::string& message) {
  SymbolTable symbols;
  static_cast<void>(symbols.add("BTCUSDT", {8, 8}));
  static_cast<void>(symbols.add("ETHUSDC", {8, 8}));
  NullSink sink;
  phoenix::telemetry::Registry registry;
  StreamDecoder decoder(symbols, sink, registry);
  std::vector<char> buffer(message.begin(), message.end());
  buffer.resize(message.size() + 64);  // SIMDJSON_PADDING, as the WebSocket layer provides
  const std::string_view payload(buffer.data(), message.size());
  if (!decoder.decode(payload, buffer.size(), 0).ok()) {
    state.SkipWithError("the benchmark message does not decode");
    return;
  }
  int64_t recv_ns = 0;
  for (auto _ : state) {
    DecodeResult r = decoder.decode(payload, buffer.size(), ++recv_ns);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(message.size()));
  const auto kernels = phoenix::binance::simdjson_kernels();
  state.SetLabel(std::string(kernels.on_demand) + "/" + std::string(kernels.stage1) + " " +
                 std::to_string(message.size()) + "B");
}

void BM_DecodeBookTicker(benchmark::State& state) { run_decode(state, book_ticker_message()); }
BENCHMARK(BM_DecodeBookTicker);

void BM_DecodeDepth20(benchmark::State& state) { run_decode(state, depth20_message()); }
BENCHMARK(BM_DecodeDepth20);

void BM_DecodeDepthDiff(benchmark::State& state) { run_decode(state, depth_diff_message()); }
BENCHMARK(BM_DecodeDepthDiff);

void BM_DecodeTrade(benchmark::State& state) { run_decode(state, trade_message()); }
BENCHMARK(BM_DecodeTrade);

}  // namespace
