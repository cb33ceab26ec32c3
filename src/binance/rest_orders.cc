#include "binance/rest_orders.h"

#include <charconv>
#include <limits>
#include <string>
#include <utility>

#include "binance/dom_internal.h"
#include "binance/error_codes.h"
#include "binance/json_internal.h"

namespace phoenix::binance {
namespace {

using core::Error;
using core::ErrorCode;
using core::Status;

void append_int(std::string& out, int64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

std::string_view side_name(core::Side side) { return side == core::Side::kBuy ? "BUY" : "SELL"; }

}  // namespace

std::string_view to_string(RestMethod method) {
  switch (method) {
    case RestMethod::kGet: return "GET";
    case RestMethod::kPost: return "POST";
    case RestMethod::kPut: return "PUT";
    case RestMethod::kDelete: return "DELETE";
  }
  return "GET";
}

// ---------------------------------------------------------------------------------------
// Encoder

RestOrderEncoder::RestOrderEncoder(const SymbolTable& symbols, std::string api_key, Signer* signer,
                                   std::optional<int64_t> recv_window_ms)
    : symbols_(symbols), api_key_(std::move(api_key)), signer_(signer), recv_window_ms_(recv_window_ms) {
  params_.reserve(16);
}

Status RestOrderEncoder::check_symbol(core::SymbolId symbol, std::string_view what) const {
  if (symbol >= symbols_.size())
    return Error{ErrorCode::kInvalidArgument, std::string(what) + " for an unknown symbol id"};
  return {};
}

Status RestOrderEncoder::build(RestOrderRequest& out, core::RequestKind kind, RestMethod method,
                               std::string_view path, int64_t timestamp_ms) {
  if (signer_ == nullptr || api_key_.empty()) {
    return Error{ErrorCode::kInvalidArgument, std::string(path) + ": no API key or signer to sign with"};
  }
  const bool form = method == RestMethod::kPost || method == RestMethod::kPut;
  const std::span<const Param> none;
  core::Result<SignedRestRequest> signed_request =
      form ? sign_rest_request(*signer_, none, params_, timestamp_ms, recv_window_ms_)
           : sign_rest_request(*signer_, params_, none, timestamp_ms, recv_window_ms_);
  if (!signed_request) return std::move(signed_request).error();
  out.kind = kind;
  out.method = method;
  out.target.assign(path);
  if (!signed_request->query.empty()) {
    out.target += '?';
    out.target += signed_request->query;
  }
  out.body = std::move(signed_request->body);
  out.content_type = out.body.empty() ? std::string() : std::string(kFormContentType);
  out.headers.clear();
  out.headers.emplace_back(std::string(kApiKeyHeader), api_key_);
  return {};
}

Status RestOrderEncoder::order_params(const oms::PlaceOrder& order) {
  if (Status s = check_symbol(order.symbol, "order"); !s) return s;
  if (order.client_id.empty()) return Error{ErrorCode::kInvalidArgument, "order without a client id"};
  const core::SymbolScale& scale = symbols_.scale(order.symbol);
  price_text_ = core::format_units(order.price.units(), scale.price_scale);
  qty_text_ = core::format_units(order.qty.units(), scale.qty_scale);
  params_.push_back({"symbol", symbols_.name(order.symbol)});
  params_.push_back({"side", side_name(order.side)});
  if (order.post_only) {
    params_.push_back({"type", "LIMIT_MAKER"});
  } else {
    params_.push_back({"type", "LIMIT"});
    params_.push_back({"timeInForce", "GTC"});
  }
  params_.push_back({"price", price_text_});
  params_.push_back({"quantity", qty_text_});
  params_.push_back({"newClientOrderId", order.client_id.view()});
  params_.push_back({"newOrderRespType", "RESULT"});
  return {};
}

Status RestOrderEncoder::place(RestOrderRequest& out, int64_t timestamp_ms, const oms::PlaceOrder& order) {
  params_.clear();
  if (Status s = order_params(order); !s) return s;
  return build(out, core::RequestKind::kPlace, RestMethod::kPost, "/api/v3/order", timestamp_ms);
}

Status RestOrderEncoder::cancel(RestOrderRequest& out, int64_t timestamp_ms, const oms::CancelOrder& order) {
  if (Status s = check_symbol(order.symbol, "cancel"); !s) return s;
  if (order.client_id.empty()) return Error{ErrorCode::kInvalidArgument, "cancel without a client id"};
  params_.clear();
  params_.push_back({"symbol", symbols_.name(order.symbol)});
  params_.push_back({"origClientOrderId", order.client_id.view()});
  return build(out, core::RequestKind::kCancel, RestMethod::kDelete, "/api/v3/order", timestamp_ms);
}

Status RestOrderEncoder::cancel_replace(RestOrderRequest& out, int64_t timestamp_ms,
                                        const oms::ReplaceOrder& order) {
  if (order.cancel_client_id.empty())
    return Error{ErrorCode::kInvalidArgument, "cancelReplace without a cancel id"};
  params_.clear();
  if (Status s = order_params(order.new_order); !s) return s;
  params_.push_back({"cancelReplaceMode", "STOP_ON_FAILURE"});
  params_.push_back({"cancelOrigClientOrderId", order.cancel_client_id.view()});
  return build(out, core::RequestKind::kCancelReplace, RestMethod::kPost, "/api/v3/order/cancelReplace",
               timestamp_ms);
}

Status RestOrderEncoder::amend(RestOrderRequest& out, int64_t timestamp_ms, const oms::AmendOrder& order) {
  if (Status s = check_symbol(order.symbol, "amend"); !s) return s;
  if (order.client_id.empty()) return Error{ErrorCode::kInvalidArgument, "amend without a client id"};
  qty_text_ = core::format_units(order.new_qty.units(), symbols_.scale(order.symbol).qty_scale);
  params_.clear();
  params_.push_back({"symbol", symbols_.name(order.symbol)});
  params_.push_back({"origClientOrderId", order.client_id.view()});
  params_.push_back({"newQty", qty_text_});
  return build(out, core::RequestKind::kAmend, RestMethod::kPut, "/api/v3/order/amend/keepPriority",
               timestamp_ms);
}

Status RestOrderEncoder::query_order(RestOrderRequest& out, int64_t timestamp_ms, core::SymbolId symbol,
                                     const core::ClientOrderId& client_id) {
  if (Status s = check_symbol(symbol, "query"); !s) return s;
  if (client_id.empty()) return Error{ErrorCode::kInvalidArgument, "query without a client id"};
  params_.clear();
  params_.push_back({"symbol", symbols_.name(symbol)});
  params_.push_back({"origClientOrderId", client_id.view()});
  return build(out, core::RequestKind::kQuery, RestMethod::kGet, "/api/v3/order", timestamp_ms);
}

Status RestOrderEncoder::open_orders(RestOrderRequest& out, int64_t timestamp_ms, core::SymbolId symbol) {
  if (Status s = check_symbol(symbol, "openOrders"); !s) return s;
  params_.clear();
  params_.push_back({"symbol", symbols_.name(symbol)});
  return build(out, core::RequestKind::kOpenOrders, RestMethod::kGet, "/api/v3/openOrders", timestamp_ms);
}

Status RestOrderEncoder::cancel_all(RestOrderRequest& out, int64_t timestamp_ms, core::SymbolId symbol) {
  if (Status s = check_symbol(symbol, "cancelAll"); !s) return s;
  params_.clear();
  params_.push_back({"symbol", symbols_.name(symbol)});
  return build(out, core::RequestKind::kCancelAll, RestMethod::kDelete, "/api/v3/openOrders", timestamp_ms);
}

Status RestOrderEncoder::account(RestOrderRequest& out, int64_t timestamp_ms) {
  params_.clear();
  params_.push_back({"omitZeroBalances", "true"});
  return build(out, core::RequestKind::kAccount, RestMethod::kGet, "/api/v3/account", timestamp_ms);
}

Status RestOrderEncoder::my_trades(RestOrderRequest& out, int64_t timestamp_ms, core::SymbolId symbol,
                                   int64_t start_time_ms) {
  if (Status s = check_symbol(symbol, "myTrades"); !s) return s;
  extra_text_.clear();
  append_int(extra_text_, start_time_ms);
  params_.clear();
  params_.push_back({"symbol", symbols_.name(symbol)});
  params_.push_back({"startTime", extra_text_});
  return build(out, core::RequestKind::kTrades, RestMethod::kGet, "/api/v3/myTrades", timestamp_ms);
}

// ---------------------------------------------------------------------------------------
// Decoder

struct RestDecoder::Impl {
  explicit Impl(const OrderSymbols& symbols) : ws(symbols) {}
  WsApiDecoder ws;
  // Validates the body on its own first, so that decode_rest's wrapping it into an envelope
  // can never change its meaning (a body like `{},"result":[]` would otherwise).
  simdjson::dom::parser validator;
  json_internal::PaddedInput input;
  WsEnvelope envelope;
  bool decoded = false;  // `ws` holds the last body (else the readers fail)

