#pragma once

// Internals of ExchangeServer (sim/server.h), shared by server.cc, http_session.cc,
// ws_session.cc and admin_api.cc. Not part of the sim module's interface.
//
// Ownership: ServerCore is held by shared_ptr by the ExchangeServer and by every
// session, so a late completion handler never touches freed memory. Sessions are owned
// by their pending operations (shared_from_this); the core keeps raw pointers to the
// live ones and each session removes itself when it finishes.
// Threading: all of it runs on the one io_context thread.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "core/clock.h"
#include "sim/exchange.h"
#include "sim/market_streams.h"
#include "sim/server.h"
#include "sim/server_metrics.h"

namespace phoenix::sim::server_detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

// ---- URL helpers (url_util in server.cc).
// Percent-decodes `in` ('+' becomes a space when `plus_is_space`). False on a bad escape.
bool percent_decode(std::string_view in, std::string* out, bool plus_is_space);
// "path?query" -> path (not decoded).
std::string_view target_path(std::string_view target);
// Decoded key/value pairs of the query part of `target`, in order. False on a bad escape.
bool parse_query(std::string_view target, std::vector<std::pair<std::string, std::string>>* out);
// JSON string literal (with quotes) of `s`.
std::string json_quote(std::string_view s);
// "2026-11-25T09:03:48.123Z"
std::string iso_time(int64_t wall_us);

// A tcp_stream that counts the bytes it moves (on the wire: after deflate, with frame
// headers) into two counters it does not own (the server's metrics); the WebSocket
// stream's next layer, owned by its WsSession; the event-loop thread only.
class MeteredStream {
 public:
  using executor_type = beast::tcp_stream::executor_type;

  MeteredStream(beast::tcp_stream stream, uint64_t* in_bytes, uint64_t* out_bytes)
      : stream_(std::move(stream)), in_bytes_(in_bytes), out_bytes_(out_bytes) {}

  executor_type get_executor() noexcept { return stream_.get_executor(); }
  beast::tcp_stream& next_layer() noexcept { return stream_; }
  const beast::tcp_stream& next_layer() const noexcept { return stream_; }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    stream_.async_read_some(buffers,
                            Counted<std::decay_t<Handler>>{std::forward<Handler>(handler), in_bytes_});
  }
  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    stream_.async_write_some(buffers,
                             Counted<std::decay_t<Handler>>{std::forward<Handler>(handler), out_bytes_});
  }

 private:
  template <class Handler>
  struct Counted {
    Handler handler;
    uint64_t* bytes;
    void operator()(beast::error_code ec, size_t n) {
      *bytes += n;
      handler(ec, n);
    }
  };

  beast::tcp_stream stream_;
  uint64_t* in_bytes_;
  uint64_t* out_bytes_;
};

inline void teardown(beast::role_type role, MeteredStream& stream, beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

template <class Handler>
void async_teardown(beast::role_type role, MeteredStream& stream, Handler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, stream.next_layer(), std::forward<Handler>(handler));
}

// Fault state set by the admin API and by ServerOptions::faults.
struct FaultState {
  int64_t delay_ms = 0;
  int64_t accept_close_until_ns = 0;  // monotonic
  int handshake_status = 0;
  int handshake_count = 0;
  int handshake_retry_after_s = 0;
  enum class Rest : uint8_t { kNone, k5xx, kTimeout } rest = Rest::kNone;
  int rest_count = 0;
  int rest_status = 503;
};

class WsSession;
class HttpSession;

class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  ServerCore(net::io_context& ioc, ServerOptions options, Exchange& exchange, MarketStreams& streams,
             MarketSimulator* sim, const core::Clock& clock);

  core::Status listen();
  void start();
  // Graceful: serverShutdown + 1001 to every WebSocket, HTTP connections closed.
  void stop();

  int64_t mono_ns() const { return clock_.monotonic_ns(); }
  int64_t wall_ms() const { return clock_.wall_ms(); }

  // Records one WS connection attempt of `ip`; false when over the per-IP limit
  // (then *retry_after_s says when the oldest attempt leaves the window).
  bool admit_attempt(const std::string& ip, int64_t* retry_after_s);
  // "<iso time> WARN fault_injected kind=<kind> <details>" on stderr, and the counter.
  void log_fault(std::string_view kind, std::string_view details);
  // Prometheus text: the server's metrics, then Exchange/MarketStreams/MarketSimulator's.
  std::string metrics_text() const;
  // Admin API: /admin/... (admin_api.cc). `loopback`: the client is on a loopback address.
  HttpReplyOut handle_admin(std::string_view method, std::string_view target, bool loopback);

  void add(WsSession* s) { ws_sessions_.insert(s); }
  void remove(WsSession* s) { ws_sessions_.erase(s); }
  void add(HttpSession* s) { http_sessions_.insert(s); }
  void remove(HttpSession* s) { http_sessions_.erase(s); }
  size_t connection_count() const { return ws_sessions_.size() + http_sessions_.size(); }

  net::io_context& ioc() { return ioc_; }
  const ServerOptions& options() const { return options_; }
  Exchange& exchange() { return exchange_; }
  MarketStreams& streams() { return streams_; }
  ServerMetrics& metrics() { return metrics_; }
  FaultState& faults() { return faults_; }
  bool stopping() const { return stopping_; }
  uint16_t port() const { return port_; }

 private:
  void do_accept();
  void on_tick();
  void apply_start_faults();

  net::io_context& ioc_;
  ServerOptions options_;
  Exchange& exchange_;
  MarketStreams& streams_;
  MarketSimulator* sim_;
  const core::Clock& clock_;
  tcp::acceptor acceptor_;
  net::steady_timer tick_timer_;
  uint16_t port_ = 0;
  bool stopping_ = false;
  ServerMetrics metrics_;
  FaultState faults_;
  std::unordered_set<WsSession*> ws_sessions_;
  std::unordered_set<HttpSession*> http_sessions_;
  std::unordered_map<std::string, std::deque<int64_t>> attempts_ns_by_ip_;
  int64_t last_attempt_sweep_ns_ = 0;
  uint64_t next_session_id_ = 1;

  friend class HttpSession;
};

