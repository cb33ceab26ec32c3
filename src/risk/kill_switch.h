#pragma once

// The kill switch: once tripped, Phoenix cancels every order and stops quoting until the
// process restarts (there is no reset). Reasons:
//   daily_loss            net PnL (realized + unrealized - fees, Portfolio::total_net_pnl_
//                         quote_units) since the start, or since the last 00:00 UTC once the
//                         process has run past midnight, is <= -max_daily_loss
//   reject_rate           more than max_rejects_per_minute order rejects in any 60 s window
//   reconcile_mismatches  more than max_reconcile_mismatches corrections by reconciliation
//                         in any 10 min window
//   manual                the operator, or a fatal internal error (trip(kManual, why))
// Windows: an event at t is inside the window ending at s when s - W < t <= s (monotonic
// clock). Daily reset: the first on_pnl() of a new UTC day (wall clock) takes the last PnL
// seen before it as the day's baseline, so a loss that straddles midnight is counted from
// the last value observed before midnight.
//
// Metrics: phoenix_kill_switch{reason} gauge, 0 or 1, one series per reason from
// construction. Every reason that trips is set to 1 (later ones too); on_trip runs once,
// for the first, on the calling thread, after the state is set (it may call back in).
//
// Owned by the engine; event-loop thread only. No real time: the Clock is injected.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "risk/event_window.h"
#include "telemetry/metrics.h"

namespace phoenix::risk {

enum class KillReason : uint8_t { kDailyLoss, kRejectRate, kReconcileMismatches, kManual };
inline constexpr size_t kKillReasonCount = 4;

// "daily_loss", "reject_rate", "reconcile_mismatches", "manual" (the metric label values).
std::string_view to_string(KillReason reason);

struct KillSwitchConfig {
  int64_t max_daily_loss_quote_units = 0;   // 10^-8 quote, > 0; 0 = off
  bool reset_daily_at_utc_midnight = true;  // false: the loss counts from the start, forever
  int max_rejects_per_minute = 20;          // 0 = off; at most 100000
  int max_reconcile_mismatches = 5;         // 0 = off; at most 100000
};

class KillSwitch {
 public:
  // Why it tripped and a one-line explanation ("net PnL today -100.00000000 <= -100.00000000").
  using OnTrip = std::function<void(KillReason reason, std::string_view detail)>;

  static constexpr int64_t kRejectWindowNs = 60'000'000'000;
  static constexpr int64_t kMismatchWindowNs = 600'000'000'000;

  // Throws std::invalid_argument on a bad config (start-up only).
  KillSwitch(const KillSwitchConfig& config, const core::Clock& clock, telemetry::Registry& registry,
             OnTrip on_trip = {});
  KillSwitch(const KillSwitch&) = delete;
  KillSwitch& operator=(const KillSwitch&) = delete;

  void set_on_trip(OnTrip on_trip) { on_trip_ = std::move(on_trip); }

  // The current net PnL in quote units; call after fills and marks.
  void on_pnl(int64_t net_pnl_quote_units);
  // An order request the exchange rejected (FailureAction::kRejected, ExecType::kRejected).
  void on_reject();
  // A correction made by reconciliation (an unknown open order, a missed fill, ...).
  void on_reconcile_mismatch();
  // Trips now (any reason; kManual for the operator or a fatal error).
  void trip(KillReason reason, std::string_view detail);

  bool tripped() const { return tripped_; }
  // The first reason and its detail; meaningful once tripped().
  KillReason reason() const { return reason_; }
  const std::string& detail() const { return detail_; }
  bool tripped_for(KillReason reason) const { return reasons_[static_cast<size_t>(reason)]; }

  // PnL counted against the daily loss limit (since start or the last UTC midnight).
  int64_t daily_pnl_quote_units() const { return last_pnl_ - baseline_; }
  size_t rejects_in_window() const;
  size_t mismatches_in_window() const;

 private:
  static int64_t utc_day(int64_t wall_ms);

  KillSwitchConfig config_;
  const core::Clock& clock_;
  OnTrip on_trip_;
  EventWindow rejects_;
  EventWindow mismatches_;
  int64_t day_;
  int64_t baseline_ = 0;
  int64_t last_pnl_ = 0;
  bool tripped_ = false;
  KillReason reason_ = KillReason::kManual;
  std::string detail_;
  std::array<bool, kKillReasonCount> reasons_{};
  std::array<telemetry::Gauge*, kKillReasonCount> gauges_{};
};

}  // namespace phoenix::risk
