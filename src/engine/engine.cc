#include "engine/engine.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "binance/exchange_info.h"
#include "binance/order_symbols.h"
#include "binance/signing.h"
#include "engine/order_gateway.h"
#include "net/http_client.h"
#include "oms/order_manager.h"
#include "risk/event_window.h"
#include "risk/kill_switch.h"
#include "risk/limits.h"
#include "risk/portfolio.h"
#include "strategy/params_from_config.h"
#include "telemetry/log.h"

#include "paper/paper_venue.h"

namespace phoenix::engine {

namespace {

using telemetry::LogLevel;

constexpr int64_t kMaxRulesBackoffMs = 30'000;
constexpr int64_t kPollMs = 100;  // OMS timers (retries, cooldowns, budget)

int64_t ms_since(const core::Clock& clock, int64_t start_ns) {
  return (clock.monotonic_ns() - start_ns) / 1'000'000;
}

QuoteReason reason_of(strategy::SideState state) {
  switch (state) {
    case strategy::SideState::kQuoting: return QuoteReason::kQuoting;
    case strategy::SideState::kNoBook:
    case strategy::SideState::kCrossedBook: return QuoteReason::kNoBook;
    case strategy::SideState::kBalance:
    case strategy::SideState::kInventorySkew: return QuoteReason::kInventory;
    case strategy::SideState::kDisabled:
    case strategy::SideState::kInvalidInput:
    case strategy::SideState::kFilters:
    case strategy::SideState::kPriceBand:
    case strategy::SideState::kOverflow: return QuoteReason::kFilters;
  }
  return QuoteReason::kFilters;
}

}  // namespace

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::kLoadingRules: return "loading_rules";
    case Phase::kConnecting: return "connecting";
    case Phase::kReconciling: return "reconciling";
    case Phase::kQuoting: return "quoting";
    case Phase::kKilled: return "killed";
    case Phase::kStopping: return "stopping";
    case Phase::kStopped: return "stopped";
  }
  return "unknown";
}

// Per-symbol state owned by the engine.
struct Engine::SymbolRuntime {
  const config::SymbolConfig* config = nullptr;
  std::string name;
  bool have_rules = false;
  binance::ExchangeSymbolInfo info;  // filters and asset names from exchangeInfo
  strategy::QuoteParams params;
  strategy::Ladder ladder;
  std::vector<oms::DesiredOrder> bids;
  std::vector<oms::DesiredOrder> asks;
  bool md_up = false;   // its market-data connection is up
  bool pulled = false;  // orders pulled (stale, disconnected) until fresh data
  std::optional<core::Price> mid;
  QuoteReason ladder_reason[2] = {QuoteReason::kStarting, QuoteReason::kStarting};
};

Engine::Engine(boost::asio::io_context& ioc, const core::Clock& clock, const config::Config& config,
               telemetry::Registry& registry)
    : ioc_(ioc),
      clock_(clock),
      config_(config),
      registry_(registry),
      rules_timer_(ioc),
      reconcile_timer_(ioc),
      clear_timer_(ioc),
      poll_timer_(ioc),
      life_(std::make_shared<char>(0)) {}

Engine::~Engine() = default;

// ---- Construction -------------------------------------------------------------------

