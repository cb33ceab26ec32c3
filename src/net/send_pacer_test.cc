#include "net/send_pacer.h"

#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"

namespace phoenix::net {
namespace {

constexpr int64_t kMs = 1'000'000;

// Most frames in any window of `window_ns` (windows (s - W, s]).
size_t max_in_any_window(const std::vector<int64_t>& times, int64_t window_ns) {
  size_t best = 0;
  for (size_t i = 0; i < times.size(); ++i) {
    size_t n = 0;
    for (size_t j = i; j < times.size() && times[j] < times[i] + window_ns; ++j) ++n;
    best = std::max(best, n);
  }
  return best;
}

// Sends `count` frames queued at once, as a WsClient would: each waits for delay_ns().
std::vector<int64_t> drain(SendPacer& pacer, core::ManualClock& clock, int count,
                           const std::vector<int64_t>& pong_at_ns = {}) {
  std::vector<int64_t> all;  // ours and pongs
  size_t next_pong = 0;
  for (int sent = 0; sent < count;) {
    const int64_t now = clock.monotonic_ns();
    while (next_pong < pong_at_ns.size() && pong_at_ns[next_pong] <= now) {
      pacer.on_pong(pong_at_ns[next_pong]);
      all.push_back(pong_at_ns[next_pong++]);
    }
    const int64_t wait = pacer.delay_ns(now);
    if (wait > 0) {
      // Wake for the pacer or the next pong, whichever comes first.
      int64_t step = wait;
      if (next_pong < pong_at_ns.size())
        step = std::min(step, std::max<int64_t>(pong_at_ns[next_pong] - now, 1));
      clock.advance_ns(step);
      continue;
    }
    pacer.on_sent(now);
    all.push_back(now);
    ++sent;
  }
  return all;
}

TEST(SendPacerTest, FiftyQueuedSubscribesGoOutAtMostFivePerSecond) {
  core::ManualClock clock;
  SendPacer pacer(SendPacerOptions{});  // 5 per 1000 ms, 1 kept for pongs
  const int64_t start = clock.monotonic_ns();
  const std::vector<int64_t> sent = drain(pacer, clock, 50);
  ASSERT_EQ(sent.size(), 50u);
  EXPECT_LE(max_in_any_window(sent, 1000 * kMs), 4u);  // our own frames use 4 of 5 slots
  // And not slower than that: 50 frames at 4 per (1 s + 25 ms margin) take 12 windows.
  EXPECT_EQ(sent.back() - start, 12 * 1025 * kMs);
}

TEST(SendPacerTest, PongsCountAndNeverPushTheWindowOverFive) {
  core::ManualClock clock;
  SendPacer pacer(SendPacerOptions{});
  const int64_t t0 = clock.monotonic_ns();
  // A ping every 1.1 s, at awkward offsets, while 30 frames drain.
  std::vector<int64_t> pongs;
  for (int i = 0; i < 10; ++i) pongs.push_back(t0 + 300 * kMs + i * 1100 * kMs);
  const std::vector<int64_t> all = drain(pacer, clock, 30, pongs);
  EXPECT_LE(max_in_any_window(all, 1000 * kMs), 5u);
}

TEST(SendPacerTest, FirstFramesGoAtOnce) {
  core::ManualClock clock;
  SendPacer pacer(SendPacerOptions{});
  const int64_t now = clock.monotonic_ns();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(pacer.delay_ns(now), 0);
    pacer.on_sent(now);
  }
  EXPECT_EQ(pacer.delay_ns(now), 1025 * kMs);  // window + margin
  EXPECT_EQ(pacer.frames_in_window(now), 4u);
  clock.advance_ms(1025);
  EXPECT_EQ(pacer.delay_ns(clock.monotonic_ns()), 0);
  EXPECT_EQ(pacer.frames_in_window(clock.monotonic_ns()), 0u);
}

TEST(SendPacerTest, ZeroMeansUnlimited) {
  core::ManualClock clock;
  SendPacer pacer(SendPacerOptions{0, 1000, 1, 25});
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(pacer.delay_ns(clock.monotonic_ns()), 0);
    pacer.on_sent(clock.monotonic_ns());
  }
}

TEST(SlidingWindowLogTest, EarliestAllowedLooksIntoTheFuture) {
  SlidingWindowLog log(100);
  log.record(10);
  log.record(20);
  log.record(30);
  EXPECT_EQ(log.earliest_allowed(30, 4), 30);
  EXPECT_EQ(log.earliest_allowed(30, 3), 110);  // the event at 10 must leave (10, 110]
  EXPECT_EQ(log.earliest_allowed(200, 3), 200);
  EXPECT_EQ(log.earliest_allowed(115, 2), 120);
  EXPECT_EQ(log.count(110), 2u);
  EXPECT_EQ(log.count(130), 0u);
}

// A pong may take the slot kept for it while our own frames are held back, but it too waits
// once the whole window is full (a server pinging faster than the limit).
TEST(SendPacerTest, PongsUseTheReservedSlotButNeverExceedTheWindow) {
  SendPacer pacer(SendPacerOptions{5, 1000, 1, 0});
  const int64_t t0 = 10'000 * kMs;
  for (int i = 0; i < 4; ++i) pacer.on_sent(t0);
  EXPECT_GT(pacer.delay_ns(t0), 0);       // our 4 slots are used
  EXPECT_EQ(pacer.pong_delay_ns(t0), 0);  // the fifth is the pong's
  pacer.on_pong(t0);
  EXPECT_EQ(pacer.frames_in_window(t0), 5u);
  const int64_t wait = pacer.pong_delay_ns(t0 + 10 * kMs);
  EXPECT_EQ(wait, 1000 * kMs - 10 * kMs);  // a second pong waits for the oldest to leave
  EXPECT_EQ(pacer.pong_delay_ns(t0 + 1000 * kMs), 0);
}

}  // namespace
}  // namespace phoenix::net