// One HTTP/1.1 connection: reads requests (deadline, size limits), answers REST, admin
// and metrics, or hands the socket to a WsSession on an upgrade.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<ServerCore> core, tcp::socket socket);
  ~HttpSession();
  void run();
  void close_now();

 private:
  using Request = http::request<http::string_body>;
  using Response = http::response<http::string_body>;
  void do_read();
  void on_read(beast::error_code ec);
  void handle(Request req);
  void handle_upgrade(Request req);
  void reply_json(int status, std::string body, bool keep_alive,
                  const std::vector<std::pair<std::string, std::string>>& headers = {},
                  std::string content_type = "application/json");
  void write(Response res);
  void write_now(const std::shared_ptr<Response>& res);
  void hold_request();  // the "timeout" REST fault
  void finish();

  std::shared_ptr<ServerCore> core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  net::steady_timer hold_timer_;
  std::string ip_;
  bool loopback_ = false;
  bool registered_ = false;
  bool handed_off_ = false;
  bool finished_ = false;
  bool delay_rest_ = false;  // the response being written answers /api/ (the delay fault applies)
  char hold_byte_ = 0;
};

// One WebSocket connection: market streams (raw or combined) or the WebSocket API.
class WsSession : public std::enable_shared_from_this<WsSession>, public StreamSubscriber {
 public:
  WsSession(std::shared_ptr<ServerCore> core, beast::tcp_stream stream, ConnKind kind, bool combined,
            std::string ip);
  ~WsSession() override;

  // Answers the upgrade `req`, subscribes `streams` (validated), starts the rules.
  void run(http::request<http::string_body> req, std::vector<std::string> streams, bool accept_close);

  void on_stream_message(const StreamMessage& message) override;

  // Starts a close with this code/reason (once). `event`: send serverShutdown first.
  // `drop_pending`: discard queued messages (slow consumer, pong timeout).
  void begin_close(uint16_t code, std::string reason, bool event, bool drop_pending);
  // TCP reset (SO_LINGER 0), no close frame.
  void reset(const std::string& reason);
  // Queues `count` invalid JSON text messages (the "malformed" fault).
  void send_malformed(int count);

  ConnKind kind() const { return kind_; }
  const std::string& ip() const { return ip_; }

 private:
  struct Out {
    enum class Type : uint8_t { kText, kPing, kClose } type = Type::kText;
    std::shared_ptr<const std::string> text;
    int64_t ready_ns = 0;
    uint16_t close_code = 0;
    std::string payload;  // ping payload or close reason
  };

  void on_accept(beast::error_code ec, std::vector<std::string> streams, bool accept_close);
  void do_read();
  void on_read(beast::error_code ec, size_t bytes);
  void on_control(websocket::frame_type kind, beast::string_view payload);
  bool over_rate();                // records one incoming message; true when over the per-second limit
  bool count_incoming();           // false: over the limit (a close is started)
  void count_incoming_deferred();  // from the control callback: the close runs later
  void handle_control_message(std::string_view text);
  void reply_error(int code, std::string_view msg, const std::string& id_json);
  void enqueue_text(std::shared_ptr<const std::string> text);
  void enqueue(Out out);
  void enqueue_no_pump(Out out);
  void pump();
  void on_written(beast::error_code ec, Out::Type type);
  void arm_ping();
  void arm_lifetime();
  void finish();
  std::string shutdown_event() const;

  std::shared_ptr<ServerCore> core_;
  websocket::stream<MeteredStream> ws_;
  ConnKind kind_;
  bool combined_;
  std::string ip_;
  beast::flat_buffer read_buffer_;
  std::deque<Out> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool registered_ = false;
  bool close_sent_ = false;
  bool accepted_ = false;
  bool deflate_negotiated_ = false;
  net::steady_timer ping_timer_;
  net::steady_timer pong_timer_;
  net::steady_timer lifetime_timer_;
  net::steady_timer delay_timer_;
  net::steady_timer close_timer_;
  bool pong_armed_ = false;
  bool delay_armed_ = false;
  std::deque<std::string> pending_pings_;
  std::deque<int64_t> incoming_ns_;
  Exchange::SessionId api_session_ = 0;
  bool api_open_ = false;
  uint64_t ping_seq_ = 0;
};

}  // namespace phoenix::sim::server_detail
