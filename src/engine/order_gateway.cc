#include "engine/order_gateway.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>

#include "binance/error_codes.h"
#include "telemetry/log.h"

namespace phoenix::engine {
namespace {

using core::FailureAction;
using core::RequestKind;
using telemetry::log_event;
using telemetry::LogLevel;

constexpr int64_t kDefaultBanMs = 2 * 60 * 1000;  // 418 without retryAfter: Binance's minimum
constexpr int64_t kTimerTickMs = 20;

std::vector<double> latency_buckets_s() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
}

binance::WsOrder ws_order(const oms::PlaceOrder& o) {
  return binance::WsOrder{o.symbol, o.side, o.price, o.qty, o.client_id, o.post_only};
}

}  // namespace

core::Result<std::unique_ptr<BinanceGateway>> BinanceGateway::create(
    boost::asio::io_context& ioc, const config::Config& config, const config::Credentials& credentials,
    const binance::OrderSymbols& symbols, telemetry::Registry& registry, const core::Clock& clock) {
  std::unique_ptr<BinanceGateway> gw(new BinanceGateway(ioc, config, symbols, registry, clock));
  gw->ed25519_ = credentials.key_type == config::KeyType::kEd25519;
  auto signer = gw->ed25519_ ? binance::make_ed25519_signer(credentials.api_secret)
                             : binance::make_hmac_signer(credentials.api_secret);
  if (!signer) return std::move(signer).error();
  gw->signer_ = std::move(signer).value();
  gw->encoder_ =
      std::make_unique<binance::WsApiEncoder>(symbols.table(), std::string(credentials.api_key.reveal()),
                                              gw->signer_.get(), config.exchange.recv_window_ms);

  net::ManagedWsOptions ws;
  ws.url = config.exchange.ws_api_url.text;
  ws.ca_file = config.exchange.ca_file;
  ws.client.conn = "api";
  ws.client.compression = net::Compression::kOff;
  ws.client.idle_timeout_ms = 65'000;           // the server pings every 20 s; requests may be rare
  ws.client.pacer.max_frames_per_window = 0;    // the WS API limits by weight and orders, not frames
  ws.client.read_message_max_bytes = 8u << 20;  // exchangeInfo, long open-order lists
  const config::ReconnectConfig& rc = config.market_data.reconnect;
  ws.reconnect.initial_backoff_ms = rc.initial_backoff_ms;
  ws.reconnect.max_backoff_ms = rc.max_backoff_ms;
  ws.reconnect.stable_after_ms = rc.stable_after_ms;
  ws.reconnect.max_attempts_per_window = static_cast<size_t>(std::max(0, rc.max_attempts_per_5min));
  ws.live_on_first_message = false;
  auto managed = net::ManagedWs::create(ioc, std::move(ws), registry, clock, *gw);
  if (!managed) return std::move(managed).error();
  gw->ws_ = std::move(managed).value();

  net::HttpClientOptions http;
  const config::Url& rest = config.exchange.rest_url;
  http.base_url = rest.scheme + "://" +
                  (rest.host.find(':') != std::string::npos ? "[" + rest.host + "]" : rest.host) + ":" +
                  std::to_string(rest.port);
  http.ca_file = config.exchange.ca_file;
  http.timeout = std::chrono::milliseconds(std::max<int64_t>(config.exchange.request_timeout_ms, 1));
  auto client = net::HttpClient::create(ioc, std::move(http));
  if (!client) return std::move(client).error();
  gw->http_ = std::move(client).value();
  gw->rest_fallback_ = config.orders.rest_fallback;
  return gw;
}

