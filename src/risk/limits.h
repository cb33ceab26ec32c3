#pragma once

// Pre-trade checks: whether one more order may be sent. Called per order (per ladder
// level) on the hot path: check() reads integers, allocates nothing and changes nothing.
//
// Checks, in this order (the first failing one is the reason):
//   order_qty        qty above the symbol's max order quantity
//   order_notional   price x qty above the symbol's max order notional
//   open_orders      the symbol already has max_open_orders orders (both sides, live and
//                    in flight, not counting one being replaced)
//   position         worst case: the position plus every resting order on this side plus
//                    this order, all filled, would pass max |position| on this side
//   exposure_symbol  the same worst-case position x mark above the symbol's exposure limit
//   exposure_total   that worst case plus the other symbols' |position| x mark above the
//                    total exposure limit (other symbols' resting orders are not counted)
//   order_rate       max_orders_per_10s order requests already sent in the last 10 s
//
// Worst case, per side: a buy's worst case is w = position + resting buys + qty; only w > 0
// is exposure on the buy side (w <= 0 means the buys can at most flatten a short). A sell's
// is w = position - resting sells - qty, exposure when w < 0. So an order that only reduces
// |position| always passes the position and exposure checks, even when the position
// is already beyond a limit; an order that could flip the position past the limit on the
// other side does not.
//
// The mark for exposure is the portfolio's (the mid; the last fill price before any mid;
// the order's price when neither exists). A zero limit means "none" except
// max_position_base_units, where nullopt is "none" and 0 is "reduce only".
//
// The engine, per desired ladder side: check_side() (or check() level by level), quote the
// accepted prefix, set phoenix_quote_state{reason="risk_limit"} when a level was refused,
// and count_block() once per refusal it acts on. After sending an order request (place or
// replace): on_order_sent(). The kill switch is separate (KillSwitch::tripped()).
//
// Owned by the engine, next to the Portfolio it reads (which must outlive it); event-loop
// thread only.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/decimal.h"
#include "core/market_data.h"
#include "core/orders.h"
#include "risk/event_window.h"
#include "risk/portfolio.h"
#include "telemetry/metrics.h"

namespace phoenix::risk {

enum class BlockReason : uint8_t {
  kOk,
  kOrderQty,
  kOrderNotional,
  kOpenOrders,
  kPosition,
  kExposureSymbol,
  kExposureTotal,
  kOrderRate,
};
inline constexpr size_t kBlockReasonCount = 8;

// "ok", "order_qty", "order_notional", "open_orders", "position", "exposure_symbol",
// "exposure_total", "order_rate" (the metric label values).
std::string_view to_string(BlockReason reason);

// One symbol's limits. Amounts in Portfolio units (10^-8 base / 10^-8 quote).
struct SymbolLimits {
  int64_t max_order_qty_base_units = 0;        // 0 = none
  int64_t max_order_notional_quote_units = 0;  // 0 = none
  int max_open_orders = 0;                     // 0 = none
  std::optional<int64_t> max_position_base_units =
      std::nullopt;                      // |position|; nullopt = none; 0 = reduce only
  int64_t max_exposure_quote_units = 0;  // |position| x mark; 0 = none
};

struct LimitsConfig {
  std::vector<SymbolLimits> symbols;           // by SymbolId; missing entries = no limits
  int64_t max_total_exposure_quote_units = 0;  // 0 = none
  int max_orders_per_10s = 0;                  // 0 = none; at most 10000
};

// A ladder side's verdict: the first `accepted` levels pass; `reason` is why level
// `accepted` was refused (kOk when all passed).
struct SideVerdict {
  size_t accepted = 0;
  BlockReason reason = BlockReason::kOk;
};

class Limits {
 public:
  static constexpr int64_t kRateWindowNs = 10'000'000'000;

  // Registers phoenix_risk_blocks_total{symbol,reason} for every symbol and reason.
  // Throws std::invalid_argument on a bad config (start-up only).
  Limits(LimitsConfig config, const Portfolio& portfolio, const core::Clock& clock,
         telemetry::Registry& registry);
  Limits(const Limits&) = delete;
  Limits& operator=(const Limits&) = delete;

  // Whether one more order may be sent. `open_orders` = the symbol's orders (both sides,
  // live or in flight, not counting one this order replaces); `resting_same_side_base_units`
  // = the unfilled quantity (10^-8 base) of the symbol's orders on `side`, live or in flight,
  // again not counting a replaced one.
  BlockReason check(core::SymbolId symbol, core::Side side, core::Price price, core::Qty qty, int open_orders,
                    int64_t resting_same_side_base_units) const;

  // Checks a desired ladder side innermost first, as if each accepted level rests: level i
  // is checked with open_orders + i and resting + the quantities of levels 0..i-1. The
  // order rate is checked for level 0 only (the engine paces sends itself).
  SideVerdict check_side(core::SymbolId symbol, core::Side side, std::span<const core::Level> levels,
                         int open_orders, int64_t resting_same_side_base_units) const;

  // Counts a refusal in phoenix_risk_blocks_total{symbol,reason} (kOk is ignored).
  void count_block(core::SymbolId symbol, BlockReason reason);

  // Records an order request sent now (for the order-rate limit).
  void on_order_sent();
  // Order requests sent in the last 10 s (up to max_orders_per_10s).
  size_t orders_in_window() const;
  // The earliest monotonic time at which the order rate allows one more request (now
  // when it already does).
  int64_t next_order_allowed_ns() const;

  const SymbolLimits& limits(core::SymbolId symbol) const { return config_.symbols[symbol]; }

 private:
  // Everything but the order rate.
  BlockReason check_order(core::SymbolId symbol, core::Side side, core::Price price, int64_t qty_units,
                          int open_orders, int64_t resting) const;
  bool rate_exceeded() const;
  BlockReason check_position(core::SymbolId symbol, core::Side side, core::Price price, int64_t qty,
                             int64_t resting) const;

  LimitsConfig config_;
  const Portfolio& portfolio_;
  const core::Clock& clock_;
  EventWindow orders_;
  std::vector<std::array<telemetry::Counter*, kBlockReasonCount>> blocks_;
};

}  // namespace phoenix::risk
