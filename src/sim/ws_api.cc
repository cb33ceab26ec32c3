// ExchangeImpl's WebSocket API (/ws-api/v3): Binance's request/response envelope
// ({"id","status","result"|"error","rateLimits"}), sessions with Ed25519 logon, and user
// data stream subscriptions whose events arrive as {"subscriptionId":N,"event":{...}}.
// The operations themselves are trading_ops.cc's, shared with REST.

#include <algorithm>
#include <functional>

#include <simdjson.h>

#include "sim/exchange_impl.h"

namespace phoenix::sim {
namespace {

enum class WsSecurity : uint8_t { kNone, kSigned, kSession };

struct WsMethod {
  std::string_view name;
  WsSecurity security = WsSecurity::kNone;
  int64_t weight = 1;
  bool zero_weight_on_success = false;
  bool order_counts = false;
};

const std::vector<WsMethod>& methods() {
  static const std::vector<WsMethod> table = {
      {"ping", WsSecurity::kNone, 1},
      {"time", WsSecurity::kNone, 1},
      {"exchangeInfo", WsSecurity::kNone, 20},
      {"depth", WsSecurity::kNone, 5},
      {"ticker.book", WsSecurity::kNone, 2},
      {"session.logon", WsSecurity::kSigned, 2},
      {"session.status", WsSecurity::kNone, 2},
      {"session.logout", WsSecurity::kNone, 2},
      {"session.subscriptions", WsSecurity::kNone, 2},
      {"order.place", WsSecurity::kSigned, 1, true, true},
      {"order.cancel", WsSecurity::kSigned, 1, true, false},
      {"order.cancelReplace", WsSecurity::kSigned, 1, true, true},
      {"order.amend.keepPriority", WsSecurity::kSigned, 4, false, true},
      {"order.status", WsSecurity::kSigned, 4},
      {"openOrders.status", WsSecurity::kSigned, 6},
      {"openOrders.cancelAll", WsSecurity::kSigned, 1, true, false},
      {"account.status", WsSecurity::kSigned, 20},
      {"myTrades", WsSecurity::kSigned, 20},
      {"userDataStream.subscribe", WsSecurity::kSession, 2},
      {"userDataStream.subscribe.signature", WsSecurity::kSigned, 2},
      {"userDataStream.unsubscribe", WsSecurity::kNone, 2},
  };
  return table;
}

bool valid_string_id(std::string_view id) {
  if (id.empty() || id.size() > 36) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  return std::string(s);
}

struct WsRequest {
  std::string id_json = "null";  // echoed as-is
  bool id_ok = true;
  std::string method;
  bool has_method = false;
  Params params;
  bool params_ok = true;
};

// Parses one request frame; false when it is not valid JSON (or not an object).
bool parse_request(std::string_view text, WsRequest* out) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return false;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    simdjson::ondemand::value value;
    if (field.value().get(value)) return false;
    simdjson::ondemand::json_type type;
    if (value.type().get(type)) return false;
    if (key == "id") {
      if (type == simdjson::ondemand::json_type::number) {
        int64_t n = 0;
        if (value.get_int64().get(n)) {
          out->id_ok = false;
        } else {
          out->id_json = std::to_string(n);
        }
      } else if (type == simdjson::ondemand::json_type::string) {
        std::string_view s;
        if (value.get_string().get(s) || !valid_string_id(s)) {
          out->id_ok = false;
        } else {
          out->id_json = "\"" + std::string(s) + "\"";
        }
      } else if (type != simdjson::ondemand::json_type::null) {
        out->id_ok = false;
      }
    } else if (key == "method") {
      std::string_view s;
      if (type != simdjson::ondemand::json_type::string || value.get_string().get(s)) return false;
      out->method = std::string(s);
      out->has_method = true;
    } else if (key == "params") {
      simdjson::ondemand::object params;
      if (type != simdjson::ondemand::json_type::object || value.get_object().get(params)) {
        out->params_ok = false;
        continue;
      }
      for (auto param : params) {
        std::string_view name;
        if (param.unescaped_key().get(name)) return false;
        simdjson::ondemand::value v;
        if (param.value().get(v)) return false;
        simdjson::ondemand::json_type t;
        if (v.type().get(t)) return false;
        std::string text_value;
        switch (t) {
          case simdjson::ondemand::json_type::string: {
            std::string_view s;
            if (v.get_string().get(s)) return false;
            text_value = std::string(s);
            break;
          }
          case simdjson::ondemand::json_type::number: {
            text_value = trim(v.raw_json_token());
            break;
          }
          case simdjson::ondemand::json_type::boolean: {
            bool b = false;
            if (v.get_bool().get(b)) return false;
            text_value = b ? "true" : "false";
            break;
          }
          case simdjson::ondemand::json_type::array: {
            simdjson::ondemand::array a;
            std::string_view raw;
            if (v.get_array().get(a) || a.raw_json().get(raw)) return false;
            text_value = trim(raw);
            break;
          }
          case simdjson::ondemand::json_type::object: {
            simdjson::ondemand::object o;
            std::string_view raw;
            if (v.get_object().get(o) || o.raw_json().get(raw)) return false;
            text_value = trim(raw);
            break;
          }
          case simdjson::ondemand::json_type::null: continue;
        }
        out->params.add(std::string(name), std::move(text_value));
      }
    }
  }
  return true;
}

