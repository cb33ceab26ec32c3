#include "core/clock.h"

#include <gtest/gtest.h>

namespace phoenix::core {
namespace {

TEST(ManualClockTest, MovesOnlyWhenAdvanced) {
  ManualClock clock(5'000, 1'000'000);
  EXPECT_EQ(clock.monotonic_ns(), 5'000);
  EXPECT_EQ(clock.wall_us(), 1'000'000);
  EXPECT_EQ(clock.wall_ms(), 1'000);
  clock.advance_ms(3);
  EXPECT_EQ(clock.monotonic_ns(), 3'005'000);
  EXPECT_EQ(clock.wall_us(), 1'003'000);
  clock.set_wall_us(7'000'000);  // a wall-clock step leaves the monotonic clock alone
  EXPECT_EQ(clock.wall_ms(), 7'000);
  EXPECT_EQ(clock.monotonic_ns(), 3'005'000);
}

TEST(RealClockTest, MonotonicNeverGoesBackAndWallIsRecent) {
  const Clock& clock = RealClock::instance();
  int64_t last = clock.monotonic_ns();
  for (int i = 0; i < 1000; ++i) {
    const int64_t now = clock.monotonic_ns();
    ASSERT_GE(now, last);
    last = now;
  }
  // After 2025-01-01 and before 2100-01-01, in microseconds.
  EXPECT_GT(clock.wall_us(), 1'735'689'600'000'000);
  EXPECT_LT(clock.wall_us(), 4'102'444'800'000'000);
  EXPECT_EQ(clock.wall_ms() / 1000, clock.wall_us() / 1'000'000);
}

}  // namespace
}  // namespace phoenix::core
