#pragma once

// Metrics: a registry of counters, gauges and histograms with labels, updated lock-free
// from any thread and exposed in the Prometheus text format (see exposition.h).
//
//   Registry reg;
//   Counter& msgs = reg.counter("phoenix_ws_messages_total", "WebSocket messages received",
//                               {{"conn", "market"}});
//   Histogram& lat = reg.histogram("phoenix_order_ack_latency_seconds", "Order acknowledgement latency",
//                                  exponential_buckets(0.0001, 2, 16));
//   msgs.inc();            // event loop: one relaxed atomic add, no lock, no allocation
//   lat.observe(0.0023);
//
// Registration happens at start-up: it takes a mutex, allocates, and throws
// std::invalid_argument on a programming error (bad name, type clash, ...). Keep the
// returned reference and update through it; never look a metric up on the hot path.

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace phoenix::telemetry {

// One label of a series: name and value. Built from anything that converts to
// std::string_view, so `{"symbol", symbol_view}` works as well as `{"conn", "market"}`.
// A value type; any thread.
struct Label {
  Label(std::string_view label_name, std::string_view label_value)  // NOLINT(google-explicit-constructor)
      : name(label_name), value(label_value) {}

  std::string name;
  std::string value;

  friend auto operator<=>(const Label&, const Label&) = default;
  friend bool operator==(const Label&, const Label&) = default;
};

// The labels of one series, e.g. {{"conn", "market"}, {"symbol", "ETHUSDC"}}. Order does
// not matter: the registry sorts them by name.
using Labels = std::vector<Label>;

enum class MetricType { kCounter, kGauge, kHistogram };

// "counter", "gauge" or "histogram" (the Prometheus TYPE keyword).
std::string_view to_string(MetricType type);

// A monotonically increasing count (events, bytes). Owned by its Registry; the reference
// returned by Registry::counter() stays valid for the registry's lifetime. Any thread may
// call any method: updates are relaxed atomic adds.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (queue depth, last price age, connection state). Owned by
// its Registry; the reference stays valid for the registry's lifetime. Any thread may call
// any method: set() is an atomic store, add() an atomic read-modify-write.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void inc() { add(1.0); }
  void dec() { add(-1.0); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A distribution over fixed buckets (latencies, sizes). Each bucket counts the
// observations v with previous bound < v <= upper bound (the Prometheus `le` rule); a final
// implicit +Inf bucket takes the rest, including NaN (which also makes the sum NaN). Counts
// are kept per bucket (not cumulative); exposition accumulates them. Owned by its
// Registry; the reference stays valid for the registry's lifetime. Any thread may call any
// method; observe() is a short search plus two relaxed atomic updates, no lock. A reader
// racing with observe() may see the sum and the counts one observation apart.
class Histogram {
 public:
  // `upper_bounds` must be strictly increasing and finite (the registry checks).
  explicit Histogram(std::vector<double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void observe(double v) {
    counts_[bucket_index(v)].fetch_add(1, std::memory_order_relaxed);
    // C++20 atomic<double>::fetch_add (a CAS loop in libstdc++).
    sum_.fetch_add(v, std::memory_order_relaxed);
  }

  // The finite upper bounds, without the implicit +Inf.
  std::span<const double> upper_bounds() const { return bounds_; }
  // Per-bucket (non-cumulative) counts: upper_bounds().size() + 1 values, the last for +Inf.
  std::vector<uint64_t> bucket_counts() const;
  // Number of observations (the sum of the bucket counts).
  uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  size_t bucket_index(double v) const;

  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0.0};
};

// `count` bounds start, start*factor, start*factor^2, ...; start > 0, factor > 1, count >= 1.
// Throws std::invalid_argument otherwise.
std::vector<double> exponential_buckets(double start, double factor, size_t count);
// `count` bounds start, start+width, ...; width > 0, count >= 1. Throws std::invalid_argument.
std::vector<double> linear_buckets(double start, double width, size_t count);

// A sample value: integers (counters, histogram counts) stay exact as uint64_t.
using SampleValue = std::variant<uint64_t, double>;

// One labelled series of a family, copied out at scrape time.
struct SeriesSnapshot {
  Labels labels;                            // sorted by label name
  SampleValue value = uint64_t{0};          // counters and gauges
  std::vector<uint64_t> cumulative_counts;  // histograms: one per bound, then +Inf
  double sum = 0.0;                         // histograms
};

// One metric family (name, help, type and its series), copied out at scrape time.
struct FamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<double> upper_bounds;    // histograms: finite bounds, without +Inf
  std::vector<SeriesSnapshot> series;  // sorted by labels
};

// Where a collector writes the families it computes at scrape time. Calls with the same
// name append samples to one family. Only counters and gauges. Invalid input (bad metric or
// label name, a counter not ending in `_total`, a name reused with another type or help,
// a repeated label set) is dropped rather than thrown, since it surfaces on the scraping
// thread, and counted in dropped(). Created by Registry::collect() (or a test); used by
// one thread at a time.
class SampleSink {
 public:
  void counter(std::string_view name, std::string_view help, double value, Labels labels = {});
  void gauge(std::string_view name, std::string_view help, double value, Labels labels = {});

  // Number of samples rejected so far.
  size_t dropped() const { return dropped_; }
  // The families written so far, series sorted by labels; leaves the sink empty.
  std::vector<FamilySnapshot> take();

 private:
  void add(MetricType type, std::string_view name, std::string_view help, double value, Labels labels);

  std::vector<FamilySnapshot> families_;
  size_t dropped_ = 0;
};

// A function run at every scrape to emit values computed on demand (process metrics,
// ages). It runs on the scraping thread (the MetricsServer thread), concurrently with
// everything else in the process, so it must be thread-safe; it must not block for long.
using Collector = std::function<void(SampleSink&)>;

// The set of metric families of one process. Owned by main (or a test) and shared by
// reference with every component that registers metrics and with the MetricsServer; it
// must outlive them all.
//
// Thread safety: every method is thread-safe. Registration (counter(), gauge(),
// histogram(), add_collector()) takes a mutex and allocates; it is meant for start-up and
// throws std::invalid_argument on misuse. The returned metric references are updated
// lock-free from any thread. collect() takes the same mutex while copying values and runs
// collectors outside it.
//
// Naming rules (checked at registration; a violation throws std::invalid_argument):
// metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in `_total`; label names
// match [a-zA-Z_][a-zA-Z0-9_]* and do not start with `__`; `le` is reserved on
// histograms; a label name appears at most once per series and every series of a family
// has the same label names; help text is non-empty; help and label values are valid
// UTF-8. A name is one family with one type, one help text (and one bucket layout);
// asking again for the same name and labels returns the same object. A histogram `h`
// reserves `h_bucket`, `h_sum` and `h_count`.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter& counter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, Labels labels = {});
  // `upper_bounds`: strictly increasing finite values; a trailing +Inf is accepted and
  // dropped (the +Inf bucket is implicit). Every series of the family needs the same bounds.
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds,
                       Labels labels = {});

  // Adds a collector run at every collect(); see Collector for its threading contract.
  void add_collector(Collector collector);

  // A copy of every family (registered and collected), sorted by name. Collector families
  // whose name clashes with a registered family are dropped.
  std::vector<FamilySnapshot> collect() const;

 private:
  struct Family;

  Family& family_for(std::string_view name, std::string_view help, MetricType type,
                     const std::vector<double>* upper_bounds, const Labels& labels);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
  std::vector<std::shared_ptr<const Collector>> collectors_;
};

// Name checks, exposed for tests and for code that builds names dynamically.
bool is_valid_metric_name(std::string_view name);
bool is_valid_label_name(std::string_view name);

}  // namespace phoenix::telemetry
