#include "clients.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <string_view>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <sys/socket.h>

#include "sim/auth.h"

namespace phoenix::bench::exchange_e2e {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = asio::ip::tcp;

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// A websocket over a blocking loopback socket, with its fd published for abort().
struct WsConn {
  asio::io_context ioc{1};
  websocket::stream<tcp::socket> ws{ioc};
  std::atomic<int> fd{-1};

  beast::error_code connect(uint16_t port, const std::string& target, bool deflate) {
    beast::error_code ec;
    auto& sock = ws.next_layer();
    sock.connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port), ec);
    if (ec) return ec;
    sock.set_option(tcp::no_delay(true), ec);
    fd.store(sock.native_handle());
    websocket::permessage_deflate pmd;
    pmd.client_enable = deflate;
    ws.set_option(pmd);
    ws.read_message_max(8 << 20);
    ws.handshake("127.0.0.1:" + std::to_string(port), target, ec);
    if (ec) return ec;
    ws.text(true);
    return ec;
  }
  void abort() {
    const int f = fd.load();
    if (f >= 0) ::shutdown(f, SHUT_RDWR);
  }
  void close() {
    beast::error_code ec;
    if (ws.is_open()) ws.close(websocket::close_code::normal, ec);
    fd.store(-1);
    ws.next_layer().close(ec);
  }
};

// The integer after `key` in `text` (e.g. "\"status\":"), or -1.
int64_t int_after(std::string_view text, std::string_view key) {
  const size_t at = text.find(key);
  if (at == std::string_view::npos) return -1;
  int64_t v = -1;
  const char* first = text.data() + at + key.size();
  std::from_chars(first, text.data() + text.size(), v);
  return v;
}

// "123" at 2 decimals -> "1.23".
std::string decimal(int64_t units, int scale) {
  std::string digits = std::to_string(units);
  if (scale <= 0) return digits;
  if (digits.size() <= static_cast<size_t>(scale))
    digits.insert(0, static_cast<size_t>(scale) + 1 - digits.size(), '0');
  digits.insert(digits.size() - static_cast<size_t>(scale), ".");
  return digits;
}

}  // namespace

// ---------------------------------------------------------------- ApiClient

struct ApiClient::Impl {
  WsConn conn;
  beast::flat_buffer buf;
};

ApiClient::ApiClient(ApiClientOptions options) : opt_(std::move(options)), impl_(new Impl) {}
ApiClient::~ApiClient() { delete impl_; }

void ApiClient::abort() { impl_->conn.abort(); }
void ApiClient::close() { impl_->conn.close(); }

bool ApiClient::prepare() {
  auto fail = [&](std::string what) {
    ++result_.errors;
    if (result_.first_error.empty()) result_.first_error = std::move(what);
    return false;
  };
  if (auto ec = impl_->conn.connect(opt_.port, "/ws-api/v3", false)) return fail("connect: " + ec.message());
  auto& ws = impl_->conn.ws;
  auto& buf = impl_->buf;
  // One request, its response (skipping any event frame). True on status 200.
  auto call = [&](const std::string& request, std::string_view what) {
    beast::error_code ec;
    ws.write(asio::buffer(request), ec);
    if (ec) return fail(std::string(what) + ": write: " + ec.message());
    for (;;) {
      buf.clear();
      ws.read(buf, ec);
      if (ec) return fail(std::string(what) + ": read: " + ec.message());
      const std::string_view text(static_cast<const char*>(buf.cdata().data()), buf.size());
      if (text.rfind("{\"id\":", 0) != 0) continue;
      if (int_after(text, "\"status\":") != 200) return fail(std::string(what) + ": " + std::string(text));
      return true;
    }
  };
  // session.logon: Ed25519 over the params but the signature, sorted by name.
  const int64_t ts = wall_ms();
  const std::string payload = "apiKey=" + opt_.api_key + "&timestamp=" + std::to_string(ts);
  auto sig = sim::ed25519_sign_base64(opt_.private_pem, payload);
  if (!sig.ok()) return fail("sign: " + sig.error().message);
  const std::string logon = R"({"id":"logon","method":"session.logon","params":{"apiKey":")" + opt_.api_key +
                            R"(","timestamp":)" + std::to_string(ts) + R"(,"signature":")" + *sig + "\"}}";
  if (!call(logon, "session.logon")) return false;
  if (opt_.user_data &&
      !call(R"({"id":"uds","method":"userDataStream.subscribe"})", "userDataStream.subscribe"))
    return false;
  result_.ready = true;
  return true;
}

