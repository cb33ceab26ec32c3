#include "sim/rate_limiter.h"

#include <string>

namespace phoenix::sim {

LimitError RateLimiter::record_429(IpState& ip, LimitError error, int64_t now_ms) {
  while (!ip.recent_429s_ms.empty() && ip.recent_429s_ms.front() <= now_ms - kMinuteMs) {
    ip.recent_429s_ms.pop_front();
  }
  ip.recent_429s_ms.push_back(now_ms);
  if (static_cast<int64_t>(ip.recent_429s_ms.size()) >= spec_.ban_after_429s) {
    ip.banned_until_ms = now_ms + spec_.ban_ms;
    ip.recent_429s_ms.clear();
    ++bans_total_;
  }
  return error;
}

std::optional<LimitError> RateLimiter::check_weight(std::string_view ip_name, int64_t weight,
                                                    int64_t now_ms) {
  auto it = ips_.find(ip_name);
  if (it == ips_.end()) it = ips_.emplace(std::string(ip_name), IpState{}).first;
  IpState& ip = it->second;
  if (ip.banned_until_ms > now_ms) {
    return LimitError{418, -1003,
                      "Way too much request weight used; IP banned until " +
                          std::to_string(ip.banned_until_ms) +
                          ". Please use WebSocket Streams for live updates to avoid bans.",
                      ip.banned_until_ms};
  }
  Window& w = roll(ip.weight, kMinuteMs, now_ms);
  if (w.count + weight <= spec_.request_weight_per_minute) return std::nullopt;
  LimitError error{429, -1003,
                   "Too much request weight used; current limit is " +
                       std::to_string(spec_.request_weight_per_minute) +
                       " request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid "
                       "polling the API.",
                   w.start_ms + kMinuteMs};
  return record_429(ip, std::move(error), now_ms);
}

void RateLimiter::charge_weight(std::string_view ip_name, int64_t weight, int64_t now_ms) {
  auto it = ips_.find(ip_name);
  if (it == ips_.end()) it = ips_.emplace(std::string(ip_name), IpState{}).first;
  roll(it->second.weight, kMinuteMs, now_ms).count += weight;
}

int64_t RateLimiter::used_weight(std::string_view ip_name, int64_t now_ms) const {
  auto it = ips_.find(ip_name);
  return it == ips_.end() ? 0 : current(it->second.weight, kMinuteMs, now_ms);
}

std::optional<LimitError> RateLimiter::check_orders(std::string_view ip_name, int64_t account,
                                                    int64_t now_ms) {
  AccountState& a = accounts_[account];
  std::optional<LimitError> error;
  if (roll(a.day, kDayMs, now_ms).count >= spec_.orders_per_day) {
    error = LimitError{429, -1015,
                       "Too many new orders; current limit is " + std::to_string(spec_.orders_per_day) +
                           " orders per 1 DAY.",
                       a.day.start_ms + kDayMs};
  } else if (roll(a.ten_s, kTenSecondsMs, now_ms).count >= spec_.orders_per_10s) {
    error = LimitError{429, -1015,
                       "Too many new orders; current limit is " + std::to_string(spec_.orders_per_10s) +
                           " orders per 10 SECOND.",
                       a.ten_s.start_ms + kTenSecondsMs};
  }
  if (!error) return std::nullopt;
  auto it = ips_.find(ip_name);
  if (it == ips_.end()) it = ips_.emplace(std::string(ip_name), IpState{}).first;
  return record_429(it->second, std::move(*error), now_ms);
}

void RateLimiter::count_order(int64_t account, int64_t now_ms) {
  AccountState& a = accounts_[account];
  Window& day = roll(a.day, kDayMs, now_ms);
  Window& ten_s = roll(a.ten_s, kTenSecondsMs, now_ms);
  if (day.count < spec_.orders_per_day) ++ten_s.count;
  ++day.count;
}

void RateLimiter::order_filled(int64_t account, int64_t now_ms) {
  AccountState& a = accounts_[account];
  Window& day = roll(a.day, kDayMs, now_ms);
  Window& ten_s = roll(a.ten_s, kTenSecondsMs, now_ms);
  if (day.count > 0) --day.count;
  if (ten_s.count > 0) --ten_s.count;
}

int64_t RateLimiter::orders_10s(int64_t account, int64_t now_ms) const {
  auto it = accounts_.find(account);
  return it == accounts_.end() ? 0 : current(it->second.ten_s, kTenSecondsMs, now_ms);
}

int64_t RateLimiter::orders_day(int64_t account, int64_t now_ms) const {
  auto it = accounts_.find(account);
  return it == accounts_.end() ? 0 : current(it->second.day, kDayMs, now_ms);
}

}  // namespace phoenix::sim
