#pragma once

// Detects keys (symbols, or connections) that have had no update for too long.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace phoenix::telemetry {
class Counter;
class Gauge;
class Registry;
}  // namespace phoenix::telemetry

namespace phoenix::md {

// What a detector watches; decides its log lines and metric names.
enum class StaleKind : uint8_t {
  kSymbol,      // md_stale symbol=... / phoenix_md_stale{symbol}
  kConnection,  // conn_stale conn=...  / phoenix_conn_stale{conn}
};

// A stale/fresh transition of one key, handed to listeners.
struct StaleTransition {
  size_t key = 0;                   // the index add_key() returned (for symbols: the SymbolId)
  std::string_view name;            // the key's name ("ETHUSDC"); valid during the callback
  bool stale = false;               // true: became stale; false: recovered (data returned)
  int64_t stale_ms = 0;             // stale: time since the last update at detection;
                                    // recovered: the whole time without data
  int64_t last_update_wall_ms = 0;  // wall time of the last update before the silence
  bool ever_updated = false;        // false: no update since the key was added
};

struct StaleDetectorOptions {
  int64_t default_threshold_ms = 2000;  // market_data.stale_after_ms
  StaleKind kind = StaleKind::kSymbol;
};

// Per-key "no update for threshold_ms" detector, e.g. one per symbol (on_update on every
// book event) or one per connection (on_update on every frame of any kind).
//
//   on_update(key, now_ns)  the hot path: stores the time; if the key was stale it recovers
//                           at once (listeners called, `md_recovered symbol= stale_ms=`).
//   check(now_ns)           called by the owner's periodic timer (every <= 50 ms, so a key
//                           is detected stale within threshold + 50 ms): a key whose last
//                           update is >= threshold_ms old becomes stale, once: logged
//                           `md_stale symbol=ETHUSDC stale_ms=2012 last_update=2026-11-25T18:11:27.423Z`,
//                           listeners called, then silent until it recovers.
//
// A key starts counting at add_key() (a stream that never delivers goes stale too; its
// md_stale line says last_update=never). all_stale() tells the owner that every key is
// stale (recycle the connection). Times: monotonic ns for ages (the caller passes now_ns,
// normally clock.monotonic_ns()); the wall clock only for the logged last_update.
//
// Metrics (with a registry), per key: phoenix_md_stale{symbol} 0/1,
// phoenix_md_last_update_age_seconds{symbol} (set by check()), and
// phoenix_md_stale_events_total{symbol}; for StaleKind::kConnection the prefix is
// phoenix_conn_ and the label `conn`.
//
// Owned by the md feed (or a connection); used only on the event-loop thread, no locks.
// Listeners run synchronously inside on_update()/check(); they may call is_stale() but
// must not add keys. The clock and registry must outlive the detector.
class StaleDetector {
 public:
  using Listener = std::function<void(const StaleTransition&)>;

  StaleDetector(const core::Clock& clock, telemetry::Registry* registry = nullptr,
                StaleDetectorOptions options = {});
  StaleDetector(const StaleDetector&) = delete;
  StaleDetector& operator=(const StaleDetector&) = delete;

  // Adds a key (start-up; allocates, registers metrics) and returns its index, 0, 1, 2...
  // threshold_ms <= 0 means the default. The key starts fresh as of the clock's now.
  size_t add_key(std::string name, int64_t threshold_ms = 0);
  // Changes a key's threshold (a per-symbol override).
  void set_threshold_ms(size_t key, int64_t threshold_ms);
  void add_listener(Listener listener);

  // Data for `key` arrived at `now_ns` (monotonic). Returns true when this update ended a
  // stale period (the recovered transition was dispatched).
  bool on_update(size_t key, int64_t now_ns) {
    Entry& e = entries_[key];
    e.last_update_ns = now_ns;
    e.ever_updated = true;
    if (!e.stale) return false;
    recover(key, now_ns);
    return true;
  }

  // Detects keys that became stale; updates the age gauges. Returns the number of keys
  // that became stale during this call.
  size_t check(int64_t now_ns);

  bool is_stale(size_t key) const { return entries_[key].stale; }
  // True when there is at least one key and every key is stale.
  bool all_stale() const { return !entries_.empty() && stale_count_ == entries_.size(); }
  size_t stale_count() const { return stale_count_; }
  size_t size() const { return entries_.size(); }
  const std::string& name(size_t key) const { return entries_[key].name; }
  int64_t threshold_ms(size_t key) const { return entries_[key].threshold_ns / 1'000'000; }
  // Stale transitions so far (all keys).
  uint64_t stale_events() const { return stale_events_; }

 private:
  struct Entry {
    std::string name;
    int64_t threshold_ns = 0;
    int64_t last_update_ns = 0;              // monotonic
    int64_t stale_since_last_update_ns = 0;  // last_update_ns when it became stale
    bool stale = false;
    bool ever_updated = false;
    bool updated_before_stale = false;  // ever_updated when it became stale
    telemetry::Gauge* stale_gauge = nullptr;
    telemetry::Gauge* age_gauge = nullptr;
    telemetry::Counter* stale_counter = nullptr;
  };

  void recover(size_t key, int64_t now_ns);
  void dispatch(const StaleTransition& t);

  const core::Clock& clock_;
  telemetry::Registry* registry_;
  StaleDetectorOptions options_;
  std::vector<Entry> entries_;
  std::vector<Listener> listeners_;
  size_t stale_count_ = 0;
  uint64_t stale_events_ = 0;
};

}  // namespace phoenix::md
