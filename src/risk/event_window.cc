#include "risk/event_window.h"

#include <stdexcept>

namespace phoenix::risk {

EventWindow::EventWindow(int64_t window_ns, size_t capacity) : window_ns_(window_ns), times_(capacity, 0) {
  if (capacity == 0 || window_ns <= 0)
    throw std::invalid_argument("EventWindow: capacity and window must be > 0");
}

int64_t EventWindow::at(size_t age) const {
  const size_t n = times_.size();
  return times_[(next_ + n - 1 - age) % n];
}

void EventWindow::record(int64_t t_ns) {
  if (size_ > 0 && t_ns < at(0)) t_ns = at(0);
  times_[next_] = t_ns;
  next_ = (next_ + 1) % times_.size();
  if (size_ < times_.size()) ++size_;
}

size_t EventWindow::count(int64_t now_ns) const {
  size_t n = 0;
  while (n < size_ && at(n) > now_ns - window_ns_) ++n;
  return n;
}

int64_t EventWindow::oldest_inside(int64_t now_ns) const {
  const size_t n = count(now_ns);
  return n == 0 ? now_ns : at(n - 1);
}

}  // namespace phoenix::risk