// The WS-API signature payload: every parameter but `signature`, sorted by name.
std::string ws_payload(const Params& p) {
  std::vector<const std::pair<std::string, std::string>*> items;
  for (const auto& item : p.items()) {
    if (item.first != "signature") items.push_back(&item);
  }
  std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::string out;
  for (const auto* item : items) {
    if (!out.empty()) out.push_back('&');
    out += item->first;
    out.push_back('=');
    out += item->second;
  }
  return out;
}

}  // namespace

std::string ws_api_signature_payload(const Params& p) { return ws_payload(p); }

Exchange::SessionId ExchangeImpl::ws_api_open(std::string_view client_ip, WsSend send) {
  const SessionId id = next_session_id_++;
  Session& s = sessions_[id];
  s.ip = std::string(client_ip);
  s.send = std::move(send);
  s.connected_ms = now_ms();
  limits_.charge_weight(client_ip, 2, s.connected_ms);  // a WS-API connection costs 2 weight
  return id;
}

void ExchangeImpl::ws_api_close(SessionId id) { sessions_.erase(id); }

void ExchangeImpl::ws_api_message(SessionId id, std::string_view text) {
  auto found = sessions_.find(id);
  if (found == sessions_.end()) return;
  ws_handle(found->second, text);
}

std::string ExchangeImpl::ws_rate_limits(std::string_view ip, AccountId account, bool orders) const {
  const int64_t now = now_ms();
  JsonWriter w;
  w.begin_array();
  w.begin_object()
      .kv("rateLimitType", "REQUEST_WEIGHT")
      .kv("interval", "MINUTE")
      .kv("intervalNum", 1)
      .kv("limit", spec_.limits.request_weight_per_minute)
      .kv("count", limits_.used_weight(ip, now))
      .end_object();
  if (orders && account != 0) {
    w.begin_object()
        .kv("rateLimitType", "ORDERS")
        .kv("interval", "SECOND")
        .kv("intervalNum", 10)
        .kv("limit", spec_.limits.orders_per_10s)
        .kv("count", limits_.orders_10s(account, now))
        .end_object();
    w.begin_object()
        .kv("rateLimitType", "ORDERS")
        .kv("interval", "DAY")
        .kv("intervalNum", 1)
        .kv("limit", spec_.limits.orders_per_day)
        .kv("count", limits_.orders_day(account, now))
        .end_object();
  }
  w.end_array();
  return w.take();
}

void ExchangeImpl::ws_terminate(Session& session, const Subscription& sub) {
  JsonWriter w;
  w.begin_object()
      .kv("subscriptionId", sub.id)
      .key("event")
      .begin_object()
      .kv("e", "eventStreamTerminated")
      .kv("E", now_ms())
      .end_object()
      .end_object();
  session.send(w.take());
}

ApiOutcome ExchangeImpl::ws_subscribe(Session& session, AccountId account, bool from_logon) {
  for (const Subscription& sub : session.subscriptions) {
    if (sub.account == account)
      return ApiOutcome::fail(error(-2035, "User Data Stream subscription already active."));
  }
  if (session.subscriptions.size() >= 1000 || session.next_subscription_id > 65535) {
    return ApiOutcome::fail(error(-2042, "Maximum subscription ID reached for this connection."));
  }
  const int64_t sub_id = session.next_subscription_id++;
  session.subscriptions.push_back(Subscription{sub_id, account, from_logon});
  return ApiOutcome::ok("{\"subscriptionId\":" + std::to_string(sub_id) + "}");
}

