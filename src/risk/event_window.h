#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace phoenix::risk {

// The most recent events (monotonic nanosecond times) in a fixed-capacity ring, answering
// "how many fell in the window ending now". An event at time t is inside the window ending
// at s when s - window_ns < t <= s (the net::SlidingWindowLog rule). Keeps at most
// `capacity` events: enough to tell whether more than capacity - 1 fell in one window,
// which is all a limit check needs. Allocates once, in the constructor; record() and
// count() never allocate. Owned by Limits or KillSwitch; one thread.
class EventWindow {
 public:
  // capacity >= 1, window_ns > 0.
  EventWindow(int64_t window_ns, size_t capacity);

  int64_t window_ns() const { return window_ns_; }
  size_t capacity() const { return times_.size(); }

  // Records an event at `t_ns`; times must not go backwards (an older time is clamped to
  // the newest recorded). When the ring is full the oldest event is forgotten.
  void record(int64_t t_ns);

  // Recorded events inside the window ending at `now_ns` (at most capacity()).
  size_t count(int64_t now_ns) const;

  // The time of the oldest remembered event inside the window ending at `now_ns`; only
  // meaningful when count(now_ns) > 0.
  int64_t oldest_inside(int64_t now_ns) const;

 private:
  int64_t at(size_t age) const;  // age 0 = newest

  int64_t window_ns_;
  std::vector<int64_t> times_;
  size_t next_ = 0;  // where the next event goes
  size_t size_ = 0;
};

}  // namespace phoenix::risk
