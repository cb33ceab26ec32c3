#include "net/ws_client.h"

#include <charconv>
#include <chrono>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/counting_stream.h"
#include "telemetry/log.h"

namespace phoenix::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using telemetry::log_event;
using telemetry::LogLevel;

std::string_view to_string(Compression compression) {
  switch (compression) {
    case Compression::kOff: return "off";
    case Compression::kNoContext: return "no_context";
    case Compression::kContext: return "context";
  }
  return "unknown";
}

core::Result<std::shared_ptr<asio::ssl::context>> make_tls_client_context(const std::string& ca_file) {
  try {
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    beast::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) return core::Error(core::ErrorCode::kIo, "TLS: cannot use the system CA store: " + ec.message());
    if (!ca_file.empty()) {
      ctx->load_verify_file(ca_file, ec);
      if (ec)
        return core::Error(core::ErrorCode::kIo,
                           "TLS: cannot load CA file \"" + ca_file + "\": " + ec.message());
    }
    ctx->set_verify_mode(asio::ssl::verify_peer, ec);
    if (ec) return core::Error(core::ErrorCode::kInternal, "TLS: cannot set verify mode: " + ec.message());
    SSL_CTX_ctrl(ctx->native_handle(), SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr);
    return ctx;
  } catch (const std::exception& e) {
    return core::Error(core::ErrorCode::kInternal,
                       std::string("TLS: cannot create a client context: ") + e.what());
  }
}

namespace detail {
namespace {

enum class Phase { kIdle, kResolve, kConnect, kTls, kHandshake, kOpen, kClosing };

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::kIdle: return "idle";
    case Phase::kResolve: return "resolve";
    case Phase::kConnect: return "connect";
    case Phase::kTls: return "tls";
    case Phase::kHandshake: return "handshake";
    case Phase::kOpen: return "open";
    case Phase::kClosing: return "closing";
  }
  return "unknown";
}

// Retry-After as delta-seconds (RFC 9110), in ms; 0 when absent, an HTTP-date, or junk.
int64_t parse_retry_after_ms(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  int64_t seconds = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || ptr != value.data() + value.size() || seconds < 0) return 0;
  return std::min<int64_t>(seconds, 86'400) * 1000;
}

// Errors that mean the transport went away under us.
bool is_reset(const beast::error_code& ec) {
  return ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::error::timed_out ||
         ec == asio::error::network_reset || ec == asio::error::not_connected;
}

}  // namespace

// The part of a session WsClient sees, independent of the stream type.
class WsSessionBase {
 public:
  virtual ~WsSessionBase() = default;
  virtual void start() = 0;
  virtual bool send_text(std::string text) = 0;
  virtual void close(DownReason reason) = 0;
  // The WsClient is going away: no more callbacks; tear down now.
  virtual void detach() = 0;
  virtual size_t frames_in_pacer_window() = 0;

  WsClient::State state = WsClient::State::kIdle;
  NegotiatedExtensions extensions;
  WsStats counts;  // everything but the wire bytes, which live in tally
  ByteTally tally;
  int64_t opened_ns = 0;
  int64_t last_frame_ns = 0;
};

// One connection over NextLayer (tcp::socket, or beast::ssl_stream<tcp::socket> for wss).
// Kept alive by the shared_ptr each pending Asio operation holds; io_context thread only.
template <class NextLayer>
class WsSession final : public WsSessionBase, public std::enable_shared_from_this<WsSession<NextLayer>> {
  static constexpr bool kTls = !std::is_same_v<NextLayer, tcp::socket>;
  using Ws = websocket::stream<CountingStream<NextLayer>>;

