#pragma once

// PaperVenue: the in-process simulated exchange of dry-run mode. The same quoter and OMS
// as live trading talk to it through oms::ExchangeGateway; it validates, rests and fills
// orders against the real market data the engine feeds it, and keeps paper balances.
//
// How the engine feeds it market data (on the trading loop's thread):
//   - on_top_of_book(symbol, bid, ask) (or on_book_ticker) on every best bid/offer change:
//     it is the book LIMIT_MAKER orders are checked against, the price a crossing
//     non-post-only order takes, the source of queue-position estimates, and the source
//     of "book moved through us" fills (bookTicker-only configs have no trade stream);
//   - on_trade(trade) for every public trade (trade or aggTrade stream), when subscribed.
// Both as received, before md's min-change filter: the filtered FeedListener stream hides
// small moves and queue changes, which would make fills late or wrong.
//
// Fill model (conservative; paper trading that fills too easily misleads users):
//   - A resting order fills only at its own price, as maker (maker fee).
//   - Trade through: a public trade strictly better than our price for the counterparty
//     (price < P for our buy at P, > P for our sell) fills us for min(remaining, trade
//     qty). One trade's quantity is a budget shared by our orders on that side, best price
//     first, then oldest first: a 1-lot trade never fills two of our orders.
//   - Queue at our price (hftbacktest's RiskAverseQueueModel, on top of book only): when an
//     order is placed at the best price on its side, the public quantity ahead of it is the
//     top-of-book quantity then; placed inside the spread, nothing is ahead; placed behind
//     the best price, the quantity ahead is unknown until our price becomes the best level
//     (then it is that level's quantity). While our price is the best level the quantity
//     ahead only shrinks: ahead = min(ahead, level qty); when the best level moves behind
//     our price (the public level at our price emptied), ahead = 0. A public trade AT our
//     price whose aggressor hits our side (buyer_is_maker for our buys) first consumes the
//     quantity ahead; only the excess fills us. Our own paper orders are not in the real
//     book, so the top-of-book quantity is all public.
//   - Book moved through: when the best ask drops strictly below our buy price (best bid
//     rises strictly above our sell price), we fill for min(remaining, that level's qty),
//     shared across our orders on that side like a trade. Touching (ask == our bid) does
//     not fill. A zero displayed quantity counts as "unknown" and fills the whole remainder.
//   - A non-post-only order that crosses the book when placed takes at the opposite best
//     price, as taker (taker fee), for min(qty, displayed qty); the rest rests at its limit
//     (simplified: a real exchange would sweep deeper levels; here the crossed remainder
//     fills later, as maker at its own price, through the book-moved-through rule).
//   - No latency model: an order is live from the moment place() returns; its kNew and
//     every later update reach the listener in order, from the io_context.
//
// Balances (units of 10^-8 of each asset, like Binance): a buy locks price*qty of quote
// (rounded up), a sell locks qty of base; fills move locked into the other asset minus
// the commission, charged in the received asset (Binance without BNB discount); a cancel
// releases the rest. Quote amounts are exact when price_scale + qty_scale <= 8 (e.g.
// BTCUSDC: 2 + 5); beyond that each fill's quote is rounded against us
// (buys pay rounded up, sells receive rounded down) and commissions are rounded up.
//
// Asynchrony: every result is queued and delivered from a handler posted to the
// io_context given at construction (never from inside the request call), in the order
// the events happened. Delivery is batched: one posted handler per burst; events that a
// listener callback causes are delivered by the next handler. Handlers still queued when
// the venue is destroyed do nothing.
//
// Memory: open orders are bounded by what the caller places; closed orders (for
// query_order) and own fills (for request_trades) are kept in FIFO histories of at most
// `history_limit` entries each.
//
// Owned by the engine (dry-run mode), which must keep it alive while the OMS uses it.
// Every method, and every listener callback it makes, runs on the io_context's thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/clock.h"
#include "core/market_data.h"
#include "core/orders.h"
#include "core/result.h"
#include "core/symbol_filters.h"
#include "oms/gateway.h"
#include "telemetry/metrics.h"

