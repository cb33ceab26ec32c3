#include "oms/rate_budget.h"

#include <gtest/gtest.h>

namespace phoenix::oms {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(RateWindowTest, CountsWithinWindowAndReleases) {
  RateWindow w(1000 * kMs, 100 * kMs);
  w.record(0);
  w.record(50 * kMs);
  w.record(450 * kMs);
  EXPECT_EQ(w.count(500 * kMs), 3);
  EXPECT_EQ(w.next_release_ns(500 * kMs), 1000 * kMs);
  EXPECT_EQ(w.count(1000 * kMs), 1);
  EXPECT_EQ(w.count(1500 * kMs), 0);
  EXPECT_EQ(w.next_release_ns(1500 * kMs), 1500 * kMs);
  w.record(100'000 * kMs);
  EXPECT_EQ(w.count(100'000 * kMs), 1);
}

TEST(OrderRateBudgetTest, OwnCapPer10s) {
  OrderRateBudget b(3, 1000);
  const int64_t t0 = 5'000 * kMs;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(b.available(t0));
    b.record(t0);
  }
  EXPECT_FALSE(b.available(t0));
  EXPECT_FALSE(b.available(t0 + 9'900 * kMs));
  EXPECT_TRUE(b.available(t0 + 10'000 * kMs));
}

TEST(OrderRateBudgetTest, DailyCap) {
  OrderRateBudget b(100, 5);
  int64_t t = 0;
  for (int i = 0; i < 5; ++i, t += 11'000 * kMs) {
    ASSERT_TRUE(b.available(t));
    b.record(t);
  }
  EXPECT_FALSE(b.available(t + 3'600'000 * kMs));
  EXPECT_TRUE(b.available(t + OrderRateBudget::kDayNs));
}

TEST(OrderRateBudgetTest, ExchangeLimitLowersOursAndUsageCounts) {
  OrderRateBudget b(40, 200'000);
  b.on_exchange_usage(0, 10, 0, 0, 0);
  EXPECT_EQ(b.limit_10s(), 10);
  EXPECT_EQ(b.remaining(0), 10);
  b.on_exchange_usage(8, 10, 0, 0, 0);  // another session used 8
  EXPECT_EQ(b.remaining(0), 2);
  EXPECT_EQ(b.remaining(10'000 * kMs), 10);
  b.on_exchange_usage(0, 500, 0, 0, 0);
  EXPECT_EQ(b.limit_10s(), 40);
}

}  // namespace
}  // namespace phoenix::oms

namespace phoenix::oms {
namespace {

TEST(OrderRateBudgetTest, WeightPerMinute) {
  OrderRateBudget b(100, 1000, 10);
  b.record_weight(0, 8);
  EXPECT_TRUE(b.weight_available(0, 2));
  EXPECT_FALSE(b.weight_available(0, 3));
  EXPECT_TRUE(b.weight_available(OrderRateBudget::kMinuteNs, 10));
}

TEST(OrderRateBudgetTest, ExchangeWeightNearLimitBlocksUntilTheMinuteEnds) {
  OrderRateBudget b(100, 1000, 3000);
  const int64_t wall_ms = 1'764'000'015'000;  // 15 s into a minute
  b.on_exchange_weight(5000, 6000, 0, wall_ms);
  EXPECT_TRUE(b.weight_available(0, 1));
  b.on_exchange_weight(5500, 6000, 0, wall_ms);
  EXPECT_FALSE(b.weight_available(0, 1));
  EXPECT_FALSE(b.weight_available(44'999'000'000, 1));
  EXPECT_TRUE(b.weight_available(45'000'000'000, 1));
}

}  // namespace
}  // namespace phoenix::oms