 public:
  WsSession(asio::io_context& ioc, const WsUrl& url, const WsClientOptions& options, asio::ssl::context* tls,
            WsMeters& meters, const core::Clock& clock, WsClient* client, WsClientHandler* handler)
      : url_(url),
        options_(options),
        meters_(meters),
        clock_(clock),
        client_(client),
        handler_(handler),
        resolver_(ioc),
        deadline_(ioc),
        idle_timer_(ioc),
        pace_timer_(ioc),
        pacer_(options.pacer),
        read_max_bytes_(std::max<size_t>(options.read_message_max_bytes, 1024)),
        buf_(std::make_unique_for_overwrite<char[]>(read_max_bytes_ + 1 + kWsPayloadPaddingBytes)) {
    tally.read_counter = &meters.wire_in_bytes;
    tally.write_counter = &meters.wire_out_bytes;
    if constexpr (kTls) {
      if (tls == nullptr) {  // no shared context given: a default one (system CA store)
        auto made = make_tls_client_context("");
        if (made) own_tls_ = std::move(made).value();
        tls = own_tls_ != nullptr ? own_tls_.get() : &fallback_tls();
      }
      ws_.emplace(&tally, ioc, *tls);
    } else {
      ws_.emplace(&tally, ioc);
    }
    ws_->next_layer().set_max_read_bytes(options.max_transport_read_bytes);
  }

