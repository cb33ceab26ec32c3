#pragma once

// Helpers for the binance unit tests only: a padded copy of a payload, a sink that records
// every event (copying the levels out of the decoder's buffers), the docs' example
// payloads, and a symbol table that knows their symbols.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "binance/stream_decoder.h"
#include "binance/symbol_table.h"
#include "core/market_data.h"
#include "telemetry/metrics.h"

namespace phoenix::binance::testing {

// Concatenates strings and views. (GCC 12 at -O3 gives -Wrestrict false positives on
// `"literal" + std::to_string(n)`.)
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

// A payload with SIMDJSON_PADDING (64) readable bytes after it, as the WebSocket layer
// delivers it.
class Padded {
 public:
  explicit Padded(std::string_view text) : buffer_(text.size() + 64, '\0'), size_(text.size()) {
    std::copy(text.begin(), text.end(), buffer_.begin());
  }
  std::string_view view() const { return {buffer_.data(), size_}; }
  size_t capacity() const { return buffer_.size(); }

 private:
  std::vector<char> buffer_;
  size_t size_;
};

inline DecodeResult decode_padded(StreamDecoder& decoder, std::string_view text, int64_t recv_ns = 0) {
  const Padded padded(text);
  return decoder.decode(padded.view(), padded.capacity(), recv_ns);
}

using Units = std::vector<std::pair<int64_t, int64_t>>;  // (price units, qty units)

inline Units units_of(std::span<const core::Level> levels) {
  Units out;
  for (const core::Level& level : levels) out.emplace_back(level.price.units(), level.qty.units());
  return out;
}

// Records everything it is given. Single thread.
class RecordingSink : public MarketDataSink {
 public:
  struct Depth {
    core::SymbolId symbol = core::kNoSymbol;
    uint64_t last_update_id = 0;
    Units bids;
    Units asks;
  };
  struct Diff {
    core::DepthDiff event;  // spans cleared
    Units bids;
    Units asks;
  };
  struct Reply {
    ControlReply::Kind kind = ControlReply::Kind::kOk;
    std::optional<int64_t> id;
    std::string id_text;
    std::vector<std::string> list;
    bool value = false;
    int64_t error_code = 0;
    std::string error_msg;
  };

  void on_book_ticker(const core::BookTicker& event, int64_t recv_ns) override {
    tickers.push_back(event);
    recv.push_back(recv_ns);
  }
  void on_depth_snapshot(const core::DepthSnapshot& event, int64_t recv_ns) override {
    snapshots.push_back({event.symbol, event.last_update_id, units_of(event.bids), units_of(event.asks)});
    recv.push_back(recv_ns);
  }
  void on_depth_diff(const core::DepthDiff& event, int64_t recv_ns) override {
    Diff diff{event, units_of(event.bids), units_of(event.asks)};
    diff.event.bids = {};
    diff.event.asks = {};
    diffs.push_back(std::move(diff));
    recv.push_back(recv_ns);
  }
  void on_trade(const core::Trade& event, int64_t recv_ns) override {
    trades.push_back(event);
    recv.push_back(recv_ns);
  }
  void on_control_reply(const ControlReply& reply) override {
    Reply r{reply.kind,  reply.id,         std::string(reply.id_text),  {},
            reply.value, reply.error_code, std::string(reply.error_msg)};
    for (std::string_view s : reply.list) r.list.emplace_back(s);
    replies.push_back(std::move(r));
  }
  void on_server_shutdown(int64_t event_time_ms) override { shutdowns.push_back(event_time_ms); }

  size_t events() const {
    return tickers.size() + snapshots.size() + diffs.size() + trades.size() + replies.size() +
           shutdowns.size();
  }

