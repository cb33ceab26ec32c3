#include "net/managed_ws.h"

#include <chrono>
#include <random>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "telemetry/log.h"

namespace phoenix::net {

namespace asio = boost::asio;
using telemetry::log_event;
using telemetry::LogLevel;

std::string_view to_string(ManagedWs::State state) {
  switch (state) {
    case ManagedWs::State::kIdle: return "idle";
    case ManagedWs::State::kConnecting: return "connecting";
    case ManagedWs::State::kOpen: return "open";
    case ManagedWs::State::kBackoff: return "backoff";
    case ManagedWs::State::kStopping: return "stopping";
    case ManagedWs::State::kStopped: return "stopped";
  }
  return "unknown";
}

struct ManagedWs::Timers {
  explicit Timers(asio::io_context& ioc) : reconnect(ioc), lifetime(ioc), rotate_deadline(ioc) {}
  asio::steady_timer reconnect;        // backoff before the next attempt (or rotation retry)
  asio::steady_timer lifetime;         // max_lifetime_ms of the live connection
  asio::steady_timer rotate_deadline;  // rotate_timeout_ms of a rotation's new connection
};

namespace {

// Runs `fn` after `ms` unless the timer is re-armed or cancelled, or the owner is gone.
template <class Fn>
void arm(asio::steady_timer& timer, int64_t ms, const std::shared_ptr<char>& life, Fn fn) {
  timer.expires_after(std::chrono::milliseconds(ms));
  timer.async_wait(
      [weak = std::weak_ptr<char>(life), fn = std::move(fn)](const boost::system::error_code& ec) {
        if (ec || weak.expired()) return;
        fn();
      });
}

}  // namespace

core::Result<std::unique_ptr<ManagedWs>> ManagedWs::create(asio::io_context& ioc, ManagedWsOptions options,
                                                           telemetry::Registry& registry,
                                                           const core::Clock& clock,
                                                           ManagedWsHandler& handler) {
  auto url = parse_ws_url(options.url);
  if (!url) return std::move(url).error();
  std::shared_ptr<asio::ssl::context> tls;
  if (url->secure) {
    auto made = make_tls_client_context(options.ca_file);
    if (!made) return std::move(made).error();
    tls = std::move(made).value();
  }
  return std::unique_ptr<ManagedWs>(new ManagedWs(ioc, std::move(options), std::move(url).value(),
                                                  std::move(tls), registry, clock, handler));
}

ManagedWs::ManagedWs(asio::io_context& ioc, ManagedWsOptions options, WsUrl url,
                     std::shared_ptr<asio::ssl::context> tls, telemetry::Registry& registry,
                     const core::Clock& clock, ManagedWsHandler& handler)
    : ioc_(ioc),
      options_(std::move(options)),
      url_(std::move(url)),
      tls_(std::move(tls)),
      clock_(clock),
      handler_(handler),
      meters_(registry, options_.client.conn),
      policy_(options_.reconnect, clock, options_.seed != 0 ? options_.seed : std::random_device{}()),
      timers_(std::make_unique<Timers>(ioc)),
      life_(std::make_shared<char>(0)) {}

ManagedWs::~ManagedWs() {
  life_.reset();
  retiring_.reset();
  candidate_.reset();
  primary_.reset();
  timers_.reset();  // cancels the waits; their handlers see `life_` expired
}

void ManagedWs::start() {
  if (state_ != State::kIdle && state_ != State::kStopped) return;
  connect();
}

void ManagedWs::stop() {
  if (state_ == State::kIdle || state_ == State::kStopped || state_ == State::kStopping) return;
  state_ = State::kStopping;
  timers_->reconnect.cancel();
  timers_->lifetime.cancel();
  timers_->rotate_deadline.cancel();
  meters_.backoff_seconds.set(0);
  // close() may call on_ws_closed (and so clear the pointer) from inside.
  if (candidate_ != nullptr) candidate_->close(DownReason::kStopped);
  if (primary_ != nullptr) primary_->close(DownReason::kStopped);
  maybe_stopped();
}

bool ManagedWs::send_text(std::string text) {
  if (candidate_ != nullptr && candidate_->is_open()) return candidate_->send_text(std::move(text));
  if (primary_ != nullptr && primary_->is_open()) return primary_->send_text(std::move(text));
  return false;
}

void ManagedWs::recycle(DownReason reason) {
  if (state_ != State::kOpen && state_ != State::kConnecting) return;
  if (candidate_ != nullptr) candidate_.reset();  // a rotation in flight is moot
  timers_->rotate_deadline.cancel();
  if (primary_ != nullptr) primary_->close(reason);  // on_ws_closed reconnects with `reason`
}

void ManagedWs::rotate(DownReason reason) {
  if (state_ != State::kOpen || candidate_ != nullptr) return;
  rotate_reason_ = reason;
  log_event(LogLevel::kInfo, "ws_rotate_start", "conn", meters_.conn(), "cause", to_string(reason),
            "uptime_ms", std::chrono::nanoseconds(clock_.monotonic_ns() - primary_->opened_ns()));
  policy_.on_attempt();
  candidate_ = make_client();
  candidate_id_ = next_connection_id_++;
  arm(timers_->rotate_deadline, options_.rotate_timeout_ms, life_, [this] {
    if (candidate_ == nullptr) return;
    log_event(LogLevel::kWarn, "ws_rotate_timeout", "conn", meters_.conn(), "rotate_timeout_ms",
              std::chrono::milliseconds(options_.rotate_timeout_ms));
    candidate_.reset();
    abandon_rotation(DownReason::kConnectFailed, 0);
  });
  candidate_->start();
}

void ManagedWs::mark_live() {
  if (candidate_ != nullptr && candidate_->is_open()) promote();
}

int64_t ManagedWs::current_backoff_ms() const {
  return state_ == State::kBackoff ? policy_.current_backoff_ms() : 0;
}

std::unique_ptr<WsClient> ManagedWs::make_client() {
  WsClientHandler& handler = *this;  // a private base: converted here, inside the class
  return std::make_unique<WsClient>(ioc_, url_, options_.client, tls_.get(), meters_, clock_, handler);
}

void ManagedWs::connect() {
  state_ = State::kConnecting;
  meters_.backoff_seconds.set(0);
  policy_.on_attempt();
  primary_ = make_client();
  primary_id_ = next_connection_id_++;
  primary_->start();
}

void ManagedWs::schedule_reconnect(DownReason reason, int64_t retry_after_ms) {
  const int64_t delay_ms = policy_.on_down(reason, retry_after_ms);
  state_ = State::kBackoff;
  meters_.backoff_seconds.set(static_cast<double>(delay_ms) / 1000.0);
  log_event(LogLevel::kWarn, "ws_reconnect_scheduled", "conn", meters_.conn(), "cause", to_string(reason),
            "backoff_ms", std::chrono::milliseconds(delay_ms), "failures", policy_.failures(),
            "attempts_in_window", policy_.attempts_in_window(), "retry_after_ms",
            std::chrono::milliseconds(retry_after_ms));
  arm(timers_->reconnect, delay_ms, life_, [this] {
    if (state_ == State::kBackoff) connect();
  });
}

void ManagedWs::promote() {
  timers_->rotate_deadline.cancel();
  if (retiring_ != nullptr) retiring_.reset();  // an older rotation still closing: drop it
  retiring_ = std::move(primary_);
  primary_ = std::move(candidate_);
  primary_id_ = candidate_id_;
  state_ = State::kOpen;
  ++reconnects_;
  meters_.reconnects(rotate_reason_).inc();
  log_event(LogLevel::kInfo, "ws_rotated", "conn", meters_.conn(), "cause", to_string(rotate_reason_),
            "connection_id", primary_id_);
  arm_lifetime();
  if (retiring_ != nullptr) retiring_->close(DownReason::kRotate);
}

void ManagedWs::arm_lifetime() {
  if (options_.max_lifetime_ms <= 0) return;
  arm(timers_->lifetime, options_.max_lifetime_ms, life_, [this] { rotate(DownReason::kRotate); });
}

void ManagedWs::abandon_rotation(DownReason reason, int64_t retry_after_ms) {
  timers_->rotate_deadline.cancel();
  if (state_ != State::kOpen) return;
  // Retry the rotation after a backoff delay; if the old connection dies first, the normal
  // reconnect path takes over.
  const int64_t delay_ms = policy_.on_down(reason, retry_after_ms);
  log_event(LogLevel::kWarn, "ws_rotate_failed", "conn", meters_.conn(), "cause", to_string(reason),
            "retry_in_ms", std::chrono::milliseconds(delay_ms));
  const DownReason rotate_reason = rotate_reason_;
  arm(timers_->lifetime, delay_ms, life_, [this, rotate_reason] { rotate(rotate_reason); });
}

void ManagedWs::maybe_stopped() {
  if (state_ == State::kStopping && primary_ == nullptr && candidate_ == nullptr) state_ = State::kStopped;
}

void ManagedWs::on_ws_open(WsClient& client) {
  if (&client == primary_.get()) {
    state_ = State::kOpen;
    meters_.backoff_seconds.set(0);
    arm_lifetime();
    handler_.on_open(ManagedWsOpen{client, primary_id_, false});
  } else if (&client == candidate_.get()) {
    handler_.on_open(ManagedWsOpen{client, candidate_id_, true});
  }
}

void ManagedWs::on_ws_message(WsClient& client, std::string_view payload, int64_t recv_ns) {
  if (&client == primary_.get()) {
    policy_.on_healthy();
    handler_.on_message(payload, recv_ns);
  } else if (&client == candidate_.get()) {
    handler_.on_message(payload, recv_ns);
    if (options_.live_on_first_message && candidate_ != nullptr && &client == candidate_.get()) promote();
  } else if (&client == retiring_.get()) {
    handler_.on_message(payload, recv_ns);  // still in flight while it closes
  }
}

void ManagedWs::on_ws_closed(WsClient& client, const WsCloseInfo& info) {
  if (&client == retiring_.get()) {
    retiring_.reset();
    return;
  }
  if (&client == candidate_.get()) {
    candidate_.reset();
    if (state_ == State::kStopping) return maybe_stopped();
    abandon_rotation(info.reason, info.retry_after_ms);
    return;
  }
  if (&client != primary_.get()) return;
  primary_.reset();
  timers_->lifetime.cancel();
  if (state_ == State::kStopping) return maybe_stopped();
  ++reconnects_;
  meters_.reconnects(info.reason).inc();
  if (candidate_ != nullptr) {
    // The old connection died during a rotation: the new one takes over at once.
    timers_->rotate_deadline.cancel();
    primary_ = std::move(candidate_);
    primary_id_ = candidate_id_;
    if (primary_->is_open()) {
      state_ = State::kOpen;
      arm_lifetime();
      return;
    }
    state_ = State::kConnecting;
    handler_.on_down(info.reason);
    return;
  }
  handler_.on_down(info.reason);
  if (state_ == State::kStopping || state_ == State::kStopped) return;  // the owner stopped us
  schedule_reconnect(info.reason, info.retry_after_ms);
}

}  // namespace phoenix::net
