#pragma once

// BinanceGateway: the live oms::ExchangeGateway over Binance's WebSocket API.
//
//   auto gw = engine::BinanceGateway::create(ioc, config, credentials, symbols, registry, clock);
//   (*gw)->set_listener(&oms);
//   (*gw)->start();   // GET /api/v3/time (offset), then connect the WS API
//
// One ManagedWs connection to config.exchange.ws_api_url carries requests, responses and
// the user-data stream. On every (re)connect: with an Ed25519 key, session.logon then
// userDataStream.subscribe (later requests carry only a timestamp); with an HMAC key,
// userDataStream.subscribe.signature (every request signed). Order entry is up once the
// connection is open (HMAC) or logged on (Ed25519); user data once subscribed.
//
// Every request is tracked by id with a deadline (exchange.request_timeout_ms). A request
// whose deadline passes, or that is in flight when the connection drops, fails with
// FailureAction::kUnknown. Errors are classified by binance::classify_failure; -1021
// re-syncs the server time (REST); 418 stops all requests until the ban ends (from
// error.data.retryAfter, else 2 minutes); rateLimits go to on_rate_limits.
//
// REST fallback (config.orders.rest_fallback): while the WS API is not usable, every
// request goes over REST instead (the same params, REST-signed, one at a time through
// net::HttpClient; its timeout is request_timeout_ms); connectivity().order_entry then stays
// true and only user_data goes down. A REST request that fails in transport fails with
// kUnknown. Without the fallback, requests fail with kRetryLater while the WS API is down.
//
// Owned by the trading instance; every method must be called on the io_context thread,
// and listener callbacks run there (never inside a request method). The io_context,
// config, symbols, registry and clock must outlive it.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "binance/order_symbols.h"
#include "binance/signing.h"
#include "binance/user_data_decoder.h"
#include "binance/ws_api_codec.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/orders.h"
#include "core/result.h"
#include "net/http_client.h"
#include "net/managed_ws.h"
#include "oms/gateway.h"
#include "telemetry/metrics.h"

namespace phoenix::engine {

// One tick-to-order measurement: the market-data receive time that triggered a request
// and how long until the request was written (both monotonic ns).
struct LatencySample {
  int64_t trigger_ns = 0;
  int64_t latency_ns = 0;        // until the send returned (the frame handed to the socket)
  int64_t ready_latency_ns = 0;  // until the request was encoded and signed, before the send
};

class BinanceGateway final : public oms::ExchangeGateway, private net::ManagedWsHandler {
 public:
  static core::Result<std::unique_ptr<BinanceGateway>> create(
      boost::asio::io_context& ioc, const config::Config& config, const config::Credentials& credentials,
      const binance::OrderSymbols& symbols, telemetry::Registry& registry, const core::Clock& clock);
  ~BinanceGateway() override;
  BinanceGateway(const BinanceGateway&) = delete;
  BinanceGateway& operator=(const BinanceGateway&) = delete;

  // Syncs the server time, then connects (and keeps reconnecting until stop()).
  void start();
  // Closes the connection; in-flight requests fail with kUnknown.
  void stop();

  // Whether a request would be sent now (order entry up and not banned).
  bool can_send() const;
  // Server time offset in use (server ≈ local wall + offset).
  int64_t time_offset_ms() const { return time_offset_.offset_ms; }
  size_t in_flight() const { return pending_.size() + rest_in_flight_; }
  // Benchmarks: every tick-to-order sample (WebSocket path) is appended to `out`; null =
  // off.
  void set_latency_recorder(std::vector<LatencySample>* out) { latency_recorder_ = out; }
  // Requests sent over REST (the fallback) so far.
  uint64_t rest_requests() const { return rest_requests_; }
  // Completed server-time syncs (start-up, and after every -1021).
  uint64_t time_syncs() const { return time_syncs_; }

  // oms::ExchangeGateway
  void set_listener(oms::GatewayListener* listener) override { listener_ = listener; }
  oms::Connectivity connectivity() const override { return connectivity_; }
  bool supports_amend() const override { return true; }
  void place(const oms::PlaceOrder& order) override;
  void cancel(const oms::CancelOrder& order) override;
  void cancel_replace(const oms::ReplaceOrder& order) override;
  void amend(const oms::AmendOrder& order) override;
  void query_order(core::SymbolId symbol, const core::ClientOrderId& client_id) override;
  void request_open_orders(core::SymbolId symbol) override;
  void request_trades(core::SymbolId symbol, int64_t from_ms) override;
  void request_balances() override;
  void cancel_all(core::SymbolId symbol) override;

