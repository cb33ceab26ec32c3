#include "telemetry/log_throttle.h"

#include <gtest/gtest.h>

namespace phoenix::telemetry {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kWindow = 1000 * kMs;
constexpr std::string_view kLine = "md_stale symbol=ETHUSDC stale_ms=2700";
constexpr size_t kEventLen = 8;  // "md_stale"

TEST(LogThrottleTest, FirstLinePrintsRepeatsWithinWindowAreSuppressed) {
  LogThrottle throttle(kWindow);
  EXPECT_TRUE(throttle.on_line(LogLevel::kWarn, kLine, kEventLen, 0).print);
  for (int i = 1; i < 10; ++i)
    EXPECT_FALSE(throttle.on_line(LogLevel::kWarn, kLine, kEventLen, i * kMs).print);
}

TEST(LogThrottleTest, FirstLineAfterWindowCarriesSuppressedCount) {
  LogThrottle throttle(kWindow);
  throttle.on_line(LogLevel::kWarn, kLine, kEventLen, 0);
  for (int i = 0; i < 9; ++i) throttle.on_line(LogLevel::kWarn, kLine, kEventLen, 500 * kMs);
  const auto verdict = throttle.on_line(LogLevel::kWarn, kLine, kEventLen, kWindow);
  EXPECT_TRUE(verdict.print);
  EXPECT_EQ(verdict.suppressed_before, 9u);
  // The window restarts at that line.
  EXPECT_FALSE(throttle.on_line(LogLevel::kWarn, kLine, kEventLen, kWindow + 1).print);
}

TEST(LogThrottleTest, LevelIsPartOfTheKey) {
  LogThrottle throttle(kWindow);
  EXPECT_TRUE(throttle.on_line(LogLevel::kWarn, kLine, kEventLen, 0).print);
  EXPECT_TRUE(throttle.on_line(LogLevel::kError, kLine, kEventLen, 0).print);
}

TEST(LogThrottleTest, FlushReportsOnlyEndedBurstsAndForgetsThem) {
  LogThrottle throttle(kWindow);
  throttle.on_line(LogLevel::kWarn, kLine, kEventLen, 0);
  throttle.on_line(LogLevel::kWarn, kLine, kEventLen, 1);
  throttle.on_line(LogLevel::kError, "quiet x=1", 5, 0);  // no burst: nothing to report
  EXPECT_TRUE(throttle.flush(kWindow - 1, /*all=*/false).empty());
  const auto ended = throttle.flush(kWindow, /*all=*/false);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].event, "md_stale");
  EXPECT_EQ(ended[0].level, LogLevel::kWarn);
  EXPECT_EQ(ended[0].suppressed, 1u);
  EXPECT_EQ(throttle.size(), 0u);
  // Reported once: the next identical line prints without a count.
  const auto verdict = throttle.on_line(LogLevel::kWarn, kLine, kEventLen, kWindow);
  EXPECT_TRUE(verdict.print);
  EXPECT_EQ(verdict.suppressed_before, 0u);
}

TEST(LogThrottleTest, FlushAllReportsBurstsStillInWindow) {
  LogThrottle throttle(kWindow);
  throttle.on_line(LogLevel::kWarn, kLine, kEventLen, 0);
  throttle.on_line(LogLevel::kWarn, kLine, kEventLen, 1);
  const auto pending = throttle.flush(2, /*all=*/true);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].suppressed, 1u);
}

TEST(LogThrottleTest, MapIsBoundedAndEvictionReportsPendingCount) {
  LogThrottle throttle(kWindow, /*max_keys=*/2);
  throttle.on_line(LogLevel::kWarn, "a x=1", 1, 0);
  throttle.on_line(LogLevel::kWarn, "a x=1", 1, 1);  // suppressed: pending 1
  throttle.on_line(LogLevel::kWarn, "b x=1", 1, 2);
  const auto verdict = throttle.on_line(LogLevel::kWarn, "c x=1", 1, 3);
  EXPECT_TRUE(verdict.print);
  ASSERT_TRUE(verdict.evicted.has_value());
  EXPECT_EQ(verdict.evicted->event, "a");
  EXPECT_EQ(verdict.evicted->suppressed, 1u);
  EXPECT_EQ(throttle.size(), 2u);
  for (int i = 0; i < 5000; ++i) throttle.on_line(LogLevel::kWarn, "k x=" + std::to_string(i), 1, 10 + i);
  EXPECT_EQ(throttle.size(), 2u);
}

TEST(LogThrottleTest, ZeroWindowDisablesThrottling) {
  LogThrottle throttle(0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(throttle.on_line(LogLevel::kWarn, kLine, kEventLen, 0).print);
  EXPECT_EQ(throttle.size(), 0u);
}

}  // namespace
}  // namespace phoenix::telemetry