core::Result<std::unique_ptr<Engine>> Engine::create(boost::asio::io_context& ioc, const core::Clock& clock,
                                                     const config::Config& config,
                                                     const config::Credentials& credentials,
                                                     telemetry::Registry& registry) {
  std::unique_ptr<Engine> e(new Engine(ioc, clock, config, registry));
  auto feed = md::Feed::create(ioc, clock, config, registry, e.get());
  if (!feed) return std::move(feed).error();
  e->feed_ = std::move(feed).value();

  net::HttpClientOptions http;
  http.base_url = config.exchange.rest_url.scheme + "://" + config.exchange.rest_url.host + ":" +
                  std::to_string(config.exchange.rest_url.port);
  http.timeout = std::chrono::milliseconds(config.exchange.request_timeout_ms);
  http.ca_file = config.exchange.ca_file;
  auto rest = net::HttpClient::create(ioc, http);
  if (!rest) return std::move(rest).error();
  e->rest_ = std::move(rest).value();

  std::vector<std::string> names;
  for (const auto& sc : config.symbols) names.push_back(sc.symbol);
  for (const auto& sc : config.symbols) {
    auto rt = std::make_unique<SymbolRuntime>();
    rt->config = &sc;
    rt->name = sc.symbol;
    rt->ladder.reserve(sc.levels);
    rt->bids.reserve(static_cast<size_t>(sc.levels));
    rt->asks.reserve(static_cast<size_t>(sc.levels));
    e->symbols_.push_back(std::move(rt));
  }
  e->quote_state_ = std::make_unique<QuoteStateGauges>(registry, names);
  if (!config.dry_run) {
    // Check the key now, before anything connects: a bad key is a start-up error.
    auto signer = credentials.key_type == config::KeyType::kEd25519
                      ? binance::make_ed25519_signer(credentials.api_secret)
                      : binance::make_hmac_signer(credentials.api_secret);
    if (!signer) return core::Error{signer.error().code, "API key: " + signer.error().message};
  }
  e->credentials_ = &credentials;
  e->phase_gauge_ = &registry.gauge("phoenix_engine_phase",
                                    "Engine phase: 0 loading_rules, 1 connecting, 2 reconciling, 3 quoting, "
                                    "4 killed, 5 stopping, 6 stopped");
  e->rules_failures_ = &registry.counter("phoenix_exchange_info_failures_total",
                                         "exchangeInfo requests that failed or could not be decoded");
  return e;
}

// ---- Start-up -----------------------------------------------------------------------

void Engine::set_phase(Phase phase) {
  phase_ = phase;
  phase_gauge_->set(static_cast<double>(static_cast<int>(phase)));
}

void Engine::start() {
  start_ns_ = clock_.monotonic_ns();
  telemetry::log_event(LogLevel::kInfo, "engine_starting", "venue", config_.dry_run ? "paper" : "exchange",
                       "symbols", static_cast<int64_t>(symbols_.size()));
  feed_->start();
  fetch_rules();
  arm_poll_timer();
}

void Engine::fetch_rules() {
  std::string target = "/api/v3/exchangeInfo?symbols=%5B";
  for (size_t i = 0; i < symbols_.size(); ++i) {
    if (i > 0) target += "%2C";
    target += "%22" + symbols_[i]->name + "%22";
  }
  target += "%5D";
  std::weak_ptr<char> alive = life_;
  rest_->get(target, [this, alive](core::Result<net::HttpResponse> r) {
    if (alive.expired() || phase_ != Phase::kLoadingRules) return;
    std::string error;
    if (!r) {
      error = r.error().message;
    } else if (r->status != 200) {
      error = fmt::format("HTTP {}: {}", r->status, r->body.substr(0, 200));
    } else if (auto st = on_rules(r->body); !st) {
      error = st.error().message;
    } else {
      return;
    }
    rules_failures_->inc();
    telemetry::log_event(LogLevel::kWarn, "exchange_info_failed", "error", error, "retry_ms",
                         rules_backoff_ms_);
    rules_timer_.expires_after(std::chrono::milliseconds(rules_backoff_ms_));
    rules_backoff_ms_ = std::min(rules_backoff_ms_ * 2, kMaxRulesBackoffMs);
    rules_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
      if (!ec && !alive.expired() && phase_ == Phase::kLoadingRules) fetch_rules();
    });
  });
}

