#include "binance/ws_api_codec.h"

#include <charconv>
#include <cstdio>
#include <string>
#include <utility>

#include "binance/dom_internal.h"
#include "binance/json_internal.h"

namespace phoenix::binance {
namespace {

using json_internal::append_json_string;

using core::Error;
using core::ErrorCode;
using core::Status;
using dom_internal::get_amount;
using dom_internal::get_bool;
using dom_internal::get_int;
using dom_internal::get_object;
using dom_internal::get_string;
using dom_internal::parse_error;

void append_int(std::string& out, int64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

bool valid_id_text(std::string_view text) { return core::ClientOrderId::parse(text).has_value(); }

std::string_view side_name(core::Side side) { return side == core::Side::kBuy ? "BUY" : "SELL"; }

}  // namespace

std::optional<core::OrderStatus> parse_order_status(std::string_view text) {
  using core::OrderStatus;
  if (text == "NEW" || text == "PENDING_NEW") return OrderStatus::kNew;
  if (text == "PARTIALLY_FILLED") return OrderStatus::kPartiallyFilled;
  if (text == "FILLED") return OrderStatus::kFilled;
  if (text == "CANCELED" || text == "PENDING_CANCEL") return OrderStatus::kCanceled;
  if (text == "REJECTED") return OrderStatus::kRejected;
  if (text == "EXPIRED" || text == "EXPIRED_IN_MATCH") return OrderStatus::kExpired;
  return std::nullopt;
}

std::optional<core::ExecType> parse_exec_type(std::string_view text) {
  using core::ExecType;
  if (text == "NEW") return ExecType::kNew;
  if (text == "TRADE") return ExecType::kTrade;
  if (text == "CANCELED") return ExecType::kCanceled;
  if (text == "REPLACED") return ExecType::kReplaced;
  if (text == "REJECTED") return ExecType::kRejected;
  if (text == "EXPIRED" || text == "TRADE_PREVENTION") return ExecType::kExpired;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Encoder

WsApiEncoder::WsApiEncoder(const SymbolTable& symbols, std::string api_key, Signer* signer,
                           std::optional<int64_t> recv_window_ms)
    : symbols_(symbols), api_key_(std::move(api_key)), signer_(signer), recv_window_ms_(recv_window_ms) {
  fields_.reserve(16);
  sign_params_.reserve(16);
}

Status WsApiEncoder::write(std::string& out, WsRequestId id, std::string_view method,
                           std::span<const Field> fields, Auth auth, int64_t timestamp_ms) {
  out.clear();
  if (!id.text.empty() && !valid_id_text(id.text)) {
    return Error{ErrorCode::kInvalidArgument, "request id must be [A-Za-z0-9_-]{1,36}"};
  }
  const bool signed_request = auth == Auth::kAlwaysSigned || (auth == Auth::kSigned && !logged_on_);
  const bool timestamped = auth != Auth::kNone;
  if (signed_request && (signer_ == nullptr || api_key_.empty())) {
    return Error{ErrorCode::kInvalidArgument, std::string(method) + ": no API key or signer to sign with"};
  }
  timestamp_text_.clear();
  append_int(timestamp_text_, timestamp_ms);
  recv_window_text_.clear();
  if (recv_window_ms_) append_int(recv_window_text_, *recv_window_ms_);

  out += R"({"id":)";
  if (id.text.empty()) {
    append_int(out, id.number);
  } else {
    append_json_string(out, id.text);
  }
  out += R"(,"method":)";
  append_json_string(out, method);
  out += R"(,"params":{)";
  bool first = true;
  auto put = [&](std::string_view name, std::string_view value, bool raw) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    if (raw) {
      out += value;
    } else {
      append_json_string(out, value);
    }
  };
  if (signed_request) put("apiKey", api_key_, false);
  for (const Field& f : fields) put(f.name, f.value, f.raw);
  if (timestamped && recv_window_ms_) put("recvWindow", recv_window_text_, true);
  if (timestamped) put("timestamp", timestamp_text_, true);
  if (signed_request) {
    sign_params_.clear();
    sign_params_.push_back(Param{"apiKey", api_key_});
    for (const Field& f : fields) sign_params_.push_back(Param{f.name, f.value});
    if (recv_window_ms_) sign_params_.push_back(Param{"recvWindow", recv_window_text_});
    sign_params_.push_back(Param{"timestamp", timestamp_text_});
    core::Result<std::string> signature = sign_ws_params(*signer_, sign_params_);
    if (!signature) return std::move(signature).error();
    put("signature", *signature, false);
  }
  out += "}}";
  last_method_ = method;
  return {};
}

Status WsApiEncoder::last_as_rest(int64_t timestamp_ms, RestRequest& out) {
  struct Route {
    std::string_view ws;
    RestRequest::Verb verb;
    std::string_view path;
  };
  static constexpr Route kRoutes[] = {
      {"order.place", RestRequest::Verb::kPost, "/api/v3/order"},
      {"order.cancel", RestRequest::Verb::kDelete, "/api/v3/order"},
      {"order.cancelReplace", RestRequest::Verb::kPost, "/api/v3/order/cancelReplace"},
      {"order.amend.keepPriority", RestRequest::Verb::kPut, "/api/v3/order/amend/keepPriority"},
      {"order.status", RestRequest::Verb::kGet, "/api/v3/order"},
      {"openOrders.status", RestRequest::Verb::kGet, "/api/v3/openOrders"},
      {"openOrders.cancelAll", RestRequest::Verb::kDelete, "/api/v3/openOrders"},
      {"account.status", RestRequest::Verb::kGet, "/api/v3/account"},
      {"myTrades", RestRequest::Verb::kGet, "/api/v3/myTrades"},
  };
  const Route* route = nullptr;
  for (const Route& r : kRoutes) {
    if (r.ws == last_method_) route = &r;
  }
  if (route == nullptr) {
    return Error{ErrorCode::kInvalidArgument, "no REST equivalent for '" + std::string(last_method_) + "'"};
  }
  if (signer_ == nullptr) return Error{ErrorCode::kInvalidArgument, "no signer for a REST request"};
  sign_params_.clear();
  for (const Field& f : fields_) sign_params_.push_back(Param{f.name, f.value});
  const bool in_body = route->verb == RestRequest::Verb::kPost || route->verb == RestRequest::Verb::kPut;
  const std::span<const Param> params = sign_params_;
  core::Result<SignedRestRequest> signed_request =
      in_body ? sign_rest_request(*signer_, {}, params, timestamp_ms, recv_window_ms_)
              : sign_rest_request(*signer_, params, {}, timestamp_ms, recv_window_ms_);
  if (!signed_request) return std::move(signed_request).error();
  out.verb = route->verb;
  out.target = std::string(route->path);
  if (!signed_request->query.empty()) {
    out.target += '?';
    out.target += signed_request->query;
  }
  out.body = std::move(signed_request->body);
  return {};
}

Status WsApiEncoder::order_fields(const WsOrder& order, std::vector<Field>& fields) {
  if (order.symbol >= symbols_.size())
    return Error{ErrorCode::kInvalidArgument, "order for an unknown symbol id"};
  if (order.client_id.empty()) return Error{ErrorCode::kInvalidArgument, "order without a client id"};
  const core::SymbolScale& scale = symbols_.scale(order.symbol);
  price_text_ = core::format_units(order.price.units(), scale.price_scale);
  qty_text_ = core::format_units(order.qty.units(), scale.qty_scale);
  fields.push_back({"symbol", symbols_.name(order.symbol)});
  fields.push_back({"side", side_name(order.side)});
  if (order.post_only) {
    fields.push_back({"type", "LIMIT_MAKER"});
  } else {
    fields.push_back({"type", "LIMIT"});
    fields.push_back({"timeInForce", "GTC"});
  }
  fields.push_back({"price", price_text_});
  fields.push_back({"quantity", qty_text_});
  client_scratch_ = order.client_id;
  fields.push_back({"newClientOrderId", client_scratch_.view()});
  fields.push_back({"newOrderRespType", "RESULT"});
  return {};
}

Status WsApiEncoder::place(std::string& out, WsRequestId id, int64_t timestamp_ms, const WsOrder& order) {
  fields_.clear();
  if (Status s = order_fields(order, fields_); !s) return s;
  return write(out, id, "order.place", fields_, Auth::kSigned, timestamp_ms);
}

Status WsApiEncoder::cancel(std::string& out, WsRequestId id, int64_t timestamp_ms, core::SymbolId symbol,
                            const core::ClientOrderId& client_id) {
  if (symbol >= symbols_.size()) return Error{ErrorCode::kInvalidArgument, "cancel for an unknown symbol id"};
  if (client_id.empty()) return Error{ErrorCode::kInvalidArgument, "cancel without a client id"};
  fields_.clear();
  fields_.push_back({"symbol", symbols_.name(symbol)});
  client_scratch_ = client_id;
  fields_.push_back({"origClientOrderId", client_scratch_.view()});
  return write(out, id, "order.cancel", fields_, Auth::kSigned, timestamp_ms);
}

Status WsApiEncoder::cancel_replace(std::string& out, WsRequestId id, int64_t timestamp_ms,
                                    const core::ClientOrderId& cancel_client_id, const WsOrder& order) {
  if (cancel_client_id.empty())
    return Error{ErrorCode::kInvalidArgument, "cancelReplace without a cancel id"};
  fields_.clear();
  if (Status s = order_fields(order, fields_); !s) return s;
  fields_.push_back({"cancelReplaceMode", "STOP_ON_FAILURE"});
  cancel_scratch_ = cancel_client_id;
  fields_.push_back({"cancelOrigClientOrderId", cancel_scratch_.view()});
  return write(out, id, "order.cancelReplace", fields_, Auth::kSigned, timestamp_ms);
}

Status WsApiEncoder::amend(std::string& out, WsRequestId id, int64_t timestamp_ms, core::SymbolId symbol,
                           const core::ClientOrderId& client_id, core::Qty new_qty) {
  if (symbol >= symbols_.size()) return Error{ErrorCode::kInvalidArgument, "amend for an unknown symbol id"};
  if (client_id.empty()) return Error{ErrorCode::kInvalidArgument, "amend without a client id"};
  qty_text_ = core::format_units(new_qty.units(), symbols_.scale(symbol).qty_scale);
  fields_.clear();
  fields_.push_back({"symbol", symbols_.name(symbol)});
  client_scratch_ = client_id;
  fields_.push_back({"origClientOrderId", client_scratch_.view()});
  fields_.push_back({"newQty", qty_text_});
  return write(out, id, "order.amend.keepPriority", fields_, Auth::kSigned, timestamp_ms);
}

Status WsApiEncoder::order_status(std::string& out, WsRequestId id, int64_t timestamp_ms,
                                  core::SymbolId symbol, const core::ClientOrderId& client_id) {
  if (symbol >= symbols_.size()) return Error{ErrorCode::kInvalidArgument, "query for an unknown symbol id"};
  if (client_id.empty()) return Error{ErrorCode::kInvalidArgument, "query without a client id"};
  fields_.clear();
  fields_.push_back({"symbol", symbols_.name(symbol)});
  client_scratch_ = client_id;
  fields_.push_back({"origClientOrderId", client_scratch_.view()});
  return write(out, id, "order.status", fields_, Auth::kSigned, timestamp_ms);
}

Status WsApiEncoder::open_orders(std::string& out, WsRequestId id, int64_t timestamp_ms,
                                 core::SymbolId symbol) {
  if (symbol >= symbols_.size())
    return Error{ErrorCode::kInvalidArgument, "openOrders for an unknown symbol id"};
  fields_.clear();
  fields_.push_back({"symbol", symbols_.name(symbol)});
  return write(out, id, "openOrders.status", fields_, Auth::kSigned, timestamp_ms);
}

Status WsApiEncoder::cancel_all(std::string& out, WsRequestId id, int64_t timestamp_ms,
                                core::SymbolId symbol) {
  if (symbol >= symbols_.size())
    return Error{ErrorCode::kInvalidArgument, "cancelAll for an unknown symbol id"};
  fields_.clear();
  fields_.push_back({"symbol", symbols_.name(symbol)});
  return write(out, id, "openOrders.cancelAll", fields_, Auth::kSigned, timestamp_ms);
}

Status WsApiEncoder::account_status(std::string& out, WsRequestId id, int64_t timestamp_ms) {
  fields_.clear();
  fields_.push_back({"omitZeroBalances", "true", true});
  return write(out, id, "account.status", fields_, Auth::kSigned, timestamp_ms);
}

Status WsApiEncoder::my_trades(std::string& out, WsRequestId id, int64_t timestamp_ms, core::SymbolId symbol,
                               int64_t start_time_ms) {
  if (symbol >= symbols_.size())
    return Error{ErrorCode::kInvalidArgument, "myTrades for an unknown symbol id"};
  extra_text_.clear();
  append_int(extra_text_, start_time_ms);
  fields_.clear();
  fields_.push_back({"symbol", symbols_.name(symbol)});
  fields_.push_back({"startTime", extra_text_, true});
  return write(out, id, "myTrades", fields_, Auth::kSigned, timestamp_ms);
}

Status WsApiEncoder::session_logon(std::string& out, WsRequestId id, int64_t timestamp_ms) {
  return write(out, id, "session.logon", {}, Auth::kAlwaysSigned, timestamp_ms);
}

Status WsApiEncoder::user_data_subscribe(std::string& out, WsRequestId id) {
  return write(out, id, "userDataStream.subscribe", {}, Auth::kNone, 0);
}

Status WsApiEncoder::user_data_subscribe_signature(std::string& out, WsRequestId id, int64_t timestamp_ms) {
  return write(out, id, "userDataStream.subscribe.signature", {}, Auth::kAlwaysSigned, timestamp_ms);
}

Status WsApiEncoder::time(std::string& out, WsRequestId id) {
  return write(out, id, "time", {}, Auth::kNone, 0);
}

Status WsApiEncoder::exchange_info(std::string& out, WsRequestId id,
                                   std::span<const std::string_view> symbols) {
  fields_.clear();
  extra_text_.clear();
  if (!symbols.empty()) {
    extra_text_ += '[';
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (i > 0) extra_text_ += ',';
      append_json_string(extra_text_, symbols[i]);
    }
    extra_text_ += ']';
    fields_.push_back({"symbols", extra_text_, true});
  }
  return write(out, id, "exchangeInfo", fields_, Auth::kNone, 0);
}

// ---------------------------------------------------------------------------------------
// Decoder

namespace {

// Reads one order object (place/cancel/status/openOrders shapes) into `out`.
Status read_order(const OrderSymbols& symbols, simdjson::dom::object o, core::ExecType exec,
                  core::OrderUpdate& out) {
  out = core::OrderUpdate{};
  out.exec_type = exec;
  std::string_view text;
  if (Status s = get_string(o, "symbol", text); !s) return s;
  out.symbol = symbols.table().find(text);
  if (out.symbol == core::kNoSymbol) {
    return Error{ErrorCode::kNotFound, "unknown symbol '" + std::string(text) + "'"};
  }
  const core::SymbolScale& scale = symbols.table().scale(out.symbol);
  const int quote_scale = symbols.assets(out.symbol).quote_scale;
  if (Status s = get_int(o, "orderId", out.order_id); !s) return s;
  if (Status s = get_string(o, "clientOrderId", text); !s) return s;
  // A cancel's clientOrderId is the cancel request's own id; the order is origClientOrderId.
  std::string_view orig;
  const bool has_orig = o["origClientOrderId"].get(orig) == simdjson::SUCCESS;
  std::string_view order_id_text = text;
  if (exec == core::ExecType::kCanceled && has_orig) order_id_text = orig;
  if (auto id = core::ClientOrderId::parse(order_id_text)) {
    out.client_id = *id;
  } else if (!order_id_text.empty()) {
    return parse_error("bad client order id in", "clientOrderId");
  }
  if (has_orig && !orig.empty()) {
    if (auto id = core::ClientOrderId::parse(orig)) out.orig_client_id = *id;
  }
  if (Status s = get_amount(o, "price", scale.price_scale, out.price); !s) return s;
  const bool amend_shape = o["qty"].error() == simdjson::SUCCESS && o["origQty"].error() != simdjson::SUCCESS;
  if (Status s = get_amount(o, amend_shape ? "qty" : "origQty", scale.qty_scale, out.orig_qty); !s) return s;
  if (Status s = get_amount(o, "executedQty", scale.qty_scale, out.cum_qty); !s) return s;
  const std::string_view quote_key = amend_shape ? "cumulativeQuoteQty" : "cummulativeQuoteQty";
  if (Status s = get_amount(o, quote_key, quote_scale, out.cum_quote_units); !s) return s;
  if (Status s = get_string(o, "status", text); !s) return s;
  auto status = parse_order_status(text);
  if (!status) return parse_error("unknown order status in", "status");
  out.status = *status;
  if (Status s = get_string(o, "side", text); !s) return s;
  if (text == "BUY") {
    out.side = core::Side::kBuy;
  } else if (text == "SELL") {
    out.side = core::Side::kSell;
  } else {
    return parse_error("unknown side in", "side");
  }
  int64_t time = 0;
  if (o["transactTime"].get(time) == simdjson::SUCCESS || o["updateTime"].get(time) == simdjson::SUCCESS) {
    out.transact_time_ms = time;
  }
  return {};
}

}  // namespace

struct WsApiDecoder::Impl {
  explicit Impl(const OrderSymbols& s) : symbols(s) {}
  const OrderSymbols& symbols;
  simdjson::dom::parser parser;
  json_internal::PaddedInput input;
  simdjson::dom::element doc;
  simdjson::dom::element result;  // "result" of the last frame
  bool has_result = false;
  simdjson::dom::element data;  // "error.data" of the last frame
  bool has_data = false;
  std::string data_text;
  std::string rest_frame;

