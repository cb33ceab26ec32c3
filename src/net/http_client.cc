#include "net/http_client.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <deque>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

namespace phoenix::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using core::Error;
using core::ErrorCode;

namespace {

struct Origin {
  bool secure = false;
  std::string host;  // lower-cased, without IPv6 brackets
  std::string port;
  std::string host_header;  // "host", or "host:port" for a non-default port
  bool host_is_ip = false;
  std::string text;  // "https://host:port"
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

core::Result<Origin> parse_origin(std::string_view url) {
  const auto bad = [url](std::string_view why) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("base_url \"{}\": {}", url, why));
  };
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad("whitespace or control character");
  }
  Origin o;
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("expected http:// or https://");
  const std::string scheme = lower(url.substr(0, sep));
  if (scheme == "https") {
    o.secure = true;
  } else if (scheme != "http") {
    return bad("scheme must be http or https");
  }
  std::string_view rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos)
    return bad("no path, query, fragment or user info");
  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 literal");
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after the IPv6 literal");
      port = after.substr(1);
    }
  } else if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return bad("empty host");
  const std::string_view default_port = o.secure ? "443" : "80";
  if (port.empty()) {
    port = default_port;
  } else {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("bad port");
    }
  }
  o.host = lower(host);
  o.port = std::string(port);
  error_code ec;
  (void)asio::ip::make_address(o.host, ec);
  o.host_is_ip = !ec;
  const std::string shown = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  o.host_header = port == default_port ? shown : shown + ":" + o.port;
  o.text = fmt::format("{}://{}:{}", o.secure ? "https" : "http", shown, o.port);
  return o;
}

// The reason OpenSSL (or the OS) gives for an error code, with the verify result when the
// handshake failed on the certificate.
std::string describe(const error_code& ec) {
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    const unsigned long lib_err = static_cast<unsigned long>(ec.value());
    char buf[256];
    ERR_error_string_n(lib_err, buf, sizeof buf);
    if (text.empty() || text == "unspecified system error") text = buf;
  }
  return text;
}

std::optional<int64_t> parse_int(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  int64_t out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || v.empty()) return std::nullopt;
  return out;
}

// Errors that mean "the kept-alive connection was already dead": safe to resend a GET.
bool is_dead_connection(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == http::error::end_of_stream ||
         ec == ssl::error::stream_truncated;
}

// Appended to the message of a non-idempotent request's error when it may have been sent.
constexpr std::string_view kUnknownNote =
    " (outcome unknown: the request may have reached the server; not resent)";

bool has_cr_lf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Whether a kept-alive, idle socket is still open as far as we can tell without blocking:
// no end-of-stream, no error, and no bytes waiting (an idle HTTP/1.1 connection has none;
// bytes mean a TLS close_notify or junk from the server).
bool idle_socket_alive(tcp::socket& socket) {
  char byte = 0;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  return false;  // 0: the server closed; > 0: unexpected data
}

}  // namespace

std::string_view to_string(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet: return "GET";
    case HttpMethod::kPost: return "POST";
    case HttpMethod::kPut: return "PUT";
    case HttpMethod::kDelete: return "DELETE";
  }
  return "GET";
}

bool HttpClient::is_outcome_unknown(const core::Error& error) {
  return (error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kTimeout ||
          error.code == ErrorCode::kOutOfRange) &&
         error.message.find(kOutcomeUnknown) != std::string::npos;
}

class HttpClient::Impl : public std::enable_shared_from_this<HttpClient::Impl> {
 public:
  Impl(asio::io_context& io, HttpClientOptions options, Origin origin, std::unique_ptr<ssl::context> tls)
      : io_(io),
        options_(std::move(options)),
        origin_(std::move(origin)),
        tls_context_(std::move(tls)),
        resolver_(io),
        deadline_(io) {}