core::Status Engine::on_rules(std::string_view body) {
  auto info = binance::decode_exchange_info(body);
  if (!info) return std::move(info).error();
  for (auto& rt : symbols_) {
    auto it = std::find_if(info->symbols.begin(), info->symbols.end(),
                           [&](const binance::ExchangeSymbolInfo& s) { return s.symbol == rt->name; });
    if (it == info->symbols.end()) {
      return core::Error{core::ErrorCode::kNotFound, "exchangeInfo has no symbol " + rt->name};
    }
    if (!it->trading) {
      return core::Error{core::ErrorCode::kUnavailable,
                         rt->name + " is not trading (status " + it->status + ")"};
    }
    rt->info = *it;
    // PERCENT_PRICE_BY_SIDE's reference is the exchange's average price, which Phoenix
    // approximates by the mid at every requote; until the first one, a placeholder lets
    // the parameters be validated against the other filters.
    if (rt->info.filters.percent_price && rt->info.filters.percent_price->reference_price.units() <= 0) {
      rt->info.filters.percent_price->reference_price = rt->info.filters.tick_size;
    }
    auto params = strategy::params_from_config(*rt->config, rt->info.filters);
    if (!params) {
      // The config does not fit the exchange's rules: nothing is sent; retrying won't help.
      halt_startup(params.error().message);
      return core::Status();
    }
    rt->params = *params;
    rt->have_rules = true;
  }
  telemetry::log_event(LogLevel::kInfo, "exchange_info_loaded", "symbols",
                       static_cast<int64_t>(symbols_.size()), "elapsed_ms", ms_since(clock_, start_ns_));
  try {
    build_trading();
  } catch (const std::exception& e) {
    // The components refuse their settings by throwing at construction (start-up only);
    // nothing has been sent yet.
    halt_startup(std::string("cannot build the trading components: ") + e.what());
  }
  return core::Status();
}

void Engine::halt_startup(const std::string& why) {
  telemetry::log_event(LogLevel::kCritical, "engine_config_rejected", "error", why);
  if (kill_) {
    kill_->trip(risk::KillReason::kManual, why);
  } else {
    fatal_ = why;
    set_phase(Phase::kKilled);
    quote_state_all(QuoteReason::kKillSwitch);
  }
}

void Engine::quote_state_all(QuoteReason reason) {
  for (size_t s = 0; s < symbols_.size(); ++s) quote_state_->set_both(s, reason);
}

