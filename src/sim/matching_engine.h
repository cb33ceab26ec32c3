#pragma once

// The exchange's matching engine: order books per symbol over account balances.
//
// Units. Prices are int64 units of 10^-price_scale quote per base; quantities int64
// units of 10^-qty_scale base; every balance, lock, fee and quote amount is in the
// asset's own units (10^-asset_scale, see AssetSpec). A symbol's base asset scale must
// be >= its qty_scale (a quantity converts to base units exactly). The quote amount of
// price x qty is computed exactly in 128 bits at scale price_scale + qty_scale and then
// rescaled to the quote asset's scale: rounded DOWN for what a trade pays (both sides
// use the same number, so nothing is created or lost) and UP for what a limit BUY
// locks (so the lock always covers its fills). Whatever a finished buy still has locked
// is unlocked. Overflowing int64 anywhere is a reject (`overflow`), never a wrap.
//
// Commission. Per fill, at integer basis points (maker_bps / taker_bps of FeeSchedule),
// charged in the asset the side RECEIVES (the buyer pays base, the seller pays quote),
// fee = floor(received_units * bps / 10000); the fee is kept by the exchange and
// counted in fees_collected(asset). Conservation: for every asset,
// sum(free + locked) + fees_collected == deposits.
//
// STP. The taker's mode decides when it meets a resting order of the same account:
// EXPIRE_TAKER stops the taker (remaining expires), EXPIRE_MAKER expires that maker and
// goes on matching, EXPIRE_BOTH does both, NONE trades with itself. STP-expired orders
// are reported as exec type TRADE_PREVENTION with status EXPIRED_IN_MATCH.
//
// Events. Every call that changes state appends OrderUpdate (the data of Binance's
// executionReport) and, at the end of the call, one BalanceUpdate per touched
// account/asset (outboundAccountPosition) to the caller's vector. Times are stamped by
// the caller (who owns the clock).

#include <cassert>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"
#include "sim/accounts.h"
#include "sim/order_book.h"

namespace phoenix::sim {

// A tradable pair and its filters (minimal: tick, step, min/max qty, min notional).
struct SymbolSpec {
  std::string name;
  std::string base_asset;
  std::string quote_asset;
  int price_scale = 2;
  int qty_scale = 4;
  int64_t tick_units = 1;                                       // price units
  int64_t step_units = 1;                                       // qty units
  int64_t min_qty_units = 1;                                    // qty units
  int64_t max_qty_units = std::numeric_limits<int64_t>::max();  // qty units
  int64_t min_notional_units = 0;  // quote asset units; LIMIT and LIMIT_MAKER only
};

// Commission rates in integer basis points, each in [0, 10000].
struct FeeSchedule {
  int64_t maker_bps = 0;
  int64_t taker_bps = 0;
};

enum class ExecType : uint8_t { kNew, kTrade, kCanceled, kRejected, kExpired, kAmendment, kTradePrevention };
enum class OrderStatus : uint8_t {
  kNew,
  kPartiallyFilled,
  kFilled,
  kCanceled,
  kRejected,
  kExpired,
  kExpiredInMatch,
};
enum class RejectReason : uint8_t {
  kNone,
  kUnknownSymbol,
  kBadPrice,     // not positive or not a multiple of the tick
  kBadQty,       // not positive or not a multiple of the step
  kQtyTooLow,    // below min qty
  kQtyTooHigh,   // above max qty
  kMinNotional,  // price * qty below min notional
  kInsufficientBalance,
  kWouldMatch,  // LIMIT_MAKER that would take
  kDuplicateClientOrderId,
  kOverflow,
  kUnknownOrder,
  kBadAmend,  // new qty not in (executed, current orig)
};

// Stable lower-case names ("insufficient_balance", "would_match", "TRADE", "FILLED").
std::string_view to_string(RejectReason reason);
std::string_view to_string(ExecType type);
std::string_view to_string(OrderStatus status);

struct NewOrder {
  std::string symbol;
  AccountId account = 0;
  std::string client_id;  // empty: the engine makes one
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;  // ignored for LIMIT_MAKER and MARKET
  int64_t price_units = 0;              // ignored for MARKET
  int64_t qty_units = 0;                // base quantity (MARKET too)
  StpMode stp = StpMode::kExpireTaker;
};

// One execution report's data. Quantities in qty units, prices in price units,
// cum_quote / commission in asset units.
struct OrderUpdate {
  OrderId order_id = 0;
  std::string client_id;
  std::string symbol;
  AccountId account = 0;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  int64_t price_units = 0;
  int64_t orig_qty_units = 0;
  ExecType exec_type = ExecType::kNew;
  OrderStatus status = OrderStatus::kNew;
  int64_t last_qty_units = 0;
  int64_t last_price_units = 0;
  int64_t cum_qty_units = 0;
  int64_t cum_quote_units = 0;
  int64_t commission_units = 0;
  std::string commission_asset;  // empty when not a trade
  int64_t trade_id = -1;
  bool is_maker = false;
  bool on_book = false;
  RejectReason reject_reason = RejectReason::kNone;
};

struct BalanceUpdate {
  AccountId account = 0;
  std::string asset;
  int64_t free_units = 0;
  int64_t locked_units = 0;
};

using Event = std::variant<OrderUpdate, BalanceUpdate>;

struct PlaceResult {
  OrderId order_id = 0;  // 0 when rejected
  OrderStatus status = OrderStatus::kRejected;
  RejectReason reject = RejectReason::kNone;
};

// Books and balances of the whole exchange. Owned by the exchange; single-threaded
// (the exchange's event loop); not thread-safe.
class MatchingEngine {
 public:
  explicit MatchingEngine(FeeSchedule fees = {}) : fees_(fees) {
    assert(fees.maker_bps >= 0 && fees.maker_bps <= 10000 && fees.taker_bps >= 0 && fees.taker_bps <= 10000);
  }