BinanceGateway::BinanceGateway(boost::asio::io_context& ioc, const config::Config& config,
                               const binance::OrderSymbols& symbols, telemetry::Registry& registry,
                               const core::Clock& clock)
    : ioc_(ioc),
      config_(config),
      symbols_(symbols),
      registry_(registry),
      clock_(clock),
      decoder_(symbols),
      user_data_(symbols),
      timer_(ioc),
      life_(std::make_shared<char>()) {
  for (size_t i = 0; i < requests_total_.size(); ++i) {
    requests_total_[i] =
        &registry.counter("phoenix_order_requests_total", "Order-entry requests sent, by kind",
                          {{"kind", core::to_string(static_cast<RequestKind>(i))}});
  }
  const std::string_view used_help = "Rate-limit usage the exchange last reported";
  orders_10s_used_ = &registry.gauge("phoenix_rate_limit_used", used_help, {{"kind", "orders_10s"}});
  orders_1d_used_ = &registry.gauge("phoenix_rate_limit_used", used_help, {{"kind", "orders_1d"}});
  weight_1m_used_ = &registry.gauge("phoenix_rate_limit_used", used_help, {{"kind", "weight_1m"}});
  quote_to_order_latency_ =
      &registry.histogram("phoenix_quote_to_order_latency_seconds",
                          "Market-data receive to order request written", latency_buckets_s());
  request_latency_ =
      &registry.histogram("phoenix_ws_api_request_latency_seconds",
                          "WebSocket-API request written to response received", latency_buckets_s());
}

BinanceGateway::~BinanceGateway() {
  life_.reset();
  timer_.cancel();
  if (http_) http_->close();
}

void BinanceGateway::start() {
  if (started_) return;
  started_ = true;
  arm_timer();
  if (rest_fallback_) set_connectivity(true, false);
  // The WS API connects once the offset is known (or its first sync failed).
  sync_time();
}

void BinanceGateway::stop() {
  started_ = false;
  ws_->stop();
  socket_open_ = false;
  ws_ready_ = false;
  fail_all_in_flight("stopped");
  set_connectivity(false, false);
}

bool BinanceGateway::can_send() const {
  return (ws_ready_ || (rest_fallback_ && started_)) && now_ms() >= banned_until_ms_;
}

void BinanceGateway::set_ws_ready(bool ready) {
  ws_ready_ = ready;
  set_connectivity(ws_ready_ || (rest_fallback_ && started_), connectivity_.user_data);
}

int64_t BinanceGateway::server_now_ms() const { return binance::server_timestamp_ms(now_ms(), time_offset_); }

// ---- Time.

void BinanceGateway::sync_time() {
  if (time_syncing_) return;
  time_syncing_ = true;
  const int64_t sent_ms = now_ms();
  std::weak_ptr<char> alive = life_;
  http_->get("/api/v3/time", [this, alive, sent_ms](core::Result<net::HttpResponse> response) {
    if (alive.expired()) return;
    time_syncing_ = false;
    const int64_t received_ms = now_ms();
    bool synced = false;
    if (response && response->status == 200) {
      binance::WsEnvelope env;
      // The REST body is {"serverTime":N}: wrap it as a WS-API result to reuse the decoder.
      std::string frame = R"({"id":0,"status":200,"result":)";
      frame += response->body;
      frame += '}';
      if (decoder_.decode(frame, env) && env.ok) {
        if (auto server_ms = decoder_.server_time()) {
          auto offset = binance::estimate_server_time_offset({sent_ms, received_ms, *server_ms});
          if (offset) {
            time_offset_ = *offset;
            synced = true;
            ++time_syncs_;
            log_event(LogLevel::kInfo, "gw_time_synced", "offset_ms", time_offset_.offset_ms, "round_trip_ms",
                      time_offset_.round_trip_ms);
          }
        }
      }
    }
    if (!synced) {
      log_event(LogLevel::kWarn, "gw_time_sync_failed", "error",
                response ? std::string_view("bad response") : std::string_view(response.error().message));
    }
    if (started_ && ws_->state() == net::ManagedWs::State::kIdle) ws_->start();
  });
}

// ---- Connection.

