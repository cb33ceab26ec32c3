#pragma once

// ExchangeServer: phoenix-exchange's network side. One listening address serves, as
// Binance's paths:
//   REST               /api/v3/...                    -> Exchange::handle_rest
//   market streams     /ws/<stream>[/<stream>...],     -> MarketStreams (raw / combined)
//                      /stream?streams=a/b/c
//   WebSocket API      /ws-api/v3                     -> Exchange::ws_api_*
//   admin (loopback)   /admin/...                     fault injection, open orders
//   metrics            /metrics                       Prometheus text format
// with Binance's connection rules (server pings, pong deadline, incoming message rate,
// streams per connection, connection attempts per IP, lifetime, serverShutdown) and
// permessage-deflate, each configurable. Drives MarketStreams::tick and
// MarketSimulator::tick from timers.
//
// Close codes: 1008 "Too many messages" (incoming rate), "Pong timeout", "Slow consumer"
// (outgoing queue over max_ws_queue_*); 1001 after serverShutdown (lifetime, stop()) and
// for the admin drop/accept_close faults; 1009 for an incoming message over
// max_ws_message_bytes; Beast's own 1002/1007 for protocol violations. Handshakes: 429
// with Retry-After above max_conn_attempts per IP, 400 for an unknown stream or too many,
// 404 for an unknown path. The admin API is listed in admin_api.cc.
//
// Threading: everything runs on the io_context it is given (one thread: the exchange's
// event loop), the same thread that owns Exchange, MarketStreams and MarketSimulator.

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "sim/exchange.h"
#include "sim/market_streams.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace phoenix::sim {

enum class ServerDeflate : uint8_t {
  kOff,        // never negotiate permessage-deflate
  kHonour,     // accept the client's offer; keep the compression context unless the client
               // asks for server_no_context_takeover (default)
  kNoContext,  // always answer server_no_context_takeover; client_no_context_takeover
};

// Faults active from start-up (the exchange's config can set them); the admin API
// (/admin/...) sets the same state at run time. Zero/empty = off.
struct ServerFaults {
  int64_t accept_close_ms = 0;  // accept then close (1001) new WS connections for this long
  int handshake_status = 0;     // 429 or 503: answer the next handshake_count upgrades with it
  int handshake_count = 0;
  int handshake_retry_after_s = 0;  // Retry-After of those answers (0 = none)
  int64_t delay_ms = 0;             // delay every outgoing WS message by this long
  std::string rest_mode;            // "5xx" or "timeout": the next rest_count REST requests
  int rest_count = 0;
  int rest_status = 503;  // status of the "5xx" mode (500..599)
  int reject_count = 0;   // Exchange::inject_order_rejects(reject_count, reject_code)
  int reject_code = -2010;
  int64_t stall_ms = 0;      // MarketStreams::stall(stall_symbol, now + stall_ms)
  std::string stall_symbol;  // empty = every symbol
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8090;  // 0 = pick a free port (see ExchangeServer::port)
  ServerDeflate deflate = ServerDeflate::kHonour;
  int server_max_window_bits = 15;  // always stated in the answer, as Binance does
  int64_t ping_interval_ms = 20000;
  int64_t pong_timeout_ms = 60000;
  int max_incoming_per_s = 5;  // market-stream connections: more closes with 1008
  int max_streams_per_conn = 1024;
  int max_conn_attempts = 300;  // per client IP per window
  int64_t conn_attempt_window_ms = 300000;
  int64_t max_lifetime_ms = 86400000;  // then serverShutdown and close
  int64_t market_tick_ms = 10;         // MarketStreams::tick / MarketSimulator::tick period
  bool admin = true;                   // /admin/* (only ever on a loopback listener)
  int max_connections = 4096;
  size_t max_ws_message_bytes = 1 << 20;  // larger incoming message: close 1009
  int64_t http_timeout_ms = 30000;        // reading one request (also the keep-alive idle time)
  size_t max_http_header_bytes = 8192;    // larger: 431
  size_t max_http_body_bytes = 1 << 20;   // larger: 413
  size_t max_ws_queue_bytes = 8 << 20;    // outgoing backlog per connection; beyond: close 1008
  size_t max_ws_queue_messages = 100000;
  int64_t close_timeout_ms = 2000;       // closing handshake deadline; then the socket is closed
  int64_t rest_timeout_hold_ms = 15000;  // "timeout" REST fault: hold the request this long
  ServerFaults faults;                   // active at start
};

class ExchangeServer {
 public:
  // Binds and starts accepting. An error (address in use, bad host) is returned, not
  // thrown. The referenced objects must outlive the server; `sim` may be null.
  static core::Result<std::unique_ptr<ExchangeServer>> start(boost::asio::io_context& ioc,
                                                             ServerOptions options, Exchange& exchange,
                                                             MarketStreams& streams, MarketSimulator* sim,
                                                             const core::Clock& clock);
  virtual ~ExchangeServer() = default;
  // The bound port (the real one when options.port was 0).
  virtual uint16_t port() const = 0;
  // Stops accepting, sends serverShutdown and closes every connection (code 1001), stops
  // the timers. The io_context's run() returns once everything is closed.
  virtual void stop() = 0;
  // Open connections (WebSocket market + API, HTTP), for tests and status.
  virtual size_t connection_count() const = 0;
};

}  // namespace phoenix::sim