namespace phoenix::paper {

// One tradable symbol of the venue; its index in PaperVenueConfig::symbols is its SymbolId.
struct PaperSymbol {
  std::string name;         // "BTCUSDC": the metric label
  std::string base_asset;   // "BTC"
  std::string quote_asset;  // "USDC"
  core::SymbolFilters filters;
};

// A starting balance: asset code (at most 16 characters) and units of 10^-8.
struct PaperBalance {
  std::string asset;
  int64_t units = 0;
};

struct PaperVenueConfig {
  std::vector<PaperSymbol> symbols;  // index = core::SymbolId
  // Starting free balances; assets of the symbols that are not listed start at 0.
  std::vector<PaperBalance> balances;
  // Fees in hundredths of a basis point (1 = 0.000001 of the received amount; 100 = 1 bp).
  // config's `paper.maker_fee_bps` converts with Decimal::to_units(2, Rounding::kUp).
  int64_t maker_fee_centi_bps = 100;
  int64_t taker_fee_centi_bps = 100;
  // Closed orders and own fills kept for query_order / request_trades (each, FIFO).
  size_t history_limit = 1000;
};

// Binance error codes the venue reports.
inline constexpr int kCodeFilterFailure = -1013;     // a filter (price, lot size, notional)
inline constexpr int kCodeMandatoryParam = -1102;    // a mandatory parameter is missing
inline constexpr int kCodeBadSymbol = -1121;         // symbol unknown to the venue
inline constexpr int kCodeNewOrderRejected = -2010;  // insufficient balance, would take, duplicate
inline constexpr int kCodeCancelRejected = -2011;    // unknown order sent (cancel)
inline constexpr int kCodeNoSuchOrder = -2013;       // order does not exist (query, amend)
inline constexpr int kCodeAmendRejected = -2038;     // amend: quantity not decreased

// See the file comment. Thread: the io_context thread only.
class PaperVenue final : public oms::ExchangeGateway {
 public:
  // Validates `config` (tick and step > 0, qty_scale and quote_scale <= 8, price_scale <=
  // 18, asset codes 1..16 characters, non-negative balances and fees, history_limit > 0).
  // Registers phoenix_paper_fills_total{symbol,side} and phoenix_paper_orders_open{symbol}
  // in `metrics`. `ioc`, `clock` and `metrics` must outlive the venue.
  static core::Result<std::unique_ptr<PaperVenue>> create(boost::asio::io_context& ioc,
                                                          const core::Clock& clock,
                                                          telemetry::Registry& metrics,
                                                          PaperVenueConfig config);
  ~PaperVenue() override;
  PaperVenue(const PaperVenue&) = delete;
  PaperVenue& operator=(const PaperVenue&) = delete;

  // --- Market data in (see the file comment). Unknown symbols are ignored. ---
  // Best bid and ask with their quantities; a zero price = that side is empty/unknown.
  void on_top_of_book(core::SymbolId symbol, core::Level bid, core::Level ask);
  void on_book_ticker(const core::BookTicker& ticker);
  void on_trade(const core::Trade& trade);

  // --- oms::ExchangeGateway ---
  // Posts on_connectivity({true, true}) once (the venue is always connected).
  void set_listener(oms::GatewayListener* listener) override;
  oms::Connectivity connectivity() const override { return {true, true}; }
  bool supports_amend() const override { return true; }
  void place(const oms::PlaceOrder& order) override;
  void cancel(const oms::CancelOrder& order) override;
  // STOP_ON_FAILURE: when the order to cancel is not open, fails with -2011 (kOrderGone)
  // and places nothing. When the cancel succeeds but the new order is refused, the
  // kCanceled update is delivered (as the user-data stream would) and then one failure
  // with cancel_succeeded = true.
  void cancel_replace(const oms::ReplaceOrder& order) override;
  void amend(const oms::AmendOrder& order) override;
  void query_order(core::SymbolId symbol, const core::ClientOrderId& client_id) override;
  void request_open_orders(core::SymbolId symbol) override;
  void request_trades(core::SymbolId symbol, int64_t from_ms) override;
  void request_balances() override;
  void cancel_all(core::SymbolId symbol) override;

  // --- Inspection (tests, status) ---
  size_t open_order_count(core::SymbolId symbol) const;
  size_t closed_orders_retained() const { return closed_.size(); }
  size_t trades_retained() const { return trades_.size(); }
  // The asset's balance now (zeros for an unknown asset).
  core::AssetBalance balance(std::string_view asset) const;
  // Events queued and not yet delivered.
  size_t pending_events() const { return outbox_.size(); }

 private:
  static constexpr int64_t kUnknownQueue = -1;

  struct Order {
    core::OrderUpdate state;              // the current state (exec_type as of the last event)
    int64_t locked_units = 0;             // still locked for it, 10^-8 of the locked asset
    int64_t queue_ahead = kUnknownQueue;  // public qty units ahead of us at our price
    uint64_t seq = 0;                     // arrival order
  };

  struct Asset {
    std::string name;
    int64_t free_units = 0;
    int64_t locked_units = 0;
  };

  struct Book {
    core::Level bid;
    core::Level ask;
  };

  struct SymbolState {
    PaperSymbol spec;
    size_t base = 0;   // index into assets_
    size_t quote = 0;  // index into assets_
    Book book;
    std::vector<Order> open;  // small (bounded by the OMS's ladder); linear scans
    telemetry::Counter* fills_buy = nullptr;
    telemetry::Counter* fills_sell = nullptr;
    telemetry::Gauge* orders_open = nullptr;
  };

