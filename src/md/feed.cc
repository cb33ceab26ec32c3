#include "md/feed.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "binance/control_messages.h"
#include "telemetry/log.h"

namespace phoenix::md {
namespace {

using telemetry::log_event;
using telemetry::LogLevel;

constexpr int64_t kCheckIntervalMs = 50;  // stale checks: detection within 100 ms of the threshold
constexpr int64_t kSnapshotRetryMs = 1000;
// A server that repeats serverShutdown must not make Phoenix replace its connection over and
// over: at most one rotation per connection per this interval (the attempt budget of the
// connection's ReconnectPolicy applies on top).
constexpr int64_t kMinRotateIntervalNs = 5'000'000'000;
constexpr int kSnapshotLimit = 1000;
// A LIST_SUBSCRIPTIONS or SUBSCRIBE not answered within this is given up (noted once).
constexpr int64_t kControlReplyTimeoutMs = 5000;
constexpr int kPriceScale = 8;  // Binance writes market data with 8 decimals
constexpr int kQtyScale = 8;

net::Compression to_net(config::Compression c) {
  switch (c) {
    case config::Compression::kOff: return net::Compression::kOff;
    case config::Compression::kNoContext: return net::Compression::kNoContext;
    case config::Compression::kContext: return net::Compression::kContext;
  }
  return net::Compression::kContext;
}

// "ws://host:port" of a configured URL, without its path (streams add their own).
std::string origin(const config::Url& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", url.scheme, v6 ? "[" : "", url.host, v6 ? "]" : "", url.port);
}

// Spread in hundredths of a basis point of the mid, for the summary line.
int64_t spread_centi_bps(const TopOfBook& top) {
  if (!top.has_bid() || !top.has_ask()) return -1;
  __extension__ using Int128 = __int128;
  const Int128 bid = top.bid_price().units();
  const Int128 ask = top.ask_price().units();
  const Int128 mid2 = bid + ask;  // 2 * mid
  if (mid2 <= 0) return -1;
  return static_cast<int64_t>((ask - bid) * 2 * 1'000'000 / mid2);
}

}  // namespace

// One market-data connection: a ManagedWs plus the symbols whose streams it carries.
class Feed::Connection final : public net::ManagedWsHandler {
 public:
  Connection(Feed& feed, size_t index, std::string name)
      : feed_(feed), index_(index), name_(std::move(name)) {}

  void on_open(const net::ManagedWsOpen& open) override { feed_.on_connection_open(index_, open.rotation); }
  void on_message(std::string_view payload, int64_t recv_ns) override {
    feed_.on_connection_message(index_, payload, recv_ns);
  }
  void on_down(net::DownReason reason) override { feed_.on_connection_down(index_, reason); }

  const std::string& name() const { return name_; }

  std::unique_ptr<net::ManagedWs> ws;
  std::vector<core::SymbolId> symbols;
  bool recycled_for_stale = false;  // set when recycled for all-stale; cleared by fresh data
  bool up = false;
  int64_t last_rotate_ns = 0;  // monotonic time of the last serverShutdown rotation; 0 = never

  // Subscription checks. `streams` are the URL's streams, as sent (compared case-sensitively).
  std::vector<std::string> streams;
  int64_t control_id = 0;        // the LIST_SUBSCRIPTIONS or SUBSCRIBE awaiting its reply; 0 = none
  bool control_is_list = false;  // which of the two it is
  size_t resubscribing = 0;      // streams in the SUBSCRIBE awaiting its reply
  bool list_when_live = false;   // a rotation's new connection opened: check once it is live
  std::unique_ptr<boost::asio::steady_timer> control_timer;
  telemetry::Counter* checks_ok = nullptr;
  telemetry::Counter* checks_missing = nullptr;
  telemetry::Counter* checks_extra = nullptr;
  telemetry::Counter* checks_no_reply = nullptr;
  telemetry::Counter* control_errors = nullptr;
  telemetry::Counter* unknown_replies = nullptr;