  core::Result<AssetId> add_asset(AssetSpec spec) { return accounts_.add_asset(std::move(spec)); }
  // Errors on a duplicate name, unknown assets, bad scales or non-positive tick/step.
  core::Status add_symbol(SymbolSpec spec);
  core::Status deposit(AccountId account, std::string_view asset, int64_t units);

  PlaceResult place(const NewOrder& order, std::vector<Event>* out);
  // Cancels one open order; kNotFound when it is not open (or not this account's).
  core::Status cancel(std::string_view symbol, AccountId account, OrderId id, std::vector<Event>* out);
  core::Status cancel_by_client_id(std::string_view symbol, AccountId account, std::string_view client_id,
                                   std::vector<Event>* out);
  // Cancels every open order of the account on the symbol; returns how many.
  size_t cancel_all(std::string_view symbol, AccountId account, std::vector<Event>* out);
  // Keep-priority amend: reduces the order's quantity to `new_qty_units`, which must
  // be below its current quantity and above what has executed; surplus lock released.
  // A non-empty `new_client_id` renames the order (an error if another open order of
  // the account on the symbol has it).
  core::Status amend_keep_priority(std::string_view symbol, AccountId account, OrderId id,
                                   int64_t new_qty_units, std::vector<Event>* out,
                                   std::string_view new_client_id = {});
  // The resting order with this id, or null.
  const Order* find_open(std::string_view symbol, OrderId id) const;
  // The id of the account's open order with this client id on the symbol, or 0.
  OrderId find_open_by_client_id(std::string_view symbol, AccountId account,
                                 std::string_view client_id) const;

  const Accounts& accounts() const { return accounts_; }
  int64_t fees_collected(AssetId asset) const;
  const OrderBook* book(std::string_view symbol) const;

 private:
  struct SymbolState {
    SymbolSpec spec;
    AssetId base = 0;
    AssetId quote = 0;
    int64_t base_per_qty = 1;  // base asset units per qty unit
    OrderBook book;
    int64_t next_trade_id = 1;
    std::map<std::pair<AccountId, std::string>, OrderId> client_ids;  // open orders
  };
  // Accumulates touched account/asset pairs for BalanceUpdate events.
  using Touched = std::vector<std::pair<AccountId, AssetId>>;

  SymbolState* find_symbol(std::string_view name);
  RejectReason check_filters(const SymbolState& s, const NewOrder& o) const;
  // Quote asset units of price x qty, rounded down (trade) or up (lock); nullopt on overflow.
  std::optional<int64_t> quote_amount(const SymbolState& s, int64_t price_units, int64_t qty_units,
                                      bool round_up) const;
  // What `taker` could fill now: (qty units, quote units paid), honouring its STP mode.
  std::pair<int64_t, std::optional<int64_t>> simulate(const SymbolState& s, const Order& taker) const;
  // Matches the taker against the book; true when STP expired the taker (then it is
  // already released and reported).
  bool match(SymbolState& s, Order& taker, Touched* touched, std::vector<Event>* out);
  void fill(SymbolState& s, Order& taker, Order& maker, Touched* touched, std::vector<Event>* out);
  // Removes a resting order, unlocks its remainder and reports it.
  void finish_resting(SymbolState& s, OrderId id, ExecType exec, OrderStatus status, Touched* touched,
                      std::vector<Event>* out);
  void release(const SymbolState& s, Order& order, Touched* touched);
  OrderUpdate report(const SymbolState& s, const Order& o, ExecType exec, OrderStatus status) const;
  void flush_balances(Touched* touched, std::vector<Event>* out) const;
  static OrderStatus fill_status(const Order& o);

  FeeSchedule fees_;
  Accounts accounts_;
  std::map<std::string, std::unique_ptr<SymbolState>, std::less<>> symbols_;
  std::vector<int64_t> fees_collected_;
  OrderId next_order_id_ = 1;
};

}  // namespace phoenix::sim