// Builds the portfolio, limits, kill switch, OMS (and the paper venue) once the symbols'
// rules are known, then connects the gateway.
void Engine::build_trading() {
  std::vector<risk::SymbolSpec> specs;
  risk::LimitsConfig limits;
  std::vector<oms::SymbolSetup> setups;
  for (auto& rt : symbols_) {
    const core::SymbolFilters& f = rt->info.filters;
    specs.push_back({rt->name, f.price_scale, f.qty_scale});
    risk::SymbolLimits sl;
    sl.max_order_notional_quote_units =
        config_.risk.max_order_notional_quote.to_units(risk::kQuoteScale, core::Rounding::kDown).value_or(0);
    sl.max_open_orders = config_.risk.max_open_orders_per_symbol;
    if (rt->config->max_position_base) {
      sl.max_position_base_units =
          rt->config->max_position_base->to_units(risk::kBaseScale, core::Rounding::kDown).value_or(0);
    }
    sl.max_exposure_quote_units =
        config_.risk.max_quote_exposure_per_symbol.to_units(risk::kQuoteScale, core::Rounding::kDown)
            .value_or(0);
    limits.symbols.push_back(sl);
    oms::SymbolSetup setup;
    setup.name = rt->name;
    setup.requote_tolerance_cbps =
        rt->config->requote_tolerance_bps.to_units(2, core::Rounding::kDown).value_or(0);
    setups.push_back(setup);
  }
  limits.max_total_exposure_quote_units =
      config_.risk.max_total_quote_exposure.to_units(risk::kQuoteScale, core::Rounding::kDown).value_or(0);
  limits.max_orders_per_10s = config_.risk.max_orders_per_10s;

  portfolio_ = std::make_unique<risk::Portfolio>(specs, registry_);
  limits_ = std::make_unique<risk::Limits>(std::move(limits), *portfolio_, clock_, registry_);
  risk::KillSwitchConfig ks;
  ks.max_daily_loss_quote_units =
      config_.risk.max_daily_loss_quote.to_units(risk::kQuoteScale, core::Rounding::kDown).value_or(0);
  ks.max_rejects_per_minute = config_.risk.max_rejects_per_minute;
  ks.max_reconcile_mismatches = config_.risk.max_reconcile_mismatches;
  kill_ = std::make_unique<risk::KillSwitch>(
      ks, clock_, registry_,
      [this](risk::KillReason reason, std::string_view detail) { on_kill(risk::to_string(reason), detail); });

  if (config_.dry_run) {
    paper::PaperVenueConfig pc;
    for (auto& rt : symbols_) {
      paper::PaperSymbol ps{rt->name, rt->info.base_asset, rt->info.quote_asset, rt->info.filters};
      // No fixed reference: the venue checks PERCENT_PRICE_BY_SIDE against its current mid.
      if (ps.filters.percent_price) ps.filters.percent_price->reference_price = core::Price{};
      pc.symbols.push_back(std::move(ps));
    }
    if (config_.paper.balances.empty()) {
      for (auto& rt : symbols_) {
        const bool listed =
            std::any_of(pc.balances.begin(), pc.balances.end(),
                        [&](const paper::PaperBalance& b) { return b.asset == rt->info.quote_asset; });
        if (!listed) pc.balances.push_back({rt->info.quote_asset, int64_t{10'000} * 100'000'000});
      }
    } else {
      for (const auto& b : config_.paper.balances) {
        pc.balances.push_back({b.asset, b.amount.to_units(8, core::Rounding::kDown).value_or(0)});
      }
    }
    pc.maker_fee_centi_bps = config_.paper.maker_fee_bps.to_units(2, core::Rounding::kUp).value_or(0);
    pc.taker_fee_centi_bps = pc.maker_fee_centi_bps;
    auto venue = paper::PaperVenue::create(ioc_, clock_, registry_, std::move(pc));
    if (!venue) {
      halt_startup("paper venue: " + venue.error().message);
      return;
    }
    paper_ = venue->get();
    gateway_ = std::move(venue).value();
  } else {
    order_symbols_ = std::make_unique<binance::OrderSymbols>(feed_->symbols());
    for (size_t s = 0; s < symbols_.size(); ++s) {
      const SymbolRuntime& rt = *symbols_[s];
      order_symbols_->set(static_cast<core::SymbolId>(s), rt.info.base_asset, rt.info.quote_asset,
                          rt.info.filters.quote_scale);
    }
    auto gw = BinanceGateway::create(ioc_, config_, *credentials_, *order_symbols_, registry_, clock_);
    if (!gw) {
      halt_startup("order gateway: " + gw.error().message);
      return;
    }
    live_ = gw->get();
    live_->set_latency_recorder(latency_recorder_);
    gateway_ = std::move(gw).value();
  }

  oms::OrderManagerOptions oo;
  oo.client_id_prefix =
      config_.orders.client_id_prefix.empty() ? config_.instance_id : config_.orders.client_id_prefix;
  oo.post_only = config_.orders.post_only;
  oo.use_amend = config_.orders.use_amend;
  oo.orphans = config_.orders.startup_orphans == config::OrphanPolicy::kAdopt ? oms::OrphanAction::kAdopt
                                                                              : oms::OrphanAction::kCancel;
  oo.max_orders_per_10s = config_.risk.max_orders_per_10s;
  // A real exchange's window may hold a previous run's orders: probe until it reports.
  oo.probe_until_limits_known = !config_.dry_run;
  oms_ = std::make_unique<oms::OrderManager>(*gateway_, clock_, registry_, std::move(setups), oo, this);
  set_phase(Phase::kConnecting);
  gateway_->set_listener(this);
  if (live_ != nullptr) live_->start();
}

// ---- Reconciliation -----------------------------------------------------------------

void Engine::begin_reconcile(bool startup) {
  reconcile_startup_ = startup;
  reconcile_pending_ = symbols_.size();
  reconcile_orphans_ = 0;
  reconcile_corrections_ = 0;
  reconcile_start_ns_ = clock_.monotonic_ns();
  if (startup) set_phase(Phase::kReconciling);
  gateway_->request_balances();
  // The OMS asks for open orders (and trades) itself after a reconnect; at start-up the
  // engine asks.
  if (startup) {
    for (size_t s = 0; s < symbols_.size(); ++s) oms_->request_reconcile(static_cast<core::SymbolId>(s));
  }
}

void Engine::finish_reconcile() {
  const bool startup = reconcile_startup_;
  reconcile_pending_ = 0;
  if (startup) {
    const char* policy = config_.orders.startup_orphans == config::OrphanPolicy::kAdopt ? "adopt" : "cancel";
    if (reconcile_orphans_ > 0) {
      telemetry::log_event(LogLevel::kWarn, "orphans_found", "count",
                           static_cast<int64_t>(reconcile_orphans_), "policy", policy);
    } else {
      telemetry::log_event(LogLevel::kInfo, "orphans_found", "count", int64_t{0}, "policy", policy);
    }
  }
  telemetry::log_event(LogLevel::kInfo, "reconcile_done", "startup", startup, "corrections",
                       static_cast<int64_t>(reconcile_corrections_), "elapsed_ms",
                       (clock_.monotonic_ns() - reconcile_start_ns_) / 1'000'000);
  if (startup && phase_ == Phase::kReconciling) enter_quoting();
}

void Engine::enter_quoting() {
  set_phase(Phase::kQuoting);
  telemetry::log_event(LogLevel::kInfo, "engine_ready", "venue", config_.dry_run ? "paper" : "exchange",
                       "elapsed_ms", ms_since(clock_, start_ns_), "symbols",
                       static_cast<int64_t>(symbols_.size()));
  for (size_t s = 0; s < symbols_.size(); ++s) requote(static_cast<core::SymbolId>(s), 0);
  arm_reconcile_timer();
}

void Engine::arm_reconcile_timer() {
  if (config_.orders.reconcile_interval_ms <= 0) return;
  std::weak_ptr<char> alive = life_;
  reconcile_timer_.expires_after(std::chrono::milliseconds(config_.orders.reconcile_interval_ms));
  reconcile_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || phase_ != Phase::kQuoting) return;
    if (connectivity_.order_entry && reconcile_pending_ == 0) {
      reconcile_pending_ = symbols_.size();
      reconcile_startup_ = false;
      reconcile_corrections_ = 0;
      reconcile_start_ns_ = clock_.monotonic_ns();
      for (size_t s = 0; s < symbols_.size(); ++s) oms_->request_reconcile(static_cast<core::SymbolId>(s));
    }
    arm_reconcile_timer();
  });
}

