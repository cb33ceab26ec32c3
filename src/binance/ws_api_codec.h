#pragma once

// Binance WebSocket-API order entry: request encoders and the response decoder.
//
// Requests are one JSON text frame each:
//   {"id":<int|"str">,"method":"order.place","params":{...,"apiKey":..,"timestamp":..,"signature":..}}
// Signed requests carry apiKey + timestamp (+ recvWindow) + signature, the signature over
// every param sorted by name (signing.h). After a successful session.logon (Ed25519 only)
// they carry just timestamp (+ recvWindow): set_logged_on(true).
//
// Responses:
//   {"id":..,"status":200,"result":{...},"rateLimits":[...]}
//   {"id":..,"status":400,"error":{"code":-2010,"msg":"..","data":{..}?},"rateLimits":[...]}
// and, on the same connection, user-data events {"subscriptionId":N,"event":{...}} and
// {"event":{"e":"serverShutdown",..}} (decode those with UserDataDecoder).
//
// Field names of Binance live here and in the other src/binance decoders only.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "binance/order_symbols.h"
#include "binance/signing.h"
#include "core/orders.h"
#include "core/result.h"

namespace phoenix::binance {

// A request id: an integer, or a string of [A-Za-z0-9_-]{1,36} when `text` is non-empty.
struct WsRequestId {
  int64_t number = 0;
  std::string_view text;

  static WsRequestId of(int64_t n) { return WsRequestId{n, {}}; }
  static WsRequestId of(std::string_view s) { return WsRequestId{0, s}; }
};

// A new limit order, Binance-neutral (the OMS's PlaceOrder minus bookkeeping).
struct WsOrder {
  core::SymbolId symbol = core::kNoSymbol;
  core::Side side = core::Side::kBuy;
  core::Price price;
  core::Qty qty;
  core::ClientOrderId client_id;
  bool post_only = true;  // LIMIT_MAKER; else LIMIT GTC
};

// A signed REST request (the REST fallback of order entry): send `body` (form-encoded,
// may be empty) to `target` (path and query) with the X-MBX-APIKEY header.
struct RestRequest {
  enum class Verb : uint8_t { kGet, kPost, kPut, kDelete };
  Verb verb = Verb::kGet;
  std::string target;
  std::string body;
};

// Encodes WS-API requests. Owned by the order gateway; one thread (the trading loop).
// Holds a pointer to the signer (not owned; it must outlive the encoder) and the
// SymbolTable (names and scales). Every method writes the whole frame into `out`
// (cleared first; its capacity is reused) and returns an error, leaving `out`
// unspecified, on an unknown symbol, a bad id or a signing failure. `timestamp_ms` is
// server time (signing.h: server_timestamp_ms).
class WsApiEncoder {
 public:
  WsApiEncoder(const SymbolTable& symbols, std::string api_key, Signer* signer,
               std::optional<int64_t> recv_window_ms = std::nullopt);

  // After session.logon succeeded: signed requests send only timestamp (+ recvWindow).
  void set_logged_on(bool logged_on) { logged_on_ = logged_on; }
  bool logged_on() const { return logged_on_; }

