#include "engine/quote_state.h"

namespace phoenix::engine {

std::string_view to_string(QuoteReason reason) {
  switch (reason) {
    case QuoteReason::kQuoting: return "quoting";
    case QuoteReason::kStarting: return "starting";
    case QuoteReason::kStopping: return "stopping";
    case QuoteReason::kKillSwitch: return "kill_switch";
    case QuoteReason::kDisconnected: return "disconnected";
    case QuoteReason::kStale: return "stale";
    case QuoteReason::kNoBook: return "no_book";
    case QuoteReason::kRateLimited: return "rate_limited";
    case QuoteReason::kRiskLimit: return "risk_limit";
    case QuoteReason::kFilters: return "filters";
    case QuoteReason::kInventory: return "inventory";
  }
  return "unknown";
}

QuoteStateGauges::QuoteStateGauges(telemetry::Registry& registry, const std::vector<std::string>& symbols) {
  gauges_.resize(symbols.size() * 2);
  current_.assign(symbols.size() * 2, QuoteReason::kStarting);
  for (size_t s = 0; s < symbols.size(); ++s) {
    for (core::Side side : {core::Side::kBuy, core::Side::kSell}) {
      auto& row = gauges_[index(s, side)];
      for (size_t r = 0; r < kQuoteReasonCount; ++r) {
        const auto reason = static_cast<QuoteReason>(r);
        row[r] = &registry.gauge("phoenix_quote_state",
                                 "1 for the reason each side of each symbol is (not) quoting, else 0",
                                 {{"symbol", symbols[s]},
                                  {"side", side == core::Side::kBuy ? "bid" : "ask"},
                                  {"reason", std::string(to_string(reason))}});
        row[r]->set(reason == QuoteReason::kStarting ? 1.0 : 0.0);
      }
    }
  }
}

void QuoteStateGauges::set(size_t symbol, core::Side side, QuoteReason reason) {
  const size_t i = index(symbol, side);
  if (current_[i] == reason) return;
  gauges_[i][static_cast<size_t>(current_[i])]->set(0.0);
  gauges_[i][static_cast<size_t>(reason)]->set(1.0);
  current_[i] = reason;
}

}  // namespace phoenix::engine
