#include "risk/kill_switch.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "risk/test_util.h"

namespace phoenix::risk {
namespace {

using testing::sample;
using testing::units;

struct Trip {
  KillReason reason;
  std::string detail;
};

class KillSwitchTest : public ::testing::Test {
 protected:
  KillSwitch& make(KillSwitchConfig config) {
    ks_.emplace(config, clock_, registry_, [this](KillReason reason, std::string_view detail) {
      trips_.push_back({reason, std::string(detail)});
    });
    return *ks_;
  }
  std::string gauge(std::string_view reason) const {
    return sample(registry_, "phoenix_kill_switch{reason=\"" + std::string(reason) + "\"}")
        .value_or("absent");
  }

  core::ManualClock clock_;  // wall clock 2025-11-24 16:00:00 UTC
  telemetry::Registry registry_;
  std::optional<KillSwitch> ks_;
  std::vector<Trip> trips_;
};

TEST_F(KillSwitchTest, EveryReasonSeriesExistsFromTheStart) {
  make({});
  for (const char* reason : {"daily_loss", "reject_rate", "reconcile_mismatches", "manual"}) {
    EXPECT_EQ(gauge(reason), "0") << reason;
  }
  EXPECT_FALSE(ks_->tripped());
}

TEST_F(KillSwitchTest, DailyLossTripsExactlyAtTheLimit) {
  make({.max_daily_loss_quote_units = units("100")});
  ks_->on_pnl(units("50"));
  ks_->on_pnl(-units("99.99999999"));
  EXPECT_FALSE(ks_->tripped());
  EXPECT_TRUE(trips_.empty());
  ks_->on_pnl(-units("100"));
  ASSERT_TRUE(ks_->tripped());
  EXPECT_EQ(ks_->reason(), KillReason::kDailyLoss);
  ASSERT_EQ(trips_.size(), 1u);
  EXPECT_EQ(trips_[0].reason, KillReason::kDailyLoss);
  EXPECT_EQ(trips_[0].detail, "net PnL today -100.00000000 <= -100.00000000");
  EXPECT_EQ(gauge("daily_loss"), "1");
  EXPECT_EQ(gauge("manual"), "0");
}

TEST_F(KillSwitchTest, DailyLossCountsFromUtcMidnight) {
  make({.max_daily_loss_quote_units = units("100")});
  ks_->on_pnl(-units("60"));
  clock_.advance_ms(8 * 3600 * 1000);  // 2025-11-25 00:00:00 UTC
  ks_->on_pnl(-units("110"));          // -50 today
  EXPECT_FALSE(ks_->tripped());
  EXPECT_EQ(ks_->daily_pnl_quote_units(), -units("50"));
  ks_->on_pnl(-units("159.99999999"));
  EXPECT_FALSE(ks_->tripped());
  ks_->on_pnl(-units("160"));
  EXPECT_TRUE(ks_->tripped());
}

TEST_F(KillSwitchTest, DailyLossWithoutResetCountsFromTheStart) {
  make({.max_daily_loss_quote_units = units("100"), .reset_daily_at_utc_midnight = false});
  ks_->on_pnl(-units("60"));
  clock_.advance_ms(8 * 3600 * 1000);
  ks_->on_pnl(-units("99.99999999"));
  EXPECT_FALSE(ks_->tripped());
  ks_->on_pnl(-units("100"));
  ASSERT_TRUE(ks_->tripped());
  EXPECT_EQ(trips_.at(0).detail, "net PnL -100.00000000 <= -100.00000000");
}

TEST_F(KillSwitchTest, RejectRateTripsOnTheFirstRejectOverTheLimitWithin60s) {
  make({.max_rejects_per_minute = 3});
  ks_->on_reject();  // t = 0
  clock_.advance_ms(1000);
  ks_->on_reject();
  ks_->on_reject();
  EXPECT_FALSE(ks_->tripped());
  clock_.advance_ns(59'000'000'000 - 1);  // the first is 1 ns from leaving the window
  ks_->on_reject();
  ASSERT_TRUE(ks_->tripped());
  EXPECT_EQ(ks_->reason(), KillReason::kRejectRate);
  EXPECT_EQ(ks_->detail(), "4 order rejects within 60 s (limit 3)");
  EXPECT_EQ(gauge("reject_rate"), "1");
}

TEST_F(KillSwitchTest, RejectRateWindowSlides) {
  make({.max_rejects_per_minute = 3});
  ks_->on_reject();  // t = 0
  clock_.advance_ms(1000);
  ks_->on_reject();
  ks_->on_reject();
  clock_.advance_ms(59'000);  // exactly 60 s after the first: it has left the window
  ks_->on_reject();
  EXPECT_FALSE(ks_->tripped());
  EXPECT_EQ(ks_->rejects_in_window(), 3u);
  // Many rejects spread out never trip.
  for (int i = 0; i < 100; ++i) {
    clock_.advance_ms(20'001);
    ks_->on_reject();
  }
  EXPECT_FALSE(ks_->tripped());
  EXPECT_EQ(ks_->rejects_in_window(), 3u);  // 40.002 s, 20.001 s and 0 s ago
  ks_->on_reject();
  EXPECT_TRUE(ks_->tripped());
}

TEST_F(KillSwitchTest, ReconcileMismatchesTripOverTheLimitWithin10Minutes) {
  make({.max_reconcile_mismatches = 2});
  ks_->on_reconcile_mismatch();
  clock_.advance_ms(600'000);  // the first leaves the window
  ks_->on_reconcile_mismatch();
  clock_.advance_ms(300'000);
  ks_->on_reconcile_mismatch();
  EXPECT_FALSE(ks_->tripped());
  EXPECT_EQ(ks_->mismatches_in_window(), 2u);
  clock_.advance_ns(300'000'000'000 - 1);
  ks_->on_reconcile_mismatch();
  ASSERT_TRUE(ks_->tripped());
  EXPECT_EQ(ks_->reason(), KillReason::kReconcileMismatches);
  EXPECT_EQ(ks_->detail(), "3 reconciliation corrections within 10 min (limit 2)");
  EXPECT_EQ(gauge("reconcile_mismatches"), "1");
}

TEST_F(KillSwitchTest, ManualTripStaysTrippedAndCallsBackOnce) {
  make({.max_daily_loss_quote_units = units("1"), .max_rejects_per_minute = 1});
  ks_->trip(KillReason::kManual, "operator: SIGUSR1");
  ASSERT_TRUE(ks_->tripped());
  EXPECT_EQ(ks_->reason(), KillReason::kManual);
  EXPECT_EQ(ks_->detail(), "operator: SIGUSR1");
  // Later reasons show in their gauge, but the first reason and the callback stay.
  ks_->on_pnl(-units("5"));
  ks_->on_reject();
  ks_->on_reject();
  EXPECT_EQ(gauge("manual"), "1");
  EXPECT_EQ(gauge("daily_loss"), "1");
  EXPECT_EQ(gauge("reject_rate"), "1");
  EXPECT_EQ(gauge("reconcile_mismatches"), "0");
  EXPECT_EQ(ks_->reason(), KillReason::kManual);
  EXPECT_TRUE(ks_->tripped_for(KillReason::kRejectRate));
  ASSERT_EQ(trips_.size(), 1u);
  // Recovery does not reset it.
  clock_.advance_ms(24 * 3600 * 1000);
  ks_->on_pnl(units("1000"));
  EXPECT_TRUE(ks_->tripped());
}

TEST_F(KillSwitchTest, CallbackMayCallBackIn) {
  make({});
  int calls = 0;
  ks_->set_on_trip([&](KillReason, std::string_view) {
    ++calls;
    ks_->trip(KillReason::kManual, "again");  // e.g. a cancel-all failure while halting
    EXPECT_TRUE(ks_->tripped());
  });
  ks_->trip(KillReason::kRejectRate, "x");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ks_->reason(), KillReason::kRejectRate);
}

TEST_F(KillSwitchTest, ZeroLimitsAreOff) {
  make({.max_daily_loss_quote_units = 0, .max_rejects_per_minute = 0, .max_reconcile_mismatches = 0});
  ks_->on_pnl(-units("1000000"));
  for (int i = 0; i < 1000; ++i) {
    ks_->on_reject();
    ks_->on_reconcile_mismatch();
  }
  EXPECT_FALSE(ks_->tripped());
}

TEST_F(KillSwitchTest, BadConfigThrows) {
  EXPECT_THROW(make({.max_daily_loss_quote_units = -1}), std::invalid_argument);
  EXPECT_THROW(make({.max_rejects_per_minute = -1}), std::invalid_argument);
  EXPECT_THROW(make({.max_reconcile_mismatches = 100001}), std::invalid_argument);
}

TEST_F(KillSwitchTest, ReasonNames) {
  EXPECT_EQ(to_string(KillReason::kDailyLoss), "daily_loss");
  EXPECT_EQ(to_string(KillReason::kRejectRate), "reject_rate");
  EXPECT_EQ(to_string(KillReason::kReconcileMismatches), "reconcile_mismatches");
  EXPECT_EQ(to_string(KillReason::kManual), "manual");
}

}  // namespace
}  // namespace phoenix::risk
