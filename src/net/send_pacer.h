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
  // Slots of every window kept free for pongs. Beast 1.81 answers server pings by itself,
  // from inside the pending read, and has no switch to turn that off, so a pong cannot be
  // delayed or routed through our queue. The pacer therefore lets our own frames use at
  // most max_frames_per_window - reserved_for_pongs slots of any window and records each
  // pong when it happens: as long as the server pings no more than reserved_for_pongs times
  // per window (Binance: once every 20 s), the total stays within max_frames_per_window.
  size_t reserved_for_pongs = 1;
  // Our frames are spaced as if the window were this much longer, so that jitter between
  // our send and the server's receive cannot squeeze them into one of its windows.
  int64_t margin_ms = 25;
};

// Decides when the next outgoing frame of one connection may go. Our frames (text, close)
// ask delay_ns() and call on_sent() when they go; pongs sent by Beast are recorded with
// on_pong(). Owned by one WsClient; called on its io_context thread only. Times are
// nanoseconds of the injected clock (a ManualClock in tests).
class SendPacer {
 public:
  explicit SendPacer(const SendPacerOptions& options);

  // Nanoseconds to wait from `now_ns` before our next frame may go; 0 = now.
  int64_t delay_ns(int64_t now_ns);
  // One of our frames went out at `now_ns`.
  void on_sent(int64_t now_ns) { log_.record(now_ns); }
  // Beast answered a ping at `now_ns`.
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
