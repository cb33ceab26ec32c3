#pragma once

// StreamDecoder: turns Binance market-stream messages (JSON text frames) into core
// market-data events, with simdjson On-Demand and exact fixed-point prices.
//
// Input is the combined-stream form (what Phoenix connects to):
//   {"stream":"ethusdc@bookTicker","data":{"u":400900217,"s":"ETHUSDC","b":"25.35190000",...}}
// and raw `/ws/<stream>` payloads as far as they identify themselves: events with "e"
// (depthUpdate, trade, aggTrade, serverShutdown), bookTicker (leading "u", no "e"), and
// partial depth ("lastUpdateId", no symbol at all: needs StreamDecoderOptions::raw_stream).
// Control replies ({"result":null,"id":1}, {"error":{...},"id":2}) and serverShutdown
// arrive on either.
//
// A message that cannot be decoded is not delivered: decode() returns the reason, counts
// it in phoenix_md_decode_errors_total{reason}, logs the first of each reason per second
// (md_decode_error reason=... stream=... sample="<first 120 bytes>" skipped=N), and the
// next message decodes as if nothing happened.
//
// Steady state allocates nothing: one reusable parser (buffers sized to the largest
// message so far), reusable bid/ask level buffers (events carry spans into them, valid
// during the sink call only), a small flat symbol lookup, counters registered up front.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "binance/control_messages.h"
#include "binance/stream_names.h"
#include "binance/symbol_table.h"
#include "core/market_data.h"
#include "telemetry/metrics.h"

namespace phoenix::binance {

// Receives decoded events. Implemented by the feed handler (src/md); called on the
// decoder's thread, synchronously inside decode(). Spans in the events are valid only
// during the call.
class MarketDataSink {
 public:
  virtual ~MarketDataSink() = default;
  virtual void on_book_ticker(const core::BookTicker& event, int64_t recv_ns) = 0;
  // Partial depth (depth5/10/20): the top levels, best first.
  virtual void on_depth_snapshot(const core::DepthSnapshot& event, int64_t recv_ns) = 0;
  virtual void on_depth_diff(const core::DepthDiff& event, int64_t recv_ns) = 0;
  // trade and aggTrade (Trade::aggregated tells them apart).
  virtual void on_trade(const core::Trade& event, int64_t recv_ns) = 0;
  // Replies to SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / ...
  virtual void on_control_reply(const ControlReply& reply) = 0;
  // The server is about to shut down: reconnect (make-before-break).
  virtual void on_server_shutdown(int64_t event_time_ms) = 0;
};

// Construction-time settings. A value type.
struct StreamDecoderOptions {
  // For a raw `/ws/<stream>` connection: its stream name. Partial-depth payloads carry no
  // symbol, so without it (or with an unparsable name) they fail as unknown_stream. Empty
  // for combined connections.
  std::string raw_stream;
  // Larger messages fail as too_large. Binance's are a few KiB at most.
  size_t max_message_bytes = 1 << 20;
  // Parser buffers allocated up front, so typical messages never grow them.
  size_t initial_capacity_bytes = 16 << 10;
  // A depth message with more levels on one side fails as unexpected_shape.
  size_t max_levels_per_side = 5000;
};

// Decodes one connection's messages. Owned by that connection's feed handler; one thread
// (the connection's event loop) at a time. `symbols`, `sink` and `registry` must outlive it.
class StreamDecoder {
 public:
  StreamDecoder(const SymbolTable& symbols, MarketDataSink& sink, telemetry::Registry& registry,
                StreamDecoderOptions options = {});
  ~StreamDecoder();
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  // Decodes one message and delivers its event to the sink. `capacity` is the number of
  // readable bytes at payload.data(); the WebSocket layer guarantees payload.size() + 64
  // (SIMDJSON_PADDING). With less, the payload is copied into an internal padded buffer
  // first (counted in padding_copies()). `recv_ns` is passed through to the sink and paces
  // the error log.
  DecodeResult decode(std::string_view payload, size_t capacity, int64_t recv_ns);

  // Messages copied because the caller's buffer lacked padding (should stay 0).
  uint64_t padding_copies() const { return padding_copies_->value(); }
  // Bytes the parser can take without growing (its buffers are sized to the largest
  // message so far, at least initial_capacity_bytes).
  size_t parser_capacity() const;

 private:
  struct Impl;

  void count_error(DecodeError error, std::string_view stream, std::string_view payload, int64_t recv_ns);

  std::unique_ptr<Impl> impl_;
  telemetry::Counter* padding_copies_ = nullptr;
  std::array<telemetry::Counter*, kDecodeErrorCount> error_counters_{};
  std::array<telemetry::Counter*, kMessageKindCount> kind_counters_{};
  // Error log pacing, per reason: start of the current one-second window, lines skipped in it.
  std::array<int64_t, kDecodeErrorCount> log_window_start_ns_{};
  std::array<uint64_t, kDecodeErrorCount> log_skipped_{};
  std::array<bool, kDecodeErrorCount> logged_once_{};
};

// The simdjson kernels in use, for the start-up log line:
//   on_demand  the builtin kernel compiled into phoenix_binance: "fallback" by default,
//              "haswell" with PHOENIX_SIMDJSON_HASWELL=ON. It runs the On-Demand
//              iteration (field lookup, numbers), which simdjson 3.0.1 inlines into
//              Phoenix's own code.
//   stage1     the kernel simdjson picked at run time for this CPU: structural indexing
//              and string unescaping, inside the shared library.
//   library    what the shared library was built for (Debian: "fallback"); this is what
//              simdjson::builtin_implementation()->name() reports, and it says nothing
//              about Phoenix's own On-Demand code.
struct SimdjsonKernels {
  std::string_view on_demand;
  std::string_view stage1;
  std::string_view library;
};
SimdjsonKernels simdjson_kernels();

// False when this CPU lacks an instruction set phoenix_binance was compiled for (AVX2,
// BMI1, LZCNT, PCLMUL under PHOENIX_SIMDJSON_HASWELL): check at start-up and exit with a
// clear message instead of dying on SIGILL later.
bool cpu_supports_simdjson_kernel();

}  // namespace phoenix::binance