  Status result_object(simdjson::dom::object& out) const {
    if (!has_result) return parse_error("the response has no result", "");
    return get_object(result, "result", out);
  }
};

WsApiDecoder::WsApiDecoder(const OrderSymbols& symbols) : impl_(std::make_unique<Impl>(symbols)) {}
WsApiDecoder::~WsApiDecoder() = default;

namespace {

Status read_rate_limits(simdjson::dom::array limits, core::RateLimitUsage& out) {
  for (simdjson::dom::element item : limits) {
    simdjson::dom::object o;
    if (Status s = get_object(item, "rateLimits[]", o); !s) return s;
    std::string_view type;
    std::string_view interval;
    int64_t num = 0;
    int64_t limit = 0;
    int64_t count = 0;
    if (Status s = get_string(o, "rateLimitType", type); !s) return s;
    if (Status s = get_string(o, "interval", interval); !s) return s;
    if (Status s = get_int(o, "intervalNum", num); !s) return s;
    if (Status s = get_int(o, "limit", limit); !s) return s;
    if (Status s = get_int(o, "count", count); !s) return s;
    if (type == "REQUEST_WEIGHT" && interval == "MINUTE" && num == 1) {
      out.weight_1m = count;
      out.weight_1m_limit = limit;
    } else if (type == "ORDERS" && interval == "SECOND" && num == 10) {
      out.orders_10s = count;
      out.orders_10s_limit = limit;
    } else if (type == "ORDERS" && interval == "DAY" && num == 1) {
      out.orders_1d = count;
      out.orders_1d_limit = limit;
    }
  }
  return {};
}

}  // namespace

Status WsApiDecoder::decode(std::string_view frame, WsEnvelope& out) {
  Impl& d = *impl_;
  out = WsEnvelope{};
  d.has_result = false;
  d.has_data = false;
  if (Status s = dom_internal::parse_document(d.parser, d.input, frame, frame.size(), d.doc); !s) return s;
  simdjson::dom::object top;
  if (Status s = get_object(d.doc, "the message", top); !s) return s;
  simdjson::dom::element id;
  if (top["id"].get(id) != simdjson::SUCCESS) {
    if (top["event"].error() == simdjson::SUCCESS) {
      out.kind = WsEnvelope::Kind::kEvent;
      return {};
    }
    return parse_error("missing field", "id");
  }
  int64_t number = 0;
  std::string_view text;
  if (id.get(number) == simdjson::SUCCESS) {
    out.id = number;
  } else if (id.get(text) == simdjson::SUCCESS) {
    out.id_text = text;
  } else if (!id.is_null()) {
    return parse_error("wrong type for field", "id");
  }
  int64_t status = 0;
  if (Status s = get_int(top, "status", status); !s) return s;
  if (status < 100 || status > 999) return parse_error("out-of-range", "status");
  out.status = static_cast<int>(status);
  simdjson::dom::element limits_element;
  if (top["rateLimits"].get(limits_element) == simdjson::SUCCESS) {
    simdjson::dom::array limits;
    if (limits_element.get(limits) != simdjson::SUCCESS)
      return parse_error("wrong type for field", "rateLimits");
    if (Status s = read_rate_limits(limits, out.rate_limits); !s) return s;
    out.has_rate_limits = true;
  }
  if (top["result"].get(d.result) == simdjson::SUCCESS) {
    d.has_result = true;
    out.ok = true;
    return {};
  }
  simdjson::dom::object error;
  if (auto e = top["error"].get(error)) return dom_internal::field_error(e, "error");
  int64_t code = 0;
  if (Status s = get_int(error, "code", code); !s) return s;
  if (code < -1000000 || code > 1000000) return parse_error("out-of-range", "error.code");
  out.error_code = static_cast<int>(code);
  if (Status s = get_string(error, "msg", out.error_msg); !s) return s;
  if (error["data"].get(d.data) == simdjson::SUCCESS && !d.data.is_null()) {
    d.has_data = true;
    // The DOM tape does not keep raw text; re-serialise it (minified).
    d.data_text = simdjson::minify(d.data);
    out.error_data = d.data_text;
    simdjson::dom::object data_object;
    if (d.data.get(data_object) == simdjson::SUCCESS) {
      int64_t retry_after = 0;
      if (data_object["retryAfter"].get(retry_after) == simdjson::SUCCESS) out.retry_after_ms = retry_after;
    }
  }
  return {};
}

Status WsApiDecoder::decode_rest(int http_status, std::string_view body, WsEnvelope& out) {
  std::string& frame = impl_->rest_frame;
  frame.clear();
  frame += R"({"id":0,"status":)";
  frame += std::to_string(http_status);
  frame += http_status >= 200 && http_status < 300 ? R"(,"result":)" : R"(,"error":)";
  frame += body.empty() ? std::string_view("null") : body;
  frame += '}';
  Status s = decode(frame, out);
  out.id.reset();
  return s;
}

bool apply_rate_limit_header(std::string_view name, std::string_view value, core::RateLimitUsage& usage) {
  auto lower_equals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char c = a[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != b[i]) return false;
    }
    return true;
  };
  int64_t* target = nullptr;
  if (lower_equals(name, "x-mbx-used-weight-1m")) target = &usage.weight_1m;
  if (lower_equals(name, "x-mbx-order-count-10s")) target = &usage.orders_10s;
  if (lower_equals(name, "x-mbx-order-count-1d")) target = &usage.orders_1d;
  if (target == nullptr) return false;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 0) return false;
  *target = n;
  return true;
}

