#include "md/stale_detector.h"

#include <chrono>
#include <utility>

#include "telemetry/log.h"
#include "telemetry/metrics.h"

namespace phoenix::md {

using telemetry::log_event;
using telemetry::LogLevel;
using telemetry::WallTimeMs;

namespace {

constexpr int64_t kNsPerMs = 1'000'000;

}  // namespace

StaleDetector::StaleDetector(const core::Clock& clock, telemetry::Registry* registry,
                             StaleDetectorOptions options)
    : clock_(clock), registry_(registry), options_(options) {
  if (options_.default_threshold_ms <= 0) options_.default_threshold_ms = 2000;
}

size_t StaleDetector::add_key(std::string name, int64_t threshold_ms) {
  Entry e;
  e.name = std::move(name);
  e.threshold_ns = (threshold_ms > 0 ? threshold_ms : options_.default_threshold_ms) * kNsPerMs;
  e.last_update_ns = clock_.monotonic_ns();
  if (registry_ != nullptr) {
    const bool symbol = options_.kind == StaleKind::kSymbol;
    const telemetry::Labels labels{{symbol ? "symbol" : "conn", e.name}};
    e.stale_gauge =
        &registry_->gauge(symbol ? "phoenix_md_stale" : "phoenix_conn_stale",
                          "1 while no update has arrived for the stale threshold, else 0", labels);
    e.age_gauge = &registry_->gauge(
        symbol ? "phoenix_md_last_update_age_seconds" : "phoenix_conn_last_update_age_seconds",
        "Seconds since the last update (as of the last stale check)", labels);
    e.stale_counter =
        &registry_->counter(symbol ? "phoenix_md_stale_events_total" : "phoenix_conn_stale_events_total",
                            "Times the data went stale", labels);
    e.stale_gauge->set(0.0);
    e.age_gauge->set(0.0);
  }
  entries_.push_back(std::move(e));
  return entries_.size() - 1;
}

void StaleDetector::set_threshold_ms(size_t key, int64_t threshold_ms) {
  entries_[key].threshold_ns = (threshold_ms > 0 ? threshold_ms : options_.default_threshold_ms) * kNsPerMs;
}

void StaleDetector::add_listener(Listener listener) { listeners_.push_back(std::move(listener)); }

size_t StaleDetector::check(int64_t now_ns) {
  size_t became_stale = 0;
  int64_t wall_now_ms = -1;  // read lazily: most checks find nothing
  for (size_t key = 0; key < entries_.size(); ++key) {
    Entry& e = entries_[key];
    const int64_t age_ns = now_ns - e.last_update_ns;
    if (e.age_gauge != nullptr) e.age_gauge->set(static_cast<double>(age_ns) / 1e9);
    if (e.stale || age_ns < e.threshold_ns) continue;
    e.stale = true;
    e.stale_since_last_update_ns = e.last_update_ns;
    e.updated_before_stale = e.ever_updated;
    ++stale_count_;
    ++stale_events_;
    ++became_stale;
    if (e.stale_gauge != nullptr) e.stale_gauge->set(1.0);
    if (e.stale_counter != nullptr) e.stale_counter->inc();
    if (wall_now_ms < 0) wall_now_ms = clock_.wall_ms();
    StaleTransition t;
    t.key = key;
    t.name = e.name;
    t.stale = true;
    t.stale_ms = age_ns / kNsPerMs;
    t.last_update_wall_ms = wall_now_ms - t.stale_ms;
    t.ever_updated = e.ever_updated;
    const auto stale = std::chrono::nanoseconds(age_ns);
    const std::string_view name = e.name;
    if (options_.kind == StaleKind::kSymbol) {
      if (e.ever_updated) {
        log_event(LogLevel::kWarn, "md_stale", "symbol", name, "stale_ms", stale, "last_update",
                  WallTimeMs{t.last_update_wall_ms});
      } else {
        log_event(LogLevel::kWarn, "md_stale", "symbol", name, "stale_ms", stale, "last_update", "never");
      }
    } else {
      if (e.ever_updated) {
        log_event(LogLevel::kWarn, "conn_stale", "conn", name, "stale_ms", stale, "last_update",
                  WallTimeMs{t.last_update_wall_ms});
      } else {
        log_event(LogLevel::kWarn, "conn_stale", "conn", name, "stale_ms", stale, "last_update", "never");
      }
    }
    dispatch(t);
  }
  return became_stale;
}

void StaleDetector::recover(size_t key, int64_t now_ns) {
  Entry& e = entries_[key];
  e.stale = false;
  --stale_count_;
  if (e.stale_gauge != nullptr) e.stale_gauge->set(0.0);
  if (e.age_gauge != nullptr) e.age_gauge->set(0.0);
  const int64_t without_data_ns = now_ns - e.stale_since_last_update_ns;
  StaleTransition t;
  t.key = key;
  t.name = e.name;
  t.stale = false;
  t.stale_ms = without_data_ns / kNsPerMs;
  t.last_update_wall_ms = clock_.wall_ms() - (now_ns - e.stale_since_last_update_ns) / kNsPerMs;
  t.ever_updated = e.updated_before_stale;
  const auto stale = std::chrono::nanoseconds(without_data_ns);
  const std::string_view name = e.name;
  if (options_.kind == StaleKind::kSymbol) {
    log_event(LogLevel::kInfo, "md_recovered", "symbol", name, "stale_ms", stale);
  } else {
    log_event(LogLevel::kInfo, "conn_recovered", "conn", name, "stale_ms", stale);
  }
  dispatch(t);
}

void StaleDetector::dispatch(const StaleTransition& t) {
  for (const Listener& l : listeners_) l(t);
}

}  // namespace phoenix::md
