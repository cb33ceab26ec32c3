#include "risk/limits.h"

#include <array>
#include <vector>

#include <gtest/gtest.h>

#include "risk/test_util.h"

namespace phoenix::risk {
namespace {

using core::Side;
using testing::price;
using testing::qty;
using testing::sample;
using testing::units;

const std::vector<SymbolSpec> kSymbols = {{"ETHUSDC", 2, 4}, {"SOLUSDC", 2, 4}};

class LimitsTest : public ::testing::Test {
 protected:
  // A Limits with `l` on symbol 0, none on symbol 1.
  Limits& make(SymbolLimits l, int64_t max_total_exposure = 0, int max_orders_per_10s = 0) {
    LimitsConfig config;
    config.symbols = {l};
    config.max_total_exposure_quote_units = max_total_exposure;
    config.max_orders_per_10s = max_orders_per_10s;
    limits_.emplace(std::move(config), portfolio_, clock_, registry_);
    return *limits_;
  }
  void fill(core::SymbolId symbol, Side side, const char* p, const char* q) {
    Fill f;
    f.symbol = symbol;
    f.side = side;
    f.price = price(p);
    f.qty = qty(q);
    ASSERT_TRUE(portfolio_.on_fill(f));
  }
  BlockReason check(Side side, const char* p, const char* q, int open_orders = 0, const char* resting = "0") {
    return limits_->check(0, side, price(p), qty(q), open_orders, units(resting));
  }