  // order.place: LIMIT_MAKER or LIMIT GTC, newClientOrderId, newOrderRespType RESULT.
  core::Status place(std::string& out, WsRequestId id, int64_t timestamp_ms, const WsOrder& order);
  // order.cancel by origClientOrderId.
  core::Status cancel(std::string& out, WsRequestId id, int64_t timestamp_ms, core::SymbolId symbol,
                      const core::ClientOrderId& client_id);
  // order.cancelReplace, STOP_ON_FAILURE: cancel `cancel_client_id`, then place `order`.
  core::Status cancel_replace(std::string& out, WsRequestId id, int64_t timestamp_ms,
                              const core::ClientOrderId& cancel_client_id, const WsOrder& order);
  // order.amend.keepPriority: origClientOrderId, newQty.
  core::Status amend(std::string& out, WsRequestId id, int64_t timestamp_ms, core::SymbolId symbol,
                     const core::ClientOrderId& client_id, core::Qty new_qty);
  // order.status by origClientOrderId.
  core::Status order_status(std::string& out, WsRequestId id, int64_t timestamp_ms, core::SymbolId symbol,
                            const core::ClientOrderId& client_id);
  // openOrders.status for one symbol.
  core::Status open_orders(std::string& out, WsRequestId id, int64_t timestamp_ms, core::SymbolId symbol);
  // openOrders.cancelAll for one symbol.
  core::Status cancel_all(std::string& out, WsRequestId id, int64_t timestamp_ms, core::SymbolId symbol);
  // account.status with omitZeroBalances=true.
  core::Status account_status(std::string& out, WsRequestId id, int64_t timestamp_ms);
  // myTrades for one symbol from start_time_ms (inclusive).
  core::Status my_trades(std::string& out, WsRequestId id, int64_t timestamp_ms, core::SymbolId symbol,
                         int64_t start_time_ms);
  // session.logon (always apiKey + timestamp + signature; Ed25519 keys only).
  core::Status session_logon(std::string& out, WsRequestId id, int64_t timestamp_ms);
  // userDataStream.subscribe (no params; needs a logged-on session).
  core::Status user_data_subscribe(std::string& out, WsRequestId id);
  // userDataStream.subscribe.signature (apiKey + timestamp + signature; any key type).
  core::Status user_data_subscribe_signature(std::string& out, WsRequestId id, int64_t timestamp_ms);
  // time (unsigned).
  core::Status time(std::string& out, WsRequestId id);
  // exchangeInfo for the given symbols (all when empty; unsigned).
  core::Status exchange_info(std::string& out, WsRequestId id, std::span<const std::string_view> symbols);

  // The REST twin of the request encoded last (call it right after a successful encode,
  // before the next): order.place → POST /api/v3/order, order.cancel → DELETE
  // /api/v3/order, order.cancelReplace → POST /api/v3/order/cancelReplace,
  // order.amend.keepPriority → PUT /api/v3/order/amend/keepPriority, order.status → GET
  // /api/v3/order, openOrders.status → GET /api/v3/openOrders, openOrders.cancelAll →
  // DELETE /api/v3/openOrders, account.status → GET /api/v3/account, myTrades → GET
  // /api/v3/myTrades. Same params, signed for REST (signing.h: sign_rest_request; POST and
  // PUT in the body, GET and DELETE in the query). Errors for other methods.
  core::Status last_as_rest(int64_t timestamp_ms, RestRequest& out);
  const std::string& api_key() const { return api_key_; }

 private:
  struct Field {
    std::string_view name;
    std::string_view value;
    bool raw = false;  // written unquoted (numbers, booleans, arrays)
  };
  enum class Auth : uint8_t { kNone, kSigned, kAlwaysSigned };

  core::Status write(std::string& out, WsRequestId id, std::string_view method, std::span<const Field> fields,
                     Auth auth, int64_t timestamp_ms);
  core::Status order_fields(const WsOrder& order, std::vector<Field>& fields);

