#pragma once

// Normalised order-entry types shared by the OMS, risk, the paper venue and the Binance
// codecs. No Binance field names here: src/binance translates the exchange's JSON into
// these, src/oms and src/risk consume them.
//
// Prices and quantities are integer units at the symbol's scales (core::SymbolFilters);
// quote amounts are `_quote_units` of 10^-quote_scale; commissions are units of 10^-8 of
// their asset (Binance writes 8 decimals). Value types; any thread.

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/decimal.h"
#include "core/market_data.h"

namespace phoenix::core {

enum class Side : uint8_t { kBuy, kSell };

inline constexpr std::string_view to_string(Side side) { return side == Side::kBuy ? "buy" : "sell"; }

// A client order id: 1..36 characters from [A-Za-z0-9_-] (Binance's newClientOrderId
// rule), stored inline (no allocation). Default-constructed = empty (no id).
class ClientOrderId {
 public:
  static constexpr size_t kMaxSize = 36;

  constexpr ClientOrderId() = default;

  // nullopt unless 1..36 characters, each [A-Za-z0-9_-].
  static std::optional<ClientOrderId> parse(std::string_view text) {
    if (text.empty() || text.size() > kMaxSize) return std::nullopt;
    for (char c : text) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      if (!ok) return std::nullopt;
    }
    ClientOrderId id;
    std::memcpy(id.data_.data(), text.data(), text.size());
    id.size_ = static_cast<uint8_t>(text.size());
    return id;
  }

  std::string_view view() const { return {data_.data(), size_}; }
  bool empty() const { return size_ == 0; }
  bool starts_with(std::string_view prefix) const { return view().starts_with(prefix); }

  friend bool operator==(const ClientOrderId& a, const ClientOrderId& b) { return a.view() == b.view(); }
  friend std::strong_ordering operator<=>(const ClientOrderId& a, const ClientOrderId& b) {
    return a.view().compare(b.view()) <=> 0;
  }

 private:
  std::array<char, kMaxSize> data_{};
  uint8_t size_ = 0;
};

