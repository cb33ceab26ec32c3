#pragma once

// A scriptable WebSocket server on 127.0.0.1 (port 0) for tests of WsClient and ManagedWs,
// built on Beast: plain or TLS, permessage-deflate on or off, upgrade rejections (429 with
// Retry-After, 503), a hand-written 101 with any Sec-WebSocket-Extensions, and per-session
// actions (send, ping, close, TCP reset, drop). It runs on the test's io_context (the same
// thread as the client), records what the client sent with arrival times, and is meant
// only for tests: it throws on setup errors.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <openssl/evp.h>
#include <openssl/sha.h>

namespace phoenix::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

inline int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Runs `ioc` until `done()` or `timeout`; true when done() became true.
inline bool run_until(asio::io_context& ioc, const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (ioc.stopped()) ioc.restart();
    if (ioc.run_one_for(std::chrono::milliseconds(5)) == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs `ioc` for `duration` (for "nothing must happen" checks).
inline void run_for(asio::io_context& ioc, std::chrono::milliseconds duration) {
  run_until(
      ioc, [] { return false; }, duration);
}

struct ServerOptions {
  bool deflate = false;                     // accept permessage-deflate (Beast server)
  bool server_no_context_takeover = false;  // force it even if the client did not ask
  unsigned reject_status = 0;               // answer every upgrade with this status (429, 503)
  std::string retry_after;                  // Retry-After value of the rejection ("" = none)
  // When set, answer 101 by hand with this Sec-WebSocket-Extensions value and then stay
  // silent (for extension answers Beast would never give).
  std::string raw_extensions;
  asio::ssl::context* tls = nullptr;  // serve wss:// with this context
};

// One accepted connection. Owned by WsTestServer (kept after it ends, for inspection).
class ServerSession {
 public:
  virtual ~ServerSession() = default;
  virtual void send(std::string text) = 0;
  virtual void send_binary(std::string data) = 0;
  virtual void ping(std::string payload) = 0;
  virtual void close(uint16_t code, std::string reason) = 0;
  // RST: SO_LINGER 0, then close.
  virtual void reset() = 0;
  // FIN without a close frame.
  virtual void drop() = 0;

  std::vector<std::string> received;  // client messages
  std::vector<int64_t> received_ns;   // their arrival (steady clock)
  std::vector<std::string> pongs;     // pong payloads from the client
  std::vector<int64_t> pong_ns;
  bool open = false;
  bool ended = false;
  std::function<void(ServerSession&, const std::string&)> on_message;
};

// The listening server (see the file comment). Owned by a test; everything, including the
// test's own calls, runs on the test's io_context thread.
class WsTestServer {
 public:
  WsTestServer(asio::io_context& ioc, ServerOptions options)
      : ioc_(ioc), options_(std::move(options)), acceptor_(ioc) {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    do_accept();
  }
  ~WsTestServer() { stop(); }

  uint16_t port() const { return port_; }
  std::string url(const std::string& target = "/", const std::string& host = "127.0.0.1") const {
    return std::string(options_.tls != nullptr ? "wss://" : "ws://") + host + ":" + std::to_string(port_) +
           target;
  }
  void stop() {
    beast::error_code ec;
    acceptor_.close(ec);
    for (auto& s : sessions) s->drop();
  }

  // Called when a session has completed the upgrade.
  std::function<void(ServerSession&)> on_session;
  std::vector<std::shared_ptr<ServerSession>> sessions;
  std::vector<std::string> offered_extensions;  // Sec-WebSocket-Extensions of each upgrade request
  std::vector<int64_t> accepted_ns;             // TCP accept times
  const ServerOptions& options() const { return options_; }

 private:
  template <class Next>
  class Session;

  void do_accept();

  asio::io_context& ioc_;
  ServerOptions options_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
};

template <class Next>
class WsTestServer::Session final : public ServerSession, public std::enable_shared_from_this<Session<Next>> {
  static constexpr bool kTls = !std::is_same_v<Next, tcp::socket>;

 public:
  Session(WsTestServer& server, tcp::socket socket, asio::ssl::context* tls) : server_(server) {
    if constexpr (kTls) {
      ws_ = std::make_unique<websocket::stream<Next>>(std::move(socket), *tls);
    } else {
      ws_ = std::make_unique<websocket::stream<Next>>(std::move(socket));
    }
  }

  void run() {
    if constexpr (kTls) {
      ws_->next_layer().async_handshake(asio::ssl::stream_base::server,
                                        [self = this->shared_from_this()](beast::error_code ec) {
                                          if (ec) return self->end();
                                          self->read_request();
                                        });
    } else {
      read_request();
    }
  }

  void send(std::string text) override { enqueue(Out{Out::kText, std::move(text), 0}); }
  void send_binary(std::string data) override { enqueue(Out{Out::kBinary, std::move(data), 0}); }
  void ping(std::string payload) override { enqueue(Out{Out::kPing, std::move(payload), 0}); }
  void close(uint16_t code, std::string reason) override {
    enqueue(Out{Out::kClose, std::move(reason), code});
  }
  void reset() override {
    beast::error_code ec;
    socket().set_option(asio::socket_base::linger(true, 0), ec);
    socket().close(ec);
    end();
  }
  void drop() override {
    beast::error_code ec;
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
    end();
  }

 private:
  struct Out {
    enum Kind { kText, kBinary, kPing, kClose } kind;
    std::string data;
    uint16_t code;
  };

  tcp::socket& socket() { return beast::get_lowest_layer(*ws_); }
  void end() {
    open = false;
    ended = true;
  }

  void read_request() {
    http::async_read(ws_->next_layer(), buffer_, request_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->end();
                       self->on_request();
                     });
  }

  void on_request() {
    const ServerOptions& o = server_.options();
    server_.offered_extensions.emplace_back(request_[http::field::sec_websocket_extensions]);
    if (o.reject_status != 0 || !o.raw_extensions.empty()) return answer_by_hand();
    websocket::permessage_deflate pmd;
    pmd.server_enable = o.deflate;
    pmd.server_no_context_takeover = o.server_no_context_takeover;
    ws_->set_option(pmd);
    ws_->set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                    websocket::stream_base::none(), false});
    ws_->control_callback([this](websocket::frame_type kind, beast::string_view payload) {
      if (kind == websocket::frame_type::pong) {
        pongs.emplace_back(payload);
        pong_ns.push_back(steady_now_ns());
      }
    });
    ws_->async_accept(request_, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->end();
      self->open = true;
      self->do_read();
      if (self->server_.on_session) self->server_.on_session(*self);
      self->pump();
    });
  }

  void answer_by_hand() {
    const ServerOptions& o = server_.options();
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    if (o.reject_status != 0) {
      res->result(o.reject_status);
      if (!o.retry_after.empty()) res->set(http::field::retry_after, o.retry_after);
      res->set(http::field::content_type, "text/plain");
      res->body() = "go away";
      res->keep_alive(false);
    } else {
      res->result(http::status::switching_protocols);
      res->set(http::field::upgrade, "websocket");
      res->set(http::field::connection, "Upgrade");
      res->set(http::field::sec_websocket_accept, accept_key(request_[http::field::sec_websocket_key]));
      res->set(http::field::sec_websocket_extensions, o.raw_extensions);
    }
    res->prepare_payload();
    http::async_write(ws_->next_layer(), *res,
                      [self = this->shared_from_this(), res](beast::error_code, size_t) {
                        if (self->server_.options().reject_status != 0) self->drop();
                      });
  }

  static std::string accept_key(beast::string_view key) {
    const std::string input = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
    unsigned char out[64] = {};
    const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  }

  void do_read() {
    ws_->async_read(read_buffer_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->end();
      std::string msg = beast::buffers_to_string(self->read_buffer_.data());
      self->read_buffer_.consume(self->read_buffer_.size());
      self->received.push_back(msg);
      self->received_ns.push_back(steady_now_ns());
      if (self->on_message) self->on_message(*self, msg);
      self->do_read();
    });
  }

  void enqueue(Out out) {
    queue_.push_back(std::move(out));
    pump();
  }

  void pump() {
    if (!open || writing_ || queue_.empty()) return;
    writing_ = true;
    auto self = this->shared_from_this();
    const Out& out = queue_.front();
    auto done = [self](beast::error_code ec, size_t = 0) {
      self->writing_ = false;
      self->queue_.pop_front();
      if (ec) return self->end();
      self->pump();
    };
    switch (out.kind) {
      case Out::kText:
      case Out::kBinary:
        ws_->text(out.kind == Out::kText);
        ws_->async_write(asio::buffer(out.data), done);
        break;
      case Out::kPing:
        ws_->async_ping(websocket::ping_data(out.data.c_str()), [done](beast::error_code ec) { done(ec); });
        break;
      case Out::kClose:
        websocket::close_reason reason;
        reason.code = out.code;
        reason.reason = out.data;
        ws_->async_close(reason, [done](beast::error_code ec) { done(ec); });
        break;
    }
  }

  WsTestServer& server_;
  std::unique_ptr<websocket::stream<Next>> ws_;
  beast::flat_buffer buffer_;
  beast::flat_buffer read_buffer_;
  http::request<http::string_body> request_;
  std::deque<Out> queue_;
  bool writing_ = false;
};

inline void WsTestServer::do_accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    accepted_ns.push_back(steady_now_ns());
    if (options_.tls != nullptr) {
      auto s =
          std::make_shared<Session<beast::ssl_stream<tcp::socket>>>(*this, std::move(socket), options_.tls);
      sessions.push_back(s);
      s->run();
    } else {
      auto s = std::make_shared<Session<tcp::socket>>(*this, std::move(socket), nullptr);
      sessions.push_back(s);
      s->run();
    }
    do_accept();
  });
}

}  // namespace phoenix::net::testing
