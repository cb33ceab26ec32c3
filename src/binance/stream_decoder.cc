#include "binance/stream_decoder.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "binance/json_internal.h"
#include "telemetry/log.h"

// PHOENIX_SIMDJSON_EXPECTED_KERNEL is set by src/binance/CMakeLists.txt when a kernel is
// asked for: the build fails here rather than silently running another one (for example
// -mavx2 without -mlzcnt gives "westmere", not "haswell").
#ifdef PHOENIX_SIMDJSON_EXPECTED_KERNEL
static_assert(std::string_view(SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION)) ==
                  std::string_view(PHOENIX_SIMDJSON_EXPECTED_KERNEL),
              "the -m flags on phoenix_binance do not select the simdjson kernel CMake asked for");
#endif

namespace phoenix::binance {
namespace {

using json_internal::MaybeError;
using json_internal::read_amount;
using json_internal::reason_for;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

constexpr int64_t kLogWindowNs = 1'000'000'000;
constexpr size_t kSampleBytes = 120;

DecodeResult fail(DecodeError error) { return DecodeResult::failure(error); }
DecodeResult fail(simdjson::error_code error) { return DecodeResult::failure(reason_for(error)); }

}  // namespace

struct StreamDecoder::Impl {
  Impl(const SymbolTable& symbol_table, MarketDataSink& market_sink, StreamDecoderOptions decoder_options)
      : symbols(symbol_table),
        sink(market_sink),
        options(std::move(decoder_options)),
        parser(options.max_message_bytes) {
    if (!options.raw_stream.empty()) raw_stream = parse_stream_name(options.raw_stream);
    // Start-up allocation; if it fails, the first message allocates (or reports too_large).
    const simdjson::error_code allocated =
        parser.allocate(std::min(options.initial_capacity_bytes, options.max_message_bytes));
    static_cast<void>(allocated);
    const size_t reserve = std::min<size_t>(options.max_levels_per_side, 1024);
    bids.reserve(reserve);
    asks.reserve(reserve);
  }

  DecodeResult decode(const char* data, size_t len, int64_t recv_ns);
  DecodeResult decode_combined(object& top, value& stream_value, int64_t recv_ns);
  DecodeResult decode_raw(object& top, const char* data, size_t len, int64_t recv_ns);
  DecodeResult decode_control_reply(const char* data, size_t len);

  DecodeResult decode_book_ticker(object& obj, int64_t recv_ns);
  DecodeResult decode_partial_depth(object& obj, core::SymbolId symbol, int64_t recv_ns);
  DecodeResult decode_depth_diff(object& obj, int64_t recv_ns);
  DecodeResult decode_trade(object& obj, bool aggregated, int64_t recv_ns);
  DecodeResult decode_server_shutdown(object& obj);

  // Reads "s" and maps it to a SymbolId.
  MaybeError read_symbol(object& obj, core::SymbolId& symbol);
  MaybeError read_levels(object& obj, std::string_view key, const core::SymbolScale& scale,
                         std::vector<core::Level>& levels);