Status WsApiDecoder::order_result(core::ExecType exec, core::OrderUpdate& out) {
  simdjson::dom::object o;
  if (Status s = impl_->result_object(o); !s) return s;
  return read_order(impl_->symbols, o, exec, out);
}

Status WsApiDecoder::amend_result(core::OrderUpdate& out) {
  simdjson::dom::object o;
  if (Status s = impl_->result_object(o); !s) return s;
  simdjson::dom::object amended;
  if (auto e = o["amendedOrder"].get(amended)) return dom_internal::field_error(e, "amendedOrder");
  if (Status s = read_order(impl_->symbols, amended, core::ExecType::kReplaced, out); !s) return s;
  if (out.orig_client_id == out.client_id) out.orig_client_id = core::ClientOrderId{};
  int64_t time = 0;
  if (o["transactTime"].get(time) == simdjson::SUCCESS) out.transact_time_ms = time;
  return {};
}

Status WsApiDecoder::cancel_replace_result(CancelReplaceResult& out) {
  out = CancelReplaceResult{};
  Impl& d = *impl_;
  simdjson::dom::object o;
  if (d.has_result) {
    if (Status s = get_object(d.result, "result", o); !s) return s;
  } else if (d.has_data) {
    if (Status s = get_object(d.data, "error.data", o); !s) return s;
  } else {
    return parse_error("the response has neither result nor error.data", "");
  }
  std::string_view cancel_result;
  std::string_view new_result;
  if (Status s = get_string(o, "cancelResult", cancel_result); !s) return s;
  if (Status s = get_string(o, "newOrderResult", new_result); !s) return s;
  if (cancel_result != "SUCCESS" && cancel_result != "FAILURE")
    return parse_error("bad value in", "cancelResult");
  if (new_result != "SUCCESS" && new_result != "FAILURE" && new_result != "NOT_ATTEMPTED") {
    return parse_error("bad value in", "newOrderResult");
  }
  out.cancel_succeeded = cancel_result == "SUCCESS";
  out.new_order_attempted = new_result != "NOT_ATTEMPTED";
  out.new_order_succeeded = new_result == "SUCCESS";
  simdjson::dom::object cancel;
  if (auto e = o["cancelResponse"].get(cancel)) return dom_internal::field_error(e, "cancelResponse");
  if (out.cancel_succeeded) {
    if (Status s = read_order(d.symbols, cancel, core::ExecType::kCanceled, out.canceled); !s) return s;
  } else {
    int64_t code = 0;
    if (Status s = get_int(cancel, "code", code); !s) return s;
    out.cancel_error_code = static_cast<int>(code);
    if (Status s = get_string(cancel, "msg", out.cancel_error_msg); !s) return s;
  }
  simdjson::dom::element new_element;
  if (auto e = o["newOrderResponse"].get(new_element))
    return dom_internal::field_error(e, "newOrderResponse");
  if (!out.new_order_attempted) {
    if (!new_element.is_null()) return parse_error("unexpected value in", "newOrderResponse");
    return {};
  }
  simdjson::dom::object new_order;
  if (Status s = get_object(new_element, "newOrderResponse", new_order); !s) return s;
  if (out.new_order_succeeded) {
    return read_order(d.symbols, new_order, core::ExecType::kNew, out.new_order);
  }
  int64_t code = 0;
  if (Status s = get_int(new_order, "code", code); !s) return s;
  out.new_order_error_code = static_cast<int>(code);
  return get_string(new_order, "msg", out.new_order_error_msg);
}

