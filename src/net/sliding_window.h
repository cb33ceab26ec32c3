#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace phoenix::net {

// A log of event times (nanoseconds on some monotonic clock) that answers "how many events
// fell in the last `window_ns`" and "when may the next one happen so that at most `limit`
// fall in any window". An event at time t is inside the window ending at s when
// s - window_ns < t <= s. Used by SendPacer (frames per second) and ReconnectPolicy
// (connection attempts per 5 minutes). Owned by one of those; not thread-safe (one thread).
class SlidingWindowLog {
 public:
  explicit SlidingWindowLog(int64_t window_ns) : window_ns_(window_ns) {}

  int64_t window_ns() const { return window_ns_; }

  // Records an event at `t_ns`. Times must not go backwards (an older time is clamped to
  // the newest recorded one).
  void record(int64_t t_ns) {
    if (!times_.empty() && t_ns < times_.back()) t_ns = times_.back();
    prune(t_ns);
    times_.push_back(t_ns);
  }

  // Events inside the window ending at `now_ns`. Forgets older ones.
  size_t count(int64_t now_ns) {
    prune(now_ns);
    return times_.size();
  }

  // The earliest time s >= from_ns at which one more event keeps every window at no more
  // than `limit` events (counting the events recorded so far). `limit` 0 means unlimited.
  // Forgets nothing, so from_ns may lie in the future.
  int64_t earliest_allowed(int64_t from_ns, size_t limit) const {
    if (limit == 0) return from_ns;
    const auto first_inside = std::upper_bound(times_.begin(), times_.end(), from_ns - window_ns_);
    const size_t inside = static_cast<size_t>(times_.end() - first_inside);
    if (inside < limit) return from_ns;
    // After the event at s, the window (s - W, s] must hold at most limit - 1 old events, so
    // the (size - limit)-th oldest must have left it: s >= t[size - limit] + W.
    const int64_t s = times_[times_.size() - limit] + window_ns_;
    return s > from_ns ? s : from_ns;
  }

 private:
  void prune(int64_t now_ns) {
    while (!times_.empty() && times_.front() <= now_ns - window_ns_) times_.pop_front();
  }

  int64_t window_ns_;
  std::deque<int64_t> times_;
};

}  // namespace phoenix::net
