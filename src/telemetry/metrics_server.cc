#include "telemetry/metrics_server.h"

#include <array>
#include <atomic>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <pthread.h>

#include "telemetry/exposition.h"

namespace phoenix::telemetry {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kServerName = "phoenix-metrics";
constexpr std::string_view kPlainText = "text/plain; charset=utf-8";
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kLingerTimeout = std::chrono::seconds(1);
constexpr size_t kMaxLingerBytes = 1 << 20;

core::Error invalid_listen(std::string_view listen, std::string_view why) {
  return core::Error{core::ErrorCode::kInvalidArgument,
                     fmt::format("metrics server: bad listen address \"{}\": {}", listen, why)};
}

core::Error socket_error(std::string_view what, std::string_view listen, const beast::error_code& ec) {
  const bool unavailable =
      ec == asio::error::address_in_use || ec == boost::system::errc::address_not_available;
  return core::Error{unavailable ? core::ErrorCode::kUnavailable : core::ErrorCode::kIo,
                     fmt::format("metrics server: {} {}: {}", what, listen, ec.message())};
}

}  // namespace

// The server's state, owned by MetricsServer. Everything below is touched only on the
// server thread once start() has launched it, except state_ and port_.
class MetricsServer::Impl {
 public:
  class Session;

  Impl(Registry& registry, MetricsServerOptions options)
      : registry_(registry),
        options_(options),
        scrapes_(registry.counter("phoenix_metrics_scrapes_total", "Scrapes of /metrics served.")),
        rejected_(registry.counter("phoenix_metrics_connections_rejected_total",
                                   "Metrics server connections closed at once because too many were open.")) {
    for (unsigned code : {200u, 400u, 404u, 405u, 413u, 431u, 500u}) {
      requests_[code] = &registry.counter("phoenix_metrics_http_requests_total",
                                          "HTTP requests answered by the metrics server, by status code.",
                                          {{"code", std::to_string(code)}});
    }
  }

  ~Impl() { stop(); }

  void add_handler(std::string path, Handler handler) {
    if (state_.load() != State::kIdle) throw std::logic_error("MetricsServer::add_handler after start()");
    if (path.empty() || path.front() != '/') {
      throw std::invalid_argument("MetricsServer::add_handler: path must start with '/': \"" + path + "\"");
    }
    if (path == "/metrics" || path == "/healthz" || handlers_.count(path) != 0) {
      throw std::invalid_argument("MetricsServer::add_handler: path already served: \"" + path + "\"");
    }
    if (!handler)
      throw std::invalid_argument("MetricsServer::add_handler: empty handler for \"" + path + "\"");
    handlers_.emplace(std::move(path), std::move(handler));
  }