 private:
  Feed& feed_;
  size_t index_;
  std::string name_;
};

// Receives decoded events from the StreamDecoder and hands them to the Feed.
class Feed::Sink final : public binance::MarketDataSink {
 public:
  explicit Sink(Feed& feed) : feed_(feed) {}
  void on_book_ticker(const core::BookTicker& e, int64_t recv_ns) override {
    feed_.on_book_ticker(e, recv_ns);
  }
  void on_depth_snapshot(const core::DepthSnapshot& e, int64_t recv_ns) override {
    feed_.on_depth_snapshot(e, recv_ns);
  }
  void on_depth_diff(const core::DepthDiff& e, int64_t recv_ns) override { feed_.on_depth_diff(e, recv_ns); }
  void on_trade(const core::Trade& e, int64_t recv_ns) override { feed_.on_trade(e, recv_ns); }
  void on_control_reply(const binance::ControlReply& reply) override { feed_.on_control_reply(reply); }
  void on_server_shutdown(int64_t /*event_time_ms*/) override {
    feed_.on_server_shutdown(feed_.decoding_connection_);
  }

 private:
  Feed& feed_;
};

Feed::Feed(boost::asio::io_context& ioc, const core::Clock& clock, const config::Config& config,
           telemetry::Registry& registry, FeedListener* listener)
    : ioc_(ioc),
      clock_(clock),
      config_(config),
      registry_(registry),
      listener_(listener),
      stale_(clock, &registry, StaleDetectorOptions{config.market_data.stale_after_ms, StaleKind::kSymbol}),
      filter_(config.market_data.min_price_change_bps, &registry),
      check_timer_(ioc),
      summary_timer_(ioc),
      life_(std::make_shared<char>(0)) {}

Feed::~Feed() = default;

core::Result<std::unique_ptr<Feed>> Feed::create(boost::asio::io_context& ioc, const core::Clock& clock,
                                                 const config::Config& config, telemetry::Registry& registry,
                                                 FeedListener* listener) {
  std::unique_ptr<Feed> feed(new Feed(ioc, clock, config, registry, listener));
  const auto& md = config.market_data;
  const bool wants_depth =
      std::find(md.streams.begin(), md.streams.end(), config::Stream::kDepth) != md.streams.end();
  const bool diff_depth = wants_depth && md.depth_levels == 0;

  // Symbols, per-symbol state and the streams they need, in config order.
  std::vector<std::string> streams;
  std::vector<core::SymbolId> stream_symbol;
  feed->state_.resize(config.symbols.size());
  for (const auto& sc : config.symbols) {
    auto id = feed->symbols_.add(sc.symbol, core::SymbolScale{kPriceScale, kQtyScale});
    if (!id) return std::move(id).error();
    feed->stale_.add_key(sc.symbol, sc.effective_stale_after_ms);
    feed->filter_.add_symbol(sc.symbol);
    SymbolState& st = feed->state_[*id];
    auto updates = [&](std::string_view stream) {
      return &registry.counter("phoenix_md_updates_total",
                               "Market-data updates received, by symbol and stream",
                               {{"symbol", sc.symbol}, {"stream", stream}});
    };
    for (config::Stream s : md.streams) {
      binance::StreamSpec spec{sc.symbol, binance::StreamKind::kBookTicker, 0, binance::UpdateSpeed::k1000ms};
      switch (s) {
        case config::Stream::kBookTicker: st.updates_book_ticker = updates("book_ticker"); break;
        case config::Stream::kDepth:
          spec.kind = diff_depth ? binance::StreamKind::kDiffDepth : binance::StreamKind::kPartialDepth;
          spec.depth_levels = md.depth_levels;
          spec.speed = binance::UpdateSpeed::k100ms;
          st.updates_depth = updates("depth");
          if (diff_depth) {
            st.sync = std::make_unique<DepthSync>(*id, sc.symbol, clock, &registry);
          } else {
            st.partial = std::make_unique<DepthBook>();
          }
          break;
        case config::Stream::kTrade:
          spec.kind = binance::StreamKind::kTrade;
          st.updates_trade = updates("trade");
          break;
        case config::Stream::kAggTrade:
          spec.kind = binance::StreamKind::kAggTrade;
          st.updates_trade = updates("agg_trade");
          break;
      }
      auto name = binance::stream_name(spec);
      if (!name) return std::move(name).error();
      streams.push_back(std::move(name).value());
      stream_symbol.push_back(*id);
    }
  }

  feed->sink_ = std::make_unique<Sink>(*feed);
  feed->decoder_ = std::make_unique<binance::StreamDecoder>(feed->symbols_, *feed->sink_, registry);
  feed->stale_.add_listener([f = feed.get()](const StaleTransition& t) { f->on_stale_transition(t); });

  if (diff_depth) {
    net::HttpClientOptions http;
    http.base_url = config.exchange.rest_url.text;
    http.timeout = std::chrono::milliseconds(config.exchange.request_timeout_ms);
    http.ca_file = config.exchange.ca_file;
    auto rest = net::HttpClient::create(ioc, std::move(http));
    if (!rest) return std::move(rest).error();
    feed->rest_ = std::move(rest).value();
  }

  // One connection per kMaxStreamsPerConnection streams.
  const auto groups = binance::split_streams(streams);
  size_t first_stream = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    std::string name = groups.size() == 1 ? "market" : fmt::format("market-{}", i);
    auto conn = std::make_unique<Connection>(*feed, i, name);
    for (size_t k = 0; k < groups[i].size(); ++k) {
      const core::SymbolId sym = stream_symbol[first_stream + k];
      if (conn->symbols.empty() || conn->symbols.back() != sym) conn->symbols.push_back(sym);
      feed->state_[sym].connection = i;
    }
    first_stream += groups[i].size();
    conn->streams = groups[i];
    conn->control_timer = std::make_unique<boost::asio::steady_timer>(ioc);
    auto checks = [&](std::string_view result) {
      return &registry.counter("phoenix_md_subscription_checks_total",
                               "Runtime LIST_SUBSCRIPTIONS checks of a market connection, by result",
                               {{"conn", name}, {"result", result}});
    };
    conn->checks_ok = checks("ok");
    conn->checks_missing = checks("missing");
    conn->checks_extra = checks("extra");
    conn->checks_no_reply = checks("no_reply");
    conn->control_errors = &registry.counter(
        "phoenix_md_control_errors_total",
        "Error replies to Phoenix's control requests on a market connection", {{"conn", name}});
    conn->unknown_replies = &registry.counter(
        "phoenix_md_control_replies_unknown_total",
        "Control replies on a market connection matching no request in flight (ignored)", {{"conn", name}});

    net::ManagedWsOptions opts;
    opts.url = origin(config.exchange.ws_market_url) + binance::combined_stream_target(groups[i]);
    opts.ca_file = config.exchange.ca_file;
    opts.client.conn = name;
    opts.client.compression = to_net(md.compression);
    opts.client.idle_timeout_ms = md.idle_timeout_ms;
    opts.reconnect.initial_backoff_ms = md.reconnect.initial_backoff_ms;
    opts.reconnect.max_backoff_ms = md.reconnect.max_backoff_ms;
    opts.reconnect.stable_after_ms = md.reconnect.stable_after_ms;
    opts.reconnect.max_attempts_per_window = static_cast<size_t>(md.reconnect.max_attempts_per_5min);
    auto ws = net::ManagedWs::create(ioc, std::move(opts), registry, clock, *conn);
    if (!ws) return std::move(ws).error();
    conn->ws = std::move(ws).value();
    feed->connections_.push_back(std::move(conn));
  }
  return feed;
}

