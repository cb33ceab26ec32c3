#pragma once

// Binance market stream names and the vocabulary shared by the stream decoders: stream
// kinds, message kinds, and the reasons a message can fail to decode.
//
//   "ethusdc@bookTicker"  "ethusdc@depth20@100ms"  "ethusdc@depth@100ms"
//   "ethusdc@trade"       "ethusdc@aggTrade"       "!serverShutdown"
//
// Combined-stream URL targets (`/stream?streams=a/b/c`) carry at most
// kMaxStreamsPerConnection streams; longer lists are split across connections.
//
// Everything here is a pure function or a value type; any thread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace phoenix::binance {

// Binance allows at most this many streams on one connection.
inline constexpr size_t kMaxStreamsPerConnection = 1024;

// The market streams Phoenix decodes.
enum class StreamKind : uint8_t {
  kBookTicker,      // <s>@bookTicker
  kPartialDepth,    // <s>@depth5|10|20[@100ms]
  kDiffDepth,       // <s>@depth[@100ms]
  kTrade,           // <s>@trade
  kAggTrade,        // <s>@aggTrade
  kServerShutdown,  // !serverShutdown (pushed by the server, never subscribed)
};

// How often a depth stream updates. k1000ms is Binance's default and has no suffix in
// the stream name; "@1000ms" is still accepted when parsing.
enum class UpdateSpeed : uint8_t { k1000ms, k100ms };

// What one stream name asks for. A value type.
struct StreamSpec {
  std::string symbol;  // any case: "ETHUSDC" or "ethusdc"
  StreamKind kind = StreamKind::kBookTicker;
  int depth_levels = 0;  // kPartialDepth only: 5, 10 or 20
  UpdateSpeed speed = UpdateSpeed::k1000ms;
};

// A stream name split into its parts, as views into the parsed text (no allocation).
struct StreamName {
  StreamKind kind = StreamKind::kBookTicker;
  std::string_view symbol;  // as written (Binance writes lower case); empty for !serverShutdown
  int depth_levels = 0;     // kPartialDepth: 5, 10 or 20
  UpdateSpeed speed = UpdateSpeed::k1000ms;
};

// "ethusdc@depth20@100ms" for {ETHUSDC, kPartialDepth, 20, k100ms}: the symbol lower-cased,
// no speed suffix at 1000 ms. Errors on a symbol outside [A-Za-z0-9._-]{1,20}, partial depth
// levels other than 5/10/20, a speed on a stream without one, and kServerShutdown.
core::Result<std::string> stream_name(const StreamSpec& spec);

// Parses a stream name as Binance writes it in the combined wrapper's "stream" field. Empty
// for anything Phoenix does not decode (klines, tickers, unknown suffixes, no symbol).
std::optional<StreamName> parse_stream_name(std::string_view name);

// "/ws/ethusdc@bookTicker": the target of a raw (single-stream) connection.
std::string raw_stream_target(std::string_view stream);

// "/stream?streams=a/b/c": the target of one combined-stream connection, streams in the
// given order. The caller keeps the list within kMaxStreamsPerConnection (see below).
std::string combined_stream_target(std::span<const std::string> streams);

// Splits `streams` across as few connections as the limit allows, in balanced contiguous
// groups (1500 streams at 1024 make two groups of 750), order kept, duplicates dropped.
// `max_per_connection` 0 is treated as 1. An empty list gives no groups.
std::vector<std::vector<std::string>> split_streams(std::span<const std::string> streams,
                                                    size_t max_per_connection = kMaxStreamsPerConnection);

// split_streams() then combined_stream_target() for each group: one target per connection.
std::vector<std::string> combined_stream_targets(std::span<const std::string> streams,
                                                 size_t max_per_connection = kMaxStreamsPerConnection);

// What a decoded message turned out to be.
enum class MessageKind : uint8_t {
  kBookTicker,
  kDepthSnapshot,  // partial depth (depth5/10/20)
  kDepthDiff,
  kTrade,
  kAggTrade,
  kControlReply,  // the answer to SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / ...
  kServerShutdown,
};
inline constexpr size_t kMessageKindCount = 7;

// Why a message could not be decoded. Each has a stable label (to_string) used as the
// `reason` of phoenix_md_decode_errors_total and in logs.
enum class DecodeError : uint8_t {
  kUnknownStream,    // a stream or event type Phoenix does not decode, or cannot identify
  kUnknownSymbol,    // a symbol not in the SymbolTable
  kMissingField,     // a required field is absent
  kWrongType,        // a field has the wrong JSON type (a number where a string belongs, ...)
  kBadDecimal,       // a price/quantity string that is not exact at the symbol's scale
  kBadJson,          // not JSON, or truncated JSON
  kEmpty,            // no bytes, or only whitespace
  kUnexpectedShape,  // valid JSON of the wrong shape (a top-level array, a level of 3 items, ...)
  kTooLarge,         // larger than the decoder's maximum message size
};
inline constexpr size_t kDecodeErrorCount = 9;

// "book_ticker", "depth_snapshot", "depth_diff", "trade", "agg_trade", "control_reply",
// "server_shutdown".
std::string_view to_string(MessageKind kind);
// "unknown_stream", "unknown_symbol", "missing_field", "wrong_type", "bad_decimal",
// "bad_json", "empty", "unexpected_shape", "too_large".
std::string_view to_string(DecodeError error);

// The outcome of decoding one message: the kind delivered, or the reason it was not.
// A few bytes; a value type.
class DecodeResult {
 public:
  static constexpr DecodeResult success(MessageKind kind) { return DecodeResult(true, kind, DecodeError{}); }
  static constexpr DecodeResult failure(DecodeError error) {
    return DecodeResult(false, MessageKind{}, error);
  }

  constexpr bool ok() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }
  // Meaningful only when ok().
  constexpr MessageKind kind() const { return kind_; }
  // Meaningful only when !ok().
  constexpr DecodeError error() const { return error_; }

 private:
  constexpr DecodeResult(bool ok, MessageKind kind, DecodeError error)
      : ok_(ok), kind_(kind), error_(error) {}

  bool ok_;
  MessageKind kind_;
  DecodeError error_;
};

}  // namespace phoenix::binance
