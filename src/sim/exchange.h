#pragma once

// Exchange: phoenix-exchange's trading side, transport-free. It owns the MatchingEngine,
// the accounts and their API keys, the exchange filters, rate limits and user data
// subscriptions, and speaks Binance's wire formats: REST requests in, HTTP replies out;
// WebSocket-API text frames in, text frames out (responses and user data events). The
// server (sim/server.h) owns the sockets and calls in; the synthetic market places its
// orders through place_internal(); the market streams (sim/market_streams.h) learn every
// trade and book change through a MarketListener.
//
// Threading: single-threaded; every method runs on the exchange's event-loop thread.
// Time: wall-clock milliseconds from the injected core::Clock.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "sim/exchange_spec.h"
#include "sim/matching_engine.h"

namespace phoenix::sim {

// One HTTP request as the server received it. Views valid for the call only.
struct HttpRequestIn {
  std::string_view method;        // "GET", "POST", "PUT", "DELETE"
  std::string_view target;        // path and raw (still percent-encoded) query: "/api/v3/order?symbol=..."
  std::string_view body;          // raw body (form-encoded for POST/PUT/DELETE)
  std::string_view content_type;  // "" when absent
  std::string_view api_key;       // X-MBX-APIKEY header ("" when absent)
  std::string_view client_ip;     // for per-IP limits
};

struct HttpReplyOut {
  int status = 200;
  std::string body;                                          // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. X-MBX-USED-WEIGHT-1M, Retry-After
};

// One trade, as the trade/aggTrade streams publish it.
struct TradePrint {
  std::string_view symbol;
  int64_t trade_id = 0;
  int64_t price_units = 0;
  int64_t qty_units = 0;
  bool buyer_is_maker = false;
  int64_t time_ms = 0;
  OrderId taker_order_id = 0;  // fills of one taker order share it (aggTrade groups by it)
};

// Receives every change of the books, in order. Called synchronously from inside the
// Exchange call that made the change (REST, WS API, place_internal, ...).
class MarketListener {
 public:
  virtual ~MarketListener() = default;
  // One fill, in trade-id order.
  virtual void on_trade(const TradePrint& trade) = 0;
  // The aggregated quantity at (side, price) of `symbol` may have changed. May over-report
  // (a level that did not change); never under-reports.
  virtual void on_level_changed(std::string_view symbol, Side side, int64_t price_units) = 0;
  // The call that changed `symbol`'s book is complete; `update_id` is the symbol's book
  // update id now (strictly increasing per symbol; the same id /api/v3/depth reports).
  virtual void on_book_settled(std::string_view symbol, uint64_t update_id) = 0;
};

// Aggregated price levels of one side, best first.
struct BookLevel {
  int64_t price_units = 0;
  int64_t qty_units = 0;
};

class Exchange {
 public:
  // Validates the spec (unique names and keys, known assets, parseable Ed25519 keys,
  // sane filters) and builds the engine, deposits the starting balances.
  static core::Result<std::unique_ptr<Exchange>> create(ExchangeSpec spec, const core::Clock& clock);
  virtual ~Exchange() = default;

  // ---- REST: /api/v3/... (ping, time, exchangeInfo, depth, ticker/bookTicker, order,
  // openOrders, order/cancelReplace, order/amend/keepPriority, account, myTrades,
  // userDataStream). Anything else under /api/ answers Binance's error shape with 404.
  virtual HttpReplyOut handle_rest(const HttpRequestIn& request) = 0;

  // ---- WebSocket API (/ws-api/v3). `send` delivers one text frame to that client; it
  // stays valid until ws_api_close(). Responses and user data events all go through it.
  using SessionId = uint64_t;
  using WsSend = std::function<void(std::string text)>;
  virtual SessionId ws_api_open(std::string_view client_ip, WsSend send) = 0;
  virtual void ws_api_message(SessionId session, std::string_view text) = 0;
  virtual void ws_api_close(SessionId session) = 0;

  // ---- The synthetic market's order entry: no keys, no signatures, no rate limits;
  // filters (except PERCENT_PRICE_BY_SIDE) and balances still apply. Events still reach
  // the listener (and the user data of any bot order it fills).
  virtual core::Result<AccountId> add_market_account(
      std::string name, std::vector<std::pair<std::string, int64_t>> balances) = 0;
  virtual PlaceResult place_internal(const NewOrder& order) = 0;
  virtual core::Status cancel_internal(std::string_view symbol, AccountId account, OrderId id) = 0;

  // ---- Reading the books.
  virtual const std::vector<ExchangeSymbolSpec>& symbols() const = 0;
  virtual const ExchangeSymbolSpec* symbol(std::string_view name) const = 0;
  virtual std::vector<BookLevel> levels(std::string_view symbol, Side side, size_t max_levels) const = 0;
  virtual uint64_t book_update_id(std::string_view symbol) const = 0;
  virtual const MatchingEngine& engine() const = 0;
  // One listener (the market streams); null to detach.
  virtual void set_market_listener(MarketListener* listener) = 0;

  // ---- Admin and fault injection.
  // Every open order of every account (or of one symbol) as a JSON array, for
  // GET /admin/orders: [{"account":"demo","symbol":..,"orderId":..,"clientOrderId":..,
  // "side":..,"type":..,"price":"..","origQty":"..","executedQty":"..","status":..},...]
  virtual std::string admin_open_orders_json(std::string_view symbol) const = 0;
  // The next `count` order placements (REST or WS API, not place_internal) are rejected
  // with this Binance error code and its usual message (and HTTP status 400).
  virtual void inject_order_rejects(int count, int code, int http_status) = 0;
  // A deposit: credits `amount` (a decimal string within the asset's precision, > 0) of
  // `asset` to the account whose config name is `account`. Its user data subscriptions get
  // balanceUpdate, then outboundAccountPosition. A specific error for an unknown account or
  // asset or a bad amount; nothing changes then.
  virtual core::Status admin_deposit(std::string_view account, std::string_view asset,
                                     std::string_view amount) = 0;

  // ---- Metrics: appends Prometheus text-format samples (HELP/TYPE included), all named
  // phoenix_exchange_* (orders by result, rejects by code, REST/WS-API requests by
  // endpoint/method, rate-limit answers, signature failures, user data subscriptions).
  virtual void append_metrics(std::string* out) const = 0;
};

}  // namespace phoenix::sim