  // Queued listener calls.
  struct FailureEvent {
    core::RequestFailure failure;  // message points at a string literal
  };
  struct OpenOrdersEvent {
    core::SymbolId symbol;
    std::vector<core::OrderUpdate> orders;
  };
  struct TradesEvent {
    core::SymbolId symbol;
    std::vector<core::OrderUpdate> trades;
  };
  struct BalancesEvent {  // a snapshot (request_balances reply)
    std::vector<core::AssetBalance> balances;
  };
  struct BalanceChangeEvent {  // one or two assets after a lock, release or fill; no allocation
    std::array<core::AssetBalance, 2> balances;
    size_t count = 0;
  };
  using Event = std::variant<core::OrderUpdate, FailureEvent, OpenOrdersEvent, TradesEvent, BalancesEvent,
                             BalanceChangeEvent, oms::Connectivity>;

  PaperVenue(boost::asio::io_context& ioc, const core::Clock& clock, PaperVenueConfig config);

  void emit(Event event);
  void schedule_flush();
  void flush();

  void fail(core::RequestKind kind, core::SymbolId symbol, const core::ClientOrderId& client_id, int code,
            core::FailureAction action, std::string_view message);
  void fail(const core::RequestFailure& failure);
  void emit_balances(size_t asset_a, size_t asset_b);

  SymbolState* find_symbol(core::SymbolId symbol);
  Order* find_open(SymbolState& s, const core::ClientOrderId& client_id);
  const core::OrderUpdate* find_closed(core::SymbolId symbol, const core::ClientOrderId& client_id) const;

  // Validation; returns the failure code and message, or code 0 when the order is fine.
  struct Refusal {
    int code = 0;
    std::string_view message;
  };
  Refusal validate(const SymbolState& s, const oms::PlaceOrder& order) const;
  // Units of 10^-8 a new order locks (quote for buys, base for sells).
  static int64_t lock_for(const core::SymbolFilters& f, core::Side side, core::Price price, core::Qty qty);
  // Places a validated-or-not order: emits kNew (+ fills) or a failure of `kind`.
  // Returns whether it was accepted.
  bool do_place(SymbolState& s, const oms::PlaceOrder& order, core::RequestKind kind,
                const core::ClientOrderId& cancel_client_id, bool cancel_succeeded);
  // Cancels open order `index` of `s`: releases its lock, emits kCanceled and balances.
  void do_cancel(SymbolState& s, size_t index);

  // Fills `qty` (> 0) of open order `index` at `price`; emits kTrade and balances. A
  // filled order stays in s.open until sweep_filled() (indices stay valid while matching).
  void fill(SymbolState& s, size_t index, core::Price price, core::Qty qty, bool maker);
  // Moves filled orders from s.open to the closed history.
  void sweep_filled(SymbolState& s);
  // Moves open order `index` to the closed history and updates the gauge.
  void close(SymbolState& s, size_t index);
  void remember_closed(const core::OrderUpdate& state);
  static core::OrderUpdate snapshot_of(const core::OrderUpdate& state);
  // Open orders on `side` whose index goes to scratch_, best price first, then oldest.
  void sort_side(SymbolState& s, core::Side side);

  // The quantity ahead of a new order at `price` on `side` given the book now.
  static int64_t initial_queue(const Book& book, core::Side side, core::Price price);
  void update_queues(SymbolState& s);
  // Book-moved-through fills for one side.
  void match_book(SymbolState& s, core::Side side);

  // 10^-8 units of quote for price*qty at the symbol's scales, rounded up or down.
  static int64_t quote_units8(const core::SymbolFilters& f, core::Price price, core::Qty qty, bool round_up);
  // 10^-quote_scale units of quote for price*qty (for cum_quote_units), rounded down.
  static int64_t quote_units(const core::SymbolFilters& f, core::Price price, core::Qty qty);
  static int64_t base_units8(const core::SymbolFilters& f, core::Qty qty);
  static int64_t commission(int64_t received_units8, int64_t centi_bps);

  boost::asio::io_context& ioc_;
  const core::Clock& clock_;
  int64_t maker_fee_centi_bps_;
  int64_t taker_fee_centi_bps_;
  size_t history_limit_;

  std::vector<SymbolState> symbols_;
  std::vector<Asset> assets_;

  oms::GatewayListener* listener_ = nullptr;
  std::vector<Event> outbox_;
  std::vector<Event> draining_;
  bool flush_posted_ = false;
  std::shared_ptr<char> alive_;  // posted handlers hold a weak_ptr

  int64_t next_order_id_ = 1;
  int64_t next_trade_id_ = 1;
  uint64_t next_seq_ = 1;
  std::deque<core::OrderUpdate> closed_;  // final states, oldest first
  std::deque<core::OrderUpdate> trades_;  // own fills (kTrade), oldest first
  std::vector<size_t> scratch_;           // order indices sorted for matching
};

}  // namespace phoenix::paper