  void start() override {
    if (state != WsClient::State::kIdle) return;
    state = WsClient::State::kConnecting;
    start_ns_ = clock_.monotonic_ns();
    arm_deadline(Phase::kResolve, options_.resolve_timeout_ms);
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [self = self()](beast::error_code ec, tcp::resolver::results_type results) {
                              self->on_resolve(ec, std::move(results));
                            });
  }

  bool send_text(std::string text) override {
    if (state == WsClient::State::kClosing || state == WsClient::State::kClosed) return false;
    queue_.push_back(std::move(text));
    pump();
    return true;
  }

  void close(DownReason reason) override {
    if (finished_ || state == WsClient::State::kClosing) return;
    if (state != WsClient::State::kOpen) return finish(reason, "closed locally before the upgrade completed");
    state = WsClient::State::kClosing;
    closing_reason_ = reason;
    // Unsent messages are dropped; one being written stays until its write completes.
    queue_.erase(write_in_flight_ && !queue_.empty() ? queue_.begin() + 1 : queue_.begin(), queue_.end());
    close_pending_ = true;
    arm_deadline(Phase::kClosing, options_.close_timeout_ms);
    pump();
  }

  void detach() override {
    handler_ = nullptr;
    client_ = nullptr;
    finish(DownReason::kStopped, "");
  }

  size_t frames_in_pacer_window() override { return pacer_.frames_in_window(clock_.monotonic_ns()); }

 private:
  std::shared_ptr<WsSession> self() { return this->shared_from_this(); }
  tcp::socket& socket() { return beast::get_lowest_layer(*ws_); }

  // --- deadlines ---------------------------------------------------------------------
  // One timer covers the current phase; when it fires the phase's operation is cancelled
  // (resolver cancelled, socket closed) and the session finishes with a timeout error.
  void arm_deadline(Phase phase, int64_t timeout_ms) {
    phase_ = phase;
    const uint64_t generation = ++deadline_generation_;
    deadline_.expires_after(std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 1)));
    deadline_.async_wait([self = self(), generation, timeout_ms](beast::error_code ec) {
      if (ec || self->finished_ || generation != self->deadline_generation_) return;
      self->finish(self->reason_for_phase(), "timeout after " + std::to_string(timeout_ms) + " ms in phase " +
                                                 std::string(phase_name(self->phase_)));
    });
  }
  void cancel_deadline() {
    ++deadline_generation_;
    deadline_.cancel();
  }
  DownReason reason_for_phase() const {
    switch (phase_) {
      case Phase::kTls: return DownReason::kTlsFailed;
      case Phase::kClosing: return closing_reason_;
      default: return DownReason::kConnectFailed;
    }
  }

  // --- connect chain -----------------------------------------------------------------
  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (finished_) return;
    if (ec) return finish(DownReason::kConnectFailed, "resolve " + url_.host + ": " + ec.message());
    arm_deadline(Phase::kConnect, options_.connect_timeout_ms);
    asio::async_connect(socket(), results,
                        [self = self()](beast::error_code e, const tcp::endpoint&) { self->on_connect(e); });
  }

  void on_connect(beast::error_code ec) {
    if (finished_) return;
    if (ec) return finish(DownReason::kConnectFailed, "connect " + url_.host_header() + ": " + ec.message());
    socket().set_option(tcp::no_delay(true), ec);  // pongs and SUBSCRIBEs go out at once
    if constexpr (kTls) {
      start_tls();
    } else {
      start_upgrade();
    }
  }

  void start_tls() {
    auto& tls = ws_->next_layer().next_layer();
    if (!url_.host_is_ip() &&
        SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(url_.host.c_str())) != 1) {
      return finish(DownReason::kTlsFailed, "cannot set SNI host name " + url_.host);
    }
    beast::error_code ec;
    tls.set_verify_mode(asio::ssl::verify_peer, ec);
    // Asio's host_name_verification (DNS names and IP SANs), wrapped to remember why a
    // certificate was refused so the error says more than "certificate verify failed".
    tls.set_verify_callback(
        [this, check = asio::ssl::host_name_verification(url_.host)](bool preverified,
                                                                     asio::ssl::verify_context& ctx) {
          if (!preverified) {
            const int err = X509_STORE_CTX_get_error(ctx.native_handle());
            if (verify_error_.empty()) verify_error_ = X509_verify_cert_error_string(err);
            return false;
          }
          const bool ok = check(preverified, ctx);
          if (!ok) verify_error_ = "certificate does not match host name \"" + url_.host + "\"";
          return ok;
        },
        ec);
    if (ec) return finish(DownReason::kTlsFailed, "cannot set TLS verification: " + ec.message());
    arm_deadline(Phase::kTls, options_.tls_timeout_ms);
    tls.async_handshake(asio::ssl::stream_base::client,
                        [self = self()](beast::error_code e) { self->on_tls(e); });
  }

  void on_tls(beast::error_code ec) {
    if (finished_) return;
    if (ec) {
      std::string error = "TLS handshake with " + url_.host_header() + ": " + ec.message();
      if (!verify_error_.empty()) error += " (" + verify_error_ + ")";
      return finish(DownReason::kTlsFailed, std::move(error));
    }
    start_upgrade();
  }

  void start_upgrade() {
    Ws& ws = *ws_;
    // Beast's own timers are off: deadlines and the idle check are ours (beast#2716), and
    // Beast must not send keep-alive pings (the server pings; our frames are paced).
    ws.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                  websocket::stream_base::none(), false});
    ws.set_option(websocket::stream_base::decorator(
        [ua = options_.user_agent](websocket::request_type& req) { req.set(http::field::user_agent, ua); }));
    websocket::permessage_deflate pmd;
    if (options_.compression != Compression::kOff) {
      // Beast 1.81 always adds server_max_window_bits=15; client_max_window_bits=15.
      pmd.client_enable = true;
      pmd.client_no_context_takeover = true;
      pmd.server_no_context_takeover = options_.compression == Compression::kNoContext;
      // Never compress what we send (tiny control messages): Beast then never allocates its
      // ~136 KiB deflate state.
      pmd.msg_size_threshold = std::numeric_limits<std::size_t>::max();
    }
    ws.set_option(pmd);
    ws.read_message_max(read_max_bytes_);
    ws.auto_fragment(false);
    ws.text(true);
    ws.control_callback([this](websocket::frame_type kind, beast::string_view) { on_control(kind); });
    arm_deadline(Phase::kHandshake, options_.handshake_timeout_ms);
    ws.async_handshake(response_, url_.host_header(), url_.target,
                       [self = self()](beast::error_code e) { self->on_upgrade(e); });
  }

  void on_upgrade(beast::error_code ec) {
    if (finished_) return;
    if (ec) {
      const unsigned status = response_.result_int();
      if (status != 0 && status != 101) {
        std::string error = "upgrade answered HTTP " + std::to_string(status);
        if (!response_.reason().empty()) error += " " + std::string(response_.reason());
        return finish(DownReason::kHandshakeRejected, std::move(error), static_cast<int>(status),
                      parse_retry_after_ms(response_[http::field::retry_after]));
      }
      const DownReason reason =
          (ec == asio::error::eof || is_reset(ec)) ? DownReason::kConnectFailed : DownReason::kProtocolError;
      return finish(reason, "upgrade: " + ec.message());
    }
    auto checked = check_deflate_answer(std::string_view(response_[http::field::sec_websocket_extensions]),
                                        options_.compression != Compression::kOff);
    if (!checked) return finish(DownReason::kProtocolError, checked.error().message);
    extensions = std::move(checked).value();
    cancel_deadline();
    phase_ = Phase::kOpen;
    state = WsClient::State::kOpen;
    opened_ns = clock_.monotonic_ns();
    last_frame_ns = opened_ns;
    counts.wire_in_at_open_bytes = tally.read_bytes;
    const std::chrono::nanoseconds connect_time(opened_ns - start_ns_);
    meters_.connected.inc();
    meters_.compression_negotiated.set(extensions.deflate.enabled ? 1.0 : 0.0);
    meters_.connect_seconds.observe(std::chrono::duration<double>(connect_time).count());
    log_event(LogLevel::kInfo, "ws_connected", "conn", options_.conn, "url", url_.to_string(), "extensions",
              extensions.raw, "offered", to_string(options_.compression), "connect_ms", connect_time);
    if (options_.idle_timeout_ms > 0) arm_idle(options_.idle_timeout_ms * 1'000'000);
    do_read();
    if (handler_ != nullptr) handler_->on_ws_open(*client_);
    pump();
  }

  // --- reading -------------------------------------------------------------------------
  // beast#3028 (Boost < 1.90): when the output buffer runs out while Beast inflates the
  // 00 00 ff ff tail it appends to every compressed message, the next read feeds the whole
  // tail again and fails with "invalid stored block length". websocket::async_read into a
  // dynamic buffer does not avoid it: Beast prepares only ~1536 bytes of output per step.
  // So we read with async_read_some into one flat buffer that always offers at least
  // read_message_max + 1 - (bytes of this message so far) bytes of output: a message within
  // the limit can never exhaust it, so the tail is always inflated in one go; a message
  // over the limit fails with message_too_big before its tail. The buffer is allocated
  // once, uninitialised (pages are touched only as far as the largest message), and keeps
  // kWsPayloadPaddingBytes after the limit for the simdjson padding guarantee.
  void do_read() {
    ws_->async_read_some(asio::buffer(buf_.get() + size_, read_max_bytes_ + 1 - size_),
                         [self = self()](beast::error_code ec, size_t n) { self->on_read(ec, n); });
  }

  void on_read(beast::error_code ec, size_t n) {
    if (finished_) return;
    if (ec) return on_read_error(ec);
    size_ += n;
    last_frame_ns = clock_.monotonic_ns();
    if (!ws_->is_message_done()) return do_read();
    const size_t length = size_;
    size_ = 0;
    std::memset(buf_.get() + length, 0, kWsPayloadPaddingBytes);
    ++counts.messages_in;
    ++counts.frames_in;
    counts.inflated_in_bytes += length;
    meters_.messages_in.inc();
    meters_.frames_in.inc();
    meters_.inflated_in_bytes.inc(length);
    if (handler_ != nullptr)
      handler_->on_ws_message(*client_, std::string_view(buf_.get(), length), last_frame_ns);
    if (!finished_) do_read();
  }

  void on_control(websocket::frame_type kind) {
    const int64_t now = clock_.monotonic_ns();
    last_frame_ns = now;
    ++counts.frames_in;
    meters_.frames_in.inc();
    if (kind == websocket::frame_type::ping) {
      ++counts.pings_in;
      meters_.pings_in.inc();
      pacer_.on_pong(now);  // Beast answers right after this callback, echoing the payload
    }
  }

  void on_read_error(beast::error_code ec) {
    if (close_in_flight_) return;  // our close handshake is finishing; on_close_done reports
    if (state == WsClient::State::kClosing) return finish(closing_reason_, "");
    if (ec == websocket::error::closed) return finish(DownReason::kClosedByPeer, "");
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      return finish(DownReason::kClosedByPeer, "connection closed without a close frame");
    }
    if (is_reset(ec)) return finish(DownReason::kReset, ec.message());
    return finish(DownReason::kProtocolError, ec.message());
  }

  void arm_idle(int64_t delay_ns) {
    idle_timer_.expires_after(std::chrono::nanoseconds(delay_ns));
    idle_timer_.async_wait([self = self()](beast::error_code ec) {
      if (ec || self->finished_) return;
      const int64_t limit_ns = self->options_.idle_timeout_ms * 1'000'000;
      const int64_t silent_ns = self->clock_.monotonic_ns() - self->last_frame_ns;
      if (silent_ns < limit_ns) return self->arm_idle(limit_ns - silent_ns);
      self->finish(DownReason::kIdleTimeout,
                   "no frame for " + std::to_string(silent_ns / 1'000'000) +
                       " ms (idle_timeout_ms=" + std::to_string(self->options_.idle_timeout_ms) + ")");
    });
  }

  // --- writing -------------------------------------------------------------------------
  // One write at a time; every frame we send (text or close) first asks the pacer.
  void pump() {
    if (finished_ || write_in_flight_) return;
    if (state != WsClient::State::kOpen && state != WsClient::State::kClosing) return;
    if (!close_pending_ && queue_.empty()) return;
    const int64_t now = clock_.monotonic_ns();
    const int64_t wait_ns = pacer_.delay_ns(now);
    if (wait_ns > 0) {
      if (pace_armed_) return;
      pace_armed_ = true;
      pace_timer_.expires_after(std::chrono::nanoseconds(wait_ns));
      pace_timer_.async_wait([self = self()](beast::error_code ec) {
        self->pace_armed_ = false;
        if (!ec) self->pump();
      });
      return;
    }
    pacer_.on_sent(now);
    write_in_flight_ = true;
    if (close_pending_) {
      close_pending_ = false;
      close_in_flight_ = true;
      ws_->async_close(websocket::close_code::normal,
                       [self = self()](beast::error_code ec) { self->on_close_done(ec); });
      return;
    }
    ws_->async_write(asio::buffer(queue_.front()),
                     [self = self()](beast::error_code ec, size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    write_in_flight_ = false;
    if (finished_) return;
    const size_t length = queue_.front().size();
    queue_.pop_front();
    if (ec) return on_read_error(ec);
    ++counts.messages_out;
    counts.inflated_out_bytes += length;
    meters_.messages_out.inc();
    meters_.inflated_out_bytes.inc(length);
    pump();
  }

  void on_close_done(beast::error_code ec) {
    write_in_flight_ = false;
    close_in_flight_ = false;
    if (finished_) return;
    const bool clean = !ec || ec == asio::error::eof || ec == websocket::error::closed;
    finish(closing_reason_, clean ? "" : "close: " + ec.message());
  }

  // --- the end -------------------------------------------------------------------------
  void finish(DownReason reason, std::string error, int http_status = 0, int64_t retry_after_ms = 0) {
    if (finished_) return;
    finished_ = true;
    const bool was_open = opened_ns != 0;
    const Phase phase = phase_;
    state = WsClient::State::kClosed;
    cancel_deadline();
    beast::error_code ignored;
    idle_timer_.cancel();
    pace_timer_.cancel();
    resolver_.cancel();
    socket().close(ignored);

    WsCloseInfo info;
    info.reason = reason;
    info.was_open = was_open;
    info.phase = phase_name(phase);
    info.error = std::move(error);
    info.http_status = http_status;
    info.retry_after_ms = retry_after_ms;
    info.received_data = counts.messages_in > 0;
    if (was_open) {
      info.close_code = static_cast<int>(ws_->reason().code);
      info.close_reason = std::string(ws_->reason().reason.data(), ws_->reason().reason.size());
      info.uptime_ms = (clock_.monotonic_ns() - opened_ns) / 1'000'000;
      meters_.connected.dec();
      const bool routine = reason == DownReason::kStopped || reason == DownReason::kRotate;
      log_event(routine ? LogLevel::kInfo : LogLevel::kWarn, "ws_closed", "conn", options_.conn, "code",
                info.close_code, "reason", info.close_reason, "error", info.error, "cause", to_string(reason),
                "uptime_ms", std::chrono::milliseconds(info.uptime_ms), "wire_in_bytes", tally.read_bytes,
                "inflated_in_bytes", counts.inflated_in_bytes, "messages_in", counts.messages_in, "url",
                url_.to_string());
    } else if (reason != DownReason::kStopped && phase != Phase::kIdle) {
      log_event(LogLevel::kWarn, "ws_connect_failed", "conn", options_.conn, "url", url_.to_string(), "phase",
                info.phase, "cause", to_string(reason), "error", info.error, "http_status", http_status,
                "retry_after_ms", std::chrono::milliseconds(retry_after_ms));
    }
    if (handler_ != nullptr) handler_->on_ws_closed(*client_, info);
  }

  WsUrl url_;
  WsClientOptions options_;
  WsMeters& meters_;
  const core::Clock& clock_;
  WsClient* client_;
  WsClientHandler* handler_;

  // Used only when no context could be made: it trusts nothing, and start_tls() sets
  // verify_peer on every stream, so every handshake fails verification.
  static asio::ssl::context& fallback_tls() {
    static asio::ssl::context ctx(asio::ssl::context::tls_client);
    return ctx;
  }

  std::shared_ptr<asio::ssl::context> own_tls_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_;
  asio::steady_timer idle_timer_;
  asio::steady_timer pace_timer_;
  std::optional<Ws> ws_;
  websocket::response_type response_;
  std::string verify_error_;

  SendPacer pacer_;
  std::deque<std::string> queue_;
  bool write_in_flight_ = false;
  bool close_pending_ = false;
  bool close_in_flight_ = false;
  bool pace_armed_ = false;

  size_t read_max_bytes_;
  std::unique_ptr<char[]> buf_;  // read_max_bytes_ + 1 + kWsPayloadPaddingBytes
  size_t size_ = 0;              // bytes of the message being read

  Phase phase_ = Phase::kIdle;
  uint64_t deadline_generation_ = 0;
  DownReason closing_reason_ = DownReason::kStopped;
  int64_t start_ns_ = 0;
  bool finished_ = false;
};

}  // namespace detail