void BinanceGateway::on_open(const net::ManagedWsOpen& open) {
  socket_open_ = true;
  encoder_->set_logged_on(false);
  log_event(LogLevel::kInfo, "gw_ws_open", "connection_id", static_cast<int64_t>(open.connection_id),
            "rotation", open.rotation);
  if (ed25519_) {
    const int64_t id = next_id();
    Pending p;
    p.internal = Internal::kLogon;
    if (!encoder_->session_logon(frame_, binance::WsRequestId::of(id), server_now_ms()) || !send(id, p, 0)) {
      log_event(LogLevel::kError, "gw_logon_not_sent");
    }
    return;
  }
  // HMAC: every request is signed; order entry is usable at once.
  if (!open.rotation) set_ws_ready(true);
  subscribe_user_data();
}

void BinanceGateway::subscribe_user_data() {
  const int64_t id = next_id();
  Pending p;
  p.internal = Internal::kSubscribe;
  core::Status encoded = ed25519_ ? encoder_->user_data_subscribe(frame_, binance::WsRequestId::of(id))
                                  : encoder_->user_data_subscribe_signature(
                                        frame_, binance::WsRequestId::of(id), server_now_ms());
  if (!encoded || !send(id, p, 0)) log_event(LogLevel::kError, "gw_subscribe_not_sent");
}

void BinanceGateway::on_down(net::DownReason reason) {
  socket_open_ = false;
  encoder_->set_logged_on(false);
  log_event(LogLevel::kWarn, "gw_ws_down", "reason", net::to_string(reason), "in_flight",
            static_cast<int64_t>(pending_.size()));
  fail_all_in_flight(net::to_string(reason));
  ws_ready_ = false;
  set_connectivity(rest_fallback_ && started_, false);
}

void BinanceGateway::set_connectivity(bool order_entry, bool user_data) {
  if (connectivity_.order_entry == order_entry && connectivity_.user_data == user_data) return;
  connectivity_.order_entry = order_entry;
  connectivity_.user_data = user_data;
  log_event(LogLevel::kInfo, "gw_connectivity", "order_entry", order_entry, "user_data", user_data);
  if (listener_ != nullptr) listener_->on_connectivity(connectivity_);
}

// ---- Sending.

bool BinanceGateway::send(int64_t id, const Pending& pending, int64_t trigger_ns) {
  if (!socket_open_) return false;
  const int64_t ready_ns = clock_.monotonic_ns();
  if (!ws_->send_text(frame_)) return false;
  // After send_text: the frame is on the socket's write queue (written at once when the
  // queue was empty), so the tick-to-order latency covers encoding and signing too.
  const int64_t now_ns = clock_.monotonic_ns();
  Pending p = pending;
  p.sent_ns = now_ns;
  p.deadline_ns = now_ns + config_.exchange.request_timeout_ms * 1'000'000;
  pending_[id] = p;
  if (p.internal == Internal::kNone) {
    requests_total_[static_cast<size_t>(p.kind)]->inc();
    if (trigger_ns != 0) {
      quote_to_order_latency_->observe(static_cast<double>(now_ns - trigger_ns) * 1e-9);
      if (latency_recorder_ != nullptr)
        latency_recorder_->push_back({trigger_ns, now_ns - trigger_ns, ready_ns - trigger_ns});
    }
  }
  return true;
}

template <class Encode>
void BinanceGateway::request(Pending pending, int64_t trigger_ns, Encode&& encode) {
  if (now_ms() < banned_until_ms_) {
    fail_later(pending, FailureAction::kBanned, 0, "IP banned (418)");
    return;
  }
  if (!can_send()) {
    fail_later(pending, FailureAction::kRetryLater, 0, "order entry is down");
    return;
  }
  const int64_t id = next_id();
  core::Status encoded = encode(binance::WsRequestId::of(id), server_now_ms());
  if (!encoded) {
    log_event(LogLevel::kError, "gw_encode_failed", "kind", core::to_string(pending.kind), "error",
              std::string_view(encoded.error().message));
    fail_later(pending, FailureAction::kRejected, 0, encoded.error().message);
    return;
  }
  if (ws_ready_) {
    if (!send(id, pending, trigger_ns)) fail_later(pending, FailureAction::kRetryLater, 0, "send failed");
    return;
  }
  send_rest(pending, trigger_ns);
}