 private:
  // Requests the gateway sends for itself (not reported to the listener).
  enum class Internal : uint8_t { kNone, kLogon, kSubscribe };
  struct Pending {
    core::RequestKind kind = core::RequestKind::kPlace;
    Internal internal = Internal::kNone;
    core::SymbolId symbol = core::kNoSymbol;
    core::ClientOrderId client_id;
    core::ClientOrderId cancel_client_id;
    int64_t sent_ns = 0;
    int64_t deadline_ns = 0;
  };

  BinanceGateway(boost::asio::io_context& ioc, const config::Config& config,
                 const binance::OrderSymbols& symbols, telemetry::Registry& registry,
                 const core::Clock& clock);

  // net::ManagedWsHandler
  void on_open(const net::ManagedWsOpen& open) override;
  void on_message(std::string_view payload, int64_t recv_ns) override;
  void on_down(net::DownReason reason) override;

  int64_t now_ms() const { return clock_.wall_us() / 1000; }
  int64_t server_now_ms() const;
  int64_t next_id() { return next_id_++; }
  // Sends `frame_` as request `id`; false (and nothing tracked) when it could not be sent.
  bool send(int64_t id, const Pending& pending, int64_t trigger_ns);
  // The common path of every listener request: checks can_send, encodes, sends, and on any
  // failure reports it asynchronously.
  template <class Encode>
  void request(Pending pending, int64_t trigger_ns, Encode&& encode);
  void fail_later(const Pending& pending, core::FailureAction action, int code, std::string message);
  void fail_now(const Pending& pending, core::FailureAction action, int code, int http_status,
                std::string_view message, int64_t retry_after_ms = 0);
  void fail_all_in_flight(std::string_view why);
  void handle_response(const binance::WsEnvelope& env, const Pending& pending);
  void send_rest(const Pending& pending, int64_t trigger_ns);
  void on_rest_response(const Pending& pending, core::Result<net::HttpResponse> response);
  void set_ws_ready(bool ready);
  void handle_internal(const binance::WsEnvelope& env, const Pending& pending);
  void handle_error(const binance::WsEnvelope& env, const Pending& pending);
  void handle_event(std::string_view payload);
  void set_connectivity(bool order_entry, bool user_data);
  void subscribe_user_data();
  void sync_time();
  void arm_timer();
  void on_timer();
  void count_reject(int code);
  void publish_rate_limits(const core::RateLimitUsage& usage);

  boost::asio::io_context& ioc_;
  const config::Config& config_;
  const binance::OrderSymbols& symbols_;
  telemetry::Registry& registry_;
  const core::Clock& clock_;
  oms::GatewayListener* listener_ = nullptr;

  std::unique_ptr<binance::Signer> signer_;
  bool ed25519_ = false;
  std::unique_ptr<binance::WsApiEncoder> encoder_;
  binance::WsApiDecoder decoder_;
  binance::UserDataDecoder user_data_;
  std::unique_ptr<net::ManagedWs> ws_;
  std::unique_ptr<net::HttpClient> http_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<char> life_;  // posted callbacks hold a weak_ptr: expired = we are gone

  oms::Connectivity connectivity_;
  bool ws_ready_ = false;  // the WS API takes requests (open; logged on with Ed25519)
  bool rest_fallback_ = false;
  size_t rest_in_flight_ = 0;
  uint64_t rest_requests_ = 0;
  binance::RestRequest rest_;
  bool socket_open_ = false;
  bool started_ = false;
  bool time_syncing_ = false;
  uint64_t time_syncs_ = 0;
  binance::ServerTimeOffset time_offset_;
  int64_t banned_until_ms_ = 0;
  int64_t next_id_ = 1;
  std::unordered_map<int64_t, Pending> pending_;
  std::string frame_;
  binance::WsEnvelope envelope_;
  binance::UserDataEvent event_;
  std::vector<core::OrderUpdate> orders_scratch_;
  std::vector<core::AssetBalance> balances_scratch_;

  // Metrics.
  std::array<telemetry::Counter*, 9> requests_total_{};
  std::unordered_map<int, telemetry::Counter*> rejects_total_;
  telemetry::Gauge* orders_10s_used_ = nullptr;
  telemetry::Gauge* orders_1d_used_ = nullptr;
  telemetry::Gauge* weight_1m_used_ = nullptr;
  telemetry::Histogram* quote_to_order_latency_ = nullptr;
  std::vector<LatencySample>* latency_recorder_ = nullptr;
  telemetry::Histogram* request_latency_ = nullptr;
};

}  // namespace phoenix::engine