  void request(HttpMethod method, std::string target, std::string body, std::string content_type,
               std::vector<HttpHeader> headers, Callback callback) {
    if (closed_) return;
    const std::string_view name = to_string(method);
    if (target.empty() || target.front() != '/' || target.find_first_of(" \r\n\t") != std::string::npos) {
      post_error(std::move(callback),
                 Error(ErrorCode::kInvalidArgument, fmt::format("{} target \"{}\": must start with '/' and "
                                                                "contain no whitespace",
                                                                name, target)));
      return;
    }
    bool bad_header = has_cr_lf(content_type);
    for (const HttpHeader& h : headers) {
      bad_header = bad_header || h.name.empty() || has_cr_lf(h.name) || has_cr_lf(h.value) ||
                   h.name.find_first_of(" \t:") != std::string::npos;
    }
    if (bad_header) {
      post_error(std::move(callback),
                 Error(ErrorCode::kInvalidArgument,
                       fmt::format("{} {}: bad header name, value or content type (empty name, CR/LF)", name,
                                   target)));
      return;
    }
    if (queue_.size() >= options_.max_queued) {
      post_error(std::move(callback),
                 Error(ErrorCode::kUnavailable, fmt::format("{} {}{}: {} requests already queued", name,
                                                            origin_.text, target, queue_.size())));
      return;
    }
    queue_.push_back(Pending{method, std::move(target), std::move(body), std::move(content_type),
                             std::move(headers), std::move(callback)});
    start_next();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    queue_.clear();
    current_ = Pending{};
    busy_ = false;
    ++generation_;
    deadline_.cancel();
    resolver_.cancel();
    close_connection();
  }

  const std::string& origin() const { return origin_.text; }
  size_t queued() const { return queue_.size(); }
  bool busy() const { return busy_; }
  const HttpClientStats& stats() const { return stats_; }

 private:
  struct Pending {
    HttpMethod method = HttpMethod::kGet;
    std::string target;
    std::string body;
    std::string content_type;
    std::vector<HttpHeader> headers;
    Callback callback;
  };

  // "POST http://127.0.0.1:8080/api/v3/order", for messages.
  std::string label() const {
    return fmt::format("{} {}{}", to_string(current_.method), origin_.text, current_.target);
  }

  void post_error(Callback callback, Error error) {
    ++stats_.failures;
    asio::post(io_, [self = shared_from_this(), cb = std::move(callback), e = std::move(error)]() mutable {
      if (!self->closed_) cb(std::move(e));
    });
  }

  void start_next() {
    if (closed_ || busy_ || queue_.empty()) return;
    busy_ = true;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    ++stats_.requests;
    request_ = {};
    switch (current_.method) {
      case HttpMethod::kGet: request_.method(http::verb::get); break;
      case HttpMethod::kPost: request_.method(http::verb::post); break;
      case HttpMethod::kPut: request_.method(http::verb::put); break;
      case HttpMethod::kDelete: request_.method(http::verb::delete_); break;
    }
    request_.target(current_.target);
    request_.version(11);
    request_.set(http::field::host, origin_.host_header);
    request_.set(http::field::user_agent, options_.user_agent);
    request_.set(http::field::accept, "application/json");
    if (!current_.content_type.empty()) request_.set(http::field::content_type, current_.content_type);
    for (const HttpHeader& h : current_.headers) request_.set(h.name, h.value);
    request_.keep_alive(true);
    request_.body() = std::move(current_.body);
    if (!is_idempotent(current_.method) || !request_.body().empty()) {
      request_.content_length(request_.body().size());
    }
    timed_out_ = false;
    retried_ = false;
    write_started_ = false;
    const uint64_t gen = ++generation_;
    deadline_.expires_after(options_.timeout);
    deadline_.async_wait(
        [self = shared_from_this(), gen](const error_code& ec) { self->on_deadline(ec, gen); });
    start_attempt(gen);
  }

