#pragma once

// A small asynchronous HTTP/1.1 client (GET; POST/PUT/DELETE with a form body) for REST calls: depth
// snapshots, exchange info, server time.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/result.h"

namespace phoenix::net {

enum class HttpMethod : uint8_t { kGet, kPost, kPut, kDelete };
// "GET", "POST", "PUT", "DELETE".
std::string_view to_string(HttpMethod method);

// One header: name as received (responses: lower-cased), value as received.
struct HttpHeader {
  std::string name;
  std::string value;
};

// A complete response. Any status is a response (a 429 or 503 is not an Error): the caller
// decides; transport failures are Errors.
struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  // Retry-After in its delta-seconds form (Binance's); nullopt when absent or an HTTP-date.
  std::optional<int64_t> retry_after_s;
  // X-MBX-USED-WEIGHT-1M: request weight used in the current minute.
  std::optional<int64_t> used_weight_1m;
  // Rate-limit headers as received, names lower-cased: retry-after and every x-mbx-used-weight-*
  // and x-mbx-order-count-* header (for binance's rate-limit accounting).
  std::vector<HttpHeader> rate_limit_headers;
  bool connection_reused = false;  // served on a kept-alive connection
};

struct HttpClientOptions {
  // Scheme, host and optional port: "https://api.binance.com", "http://127.0.0.1:18080".
  // No path, query, user info or fragment.
  std::string base_url;
  // Deadline of one request, from when it starts (a queued request waits for the one ahead),
  // covering resolve + connect + TLS handshake + write + read, retry included.
  std::chrono::milliseconds timeout{10'000};
  // Largest response body accepted; a larger one fails the request (kOutOfRange) and the
  // connection is closed. A limit=5000 depth snapshot is ~300 KB.
  uint64_t max_body_bytes = uint64_t{16} << 20;
  uint32_t max_header_bytes = 16 * 1024;
  // https only: a PEM file of trusted CAs; empty = the system CA store. Peer verification and
  // host-name verification are always on; there is no switch to turn them off.
  std::string ca_file;
  std::string user_agent = "phoenix";
  // Requests waiting behind the one in flight; beyond it get() fails at once (kUnavailable).
  size_t max_queued = 64;
};

// Lifetime counts of one client.
struct HttpClientStats {
  uint64_t requests = 0;  // requests started
  uint64_t connects = 0;  // TCP connections established
  uint64_t reuses = 0;    // requests sent on a kept-alive connection
  uint64_t retries = 0;   // GETs resent after a kept-alive connection turned out dead
  uint64_t failures = 0;  // requests that completed with an Error
};

// An HTTP/1.1 client for one origin (scheme + host + port), e.g. Binance's REST base URL.
//
// - http:// and https:// (OpenSSL: SNI for host names, peer verification against the system
//   CA store or options.ca_file, host-name (or IP) verification against the certificate).
// - Keep-alive: one connection, reused across requests until the server closes it or says
//   `Connection: close`. A GET sent on a reused connection that the server had already
//   closed (write fails, or the read ends before any response byte) is retried once on a
//   new connection, transparently.
// - One request in flight; get() while busy queues (FIFO, max_queued).
// - A deadline per request; on expiry the connection is closed and the request fails with
//   kTimeout ("... timed out after 200 ms during read").
// - Errors: kUnavailable for resolve/connect/TLS/IO failures (the message has the phase
//   and the OS or OpenSSL reason: "connect 127.0.0.1:1: Connection refused"),
//   kTimeout, kOutOfRange for a body over max_body_bytes, kInvalidArgument for a bad target.
//
// Threading: owned by one component on the io_context thread; every method must be called
// on that thread, and callbacks run there (never inside get() itself). The io_context must
// outlive the client. A callback may call
// get() or close(), or destroy the client. After close() (or the destructor) no callback is
// ever invoked, including those of queued requests; the client cannot be reused.
class HttpClient {
 public:
  using Callback = std::function<void(core::Result<HttpResponse>)>;

  // Validates the options (URL, CA file) and builds the TLS context. Start-up only.
  static core::Result<std::unique_ptr<HttpClient>> create(boost::asio::io_context& io,
                                                          HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET `target` ("/api/v3/depth?symbol=ETHUSDC&limit=1000": path and query, starting with
  // '/'), with optional extra request headers (e.g. X-MBX-APIKEY).
  void get(std::string target, Callback callback);
  void get(std::string target, std::vector<HttpHeader> headers, Callback callback);
  // Any method, with an optional application/x-www-form-urlencoded `body` (signed Binance
  // order requests). Only a GET is ever resent on a dead kept-alive connection; another
  // method fails instead (the server may have acted on it), and the caller decides.
  void send(HttpMethod method, std::string target, std::vector<HttpHeader> headers, std::string body,
            Callback callback);

  // Cancels the request in flight and the queue (their callbacks are dropped) and closes the
  // connection. Idempotent.
  void close();

  // "https://api.binance.com:443", for logs.
  const std::string& origin() const;
  size_t queued() const;
  bool busy() const;
  const HttpClientStats& stats() const;

 private:
  class Impl;
  explicit HttpClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace phoenix::net
