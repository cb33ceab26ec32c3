#pragma once

// Control messages on a Binance market-stream connection: the SUBSCRIBE / UNSUBSCRIBE /
// LIST_SUBSCRIPTIONS requests Phoenix sends, and the replies the server sends back:
//
//   {"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@depth"],"id":1}
//   {"result":null,"id":1}                                  success
//   {"result":["btcusdt@aggTrade"],"id":3}                  LIST_SUBSCRIPTIONS
//   {"result":true,"id":2}                                  GET_PROPERTY
//   {"error":{"code":2,"msg":"Invalid request: ..."},"id":2}
//
// Every frame a client sends counts against Binance's 5 messages per second per
// connection (pings and pongs included); pacing them is the connection's job
// (src/net), kMaxControlMessagesPerSecond is the number to pace to.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "binance/stream_names.h"

namespace phoenix::binance {

// Binance closes a market connection that sends more than this many frames a second.
inline constexpr int kMaxControlMessagesPerSecond = 5;

// {"method":"SUBSCRIBE","params":[...],"id":<id>}. Stream names are JSON-escaped.
std::string encode_subscribe(std::span<const std::string> streams, int64_t id);
// {"method":"UNSUBSCRIBE","params":[...],"id":<id>}
std::string encode_unsubscribe(std::span<const std::string> streams, int64_t id);
// {"method":"LIST_SUBSCRIPTIONS","id":<id>}
std::string encode_list_subscriptions(int64_t id);

// A decoded reply to a control message. Views point into the decoder that produced it and
// are valid only until its next decode (or, from a StreamDecoder, during the sink call).
struct ControlReply {
  enum class Kind : uint8_t {
    kOk,     // "result":null: the request succeeded
    kList,   // "result":[...]: LIST_SUBSCRIPTIONS, the streams in `list`
    kValue,  // "result":true|false: GET_PROPERTY, in `value`
    kError,  // "error":{"code":..,"msg":..}
  };
  Kind kind = Kind::kOk;
  std::optional<int64_t> id;  // the request's id; empty when the reply's id is null or a string
  std::string_view id_text;   // a string id as sent (Phoenix sends integers)
  std::span<const std::string_view> list;
  bool value = false;
  int64_t error_code = 0;
  std::string_view error_msg;
};

// Decodes control replies with simdjson On-Demand. Owns a reusable parser and a list
// buffer (no allocation per reply once warmed up). Owned by one connection's decoder;
// one thread at a time.
class ControlReplyDecoder {
 public:
  ControlReplyDecoder();
  ~ControlReplyDecoder();
  ControlReplyDecoder(const ControlReplyDecoder&) = delete;
  ControlReplyDecoder& operator=(const ControlReplyDecoder&) = delete;

  // Decodes `payload` into `out` (views valid until the next call). `capacity` is the
  // number of readable bytes at payload.data(); with less than payload.size() + 64
  // (SIMDJSON_PADDING) the payload is first copied into an internal padded buffer.
  // On failure `out` is unspecified and the result says why.
  DecodeResult decode(std::string_view payload, size_t capacity, ControlReply& out);
  // The same for a payload without known padding (always copied).
  DecodeResult decode(std::string_view payload, ControlReply& out) {
    return decode(payload, payload.size(), out);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phoenix::binance
