#include "risk/limits.h"

#include <stdexcept>
#include <utility>

namespace phoenix::risk {

std::string_view to_string(BlockReason reason) {
  switch (reason) {
    case BlockReason::kOk: return "ok";
    case BlockReason::kOrderQty: return "order_qty";
    case BlockReason::kOrderNotional: return "order_notional";
    case BlockReason::kOpenOrders: return "open_orders";
    case BlockReason::kPosition: return "position";
    case BlockReason::kExposureSymbol: return "exposure_symbol";
    case BlockReason::kExposureTotal: return "exposure_total";
    case BlockReason::kOrderRate: return "order_rate";
  }
  return "unknown";
}

namespace {

constexpr int kMaxOrdersPerWindow = 10000;

size_t rate_capacity(int max_orders) {
  if (max_orders < 0 || max_orders > kMaxOrdersPerWindow) {
    throw std::invalid_argument("Limits: max_orders_per_10s must be in 0..10000");
  }
  return max_orders == 0 ? 1 : static_cast<size_t>(max_orders);
}

}  // namespace

Limits::Limits(LimitsConfig config, const Portfolio& portfolio, const core::Clock& clock,
               telemetry::Registry& registry)
    : config_(std::move(config)),
      portfolio_(portfolio),
      clock_(clock),
      orders_(kRateWindowNs, rate_capacity(config_.max_orders_per_10s)) {
  if (config_.symbols.size() > portfolio.symbol_count()) {
    throw std::invalid_argument("Limits: more symbol limits than portfolio symbols");
  }
  config_.symbols.resize(portfolio.symbol_count());
  for (const SymbolLimits& l : config_.symbols) {
    if (l.max_order_qty_base_units < 0 || l.max_order_notional_quote_units < 0 || l.max_open_orders < 0 ||
        (l.max_position_base_units && *l.max_position_base_units < 0) || l.max_exposure_quote_units < 0) {
      throw std::invalid_argument("Limits: limits must be >= 0");
    }
  }
  if (config_.max_total_exposure_quote_units < 0) throw std::invalid_argument("Limits: limits must be >= 0");
  blocks_.resize(portfolio.symbol_count());
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const std::string_view name = portfolio.spec(static_cast<core::SymbolId>(i)).name;
    for (size_t r = 1; r < kBlockReasonCount; ++r) {
      blocks_[i][r] =
          &registry.counter("phoenix_risk_blocks_total", "Orders refused by a pre-trade risk limit",
                            {{"symbol", name}, {"reason", to_string(static_cast<BlockReason>(r))}});
    }
  }
}

BlockReason Limits::check_position(core::SymbolId symbol, core::Side side, core::Price price, int64_t qty,
                                   int64_t resting) const {
  const SymbolLimits& l = config_.symbols[symbol];
  const int64_t position = portfolio_.position_base_units(symbol);
  // Worst case after every resting order on this side and this one fill; only the part
  // beyond flat on this side is exposure (see the header).
  const int64_t added = resting + qty;
  const int64_t worst = side == core::Side::kBuy ? position + added : position - added;
  const int64_t directional = side == core::Side::kBuy ? worst : -worst;
  const int64_t beyond = directional > 0 ? directional : 0;
  if (l.max_position_base_units && beyond > *l.max_position_base_units) return BlockReason::kPosition;
  if (l.max_exposure_quote_units == 0 && config_.max_total_exposure_quote_units == 0) return BlockReason::kOk;
  const core::Price mark = portfolio_.mark_price(symbol).units() > 0 ? portfolio_.mark_price(symbol) : price;
  const int64_t exposure = notional_quote_units(mark, beyond, portfolio_.spec(symbol).price_scale);
  if (l.max_exposure_quote_units > 0 && exposure > l.max_exposure_quote_units) {
    return BlockReason::kExposureSymbol;
  }
  if (config_.max_total_exposure_quote_units > 0 && beyond > 0) {
    const int64_t others = portfolio_.total_exposure_quote_units() - portfolio_.exposure_quote_units(symbol);
    if (others + exposure > config_.max_total_exposure_quote_units) return BlockReason::kExposureTotal;
  }
  return BlockReason::kOk;
}

BlockReason Limits::check_order(core::SymbolId symbol, core::Side side, core::Price price, int64_t qty_units,
                                int open_orders, int64_t resting) const {
  const SymbolLimits& l = config_.symbols[symbol];
  if (l.max_order_qty_base_units > 0 && qty_units > l.max_order_qty_base_units) return BlockReason::kOrderQty;
  if (l.max_order_notional_quote_units > 0 &&
      notional_quote_units(price, qty_units, portfolio_.spec(symbol).price_scale) >
          l.max_order_notional_quote_units) {
    return BlockReason::kOrderNotional;
  }
  if (l.max_open_orders > 0 && open_orders >= l.max_open_orders) return BlockReason::kOpenOrders;
  return check_position(symbol, side, price, qty_units, resting);
}

bool Limits::rate_exceeded() const {
  return config_.max_orders_per_10s > 0 &&
         orders_.count(clock_.monotonic_ns()) >= static_cast<size_t>(config_.max_orders_per_10s);
}

BlockReason Limits::check(core::SymbolId symbol, core::Side side, core::Price price, core::Qty qty,
                          int open_orders, int64_t resting_same_side_base_units) const {
  if (symbol >= config_.symbols.size()) return BlockReason::kOrderQty;  // not a symbol of ours
  const int64_t qty_units = qty_to_base_units(qty, portfolio_.spec(symbol).qty_scale);
  const BlockReason reason =
      check_order(symbol, side, price, qty_units, open_orders, resting_same_side_base_units);
  if (reason != BlockReason::kOk) return reason;
  return rate_exceeded() ? BlockReason::kOrderRate : BlockReason::kOk;
}

SideVerdict Limits::check_side(core::SymbolId symbol, core::Side side, std::span<const core::Level> levels,
                               int open_orders, int64_t resting_same_side_base_units) const {
  SideVerdict verdict;
  if (levels.empty()) return verdict;
  if (symbol >= config_.symbols.size()) {
    verdict.reason = BlockReason::kOrderQty;
    return verdict;
  }
  const int qty_scale = portfolio_.spec(symbol).qty_scale;
  int64_t resting = resting_same_side_base_units;
  for (const core::Level& level : levels) {
    const int64_t qty_units = qty_to_base_units(level.qty, qty_scale);
    BlockReason reason = check_order(symbol, side, level.price, qty_units,
                                     open_orders + static_cast<int>(verdict.accepted), resting);
    if (reason == BlockReason::kOk && verdict.accepted == 0 && rate_exceeded())
      reason = BlockReason::kOrderRate;
    if (reason != BlockReason::kOk) {
      verdict.reason = reason;
      return verdict;
    }
    resting += qty_units;
    ++verdict.accepted;
  }
  return verdict;
}

void Limits::count_block(core::SymbolId symbol, BlockReason reason) {
  if (symbol >= blocks_.size() || reason == BlockReason::kOk) return;
  blocks_[symbol][static_cast<size_t>(reason)]->inc();
}

void Limits::on_order_sent() { orders_.record(clock_.monotonic_ns()); }

size_t Limits::orders_in_window() const { return orders_.count(clock_.monotonic_ns()); }

int64_t Limits::next_order_allowed_ns() const {
  const int64_t now = clock_.monotonic_ns();
  if (config_.max_orders_per_10s == 0 ||
      orders_.count(now) < static_cast<size_t>(config_.max_orders_per_10s)) {
    return now;
  }
  return orders_.oldest_inside(now) + kRateWindowNs;
}

}  // namespace phoenix::risk
