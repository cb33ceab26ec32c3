#include "net/ws_client.h"

#include <array>
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
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/counting_stream.h"
#include "net/ws_frame_reader.h"
#include "telemetry/log.h"

namespace phoenix::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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
//
// Open phase: one read at a time into the WsFrameReader's buffer; each completion runs
// process(), which hands every complete frame to its consumer before the next read. A
// handler may close or destroy the client from on_ws_message: process() then stops at
// once (the session itself lives on until the completion handler returns, so the buffers
// stay valid). Message/frame meters are added up per read and flushed when the batch ends
// or the session finishes (the meters outlive the WsClient, not necessarily the session).
template <class NextLayer>
class WsSession final : public WsSessionBase, public std::enable_shared_from_this<WsSession<NextLayer>> {
  static constexpr bool kTls = !std::is_same_v<NextLayer, tcp::socket>;
  using Stream = CountingStream<NextLayer>;
  static constexpr size_t kHandshakeBufferBytes = 16 << 10;

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
        hs_buf_(kHandshakeBufferBytes),
        pacer_(options.pacer) {
    tally.read_counter = &meters.wire_in_bytes;
    tally.write_counter = &meters.wire_out_bytes;
    if constexpr (kTls) {
      if (tls == nullptr) {  // no shared context given: a default one (system CA store)
        auto made = make_tls_client_context("");
        if (made) own_tls_ = std::move(made).value();
        tls = own_tls_ != nullptr ? own_tls_.get() : &fallback_tls();
      }
      stream_.emplace(&tally, ioc, *tls);
    } else {
      stream_.emplace(&tally, ioc);
    }
    stream_->set_max_read_bytes(options.max_transport_read_bytes);
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
    queue_.clear();  // unsent messages are dropped; one being written finishes
    close_pending_ = true;
    close_code_to_send_ = 1000;
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
  enum class WriteKind { kText, kPong, kClose };

  std::shared_ptr<WsSession> self() { return this->shared_from_this(); }
  tcp::socket& socket() { return beast::get_lowest_layer(*stream_); }

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
    if (state == WsClient::State::kClosing) return closing_reason_;
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
    auto& tls = stream_->next_layer();
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

  // --- the HTTP upgrade (RFC 6455 4.1), by hand ----------------------------------------
  // Our own request and response check, so that the bytes which arrive right after the 101
  // (possibly in the same segment) stay in hs_buf_ and go to the frame reader.
  void start_upgrade() {
    std::array<unsigned char, 16> nonce{};
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
      return finish(DownReason::kConnectFailed, "upgrade: no random bytes for Sec-WebSocket-Key");
    }
    key_ = base64(nonce.data(), nonce.size());
    request_.method(http::verb::get);
    request_.target(url_.target);
    request_.version(11);
    request_.set(http::field::host, url_.host_header());
    request_.set(http::field::upgrade, "websocket");
    request_.set(http::field::connection, "Upgrade");
    request_.set(http::field::sec_websocket_key, key_);
    request_.set(http::field::sec_websocket_version, "13");
    request_.set(http::field::user_agent, options_.user_agent);
    if (options_.compression != Compression::kOff) {
      // The offer Beast 1.81 made (it always named both window sizes): the server may keep
      // its context unless no_context is forced; we never compress what we send.
      std::string offer = "permessage-deflate; server_max_window_bits=15; client_max_window_bits=15";
      if (options_.compression == Compression::kNoContext) offer += "; server_no_context_takeover";
      offer += "; client_no_context_takeover";
      request_.set(http::field::sec_websocket_extensions, offer);
    }
    arm_deadline(Phase::kHandshake, options_.handshake_timeout_ms);
    http::async_write(*stream_, request_,
                      [self = self()](beast::error_code e, size_t) { self->on_request_sent(e); });
  }