Status WsApiDecoder::order_list(core::ExecType exec, std::vector<core::OrderUpdate>& out) {
  out.clear();
  Impl& d = *impl_;
  if (!d.has_result) return parse_error("the response has no result", "");
  simdjson::dom::array list;
  if (d.result.get(list) != simdjson::SUCCESS) return parse_error("expected an array for", "result");
  for (simdjson::dom::element item : list) {
    simdjson::dom::object o;
    if (Status s = get_object(item, "result[]", o); !s) return s;
    core::OrderUpdate u;
    if (Status s = read_order(d.symbols, o, exec, u); !s) return s;
    out.push_back(u);
  }
  return {};
}

Status WsApiDecoder::balances(std::vector<core::AssetBalance>& out) {
  out.clear();
  simdjson::dom::object o;
  if (Status s = impl_->result_object(o); !s) return s;
  simdjson::dom::array list;
  if (auto e = o["balances"].get(list)) return dom_internal::field_error(e, "balances");
  for (simdjson::dom::element item : list) {
    simdjson::dom::object b;
    if (Status s = get_object(item, "balances[]", b); !s) return s;
    core::AssetBalance balance;
    std::string_view asset;
    if (Status s = get_string(b, "asset", asset); !s) return s;
    if (asset.empty() || asset.size() >= balance.asset.size())
      return parse_error("bad asset name in", "asset");
    std::copy(asset.begin(), asset.end(), balance.asset.begin());
    if (Status s = get_amount(b, "free", 8, balance.free_units); !s) return s;
    if (Status s = get_amount(b, "locked", 8, balance.locked_units); !s) return s;
    out.push_back(balance);
  }
  return {};
}