void BinanceGateway::send_rest(const Pending& pending, int64_t trigger_ns) {
  core::Status encoded = encoder_->last_as_rest(server_now_ms(), rest_);
  if (!encoded) {
    fail_later(pending, FailureAction::kRejected, 0, encoded.error().message);
    return;
  }
  net::HttpMethod method = net::HttpMethod::kGet;
  switch (rest_.verb) {
    case binance::RestRequest::Verb::kGet: method = net::HttpMethod::kGet; break;
    case binance::RestRequest::Verb::kPost: method = net::HttpMethod::kPost; break;
    case binance::RestRequest::Verb::kPut: method = net::HttpMethod::kPut; break;
    case binance::RestRequest::Verb::kDelete: method = net::HttpMethod::kDelete; break;
  }
  const int64_t now_ns = clock_.monotonic_ns();
  Pending p = pending;
  p.sent_ns = now_ns;
  ++rest_in_flight_;
  ++rest_requests_;
  requests_total_[static_cast<size_t>(p.kind)]->inc();
  if (trigger_ns != 0) quote_to_order_latency_->observe(static_cast<double>(now_ns - trigger_ns) * 1e-9);
  std::weak_ptr<char> alive = life_;
  http_->send(method, std::move(rest_.target), {{"X-MBX-APIKEY", encoder_->api_key()}}, std::move(rest_.body),
              [this, alive, p](core::Result<net::HttpResponse> response) {
                if (alive.expired()) return;
                on_rest_response(p, std::move(response));
              });
}

void BinanceGateway::on_rest_response(const Pending& pending, core::Result<net::HttpResponse> response) {
  --rest_in_flight_;
  if (!response) {
    log_event(LogLevel::kWarn, "gw_rest_failed", "kind", core::to_string(pending.kind), "error",
              std::string_view(response.error().message));
    fail_now(pending, FailureAction::kUnknown, 0, 0, response.error().message);
    return;
  }
  const net::HttpResponse& r = *response;
  core::RateLimitUsage usage;
  bool has_usage = false;
  for (const net::HttpHeader& h : r.rate_limit_headers) {
    has_usage |= binance::apply_rate_limit_header(h.name, h.value, usage);
  }
  if (has_usage) publish_rate_limits(usage);
  core::Status decoded = decoder_.decode_rest(static_cast<int>(r.status), r.body, envelope_);
  if (!decoded) {
    // A 5xx page, or garbage: the outcome is unknown.
    fail_now(pending, binance::classify_failure(pending.kind, 0, static_cast<int>(r.status)), 0,
             static_cast<int>(r.status), decoded.error().message);
    return;
  }
  if (r.retry_after_s && envelope_.retry_after_ms == 0)
    envelope_.retry_after_ms = now_ms() + *r.retry_after_s * 1000;
  if (!envelope_.ok && pending.kind != RequestKind::kCancelReplace) {
    handle_error(envelope_, pending);
    return;
  }
  handle_response(envelope_, pending);
}

void BinanceGateway::place(const oms::PlaceOrder& order) {
  Pending p;
  p.kind = RequestKind::kPlace;
  p.symbol = order.symbol;
  p.client_id = order.client_id;
  request(p, order.trigger_ns, [&](binance::WsRequestId id, int64_t ts) {
    return encoder_->place(frame_, id, ts, ws_order(order));
  });
}

