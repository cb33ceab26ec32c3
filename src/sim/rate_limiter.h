#pragma once

// RateLimiter: Binance's request and order limits, counted as Binance counts them.
//   REQUEST_WEIGHT  per client IP, per clock-aligned minute. Checked before a request with
//                   its documented weight, charged after it (order and cancel calls that
//                   succeed cost 0, failed ones their weight).
//   ORDERS          the unfilled order count per account, per clock-aligned 10 s and per
//                   UTC day: +1 per accepted order, -1 at an order's first fill. Once the
//                   day limit is exceeded the 10 s counter is no longer incremented.
// Over a limit: 429 (-1003 weight / -1015 orders) with the time the window ends. Every
// 429 is remembered per IP; `ban_after_429s` of them within a minute ban the IP (418,
// -1003 "IP banned until") for `ban_ms`.
// Owned by the exchange; single-threaded (its event loop). Time: wall-clock ms passed in.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sim/exchange_spec.h"

namespace phoenix::sim {

struct LimitError {
  int http_status = 429;  // 429 or 418
  int code = -1003;       // -1003 or -1015
  std::string msg;
  int64_t retry_after_ms = 0;  // epoch ms when trying again makes sense
};

class RateLimiter {
 public:
  static constexpr int64_t kMinuteMs = 60'000;
  static constexpr int64_t kTenSecondsMs = 10'000;
  static constexpr int64_t kDayMs = 86'400'000;

  explicit RateLimiter(RateLimitSpec spec) : spec_(spec) {}
  const RateLimitSpec& spec() const { return spec_; }

  // Banned, or `weight` more would exceed the minute's limit. Records the 429 (and may
  // start a ban). Does not charge.
  std::optional<LimitError> check_weight(std::string_view ip, int64_t weight, int64_t now_ms);
  void charge_weight(std::string_view ip, int64_t weight, int64_t now_ms);
  int64_t used_weight(std::string_view ip, int64_t now_ms) const;

  // The account's unfilled order count is at a limit (a 429 recorded against `ip`).
  std::optional<LimitError> check_orders(std::string_view ip, int64_t account, int64_t now_ms);
  void count_order(int64_t account, int64_t now_ms);
  // An order's first fill.
  void order_filled(int64_t account, int64_t now_ms);
  int64_t orders_10s(int64_t account, int64_t now_ms) const;
  int64_t orders_day(int64_t account, int64_t now_ms) const;

  uint64_t bans_total() const { return bans_total_; }

 private:
  struct Window {
    int64_t start_ms = -1;
    int64_t count = 0;
  };
  struct IpState {
    Window weight;
    std::deque<int64_t> recent_429s_ms;
    int64_t banned_until_ms = 0;
  };
  struct AccountState {
    Window ten_s;
    Window day;
  };
  static int64_t current(const Window& w, int64_t length_ms, int64_t now_ms) {
    return w.start_ms == now_ms - now_ms % length_ms ? w.count : 0;
  }
  static Window& roll(Window& w, int64_t length_ms, int64_t now_ms) {
    const int64_t start = now_ms - now_ms % length_ms;
    if (w.start_ms != start) w = Window{start, 0};
    return w;
  }
  LimitError record_429(IpState& ip, LimitError error, int64_t now_ms);

  RateLimitSpec spec_;
  std::map<std::string, IpState, std::less<>> ips_;
  std::map<int64_t, AccountState> accounts_;
  uint64_t bans_total_ = 0;
};

}  // namespace phoenix::sim
