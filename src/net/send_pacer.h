#pragma once

#include <cstddef>
#include <cstdint>

#include "net/sliding_window.h"

namespace phoenix::net {

// How fast a connection may send frames. Binance closes a market connection (code 1008)
// that sends more than 5 frames a second, counting pings, pongs and SUBSCRIBE frames.
struct SendPacerOptions {
  size_t max_frames_per_window = 5;  // 0 = unlimited
  int64_t window_ms = 1000;
  // Slots of every window kept free for pongs, so a pong can go at once even while our own
  // frames are queued: our own frames use at most max_frames_per_window -
  // reserved_for_pongs slots of any window; a pong may use any slot (pong_delay_ns), and
  // only waits when the whole window is full (a server pinging more than that).
  size_t reserved_for_pongs = 1;
  // Our frames are spaced as if the window were this much longer, so that jitter between
  // our send and the server's receive cannot squeeze them into one of its windows.
  int64_t margin_ms = 25;
};

// Decides when the next outgoing frame of one connection may go. Our frames (text, close)
// ask delay_ns() and call on_sent() when they go; pongs ask pong_delay_ns() and are
// recorded with on_pong(). Owned by one WsClient; called on its io_context thread only. Times are
// nanoseconds of the injected clock (a ManualClock in tests).
class SendPacer {
 public:
  explicit SendPacer(const SendPacerOptions& options);

  // Nanoseconds to wait from `now_ns` before our next frame may go; 0 = now.
  int64_t delay_ns(int64_t now_ns);
  // One of our frames went out at `now_ns`.
  void on_sent(int64_t now_ns) { log_.record(now_ns); }
  // Nanoseconds to wait from `now_ns` before a pong may go (any slot of the window); 0 = now.
  int64_t pong_delay_ns(int64_t now_ns);
  // A pong (or another frame that must not wait, like the echo of a peer's close) went out.
  void on_pong(int64_t now_ns) { log_.record(now_ns); }
  // Frames (ours and pongs) inside the window ending at `now_ns`.
  size_t frames_in_window(int64_t now_ns) { return log_.count(now_ns); }
  // How many of our frames fit in one window.
  size_t own_frames_per_window() const { return own_limit_; }

 private:
  SendPacerOptions options_;
  size_t own_limit_;  // 0 = unlimited
  SlidingWindowLog log_;
};

}  // namespace phoenix::net
