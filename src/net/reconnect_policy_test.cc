#include "net/reconnect_policy.h"

#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"

namespace phoenix::net {
namespace {

class ReconnectPolicyTest : public ::testing::Test {
 protected:
  // One failed attempt: connect, go down at once, wait the returned delay.
  int64_t fail_once(ReconnectPolicy& policy, DownReason reason = DownReason::kClosedByPeer,
                    int64_t retry_after_ms = 0) {
    policy.on_attempt();
    clock_.advance_ms(100);  // accepted, then dropped within a second
    const int64_t delay = policy.on_down(reason, retry_after_ms);
    clock_.advance_ms(delay);
    return delay;
  }

  core::ManualClock clock_;
};

TEST_F(ReconnectPolicyTest, FirstDelayIsBetween250And500Ms) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    ReconnectPolicy policy(ReconnectPolicyOptions{}, clock_, seed);
    policy.on_attempt();
    const int64_t delay = policy.on_down(DownReason::kReset);
    EXPECT_GE(delay, 250) << seed;
    EXPECT_LE(delay, 500) << seed;
  }
}

TEST_F(ReconnectPolicyTest, JitterDependsOnTheSeedAndIsReproducible) {
  ReconnectPolicy a(ReconnectPolicyOptions{}, clock_, 7);
  ReconnectPolicy b(ReconnectPolicyOptions{}, clock_, 7);
  ReconnectPolicy c(ReconnectPolicyOptions{}, clock_, 8);
  std::vector<int64_t> da, db, dc;
  for (int i = 0; i < 6; ++i) {
    da.push_back(a.on_down(DownReason::kReset));
    db.push_back(b.on_down(DownReason::kReset));
    dc.push_back(c.on_down(DownReason::kReset));
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST_F(ReconnectPolicyTest, AcceptThenDropGrowsBackoffUpToTheCap) {
  ReconnectPolicy policy(ReconnectPolicyOptions{}, clock_, 42);
  // Ceiling 500 * 2^n ms capped at 30 s; each delay is in [ceiling/2, ceiling].
  const int64_t ceilings[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
  int64_t previous = 0;
  int64_t previous_ceiling = 0;
  for (int64_t ceiling : ceilings) {
    const int64_t delay = fail_once(policy);
    EXPECT_GE(delay, ceiling / 2);
    EXPECT_LE(delay, ceiling);
    // While the ceiling doubles, a delay is never shorter than the one before it.
    if (ceiling == 2 * previous_ceiling) {
      EXPECT_GE(delay, previous);
    }
    previous = delay;
    previous_ceiling = ceiling;
  }
  EXPECT_EQ(policy.current_backoff_ms(), previous);
}

TEST_F(ReconnectPolicyTest, HealthyButShortLivedConnectionsDoNotReset) {
  ReconnectPolicy policy(ReconnectPolicyOptions{}, clock_, 3);
  for (int i = 0; i < 5; ++i) fail_once(policy);
  EXPECT_EQ(policy.failures(), 5);
  // Data flowed, but for 29 s only: still counts as a failure.
  policy.on_attempt();
  policy.on_healthy();
  clock_.advance_ms(29'000);
  const int64_t delay = policy.on_down(DownReason::kClosedByPeer);
  EXPECT_GE(delay, 8000);
  EXPECT_EQ(policy.failures(), 6);
}

TEST_F(ReconnectPolicyTest, ResetsOnlyAfterStableAfterMs) {
  ReconnectPolicy policy(ReconnectPolicyOptions{}, clock_, 3);
  for (int i = 0; i < 5; ++i) fail_once(policy);
  policy.on_attempt();
  clock_.advance_ms(50);
  policy.on_healthy();
  clock_.advance_ms(1'000);
  policy.on_healthy();  // later messages do not move the start of the stable period
  clock_.advance_ms(29'000);
  const int64_t delay = policy.on_down(DownReason::kIdleTimeout);
  EXPECT_GE(delay, 250);
  EXPECT_LE(delay, 500);
  EXPECT_EQ(policy.failures(), 1);
}

TEST_F(ReconnectPolicyTest, ConnectionWithoutDataNeverCountsAsStable) {
  ReconnectPolicy policy(ReconnectPolicyOptions{}, clock_, 3);
  for (int i = 0; i < 3; ++i) fail_once(policy);
  policy.on_attempt();
  clock_.advance_ms(60'000);  // open for a minute, but silent
  EXPECT_GE(policy.on_down(DownReason::kIdleTimeout), 2000);
}

TEST_F(ReconnectPolicyTest, RetryAfterIsAFloor) {
  ReconnectPolicy policy(ReconnectPolicyOptions{}, clock_, 5);
  EXPECT_EQ(fail_once(policy, DownReason::kHandshakeRejected, 7000), 7000);
  // A Retry-After below the backoff does not shorten it.
  for (int i = 0; i < 6; ++i) fail_once(policy);
  EXPECT_GE(fail_once(policy, DownReason::kHandshakeRejected, 1000), 15000);
}

TEST_F(ReconnectPolicyTest, BudgetWaitsForTheOldestAttemptToLeaveTheWindow) {
  ReconnectPolicyOptions options;
  options.initial_backoff_ms = 10;
  options.max_backoff_ms = 10;  // tiny delays, so only the budget can slow things down
  ReconnectPolicy policy(options, clock_, 9);
  const int64_t first_attempt_ns = clock_.monotonic_ns();
  for (int i = 0; i < 249; ++i) {
    const int64_t delay = fail_once(policy);
    EXPECT_LE(delay, 10) << i;
  }
  EXPECT_EQ(policy.attempts_in_window(), 249u);
  // The 250th attempt is allowed; the 251st must wait until the first leaves the window.
  policy.on_attempt();
  clock_.advance_ms(100);
  const int64_t delay = policy.on_down(DownReason::kReset);
  const int64_t allowed_at_ns = first_attempt_ns + 300'000LL * 1'000'000;
  EXPECT_EQ(clock_.monotonic_ns() + delay * 1'000'000, allowed_at_ns);
  EXPECT_GT(delay, 200'000);
  clock_.advance_ms(delay);
  EXPECT_EQ(policy.attempts_in_window(), 249u);
}

TEST_F(ReconnectPolicyTest, ReasonLabels) {
  EXPECT_EQ(to_string(DownReason::kClosedByPeer), "closed_by_peer");
  EXPECT_EQ(to_string(DownReason::kReset), "reset");
  EXPECT_EQ(to_string(DownReason::kIdleTimeout), "idle_timeout");
  EXPECT_EQ(to_string(DownReason::kStale), "stale");
  EXPECT_EQ(to_string(DownReason::kHandshakeRejected), "handshake_rejected");
  EXPECT_EQ(to_string(DownReason::kConnectFailed), "connect_failed");
  EXPECT_EQ(to_string(DownReason::kTlsFailed), "tls_failed");
  EXPECT_EQ(to_string(DownReason::kRotate), "rotate");
  EXPECT_EQ(to_string(DownReason::kServerShutdown), "server_shutdown");
  EXPECT_EQ(to_string(DownReason::kProtocolError), "protocol_error");
  EXPECT_EQ(to_string(DownReason::kStopped), "stopped");
}

}  // namespace
}  // namespace phoenix::net
