#pragma once

// Binance REST order entry (the fallback while the WebSocket API is down): signed request
// builders and the response decoder.
//
// Requests (every one signed, HMAC or Ed25519, with binance::sign_rest_request; the API key
// goes in the X-MBX-APIKEY header):
//   place           POST   /api/v3/order                      form body
//   cancel          DELETE /api/v3/order?...                  query (origClientOrderId)
//   cancel_replace  POST   /api/v3/order/cancelReplace        form body (STOP_ON_FAILURE)
//   amend           PUT    /api/v3/order/amend/keepPriority   form body (origClientOrderId, newQty)
//   query_order     GET    /api/v3/order?...                  query (origClientOrderId)
//   open_orders     GET    /api/v3/openOrders?symbol=...
//   cancel_all      DELETE /api/v3/openOrders?symbol=...
//   account         GET    /api/v3/account?omitZeroBalances=true
//   my_trades       GET    /api/v3/myTrades?symbol=...&startTime=...
// POST and PUT put every parameter (and recvWindow, timestamp, signature) in an
// application/x-www-form-urlencoded body and have no query; GET and DELETE put them in the
// query and have no body. Parameters are in the same order as the WS API encoder's.
//
// Responses: a 2xx body is the same JSON as the WS API's `result` for the same request; an
// error body is {"code":-2010,"msg":"..."} (cancelReplace adds "data"), with the HTTP
// status; 429/418 carry Retry-After (seconds). RestDecoder checks that the body is one JSON value,
// then reads it with WsApiDecoder::decode_rest and WsApiDecoder's result readers
// (ws_api_codec.h), so both transports decode orders identically; failures are classified
// with classify_failure (error_codes.h) and Retry-After.
//
// (ws_api_codec.h also has WsApiEncoder::last_as_rest, the REST twin of the last WS-API
// request, and its own RestRequest; RestOrderEncoder here builds REST requests directly
// from the OMS types, with the request kind, content type and API-key header the sender
// needs.)
//
// No dependency on src/net: the caller (the order gateway) sends a RestOrderRequest with
// net::HttpClient::request() and hands status, body, Retry-After and the rate-limit
// headers of the HttpResponse to RestDecoder / rest_rate_limits().

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "binance/order_symbols.h"
#include "binance/signing.h"
#include "binance/symbol_table.h"
#include "binance/ws_api_codec.h"
#include "core/orders.h"
#include "core/result.h"
#include "oms/gateway.h"

namespace phoenix::binance {

enum class RestMethod : uint8_t { kGet, kPost, kPut, kDelete };

// "GET", "POST", "PUT", "DELETE".
std::string_view to_string(RestMethod method);

inline constexpr std::string_view kApiKeyHeader = "X-MBX-APIKEY";
inline constexpr std::string_view kFormContentType = "application/x-www-form-urlencoded";

// One signed REST request, ready to send. HttpClient::request(method, target, body,
// content_type, {{api_key_header_name, api_key}}, ...).
struct RestOrderRequest {
  core::RequestKind kind = core::RequestKind::kPlace;  // for classify_failure and logs
  RestMethod method = RestMethod::kGet;
  std::string target;        // path and query: "/api/v3/order?symbol=...&signature=..."
  std::string body;          // form body; empty for GET / DELETE
  std::string content_type;  // kFormContentType when there is a body, else empty
  // Headers to add: X-MBX-APIKEY only.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Builds signed REST requests. Owned by the order gateway; one thread (the trading loop).
// Holds a pointer to the signer (not owned; must outlive the encoder) and the SymbolTable
// (names and scales; must outlive it). Every method overwrites `out` and returns an error,
// leaving `out` unspecified, on an unknown symbol, a missing client id, or a signing
// failure. `timestamp_ms` is server time (signing.h: server_timestamp_ms).
class RestOrderEncoder {
 public:
  RestOrderEncoder(const SymbolTable& symbols, std::string api_key, Signer* signer,
                   std::optional<int64_t> recv_window_ms = std::nullopt);

