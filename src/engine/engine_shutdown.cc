// Engine: the kill switch, the stop, and clearing every order of ours (the never-orphan
// procedure both use). See engine.h.

#include <chrono>
#include <string>
#include <utility>

#include "engine/engine.h"
#include "engine/order_gateway.h"
#include "risk/kill_switch.h"
#include "telemetry/log.h"

namespace phoenix::engine {

namespace {

using telemetry::LogLevel;

constexpr int64_t kClearRoundMs = 300;       // between open-orders checks while clearing
constexpr int64_t kClearFirstCheckMs = 100;  // the first check, after cancel_everything()

}  // namespace

// ---- Kill switch, stop --------------------------------------------------------------

void Engine::halt(std::string_view why) {
  if (kill_) {
    kill_->trip(risk::KillReason::kManual, why);
  } else {
    halt_startup(std::string(why));
  }
}

void Engine::on_kill(std::string_view reason, std::string_view detail) {
  telemetry::log_event(LogLevel::kCritical, "kill_switch_tripped", "reason", reason, "detail", detail,
                       "action", "cancel every order; no quoting until a restart");
  if (phase_ == Phase::kStopping || phase_ == Phase::kStopped) return;
  set_phase(Phase::kKilled);
  quote_state_all(QuoteReason::kKillSwitch);
  if (!oms_ || !ever_connected_) {
    // Tripped before order entry ever came up (or before the OMS was built): this process
    // sent no order, so there is nothing to cancel.
    telemetry::log_event(LogLevel::kWarn, "kill_switch_orders_cleared", "ok", true, "note",
                         "no order was ever sent");
    return;
  }
  clear_all_orders([this](bool ok) {
    telemetry::log_event(ok ? LogLevel::kWarn : LogLevel::kCritical, "kill_switch_orders_cleared", "ok", ok);
  });
}

void Engine::stop(std::function<void(bool ok)> done) {
  stop_done_ = std::move(done);
  const Phase before = phase_;
  set_phase(Phase::kStopping);
  quote_state_all(QuoteReason::kStopping);
  telemetry::log_event(LogLevel::kInfo, "engine_stopping", "phase", to_string(before));
  if (!oms_ || !ever_connected_) {
    // Order entry never came up: this process sent no order, so none of its own can be
    // open (orders a previous run left behind are found by the next start).
    telemetry::log_event(LogLevel::kInfo, "shutdown_orders_cleared", "phase", to_string(before), "elapsed_ms",
                         int64_t{0}, "extra_cancels", int64_t{0}, "note", "no order was ever sent");
    finish_stop(true);
    return;
  }
  clear_all_orders([this](bool ok) { finish_stop(ok); });
}

// Cancels every order of ours and confirms with the exchange's open-orders lists, in
// rounds, until none of ours remains or the deadline passes.
void Engine::clear_all_orders(std::function<void(bool ok)> done) {
  clear_done_ = std::move(done);
  clearing_ = true;
  clear_start_ns_ = clock_.monotonic_ns();
  clear_deadline_ns_ = clear_start_ns_ + config_.orders.shutdown_deadline_ms * 1'000'000;
  clear_cancels_ = 0;
  oms_->cancel_everything();
  arm_clear_timer(kClearFirstCheckMs);
}

void Engine::arm_clear_timer(int64_t ms) {
  std::weak_ptr<char> alive = life_;
  clear_timer_.expires_after(std::chrono::milliseconds(ms));
  clear_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired() || !clearing_) return;
    clear_round();
  });
}

void Engine::clear_round() {
  if (clock_.monotonic_ns() >= clear_deadline_ns_) {
    on_clear_deadline();
    return;
  }
  if (!gateway_->connectivity().order_entry) {
    arm_clear_timer(kClearRoundMs);  // wait for the gateway to come back (bounded by the deadline)
    return;
  }
  // Ask the exchange, symbol by symbol.
  clear_pending_ = symbols_.size();
  clear_remaining_ = 0;
  for (size_t s = 0; s < symbols_.size(); ++s) gateway_->request_open_orders(static_cast<core::SymbolId>(s));
  arm_clear_timer(kClearRoundMs * 3);  // a round whose replies never come is retried
}

void Engine::on_clear_snapshot(std::span<const core::OrderUpdate> orders) {
  for (const auto& o : orders) {
    if (!oms_->is_ours(o.client_id)) continue;
    ++clear_remaining_;
    ++clear_cancels_;
    gateway_->cancel(oms::CancelOrder{o.symbol, o.client_id, 0});
  }
  if (clear_pending_ == 0 || --clear_pending_ > 0) return;
  if (clear_remaining_ == 0 && oms_->all_closed()) {
    clearing_ = false;
    clear_timer_.cancel();
    const int64_t elapsed_ms = (clock_.monotonic_ns() - clear_start_ns_) / 1'000'000;
    telemetry::log_event(LogLevel::kInfo, "shutdown_orders_cleared", "phase", to_string(phase_), "elapsed_ms",
                         elapsed_ms, "extra_cancels", static_cast<int64_t>(clear_cancels_));
    auto done = std::move(clear_done_);
    if (done) done(true);
    return;
  }
  arm_clear_timer(kClearRoundMs);
}

void Engine::on_clear_deadline() {
  clearing_ = false;
  size_t open = 0;
  for (size_t s = 0; s < symbols_.size(); ++s) open += oms_->live_order_count(static_cast<core::SymbolId>(s));
  telemetry::log_event(LogLevel::kCritical, "shutdown_orders_remaining", "phase", to_string(phase_),
                       "deadline_ms", config_.orders.shutdown_deadline_ms, "known_open",
                       static_cast<int64_t>(open), "last_seen", static_cast<int64_t>(clear_remaining_),
                       "action",
                       "check the exchange and cancel by hand; client ids start with " + oms_prefix());
  auto done = std::move(clear_done_);
  if (done) done(false);
}

std::string Engine::oms_prefix() const {
  return config_.orders.client_id_prefix.empty() ? config_.instance_id : config_.orders.client_id_prefix;
}

void Engine::finish_stop(bool ok) {
  feed_->stop();
  if (live_ != nullptr) live_->stop();
  rules_timer_.cancel();
  reconcile_timer_.cancel();
  set_phase(Phase::kStopped);
  auto done = std::move(stop_done_);
  if (done) done(ok);
}

bool Engine::closed() const {
  // The gateway closes its connection on stop() (in-flight requests fail at once); only the
  // feed's clean WebSocket closes take a round trip.
  return phase_ == Phase::kStopped && feed_->stopped();
}

}  // namespace phoenix::engine