void BinanceGateway::cancel(const oms::CancelOrder& order) {
  Pending p;
  p.kind = RequestKind::kCancel;
  p.symbol = order.symbol;
  p.client_id = order.client_id;
  request(p, order.trigger_ns, [&](binance::WsRequestId id, int64_t ts) {
    return encoder_->cancel(frame_, id, ts, order.symbol, order.client_id);
  });
}

void BinanceGateway::cancel_replace(const oms::ReplaceOrder& order) {
  Pending p;
  p.kind = RequestKind::kCancelReplace;
  p.symbol = order.new_order.symbol;
  p.client_id = order.new_order.client_id;
  p.cancel_client_id = order.cancel_client_id;
  request(p, order.new_order.trigger_ns, [&](binance::WsRequestId id, int64_t ts) {
    return encoder_->cancel_replace(frame_, id, ts, order.cancel_client_id, ws_order(order.new_order));
  });
}

void BinanceGateway::amend(const oms::AmendOrder& order) {
  Pending p;
  p.kind = RequestKind::kAmend;
  p.symbol = order.symbol;
  p.client_id = order.client_id;
  request(p, order.trigger_ns, [&](binance::WsRequestId id, int64_t ts) {
    return encoder_->amend(frame_, id, ts, order.symbol, order.client_id, order.new_qty);
  });
}

void BinanceGateway::query_order(core::SymbolId symbol, const core::ClientOrderId& client_id) {
  Pending p;
  p.kind = RequestKind::kQuery;
  p.symbol = symbol;
  p.client_id = client_id;
  request(p, 0, [&](binance::WsRequestId id, int64_t ts) {
    return encoder_->order_status(frame_, id, ts, symbol, client_id);
  });
}

void BinanceGateway::request_open_orders(core::SymbolId symbol) {
  Pending p;
  p.kind = RequestKind::kOpenOrders;
  p.symbol = symbol;
  request(p, 0,
          [&](binance::WsRequestId id, int64_t ts) { return encoder_->open_orders(frame_, id, ts, symbol); });
}

void BinanceGateway::request_trades(core::SymbolId symbol, int64_t from_ms) {
  Pending p;
  p.kind = RequestKind::kTrades;
  p.symbol = symbol;
  request(p, 0, [&](binance::WsRequestId id, int64_t ts) {
    return encoder_->my_trades(frame_, id, ts, symbol, from_ms);
  });
}

void BinanceGateway::request_balances() {
  Pending p;
  p.kind = RequestKind::kAccount;
  request(p, 0,
          [&](binance::WsRequestId id, int64_t ts) { return encoder_->account_status(frame_, id, ts); });
}

void BinanceGateway::cancel_all(core::SymbolId symbol) {
  Pending p;
  p.kind = RequestKind::kCancelAll;
  p.symbol = symbol;
  request(p, 0,
          [&](binance::WsRequestId id, int64_t ts) { return encoder_->cancel_all(frame_, id, ts, symbol); });
}

// ---- Failures.

void BinanceGateway::fail_later(const Pending& pending, FailureAction action, int code, std::string message) {
  std::weak_ptr<char> alive = life_;
  boost::asio::post(ioc_, [this, alive, pending, action, code, message = std::move(message)] {
    if (alive.expired()) return;
    fail_now(pending, action, code, 0, message);
  });
}

void BinanceGateway::fail_now(const Pending& pending, FailureAction action, int code, int http_status,
                              std::string_view message, int64_t retry_after_ms) {
  if (pending.internal != Internal::kNone || listener_ == nullptr) return;
  core::RequestFailure f;
  f.kind = pending.kind;
  f.symbol = pending.symbol;
  f.client_id = pending.client_id;
  f.cancel_client_id = pending.cancel_client_id;
  f.action = action;
  f.code = code;
  f.http_status = http_status;
  f.message = message;
  if (action == FailureAction::kRetryLater && retry_after_ms > 0) {
    f.retry_after_ms = std::max<int64_t>(0, retry_after_ms - now_ms());
  }
  if (action == FailureAction::kBanned) {
    f.banned_until_ms = banned_until_ms_;
    f.retry_after_ms = std::max<int64_t>(0, banned_until_ms_ - now_ms());
  }
  listener_->on_request_failed(f);
}