void Engine::arm_poll_timer() {
  std::weak_ptr<char> alive = life_;
  poll_timer_.expires_after(std::chrono::milliseconds(kPollMs));
  poll_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || phase_ == Phase::kStopped) return;
    if (oms_) {
      oms_->poll();
      // Sides the OMS held back (budget, cooldown) may go out now.
      if (phase_ == Phase::kQuoting) {
        for (size_t s = 0; s < symbols_.size(); ++s) update_oms_state(static_cast<core::SymbolId>(s));
      }
    }
    arm_poll_timer();
  });
}

// ---- Market data --------------------------------------------------------------------

void Engine::on_top_of_book(core::SymbolId symbol, const md::TopOfBook& top, int64_t recv_ns) {
  SymbolRuntime& rt = *symbols_[symbol];
  rt.md_up = true;
  if (paper_ != nullptr) {
    paper_->on_top_of_book(symbol, core::Level{top.bid_price(), top.bid_qty()},
                           core::Level{top.ask_price(), top.ask_qty()});
  }
  if (auto mid = top.mid(); mid) {
    rt.mid = *mid;
    if (portfolio_) {
      portfolio_->mark(symbol, *mid);
      kill_->on_pnl(portfolio_->total_net_pnl_quote_units());
    }
  }
  requote(symbol, recv_ns);
}

void Engine::on_stale_changed(core::SymbolId symbol, bool stale) {
  if (stale) {
    pull(symbol, QuoteReason::kStale);
  } else {
    requote(symbol, 0);  // resumes the symbol (see requote)
  }
}

void Engine::on_connection_changed(const std::string& conn, bool up) {
  for (size_t s = 0; s < symbols_.size(); ++s) {
    if (feed_->connection_name(feed_->connection_of(static_cast<core::SymbolId>(s))) != conn) continue;
    SymbolRuntime& rt = *symbols_[s];
    rt.md_up = up;
    if (!up) pull(static_cast<core::SymbolId>(s), QuoteReason::kDisconnected);
    // Up: quoting resumes with the first fresh update (on_stale_changed / on_top_of_book).
  }
}

void Engine::on_trade(const core::Trade& trade, int64_t /*recv_ns*/) {
  if (paper_ != nullptr) paper_->on_trade(trade);
}