  void start_attempt(uint64_t gen) {
    if (connected_ && !is_idempotent(current_.method) && !idle_socket_alive(socket())) {
      // Closed by the server while idle: nothing of this request was sent yet.
      ++stats_.stale_reconnects;
      close_connection();
    }
    if (connected_) {
      reused_ = true;
      ++stats_.reuses;
      do_write(gen);
      return;
    }
    reused_ = false;
    phase_ = "resolve";
    resolver_.async_resolve(
        origin_.host, origin_.port,
        [self = shared_from_this(), gen](const error_code& ec, tcp::resolver::results_type r) {
          self->on_resolve(ec, std::move(r), gen);
        });
  }

  void on_resolve(const error_code& ec, const tcp::resolver::results_type& results, uint64_t gen) {
    if (stale(gen)) return;
    if (ec) return fail(ec, gen);
    phase_ = "connect";
    if (origin_.secure) {
      tls_stream_ = std::make_unique<ssl::stream<tcp::socket>>(io_, *tls_context_);
      SSL* ssl_handle = tls_stream_->native_handle();
      // SNI (never for IP literals, RFC 6066). The host (or IP) is checked twice: by OpenSSL
      // during chain verification (so a mismatch reports "hostname mismatch") and by Asio's
      // host_name_verification callback.
      if (origin_.host_is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), origin_.host.c_str());
      } else {
        // SSL_set_tlsext_host_name() without its macro's C-style cast.
        SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(origin_.host.c_str()));
        SSL_set1_host(ssl_handle, origin_.host.c_str());
      }
      tls_stream_->set_verify_mode(ssl::verify_peer);
      tls_stream_->set_verify_callback(ssl::host_name_verification(origin_.host));
    } else {
      plain_socket_ = std::make_unique<tcp::socket>(io_);
    }
    tcp::socket& socket = origin_.secure ? tls_stream_->next_layer() : *plain_socket_;
    asio::async_connect(socket, results,
                        [self = shared_from_this(), gen](const error_code& e, const tcp::endpoint&) {
                          self->on_connect(e, gen);
                        });
  }

  void on_connect(const error_code& ec, uint64_t gen) {
    if (stale(gen)) return;
    if (ec) return fail(ec, gen);
    ++stats_.connects;
    error_code ignored;
    socket().set_option(tcp::no_delay(true), ignored);
    if (!origin_.secure) {
      connected_ = true;
      do_write(gen);
      return;
    }
    phase_ = "tls handshake";
    tls_stream_->async_handshake(
        ssl::stream_base::client,
        [self = shared_from_this(), gen](const error_code& e) { self->on_handshake(e, gen); });
  }

  void on_handshake(const error_code& ec, uint64_t gen) {
    if (stale(gen)) return;
    if (ec) return fail(ec, gen);
    connected_ = true;
    do_write(gen);
  }

  void do_write(uint64_t gen) {
    phase_ = "write";
    write_started_ = true;
    auto handler = [self = shared_from_this(), gen](const error_code& ec, size_t written) {
      self->on_write(ec, written, gen);
    };
    if (origin_.secure) {
      http::async_write(*tls_stream_, request_, std::move(handler));
    } else {
      http::async_write(*plain_socket_, request_, std::move(handler));
    }
  }

  void on_write(const error_code& ec, size_t written, uint64_t gen) {
    if (stale(gen)) return;
    if (ec) {
      if (is_idempotent(current_.method) || written == 0) {
        if (maybe_retry(ec, gen)) return;
      }
      return fail(ec, gen);
    }
    phase_ = "read";
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(options_.max_header_bytes);
    auto handler = [self = shared_from_this(), gen](const error_code& e, size_t) { self->on_read(e, gen); };
    if (origin_.secure) {
      http::async_read(*tls_stream_, buffer_, *parser_, std::move(handler));
    } else {
      http::async_read(*plain_socket_, buffer_, *parser_, std::move(handler));
    }
  }

  void on_read(const error_code& ec, uint64_t gen) {
    if (stale(gen)) return;
    if (ec) {
      if (is_idempotent(current_.method) && !parser_->got_some() && maybe_retry(ec, gen)) return;
      if (ec == http::error::body_limit) {
        close_connection();
        // The server answered, but the answer is lost: a non-idempotent request's outcome
        // is unknown to the caller.
        const bool unknown = !is_idempotent(current_.method);
        if (unknown) ++stats_.outcome_unknown;
        return complete(Error(ErrorCode::kOutOfRange,
                              fmt::format("{}: response body over the limit of {} bytes{}", label(),
                                          options_.max_body_bytes, unknown ? kUnknownNote : "")));
      }
      return fail(ec, gen);
    }
    http::response<http::string_body> res = parser_->release();
    parser_.reset();
    HttpResponse out;
    out.status = res.result_int();
    out.connection_reused = reused_;
    out.content_type = std::string(res[http::field::content_type]);
    for (const auto& field : res) {
      const std::string name = lower(field.name_string());
      if (name == "retry-after") {
        out.retry_after_s = parse_int(field.value());
      } else if (name == "x-mbx-used-weight-1m") {
        out.used_weight_1m = parse_int(field.value());
      } else if (!name.starts_with("x-mbx-used-weight") && !name.starts_with("x-mbx-order-count")) {
        continue;
      }
      out.rate_limit_headers.push_back(HttpHeader{name, std::string(field.value())});
    }
    if (!res.keep_alive()) close_connection();
    out.body = std::move(res.body());
    complete(std::move(out));
  }

  // A request on a reused connection that was dead before it answered: resend once on a new
  // one. Callers allow it for a GET, or for any request when the write sent nothing.
  bool maybe_retry(const error_code& ec, uint64_t gen) {
    if (!reused_ || retried_ || timed_out_ || !is_dead_connection(ec)) return false;
    retried_ = true;
    write_started_ = false;  // only reached when nothing of the request was sent (or a GET)
    ++stats_.retries;
    close_connection();
    start_attempt(gen);
    return true;
  }

  void on_deadline(const error_code& ec, uint64_t gen) {
    if (ec == asio::error::operation_aborted || stale(gen)) return;
    timed_out_ = true;
    if (phase_ == "resolve") {
      // getaddrinfo cannot be interrupted and its handler may come late: fail now, and the
      // late handler is ignored (the resolver outlives it, and nothing else refers to it).
      resolver_.cancel();
      return fail(asio::error::timed_out, gen);
    }
    close_connection();  // the pending socket operation completes at once -> fail()
  }

  void fail(const error_code& ec, uint64_t gen) {
    (void)gen;
    close_connection();
    // A non-idempotent request that may have reached the server (see the class comment).
    const bool unknown = !is_idempotent(current_.method) && write_started_;
    if (unknown) ++stats_.outcome_unknown;
    const std::string_view unknown_note = unknown ? kUnknownNote : "";
    if (timed_out_) {
      return complete(
          Error(ErrorCode::kTimeout, fmt::format("{}: timed out after {} ms during {}{}", label(),
                                                 options_.timeout.count(), phase_, unknown_note)));
    }
    std::string where(phase_);
    if (phase_ == "connect" || phase_ == "resolve")
      where = fmt::format("{} {}:{}", phase_, origin_.host, origin_.port);
    std::string reason = describe(ec);
    if (phase_ == "tls handshake" && tls_stream_) {
      const long verify = SSL_get_verify_result(tls_stream_->native_handle());
      if (verify != X509_V_OK)
        reason += fmt::format(" (certificate: {})", X509_verify_cert_error_string(verify));
    }
    complete(
        Error(ErrorCode::kUnavailable, fmt::format("{}: {}: {}{}", label(), where, reason, unknown_note)));
  }

  void complete(core::Result<HttpResponse> result) {
    if (!result) ++stats_.failures;
    deadline_.cancel();
    ++generation_;  // late completions of this request are ignored
    busy_ = false;
    Callback callback = std::move(current_.callback);
    current_ = Pending{};
    auto self = shared_from_this();  // the callback may destroy the HttpClient
    if (callback) callback(std::move(result));
    start_next();
  }

  bool stale(uint64_t gen) const { return closed_ || gen != generation_; }

  tcp::socket& socket() { return origin_.secure ? tls_stream_->next_layer() : *plain_socket_; }

  void close_connection() {
    connected_ = false;
    buffer_.clear();
    error_code ignored;
    if (tls_stream_) {
      tls_stream_->next_layer().shutdown(tcp::socket::shutdown_both, ignored);
      tls_stream_->next_layer().close(ignored);
    }
    if (plain_socket_) {
      plain_socket_->shutdown(tcp::socket::shutdown_both, ignored);
      plain_socket_->close(ignored);
    }
    // The stream objects stay alive until the next connection replaces them: a cancelled
    // operation may still hold references into them.
  }

  asio::io_context& io_;
  HttpClientOptions options_;
  Origin origin_;
  std::unique_ptr<ssl::context> tls_context_;
  tcp::resolver resolver_;
  asio::steady_timer deadline_;
  std::unique_ptr<tcp::socket> plain_socket_;
  std::unique_ptr<ssl::stream<tcp::socket>> tls_stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::deque<Pending> queue_;
  Pending current_;
  HttpClientStats stats_;
  std::string_view phase_ = "resolve";
  uint64_t generation_ = 0;
  bool busy_ = false;
  bool connected_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool timed_out_ = false;
  bool write_started_ = false;  // the current request's write began (on any attempt)
  bool closed_ = false;
};

