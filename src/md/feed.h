#pragma once

// md::Feed: the market-data feed handler of one Phoenix instance.
//
// It owns the market-data WebSocket connections (one per 1024 streams, each a
// net::ManagedWs that reconnects with backoff and rotates before Binance's 24 h cut-off or
// on serverShutdown), the Binance stream decoder, and per symbol: the top of book, the
// depth book (diff depth kept in sync from REST snapshots, or partial depth), the stale
// detector and the min-change filter. Consumers (the quoter, the dry-run summary) get a
// FeedListener callback for every update that passed the filter and for every stale/fresh
// transition.
//
//   socket ─► ManagedWs ─► StreamDecoder ─► Feed::on_book_ticker ─► TopOfBook
//                                              ├─► StaleDetector (fresh again?)
//                                              └─► MinChangeFilter ─► FeedListener
//
// Streams are subscribed through the combined-stream URL. When a connection opens, the
// feed checks that with one LIST_SUBSCRIPTIONS (md_subscriptions_verified / _missing /
// _unverified): streams the server does not list are subscribed again with one SUBSCRIBE
// (md_resubscribed); a server that never answers is noted once after 5 s, nothing more.
// On a rotation's new connection the check waits until that connection is live, so a
// control reply can never be what ends a make-before-break rotation. Control replies are
// not market data: they never refresh a symbol.
//
// Owned by the engine (today: main). Every method and callback runs on the io_context
// thread; nothing here locks. The Config, Registry, Clock and listener outlive the Feed.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "binance/depth_snapshot.h"
#include "binance/stream_decoder.h"
#include "binance/symbol_table.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/market_data.h"
#include "core/result.h"
#include "md/depth_book.h"
#include "md/depth_sync.h"
#include "md/min_change_filter.h"
#include "md/stale_detector.h"
#include "md/top_of_book.h"
#include "net/http_client.h"
#include "net/managed_ws.h"
#include "telemetry/metrics.h"

namespace phoenix::md {

// What a consumer of market data implements. Called on the io_context thread.
class FeedListener {
 public:
  virtual ~FeedListener() = default;
  // The top of book moved by at least min_price_change_bps since the last call for this
  // symbol (or is the first update, or the first after the symbol was stale).
  virtual void on_top_of_book(core::SymbolId symbol, const TopOfBook& top, int64_t recv_ns) = 0;
  // The symbol's data went stale (no update for its stale_after_ms) or came back.
  virtual void on_stale_changed(core::SymbolId symbol, bool stale) = 0;
  // A market-data connection went down (its symbols get no data until it is back) or up.
  virtual void on_connection_changed(const std::string& conn, bool up) = 0;
  // A public trade (trade or aggTrade stream), unfiltered. The paper venue fills on these.
  virtual void on_trade(const core::Trade& /*trade*/, int64_t /*recv_ns*/) {}
};

// Counts per symbol, for the summary line and tests.
struct SymbolFeedStats {
  uint64_t book_tickers = 0;
  uint64_t depth_updates = 0;
  uint64_t trades = 0;
  uint64_t forwarded = 0;  // passed the min-change filter
  uint64_t filtered = 0;
};

class Feed {
 public:
  // Builds the symbol table, connections and per-symbol state from `config`. Fails on a bad
  // URL or TLS setup.
  static core::Result<std::unique_ptr<Feed>> create(boost::asio::io_context& ioc, const core::Clock& clock,
                                                    const config::Config& config,
                                                    telemetry::Registry& registry, FeedListener* listener);
  ~Feed();
  Feed(const Feed&) = delete;
  Feed& operator=(const Feed&) = delete;

  // Connects every market-data connection and starts the stale and summary timers.
  void start();
  // Closes the connections cleanly and stops the timers. stopped() turns true when every
  // connection has finished closing.
  void stop();
  bool stopped() const;