void Engine::pull(core::SymbolId symbol, QuoteReason reason) {
  quote_state_->set_both(symbol, reason);
  if (!oms_ || phase_ == Phase::kStopping || phase_ == Phase::kStopped) return;
  const size_t live = oms_->live_order_count(symbol);
  oms_->pull(symbol,
             reason == QuoteReason::kStale ? oms::PullReason::kStale : oms::PullReason::kDisconnected);
  symbols_[symbol]->pulled = true;
  telemetry::log_event(LogLevel::kWarn, "quotes_pulled", "symbol", symbols_[symbol]->name, "reason",
                       to_string(reason), "orders", static_cast<int64_t>(live));
}

// ---- Quoting ------------------------------------------------------------------------

strategy::Balances Engine::balances_for(core::SymbolId symbol) const {
  const SymbolRuntime& rt = *symbols_[symbol];
  strategy::Balances b;
  auto base = balances_.find(rt.info.base_asset);
  if (base != balances_.end()) {
    // Balances are 10^-8 of the asset; the quoter wants qty units (qty_scale <= 8).
    const int64_t units = base->second.free_units + base->second.locked_units;
    b.base = core::Qty(units / core::pow10(8 - rt.info.filters.qty_scale));
  }
  auto quote = balances_.find(rt.info.quote_asset);
  if (quote != balances_.end()) {
    // Shared evenly by the symbols that quote in this asset.
    size_t sharing = 0;
    for (const auto& other : symbols_)
      sharing += other->info.quote_asset == rt.info.quote_asset ? size_t{1} : size_t{0};
    const int64_t units = quote->second.free_units + quote->second.locked_units;
    b.quote_units = units / static_cast<int64_t>(std::max<size_t>(sharing, 1)) /
                    core::pow10(8 - rt.info.filters.quote_scale);
  }
  return b;
}

void Engine::requote(core::SymbolId symbol, int64_t trigger_ns) {
  SymbolRuntime& rt = *symbols_[symbol];
  if (phase_ != Phase::kQuoting || !oms_) return;
  if (!rt.md_up) {
    quote_state_->set_both(symbol, QuoteReason::kDisconnected);
    return;
  }
  if (feed_->is_stale(symbol)) {
    quote_state_->set_both(symbol, QuoteReason::kStale);
    return;
  }
  if (!connectivity_.order_entry) {
    quote_state_->set_both(symbol, QuoteReason::kDisconnected);
    return;
  }
  if (rt.pulled) {
    // Fresh data on a live connection again: quoting resumes.
    rt.pulled = false;
    oms_->resume(symbol);
    telemetry::log_event(LogLevel::kInfo, "quotes_resumed", "symbol", rt.name);
  }
  const md::TopOfBook& top = feed_->top(symbol);
  strategy::TopOfBook book;
  if (top.has_bid()) book.bid = core::Level{top.bid_price(), top.bid_qty()};
  if (top.has_ask()) book.ask = core::Level{top.ask_price(), top.ask_qty()};
  core::SymbolFilters& filters = rt.info.filters;
  if (filters.percent_price && rt.mid) filters.percent_price->reference_price = *rt.mid;
  strategy::compute_ladder(filters, rt.params, book, balances_for(symbol), rt.ladder);

  // Risk: each side's accepted prefix (innermost first).
  desired_.clear();
  QuoteReason side_reason[2] = {reason_of(rt.ladder.bid_state), reason_of(rt.ladder.ask_state)};
  for (int side = 0; side < 2; ++side) {
    const auto& levels = side == 0 ? rt.ladder.bids : rt.ladder.asks;
    const core::Side s = side == 0 ? core::Side::kBuy : core::Side::kSell;
    levels_scratch_.clear();
    for (const auto& l : levels) levels_scratch_.push_back(core::Level{l.price, l.qty});
    // The target replaces the symbol's resting orders, so none of them counts as taken:
    // only the position does.
    const risk::SideVerdict v = limits_->check_side(symbol, s, levels_scratch_, 0, 0);
    for (size_t i = 0; i < v.accepted; ++i) {
      desired_.push_back(oms::DesiredOrder{s, levels[i].level, levels[i].price, levels[i].qty});
    }
    if (v.reason != risk::BlockReason::kOk) {
      limits_->count_block(symbol, v.reason);
      if (v.accepted == 0) side_reason[side] = QuoteReason::kRiskLimit;
    }
  }
  if (kill_->tripped()) return;
  oms_->set_target(symbol, desired_, trigger_ns);
  rt.ladder_reason[0] = side_reason[0];
  rt.ladder_reason[1] = side_reason[1];
  update_oms_state(symbol);
}