core::Result<std::unique_ptr<HttpClient>> HttpClient::create(asio::io_context& io,
                                                             HttpClientOptions options) {
  auto origin = parse_origin(options.base_url);
  if (!origin) return std::move(origin).error();
  if (options.timeout.count() <= 0)
    return Error(ErrorCode::kInvalidArgument, "HttpClient timeout must be > 0");
  std::unique_ptr<ssl::context> tls;
  if (origin->secure) {
    tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    error_code ec;
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                     ec);
    if (!ec) {
      if (options.ca_file.empty()) {
        tls->set_default_verify_paths(ec);
      } else {
        tls->load_verify_file(options.ca_file, ec);
      }
    }
    if (ec) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("TLS setup for {} ({}): {}", origin->text,
                               options.ca_file.empty() ? "system CA store" : "ca_file " + options.ca_file,
                               describe(ec)));
    }
    tls->set_verify_mode(ssl::verify_peer);
  }
  auto impl = std::make_shared<Impl>(io, std::move(options), std::move(*origin), std::move(tls));
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::HttpClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpClient::~HttpClient() { impl_->close(); }

void HttpClient::get(std::string target, Callback callback) {
  impl_->request(HttpMethod::kGet, std::move(target), {}, {}, {}, std::move(callback));
}

void HttpClient::get(std::string target, std::vector<HttpHeader> headers, Callback callback) {
  impl_->request(HttpMethod::kGet, std::move(target), {}, {}, std::move(headers), std::move(callback));
}

void HttpClient::request(HttpMethod method, std::string target, std::string body, std::string content_type,
                         std::vector<HttpHeader> headers, Callback callback) {
  impl_->request(method, std::move(target), std::move(body), std::move(content_type), std::move(headers),
                 std::move(callback));
}

void HttpClient::send(HttpMethod method, std::string target, std::vector<HttpHeader> headers,
                      std::string body, Callback callback) {
  std::string content_type = body.empty() ? std::string() : std::string("application/x-www-form-urlencoded");
  impl_->request(method, std::move(target), std::move(body), std::move(content_type), std::move(headers),
                 std::move(callback));
}

void HttpClient::close() { impl_->close(); }
const std::string& HttpClient::origin() const { return impl_->origin(); }
size_t HttpClient::queued() const { return impl_->queued(); }
bool HttpClient::busy() const { return impl_->busy(); }
const HttpClientStats& HttpClient::stats() const { return impl_->stats(); }

}  // namespace phoenix::net
