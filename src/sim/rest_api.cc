// ExchangeImpl::handle_rest: Binance's REST API under /api/v3 — routing, parameters
// (query string and form body; the query wins), authentication, request weight and the
// X-MBX-* headers — over the operations in trading_ops.cc. Also the signed-request
// checks the WebSocket API shares (timestamp/recvWindow, key lookup).

#include <charconv>
#include <functional>

#include "core/decimal.h"
#include "sim/exchange_impl.h"

namespace phoenix::sim {
namespace {

enum class Security : uint8_t { kNone, kApiKey, kSigned };

using RestOp = std::function<ApiOutcome(ExchangeImpl&, const CallerCtx&, const Params&)>;

struct Route {
  std::string_view method;
  std::string_view path;
  Security security = Security::kNone;
  int64_t weight = 1;
  bool zero_weight_on_success = false;  // order placement and cancel calls (since 2026-04-02)
  bool order_counts = false;            // answers carry X-MBX-ORDER-COUNT-*
  RestOp op;
  std::function<int64_t(const Params&)> dynamic_weight;
};

std::string json_error(int code, std::string_view msg, std::string_view data_json = {}) {
  JsonWriter w;
  w.begin_object().kv("code", int64_t{code}).kv("msg", msg);
  if (!data_json.empty()) w.key("data").raw(data_json);
  w.end_object();
  return w.take();
}

// The raw form text without its `signature=...` piece: what the client signed.
std::string strip_signature(std::string_view raw) {
  std::string out;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t end = raw.find('&', pos);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view piece = raw.substr(pos, end - pos);
    if (!piece.starts_with("signature=") && piece != "signature") {
      if (!out.empty()) out.push_back('&');
      out.append(piece);
    }
    pos = end + 1;
  }
  return out;
}

const std::vector<Route>& routes() {
  static const std::vector<Route> table = [] {
    std::vector<Route> r;
    auto none = [](auto fn) { return RestOp(fn); };
    r.push_back({"GET", "/api/v3/ping", Security::kNone, 1, false, false,
                 none([](ExchangeImpl&, const CallerCtx&, const Params&) { return ApiOutcome::ok("{}"); }),
                 nullptr});
    r.push_back({"GET", "/api/v3/time", Security::kNone, 1, false, false,
                 none([](ExchangeImpl& ex, const CallerCtx&, const Params&) {
                   return ApiOutcome::ok("{\"serverTime\":" + std::to_string(ex.now_ms()) + "}");
                 }),
                 nullptr});
    r.push_back(
        {"GET", "/api/v3/exchangeInfo", Security::kNone, 20, false, false,
         none([](ExchangeImpl& ex, const CallerCtx&, const Params& p) { return ex.op_exchange_info(p); }),
         nullptr});
    r.push_back({"GET", "/api/v3/depth", Security::kNone, 5, false, false,
                 none([](ExchangeImpl& ex, const CallerCtx&, const Params& p) { return ex.op_depth(p); }),
                 [](const Params& p) { return ExchangeImpl::depth_weight(p); }});
    r.push_back(
        {"GET", "/api/v3/ticker/bookTicker", Security::kNone, 2, false, false,
         none([](ExchangeImpl& ex, const CallerCtx&, const Params& p) { return ex.op_book_ticker(p); }),
         [](const Params& p) { return p.has("symbol") ? int64_t{2} : int64_t{4}; }});
    r.push_back(
        {"POST", "/api/v3/order", Security::kSigned, 1, true, true,
         none([](ExchangeImpl& ex, const CallerCtx& c, const Params& p) { return ex.op_place(c, p); }),
         nullptr});
    r.push_back(
        {"DELETE", "/api/v3/order", Security::kSigned, 1, true, false,
         none([](ExchangeImpl& ex, const CallerCtx& c, const Params& p) { return ex.op_cancel(c, p); }),
         nullptr});
    r.push_back(
        {"GET", "/api/v3/order", Security::kSigned, 4, false, false,
         none([](ExchangeImpl& ex, const CallerCtx& c, const Params& p) { return ex.op_query_order(c, p); }),
         nullptr});
    r.push_back(
        {"DELETE", "/api/v3/openOrders", Security::kSigned, 1, true, false,
         none([](ExchangeImpl& ex, const CallerCtx& c, const Params& p) { return ex.op_cancel_all(c, p); }),
         nullptr});
    r.push_back(
        {"GET", "/api/v3/openOrders", Security::kSigned, 6, false, false,
         none([](ExchangeImpl& ex, const CallerCtx& c, const Params& p) { return ex.op_open_orders(c, p); }),
         [](const Params& p) { return p.has("symbol") ? int64_t{6} : int64_t{80}; }});
    r.push_back({"POST", "/api/v3/order/cancelReplace", Security::kSigned, 1, true, true,
                 none([](ExchangeImpl& ex, const CallerCtx& c, const Params& p) {
                   return ex.op_cancel_replace(c, p);
                 }),
                 nullptr});
    r.push_back(
        {"PUT", "/api/v3/order/amend/keepPriority", Security::kSigned, 4, false, true,
         none([](ExchangeImpl& ex, const CallerCtx& c, const Params& p) { return ex.op_amend(c, p); }),
         nullptr});
    r.push_back(
        {"GET", "/api/v3/account", Security::kSigned, 20, false, false,
         none([](ExchangeImpl& ex, const CallerCtx& c, const Params& p) { return ex.op_account(c, p); }),
         nullptr});
    r.push_back(
        {"GET", "/api/v3/myTrades", Security::kSigned, 20, false, false,
         none([](ExchangeImpl& ex, const CallerCtx& c, const Params& p) { return ex.op_my_trades(c, p); }),
         nullptr});
    // The listen-key user data stream was switched off on 2026-02-20: Binance no longer
    // serves these. We answer 410 Gone with Binance's error shape and code -1016
    // SERVICE_SHUTTING_DOWN ("This service is no longer available."), so a client that
    // still uses them fails loudly and clearly; user data flows only through the
    // WebSocket API (userDataStream.subscribe[.signature]).
    for (std::string_view method : {"POST", "PUT", "DELETE"}) {
      r.push_back({method, "/api/v3/userDataStream", Security::kNone, 2, false, false,
                   none([](ExchangeImpl&, const CallerCtx&, const Params&) {
                     return ApiOutcome::fail(
                         ExchangeImpl::error(-1016, "This service is no longer available.", 410));
                   }),
                   nullptr});
    }
    return r;
  }();
  return table;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Signed-request checks shared with the WebSocket API

const ExchangeImpl::KeyEntry* ExchangeImpl::find_key(std::string_view api_key) const {
  auto found = keys_.find(api_key);
  return found == keys_.end() ? nullptr : &found->second;
}

std::optional<ApiError> ExchangeImpl::check_timestamp(const Params& p) const {
  const std::string* text = p.find("timestamp");
  if (text == nullptr || text->empty()) return mandatory("timestamp");
  int64_t ts = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), ts);
  if (ec != std::errc() || ptr != text->data() + text->size() || ts <= 0) return mandatory("timestamp");
  // Microseconds when the value is that large (ms timestamps stay below 10^14 until 5138).
  const int64_t ts_us = ts >= 100'000'000'000'000 ? ts : ts * 1000;
  int64_t window_us = spec_.limits.default_recv_window_ms * 1000;
  if (const std::string* rw = p.find("recvWindow"); rw != nullptr && !rw->empty()) {
    auto d = core::Decimal::parse(*rw);
    if (!d || d->is_negative() || d->is_zero()) return mandatory("recvWindow");
    if (d->scale() > 3) return error(-1111, "Parameter 'recvWindow' has too much precision.");
    auto us = d->to_units_exact(3);
    if (!us || *us > spec_.limits.max_recv_window_ms * 1000) {
      return error(-1131,
                   "recvWindow must be less than " + std::to_string(spec_.limits.max_recv_window_ms) + ".");
    }
    window_us = *us;
  }
  const int64_t now_us = clock_.wall_us();
  if (ts_us >= now_us + 1'000'000) {
    return error(-1021, "Timestamp for this request was 1000ms ahead of the server's time.");
  }
  if (now_us - ts_us > window_us)
    return error(-1021, "Timestamp for this request is outside of the recvWindow.");
  return std::nullopt;
}

