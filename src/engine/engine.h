#pragma once

// engine::Engine: one trading instance on one io_context — market data, quoter, risk,
// order manager and the order gateway (Binance WebSocket API, or the paper venue in
// dry-run mode), wired together, with the start-up, reconnect and shutdown procedures
// that keep the never-orphan rule.
//
//   md::Feed ─on_top_of_book─► Engine::requote ─► strategy::compute_ladder
//        ─► risk::Limits (per level) ─► oms::OrderManager::set_target ─► ExchangeGateway
//   ExchangeGateway ─► Engine (GatewayListener) ─► OrderManager (states, fills)
//        └─ fills ─► risk::Portfolio (position, PnL) ─► KillSwitch, inventory skew
//
// Phases:
//   kLoadingRules  exchangeInfo over REST (retried with backoff); market data already flows
//   kConnecting    the gateway logs in and subscribes user data
//   kReconciling   balances and every symbol's open orders fetched; orders carrying our
//                  prefix that we do not know are cancelled (or adopted, per config)
//   kQuoting       ladders follow the market
//   kKilled        the kill switch tripped: every order cancelled, no quoting until restart
//   kStopping      stop(): cancel everything, confirm none remain (bounded by
//                  orders.shutdown_deadline_ms), then close the connections
//   kStopped
// After any reconnect of order entry or user data the engine fetches open orders and
// recent trades again and the OMS corrects its state (counted in
// phoenix_reconcile_corrections_total). A stale symbol or a dropped market-data
// connection pulls that symbol's orders at once (the feed checks staleness every 50 ms).
//
// Owned by main. Every method runs on the io_context thread. The Config, Registry and
// Clock outlive the Engine.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "core/orders.h"
#include "core/result.h"
#include "core/symbol_filters.h"
#include "engine/order_gateway.h"
#include "engine/quote_state.h"
#include "md/feed.h"
#include "oms/gateway.h"
#include "oms/order_manager.h"
#include "strategy/quoter.h"
#include "telemetry/metrics.h"

namespace phoenix::binance {
class OrderSymbols;
}
namespace phoenix::net {
class HttpClient;
}
namespace phoenix::risk {
class Portfolio;
class Limits;
class KillSwitch;
}  // namespace phoenix::risk
namespace phoenix::paper {
class PaperVenue;
}

namespace phoenix::engine {

class BinanceGateway;

enum class Phase : uint8_t {
  kLoadingRules,
  kConnecting,
  kReconciling,
  kQuoting,
  kKilled,
  kStopping,
  kStopped
};
std::string_view to_string(Phase phase);

// A read-only view for status pages and tests.
struct SymbolStatus {
  std::string symbol;
  QuoteReason bid_reason = QuoteReason::kStarting;
  QuoteReason ask_reason = QuoteReason::kStarting;
  size_t live_bids = 0;
  size_t live_asks = 0;
};

class Engine final : public md::FeedListener, public oms::GatewayListener, public oms::OmsListener {
 public:
  // Builds every component. `credentials` is ignored in dry-run mode. Fails on a config
  // the components reject (URLs, keys).
  static core::Result<std::unique_ptr<Engine>> create(boost::asio::io_context& ioc, const core::Clock& clock,
                                                      const config::Config& config,
                                                      const config::Credentials& credentials,
                                                      telemetry::Registry& registry);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts market data and the start-up sequence.
  void start();
  // Cancels every order, confirms none remain (bounded by orders.shutdown_deadline_ms),
  // closes the connections, then calls `done(ok)`: ok = no order of ours remains open.
  void stop(std::function<void(bool ok)> done);
  // Benchmarks: every tick-to-order sample the live gateway measures is appended to `out`
  // (null = off). Set before start().
  void set_latency_recorder(std::vector<LatencySample>* out) { latency_recorder_ = out; }
  // Trips the kill switch from outside (fatal error elsewhere).
  void halt(std::string_view why);

  Phase phase() const { return phase_; }
  // True once stop() finished and every connection has closed.
  bool closed() const;
  std::vector<SymbolStatus> status() const;

  // md::FeedListener
  void on_top_of_book(core::SymbolId symbol, const md::TopOfBook& top, int64_t recv_ns) override;
  void on_stale_changed(core::SymbolId symbol, bool stale) override;
  void on_connection_changed(const std::string& conn, bool up) override;
  void on_trade(const core::Trade& trade, int64_t recv_ns) override;