  const SymbolTable& symbols_;
  std::string api_key_;
  Signer* signer_;
  std::optional<int64_t> recv_window_ms_;
  bool logged_on_ = false;
  std::string_view last_method_;
  // Scratch, reused between calls.
  std::string price_text_;
  std::string qty_text_;
  std::string timestamp_text_;
  std::string recv_window_text_;
  std::string extra_text_;
  // Copies of the ids the last request named (fields_ views them; last_as_rest reads them).
  core::ClientOrderId client_scratch_;
  core::ClientOrderId cancel_scratch_;
  std::vector<Field> fields_;
  std::vector<Param> sign_params_;
};

// ---- Responses.

// The envelope of one WS-API frame.
struct WsEnvelope {
  enum class Kind : uint8_t {
    kResponse,  // a reply to a request: id, status, result or error
    kEvent,     // a user-data event or serverShutdown ({"event":...}): use UserDataDecoder
  };
  Kind kind = Kind::kResponse;
  // The request id: `id` for an integer, `id_text` for a string; neither for null.
  std::optional<int64_t> id;
  std::string_view id_text;
  int status = 0;      // HTTP-like status (200, 400, 409, 418, 429, ...)
  bool ok = false;     // true when "result" is present (status 200)
  int error_code = 0;  // error.code
  std::string_view error_msg;
  std::string_view error_data;  // error.data as raw JSON; empty when absent
  int64_t retry_after_ms = 0;   // error.data.retryAfter (epoch ms, 429/418), 0 when absent
  bool has_rate_limits = false;
  core::RateLimitUsage rate_limits;
};

// cancelReplace's outcome (success, or the -2021/-2022 error's data).
struct CancelReplaceResult {
  bool cancel_succeeded = false;
  bool new_order_attempted = false;
  bool new_order_succeeded = false;
  core::OrderUpdate canceled;   // valid when cancel_succeeded (exec_type kCanceled)
  core::OrderUpdate new_order;  // valid when new_order_succeeded (exec_type kNew / kTrade)
  int cancel_error_code = 0;    // when the cancel failed
  std::string_view cancel_error_msg;
  int new_order_error_code = 0;  // when the new order failed
  std::string_view new_order_error_msg;
};

// Decodes WS-API frames with simdjson (DOM, reusable parser: no allocation per frame
// once warmed up, beyond the vectors the caller passes). decode() parses a frame and
// reads its envelope; the result readers then read that frame's `result` (or, for
// cancel_replace_result, error.data) and fail when it does not have the expected shape.
// Views (strings) stay valid until the next decode(). Owned by the order gateway; one
// thread.
//
// Order results map to core::OrderUpdate: status strings to core::OrderStatus
// (EXPIRED_IN_MATCH → kExpired, PENDING_NEW → kNew), symbols to SymbolIds via the
// OrderSymbols' table (an unknown symbol is an error that names it, kNotFound).
class WsApiDecoder {
 public:
  explicit WsApiDecoder(const OrderSymbols& symbols);
  ~WsApiDecoder();
  WsApiDecoder(const WsApiDecoder&) = delete;
  WsApiDecoder& operator=(const WsApiDecoder&) = delete;

  core::Status decode(std::string_view frame, WsEnvelope& out);
  // A REST response (HTTP status and body) read as if it were a WS-API frame: a 2xx body
  // is the result, any other body the error ({"code":..,"msg":..}); the result readers
  // below then work on it. Rate limits come from the headers (apply_rate_limit_header).
  core::Status decode_rest(int http_status, std::string_view body, WsEnvelope& out);

  // order.place / order.status result (exec_type `exec`: kNew for place, kSnapshot for
  // status), order.cancel result (kCanceled), order.amend.keepPriority result (kReplaced).
  core::Status order_result(core::ExecType exec, core::OrderUpdate& out);
  core::Status amend_result(core::OrderUpdate& out);
  // order.cancelReplace: the success result, or a failure's error.data.
  core::Status cancel_replace_result(CancelReplaceResult& out);
  // openOrders.status (kSnapshot each) or openOrders.cancelAll (kCanceled each); cleared first.
  core::Status order_list(core::ExecType exec, std::vector<core::OrderUpdate>& out);
  // account.status balances (units of 10^-8); cleared first.
  core::Status balances(std::vector<core::AssetBalance>& out);
  // myTrades: kTrade updates (order_id, trade_id, last price/qty, commission, maker,
  // side from isBuyer, transact time); client_id empty. Cleared first.
  core::Status trades(core::SymbolId expected_symbol, std::vector<core::OrderUpdate>& out);
  // time: serverTime.
  core::Result<int64_t> server_time();
  // userDataStream.subscribe(.signature): subscriptionId.
  core::Result<int64_t> subscription_id();
  // session.logon / session.status: whether the session has an apiKey.
  core::Result<bool> session_authorized();

 private:
  // An integer field of the last frame's "result" object.
  core::Result<int64_t> result_int(std::string_view key);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Folds one REST response header into `usage` when it is a rate-limit header
// (x-mbx-used-weight-1m, x-mbx-order-count-10s, x-mbx-order-count-1d; names any case).
// Returns whether it was one.
bool apply_rate_limit_header(std::string_view name, std::string_view value, core::RateLimitUsage& usage);

// core::OrderStatus from Binance's status string; nullopt for an unknown one.
std::optional<core::OrderStatus> parse_order_status(std::string_view text);
// core::ExecType from executionReport's "x"; nullopt for an unknown one.
std::optional<core::ExecType> parse_exec_type(std::string_view text);

}  // namespace phoenix::binance