  core::Status start(std::string_view listen) {
    if (state_.load() != State::kIdle) {
      return core::Error{core::ErrorCode::kInvalidArgument,
                         "metrics server: start() after start() or stop()"};
    }
    auto endpoint = parse_listen(listen);
    if (!endpoint) return std::move(endpoint).error();

    beast::error_code ec;
    acceptor_.open(endpoint->protocol(), ec);
    if (ec) return socket_error("cannot open a socket for", listen, ec);
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(*endpoint, ec);
    if (ec) {
      beast::error_code ignored;
      acceptor_.close(ignored);
      return socket_error("cannot bind", listen, ec);
    }
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      beast::error_code ignored;
      acceptor_.close(ignored);
      return socket_error("cannot listen on", listen, ec);
    }
    const auto local = acceptor_.local_endpoint(ec);
    if (ec) {
      beast::error_code ignored;
      acceptor_.close(ignored);
      return socket_error("cannot read the bound address of", listen, ec);
    }
    port_.store(local.port());
    do_accept();
    state_.store(State::kRunning);
    thread_ = std::thread([this] { run(); });
    return {};
  }

  uint16_t port() const { return port_.load(); }

  void stop() {
    if (state_.exchange(State::kStopped) != State::kRunning) return;
    asio::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
      retry_timer_.cancel();
      // Copy: closing does not destroy a session (its handlers do, later), but be safe.
      const std::vector<Session*> open(sessions_.begin(), sessions_.end());
      for (Session* s : open) close_session(s);
    });
    // With the listener and every connection closed, the io_context runs out of work.
    if (thread_.joinable()) thread_.join();
  }

 private:
  friend class Session;
  enum class State { kIdle, kRunning, kStopped };

  core::Result<tcp::endpoint> parse_listen(std::string_view listen) {
    std::string_view host;
    std::string_view port;
    if (listen.starts_with('[')) {
      const size_t close = listen.find(']');
      if (close == std::string_view::npos) return invalid_listen(listen, "missing ']'");
      host = listen.substr(1, close - 1);
      if (close + 1 >= listen.size() || listen[close + 1] != ':') {
        return invalid_listen(listen, "expected \":PORT\" after ']'");
      }
      port = listen.substr(close + 2);
    } else {
      const size_t colon = listen.rfind(':');
      if (colon == std::string_view::npos) return invalid_listen(listen, "expected HOST:PORT");
      host = listen.substr(0, colon);
      port = listen.substr(colon + 1);
      if (host.find(':') != std::string_view::npos) {
        return invalid_listen(listen, "an IPv6 address needs brackets, e.g. [::1]:9090");
      }
    }
    if (host.empty()) return invalid_listen(listen, "empty host");
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return invalid_listen(listen, "port must be a number in 0..65535");
    }
    const unsigned long port_value = std::stoul(std::string(port));
    if (port_value > 65535) return invalid_listen(listen, "port must be a number in 0..65535");
    const auto port_number = static_cast<uint16_t>(port_value);

    beast::error_code ec;
    const auto address = asio::ip::make_address(std::string(host), ec);
    if (!ec) {
      if (listen.starts_with('[') && !address.is_v6()) return invalid_listen(listen, "not an IPv6 address");
      return tcp::endpoint(address, port_number);
    }
    if (listen.starts_with('[')) return invalid_listen(listen, "not an IPv6 address");
    tcp::resolver resolver(ioc_);
    const auto results = resolver.resolve(std::string(host), std::string(port),
                                          tcp::resolver::numeric_service | tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      return invalid_listen(listen, fmt::format("cannot resolve host: {}", ec ? ec.message() : "no address"));
    }
    return results.begin()->endpoint();
  }

  void run() {
    pthread_setname_np(pthread_self(), "phx-metrics");
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        // Handlers catch their own exceptions; this is a last resort (e.g. bad_alloc).
        (void)std::fprintf(stderr, "metrics server: unexpected exception on the server thread: %s\n",
                           e.what());
      }
    }
  }

  void do_accept() {
    acceptor_.async_accept(
        ioc_, [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
  }

  void on_accept(beast::error_code ec, tcp::socket socket);

  void close_session(Session* s);

  http::response<http::string_body> handle(const http::request<http::string_body>& req);

  Counter& request_counter(unsigned code) {
    auto it = requests_.find(code);
    return it != requests_.end() ? *it->second : *requests_.at(500);
  }

  Registry& registry_;
  const MetricsServerOptions options_;
  std::map<std::string, Handler, std::less<>> handlers_;
  Counter& scrapes_;
  Counter& rejected_;
  std::map<unsigned, Counter*> requests_;

  // ioc_ first: the acceptor, timer and sessions die before it.
  asio::io_context ioc_{1};
  tcp::acceptor acceptor_{ioc_};
  asio::steady_timer retry_timer_{ioc_};
  std::unordered_set<Session*> sessions_;
  std::thread thread_;
  std::atomic<State> state_{State::kIdle};
  std::atomic<uint16_t> port_{0};
};

// One accepted connection: reads requests one at a time (each under the read deadline),
// answers, and keeps the connection while the client asks for keep-alive. Owned by the
// shared_ptrs in its pending handlers; lives on the server thread only.
class MetricsServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}
  ~Session() { server_.sessions_.erase(this); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    server_.sessions_.insert(this);
    do_read();
  }

  // Cancels pending operations; the handlers then release the session.
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(server_.options_.max_header_bytes);
    parser_->body_limit(server_.options_.max_body_bytes);
    stream_.expires_after(server_.options_.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t /*bytes*/) {
    if (ec == http::error::end_of_stream) return shutdown();
    if (ec == http::error::body_limit)
      return reply_error(http::status::payload_too_large, "request too large\n");
    if (ec == http::error::header_limit) {
      return reply_error(http::status::request_header_fields_too_large, "request header too large\n");
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::partial_message) {
      return reply_error(http::status::bad_request, "bad request\n");
    }
    if (ec) return;  // timeout, reset, aborted by stop(): drop the connection
    res_ = server_.handle(parser_->get());
    do_write();
  }

  void reply_error(http::status status, std::string_view body) {
    res_ = {};
    res_.result(status);
    res_.version(11);
    res_.set(http::field::server, kServerName);
    res_.set(http::field::content_type, kPlainText);
    res_.keep_alive(false);
    res_.body() = std::string(body);
    res_.prepare_payload();
    server_.request_counter(static_cast<unsigned>(status)).inc();
    do_write();
  }

  void do_write() {
    stream_.expires_after(server_.options_.write_timeout);
    http::async_write(stream_, res_, beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return;
    if (!res_.keep_alive()) return linger_close();
    do_read();
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // Half-closes, then reads and discards what the client still sends until it closes too
  // (bounded in time and bytes). Closing with unread input would send a TCP reset, which
  // can destroy the response before the client reads it (e.g. after a 413).
  void linger_close() {
    shutdown();
    stream_.expires_after(kLingerTimeout);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->drained_bytes_ += bytes;
                              if (!ec && self->drained_bytes_ < kMaxLingerBytes) self->drain();
                            });
  }

  Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::array<char, 4096> drain_buffer_{};
  size_t drained_bytes_ = 0;
};

