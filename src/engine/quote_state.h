#pragma once

// Why each side of each symbol is (not) quoting: the phoenix_quote_state gauge family.
//
//   phoenix_quote_state{symbol="ETHUSDC",side="bid",reason="stale"} 1
//
// Every (symbol, side, reason) series exists from start-up; exactly one reason per side
// is 1, the others 0, so `phoenix_quote_state{reason!="quoting"} == 1` lists every side
// that is not quoting and why. Reasons, in the order the engine decides them:
//   starting      not yet reconciled with the exchange (start-up)
//   stopping      shutting down: orders are being cancelled
//   kill_switch   the kill switch tripped: nothing quotes until a restart
//   disconnected  the order-entry/user-data connection or the symbol's market-data
//                 connection is down
//   stale         the symbol's market data is stale (no update for stale_after_ms)
//   no_book       a best bid or ask is missing or the book is crossed
//   rate_limited  the order-rate budget (ours or the exchange's) is exhausted or banned
//   risk_limit    a pre-trade risk limit blocked every level of the side
//   filters       every level failed an exchange filter (tick, lot, notional, percent price)
//   inventory     no balance for a level, or the inventory skew cut every level
//   quoting       at least one order is wanted on the side
//
// Owned by the engine; the event-loop thread sets it, the metrics thread reads the gauges.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/orders.h"
#include "telemetry/metrics.h"

namespace phoenix::engine {

enum class QuoteReason : uint8_t {
  kQuoting,
  kStarting,
  kStopping,
  kKillSwitch,
  kDisconnected,
  kStale,
  kNoBook,
  kRateLimited,
  kRiskLimit,
  kFilters,
  kInventory,
};
inline constexpr size_t kQuoteReasonCount = 11;

std::string_view to_string(QuoteReason reason);

class QuoteStateGauges {
 public:
  // One series per (symbol, side, reason); every side starts as kStarting.
  QuoteStateGauges(telemetry::Registry& registry, const std::vector<std::string>& symbols);

  void set(size_t symbol, core::Side side, QuoteReason reason);
  void set_both(size_t symbol, QuoteReason reason) {
    set(symbol, core::Side::kBuy, reason);
    set(symbol, core::Side::kSell, reason);
  }
  QuoteReason get(size_t symbol, core::Side side) const { return current_[index(symbol, side)]; }

 private:
  static size_t index(size_t symbol, core::Side side) {
    return symbol * 2 + (side == core::Side::kSell ? 1 : 0);
  }

  std::vector<std::array<telemetry::Gauge*, kQuoteReasonCount>> gauges_;  // per symbol*2+side
  std::vector<QuoteReason> current_;
};

}  // namespace phoenix::engine