  core::ManualClock clock_;
  telemetry::Registry registry_;
  Portfolio portfolio_{kSymbols, registry_};
  std::optional<Limits> limits_;
};

TEST_F(LimitsTest, NoLimitsAllowsEverything) {
  make({});
  EXPECT_EQ(check(Side::kBuy, "100000", "100000", 1000, "100000"), BlockReason::kOk);
  EXPECT_EQ(limits_->check(1, Side::kSell, price("1"), qty("1"), 0, 0), BlockReason::kOk);
  EXPECT_EQ(limits_->check(2, Side::kSell, price("1"), qty("1"), 0, 0), BlockReason::kOrderQty);  // unknown
}

TEST_F(LimitsTest, OrderQtyAtTheLimitPassesAndOneStepAboveFails) {
  make({.max_order_qty_base_units = units("1")});
  EXPECT_EQ(check(Side::kBuy, "100", "1"), BlockReason::kOk);
  EXPECT_EQ(check(Side::kBuy, "100", "1.0001"), BlockReason::kOrderQty);
  EXPECT_EQ(check(Side::kSell, "100", "1.0001"), BlockReason::kOrderQty);
}

TEST_F(LimitsTest, OrderNotionalAtTheLimitPassesAndOneStepAboveFails) {
  make({.max_order_notional_quote_units = units("100")});
  EXPECT_EQ(check(Side::kBuy, "100", "1"), BlockReason::kOk);
  EXPECT_EQ(check(Side::kBuy, "100.01", "1"), BlockReason::kOrderNotional);
  EXPECT_EQ(check(Side::kSell, "100", "1.0001"), BlockReason::kOrderNotional);
}

TEST_F(LimitsTest, OpenOrdersBelowTheLimitPassAndAtTheLimitFail) {
  make({.max_open_orders = 4});
  EXPECT_EQ(check(Side::kBuy, "100", "1", 3), BlockReason::kOk);  // becomes the 4th
  EXPECT_EQ(check(Side::kBuy, "100", "1", 4), BlockReason::kOpenOrders);
}

TEST_F(LimitsTest, PositionCountsRestingSameSideOrdersAsFilled) {
  make({.max_position_base_units = units("1")});
  fill(0, Side::kBuy, "100", "0.25");
  // 0.25 held + 0.25 resting + 0.5 = 1: at the limit.
  EXPECT_EQ(check(Side::kBuy, "100", "0.5", 1, "0.25"), BlockReason::kOk);
  EXPECT_EQ(check(Side::kBuy, "100", "0.5001", 1, "0.25"), BlockReason::kPosition);
  // Sells may go to -1: 0.25 - 0.25 resting - 1 = -1.
  EXPECT_EQ(check(Side::kSell, "100", "1", 1, "0.25"), BlockReason::kOk);
  EXPECT_EQ(check(Side::kSell, "100", "1.0001", 1, "0.25"), BlockReason::kPosition);
}

TEST_F(LimitsTest, ReducingOrdersPassWhenAlreadyBeyondThePositionLimit) {
  make({.max_position_base_units = units("1")});
  fill(0, Side::kBuy, "100", "2");
  EXPECT_EQ(check(Side::kBuy, "100", "0.0001"), BlockReason::kPosition);
  EXPECT_EQ(check(Side::kSell, "100", "3"), BlockReason::kOk);             // ends at -1
  EXPECT_EQ(check(Side::kSell, "100", "3.0001"), BlockReason::kPosition);  // flips past -1
}

TEST_F(LimitsTest, ZeroPositionLimitIsReduceOnly) {
  make({.max_position_base_units = int64_t{0}});
  EXPECT_EQ(check(Side::kBuy, "100", "0.0001"), BlockReason::kPosition);
  EXPECT_EQ(check(Side::kSell, "100", "0.0001"), BlockReason::kPosition);
  fill(0, Side::kSell, "100", "1");
  EXPECT_EQ(check(Side::kBuy, "100", "1"), BlockReason::kOk);
  EXPECT_EQ(check(Side::kBuy, "100", "1.0001"), BlockReason::kPosition);
}

TEST_F(LimitsTest, SymbolExposureUsesTheMarkAndRestingOrders) {
  make({.max_exposure_quote_units = units("100")});
  // No mark and no fills: the order's own price.
  EXPECT_EQ(check(Side::kBuy, "100", "1"), BlockReason::kOk);
  EXPECT_EQ(check(Side::kBuy, "100", "1.0001"), BlockReason::kExposureSymbol);
  portfolio_.mark(0, price("50"));
  EXPECT_EQ(check(Side::kBuy, "100", "1", 0, "1"), BlockReason::kOk);  // 2 x 50
  EXPECT_EQ(check(Side::kBuy, "100", "1.0001", 0, "1"), BlockReason::kExposureSymbol);
  // The mark moved past the limit with a long position: selling still passes.
  fill(0, Side::kBuy, "50", "2");
  portfolio_.mark(0, price("60"));
  EXPECT_EQ(check(Side::kBuy, "60", "0.0001"), BlockReason::kExposureSymbol);
  EXPECT_EQ(check(Side::kSell, "60", "2"), BlockReason::kOk);
}

TEST_F(LimitsTest, TotalExposureAddsOtherSymbolsPositions) {
  make({}, units("150"));
  fill(1, Side::kSell, "100", "1");  // SOL: -1 at 100 = 100 exposure
  portfolio_.mark(0, price("100"));
  EXPECT_EQ(check(Side::kBuy, "100", "0.5"), BlockReason::kOk);  // 100 + 50
  EXPECT_EQ(check(Side::kBuy, "100", "0.5001"), BlockReason::kExposureTotal);
  // Reducing SOL's short always passes.
  EXPECT_EQ(limits_->check(1, Side::kBuy, price("100"), qty("1"), 0, 0), BlockReason::kOk);
  EXPECT_EQ(limits_->check(1, Side::kSell, price("100"), qty("0.5"), 0, 0), BlockReason::kOk);
  EXPECT_EQ(limits_->check(1, Side::kSell, price("100"), qty("0.5001"), 0, 0), BlockReason::kExposureTotal);
}

TEST_F(LimitsTest, OrderRateWindowSlides) {
  make({}, 0, 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(check(Side::kBuy, "100", "1"), BlockReason::kOk) << i;
    limits_->on_order_sent();
    clock_.advance_ms(1000);
  }
  // Sent at 0 s, 1 s, 2 s; now 3 s.
  EXPECT_EQ(limits_->orders_in_window(), 3u);
  EXPECT_EQ(check(Side::kBuy, "100", "1"), BlockReason::kOrderRate);
  const int64_t first_ns = clock_.monotonic_ns() - 3'000'000'000;
  EXPECT_EQ(limits_->next_order_allowed_ns(), first_ns + Limits::kRateWindowNs);
  clock_.advance_ns(7'000'000'000 - 1);  // 1 ns before the first leaves the window
  EXPECT_EQ(check(Side::kBuy, "100", "1"), BlockReason::kOrderRate);
  clock_.advance_ns(1);
  EXPECT_EQ(check(Side::kBuy, "100", "1"), BlockReason::kOk);
  EXPECT_EQ(limits_->orders_in_window(), 2u);
  EXPECT_EQ(limits_->next_order_allowed_ns(), clock_.monotonic_ns());
}

TEST_F(LimitsTest, CheckSideAcceptsTheLevelsThatFitInnermostFirst) {
  make({.max_open_orders = 10, .max_position_base_units = units("1")});
  const std::array<core::Level, 4> ladder = {
      core::Level{price("99"), qty("0.3")}, core::Level{price("98"), qty("0.3")},
      core::Level{price("97"), qty("0.3")}, core::Level{price("96"), qty("0.3")}};
  // 0.1 already resting: 0.1 + 0.3 x 3 = 1.0 fits, the 4th does not.
  SideVerdict v = limits_->check_side(0, Side::kBuy, ladder, 1, units("0.1"));
  EXPECT_EQ(v.accepted, 3u);
  EXPECT_EQ(v.reason, BlockReason::kPosition);
  v = limits_->check_side(0, Side::kBuy, ladder, 8, 0);
  EXPECT_EQ(v.accepted, 2u);
  EXPECT_EQ(v.reason, BlockReason::kOpenOrders);
  v = limits_->check_side(0, Side::kSell, std::span(ladder).first(3), 0, 0);
  EXPECT_EQ(v.accepted, 3u);
  EXPECT_EQ(v.reason, BlockReason::kOk);
  v = limits_->check_side(0, Side::kSell, {}, 0, 0);
  EXPECT_EQ(v.accepted, 0u);
  EXPECT_EQ(v.reason, BlockReason::kOk);
}

TEST_F(LimitsTest, BlocksAreCountedPerSymbolAndReason) {
  make({.max_order_notional_quote_units = units("10")});
  EXPECT_EQ(*sample(registry_, R"(phoenix_risk_blocks_total{reason="order_notional",symbol="ETHUSDC"})"),
            "0");
  EXPECT_EQ(*sample(registry_, R"(phoenix_risk_blocks_total{reason="order_rate",symbol="SOLUSDC"})"), "0");
  const BlockReason reason = check(Side::kBuy, "100", "1");
  limits_->count_block(0, reason);
  limits_->count_block(0, reason);
  limits_->count_block(0, BlockReason::kOk);  // ignored
  EXPECT_EQ(*sample(registry_, R"(phoenix_risk_blocks_total{reason="order_notional",symbol="ETHUSDC"})"),
            "2");
  EXPECT_FALSE(sample(registry_, R"(phoenix_risk_blocks_total{reason="ok",symbol="ETHUSDC"})").has_value());
}

TEST_F(LimitsTest, ReasonNames) {
  EXPECT_EQ(to_string(BlockReason::kOk), "ok");
  EXPECT_EQ(to_string(BlockReason::kOrderQty), "order_qty");
  EXPECT_EQ(to_string(BlockReason::kOrderNotional), "order_notional");
  EXPECT_EQ(to_string(BlockReason::kOpenOrders), "open_orders");
  EXPECT_EQ(to_string(BlockReason::kPosition), "position");
  EXPECT_EQ(to_string(BlockReason::kExposureSymbol), "exposure_symbol");
  EXPECT_EQ(to_string(BlockReason::kExposureTotal), "exposure_total");
  EXPECT_EQ(to_string(BlockReason::kOrderRate), "order_rate");
}

TEST_F(LimitsTest, BadConfigThrows) {
  EXPECT_THROW(make({.max_open_orders = -1}), std::invalid_argument);
  EXPECT_THROW(make({}, -1), std::invalid_argument);
  EXPECT_THROW(make({}, 0, 10001), std::invalid_argument);
}

}  // namespace
}  // namespace phoenix::risk
