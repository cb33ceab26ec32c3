#pragma once

// The order-rate budget: how many order requests (place, cancel-replace, amend) may go out
// now without exceeding the exchange's ORDERS limits (per 10 s and per day) or our own
// caps, and how much request weight per minute (every request, cancels included) is left. Counts are kept in
// fixed time buckets (10 s in 100 ms buckets, 1 day in 1 min buckets), which only ever over-estimates usage
// by less than one bucket. No allocation after construction. Owned by the OrderManager; one thread.

#include <cstdint>
#include <vector>

namespace phoenix::oms {

// Events per sliding window, bucketed. count() may over-count by the events of the oldest
// (partly expired) bucket, never under-count.
class RateWindow {
 public:
  RateWindow(int64_t window_ns, int64_t bucket_ns);

  void record(int64_t now_ns, int64_t n = 1);
  int64_t count(int64_t now_ns);
  // When the oldest counted event leaves the window (now_ns when the window is empty).
  int64_t next_release_ns(int64_t now_ns);

 private:
  void advance(int64_t now_ns);

  int64_t bucket_ns_;
  std::vector<int64_t> counts_;
  int64_t head_ = -1;  // bucket number (now_ns / bucket_ns_) of the newest bucket
  int64_t total_ = 0;
};

class OrderRateBudget {
 public:
  static constexpr int64_t k10sNs = 10'000'000'000;
  static constexpr int64_t kDayNs = 86'400'000'000'000;

  static constexpr int64_t kMinuteNs = 60'000'000'000;

  // Our own caps (> 0); max_weight_1m is our share of the IP's request weight per minute.
  OrderRateBudget(int64_t max_per_10s, int64_t max_per_day, int64_t max_weight_1m = 3000);

  // Whether one more order may go out now.
  bool available(int64_t now_ns);
  // How many more orders may go out now.
  int64_t remaining(int64_t now_ns);
  void record(int64_t now_ns);

  // Request weight: whether `weight` more fits in the minute; record what was sent.
  bool weight_available(int64_t now_ns, int64_t weight);
  void record_weight(int64_t now_ns, int64_t weight);
  int64_t weight_used(int64_t now_ns);

  // Exchange limits and usage as last reported (0 limit = not reported). The effective
  // limit is min(ours, exchange's); a reported count above ours is respected until the
  // next report.
  void on_exchange_usage(int64_t used_10s, int64_t limit_10s, int64_t used_1d, int64_t limit_1d,
                         int64_t now_ns);
  // The IP's request weight in the current minute as the exchange reported it (0 limit =
  // not reported): weighted requests stop at 90 % of the exchange's limit until it passes.
  void on_exchange_weight(int64_t used_1m, int64_t limit_1m, int64_t now_ns, int64_t wall_ms);

  int64_t limit_10s() const;
  int64_t limit_1d() const;

 private:
  int64_t max_10s_;
  int64_t max_1d_;
  int64_t exchange_limit_10s_ = 0;
  int64_t exchange_limit_1d_ = 0;
  // Exchange-reported usage (covers other sessions on the account), as an offset over our
  // own count at the time of the report; it expires with the window.
  int64_t extra_10s_ = 0;
  int64_t extra_10s_until_ns_ = 0;
  int64_t extra_1d_ = 0;
  int64_t max_weight_1m_;
  int64_t exchange_weight_blocked_until_ns_ = 0;
  RateWindow w10s_;
  RateWindow w1d_;
  RateWindow wweight_;
};

}  // namespace phoenix::oms