  Status check() const {
    if (!decoded) return dom_internal::parse_error("no decoded REST response body", "");
    return {};
  }
};

RestDecoder::RestDecoder(const OrderSymbols& symbols) : impl_(std::make_unique<Impl>(symbols)) {}
RestDecoder::~RestDecoder() = default;

Status RestDecoder::decode(core::RequestKind kind, int http_status, std::string_view body,
                           std::optional<int64_t> retry_after_s, RestReply& out) {
  Impl& d = *impl_;
  out = RestReply{};
  out.http_status = http_status;
  d.envelope = WsEnvelope{};
  d.decoded = false;
  if (http_status < 100 || http_status > 999) return dom_internal::parse_error("bad HTTP status", "");
  if (retry_after_s && *retry_after_s > 0) {
    out.retry_after_ms = *retry_after_s > std::numeric_limits<int64_t>::max() / 1000
                             ? std::numeric_limits<int64_t>::max()
                             : *retry_after_s * 1000;
  }
  simdjson::dom::element doc;
  const bool json = dom_internal::parse_document(d.validator, d.input, body, body.size(), doc).ok();
  const bool success = http_status >= 200 && http_status < 300;
  if (success) {
    if (!json) return dom_internal::parse_error("bad JSON in a REST response body", "");
    if (!doc.is_object() && !doc.is_array())
      return dom_internal::parse_error("expected an object or array for", "the body");
    if (Status s = d.ws.decode_rest(http_status, body, d.envelope); !s) return s;
    d.decoded = true;
    out.ok = true;
    return {};
  }
  if (json && doc.is_object()) {
    if (d.ws.decode_rest(http_status, body, d.envelope).ok()) {
      out.error_code = d.envelope.error_code;
      out.error_msg = d.envelope.error_msg;
      out.has_error_data = !d.envelope.error_data.empty();
      d.decoded = true;
    } else {
      d.envelope = WsEnvelope{};  // not Binance's error shape: the status alone decides
    }
  }
  out.action = classify_failure(kind, out.error_code, http_status);
  return {};
}

Status RestDecoder::order_result(core::ExecType exec, core::OrderUpdate& out) {
  if (Status s = impl_->check(); !s) return s;
  return impl_->ws.order_result(exec, out);
}
Status RestDecoder::amend_result(core::OrderUpdate& out) {
  if (Status s = impl_->check(); !s) return s;
  return impl_->ws.amend_result(out);
}
Status RestDecoder::cancel_replace_result(CancelReplaceResult& out) {
  if (Status s = impl_->check(); !s) return s;
  return impl_->ws.cancel_replace_result(out);
}
Status RestDecoder::order_list(core::ExecType exec, std::vector<core::OrderUpdate>& out) {
  out.clear();
  if (Status s = impl_->check(); !s) return s;
  return impl_->ws.order_list(exec, out);
}
Status RestDecoder::balances(std::vector<core::AssetBalance>& out) {
  out.clear();
  if (Status s = impl_->check(); !s) return s;
  return impl_->ws.balances(out);
}
Status RestDecoder::trades(core::SymbolId expected_symbol, std::vector<core::OrderUpdate>& out) {
  out.clear();
  if (Status s = impl_->check(); !s) return s;
  return impl_->ws.trades(expected_symbol, out);
}

}  // namespace phoenix::binance
