#include "net/reconnect_policy.h"

#include <algorithm>

namespace phoenix::net {

std::string_view to_string(DownReason reason) {
  switch (reason) {
    case DownReason::kClosedByPeer: return "closed_by_peer";
    case DownReason::kReset: return "reset";
    case DownReason::kIdleTimeout: return "idle_timeout";
    case DownReason::kStale: return "stale";
    case DownReason::kHandshakeRejected: return "handshake_rejected";
    case DownReason::kConnectFailed: return "connect_failed";
    case DownReason::kTlsFailed: return "tls_failed";
    case DownReason::kRotate: return "rotate";
    case DownReason::kServerShutdown: return "server_shutdown";
    case DownReason::kProtocolError: return "protocol_error";
    case DownReason::kStopped: return "stopped";
  }
  return "unknown";
}

ReconnectPolicy::ReconnectPolicy(const ReconnectPolicyOptions& options, const core::Clock& clock,
                                 uint64_t seed)
    : options_(options), clock_(clock), rng_(seed), attempts_(options.attempt_window_ms * 1'000'000) {}

void ReconnectPolicy::on_attempt() { attempts_.record(clock_.monotonic_ns()); }

void ReconnectPolicy::on_healthy() {
  if (healthy_since_ns_ < 0) healthy_since_ns_ = clock_.monotonic_ns();
}

size_t ReconnectPolicy::attempts_in_window() { return attempts_.count(clock_.monotonic_ns()); }

int64_t ReconnectPolicy::on_down(DownReason /*reason*/, int64_t retry_after_ms) {
  const int64_t now_ns = clock_.monotonic_ns();
  if (healthy_since_ns_ >= 0 && now_ns - healthy_since_ns_ >= options_.stable_after_ms * 1'000'000) {
    failures_ = 0;
  }
  healthy_since_ns_ = -1;

  // Ceiling: initial * 2^failures, capped (the shift is bounded so it cannot overflow).
  int64_t ceiling_ms = std::max<int64_t>(options_.initial_backoff_ms, 1);
  for (int i = 0; i < failures_ && ceiling_ms < options_.max_backoff_ms; ++i) ceiling_ms *= 2;
  ceiling_ms = std::min(ceiling_ms, std::max<int64_t>(options_.max_backoff_ms, 1));
  std::uniform_int_distribution<int64_t> jitter(ceiling_ms / 2, ceiling_ms);
  int64_t delay_ms = jitter(rng_);
  if (failures_ < 62) ++failures_;

  delay_ms = std::max(delay_ms, retry_after_ms);

  // Budget: the attempt after this delay must fit in the window.
  const int64_t at_ns = now_ns + delay_ms * 1'000'000;
  const int64_t allowed_ns = attempts_.earliest_allowed(at_ns, options_.max_attempts_per_window);
  if (allowed_ns > at_ns) delay_ms = (allowed_ns - now_ns + 999'999) / 1'000'000;

  current_backoff_ms_ = delay_ms;
  return delay_ms;
}

}  // namespace phoenix::net