void BinanceGateway::fail_all_in_flight(std::string_view why) {
  if (pending_.empty()) return;
  std::unordered_map<int64_t, Pending> failed;
  failed.swap(pending_);
  // Oldest first (ids increase).
  std::vector<std::pair<int64_t, Pending>> ordered(failed.begin(), failed.end());
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [id, p] : ordered) fail_now(p, FailureAction::kUnknown, 0, 0, why);
}

void BinanceGateway::count_reject(int code) {
  // Every error reply of any request (the OMS counts order rejects in
  // phoenix_order_rejects_total). At most 64 codes get their own series; the rest share "other".
  constexpr size_t kMaxCodes = 64;
  constexpr int kOther = 1;  // not a Binance code
  auto it = rejects_total_.find(code);
  if (it == rejects_total_.end()) {
    const bool own = rejects_total_.size() < kMaxCodes;
    const int key = own ? code : kOther;
    it = rejects_total_.find(key);
    if (it == rejects_total_.end()) {
      telemetry::Counter& c =
          registry_.counter("phoenix_exchange_error_replies_total",
                            "Error replies of the exchange to any request, by error code",
                            {{"code", own ? std::to_string(code) : std::string("other")}});
      it = rejects_total_.emplace(key, &c).first;
    }
  }
  it->second->inc();
}

void BinanceGateway::publish_rate_limits(const core::RateLimitUsage& usage) {
  orders_10s_used_->set(static_cast<double>(usage.orders_10s));
  orders_1d_used_->set(static_cast<double>(usage.orders_1d));
  weight_1m_used_->set(static_cast<double>(usage.weight_1m));
  if (listener_ != nullptr) listener_->on_rate_limits(usage);
}

// ---- Timeouts.

void BinanceGateway::arm_timer() {
  timer_.expires_after(std::chrono::milliseconds(kTimerTickMs));
  std::weak_ptr<char> alive = life_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    on_timer();
    if (started_) arm_timer();
  });
}

void BinanceGateway::on_timer() {
  const int64_t now_ns = clock_.monotonic_ns();
  std::vector<std::pair<int64_t, Pending>> expired;
  for (const auto& [id, p] : pending_) {
    if (p.deadline_ns <= now_ns) expired.emplace_back(id, p);
  }
  if (expired.empty()) return;
  std::sort(expired.begin(), expired.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [id, p] : expired) {
    pending_.erase(id);
    log_event(LogLevel::kWarn, "gw_request_timeout", "id", id, "kind", core::to_string(p.kind));
    if (p.internal != Internal::kNone) {
      // Logon or subscribe got no answer: the connection is not usable; start over.
      ws_->recycle(net::DownReason::kIdleTimeout);
      continue;
    }
    fail_now(p, FailureAction::kUnknown, 0, 0, "request timed out");
  }
}

// ---- Receiving.