// Combines the ladder's reason with the OMS's view of each side.
void Engine::update_oms_state(core::SymbolId symbol) {
  SymbolRuntime& rt = *symbols_[symbol];
  if (phase_ != Phase::kQuoting || feed_->is_stale(symbol) || !rt.md_up || !connectivity_.order_entry) return;
  for (int side = 0; side < 2; ++side) {
    const core::Side s = side == 0 ? core::Side::kBuy : core::Side::kSell;
    QuoteReason reason = rt.ladder_reason[side];
    if (reason == QuoteReason::kQuoting) {
      switch (oms_->state(symbol, s)) {
        case oms::QuoteState::kRateLimited:
        case oms::QuoteState::kBackoff:
        case oms::QuoteState::kBanned:
          // Outer levels waiting for budget while the side has orders is still quoting;
          // a side with no live order because of the budget is rate_limited.
          if (oms_->active_orders(symbol, s) == 0) reason = QuoteReason::kRateLimited;
          break;
        case oms::QuoteState::kHalted: reason = QuoteReason::kKillSwitch; break;
        case oms::QuoteState::kReconciling: reason = QuoteReason::kStarting; break;
        default: break;
      }
    }
    quote_state_->set(symbol, s, reason);
  }
}

// ---- Gateway results ----------------------------------------------------------------

void Engine::on_order_update(const core::OrderUpdate& update) {
  if (oms_) oms_->on_order_update(update);
}

void Engine::on_request_failed(const core::RequestFailure& failure) {
  if (failure.action == core::FailureAction::kRetryLater || failure.action == core::FailureAction::kBanned) {
    // Identical lines in a burst are throttled by the logger.
    telemetry::log_event(LogLevel::kWarn, "order_backoff", "code", static_cast<int64_t>(failure.code),
                         "http_status", static_cast<int64_t>(failure.http_status), "retry_after_ms",
                         failure.retry_after_ms, "banned", failure.action == core::FailureAction::kBanned);
  }
  if (oms_) oms_->on_request_failed(failure);
}

void Engine::on_open_orders(core::SymbolId symbol, std::span<const core::OrderUpdate> orders) {
  if (clearing_) {
    on_clear_snapshot(orders);
    return;
  }
  if (oms_) oms_->on_open_orders(symbol, orders);
  if (reconcile_pending_ > 0 && --reconcile_pending_ == 0) finish_reconcile();
}

void Engine::on_trades(core::SymbolId symbol, std::span<const core::OrderUpdate> trades) {
  if (oms_) oms_->on_trades(symbol, trades);
}

void Engine::on_balances(std::span<const core::AssetBalance> balances, bool snapshot) {
  if (snapshot) balances_.clear();
  for (const auto& b : balances) balances_[std::string(b.name())] = b;
  if (snapshot && portfolio_ && !starts_set_) {
    starts_set_ = true;
    for (size_t s = 0; s < symbols_.size(); ++s) {
      auto it = balances_.find(symbols_[s]->info.base_asset);
      if (it != balances_.end()) {
        portfolio_->set_start(static_cast<core::SymbolId>(s),
                              it->second.free_units + it->second.locked_units);
      }
    }
  }
}

void Engine::on_rate_limits(const core::RateLimitUsage& usage) {
  if (oms_) oms_->on_rate_limits(usage);
}