void Feed::start() {
  running_ = true;
  log_event(LogLevel::kInfo, "md_starting", "symbols", static_cast<int64_t>(state_.size()), "connections",
            static_cast<int64_t>(connections_.size()), "compression",
            config::to_string(config_.market_data.compression), "stale_after_ms",
            std::chrono::milliseconds(config_.market_data.stale_after_ms), "min_price_change_bps",
            config_.market_data.min_price_change_bps.to_string());
  for (auto& c : connections_) c->ws->start();
  arm_check_timer();
  arm_summary_timer();
}

void Feed::stop() {
  running_ = false;
  check_timer_.cancel();
  summary_timer_.cancel();
  for (size_t i = 0; i < connections_.size(); ++i) clear_control_request(i);
  for (auto& c : connections_) c->ws->stop();
  if (rest_) rest_->close();
}

bool Feed::stopped() const {
  return std::all_of(connections_.begin(), connections_.end(), [](const auto& c) {
    const auto s = c->ws->state();
    return s == net::ManagedWs::State::kStopped || s == net::ManagedWs::State::kIdle;
  });
}

const net::ManagedWs& Feed::connection(size_t i) const { return *connections_[i]->ws; }

const std::string& Feed::connection_name(size_t i) const { return connections_[i]->name(); }

const DepthBook* Feed::depth(core::SymbolId symbol) const {
  const SymbolState& st = state_[symbol];
  if (st.sync) return st.sync->synced() ? &st.sync->book() : nullptr;
  return st.partial.get();
}