void BinanceGateway::on_message(std::string_view payload, int64_t recv_ns) {
  core::Status decoded = decoder_.decode(payload, envelope_);
  if (!decoded) {
    log_event(LogLevel::kWarn, "gw_bad_message", "error", std::string_view(decoded.error().message));
    return;
  }
  if (envelope_.kind == binance::WsEnvelope::Kind::kEvent) {
    handle_event(payload);
    return;
  }
  if (envelope_.has_rate_limits) publish_rate_limits(envelope_.rate_limits);
  if (!envelope_.id) {
    // id null: a session-level error (a revoked key: -2015) or a reply we cannot match.
    log_event(LogLevel::kError, "gw_unmatched_response", "status", static_cast<int64_t>(envelope_.status),
              "code", static_cast<int64_t>(envelope_.error_code), "msg", envelope_.error_msg);
    return;
  }
  auto it = pending_.find(*envelope_.id);
  if (it == pending_.end()) {
    log_event(LogLevel::kWarn, "gw_late_response", "id", *envelope_.id);
    return;
  }
  const Pending pending = it->second;
  pending_.erase(it);
  request_latency_->observe(static_cast<double>(recv_ns - pending.sent_ns) * 1e-9);
  if (pending.internal != Internal::kNone) {
    handle_internal(envelope_, pending);
    return;
  }
  if (!envelope_.ok && pending.kind != RequestKind::kCancelReplace) {
    handle_error(envelope_, pending);
    return;
  }
  handle_response(envelope_, pending);
}

void BinanceGateway::handle_internal(const binance::WsEnvelope& env, const Pending& pending) {
  if (!env.ok) {
    if (pending.internal == Internal::kLogon) {
      log_event(LogLevel::kError, "gw_logon_failed", "code", static_cast<int64_t>(env.error_code), "msg",
                env.error_msg);
    } else {
      log_event(LogLevel::kError, "gw_subscribe_failed", "code", static_cast<int64_t>(env.error_code), "msg",
                env.error_msg);
    }
    if (env.error_code == -1021) {
      // The clock is off: re-sync, and start the connection over (logon or subscribe again).
      sync_time();
      ws_->recycle(net::DownReason::kProtocolError);
      return;
    }
    if (env.error_code == -2035) {  // already subscribed on this connection
      set_connectivity(connectivity_.order_entry, true);
      ws_->mark_live();
    }
    return;
  }
  if (pending.internal == Internal::kLogon) {
    encoder_->set_logged_on(true);
    set_ws_ready(true);
    subscribe_user_data();
    return;
  }
  ws_ready_ = true;
  set_connectivity(true, true);
  ws_->mark_live();
}

void BinanceGateway::handle_error(const binance::WsEnvelope& env, const Pending& pending) {
  const FailureAction action = binance::classify_failure(pending.kind, env.error_code, env.status);
  count_reject(env.error_code);
  if (action == FailureAction::kResyncTime) sync_time();
  if (action == FailureAction::kBanned) {
    banned_until_ms_ = env.retry_after_ms > 0 ? env.retry_after_ms : now_ms() + kDefaultBanMs;
    log_event(LogLevel::kError, "gw_banned", "until_ms", banned_until_ms_);
  }
  if (action == FailureAction::kHalt) {
    log_event(LogLevel::kCritical, "gw_halt", "code", static_cast<int64_t>(env.error_code), "msg",
              env.error_msg);
  }
  fail_now(pending, action, env.error_code, env.status, env.error_msg, env.retry_after_ms);
}

