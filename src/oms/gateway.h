#pragma once

// The OMS's view of an exchange: ExchangeGateway (requests out) and GatewayListener
// (results in). Implemented by the Binance WebSocket-API gateway (src/engine, with REST
// as fallback) and by the paper venue (src/paper). No Binance names here.
//
// Contract, for every implementation:
//   - Every call and callback runs on the trading loop's thread. A request method never
//     calls the listener synchronously (results arrive from the event loop later), so the
//     OMS may call the gateway from inside its own bookkeeping.
//   - Every order request ends in exactly one of: one or more on_order_update() calls that
//     show its effect, or one on_request_failed(). A request whose outcome is not known
//     (timeout, 5xx, -1007, the connection dropped while it was in flight) fails with
//     FailureAction::kUnknown; the caller queries before assuming anything.
//   - Updates may arrive twice (the response and the user-data event) and in any order;
//     the OMS handles that (it compares cum_qty and status, never counts an event twice).
//   - When can_send() is false, request methods fail every request with kRetryLater
//     (asynchronously) instead of sending it.

#include <cstdint>
#include <span>

#include "core/decimal.h"
#include "core/market_data.h"
#include "core/orders.h"

namespace phoenix::oms {

// A new limit order. post_only = LIMIT_MAKER (rejected instead of taking).
struct PlaceOrder {
  core::SymbolId symbol = core::kNoSymbol;
  core::Side side = core::Side::kBuy;
  core::Price price;
  core::Qty qty;
  core::ClientOrderId client_id;
  bool post_only = true;
  // Market-data receive time (Clock::monotonic_ns) of the tick that caused this request;
  // 0 = none. The gateway observes phoenix_quote_to_order_latency_seconds when it writes
  // the request.
  int64_t trigger_ns = 0;
};

// Cancel one order by client id.
struct CancelOrder {
  core::SymbolId symbol = core::kNoSymbol;
  core::ClientOrderId client_id;
  int64_t trigger_ns = 0;
};

// Cancel `cancel_client_id` and place `new_order` in one request (cancel first; if the
// cancel fails, the new order is not placed).
struct ReplaceOrder {
  core::ClientOrderId cancel_client_id;
  PlaceOrder new_order;  // symbol, side, price, qty and the new client id
};

// Reduce an order's quantity in place, keeping its queue priority (same client id).
struct AmendOrder {
  core::SymbolId symbol = core::kNoSymbol;
  core::ClientOrderId client_id;
  core::Qty new_qty;  // < the current orig_qty, > cum_qty
  int64_t trigger_ns = 0;
};

// Which parts of the gateway are connected and usable.
struct Connectivity {
  bool order_entry = false;  // requests can be sent (WS API logged in, or REST fallback)
  bool user_data = false;    // the user-data stream is subscribed and delivering
};

class GatewayListener {
 public:
  virtual ~GatewayListener() = default;
  // An order's state after an event (request response, user-data event, or query reply).
  virtual void on_order_update(const core::OrderUpdate& update) = 0;
  // A request failed; see core::FailureAction for what it means.
  virtual void on_request_failed(const core::RequestFailure& failure) = 0;
  // Reply to request_open_orders(symbol): every open order on the symbol (any client id),
  // as kSnapshot updates.
  virtual void on_open_orders(core::SymbolId symbol, std::span<const core::OrderUpdate> orders) = 0;
  // Reply to request_trades(symbol, from_ms): own fills since from_ms, as kTrade updates
  // (client_id may be empty when the exchange does not report it; order_id is set).
  virtual void on_trades(core::SymbolId symbol, std::span<const core::OrderUpdate> trades) = 0;
  // Balances: a full snapshot (request_balances reply) or a partial change (user data).
  virtual void on_balances(std::span<const core::AssetBalance> balances, bool snapshot) = 0;
  // The exchange reported its current rate-limit usage.
  virtual void on_rate_limits(const core::RateLimitUsage& usage) = 0;
  // Connectivity changed. When order entry or user data comes back after being down, the
  // OMS must reconcile (fetch open orders and trades) before trusting its state.
  virtual void on_connectivity(const Connectivity& connectivity) = 0;
};

// Requests out. See the file comment for the contract.
class ExchangeGateway {
 public:
  virtual ~ExchangeGateway() = default;
  virtual void set_listener(GatewayListener* listener) = 0;
  virtual Connectivity connectivity() const = 0;
  // Whether amend (keep priority, quantity down only) is available.
  virtual bool supports_amend() const = 0;

  virtual void place(const PlaceOrder& order) = 0;
  virtual void cancel(const CancelOrder& order) = 0;
  virtual void cancel_replace(const ReplaceOrder& order) = 0;
  virtual void amend(const AmendOrder& order) = 0;
  // The order's current state (a kSnapshot update, or kOrderGone when the exchange does
  // not know it).
  virtual void query_order(core::SymbolId symbol, const core::ClientOrderId& client_id) = 0;
  virtual void request_open_orders(core::SymbolId symbol) = 0;
  virtual void request_trades(core::SymbolId symbol, int64_t from_ms) = 0;
  virtual void request_balances() = 0;
  // Cancel every open order on the symbol (ours or not): kCanceled updates for each, or
  // kOrderGone when there was none.
  virtual void cancel_all(core::SymbolId symbol) = 0;
};

}  // namespace phoenix::oms