void ApiClient::run() {
  auto& ws = impl_->conn.ws;
  auto& buf = impl_->buf;
  const int64_t total = opt_.pairs * 2;
  result_.latency_ns.assign(static_cast<size_t>(total), 0);
  std::vector<int64_t> sent_ns(static_cast<size_t>(total), 0);
  const std::string qty = decimal(opt_.qty_units, opt_.qty_scale);
  std::string req;
  req.reserve(512);
  int64_t next = 0;
  int64_t answered = 0;
  beast::error_code ec;
  auto fail = [&](std::string what) {
    ++result_.errors;
    if (result_.first_error.empty()) result_.first_error = std::move(what);
  };
  while (answered < total) {
    while (next < total && next - answered < opt_.window) {
      const int64_t pair = next / 2;
      const std::string cid = "b" + std::to_string(opt_.index) + "x" + std::to_string(pair);
      req.clear();
      if (next % 2 == 0) {
        // A LIMIT_MAKER bid below the book, 50 distinct prices.
        const int64_t price = opt_.price_units_top - (pair % 50) * opt_.tick_units;
        req +=
            R"({"id":)" + std::to_string(next) +
            R"(,"method":"order.place","params":{"symbol":"ETHUSDC","side":"BUY","type":"LIMIT_MAKER","price":")" +
            decimal(price, opt_.price_scale) + R"(","quantity":")" + qty + R"(","newClientOrderId":")" + cid +
            R"(","timestamp":)" + std::to_string(wall_ms()) + "}}";
      } else {
        req += R"({"id":)" + std::to_string(next) +
               R"(,"method":"order.cancel","params":{"symbol":"ETHUSDC","origClientOrderId":")" + cid +
               R"(","timestamp":)" + std::to_string(wall_ms()) + "}}";
      }
      sent_ns[static_cast<size_t>(next)] = mono_ns();
      ws.write(asio::buffer(req), ec);
      if (ec) return fail("write: " + ec.message());
      ++next;
    }
    buf.clear();
    ws.read(buf, ec);
    if (ec) {
      if (ec == websocket::error::closed)
        return fail("closed by the server: " + std::to_string(static_cast<int>(ws.reason().code)) + " " +
                    std::string(ws.reason().reason.c_str()));
      return fail("read: " + ec.message());
    }
    const int64_t now = mono_ns();
    const std::string_view text(static_cast<const char*>(buf.cdata().data()), buf.size());
    if (text.rfind("{\"id\":", 0) != 0) {
      ++result_.events;
      continue;
    }
    const int64_t id = int_after(text, "{\"id\":");
    if (id < 0 || id >= next || result_.latency_ns[static_cast<size_t>(id)] != 0) {
      fail("unexpected response: " + std::string(text.substr(0, 200)));
      return;
    }
    result_.latency_ns[static_cast<size_t>(id)] =
        std::max<int64_t>(1, now - sent_ns[static_cast<size_t>(id)]);
    ++answered;
    ++result_.responses;
    if (int_after(text, "\"status\":") == 200) {
      ++result_.ok;
    } else {
      fail(std::string(text.substr(0, 300)));
    }
    result_.end_ns = now;
  }
}

// ---------------------------------------------------------------- Subscriber

struct Subscriber::Impl {
  WsConn conn;
  beast::flat_buffer buf;
};

Subscriber::Subscriber(SubscriberOptions options) : opt_(std::move(options)), impl_(new Impl) {}
Subscriber::~Subscriber() { delete impl_; }

void Subscriber::abort() { impl_->conn.abort(); }

bool Subscriber::connect() {
  if (auto ec = impl_->conn.connect(opt_.port, opt_.target, opt_.deflate)) {
    result_.error = "connect: " + ec.message();
    progress_.store(INT64_MAX, std::memory_order_relaxed);  // nothing to wait for
    return false;
  }
  result_.connected = true;
  return true;
}

void Subscriber::run() {
  auto& ws = impl_->conn.ws;
  auto& buf = impl_->buf;
  int64_t last_u = -1;
  beast::error_code ec;
  while (result_.messages < opt_.expected) {
    buf.clear();
    ws.read(buf, ec);
    if (ec) {
      if (ec == websocket::error::closed) {
        result_.closed_by_server = true;
        result_.close_code = static_cast<int>(ws.reason().code);
        result_.close_reason = std::string(ws.reason().reason.c_str());
      } else {
        result_.error = ec.message();
      }
      impl_->conn.fd.store(-1);
      progress_.store(INT64_MAX, std::memory_order_relaxed);
      return;
    }
    result_.last_ns = mono_ns();
    const std::string_view text(static_cast<const char*>(buf.cdata().data()), buf.size());
    ++result_.messages;
    progress_.store(result_.messages, std::memory_order_relaxed);
    result_.bytes += static_cast<int64_t>(text.size());
    const int64_t u = int_after(text, "{\"u\":");
    if (u <= last_u) ++result_.out_of_order;
    last_u = u;
  }
  progress_.store(INT64_MAX, std::memory_order_relaxed);
  impl_->conn.close();
}

// ---------------------------------------------------------------- HTTP

std::string http_get(uint16_t port, const std::string& target) {
  try {
    asio::io_context ioc{1};
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(false);
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 << 20);
    http::read(stream, buf, parser);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return parser.get().result_int() == 200 ? parser.get().body() : std::string();
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace phoenix::bench::exchange_e2e