  void on_request_sent(beast::error_code ec) {
    if (finished_) return;
    if (ec) return on_upgrade_error(ec);
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kHandshakeBufferBytes / 2));
    http::async_read_header(*stream_, hs_buf_, *parser_,
                            [self = self()](beast::error_code e, size_t) { self->on_upgrade(e); });
  }

  void on_upgrade_error(beast::error_code ec) {
    const DownReason reason = (ec == asio::error::eof || ec == http::error::end_of_stream || is_reset(ec) ||
                               ec == asio::ssl::error::stream_truncated)
                                  ? DownReason::kConnectFailed
                                  : DownReason::kProtocolError;
    finish(reason, "upgrade: " + ec.message());
  }

  void on_upgrade(beast::error_code ec) {
    if (finished_) return;
    if (ec) return on_upgrade_error(ec);
    const auto& response = parser_->get();
    const unsigned status = response.result_int();
    if (status != 101) {
      std::string error = "upgrade answered HTTP " + std::to_string(status);
      if (!response.reason().empty()) error += " " + std::string(response.reason());
      return finish(DownReason::kHandshakeRejected, std::move(error), static_cast<int>(status),
                    parse_retry_after_ms(response[http::field::retry_after]));
    }
    if (!beast::iequals(response[http::field::upgrade], "websocket")) {
      return finish(DownReason::kProtocolError, "upgrade: the 101 answer lacks \"Upgrade: websocket\"");
    }
    if (!http::token_list(response[http::field::connection]).exists("upgrade")) {
      return finish(DownReason::kProtocolError, "upgrade: the 101 answer lacks \"Connection: Upgrade\"");
    }
    if (response[http::field::sec_websocket_accept] != accept_for(key_)) {
      return finish(DownReason::kProtocolError, "upgrade: wrong Sec-WebSocket-Accept");
    }
    auto checked = check_deflate_answer(std::string_view(response[http::field::sec_websocket_extensions]),
                                        options_.compression != Compression::kOff);
    if (!checked) return finish(DownReason::kProtocolError, checked.error().message);
    extensions = std::move(checked).value();

    WsFrameReaderOptions ro;
    ro.max_message_bytes = std::max<size_t>(options_.read_message_max_bytes, 1024);
    ro.buffer_bytes = std::max<size_t>(options_.read_buffer_bytes, kHandshakeBufferBytes);
    ro.deflate = extensions.deflate.enabled;
    ro.server_no_context_takeover = extensions.deflate.server_no_context_takeover;
    ro.server_max_window_bits = extensions.deflate.server_max_window_bits;
    ro.inflater = options_.inflater;
    reader_.emplace(ro);
    // Frames that came with the 101 (the same read) are the first frame bytes.
    const size_t early = hs_buf_.size();
    if (!reader_->append(static_cast<const char*>(hs_buf_.data().data()), early)) {
      return finish(DownReason::kProtocolError, "upgrade: too many bytes after the 101 answer");
    }
    hs_buf_.clear();
    hs_buf_.shrink_to_fit();
    parser_.reset();

    cancel_deadline();
    phase_ = Phase::kOpen;
    state = WsClient::State::kOpen;
    opened_ns = clock_.monotonic_ns();
    last_frame_ns = opened_ns;
    counts.wire_in_at_open_bytes = tally.read_bytes - early;
    const std::chrono::nanoseconds connect_time(opened_ns - start_ns_);
    meters_.connected.inc();
    meters_.compression_negotiated.set(extensions.deflate.enabled ? 1.0 : 0.0);
    meters_.connect_seconds.observe(std::chrono::duration<double>(connect_time).count());
    log_event(LogLevel::kInfo, "ws_connected", "conn", options_.conn, "url", url_.to_string(), "extensions",
              extensions.raw, "offered", to_string(options_.compression), "connect_ms", connect_time);
    if (options_.idle_timeout_ms > 0) arm_idle(options_.idle_timeout_ms * 1'000'000);
    if (handler_ != nullptr) handler_->on_ws_open(*client_);
    if (finished_) return;
    pump();
    process(opened_ns);
  }

  static std::string base64(const unsigned char* data, size_t n) {
    std::string out(4 * ((n + 2) / 3) + 1, '\0');
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
    out.resize(static_cast<size_t>(std::max(written, 0)));
    return out;
  }

  static std::string accept_for(const std::string& key) {
    const std::string input = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr) != 1) return "";
    return base64(digest.data(), length);
  }

  // --- reading -------------------------------------------------------------------------
  void do_read() {
    stream_->async_read_some(asio::buffer(reader_->read_area(), reader_->read_area_size()),
                             [self = self()](beast::error_code ec, size_t n) { self->on_read(ec, n); });
  }

  void on_read(beast::error_code ec, size_t n) {
    if (finished_) return;
    if (ec) return on_read_error(ec);
    reader_->commit(n);
    const int64_t now = clock_.monotonic_ns();
    last_frame_ns = now;
    process(now);
  }

  // Every complete frame in the buffer, then the next read (unless the connection ends).
  // recv_ns: when the read that brought these bytes completed.
  void process(int64_t recv_ns) {
    for (;;) {
      const WsEvent ev = reader_->next();
      switch (ev.kind) {
        case WsEventKind::kNeedMore:
          flush_meters();
          if (!stop_reading_) do_read();
          return;
        case WsEventKind::kText:
        case WsEventKind::kBinary:
          ++counts.messages_in;
          ++counts.frames_in;
          counts.inflated_in_bytes += ev.payload.size();
          // After close() (ours or the peer's) messages are read but not delivered.
          if (state == WsClient::State::kOpen && handler_ != nullptr) {
            handler_->on_ws_message(*client_, ev.payload, recv_ns);
            if (finished_) return;  // destroyed (detach) or failed from inside the handler
          }
          break;
        case WsEventKind::kPing:
          ++counts.frames_in;
          ++counts.pings_in;
          on_ping(ev.payload);
          if (finished_) return;
          break;
        case WsEventKind::kPong: ++counts.frames_in; break;
        case WsEventKind::kClose:
          ++counts.frames_in;
          on_peer_close(ev.close_code, ev.payload);
          return;
        case WsEventKind::kError: return fail_connection(ev.close_code, ev.error);
      }
    }
  }

  void on_ping(std::string_view payload) {
    if (close_sent_ || close_pending_) return;  // no frames after our close
    pong_payload_.assign(payload);              // only the latest ping needs an answer
    pong_pending_ = true;
    pump();
  }

  // The peer's close frame. If we closed first, this ends the handshake; otherwise we echo
  // its code and finish once the echo is out.
  void on_peer_close(uint16_t code, std::string_view reason) {
    peer_close_code_ = code;
    peer_close_reason_.assign(reason);
    stop_reading_ = true;
    if (state == WsClient::State::kClosing) {
      if (close_in_flight_) return;  // on_close_done finishes
      return finish(closing_reason_, failing_ ? fail_error_ : "");
    }
    state = WsClient::State::kClosing;
    closing_reason_ = DownReason::kClosedByPeer;
    echoing_close_ = true;
    queue_.clear();
    pong_pending_ = false;
    close_pending_ = true;
    close_urgent_ = true;
    close_code_to_send_ = code;
    arm_deadline(Phase::kClosing, options_.close_timeout_ms);
    phase_ = Phase::kOpen;  // reported as a close in the open phase
    pump();
  }

  // A frame-level violation: send a close frame with `code` (not paced: the connection is
  // over), then finish with kProtocolError.
  void fail_connection(uint16_t code, std::string_view error) {
    std::string text = std::string(error) + " (close " + std::to_string(code) + ")";
    stop_reading_ = true;
    if (state == WsClient::State::kClosing && (close_sent_ || close_in_flight_)) {
      return finish(closing_reason_, std::move(text));
    }
    state = WsClient::State::kClosing;
    closing_reason_ = DownReason::kProtocolError;
    failing_ = true;
    fail_error_ = std::move(text);
    queue_.clear();
    pong_pending_ = false;
    close_pending_ = true;
    close_urgent_ = true;
    close_code_to_send_ = code;
    arm_deadline(Phase::kClosing, options_.close_timeout_ms);
    phase_ = Phase::kOpen;
    pump();
  }

  void on_read_error(beast::error_code ec) {
    read_failed_ = true;
    if (close_in_flight_) return;  // our close frame is being written; on_close_done reports
    if (state == WsClient::State::kClosing) {
      return finish(closing_reason_, failing_ ? fail_error_ : "");
    }
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

  void flush_meters() {
    if (counts.messages_in != flushed_.messages_in)
      meters_.messages_in.inc(counts.messages_in - flushed_.messages_in);
    if (counts.frames_in != flushed_.frames_in) meters_.frames_in.inc(counts.frames_in - flushed_.frames_in);
    if (counts.pings_in != flushed_.pings_in) meters_.pings_in.inc(counts.pings_in - flushed_.pings_in);
    if (counts.inflated_in_bytes != flushed_.inflated_in_bytes)
      meters_.inflated_in_bytes.inc(counts.inflated_in_bytes - flushed_.inflated_in_bytes);
    flushed_ = counts;
  }

  // --- writing -------------------------------------------------------------------------
  // One write at a time, every frame masked. Order: a close that must not wait (echo of the
  // peer's close, or a protocol failure), a pong (any pacer slot), our own close (paced),
  // text messages (paced).
  void pump() {
    if (finished_ || write_in_flight_) return;
    if (state != WsClient::State::kOpen && state != WsClient::State::kClosing) return;
    const int64_t now = clock_.monotonic_ns();
    if (close_pending_ && close_urgent_) {
      pacer_.on_pong(now);
      return write_close();
    }
    if (pong_pending_) {
      const int64_t wait_ns = pacer_.pong_delay_ns(now);
      if (wait_ns > 0) return arm_pace(wait_ns);
      pong_pending_ = false;
      pacer_.on_pong(now);
      encode(0xa, pong_payload_);
      return write(WriteKind::kPong, 0);
    }
    if (!close_pending_ && queue_.empty()) return;
    const int64_t wait_ns = pacer_.delay_ns(now);
    if (wait_ns > 0) return arm_pace(wait_ns);
    pacer_.on_sent(now);
    if (close_pending_) return write_close();
    const size_t length = queue_.front().size();
    encode(0x1, queue_.front());
    queue_.pop_front();
    write(WriteKind::kText, length);
  }

  void arm_pace(int64_t wait_ns) {
    if (pace_armed_) return;
    pace_armed_ = true;
    pace_timer_.expires_after(std::chrono::nanoseconds(wait_ns));
    pace_timer_.async_wait([self = self()](beast::error_code ec) {
      self->pace_armed_ = false;
      if (!ec) self->pump();
    });
  }

  void write_close() {
    close_pending_ = false;
    close_in_flight_ = true;
    close_sent_ = true;
    std::array<char, 2> code{};
    size_t n = 0;
    if (close_code_to_send_ != 0) {
      code = {static_cast<char>(close_code_to_send_ >> 8), static_cast<char>(close_code_to_send_ & 0xff)};
      n = 2;
    }
    encode(0x8, std::string_view(code.data(), n));
    write(WriteKind::kClose, 0);
  }

  void encode(unsigned opcode, std::string_view payload) {
    std::array<unsigned char, 4> mask{};
    if (RAND_bytes(mask.data(), 4) != 1) {
      const uint64_t r = ++mask_fallback_ * 0x9E3779B97F4A7C15ULL;
      std::memcpy(mask.data(), &r, 4);
    }
    encode_client_frame(opcode, payload, mask.data(), write_buf_);
  }

  void write(WriteKind kind, size_t text_length) {
    write_in_flight_ = true;
    asio::async_write(*stream_, asio::buffer(write_buf_),
                      [self = self(), kind, text_length](beast::error_code ec, size_t) {
                        self->on_write(ec, kind, text_length);
                      });
  }

  void on_write(beast::error_code ec, WriteKind kind, size_t text_length) {
    write_in_flight_ = false;
    if (kind == WriteKind::kClose) close_in_flight_ = false;
    if (finished_) return;
    if (kind == WriteKind::kClose) return on_close_done(ec);
    if (ec) return on_read_error(ec);
    if (kind == WriteKind::kText) {
      ++counts.messages_out;
      counts.inflated_out_bytes += text_length;
      meters_.messages_out.inc();
      meters_.inflated_out_bytes.inc(text_length);
    }
    pump();
  }

  // Our close frame is out (or failed). A failure, an echo, or a close whose answer already
  // came (or whose read already failed) ends here; otherwise the reader waits for the
  // peer's close frame (or EOF) until the close deadline.
  void on_close_done(beast::error_code ec) {
    if (failing_) return finish(DownReason::kProtocolError, fail_error_);
    if (echoing_close_) return finish(DownReason::kClosedByPeer, "");
    const bool clean = !ec || ec == asio::error::eof;
    if (!clean) return finish(closing_reason_, "close: " + ec.message());
    if (stop_reading_ || read_failed_) return finish(closing_reason_, "");
  }

  // --- the end -------------------------------------------------------------------------
  void finish(DownReason reason, std::string error, int http_status = 0, int64_t retry_after_ms = 0) {
    if (finished_) return;
    finished_ = true;
    flush_meters();
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
      info.close_code = peer_close_code_;
      info.close_reason = peer_close_reason_;
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
  std::optional<Stream> stream_;
  std::string verify_error_;

  // upgrade
  std::string key_;
  http::request<http::empty_body> request_;
  beast::flat_buffer hs_buf_;
  std::optional<http::response_parser<http::empty_body>> parser_;

  // reading
  std::optional<WsFrameReader> reader_;
  WsStats flushed_;  // counts already added to the meters
  bool stop_reading_ = false;
  bool read_failed_ = false;
  uint16_t peer_close_code_ = 0;
  std::string peer_close_reason_;

  // writing
  SendPacer pacer_;
  std::deque<std::string> queue_;
  std::string write_buf_;  // the frame being written
  std::string pong_payload_;
  uint64_t mask_fallback_ = 0;
  bool write_in_flight_ = false;
  bool pong_pending_ = false;
  bool close_pending_ = false;
  bool close_urgent_ = false;  // not paced: an echo or a failure
  bool close_in_flight_ = false;
  bool close_sent_ = false;
  uint16_t close_code_to_send_ = 1000;
  bool pace_armed_ = false;
  bool echoing_close_ = false;
  bool failing_ = false;
  std::string fail_error_;

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