Status WsApiDecoder::trades(core::SymbolId expected_symbol, std::vector<core::OrderUpdate>& out) {
  out.clear();
  Impl& d = *impl_;
  if (!d.has_result) return parse_error("the response has no result", "");
  simdjson::dom::array list;
  if (d.result.get(list) != simdjson::SUCCESS) return parse_error("expected an array for", "result");
  for (simdjson::dom::element item : list) {
    simdjson::dom::object t;
    if (Status s = get_object(item, "result[]", t); !s) return s;
    core::OrderUpdate u;
    u.exec_type = core::ExecType::kTrade;
    std::string_view text;
    if (Status s = get_string(t, "symbol", text); !s) return s;
    u.symbol = d.symbols.table().find(text);
    if (u.symbol == core::kNoSymbol)
      return Error{ErrorCode::kNotFound, "unknown symbol '" + std::string(text) + "'"};
    if (expected_symbol != core::kNoSymbol && u.symbol != expected_symbol) {
      return parse_error("a trade of another symbol in", "symbol");
    }
    const core::SymbolScale& scale = d.symbols.table().scale(u.symbol);
    if (Status s = get_int(t, "id", u.trade_id); !s) return s;
    if (Status s = get_int(t, "orderId", u.order_id); !s) return s;
    if (Status s = get_amount(t, "price", scale.price_scale, u.last_price); !s) return s;
    if (Status s = get_amount(t, "qty", scale.qty_scale, u.last_qty); !s) return s;
    if (Status s = get_amount(t, "commission", 8, u.commission_units); !s) return s;
    if (Status s = get_string(t, "commissionAsset", text); !s) return s;
    const OrderSymbols::Assets& assets = d.symbols.assets(u.symbol);
    u.fee_asset = text == assets.base    ? core::FeeAsset::kBase
                  : text == assets.quote ? core::FeeAsset::kQuote
                                         : core::FeeAsset::kOther;
    if (Status s = get_int(t, "time", u.transact_time_ms); !s) return s;
    bool buyer = false;
    if (Status s = get_bool(t, "isBuyer", buyer); !s) return s;
    u.side = buyer ? core::Side::kBuy : core::Side::kSell;
    if (Status s = get_bool(t, "isMaker", u.maker); !s) return s;
    u.event_time_ms = u.transact_time_ms;
    out.push_back(u);
  }
  return {};
}

core::Result<int64_t> WsApiDecoder::result_int(std::string_view key) {
  simdjson::dom::object o;
  if (Status s = impl_->result_object(o); !s) return std::move(s).error();
  int64_t value = 0;
  if (Status s = get_int(o, key, value); !s) return std::move(s).error();
  return value;
}

core::Result<int64_t> WsApiDecoder::server_time() { return result_int("serverTime"); }

core::Result<int64_t> WsApiDecoder::subscription_id() { return result_int("subscriptionId"); }

core::Result<bool> WsApiDecoder::session_authorized() {
  simdjson::dom::object o;
  if (Status s = impl_->result_object(o); !s) return std::move(s).error();
  simdjson::dom::element key;
  if (auto e = o["apiKey"].get(key)) return dom_internal::field_error(e, "apiKey");
  return !key.is_null();
}

}  // namespace phoenix::binance