void BinanceGateway::handle_response(const binance::WsEnvelope& env, const Pending& pending) {
  if (listener_ == nullptr) return;
  core::Status decoded;
  core::OrderUpdate update;
  switch (pending.kind) {
    case RequestKind::kPlace:
      decoded = decoder_.order_result(core::ExecType::kNew, update);
      if (decoded) listener_->on_order_update(update);
      break;
    case RequestKind::kCancel:
      decoded = decoder_.order_result(core::ExecType::kCanceled, update);
      if (decoded) listener_->on_order_update(update);
      break;
    case RequestKind::kQuery:
      decoded = decoder_.order_result(core::ExecType::kSnapshot, update);
      if (decoded) listener_->on_order_update(update);
      break;
    case RequestKind::kAmend:
      decoded = decoder_.amend_result(update);
      if (decoded) listener_->on_order_update(update);
      break;
    case RequestKind::kCancelReplace: {
      // Only -2021 (partially failed) and -2022 (failed) carry both halves in error.data;
      // any other error (429/418 carry {serverTime, retryAfter} there) is a plain refusal.
      if (!env.ok && (env.error_data.empty() || (env.error_code != -2021 && env.error_code != -2022))) {
        handle_error(env, pending);
        return;
      }
      binance::CancelReplaceResult r;
      decoded = decoder_.cancel_replace_result(r);
      if (!decoded) break;
      if (r.cancel_succeeded) listener_->on_order_update(r.canceled);
      if (r.new_order_succeeded) listener_->on_order_update(r.new_order);
      if (env.ok) return;
      // -2021 / -2022: report the half that failed, with its own code.
      count_reject(env.error_code);
      core::RequestFailure f;
      f.kind = pending.kind;
      f.symbol = pending.symbol;
      f.client_id = pending.client_id;
      f.cancel_client_id = pending.cancel_client_id;
      f.http_status = env.status;
      f.cancel_succeeded = r.cancel_succeeded;
      f.new_order_succeeded = r.new_order_succeeded;
      if (!r.cancel_succeeded) {
        f.code = r.cancel_error_code;
        f.message = r.cancel_error_msg;
        f.action = binance::classify_failure(RequestKind::kCancel, r.cancel_error_code, 0);
      } else {
        f.code = r.new_order_error_code;
        f.message = r.new_order_error_msg;
        f.action = binance::classify_failure(RequestKind::kPlace, r.new_order_error_code, 0);
      }
      listener_->on_request_failed(f);
      return;
    }
    case RequestKind::kOpenOrders:
      decoded = decoder_.order_list(core::ExecType::kSnapshot, orders_scratch_);
      if (decoded) listener_->on_open_orders(pending.symbol, orders_scratch_);
      break;
    case RequestKind::kCancelAll:
      decoded = decoder_.order_list(core::ExecType::kCanceled, orders_scratch_);
      if (decoded) {
        for (const core::OrderUpdate& u : orders_scratch_) listener_->on_order_update(u);
      }
      break;
    case RequestKind::kAccount:
      decoded = decoder_.balances(balances_scratch_);
      if (decoded) listener_->on_balances(balances_scratch_, /*snapshot=*/true);
      break;
    case RequestKind::kTrades:
      decoded = decoder_.trades(pending.symbol, orders_scratch_);
      if (decoded) listener_->on_trades(pending.symbol, orders_scratch_);
      break;
  }
  if (!decoded) {
    log_event(LogLevel::kError, "gw_bad_result", "kind", core::to_string(pending.kind), "error",
              std::string_view(decoded.error().message));
    // It was accepted, but we cannot tell what it did.
    fail_now(pending, FailureAction::kUnknown, 0, env.status, decoded.error().message);
  }
}

void BinanceGateway::handle_event(std::string_view payload) {
  core::Status decoded = user_data_.decode(payload, event_);
  if (!decoded) {
    log_event(LogLevel::kWarn, "gw_bad_user_data", "error", std::string_view(decoded.error().message));
    return;
  }
  using Kind = binance::UserDataEvent::Kind;
  switch (event_.kind) {
    case Kind::kExecutionReport:
      if (listener_ != nullptr) listener_->on_order_update(event_.order);
      break;
    case Kind::kAccountPosition:
      if (listener_ != nullptr) listener_->on_balances(event_.balances, /*snapshot=*/false);
      break;
    case Kind::kBalanceUpdate: break;  // outboundAccountPosition follows with the new totals
    case Kind::kStreamTerminated:
      log_event(LogLevel::kWarn, "gw_user_data_terminated");
      set_connectivity(connectivity_.order_entry, false);
      if (socket_open_ && (!ed25519_ || encoder_->logged_on())) subscribe_user_data();
      break;
    case Kind::kServerShutdown:
      log_event(LogLevel::kWarn, "gw_server_shutdown");
      ws_->rotate(net::DownReason::kServerShutdown);
      break;
    case Kind::kOther: break;
  }
}

}  // namespace phoenix::engine