void Feed::on_connection_open(size_t connection, bool rotation) {
  Connection& c = *connections_[connection];
  c.up = true;
  // A rotation's new connection is checked once it is live (the old one closed): sent now,
  // the reply could be the candidate's first message and end the rotation before any data.
  if (rotation) {
    c.list_when_live = true;
  } else {
    c.list_when_live = false;
    send_list_subscriptions(connection);
  }
  for (core::SymbolId sym : c.symbols) {
    // A new connection means diffs may have been missed: start each depth book over.
    if (state_[sym].sync && state_[sym].sync->synced()) {
      handle_sync_events(sym, state_[sym].sync->reset(ResyncReason::kReconnect));
    }
  }
  if (listener_ != nullptr) listener_->on_connection_changed(c.name(), true);
}

void Feed::on_connection_message(size_t connection, std::string_view payload, int64_t recv_ns) {
  decoding_connection_ = connection;
  (void)decoder_->decode(payload, payload.size() + net::kWsPayloadPaddingBytes, recv_ns);
  Connection& c = *connections_[connection];
  if (c.list_when_live && !c.ws->rotating()) {
    // The rotation ended (promoted, or abandoned and the old connection kept): check the
    // connection that is live now.
    c.list_when_live = false;
    send_list_subscriptions(connection);
  }
}

void Feed::on_connection_down(size_t connection, net::DownReason reason) {
  Connection& c = *connections_[connection];
  const bool was_up = c.up;
  c.up = false;
  c.list_when_live = false;
  clear_control_request(connection);  // a reply can no longer come
  if (was_up && listener_ != nullptr) listener_->on_connection_changed(c.name(), false);
  (void)reason;  // ManagedWs logged and counted it
}

void Feed::on_server_shutdown(size_t connection) {
  Connection& c = *connections_[connection];
  const int64_t now_ns = clock_.monotonic_ns();
  if (c.last_rotate_ns != 0 && now_ns - c.last_rotate_ns < kMinRotateIntervalNs) {
    log_event(LogLevel::kWarn, "md_server_shutdown", "conn", c.name(), "action", "ignored_recent_rotation");
    return;
  }
  c.last_rotate_ns = now_ns;
  log_event(LogLevel::kWarn, "md_server_shutdown", "conn", c.name(), "action", "rotate");
  c.ws->rotate(net::DownReason::kServerShutdown);
}

void Feed::send_list_subscriptions(size_t connection) {
  Connection& c = *connections_[connection];
  clear_control_request(connection);  // a reply to an older request now counts as unknown
  const int64_t id = next_control_id_++;
  if (!c.ws->send_text(binance::encode_list_subscriptions(id))) return;
  c.control_id = id;
  c.control_is_list = true;
  arm_control_timer(connection, id);
}