  // POST /api/v3/order: LIMIT_MAKER (post_only) or LIMIT GTC, newClientOrderId,
  // newOrderRespType=RESULT.
  core::Status place(RestOrderRequest& out, int64_t timestamp_ms, const oms::PlaceOrder& order);
  // DELETE /api/v3/order by origClientOrderId.
  core::Status cancel(RestOrderRequest& out, int64_t timestamp_ms, const oms::CancelOrder& order);
  // POST /api/v3/order/cancelReplace, cancelReplaceMode=STOP_ON_FAILURE,
  // cancelOrigClientOrderId = order.cancel_client_id; the new order as place().
  core::Status cancel_replace(RestOrderRequest& out, int64_t timestamp_ms, const oms::ReplaceOrder& order);
  // PUT /api/v3/order/amend/keepPriority: origClientOrderId, newQty.
  core::Status amend(RestOrderRequest& out, int64_t timestamp_ms, const oms::AmendOrder& order);
  // GET /api/v3/order by origClientOrderId.
  core::Status query_order(RestOrderRequest& out, int64_t timestamp_ms, core::SymbolId symbol,
                           const core::ClientOrderId& client_id);
  // GET /api/v3/openOrders for one symbol.
  core::Status open_orders(RestOrderRequest& out, int64_t timestamp_ms, core::SymbolId symbol);
  // DELETE /api/v3/openOrders for one symbol.
  core::Status cancel_all(RestOrderRequest& out, int64_t timestamp_ms, core::SymbolId symbol);
  // GET /api/v3/account with omitZeroBalances=true.
  core::Status account(RestOrderRequest& out, int64_t timestamp_ms);
  // GET /api/v3/myTrades for one symbol from start_time_ms (inclusive).
  core::Status my_trades(RestOrderRequest& out, int64_t timestamp_ms, core::SymbolId symbol,
                         int64_t start_time_ms);

 private:
  core::Status build(RestOrderRequest& out, core::RequestKind kind, RestMethod method, std::string_view path,
                     int64_t timestamp_ms);
  core::Status order_params(const oms::PlaceOrder& order);
  core::Status check_symbol(core::SymbolId symbol, std::string_view what) const;

  const SymbolTable& symbols_;
  std::string api_key_;
  Signer* signer_;
  std::optional<int64_t> recv_window_ms_;
  // Scratch, reused between calls.
  std::string price_text_;
  std::string qty_text_;
  std::string extra_text_;
  std::vector<Param> params_;
};

// One decoded REST response.
struct RestReply {
  int http_status = 0;
  bool ok = false;  // 2xx with a JSON body: use the RestDecoder result readers
  // When !ok: Binance's error code (0 when the body had none, e.g. an HTML 502 page), its
  // message (a view valid until the next decode), and what to do (classify_failure of the
  // request kind, code and HTTP status).
  int error_code = 0;
  std::string_view error_msg;
  core::FailureAction action = core::FailureAction::kRejected;
  // Retry-After (429, 418) in ms, 0 when absent.
  int64_t retry_after_ms = 0;
  // cancelReplace failures (-2021, -2022) carry both halves' results: cancel_replace_result().
  bool has_error_data = false;
};

// Decodes REST responses. Owned by the order gateway; one thread. Views stay valid until the
// next decode().
class RestDecoder {
 public:
  explicit RestDecoder(const OrderSymbols& symbols);
  ~RestDecoder();
  RestDecoder(const RestDecoder&) = delete;
  RestDecoder& operator=(const RestDecoder&) = delete;

  // Reads one response of a request of `kind`. Returns an error only when a 2xx body is not
  // JSON (or not an object / array): then the outcome is not known. An error status always
  // decodes (out.ok false, out.action set), whatever the body: a body that is not
  // {"code":..,"msg":..} gives error_code 0 and the action of the HTTP status alone.
  core::Status decode(core::RequestKind kind, int http_status, std::string_view body,
                      std::optional<int64_t> retry_after_s, RestReply& out);

  // The readers of WsApiDecoder, on the last decoded body (see ws_api_codec.h).
  core::Status order_result(core::ExecType exec, core::OrderUpdate& out);
  core::Status amend_result(core::OrderUpdate& out);
  // The success body, or a -2021/-2022 error's data.
  core::Status cancel_replace_result(CancelReplaceResult& out);
  core::Status order_list(core::ExecType exec, std::vector<core::OrderUpdate>& out);
  core::Status balances(std::vector<core::AssetBalance>& out);
  core::Status trades(core::SymbolId expected_symbol, std::vector<core::OrderUpdate>& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The usage the response headers report (apply_rate_limit_header, ws_api_codec.h: names
// x-mbx-order-count-10s, x-mbx-order-count-1d, x-mbx-used-weight-1m in any case, values
// non-negative integers), with the limits of `limits` (from exchangeInfo's
// rateLimits; the counts in it are ignored). `headers` is any range of objects with
// `.name` and `.value` (net::HttpResponse::rate_limit_headers). nullopt when none of the
// three headers was present.
template <class Headers>
std::optional<core::RateLimitUsage> rest_rate_limits(const Headers& headers,
                                                     const core::RateLimitUsage& limits) {
  core::RateLimitUsage usage;
  usage.orders_10s_limit = limits.orders_10s_limit;
  usage.orders_1d_limit = limits.orders_1d_limit;
  usage.weight_1m_limit = limits.weight_1m_limit;
  bool any = false;
  for (const auto& h : headers) any = apply_rate_limit_header(h.name, h.value, usage) || any;
  if (!any) return std::nullopt;
  return usage;
}

}  // namespace phoenix::binance