void MetricsServer::Impl::close_session(Session* s) { s->close(); }

void MetricsServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open()) return;  // stop()
  if (ec) {
    // E.g. EMFILE: retry later instead of spinning.
    retry_timer_.expires_after(kAcceptRetryDelay);
    retry_timer_.async_wait([this](beast::error_code timer_ec) {
      if (!timer_ec && acceptor_.is_open()) do_accept();
    });
    return;
  }
  if (sessions_.size() >= options_.max_connections) {
    rejected_.inc();
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  } else {
    std::make_shared<Session>(*this, std::move(socket))->start();
  }
  do_accept();
}

http::response<http::string_body> MetricsServer::Impl::handle(const http::request<http::string_body>& req) {
  std::string_view path(req.target().data(), req.target().size());
  if (const size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);

  http::status status = http::status::ok;
  std::string content_type(kPlainText);
  std::string body;
  const auto handler = handlers_.find(path);
  const bool known = path == "/metrics" || path == "/healthz" || handler != handlers_.end();
  if (!known) {
    status = http::status::not_found;
    body = "not found\n";
  } else if (req.method() != http::verb::get) {
    status = http::status::method_not_allowed;
    body = "method not allowed\n";
  } else {
    try {
      if (path == "/metrics") {
        scrapes_.inc();
        body = expose(registry_);
        content_type = kPrometheusTextContentType;
      } else if (path == "/healthz") {
        body = "ok\n";
      } else {
        auto [type, text] = handler->second();
        content_type = std::move(type);
        body = std::move(text);
      }
    } catch (const std::exception& e) {
      status = http::status::internal_server_error;
      content_type = kPlainText;
      body = fmt::format("internal error: {}\n", e.what());
    }
  }

  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, content_type);
  if (status == http::status::method_not_allowed) res.set(http::field::allow, "GET");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  request_counter(static_cast<unsigned>(status)).inc();
  return res;
}

MetricsServer::MetricsServer(Registry& registry, MetricsServerOptions options)
    : impl_(std::make_unique<Impl>(registry, options)) {}

MetricsServer::~MetricsServer() = default;

void MetricsServer::add_handler(std::string path, Handler handler) {
  impl_->add_handler(std::move(path), std::move(handler));
}

core::Status MetricsServer::start(std::string_view listen) { return impl_->start(listen); }

uint16_t MetricsServer::port() const { return impl_->port(); }

void MetricsServer::stop() { impl_->stop(); }

}  // namespace phoenix::telemetry
