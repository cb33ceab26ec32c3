#include "sim/order_book.h"

#include <utility>

namespace phoenix::sim {
namespace {

template <class Levels>
std::optional<Order> take(Levels& levels, int64_t price_units, std::list<Order>::iterator it) {
  auto level = levels.find(price_units);
  if (level == levels.end()) return std::nullopt;
  Order order = std::move(*it);
  level->second.erase(it);
  if (level->second.empty()) levels.erase(level);
  return order;
}

int64_t level_sum(const std::list<Order>& level) {
  int64_t sum = 0;
  for (const Order& o : level) sum += o.remaining_qty_units();
  return sum;
}

template <class Levels>
std::vector<std::pair<int64_t, int64_t>> aggregate(const Levels& levels, size_t max_levels) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& [price, level] : levels) {
    if (out.size() >= max_levels) break;
    out.emplace_back(price, level_sum(level));
  }
  return out;
}

template <class Levels>
void visit_levels(const Levels& levels, const std::function<bool(const Order&)>& visit) {
  for (const auto& [price, level] : levels) {
    for (const Order& order : level) {
      if (!visit(order)) return;
    }
  }
}

}  // namespace

bool OrderBook::add(Order order) {
  if (index_.contains(order.id)) return false;
  const OrderId id = order.id;
  const Side side = order.side;
  const int64_t price = order.price_units;
  Level::iterator it;
  if (side == Side::kBuy) {
    Level& level = bids_[price];
    it = level.insert(level.end(), std::move(order));
  } else {
    Level& level = asks_[price];
    it = level.insert(level.end(), std::move(order));
  }
  index_.emplace(id, Location{side, price, it});
  return true;
}

Order* OrderBook::find(OrderId id) {
  auto found = index_.find(id);
  return found == index_.end() ? nullptr : &*found->second.it;
}

const Order* OrderBook::find(OrderId id) const {
  auto found = index_.find(id);
  return found == index_.end() ? nullptr : &*found->second.it;
}

std::optional<Order> OrderBook::remove(OrderId id) {
  auto found = index_.find(id);
  if (found == index_.end()) return std::nullopt;
  const Location loc = found->second;
  index_.erase(found);
  return loc.side == Side::kBuy ? take(bids_, loc.price_units, loc.it) : take(asks_, loc.price_units, loc.it);
}

Order* OrderBook::best(Side side) {
  if (side == Side::kBuy) return bids_.empty() ? nullptr : &bids_.begin()->second.front();
  return asks_.empty() ? nullptr : &asks_.begin()->second.front();
}

const Order* OrderBook::best(Side side) const {
  if (side == Side::kBuy) return bids_.empty() ? nullptr : &bids_.begin()->second.front();
  return asks_.empty() ? nullptr : &asks_.begin()->second.front();
}

std::optional<int64_t> OrderBook::best_price(Side side) const {
  if (side == Side::kBuy) {
    if (bids_.empty()) return std::nullopt;
    return bids_.begin()->first;
  }
  if (asks_.empty()) return std::nullopt;
  return asks_.begin()->first;
}

bool OrderBook::crossed() const {
  auto bid = best_price(Side::kBuy);
  auto ask = best_price(Side::kSell);
  return bid && ask && *bid >= *ask;
}

void OrderBook::visit(Side side, const std::function<bool(const Order&)>& visit) const {
  if (side == Side::kBuy) {
    visit_levels(bids_, visit);
  } else {
    visit_levels(asks_, visit);
  }
}

std::vector<OrderId> OrderBook::orders_of(AccountId account) const {
  std::vector<OrderId> ids;
  for (const auto& [id, loc] : index_) {
    if (loc.it->account == account) ids.push_back(id);
  }
  return ids;
}

std::vector<std::pair<int64_t, int64_t>> OrderBook::levels(Side side, size_t max_levels) const {
  return side == Side::kBuy ? aggregate(bids_, max_levels) : aggregate(asks_, max_levels);
}

int64_t OrderBook::level_qty(Side side, int64_t price_units) const {
  if (side == Side::kBuy) {
    auto it = bids_.find(price_units);
    return it == bids_.end() ? 0 : level_sum(it->second);
  }
  auto it = asks_.find(price_units);
  return it == asks_.end() ? 0 : level_sum(it->second);
}

}  // namespace phoenix::sim