ExchangeImpl::AuthResult ExchangeImpl::auth_rest(std::string_view api_key, const Params& p,
                                                 std::string_view payload) {
  AuthResult out;
  if (api_key.empty()) {
    out.error = error(-2014, "API-key format invalid.", 401);
    return out;
  }
  const KeyEntry* key = find_key(api_key);
  if (key == nullptr) {
    out.error = error(-2015, "Invalid API-key, IP, or permissions for action.", 401);
    return out;
  }
  const std::string* signature = p.find("signature");
  if (signature == nullptr || signature->empty()) {
    out.error = mandatory("signature");
    return out;
  }
  if (!key->verifier.verify(payload, *signature)) {
    ++signature_failures_;
    out.error = error(-1022, "Signature for this request is not valid.");
    return out;
  }
  if (auto e = check_timestamp(p)) {
    out.error = std::move(e);
    return out;
  }
  out.key = key;
  return out;
}

// ---------------------------------------------------------------------------------------
// handle_rest

HttpReplyOut ExchangeImpl::handle_rest(const HttpRequestIn& request) {
  HttpReplyOut reply;
  const int64_t now = now_ms();
  const std::string_view target = request.target;
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view raw_query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  const bool form_body =
      request.content_type.empty() ||
      request.content_type.find("application/x-www-form-urlencoded") != std::string_view::npos;
  const std::string_view raw_body = form_body ? request.body : std::string_view();

  auto finish = [&](int status, std::string body) {
    reply.status = status;
    reply.body = std::move(body);
    // The body is always JSON (HttpReplyOut's contract); the server sets Content-Type.
    return reply;
  };
  auto fail = [&](const ApiError& e) {
    count_error(e.code);
    if (e.http_status == 429 || e.http_status == 418) {
      const int64_t seconds = std::max<int64_t>(1, (e.retry_after_ms - now + 999) / 1000);
      reply.headers.emplace_back("Retry-After", std::to_string(seconds));
    }
    return finish(e.http_status, json_error(e.code, e.msg, e.data_json));
  };

  const Route* route = nullptr;
  bool path_known = false;
  for (const Route& r : routes()) {
    if (r.path != path) continue;
    path_known = true;
    if (r.method == request.method) route = &r;
  }
  if (route == nullptr) {
    count_rest(path_known ? request.method : "other", path_known ? path : "other");
    if (path_known) return fail(error(-1020, "This operation is not supported.", 405));
    return fail(error(-1000, "An unknown error occurred while processing the request.", 404));
  }
  count_rest(route->method, route->path);

  // Parameters: the query string first, so it wins over the body.
  auto query = Params::parse_form(raw_query);
  auto body = Params::parse_form(raw_body);
  if (!query || !body) {
    const auto& message = !query ? query.error().message : body.error().message;
    if (message.starts_with("duplicate"))
      return fail(error(-1101, "Duplicate values for a parameter detected."));
    return fail(error(-1100, "Illegal characters found in a parameter."));
  }
  Params params = std::move(*query);
  params.merge_missing(*body);

  const int64_t weight = route->dynamic_weight ? route->dynamic_weight(params) : route->weight;
  if (auto limited = limits_.check_weight(request.client_ip, weight, now)) {
    count_limited(limited->http_status);
    reply.headers.emplace_back("X-MBX-USED-WEIGHT-1M",
                               std::to_string(limits_.used_weight(request.client_ip, now)));
    return fail(ApiError{limited->http_status, limited->code, limited->msg, {}, limited->retry_after_ms});
  }

  CallerCtx caller{request.client_ip, 0};
  std::optional<ApiError> auth_error;
  if (route->security == Security::kSigned) {
    std::string payload = strip_signature(raw_query);
    payload += strip_signature(raw_body);
    AuthResult auth = auth_rest(request.api_key, params, payload);
    if (auth.error) {
      auth_error = std::move(auth.error);
    } else {
      caller.account = auth.key->account;
    }
  }
  ApiOutcome outcome = auth_error ? ApiOutcome::fail(*auth_error) : route->op(*this, caller, params);

  const bool ok = !outcome.error;
  limits_.charge_weight(request.client_ip, ok && route->zero_weight_on_success ? 0 : weight, now);
  reply.headers.emplace_back("X-MBX-USED-WEIGHT-1M",
                             std::to_string(limits_.used_weight(request.client_ip, now)));
  if (route->order_counts && caller.account != 0) {
    reply.headers.emplace_back("X-MBX-ORDER-COUNT-10S",
                               std::to_string(limits_.orders_10s(caller.account, now)));
    reply.headers.emplace_back("X-MBX-ORDER-COUNT-1D",
                               std::to_string(limits_.orders_day(caller.account, now)));
  }
  if (!ok) return fail(*outcome.error);
  return finish(200, std::move(outcome.json));
}

}  // namespace phoenix::sim
