#include "risk/kill_switch.h"

#include <stdexcept>
#include <utility>

#include "core/decimal.h"
#include "risk/portfolio.h"

namespace phoenix::risk {

std::string_view to_string(KillReason reason) {
  switch (reason) {
    case KillReason::kDailyLoss: return "daily_loss";
    case KillReason::kRejectRate: return "reject_rate";
    case KillReason::kReconcileMismatches: return "reconcile_mismatches";
    case KillReason::kManual: return "manual";
  }
  return "unknown";
}

namespace {

constexpr int kMaxEventLimit = 100000;
constexpr int64_t kMsPerDay = 86'400'000;

// The ring must hold limit + 1 events to see "more than limit" in one window.
size_t window_capacity(int limit, const char* what) {
  if (limit < 0 || limit > kMaxEventLimit) throw std::invalid_argument(std::string("KillSwitch: ") + what);
  return static_cast<size_t>(limit) + 1;
}

}  // namespace

int64_t KillSwitch::utc_day(int64_t wall_ms) {
  // Floor division, so times before 1970 still land on the right day.
  return wall_ms >= 0 ? wall_ms / kMsPerDay : -((-wall_ms + kMsPerDay - 1) / kMsPerDay);
}

KillSwitch::KillSwitch(const KillSwitchConfig& config, const core::Clock& clock,
                       telemetry::Registry& registry, OnTrip on_trip)
    : config_(config),
      clock_(clock),
      on_trip_(std::move(on_trip)),
      rejects_(kRejectWindowNs,
               window_capacity(config.max_rejects_per_minute, "max_rejects_per_minute must be in 0..100000")),
      mismatches_(kMismatchWindowNs, window_capacity(config.max_reconcile_mismatches,
                                                     "max_reconcile_mismatches must be in 0..100000")),
      day_(utc_day(clock.wall_ms())) {
  if (config.max_daily_loss_quote_units < 0) {
    throw std::invalid_argument("KillSwitch: max_daily_loss_quote_units must be >= 0");
  }
  for (size_t i = 0; i < kKillReasonCount; ++i) {
    gauges_[i] = &registry.gauge("phoenix_kill_switch", "1 when the kill switch tripped for this reason",
                                 {{"reason", to_string(static_cast<KillReason>(i))}});
  }
}

void KillSwitch::on_pnl(int64_t net_pnl_quote_units) {
  if (config_.reset_daily_at_utc_midnight) {
    const int64_t day = utc_day(clock_.wall_ms());
    if (day > day_) {
      day_ = day;
      baseline_ = last_pnl_;
    }
  }
  last_pnl_ = net_pnl_quote_units;
  const int64_t limit = config_.max_daily_loss_quote_units;
  if (limit == 0 || tripped_for(KillReason::kDailyLoss)) return;
  const int64_t daily = last_pnl_ - baseline_;
  if (daily <= -limit) {
    trip(KillReason::kDailyLoss,
         "net PnL " + std::string(config_.reset_daily_at_utc_midnight ? "today " : "") +
             core::format_units(daily, kQuoteScale) + " <= -" + core::format_units(limit, kQuoteScale));
  }
}

void KillSwitch::on_reject() {
  if (config_.max_rejects_per_minute == 0) return;
  const int64_t now = clock_.monotonic_ns();
  rejects_.record(now);
  const size_t n = rejects_.count(now);
  if (n > static_cast<size_t>(config_.max_rejects_per_minute) && !tripped_for(KillReason::kRejectRate)) {
    trip(KillReason::kRejectRate, std::to_string(n) + " order rejects within 60 s (limit " +
                                      std::to_string(config_.max_rejects_per_minute) + ")");
  }
}

void KillSwitch::on_reconcile_mismatch() {
  if (config_.max_reconcile_mismatches == 0) return;
  const int64_t now = clock_.monotonic_ns();
  mismatches_.record(now);
  const size_t n = mismatches_.count(now);
  if (n > static_cast<size_t>(config_.max_reconcile_mismatches) &&
      !tripped_for(KillReason::kReconcileMismatches)) {
    trip(KillReason::kReconcileMismatches, std::to_string(n) +
                                               " reconciliation corrections within 10 min (limit " +
                                               std::to_string(config_.max_reconcile_mismatches) + ")");
  }
}

void KillSwitch::trip(KillReason reason, std::string_view detail) {
  const auto index = static_cast<size_t>(reason);
  if (index >= kKillReasonCount) return;
  reasons_[index] = true;
  gauges_[index]->set(1.0);
  if (tripped_) return;
  tripped_ = true;
  reason_ = reason;
  detail_ = std::string(detail);
  if (on_trip_) on_trip_(reason_, detail_);
}

size_t KillSwitch::rejects_in_window() const { return rejects_.count(clock_.monotonic_ns()); }

size_t KillSwitch::mismatches_in_window() const { return mismatches_.count(clock_.monotonic_ns()); }

}  // namespace phoenix::risk
