#include "oms/rate_budget.h"

#include <algorithm>

namespace phoenix::oms {

RateWindow::RateWindow(int64_t window_ns, int64_t bucket_ns)
    : bucket_ns_(bucket_ns), counts_(static_cast<size_t>(std::max<int64_t>(1, window_ns / bucket_ns)), 0) {}

void RateWindow::advance(int64_t now_ns) {
  const int64_t b = now_ns / bucket_ns_;
  const auto n = static_cast<int64_t>(counts_.size());
  if (head_ < 0 || b - head_ >= n) {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = 0;
  } else {
    for (int64_t e = head_ + 1; e <= b; ++e) {
      auto& c = counts_[static_cast<size_t>(e % n)];
      total_ -= c;
      c = 0;
    }
  }
  if (b > head_) head_ = b;
}

void RateWindow::record(int64_t now_ns, int64_t n) {
  advance(now_ns);
  counts_[static_cast<size_t>(head_ % static_cast<int64_t>(counts_.size()))] += n;
  total_ += n;
}

int64_t RateWindow::count(int64_t now_ns) {
  advance(now_ns);
  return total_;
}

int64_t RateWindow::next_release_ns(int64_t now_ns) {
  advance(now_ns);
  if (total_ == 0) return now_ns;
  const auto n = static_cast<int64_t>(counts_.size());
  for (int64_t e = head_ - n + 1; e <= head_; ++e) {
    if (e >= 0 && counts_[static_cast<size_t>(e % n)] != 0) return (e + n) * bucket_ns_;
  }
  return now_ns;
}

OrderRateBudget::OrderRateBudget(int64_t max_per_10s, int64_t max_per_day, int64_t max_weight_1m)
    : max_10s_(max_per_10s),
      max_1d_(max_per_day),
      max_weight_1m_(max_weight_1m),
      w10s_(k10sNs, 100'000'000),
      w1d_(kDayNs, 60'000'000'000),
      wweight_(kMinuteNs, 1'000'000'000) {}

bool OrderRateBudget::weight_available(int64_t now_ns, int64_t weight) {
  if (now_ns < exchange_weight_blocked_until_ns_) return false;
  return wweight_.count(now_ns) + weight <= max_weight_1m_;
}

void OrderRateBudget::record_weight(int64_t now_ns, int64_t weight) { wweight_.record(now_ns, weight); }

int64_t OrderRateBudget::weight_used(int64_t now_ns) { return wweight_.count(now_ns); }

void OrderRateBudget::on_exchange_weight(int64_t used_1m, int64_t limit_1m, int64_t now_ns, int64_t wall_ms) {
  if (limit_1m <= 0) return;
  if (used_1m * 10 >= limit_1m * 9) {
    // Until the end of the exchange's current minute (its windows are UTC calendar minutes).
    const int64_t rest_ms = 60'000 - (wall_ms % 60'000);
    exchange_weight_blocked_until_ns_ = now_ns + rest_ms * 1'000'000;
  }
}

int64_t OrderRateBudget::limit_10s() const {
  return exchange_limit_10s_ > 0 ? std::min(max_10s_, exchange_limit_10s_) : max_10s_;
}
int64_t OrderRateBudget::limit_1d() const {
  return exchange_limit_1d_ > 0 ? std::min(max_1d_, exchange_limit_1d_) : max_1d_;
}

int64_t OrderRateBudget::remaining(int64_t now_ns) {
  const int64_t extra10 = now_ns < extra_10s_until_ns_ ? extra_10s_ : 0;
  const int64_t r10 = limit_10s() - w10s_.count(now_ns) - extra10;
  const int64_t r1d = limit_1d() - w1d_.count(now_ns) - extra_1d_;
  return std::max<int64_t>(0, std::min(r10, r1d));
}

bool OrderRateBudget::available(int64_t now_ns) { return remaining(now_ns) > 0; }

void OrderRateBudget::record(int64_t now_ns) {
  w10s_.record(now_ns);
  w1d_.record(now_ns);
}

void OrderRateBudget::on_exchange_usage(int64_t used_10s, int64_t limit_10s, int64_t used_1d,
                                        int64_t limit_1d, int64_t now_ns) {
  if (limit_10s > 0) exchange_limit_10s_ = limit_10s;
  if (limit_1d > 0) exchange_limit_1d_ = limit_1d;
  // The exchange counts every session of the account; what it reports beyond our own
  // count is someone else's (or requests we lost track of): respect it for one window.
  if (limit_10s > 0) {
    extra_10s_ = std::max<int64_t>(0, used_10s - w10s_.count(now_ns));
    extra_10s_until_ns_ = now_ns + k10sNs;
  }
  if (limit_1d > 0) extra_1d_ = std::max<int64_t>(0, used_1d - w1d_.count(now_ns));
}

}  // namespace phoenix::oms