void ExchangeImpl::ws_handle(Session& session, std::string_view text) {
  const int64_t now = now_ms();
  WsRequest req;
  const bool parsed = parse_request(text, &req);
  AccountId account = 0;
  bool order_counts = false;
  auto respond = [&](const ApiOutcome& outcome) {
    JsonWriter w;
    w.begin_object().key("id").raw(req.id_ok ? req.id_json : "null");
    if (outcome.error) {
      const ApiError& e = *outcome.error;
      count_error(e.code);
      w.kv("status", int64_t{e.http_status})
          .key("error")
          .begin_object()
          .kv("code", int64_t{e.code})
          .kv("msg", e.msg);
      if (e.http_status == 429 || e.http_status == 418) {
        w.key("data").begin_object().kv("serverTime", now).kv("retryAfter", e.retry_after_ms).end_object();
      } else if (!e.data_json.empty()) {
        w.key("data").raw(e.data_json);
      }
      w.end_object();
    } else {
      w.kv("status", int64_t{200}).key("result").raw(outcome.json);
    }
    w.key("rateLimits").raw(ws_rate_limits(session.ip, account, order_counts)).end_object();
    session.send(w.take());
  };

  if (!parsed) {
    ++ws_requests_["invalid"];
    req.id_json = "null";
    respond(ApiOutcome::fail(error(-1135, "Invalid JSON Request")));
    return;
  }
  if (!req.id_ok) {
    ++ws_requests_["invalid"];
    respond(ApiOutcome::fail(illegal("id", "^[a-zA-Z0-9-_]{1,36}$")));
    return;
  }
  std::string_view method_name = req.method;
  if (method_name.starts_with("v3/")) method_name.remove_prefix(3);
  const WsMethod* method = nullptr;
  for (const WsMethod& m : methods()) {
    if (m.name == method_name) method = &m;
  }
  if (!req.has_method) {
    ++ws_requests_["invalid"];
    respond(ApiOutcome::fail(mandatory("method")));
    return;
  }
  if (method == nullptr) {
    ++ws_requests_["unknown"];
    respond(ApiOutcome::fail(illegal("method", "a method of the WebSocket API")));
    return;
  }
  if (!req.params_ok) {
    ++ws_requests_[std::string(method->name)];
    respond(ApiOutcome::fail(mandatory("params")));
    return;
  }
  ++ws_requests_[std::string(method->name)];
  const Params& p = req.params;
  order_counts = method->order_counts;
  int64_t weight = method->weight;
  if (method->name == "depth") weight = depth_weight(p);
  if (method->name == "openOrders.status" && !p.has("symbol")) weight = 80;
  if (method->name == "ticker.book" && !p.has("symbol")) weight = 4;

  if (auto limited = limits_.check_weight(session.ip, weight, now)) {
    count_limited(limited->http_status);
    respond(ApiOutcome::fail(
        ApiError{limited->http_status, limited->code, limited->msg, {}, limited->retry_after_ms}));
    return;
  }

  // Authentication.
  std::optional<ApiError> auth_error;
  const KeyEntry* key = nullptr;
  if (method->security == WsSecurity::kSigned) {
    const std::string* api_key = p.find("apiKey");
    const std::string* signature = p.find("signature");
    if (signature != nullptr) {
      if (api_key == nullptr || api_key->empty()) {
        auth_error = mandatory("apiKey");
      } else if ((key = find_key(*api_key)) == nullptr) {
        auth_error = error(-2015, "Invalid API-key, IP, or permissions for action.", 401);
      } else if (!key->verifier.verify(ws_payload(p), *signature)) {
        ++signature_failures_;
        auth_error = error(-1022, "Signature for this request is not valid.");
      }
    } else if (session.logon != nullptr && method->name != "session.logon" &&
               (api_key == nullptr || *api_key == session.logon->api_key)) {
      key = session.logon;
    } else if (api_key == nullptr) {
      auth_error = mandatory("apiKey");
    } else {
      auth_error = mandatory("signature");
    }
    if (!auth_error) auth_error = check_timestamp(p);
    if (!auth_error && method->name == "session.logon" && key->verifier.type() != KeyType::kEd25519) {
      auth_error = error(-4056, "HMAC_SHA256 API key is not supported.");
    }
    if (!auth_error) account = key->account;
  } else if (method->security == WsSecurity::kSession) {
    if (session.logon == nullptr) {
      auth_error = error(-2015, "Invalid API-key, IP, or permissions for action.", 401);
    } else {
      key = session.logon;
      account = key->account;
    }
  }

  CallerCtx caller{session.ip, account};
  auto session_status = [&]() {
    JsonWriter w;
    w.begin_object();
    if (session.logon != nullptr) {
      w.kv("apiKey", session.logon->api_key).kv("authorizedSince", session.authorized_ms);
    } else {
      w.key("apiKey").null().key("authorizedSince").null();
    }
    w.kv("connectedSince", session.connected_ms).kv("returnRateLimits", true).kv("serverTime", now);
    w.key("userDataStream");
    if (session.logon == nullptr) {
      w.null();
    } else {
      const AccountId a = session.logon->account;
      w.boolean(std::any_of(session.subscriptions.begin(), session.subscriptions.end(),
                            [a](const Subscription& s) { return s.account == a && s.from_logon; }));
    }
    w.end_object();
    return w.take();
  };

  ApiOutcome outcome;
  const std::string_view m = method->name;
  if (auth_error) {
    outcome = ApiOutcome::fail(*auth_error);
  } else if (m == "ping") {
    outcome = ApiOutcome::ok("{}");
  } else if (m == "time") {
    outcome = ApiOutcome::ok("{\"serverTime\":" + std::to_string(now) + "}");
  } else if (m == "exchangeInfo") {
    outcome = op_exchange_info(p);
  } else if (m == "depth") {
    outcome = op_depth(p);
  } else if (m == "ticker.book") {
    outcome = op_book_ticker(p);
  } else if (m == "session.logon") {
    session.logon = key;
    session.authorized_ms = now;
    outcome = ApiOutcome::ok(session_status());
  } else if (m == "session.status") {
    outcome = ApiOutcome::ok(session_status());
  } else if (m == "session.logout") {
    if (session.logon != nullptr) {
      const AccountId a = session.logon->account;
      auto it = std::find_if(session.subscriptions.begin(), session.subscriptions.end(),
                             [a](const Subscription& s) { return s.account == a && s.from_logon; });
      if (it != session.subscriptions.end()) {
        const Subscription sub = *it;
        session.subscriptions.erase(it);
        ws_terminate(session, sub);
      }
    }
    session.logon = nullptr;
    session.authorized_ms = 0;
    outcome = ApiOutcome::ok(session_status());
  } else if (m == "session.subscriptions") {
    JsonWriter w;
    w.begin_array();
    for (const Subscription& s : session.subscriptions)
      w.begin_object().kv("subscriptionId", s.id).end_object();
    w.end_array();
    outcome = ApiOutcome::ok(w.take());
  } else if (m == "userDataStream.subscribe") {
    outcome = ws_subscribe(session, account, /*from_logon=*/true);
  } else if (m == "userDataStream.subscribe.signature") {
    outcome = ws_subscribe(session, account, /*from_logon=*/false);
  } else if (m == "userDataStream.unsubscribe") {
    const std::string* sub_param = p.find("subscriptionId");
    std::vector<Subscription> removed;
    if (sub_param != nullptr) {
      auto it = std::find_if(session.subscriptions.begin(), session.subscriptions.end(),
                             [&](const Subscription& s) { return std::to_string(s.id) == *sub_param; });
      if (it != session.subscriptions.end()) {
        removed.push_back(*it);
        session.subscriptions.erase(it);
      }
    } else {
      removed = std::move(session.subscriptions);
      session.subscriptions.clear();
    }
    if (removed.empty()) {
      outcome = ApiOutcome::fail(error(-2036, "User Data Stream subscription not active."));
    } else {
      outcome = ApiOutcome::ok("{}");
    }
    respond(outcome);
    for (const Subscription& s : removed) ws_terminate(session, s);
    limits_.charge_weight(session.ip, weight, now);
    return;
  } else if (m == "order.place") {
    outcome = op_place(caller, p);
  } else if (m == "order.cancel") {
    outcome = op_cancel(caller, p);
  } else if (m == "order.cancelReplace") {
    outcome = op_cancel_replace(caller, p);
  } else if (m == "order.amend.keepPriority") {
    outcome = op_amend(caller, p);
  } else if (m == "order.status") {
    outcome = op_query_order(caller, p);
  } else if (m == "openOrders.status") {
    outcome = op_open_orders(caller, p);
  } else if (m == "openOrders.cancelAll") {
    outcome = op_cancel_all(caller, p);
  } else if (m == "account.status") {
    outcome = op_account(caller, p);
  } else if (m == "myTrades") {
    outcome = op_my_trades(caller, p);
  }
  limits_.charge_weight(session.ip, !outcome.error && method->zero_weight_on_success ? 0 : weight, now);
  respond(outcome);
}

}  // namespace phoenix::sim