void Feed::send_resubscribe(size_t connection, std::vector<std::string> streams) {
  Connection& c = *connections_[connection];
  clear_control_request(connection);
  const int64_t id = next_control_id_++;
  if (!c.ws->send_text(binance::encode_subscribe(streams, id))) return;
  c.control_id = id;
  c.control_is_list = false;
  c.resubscribing = streams.size();
  arm_control_timer(connection, id);
}

void Feed::arm_control_timer(size_t connection, int64_t id) {
  Connection& c = *connections_[connection];
  c.control_timer->expires_after(std::chrono::milliseconds(kControlReplyTimeoutMs));
  std::weak_ptr<char> alive = life_;
  c.control_timer->async_wait([this, alive, connection, id](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !running_) return;
    on_control_timeout(connection, id);
  });
}

void Feed::clear_control_request(size_t connection) {
  Connection& c = *connections_[connection];
  if (c.control_id != 0) c.control_timer->cancel();
  c.control_id = 0;
  c.resubscribing = 0;
}

void Feed::on_control_timeout(size_t connection, int64_t id) {
  Connection& c = *connections_[connection];
  if (c.control_id != id) return;  // answered or replaced meanwhile
  // Servers that ignore control messages exist (and are harmless: the URL subscribed):
  // noted once per request, never retried, never a reconnect.
  log_event(LogLevel::kInfo, "md_subscriptions_unverified", "conn", c.name(), "reason",
            c.control_is_list ? "no_reply" : "no_subscribe_reply", "timeout_ms",
            std::chrono::milliseconds(kControlReplyTimeoutMs));
  c.checks_no_reply->inc();
  clear_control_request(connection);
}

void Feed::on_control_reply(const binance::ControlReply& reply) {
  Connection* c = nullptr;
  size_t index = 0;
  if (reply.id && *reply.id != 0) {
    for (size_t i = 0; i < connections_.size(); ++i) {
      if (connections_[i]->control_id == *reply.id) {
        c = connections_[i].get();
        index = i;
        break;
      }
    }
  }
  if (c == nullptr) {
    // Not ours (a late reply to a replaced or timed-out request, or a server's own id).
    Connection& from = *connections_[decoding_connection_];
    from.unknown_replies->inc();
    log_event(LogLevel::kDebug, "md_control_reply_ignored", "conn", from.name(), "id",
              reply.id ? std::to_string(*reply.id) : std::string(reply.id_text));
    return;
  }
  const bool was_list = c->control_is_list;
  const size_t resubscribed = c->resubscribing;
  clear_control_request(index);

  if (reply.kind == binance::ControlReply::Kind::kError) {
    log_event(LogLevel::kWarn, "md_control_error", "conn", c->name(), "request",
              was_list ? "LIST_SUBSCRIPTIONS" : "SUBSCRIBE", "code", reply.error_code, "msg",
              reply.error_msg);
    c->control_errors->inc();
    return;
  }
  if (!was_list) {
    if (reply.kind == binance::ControlReply::Kind::kOk) {
      log_event(LogLevel::kInfo, "md_resubscribed", "conn", c->name(), "streams",
                static_cast<int64_t>(resubscribed));
    } else {
      c->unknown_replies->inc();
      log_event(LogLevel::kWarn, "md_control_reply_unexpected", "conn", c->name(), "request", "SUBSCRIBE");
    }
    return;
  }
  if (reply.kind != binance::ControlReply::Kind::kList) {
    c->unknown_replies->inc();
    log_event(LogLevel::kWarn, "md_control_reply_unexpected", "conn", c->name(), "request",
              "LIST_SUBSCRIPTIONS");
    return;
  }

  const std::unordered_set<std::string_view> listed(reply.list.begin(), reply.list.end());
  std::vector<std::string> missing;
  for (const auto& s : c->streams) {
    if (!listed.contains(s)) missing.push_back(s);
  }
  const std::unordered_set<std::string_view> expected(c->streams.begin(), c->streams.end());
  size_t extra = 0;
  std::string_view first_extra;
  for (std::string_view s : reply.list) {
    if (expected.contains(s)) continue;
    if (extra++ == 0) first_extra = s;
  }
  if (extra > 0) {
    // Not unsubscribed: unrequested streams decode as unknown (counted) and harm nothing.
    log_event(LogLevel::kWarn, "md_subscriptions_extra", "conn", c->name(), "extra",
              static_cast<int64_t>(extra), "first", first_extra);
    c->checks_extra->inc();
  }
  if (missing.empty()) {
    log_event(LogLevel::kInfo, "md_subscriptions_verified", "conn", c->name(), "streams",
              static_cast<int64_t>(c->streams.size()));
    c->checks_ok->inc();
    return;
  }
  log_event(LogLevel::kWarn, "md_subscriptions_missing", "conn", c->name(), "missing",
            static_cast<int64_t>(missing.size()), "first", missing.front());
  c->checks_missing->inc();
  send_resubscribe(index, std::move(missing));
}

