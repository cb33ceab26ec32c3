// HttpSession: one HTTP/1.1 connection of phoenix-exchange's server (see server_internal.h).

#include <algorithm>
#include <string>

#include "sim/server_internal.h"

namespace phoenix::sim::server_detail {
namespace {

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

std::string status_class(int status) { return std::to_string(status / 100) + "xx"; }

std::string error_json(int code, std::string_view msg) {
  return "{\"code\":" + std::to_string(code) + ",\"msg\":" + json_quote(msg) + "}";
}

// Where an upgrade request goes.
struct WsRoute {
  bool found = false;
  ConnKind kind = ConnKind::kMarket;
  bool combined = false;
  std::vector<std::string> streams;
  std::string error;  // a bad escape
};

void split_streams(std::string_view list, std::vector<std::string>* out) {
  while (!list.empty()) {
    size_t slash = list.find('/');
    std::string_view one = list.substr(0, slash);
    list = slash == std::string_view::npos ? std::string_view() : list.substr(slash + 1);
    if (!one.empty()) out->emplace_back(one);
  }
}

WsRoute route_ws(std::string_view target) {
  WsRoute route;
  std::string path;
  if (!percent_decode(target_path(target), &path, false)) {
    route.error = "bad percent-encoding in the path";
    return route;
  }
  if (path == "/ws-api/v3") {
    route.found = true;
    route.kind = ConnKind::kApi;
    return route;
  }
  if (path == "/ws" || path.starts_with("/ws/")) {
    route.found = true;
    split_streams(std::string_view(path).substr(3), &route.streams);
    return route;
  }
  if (path == "/stream" || path == "/stream/") {
    route.found = true;
    route.combined = true;
    std::vector<std::pair<std::string, std::string>> query;
    if (!parse_query(target, &query)) {
      route.error = "bad percent-encoding in the query";
      return route;
    }
    for (const auto& [key, value] : query) {
      if (key == "streams") split_streams(value, &route.streams);
    }
    return route;
  }
  return route;
}

}  // namespace

HttpSession::HttpSession(std::shared_ptr<ServerCore> core, tcp::socket socket)
    : core_(std::move(core)),
      stream_(std::move(socket)),
      buffer_(core_->options().max_http_header_bytes + core_->options().max_http_body_bytes + 4096),
      hold_timer_(core_->ioc()) {
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) {
    ip_ = endpoint.address().to_string();
    loopback_ = endpoint.address().is_loopback();
  }
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

HttpSession::~HttpSession() { finish(); }

void HttpSession::run() {
  core_->add(this);
  registered_ = true;
  ++core_->metrics().connections[static_cast<size_t>(ConnKind::kHttp)];
  do_read();
}

void HttpSession::do_read() {
  if (core_->stopping()) return finish();
  parser_.emplace();
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(core_->options().max_http_header_bytes, UINT32_MAX)));
  parser_->body_limit(core_->options().max_http_body_bytes);
  stream_.expires_after(std::chrono::milliseconds(core_->options().http_timeout_ms));
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
}

void HttpSession::on_read(beast::error_code ec) {
  if (finished_) return;
  if (ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted || ec == net::error::bad_descriptor) {
      return finish();
    }
    if (ec == beast::error::timeout) {
      core_->metrics().count_rejection("http_timeout");
      return finish();
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      core_->metrics().count_rejection("http_header_too_large");
      return reply_json(431, error_json(-1, "Request header fields too large."), false);
    }
    if (ec == http::error::body_limit) {
      core_->metrics().count_rejection("http_body_too_large");
      return reply_json(413, error_json(-1, "Payload too large."), false);
    }
    if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
      core_->metrics().count_rejection("http_malformed");
      return reply_json(400, error_json(-1, "Malformed HTTP request: " + ec.message()), false);
    }
    return finish();
  }
  Request req = parser_->release();
  ++core_->metrics().messages_in[static_cast<size_t>(ConnKind::kHttp)];
  core_->metrics().bytes_in[static_cast<size_t>(ConnKind::kHttp)] += req.body().size();
  handle(std::move(req));
}

void HttpSession::handle(Request req) {
  if (websocket::is_upgrade(req)) return handle_upgrade(std::move(req));
  std::string_view target = sv(req.target());
  std::string_view path = target_path(target);
  bool keep_alive = req.keep_alive();

  if (path.starts_with("/api/")) {
    FaultState& f = core_->faults();
    if (f.rest != FaultState::Rest::kNone && f.rest_count > 0) {
      FaultState::Rest mode = f.rest;
      if (--f.rest_count == 0) f.rest = FaultState::Rest::kNone;
      if (mode == FaultState::Rest::k5xx) {
        core_->metrics().count_rejection("fault_rest_5xx");
        return reply_json(
            f.rest_status,
            error_json(-1001, "Internal error; unable to process your request. Please try again."),
            keep_alive);
      }
      core_->metrics().count_rejection("fault_rest_timeout");
      return hold_request();
    }
    HttpRequestIn in;
    std::string method(sv(req.method_string()));
    in.method = method;
    in.target = target;
    in.body = req.body();
    auto ct = req.find(http::field::content_type);
    in.content_type = ct == req.end() ? std::string_view() : sv(ct->value());
    auto key = req.find("X-MBX-APIKEY");
    in.api_key = key == req.end() ? std::string_view() : sv(key->value());
    in.client_ip = ip_;
    HttpReplyOut out = core_->exchange().handle_rest(in);
    delay_rest_ = true;
    return reply_json(out.status, std::move(out.body), keep_alive, out.headers);
  }
  if (path.starts_with("/admin/") || path == "/admin") {
    HttpReplyOut out = core_->handle_admin(sv(req.method_string()), target, loopback_);
    return reply_json(out.status, std::move(out.body), keep_alive, out.headers);
  }
  if (path == "/metrics") {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      return reply_json(405, error_json(-1, "Method not allowed."), keep_alive, {{"Allow", "GET"}});
    }
    return reply_json(200, core_->metrics_text(), keep_alive, {}, "text/plain; version=0.0.4; charset=utf-8");
  }
  core_->metrics().count_rejection("not_found");
  return reply_json(404, error_json(-1, "Not found."), keep_alive);
}