  std::vector<core::BookTicker> tickers;
  std::vector<Depth> snapshots;
  std::vector<Diff> diffs;
  std::vector<core::Trade> trades;
  std::vector<Reply> replies;
  std::vector<int64_t> shutdowns;
  std::vector<int64_t> recv;
};

// Counts events without allocating (for the no-allocation test). Single thread.
class CountingSink : public MarketDataSink {
 public:
  void on_book_ticker(const core::BookTicker& event, int64_t) override {
    checksum += static_cast<uint64_t>(event.bid_price.units());
    ++count;
  }
  void on_depth_snapshot(const core::DepthSnapshot& event, int64_t) override {
    checksum += event.bids.size();
    ++count;
  }
  void on_depth_diff(const core::DepthDiff& event, int64_t) override {
    checksum += event.asks.size();
    ++count;
  }
  void on_trade(const core::Trade& event, int64_t) override {
    checksum += static_cast<uint64_t>(event.qty.units());
    ++count;
  }
  void on_control_reply(const ControlReply&) override { ++count; }
  void on_server_shutdown(int64_t) override { ++count; }

  uint64_t count = 0;
  uint64_t checksum = 0;
};

// BNBUSDT, BNBBTC (scale 8/8, as Binance writes them) and ETHUSDC (prices at 2 decimals,
// quantities at 4: a symbol whose tick and step are coarser than the wire format).
inline SymbolTable doc_symbols() {
  SymbolTable table;
  static_cast<void>(table.add("BNBUSDT", {8, 8}));
  static_cast<void>(table.add("BNBBTC", {8, 8}));
  static_cast<void>(table.add("ETHUSDC", {2, 4}));
  return table;
}

inline StreamDecoderOptions raw_options(std::string stream) {
  StreamDecoderOptions options;
  options.raw_stream = std::move(stream);
  return options;
}
inline StreamDecoderOptions max_bytes_options(size_t max_message_bytes) {
  StreamDecoderOptions options;
  options.max_message_bytes = max_message_bytes;
  return options;
}

inline uint64_t counter_value(telemetry::Registry& registry, std::string_view name, std::string_view help,
                              telemetry::Labels labels) {
  return registry.counter(name, help, std::move(labels)).value();
}
inline uint64_t error_count(telemetry::Registry& registry, DecodeError reason) {
  return counter_value(registry, "phoenix_md_decode_errors_total",
                       "Market-data messages that could not be decoded, by reason",
                       {{"reason", to_string(reason)}});
}
inline uint64_t decoded_count(telemetry::Registry& registry, MessageKind kind) {
  return counter_value(registry, "phoenix_md_messages_decoded_total", "Market-data messages decoded, by kind",
                       {{"kind", to_string(kind)}});
}

// The docs' example payloads (binance-spot-api-docs web-socket-streams.md).
inline constexpr std::string_view kRawBookTicker =
    R"({"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})";
inline constexpr std::string_view kCombinedBookTicker =
    R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})";
inline constexpr std::string_view kRawPartialDepth =
    R"({"lastUpdateId":160,"bids":[["0.0024","10"],["0.0023","0.5"]],"asks":[["0.0026","100"],["0.0027","1.25"]]})";
inline constexpr std::string_view kCombinedPartialDepth =
    R"({"stream":"bnbbtc@depth5@100ms","data":{"lastUpdateId":160,"bids":[["0.0024","10"],["0.0023","0.5"]],"asks":[["0.0026","100"],["0.0027","1.25"]]}})";
inline constexpr std::string_view kRawDepthDiff =
    R"({"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"],["0.0022","0.00000000"]],"a":[["0.0026","100"]]})";
inline constexpr std::string_view kCombinedDepthDiff =
    R"({"stream":"bnbbtc@depth@100ms","data":{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"],["0.0022","0.00000000"]],"a":[["0.0026","100"]]}})";
inline constexpr std::string_view kRawTrade =
    R"({"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true})";
inline constexpr std::string_view kCombinedTrade =
    R"({"stream":"bnbbtc@trade","data":{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}})";
inline constexpr std::string_view kRawAggTrade =
    R"({"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":1672515782136,"m":true,"M":true})";
inline constexpr std::string_view kCombinedAggTrade =
    R"({"stream":"bnbbtc@aggTrade","data":{"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":1672515782136,"m":false,"M":true}})";
inline constexpr std::string_view kRawServerShutdown = R"({"e":"serverShutdown","E":1770123456789})";
inline constexpr std::string_view kCombinedServerShutdown =
    R"({"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}})";

}  // namespace phoenix::binance::testing