  // oms::GatewayListener
  void on_order_update(const core::OrderUpdate& update) override;
  void on_request_failed(const core::RequestFailure& failure) override;
  void on_open_orders(core::SymbolId symbol, std::span<const core::OrderUpdate> orders) override;
  void on_trades(core::SymbolId symbol, std::span<const core::OrderUpdate> trades) override;
  void on_balances(std::span<const core::AssetBalance> balances, bool snapshot) override;
  void on_rate_limits(const core::RateLimitUsage& usage) override;
  void on_connectivity(const oms::Connectivity& connectivity) override;

  // oms::OmsListener
  void on_fill(const oms::Fill& fill) override;
  void on_correction(const oms::Correction& correction) override;
  void on_reject(core::SymbolId symbol, int code) override;
  void on_halt(const core::RequestFailure& failure) override;

 private:
  struct SymbolRuntime;

  Engine(boost::asio::io_context& ioc, const core::Clock& clock, const config::Config& config,
         telemetry::Registry& registry);

  void set_phase(Phase phase);
  void quote_state_all(QuoteReason reason);

  // Start-up.
  void fetch_rules();
  core::Status on_rules(std::string_view body);
  void build_trading();
  void halt_startup(const std::string& why);
  void begin_reconcile(bool startup);
  void finish_reconcile();
  void enter_quoting();
  void arm_reconcile_timer();
  void arm_poll_timer();

  // Quoting.
  void requote(core::SymbolId symbol, int64_t trigger_ns);
  void update_oms_state(core::SymbolId symbol);
  void pull(core::SymbolId symbol, QuoteReason reason);
  strategy::Balances balances_for(core::SymbolId symbol) const;

  // Kill switch and shutdown.
  void on_kill(std::string_view reason, std::string_view detail);
  void clear_all_orders(std::function<void(bool ok)> done);
  void arm_clear_timer(int64_t ms);
  void clear_round();
  void on_clear_snapshot(std::span<const core::OrderUpdate> orders);
  void on_clear_deadline();
  void finish_stop(bool ok);
  std::string oms_prefix() const;

  boost::asio::io_context& ioc_;
  const core::Clock& clock_;
  const config::Config& config_;
  telemetry::Registry& registry_;

  const config::Credentials* credentials_ = nullptr;
  std::vector<LatencySample>* latency_recorder_ = nullptr;
  std::unique_ptr<md::Feed> feed_;
  std::unique_ptr<binance::OrderSymbols> order_symbols_;  // live: assets per symbol
  std::unique_ptr<net::HttpClient> rest_;
  std::unique_ptr<oms::ExchangeGateway> gateway_;
  BinanceGateway* live_ = nullptr;      // = gateway_ when live
  paper::PaperVenue* paper_ = nullptr;  // = gateway_ in dry-run mode
  std::unique_ptr<risk::Portfolio> portfolio_;
  std::unique_ptr<risk::Limits> limits_;
  std::unique_ptr<risk::KillSwitch> kill_;
  std::unique_ptr<oms::OrderManager> oms_;  // after the gateway and bridge: destroyed first
  std::unique_ptr<QuoteStateGauges> quote_state_;

  std::vector<std::unique_ptr<SymbolRuntime>> symbols_;
  std::unordered_map<std::string, core::AssetBalance> balances_;  // by asset name
  bool starts_set_ = false;
  std::vector<oms::DesiredOrder> desired_;  // scratch, reused per requote
  std::vector<core::Level> levels_scratch_;

  Phase phase_ = Phase::kLoadingRules;
  oms::Connectivity connectivity_;
  bool ever_connected_ = false;
  std::string fatal_;
  int64_t start_ns_ = 0;
  int64_t rules_backoff_ms_ = 500;

  // Reconciliation bookkeeping (for the log lines).
  bool reconcile_startup_ = false;
  size_t reconcile_pending_ = 0;  // open-orders replies still expected
  size_t reconcile_orphans_ = 0;
  size_t reconcile_corrections_ = 0;
  int64_t reconcile_start_ns_ = 0;

  // Clearing orders (kill switch, stop).
  std::function<void(bool)> clear_done_;
  bool clearing_ = false;
  size_t clear_pending_ = 0;    // open-orders replies expected in this round
  size_t clear_remaining_ = 0;  // our orders seen open in this round
  size_t clear_cancels_ = 0;    // cancels sent for orders the exchange still listed
  int64_t clear_start_ns_ = 0;
  int64_t clear_deadline_ns_ = 0;
  std::function<void(bool)> stop_done_;

  boost::asio::steady_timer rules_timer_;
  boost::asio::steady_timer reconcile_timer_;
  boost::asio::steady_timer clear_timer_;
  boost::asio::steady_timer poll_timer_;
  std::shared_ptr<char> life_;

  telemetry::Gauge* phase_gauge_ = nullptr;
  telemetry::Counter* rules_failures_ = nullptr;
};

}  // namespace phoenix::engine