WsClient::WsClient(asio::io_context& ioc, const WsUrl& url, const WsClientOptions& options,
                   asio::ssl::context* tls, WsMeters& meters, const core::Clock& clock,
                   WsClientHandler& handler)
    : url_(url) {
  if (url.secure) {
    session_ = std::make_shared<detail::WsSession<beast::ssl_stream<tcp::socket>>>(
        ioc, url, options, tls, meters, clock, this, &handler);
  } else {
    session_ = std::make_shared<detail::WsSession<tcp::socket>>(ioc, url, options, tls, meters, clock, this,
                                                                &handler);
  }
}

WsClient::~WsClient() { session_->detach(); }

// Each call holds its own reference: a callback made from inside may destroy this WsClient.
void WsClient::start() {
  const auto keep = session_;
  keep->start();
}
bool WsClient::send_text(std::string text) {
  const auto keep = session_;
  return keep->send_text(std::move(text));
}
void WsClient::close(DownReason reason) {
  const auto keep = session_;
  keep->close(reason);
}
WsClient::State WsClient::state() const { return session_->state; }
const std::string& WsClient::negotiated_extensions() const { return session_->extensions.raw; }
const NegotiatedExtensions& WsClient::extensions() const { return session_->extensions; }
int64_t WsClient::opened_ns() const { return session_->opened_ns; }
int64_t WsClient::last_frame_ns() const { return session_->last_frame_ns; }
size_t WsClient::frames_in_pacer_window() { return session_->frames_in_pacer_window(); }

WsStats WsClient::stats() const {
  WsStats s = session_->counts;
  s.wire_in_bytes = session_->tally.read_bytes;
  s.wire_out_bytes = session_->tally.written_bytes;
  return s;
}

}  // namespace phoenix::net