void Feed::on_fresh_update(core::SymbolId symbol, int64_t recv_ns) {
  stale_.on_update(symbol, recv_ns);
  connections_[state_[symbol].connection]->recycled_for_stale = false;
}

void Feed::on_book_ticker(const core::BookTicker& event, int64_t recv_ns) {
  SymbolState& st = state_[event.symbol];
  ++st.stats.book_tickers;
  if (st.updates_book_ticker != nullptr) st.updates_book_ticker->inc();
  if (st.top.apply(event) == TopOfBook::ApplyResult::kOlder) return;
  on_fresh_update(event.symbol, recv_ns);
  if (filter_.on_update(event.symbol, st.top.bid_price(), st.top.ask_price())) {
    ++st.stats.forwarded;
    if (listener_ != nullptr) listener_->on_top_of_book(event.symbol, st.top, recv_ns);
  } else {
    ++st.stats.filtered;
  }
}

void Feed::on_depth_snapshot(const core::DepthSnapshot& event, int64_t recv_ns) {
  SymbolState& st = state_[event.symbol];
  ++st.stats.depth_updates;
  if (st.updates_depth != nullptr) st.updates_depth->inc();
  if (!st.partial) return;
  st.partial->load(event.bids, event.asks);
  on_fresh_update(event.symbol, recv_ns);
}

void Feed::on_depth_diff(const core::DepthDiff& event, int64_t recv_ns) {
  SymbolState& st = state_[event.symbol];
  ++st.stats.depth_updates;
  if (st.updates_depth != nullptr) st.updates_depth->inc();
  if (!st.sync) return;
  on_fresh_update(event.symbol, recv_ns);
  handle_sync_events(event.symbol, st.sync->on_diff(event));
}

void Feed::on_trade(const core::Trade& event, int64_t recv_ns) {
  SymbolState& st = state_[event.symbol];
  ++st.stats.trades;
  if (st.updates_trade != nullptr) st.updates_trade->inc();
  on_fresh_update(event.symbol, recv_ns);
  if (listener_ != nullptr) listener_->on_trade(event, recv_ns);
}

void Feed::handle_sync_events(core::SymbolId symbol, const SyncEvents& events) {
  if (events.request_snapshot) fetch_snapshot(symbol);
}