void Engine::on_connectivity(const oms::Connectivity& connectivity) {
  const bool was_up = connectivity_.order_entry && connectivity_.user_data;
  const bool up = connectivity.order_entry && connectivity.user_data;
  connectivity_ = connectivity;
  if (oms_) oms_->on_connectivity(connectivity);
  if (up == was_up) return;
  if (!up) {
    telemetry::log_event(LogLevel::kWarn, "gateway_down", "order_entry", connectivity.order_entry,
                         "user_data", connectivity.user_data);
    if (phase_ == Phase::kQuoting) {
      for (size_t s = 0; s < symbols_.size(); ++s) quote_state_->set_both(s, QuoteReason::kDisconnected);
    }
    return;
  }
  telemetry::log_event(LogLevel::kInfo, "gateway_up", "reconnect", ever_connected_);
  if (!ever_connected_) {
    ever_connected_ = true;
    if (phase_ == Phase::kConnecting) begin_reconcile(true);
    return;
  }
  // A reconnect: the OMS fetches open orders and trades itself; the engine refreshes the
  // balances and waits for the snapshots to log the outcome.
  if (phase_ == Phase::kQuoting || phase_ == Phase::kKilled) begin_reconcile(false);
  if (phase_ == Phase::kQuoting) {
    for (size_t s = 0; s < symbols_.size(); ++s) requote(static_cast<core::SymbolId>(s), 0);
  }
}

// ---- OMS callbacks ------------------------------------------------------------------

void Engine::on_fill(const oms::Fill& fill) {
  risk::Fill f;
  f.symbol = fill.symbol;
  f.side = fill.side;
  f.price = fill.price;
  f.qty = fill.qty;
  f.commission_units = fill.commission_units;
  f.fee_asset = fill.fee_asset;
  f.time_ms = clock_.wall_ms();
  f.trade_id = fill.trade_id;
  portfolio_->on_fill(f);
  const SymbolRuntime& rt = *symbols_[fill.symbol];
  const int ps = rt.info.filters.price_scale;
  const int qs = rt.info.filters.qty_scale;
  telemetry::log_event(LogLevel::kInfo, "order_filled", "symbol", rt.name, "side", core::to_string(fill.side),
                       "price", fill.price.format(ps), "qty", fill.qty.format(qs), "maker", fill.maker,
                       "client_id", fill.client_id.view(), "position",
                       core::format_units(portfolio_->position_base_units(fill.symbol), risk::kBaseScale));
  kill_->on_pnl(portfolio_->total_net_pnl_quote_units());
  // The inventory changed: the skew (and the balance caps) may move the ladder.
  requote(fill.symbol, 0);
}

void Engine::on_correction(const oms::Correction& correction) {
  ++reconcile_corrections_;
  const bool orphan = correction.kind == oms::CorrectionKind::kOrphanCanceled ||
                      correction.kind == oms::CorrectionKind::kOrphanAdopted;
  if (orphan) ++reconcile_orphans_;
  // The OMS logs each correction (oms_reconcile_correction); the engine counts them.
  // At start-up there is no view of ours to disagree with: what is found there (orphans
  // left by a crash) is expected. Every later correction means our view and the
  // exchange's disagreed.
  if (!(reconcile_startup_ && reconcile_pending_ > 0) && kill_) kill_->on_reconcile_mismatch();
}

void Engine::on_reject(core::SymbolId symbol, int code) {
  if (kill_) kill_->on_reject();
  telemetry::log_event(
      LogLevel::kWarn, "order_rejected", "symbol",
      symbol < symbols_.size() ? std::string_view(symbols_[symbol]->name) : std::string_view("?"), "code",
      static_cast<int64_t>(code));
}

void Engine::on_halt(const core::RequestFailure& failure) {
  on_kill("gateway_halt", fmt::format("the exchange refused with code {} ({}): {}", failure.code,
                                      failure.http_status, failure.message));
}

std::vector<SymbolStatus> Engine::status() const {
  std::vector<SymbolStatus> out;
  for (size_t s = 0; s < symbols_.size(); ++s) {
    SymbolStatus st;
    st.symbol = symbols_[s]->name;
    st.bid_reason = quote_state_->get(s, core::Side::kBuy);
    st.ask_reason = quote_state_->get(s, core::Side::kSell);
    if (oms_) {
      std::array<oms::LiveOrder, 64> buf;
      const size_t n = oms_->live_orders(static_cast<core::SymbolId>(s), buf);
      for (size_t i = 0; i < n; ++i) (buf[i].side == core::Side::kBuy ? st.live_bids : st.live_asks)++;
    }
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace phoenix::engine