struct ClientOrderIdHash {
  size_t operator()(const ClientOrderId& id) const noexcept {
    // FNV-1a over at most 36 bytes.
    uint64_t h = 1469598103934665603ull;
    for (char c : id.view()) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

// An order's status as the exchange reports it.
enum class OrderStatus : uint8_t {
  kNew,
  kPartiallyFilled,
  kFilled,
  kCanceled,
  kRejected,
  kExpired,  // includes EXPIRED_IN_MATCH (self-trade prevention)
};

// True for statuses after which the order can never change again.
inline constexpr bool is_terminal(OrderStatus s) {
  return s == OrderStatus::kFilled || s == OrderStatus::kCanceled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired;
}

// What happened to produce an OrderUpdate (executionReport's execution type).
enum class ExecType : uint8_t {
  kNew,       // accepted and resting
  kTrade,     // (part) filled: last_qty/last_price/commission are set
  kCanceled,  // canceled (by us, by cancelReplace, or by the exchange)
  kReplaced,  // amended in place (amend keep-priority): qty changed, same order id
  kRejected,  // rejected after acceptance
  kExpired,   // expired (e.g. a LIMIT_MAKER that would have taken, self-trade prevention)
  kSnapshot,  // not an event: an order's current state from a query or an open-orders list
};

// Which asset a commission was charged in.
enum class FeeAsset : uint8_t { kNone, kBase, kQuote, kOther };

// One order's state after an event, from a WS-API/REST response, a query, or the user
// data stream. Fields that the source does not carry are 0 / empty.
struct OrderUpdate {
  SymbolId symbol = kNoSymbol;
  ClientOrderId client_id;       // the order's own client id (on a cancel: the canceled order's)
  ClientOrderId orig_client_id;  // on a cancel: the id the cancel named (= client_id for Phoenix's
                                 // requests); on an amend: the old id when it changed; else empty
  int64_t order_id = 0;          // the exchange's order id; 0 = unknown
  Side side = Side::kBuy;
  OrderStatus status = OrderStatus::kNew;
  ExecType exec_type = ExecType::kSnapshot;
  Price price;
  Qty orig_qty;
  Qty cum_qty;                  // executed so far
  int64_t cum_quote_units = 0;  // cumulative quote traded, 10^-quote_scale (0 = unknown)
  // Set for kTrade only. A kTrade from request_trades (the exchange's trade list) carries no
  // order status or cum_qty: status stays kNew and cum_qty 0; read last_qty/last_price.
  Price last_price;
  Qty last_qty;
  int64_t trade_id = 0;
  bool maker = false;
  int64_t commission_units = 0;  // 10^-8 of the fee asset
  FeeAsset fee_asset = FeeAsset::kNone;
  int64_t event_time_ms = 0;     // exchange time of the event (0 = unknown)
  int64_t transact_time_ms = 0;  // exchange time of the change
};

// An account balance (asset units of 10^-8, free and locked in orders).
struct AssetBalance {
  std::array<char, 16> asset{};  // NUL-padded asset code ("USDC")
  int64_t free_units = 0;
  int64_t locked_units = 0;

  std::string_view name() const { return {asset.data(), strnlen(asset.data(), asset.size())}; }
};

// Request kinds the order gateway sends.
enum class RequestKind : uint8_t {
  kPlace,
  kCancel,
  kCancelReplace,
  kAmend,
  kQuery,       // one order's status
  kOpenOrders,  // a symbol's open orders
  kCancelAll,   // cancel a symbol's open orders
  kAccount,     // balances
  kTrades,      // recent own trades
};

// "place", "cancel", "cancel_replace", "amend", "query", "open_orders", "cancel_all",
// "account", "trades" (log fields and metric labels).
inline constexpr std::string_view to_string(RequestKind kind) {
  switch (kind) {
    case RequestKind::kPlace: return "place";
    case RequestKind::kCancel: return "cancel";
    case RequestKind::kCancelReplace: return "cancel_replace";
    case RequestKind::kAmend: return "amend";
    case RequestKind::kQuery: return "query";
    case RequestKind::kOpenOrders: return "open_orders";
    case RequestKind::kCancelAll: return "cancel_all";
    case RequestKind::kAccount: return "account";
    case RequestKind::kTrades: return "trades";
  }
  return "unknown";
}

// What the caller must do after a failed request, decided by the gateway from the
// exchange's error code and HTTP status (src/binance maps every code).
enum class FailureAction : uint8_t {
  kRejected,    // the request was refused and changed nothing: drop this level for now
  kUnknown,     // the outcome is unknown (timeout, 5xx, -1007, connection lost while in
                // flight): query the order before assuming anything
  kRetryLater,  // refused because of a transient condition (rate limit 429/-1015,
                // busy): nothing changed; back off for retry_after_ms
  kResyncTime,  // -1021: timestamp outside recvWindow; re-sync the server time, retry
  kBanned,      // 418: no order traffic until banned_until_ms
  kOrderGone,   // cancel/query of an order the exchange does not know (-2011, -2013):
                // it is no longer open (filled or canceled); its final state follows
                // from the user data stream or a query
  kHalt,        // unrecoverable (bad API key, permissions, invalid signature): stop
                // quoting, cancel what can be cancelled, tell the operator
};

// "rejected", "unknown", "retry_later", "resync_time", "banned", "order_gone", "halt".
inline constexpr std::string_view to_string(FailureAction action) {
  switch (action) {
    case FailureAction::kRejected: return "rejected";
    case FailureAction::kUnknown: return "unknown";
    case FailureAction::kRetryLater: return "retry_later";
    case FailureAction::kResyncTime: return "resync_time";
    case FailureAction::kBanned: return "banned";
    case FailureAction::kOrderGone: return "order_gone";
    case FailureAction::kHalt: return "halt";
  }
  return "unknown";
}

// A failed request, as the gateway reports it. `code` is the exchange's error code
// (e.g. -2010), 0 when there was none (timeout, disconnect); `http_status` is 0 on the
// WebSocket API unless the envelope carried one.
struct RequestFailure {
  RequestKind kind = RequestKind::kPlace;
  SymbolId symbol = kNoSymbol;
  ClientOrderId client_id;         // the order the request was about (for kCancelReplace: the
                                   // new order's id), empty for symbol-wide requests
  ClientOrderId cancel_client_id;  // kCancelReplace: the order being replaced
  FailureAction action = FailureAction::kRejected;
  int code = 0;
  int http_status = 0;
  int64_t retry_after_ms = 0;   // kRetryLater / kBanned: how long to wait (0 = caller decides)
  int64_t banned_until_ms = 0;  // kBanned: wall-clock ms
  // kCancelReplace: whether each half succeeded (a failure may be partial).
  bool cancel_succeeded = false;
  bool new_order_succeeded = false;
  std::string_view message;  // the exchange's message; valid during the callback only
};

// Request-rate usage the exchange reported (WS-API rateLimits, REST X-MBX-* headers).
// A limit of 0 = not reported.
struct RateLimitUsage {
  int64_t orders_10s = 0;
  int64_t orders_10s_limit = 0;
  int64_t orders_1d = 0;
  int64_t orders_1d_limit = 0;
  int64_t weight_1m = 0;
  int64_t weight_1m_limit = 0;
};

}  // namespace phoenix::core