void Feed::fetch_snapshot(core::SymbolId symbol) {
  if (!rest_ || !running_) return;
  const std::string target =
      fmt::format("/api/v3/depth?symbol={}&limit={}", symbols_.name(symbol), kSnapshotLimit);
  std::weak_ptr<char> alive = life_;
  rest_->get(target, [this, alive, symbol](core::Result<net::HttpResponse> r) {
    if (alive.expired() || !running_) return;
    DepthSync& sync = *state_[symbol].sync;
    std::string error;
    int64_t retry_ms = kSnapshotRetryMs;
    if (!r) {
      error = r.error().message;
    } else if (r->status != 200) {
      error = fmt::format("HTTP {}", r->status);
      if (r->retry_after_s) retry_ms = std::max(retry_ms, *r->retry_after_s * 1000);
    } else {
      auto snap = snapshot_decoder_.decode(r->body, symbol, symbols_.scale(symbol));
      if (snap) {
        handle_sync_events(symbol, sync.on_snapshot(*snap));
        return;
      }
      error = snap.error().message;
    }
    sync.on_snapshot_failed();
    log_event(LogLevel::kWarn, "md_snapshot_failed", "symbol", symbols_.name(symbol), "error", error,
              "retry_in_ms", std::chrono::milliseconds(retry_ms));
    auto timer = std::make_shared<boost::asio::steady_timer>(ioc_, std::chrono::milliseconds(retry_ms));
    timer->async_wait([this, alive, symbol, timer](const boost::system::error_code& ec) {
      if (ec || alive.expired() || !running_) return;
      handle_sync_events(symbol, state_[symbol].sync->request_snapshot());
    });
  });
}

void Feed::on_stale_transition(const StaleTransition& t) {
  const auto symbol = static_cast<core::SymbolId>(t.key);
  // The first update after a stale spell always reaches the consumer.
  if (t.stale) filter_.reset(symbol);
  if (listener_ != nullptr) listener_->on_stale_changed(symbol, t.stale);
}

void Feed::arm_check_timer() {
  check_timer_.expires_after(std::chrono::milliseconds(kCheckIntervalMs));
  std::weak_ptr<char> alive = life_;
  check_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !running_) return;
    stale_.check(clock_.monotonic_ns());
    // A connection on which every symbol is stale is recycled (once per stale spell).
    for (auto& c : connections_) {
      if (c->recycled_for_stale || c->symbols.empty() || c->ws->state() != net::ManagedWs::State::kOpen)
        continue;
      const bool all = std::all_of(c->symbols.begin(), c->symbols.end(),
                                   [this](core::SymbolId s) { return stale_.is_stale(s); });
      if (!all) continue;
      c->recycled_for_stale = true;
      log_event(LogLevel::kWarn, "md_connection_recycle", "conn", c->name(), "reason", "all_symbols_stale",
                "symbols", static_cast<int64_t>(c->symbols.size()));
      c->ws->recycle(net::DownReason::kStale);
    }
    arm_check_timer();
  });
}

void Feed::arm_summary_timer() {
  if (config_.market_data.summary_interval_ms <= 0) return;
  summary_timer_.expires_after(std::chrono::milliseconds(config_.market_data.summary_interval_ms));
  std::weak_ptr<char> alive = life_;
  summary_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !running_) return;
    log_summary();
    arm_summary_timer();
  });
}

void Feed::log_summary() const {
  for (size_t i = 0; i < state_.size(); ++i) {
    const auto sym = static_cast<core::SymbolId>(i);
    const SymbolState& st = state_[i];
    const core::SymbolScale& scale = symbols_.scale(sym);
    const int64_t spread = spread_centi_bps(st.top);
    std::string_view depth = "none";
    if (st.sync) depth = st.sync->synced() ? "synced" : "syncing";
    if (st.partial) depth = "partial";
    log_event(LogLevel::kInfo, "md_summary", "symbol", symbols_.name(sym), "bid",
              st.top.has_bid() ? st.top.bid_price().format(scale.price_scale) : std::string("-"), "ask",
              st.top.has_ask() ? st.top.ask_price().format(scale.price_scale) : std::string("-"),
              "spread_bps", spread < 0 ? std::string("-") : core::format_units(spread, 2), "updates",
              st.stats.book_tickers + st.stats.depth_updates + st.stats.trades, "forwarded",
              st.stats.forwarded, "filtered", st.stats.filtered, "stale", stale_.is_stale(sym), "depth",
              depth);
  }
}

}  // namespace phoenix::md