  const binance::SymbolTable& symbols() const { return symbols_; }
  const TopOfBook& top(core::SymbolId symbol) const { return state_[symbol].top; }
  // The synced depth book (diff depth) or the latest partial-depth book; null when the
  // symbol has no depth stream.
  const DepthBook* depth(core::SymbolId symbol) const;
  bool is_stale(core::SymbolId symbol) const { return stale_.is_stale(symbol); }
  const SymbolFeedStats& stats(core::SymbolId symbol) const { return state_[symbol].stats; }
  // One line per symbol, as logged by the periodic summary (md_summary).
  void log_summary() const;
  // The market-data connections (for a status page).
  size_t connection_count() const { return connections_.size(); }
  const net::ManagedWs& connection(size_t i) const;
  // The index of the connection that carries `symbol`, and a connection's name (its conn
  // label), so a consumer can map on_connection_changed to the symbols it affects.
  size_t connection_of(core::SymbolId symbol) const { return state_[symbol].connection; }
  const std::string& connection_name(size_t i) const;

 private:
  class Connection;
  class Sink;
  struct SymbolState {
    TopOfBook top;
    std::unique_ptr<DepthSync> sync;     // diff depth
    std::unique_ptr<DepthBook> partial;  // partial depth (depth5/10/20)
    size_t connection = 0;               // index into connections_
    SymbolFeedStats stats;
    telemetry::Counter* updates_book_ticker = nullptr;
    telemetry::Counter* updates_depth = nullptr;
    telemetry::Counter* updates_trade = nullptr;
  };

  Feed(boost::asio::io_context& ioc, const core::Clock& clock, const config::Config& config,
       telemetry::Registry& registry, FeedListener* listener);

  // Decoded events (from Sink).
  void on_book_ticker(const core::BookTicker& event, int64_t recv_ns);
  void on_depth_snapshot(const core::DepthSnapshot& event, int64_t recv_ns);
  void on_depth_diff(const core::DepthDiff& event, int64_t recv_ns);
  void on_trade(const core::Trade& event, int64_t recv_ns);
  void on_server_shutdown(size_t connection);
  void on_control_reply(const binance::ControlReply& reply);

  // Runtime subscription checks (LIST_SUBSCRIPTIONS, re-SUBSCRIBE) on a connection.
  void send_list_subscriptions(size_t connection);
  void send_resubscribe(size_t connection, std::vector<std::string> streams);
  void arm_control_timer(size_t connection, int64_t id);
  void on_control_timeout(size_t connection, int64_t id);
  void clear_control_request(size_t connection);

  // Connection events (from Connection).
  void on_connection_open(size_t connection, bool rotation);
  void on_connection_message(size_t connection, std::string_view payload, int64_t recv_ns);
  void on_connection_down(size_t connection, net::DownReason reason);

  void on_fresh_update(core::SymbolId symbol, int64_t recv_ns);
  void handle_sync_events(core::SymbolId symbol, const SyncEvents& events);
  void fetch_snapshot(core::SymbolId symbol);
  void on_stale_transition(const StaleTransition& t);
  void arm_check_timer();
  void arm_summary_timer();

  boost::asio::io_context& ioc_;
  const core::Clock& clock_;
  const config::Config& config_;
  telemetry::Registry& registry_;
  FeedListener* listener_;

  binance::SymbolTable symbols_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<binance::StreamDecoder> decoder_;
  binance::DepthSnapshotDecoder snapshot_decoder_;
  std::unique_ptr<net::HttpClient> rest_;
  StaleDetector stale_;
  MinChangeFilter filter_;
  std::vector<SymbolState> state_;
  std::vector<std::unique_ptr<Connection>> connections_;
  size_t decoding_connection_ = 0;  // which connection the message being decoded came from
  int64_t next_control_id_ = 1;     // control request ids, unique per Feed

  boost::asio::steady_timer check_timer_;
  boost::asio::steady_timer summary_timer_;
  bool running_ = false;
  std::shared_ptr<char> life_;  // async callbacks hold a weak_ptr; expired = the Feed is gone
};

}  // namespace phoenix::md