  const SymbolTable& symbols;
  MarketDataSink& sink;
  const StreamDecoderOptions options;
  std::optional<StreamName> raw_stream;  // views into options.raw_stream
  simdjson::ondemand::parser parser;
  json_internal::PaddedInput input;
  std::vector<core::Level> bids;
  std::vector<core::Level> asks;
  ControlReplyDecoder control;
  ControlReply reply;
  std::string_view stream;  // of the message being decoded, for the error log
};

DecodeResult StreamDecoder::Impl::decode(const char* data, size_t len, int64_t recv_ns) {
  simdjson::ondemand::document doc;
  object top;
  if (MaybeError error = json_internal::open_object(parser, data, len, doc, top)) return fail(*error);
  value stream_value;
  const simdjson::error_code error = top.find_field_unordered("stream").get(stream_value);
  if (error == simdjson::SUCCESS) return decode_combined(top, stream_value, recv_ns);
  if (error != simdjson::NO_SUCH_FIELD) return fail(error);
  return decode_raw(top, data, len, recv_ns);
}

DecodeResult StreamDecoder::Impl::decode_combined(object& top, value& stream_value, int64_t recv_ns) {
  if (auto error = stream_value.get_string().get(stream)) return fail(error);
  const std::optional<StreamName> name = parse_stream_name(stream);
  if (!name) return fail(DecodeError::kUnknownStream);
  core::SymbolId depth_symbol = core::kNoSymbol;
  if (name->kind == StreamKind::kPartialDepth) {
    // Partial depth carries no symbol of its own: the stream name is the only source.
    depth_symbol = symbols.find(name->symbol);
    if (depth_symbol == core::kNoSymbol) return fail(DecodeError::kUnknownSymbol);
  }
  object obj;
  if (auto error = top.find_field_unordered("data").get_object().get(obj)) return fail(error);
  switch (name->kind) {
    case StreamKind::kBookTicker: return decode_book_ticker(obj, recv_ns);
    case StreamKind::kPartialDepth: return decode_partial_depth(obj, depth_symbol, recv_ns);
    case StreamKind::kDiffDepth: return decode_depth_diff(obj, recv_ns);
    case StreamKind::kTrade: return decode_trade(obj, false, recv_ns);
    case StreamKind::kAggTrade: return decode_trade(obj, true, recv_ns);
    case StreamKind::kServerShutdown: return decode_server_shutdown(obj);
  }
  return fail(DecodeError::kUnknownStream);
}

DecodeResult StreamDecoder::Impl::decode_raw(object& top, const char* data, size_t len, int64_t recv_ns) {
  if (raw_stream) stream = options.raw_stream;
  // Events name themselves in "e".
  std::string_view event;
  simdjson::error_code error = top.find_field_unordered("e").get_string().get(event);
  if (error == simdjson::SUCCESS) {
    if (!raw_stream) stream = event;
    if (event == "depthUpdate") return decode_depth_diff(top, recv_ns);
    if (event == "trade") return decode_trade(top, false, recv_ns);
    if (event == "aggTrade") return decode_trade(top, true, recv_ns);
    if (event == "serverShutdown") return decode_server_shutdown(top);
    return fail(DecodeError::kUnknownStream);
  }
  if (error != simdjson::NO_SUCH_FIELD) return fail(error);

  // No "e": bookTicker, partial depth or a control reply; tell them apart by their fields.
  value probe;
  error = top.find_field_unordered("u").get(probe);
  if (error == simdjson::SUCCESS) {
    if (auto reset_error = top.reset().error()) return fail(reset_error);
    return decode_book_ticker(top, recv_ns);
  }
  if (error != simdjson::NO_SUCH_FIELD) return fail(error);
  error = top.find_field_unordered("lastUpdateId").get(probe);
  if (error == simdjson::SUCCESS) {
    if (!raw_stream || raw_stream->kind != StreamKind::kPartialDepth)
      return fail(DecodeError::kUnknownStream);
    const core::SymbolId symbol = symbols.find(raw_stream->symbol);
    if (symbol == core::kNoSymbol) return fail(DecodeError::kUnknownSymbol);
    if (auto reset_error = top.reset().error()) return fail(reset_error);
    return decode_partial_depth(top, symbol, recv_ns);
  }
  if (error != simdjson::NO_SUCH_FIELD) return fail(error);
  for (const char* key : {"result", "error"}) {
    error = top.find_field_unordered(key).get(probe);
    if (error == simdjson::SUCCESS) return decode_control_reply(data, len);
    if (error != simdjson::NO_SUCH_FIELD) return fail(error);
  }
  return fail(DecodeError::kUnknownStream);
}

DecodeResult StreamDecoder::Impl::decode_control_reply(const char* data, size_t len) {
  // Rare (a few per connection): parsed again by the dedicated decoder, from the same
  // padded bytes.
  stream = "control";
  const DecodeResult result =
      control.decode(std::string_view(data, len), len + simdjson::SIMDJSON_PADDING, reply);
  if (result) sink.on_control_reply(reply);
  return result;
}

MaybeError StreamDecoder::Impl::read_symbol(object& obj, core::SymbolId& symbol) {
  std::string_view text;
  if (auto error = obj.find_field_unordered("s").get_string().get(text)) return reason_for(error);
  symbol = symbols.find(text);
  if (symbol == core::kNoSymbol) return DecodeError::kUnknownSymbol;
  return std::nullopt;
}

MaybeError StreamDecoder::Impl::read_levels(object& obj, std::string_view key, const core::SymbolScale& scale,
                                            std::vector<core::Level>& levels) {
  value list;
  if (auto error = obj.find_field_unordered(key).get(list)) return reason_for(error);
  return json_internal::parse_levels(list, scale, options.max_levels_per_side, levels);
}

// {"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}
DecodeResult StreamDecoder::Impl::decode_book_ticker(object& obj, int64_t recv_ns) {
  core::BookTicker event;
  if (auto error = obj.find_field_unordered("u").get_uint64().get(event.update_id)) return fail(error);
  if (MaybeError error = read_symbol(obj, event.symbol)) return fail(*error);
  const core::SymbolScale& scale = symbols.scale(event.symbol);
  if (MaybeError error = read_amount(obj, "b", scale.price_scale, event.bid_price)) return fail(*error);
  if (MaybeError error = read_amount(obj, "B", scale.qty_scale, event.bid_qty)) return fail(*error);
  if (MaybeError error = read_amount(obj, "a", scale.price_scale, event.ask_price)) return fail(*error);
  if (MaybeError error = read_amount(obj, "A", scale.qty_scale, event.ask_qty)) return fail(*error);
  sink.on_book_ticker(event, recv_ns);
  return DecodeResult::success(MessageKind::kBookTicker);
}

// {"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}
DecodeResult StreamDecoder::Impl::decode_partial_depth(object& obj, core::SymbolId symbol, int64_t recv_ns) {
  core::DepthSnapshot event;
  event.symbol = symbol;
  if (auto error = obj.find_field_unordered("lastUpdateId").get_uint64().get(event.last_update_id)) {
    return fail(error);
  }
  const core::SymbolScale& scale = symbols.scale(symbol);
  if (MaybeError error = read_levels(obj, "bids", scale, bids)) return fail(*error);
  if (MaybeError error = read_levels(obj, "asks", scale, asks)) return fail(*error);
  event.bids = bids;
  event.asks = asks;
  sink.on_depth_snapshot(event, recv_ns);
  return DecodeResult::success(MessageKind::kDepthSnapshot);
}

// {"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}
DecodeResult StreamDecoder::Impl::decode_depth_diff(object& obj, int64_t recv_ns) {
  core::DepthDiff event;
  if (auto error = obj.find_field_unordered("E").get_int64().get(event.event_time_ms)) return fail(error);
  if (MaybeError error = read_symbol(obj, event.symbol)) return fail(*error);
  if (auto error = obj.find_field_unordered("U").get_uint64().get(event.first_update_id)) return fail(error);
  if (auto error = obj.find_field_unordered("u").get_uint64().get(event.final_update_id)) return fail(error);
  const core::SymbolScale& scale = symbols.scale(event.symbol);
  if (MaybeError error = read_levels(obj, "b", scale, bids)) return fail(*error);
  if (MaybeError error = read_levels(obj, "a", scale, asks)) return fail(*error);
  event.bids = bids;
  event.asks = asks;
  sink.on_depth_diff(event, recv_ns);
  return DecodeResult::success(MessageKind::kDepthDiff);
}

// trade:    {"e":"trade","E":..,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":..,"m":true,"M":true}
// aggTrade:
// {"e":"aggTrade","E":..,"s":"BNBBTC","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":..,"m":true,"M":true}
DecodeResult StreamDecoder::Impl::decode_trade(object& obj, bool aggregated, int64_t recv_ns) {
  core::Trade event;
  event.aggregated = aggregated;
  if (MaybeError error = read_symbol(obj, event.symbol)) return fail(*error);
  if (auto error = obj.find_field_unordered(aggregated ? "a" : "t").get_uint64().get(event.trade_id)) {
    return fail(error);
  }
  const core::SymbolScale& scale = symbols.scale(event.symbol);
  if (MaybeError error = read_amount(obj, "p", scale.price_scale, event.price)) return fail(*error);
  if (MaybeError error = read_amount(obj, "q", scale.qty_scale, event.qty)) return fail(*error);
  if (auto error = obj.find_field_unordered("T").get_int64().get(event.trade_time_ms)) return fail(error);
  if (auto error = obj.find_field_unordered("m").get_bool().get(event.buyer_is_maker)) return fail(error);
  sink.on_trade(event, recv_ns);
  return DecodeResult::success(aggregated ? MessageKind::kAggTrade : MessageKind::kTrade);
}

// {"e":"serverShutdown","E":1770123456789}
DecodeResult StreamDecoder::Impl::decode_server_shutdown(object& obj) {
  int64_t event_time_ms = 0;
  if (auto error = obj.find_field_unordered("E").get_int64().get(event_time_ms)) return fail(error);
  sink.on_server_shutdown(event_time_ms);
  return DecodeResult::success(MessageKind::kServerShutdown);
}

StreamDecoder::StreamDecoder(const SymbolTable& symbols, MarketDataSink& sink, telemetry::Registry& registry,
                             StreamDecoderOptions options)
    : impl_(std::make_unique<Impl>(symbols, sink, std::move(options))) {
  for (size_t i = 0; i < kDecodeErrorCount; ++i) {
    error_counters_[i] = &registry.counter("phoenix_md_decode_errors_total",
                                           "Market-data messages that could not be decoded, by reason",
                                           {{"reason", to_string(static_cast<DecodeError>(i))}});
  }
  for (size_t i = 0; i < kMessageKindCount; ++i) {
    kind_counters_[i] =
        &registry.counter("phoenix_md_messages_decoded_total", "Market-data messages decoded, by kind",
                          {{"kind", to_string(static_cast<MessageKind>(i))}});
  }
  padding_copies_ =
      &registry.counter("phoenix_md_decode_padding_copies_total",
                        "Market-data messages copied because their buffer lacked simdjson padding");
}

StreamDecoder::~StreamDecoder() = default;

size_t StreamDecoder::parser_capacity() const { return impl_->parser.capacity(); }

DecodeResult StreamDecoder::decode(std::string_view payload, size_t capacity, int64_t recv_ns) {
  impl_->stream = {};
  DecodeResult result = DecodeResult::failure(DecodeError::kEmpty);
  if (payload.empty()) {
    result = DecodeResult::failure(DecodeError::kEmpty);
  } else if (payload.size() > impl_->options.max_message_bytes) {
    result = DecodeResult::failure(DecodeError::kTooLarge);
  } else {
    bool copied = false;
    const char* data = impl_->input.prepare(payload, capacity, copied);
    if (copied) padding_copies_->inc();
    result = impl_->decode(data, payload.size(), recv_ns);
  }
  if (result) {
    kind_counters_[static_cast<size_t>(result.kind())]->inc();
  } else {
    count_error(result.error(), impl_->stream, payload, recv_ns);
  }
  return result;
}

void StreamDecoder::count_error(DecodeError error, std::string_view stream, std::string_view payload,
                                int64_t recv_ns) {
  const auto i = static_cast<size_t>(error);
  error_counters_[i]->inc();
  if (logged_once_[i] && recv_ns - log_window_start_ns_[i] < kLogWindowNs) {
    ++log_skipped_[i];
    return;
  }
  // The sample stays printable ASCII whatever arrived (binary, invalid UTF-8).
  char sample[kSampleBytes];
  const size_t n = std::min(payload.size(), kSampleBytes);
  for (size_t k = 0; k < n; ++k) {
    const char c = payload[k];
    sample[k] = (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  telemetry::log_event(telemetry::LogLevel::kWarn, "md_decode_error", "reason", to_string(error), "stream",
                       stream.empty() ? std::string_view("-") : stream, "sample", std::string_view(sample, n),
                       "skipped", log_skipped_[i]);
  logged_once_[i] = true;
  log_window_start_ns_[i] = recv_ns;
  log_skipped_[i] = 0;
}

SimdjsonKernels simdjson_kernels() {
  SimdjsonKernels kernels;
  kernels.on_demand = SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION);
  kernels.stage1 = simdjson::get_active_implementation()->name();
  kernels.library = simdjson::builtin_implementation()->name();
  return kernels;
}

bool cpu_supports_simdjson_kernel() {
  bool ok = true;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
#ifdef __SSE4_2__
  ok = ok && __builtin_cpu_supports("sse4.2");
#endif
#ifdef __PCLMUL__
  ok = ok && __builtin_cpu_supports("pclmul");
#endif
#ifdef __AVX2__
  ok = ok && __builtin_cpu_supports("avx2");
#endif
#ifdef __BMI__
  ok = ok && __builtin_cpu_supports("bmi");
#endif
#ifdef __LZCNT__
  ok = ok && __builtin_cpu_supports("lzcnt");
#endif
#ifdef __AVX512F__
  ok = ok && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
       __builtin_cpu_supports("avx512cd");
#endif
#ifdef __AVX512VBMI2__
  ok = ok && __builtin_cpu_supports("avx512vbmi2");
#endif
#endif
  return ok;
}

}  // namespace phoenix::binance
