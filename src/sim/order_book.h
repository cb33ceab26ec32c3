#pragma once

// The exchange's resting-order book for one symbol: price-time priority, integer prices.

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace phoenix::sim {

using OrderId = int64_t;
using AccountId = int64_t;

enum class Side : uint8_t { kBuy, kSell };
enum class OrderType : uint8_t { kLimit, kLimitMaker, kMarket };
enum class TimeInForce : uint8_t { kGtc, kIoc, kFok };
// Self-trade prevention; the taker's mode decides what happens.
enum class StpMode : uint8_t { kExpireTaker, kExpireMaker, kExpireBoth, kNone };

inline Side opposite(Side side) { return side == Side::kBuy ? Side::kSell : Side::kBuy; }

// One order as the exchange knows it. Quantities in units of 10^-qty_scale, prices in
// units of 10^-price_scale, `locked_units` in the locked asset's units (quote for a buy,
// base for a sell): what this order still holds locked in its account.
struct Order {
  OrderId id = 0;
  std::string client_id;
  AccountId account = 0;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  StpMode stp = StpMode::kExpireTaker;
  int64_t price_units = 0;  // 0 for MARKET
  int64_t orig_qty_units = 0;
  int64_t executed_qty_units = 0;
  int64_t cum_quote_units = 0;  // quote asset units
  int64_t locked_units = 0;

  int64_t remaining_qty_units() const { return orig_qty_units - executed_qty_units; }
};

// Resting orders of one symbol: levels by price, FIFO within a level, an index by order
// id. Owned by the MatchingEngine; single-threaded (the exchange's event loop).
class OrderBook {
 public:
  // Adds a resting order at the back of its level. False if the id is already present.
  bool add(Order order);
  // The resting order with this id, or null.
  Order* find(OrderId id);
  const Order* find(OrderId id) const;
  // Removes and returns the order; nullopt if absent.
  std::optional<Order> remove(OrderId id);
  // The first order of the best level on `side`, or null when that side is empty.
  Order* best(Side side);
  const Order* best(Side side) const;
  std::optional<int64_t> best_price(Side side) const;
  // True when the best bid >= the best ask (must never happen between calls).
  bool crossed() const;
  size_t size() const { return index_.size(); }

  // Visits orders of `side` from the best price, in time order; stops when `visit`
  // returns false.
  void visit(Side side, const std::function<bool(const Order&)>& visit) const;
  // Ids of the resting orders of `account`, in no particular order.
  std::vector<OrderId> orders_of(AccountId account) const;
  // Aggregated levels of `side`, best first: (price units, summed remaining qty units),
  // at most `max_levels` of them.
  std::vector<std::pair<int64_t, int64_t>> levels(Side side, size_t max_levels) const;
  // Summed remaining quantity at one price (0 when the level is empty).
  int64_t level_qty(Side side, int64_t price_units) const;

 private:
  using Level = std::list<Order>;
  struct Location {
    Side side;
    int64_t price_units;
    Level::iterator it;
  };

  std::map<int64_t, Level, std::greater<>> bids_;
  std::map<int64_t, Level> asks_;
  std::unordered_map<OrderId, Location> index_;
};

}  // namespace phoenix::sim
