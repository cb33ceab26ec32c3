#include "engine/quote_state.h"

#include <variant>

#include <gtest/gtest.h>

#include "telemetry/metrics.h"

namespace phoenix::engine {
namespace {

double value(const telemetry::Registry& registry, const std::string& symbol, const std::string& side,
             const std::string& reason) {
  for (const auto& family : registry.collect()) {
    if (family.name != "phoenix_quote_state") continue;
    for (const auto& sample : family.series) {
      std::string s, d, r;
      for (const auto& l : sample.labels) {
        if (l.name == "symbol") s = l.value;
        if (l.name == "side") d = l.value;
        if (l.name == "reason") r = l.value;
      }
      if (s == symbol && d == side && r == reason) return std::get<double>(sample.value);
    }
  }
  return -1;
}

TEST(QuoteStateGaugesTest, EverySeriesExistsAndSidesStartAsStarting) {
  telemetry::Registry registry;
  QuoteStateGauges q(registry, {"ETHUSDC", "SOLUSDC"});
  for (const char* sym : {"ETHUSDC", "SOLUSDC"}) {
    for (const char* side : {"bid", "ask"}) {
      for (size_t r = 0; r < kQuoteReasonCount; ++r) {
        const auto reason = static_cast<QuoteReason>(r);
        EXPECT_EQ(value(registry, sym, side, std::string(to_string(reason))),
                  reason == QuoteReason::kStarting ? 1.0 : 0.0)
            << sym << " " << side << " " << to_string(reason);
      }
    }
  }
}

TEST(QuoteStateGaugesTest, ExactlyOneReasonPerSide) {
  telemetry::Registry registry;
  QuoteStateGauges q(registry, {"ETHUSDC", "SOLUSDC"});
  q.set(1, core::Side::kSell, QuoteReason::kStale);
  EXPECT_EQ(value(registry, "SOLUSDC", "ask", "stale"), 1.0);
  EXPECT_EQ(value(registry, "SOLUSDC", "ask", "starting"), 0.0);
  EXPECT_EQ(value(registry, "SOLUSDC", "bid", "starting"), 1.0);  // the other side is untouched
  EXPECT_EQ(value(registry, "ETHUSDC", "ask", "starting"), 1.0);  // and the other symbol
  q.set_both(1, QuoteReason::kQuoting);
  EXPECT_EQ(value(registry, "SOLUSDC", "ask", "stale"), 0.0);
  EXPECT_EQ(value(registry, "SOLUSDC", "ask", "quoting"), 1.0);
  EXPECT_EQ(value(registry, "SOLUSDC", "bid", "quoting"), 1.0);
  EXPECT_EQ(q.get(1, core::Side::kBuy), QuoteReason::kQuoting);
  q.set(1, core::Side::kBuy, QuoteReason::kQuoting);  // no change: still exactly one
  double sum = 0;
  for (size_t r = 0; r < kQuoteReasonCount; ++r) {
    sum += value(registry, "SOLUSDC", "bid", std::string(to_string(static_cast<QuoteReason>(r))));
  }
  EXPECT_EQ(sum, 1.0);
}

TEST(QuoteStateGaugesTest, ReasonNamesAreTheDocumentedLabels) {
  EXPECT_EQ(to_string(QuoteReason::kQuoting), "quoting");
  EXPECT_EQ(to_string(QuoteReason::kStale), "stale");
  EXPECT_EQ(to_string(QuoteReason::kDisconnected), "disconnected");
  EXPECT_EQ(to_string(QuoteReason::kRiskLimit), "risk_limit");
  EXPECT_EQ(to_string(QuoteReason::kRateLimited), "rate_limited");
  EXPECT_EQ(to_string(QuoteReason::kFilters), "filters");
  EXPECT_EQ(to_string(QuoteReason::kKillSwitch), "kill_switch");
}

}  // namespace
}  // namespace phoenix::engine
