#include "sim/rate_limiter.h"

#include <gtest/gtest.h>

namespace phoenix::sim {
namespace {

RateLimitSpec tiny() {
  RateLimitSpec s;
  s.request_weight_per_minute = 10;
  s.orders_per_10s = 3;
  s.orders_per_day = 5;
  s.ban_after_429s = 3;
  s.ban_ms = 120000;
  return s;
}

TEST(RateLimiterTest, WeightWindowIsClockAligned) {
  RateLimiter r(tiny());
  const int64_t t0 = 1'764'000'000'000;  // a whole minute
  EXPECT_FALSE(r.check_weight("ip", 10, t0 + 1000));
  r.charge_weight("ip", 10, t0 + 1000);
  EXPECT_EQ(r.used_weight("ip", t0 + 59'999), 10);
  auto e = r.check_weight("ip", 1, t0 + 59'999);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->http_status, 429);
  EXPECT_EQ(e->code, -1003);
  EXPECT_EQ(e->retry_after_ms, t0 + 60'000);
  EXPECT_EQ(r.used_weight("ip", t0 + 60'000), 0);
  EXPECT_FALSE(r.check_weight("ip", 1, t0 + 60'000));
  EXPECT_EQ(r.used_weight("other", t0), 0);
}

TEST(RateLimiterTest, Repeated429sBan) {
  RateLimiter r(tiny());
  const int64_t t0 = 1'764'000'000'000;
  r.charge_weight("ip", 10, t0);
  EXPECT_EQ(r.check_weight("ip", 1, t0)->http_status, 429);
  EXPECT_EQ(r.check_weight("ip", 1, t0 + 1)->http_status, 429);
  EXPECT_EQ(r.check_weight("ip", 1, t0 + 2)->http_status, 429);  // the third starts the ban
  auto e = r.check_weight("ip", 1, t0 + 61'000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->http_status, 418);
  EXPECT_EQ(e->retry_after_ms, t0 + 2 + 120'000);
  EXPECT_NE(e->msg.find("IP banned until"), std::string::npos);
  EXPECT_FALSE(r.check_weight("ip", 1, t0 + 2 + 120'000));
  EXPECT_EQ(r.bans_total(), 1u);
}

TEST(RateLimiterTest, UnfilledOrderCountAndFirstFill) {
  RateLimiter r(tiny());
  const int64_t t0 = 1'764'000'000'000;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(r.check_orders("ip", 7, t0));
    r.count_order(7, t0);
  }
  auto e = r.check_orders("ip", 7, t0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, -1015);
  EXPECT_EQ(e->msg, "Too many new orders; current limit is 3 orders per 10 SECOND.");
  r.order_filled(7, t0);
  EXPECT_EQ(r.orders_10s(7, t0), 2);
  EXPECT_FALSE(r.check_orders("ip", 7, t0));
  // A new 10 s window; the day keeps counting.
  r.count_order(7, t0 + 10'000);
  EXPECT_EQ(r.orders_10s(7, t0 + 10'000), 1);
  EXPECT_EQ(r.orders_day(7, t0 + 10'000), 3);  // the fill decremented the day count too
  r.count_order(7, t0 + 20'000);
  r.count_order(7, t0 + 20'000);
  auto day = r.check_orders("ip", 7, t0 + 30'000);
  ASSERT_TRUE(day);
  EXPECT_EQ(day->msg, "Too many new orders; current limit is 5 orders per 1 DAY.");
}

}  // namespace
}  // namespace phoenix::sim
