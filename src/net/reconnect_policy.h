#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

#include "core/clock.h"
#include "net/sliding_window.h"

namespace phoenix::net {

// Why a connection went down (or was replaced). The label of
// phoenix_ws_reconnects_total{reason} and of ws_closed log lines.
enum class DownReason {
  kClosedByPeer,       // the server closed (close frame or clean EOF)
  kReset,              // TCP reset / broken pipe
  kIdleTimeout,        // no frame of any kind for idle_timeout_ms
  kStale,              // the owner saw no data for its symbols (recycle)
  kHandshakeRejected,  // HTTP status other than 101 on the upgrade (429, 418, 503, ...)
  kConnectFailed,      // resolve / TCP connect failed or timed out, or the upgrade timed out
  kTlsFailed,          // TLS handshake or certificate verification failed
  kRotate,             // planned make-before-break replacement (max lifetime)
  kServerShutdown,     // the server announced a shutdown (owner-detected), replaced early
  kProtocolError,      // bad frames, inflate errors, an extension answer we cannot honour
  kStopped,            // the owner stopped the connection (never a reconnect reason)
};
inline constexpr size_t kDownReasonCount = 11;

// "closed_by_peer", "reset", "idle_timeout", "stale", "handshake_rejected",
// "connect_failed", "tls_failed", "rotate", "server_shutdown", "protocol_error", "stopped".
std::string_view to_string(DownReason reason);

struct ReconnectPolicyOptions {
  int64_t initial_backoff_ms = 500;      // ceiling of the first delay; the first delay is in [250, 500]
  int64_t max_backoff_ms = 30'000;       // ceiling cap
  int64_t stable_after_ms = 30'000;      // data flowing this long resets the backoff
  size_t max_attempts_per_window = 250;  // 0 = no budget; Binance allows 300 per 5 min per IP
  int64_t attempt_window_ms = 300'000;
};

// Decides how long to wait before the next connection attempt. Pure: time comes from the
// injected Clock and randomness from a seeded engine, so tables of cases are exact tests.
//
//   policy.on_attempt();              // just before each connect
//   policy.on_healthy();              // first data message on the new connection
//   int64_t d = policy.on_down(r, retry_after_ms);  // connection lost: wait d ms
//
// Backoff: attempt n (0-based, consecutive failures since the last stable connection) waits
// uniformly in [c/2, c] with c = min(max_backoff_ms, initial_backoff_ms * 2^n): "full
// jitter" over the upper half of the ceiling, so delays are spread but never shrink as
// failures accumulate (the first is in [250, 500] ms by default). The failure count resets
// only when the connection that just went down had been healthy for stable_after_ms, so a
// server that accepts and drops within a second gets ever slower retries, not a storm.
// Budget: at most max_attempts_per_window attempts in any attempt_window_ms; when the next
// attempt would exceed it, the delay stretches until the oldest attempt leaves the window.
// A Retry-After from a 429/418 upgrade answer is a floor for the delay.
//
// Owned by a ManagedWs; called on its io_context thread only.
class ReconnectPolicy {
 public:
  ReconnectPolicy(const ReconnectPolicyOptions& options, const core::Clock& clock, uint64_t seed);

  // A connection attempt starts now (counts against the budget).
  void on_attempt();
  // The current connection delivered data now; it becomes stable after stable_after_ms.
  // Later calls for the same connection are ignored until the next on_down().
  void on_healthy();
  // The current connection (or attempt) ended. Returns the delay before the next attempt, in
  // milliseconds. `retry_after_ms` (0 = none) is a floor.
  int64_t on_down(DownReason reason, int64_t retry_after_ms = 0);

  // The last delay on_down() returned (0 before the first).
  int64_t current_backoff_ms() const { return current_backoff_ms_; }
  // Consecutive failures counted toward the backoff exponent.
  int failures() const { return failures_; }
  // Attempts inside the budget window now.
  size_t attempts_in_window();

 private:
  ReconnectPolicyOptions options_;
  const core::Clock& clock_;
  std::mt19937_64 rng_;
  SlidingWindowLog attempts_;
  int failures_ = 0;
  int64_t healthy_since_ns_ = -1;  // -1: the current connection has not delivered data
  int64_t current_backoff_ms_ = 0;
};

}  // namespace phoenix::net