void HttpSession::handle_upgrade(Request req) {
  ServerMetrics& m = core_->metrics();
  ++m.ws_attempts_total;
  if (core_->stopping()) {
    m.count_rejection("stopping");
    return reply_json(503, error_json(-1, "Server is shutting down."), false);
  }
  int64_t retry_after_s = 0;
  if (!core_->admit_attempt(ip_, &retry_after_s)) {
    m.count_rejection("conn_attempts");
    return reply_json(429, error_json(-1003, "Too many connection attempts from this IP."), false,
                      {{"Retry-After", std::to_string(retry_after_s)}});
  }
  FaultState& f = core_->faults();
  if (f.handshake_count > 0 && f.handshake_status != 0) {
    --f.handshake_count;
    int status = f.handshake_status;
    std::vector<std::pair<std::string, std::string>> headers;
    if (f.handshake_retry_after_s > 0)
      headers.emplace_back("Retry-After", std::to_string(f.handshake_retry_after_s));
    if (f.handshake_count == 0) f.handshake_status = 0;
    m.count_rejection("fault_handshake");
    return reply_json(status,
                      error_json(status == 429 ? -1003 : -1001,
                                 status == 429 ? "Too many requests." : "Service unavailable (injected)."),
                      false, headers);
  }
  WsRoute route = route_ws(sv(req.target()));
  if (!route.error.empty()) {
    m.count_rejection("bad_path");
    return reply_json(400, error_json(-1100, route.error), false);
  }
  if (!route.found) {
    m.count_rejection("not_found");
    return reply_json(404, error_json(-1, "Not found."), false);
  }
  // Drop duplicates, keep order.
  std::vector<std::string> streams;
  for (auto& s : route.streams) {
    if (std::find(streams.begin(), streams.end(), s) == streams.end()) streams.push_back(std::move(s));
  }
  if (streams.size() > static_cast<size_t>(std::max(core_->options().max_streams_per_conn, 0))) {
    m.count_rejection("too_many_streams");
    return reply_json(
        400,
        error_json(-1100, "Too many streams: at most " +
                              std::to_string(core_->options().max_streams_per_conn) + " per connection."),
        false);
  }
  for (const auto& s : streams) {
    if (auto st = core_->streams().validate(s); !st) {
      m.count_rejection("bad_stream");
      return reply_json(400, error_json(-1100, st.error().message), false);
    }
  }
  bool accept_close = core_->mono_ns() < f.accept_close_until_ns;
  // Hand the socket over.
  handed_off_ = true;
  stream_.expires_never();
  auto session = std::make_shared<WsSession>(core_, std::move(stream_), route.kind, route.combined, ip_);
  finish();
  session->run(std::move(req), std::move(streams), accept_close);
}

void HttpSession::reply_json(int status, std::string body, bool keep_alive,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string content_type) {
  Response res;
  res.version(11);
  res.result(static_cast<unsigned>(status));
  res.set(http::field::server, "phoenix-exchange");
  res.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) res.set(name, value);
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  ++core_->metrics().http_responses[status_class(status)];
  write(std::move(res));
}

void HttpSession::write(Response res) {
  auto sp = std::make_shared<Response>(std::move(res));
  ++core_->metrics().messages_out[static_cast<size_t>(ConnKind::kHttp)];
  core_->metrics().bytes_out[static_cast<size_t>(ConnKind::kHttp)] += sp->body().size();
  // The "delay" fault holds REST answers too (not admin or metrics answers).
  int64_t delay_ms = core_->faults().delay_ms;
  if (delay_rest_ && delay_ms > 0) {
    delay_rest_ = false;
    hold_timer_.expires_after(std::chrono::milliseconds(delay_ms));
    hold_timer_.async_wait([self = shared_from_this(), sp](beast::error_code ec) {
      if (ec || self->finished_) return;
      self->write_now(sp);
    });
    return;
  }
  delay_rest_ = false;
  write_now(sp);
}

void HttpSession::write_now(const std::shared_ptr<Response>& sp) {
  stream_.expires_after(std::chrono::milliseconds(core_->options().http_timeout_ms));
  http::async_write(stream_, *sp, [self = shared_from_this(), sp](beast::error_code ec, size_t) {
    if (ec || !sp->keep_alive()) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return self->finish();
    }
    self->do_read();
  });
}

void HttpSession::hold_request() {
  stream_.expires_never();
  hold_timer_.expires_after(std::chrono::milliseconds(core_->options().rest_timeout_hold_ms));
  hold_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->finish();
  });
  // The client giving up (EOF, reset) or sending anything ends the hold too.
  stream_.socket().async_read_some(
      net::buffer(&hold_byte_, 1),
      [self = shared_from_this()](beast::error_code, size_t) { self->finish(); });
}

void HttpSession::close_now() { finish(); }

void HttpSession::finish() {
  if (finished_) return;
  finished_ = true;
  hold_timer_.cancel();
  if (!handed_off_) {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }
  if (registered_) {
    registered_ = false;
    core_->remove(this);
    --core_->metrics().connections[static_cast<size_t>(ConnKind::kHttp)];
  }
}

}  // namespace phoenix::sim::server_detail
