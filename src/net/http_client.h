#pragma once

// A small asynchronous HTTP/1.1 client for REST calls: GET (depth snapshots, exchange info,
// server time) and POST / PUT / DELETE with a body and headers (REST order entry).

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

enum class HttpMethod : uint8_t { kGet, kPost, kPut, kDelete };

// "GET", "POST", "PUT", "DELETE".
std::string_view to_string(HttpMethod method);

// GET is idempotent (may be resent automatically); POST, PUT and DELETE are not.
inline constexpr bool is_idempotent(HttpMethod method) { return method == HttpMethod::kGet; }

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
  // Requests waiting behind the one in flight; beyond it get() / request() fail at once
  // (kUnavailable).
  size_t max_queued = 64;
};

// Lifetime counts of one client.
struct HttpClientStats {
  uint64_t requests = 0;  // requests started
  uint64_t connects = 0;  // TCP connections established
  uint64_t reuses = 0;    // requests sent on a kept-alive connection
  uint64_t retries = 0;   // requests resent after a kept-alive connection turned out dead
  uint64_t failures = 0;  // requests that completed with an Error
  // Non-idempotent requests that found their kept-alive connection already closed by the
  // server before sending anything, and were sent on a new connection instead.
  uint64_t stale_reconnects = 0;
  uint64_t outcome_unknown = 0;  // non-idempotent requests failed with the outcome unknown
};

// An HTTP/1.1 client for one origin (scheme + host + port), e.g. Binance's REST base URL.
//
// - http:// and https:// (OpenSSL: SNI for host names, peer verification against the system
//   CA store or options.ca_file, host-name (or IP) verification against the certificate).
// - Keep-alive: one connection, reused across requests until the server closes it or says
//   `Connection: close`. A GET sent on a reused connection that the server had already
//   closed (write fails, or the read ends before any response byte) is retried once on a
//   new connection, transparently.
// - POST, PUT, DELETE (non-idempotent: an order placement or cancel) are NEVER resent once
//   any byte of them may have reached the server. Exactly two cases go to a new connection:
//     1. Before writing on a reused connection, the socket is checked without blocking
//        (recv MSG_PEEK|MSG_DONTWAIT): end-of-stream, an error, or unexpected bytes (a
//        server's close, a TLS close_notify) mean the server already closed it; the
//        request is then sent on a new connection (stats().stale_reconnects).
//     2. The write fails with a dead-connection error having written 0 bytes (EPIPE /
//        ECONNRESET on the first write): nothing was sent; resent once on a new connection
//        (stats().retries).
//   Any other failure after the write started (the write failed part-way, the connection
//   ended or reset before or during the response, the deadline passed during write or
//   read, a response body over max_body_bytes) fails the request with kUnavailable (or
//   kTimeout, kOutOfRange) and a message containing
//   "outcome unknown" (kOutcomeUnknown; test with is_outcome_unknown()): the server may
//   or may not have executed it, and the caller must find out (query the order).
//   A failure before the write (resolve, connect, TLS handshake, a bad target, a full
//   queue) means nothing was sent; is_outcome_unknown() is false for it.
// - One request in flight; get() / request() while busy queues (FIFO, max_queued).
// - A deadline per request; on expiry the connection is closed and the request fails with
//   kTimeout ("... timed out after 200 ms during read").
// - Errors: kUnavailable for resolve/connect/TLS/IO failures (the message has the phase
//   and the OS or OpenSSL reason: "connect 127.0.0.1:1: Connection refused"),
//   kTimeout, kOutOfRange for a body over max_body_bytes, kInvalidArgument for a bad target.
//
// Threading: owned by one component on the io_context thread; every method must be called
// on that thread, and callbacks run there (never inside get() itself). The io_context must
// outlive the client. A callback may call
// get(), request() or close(), or destroy the client. After close() (or the destructor) no callback is
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

  // Any method: `target` as for get(); `body` sent as is with `content_type` (e.g.
  // "application/x-www-form-urlencoded"; no Content-Type header when empty) and a
  // Content-Length (also 0 for an empty POST/PUT/DELETE body); `headers` are added (e.g.
  // X-MBX-APIKEY). See the class comment for what is resent and what is not. Errors as for
  // get(), plus kInvalidArgument for a CR or LF in a header or the content type.
  void request(HttpMethod method, std::string target, std::string body, std::string content_type,
               std::vector<HttpHeader> headers, Callback callback);

  // request() with an application/x-www-form-urlencoded `body` (no Content-Type when
  // empty): signed Binance order requests.
  void send(HttpMethod method, std::string target, std::vector<HttpHeader> headers, std::string body,
            Callback callback);

  // The marker in the message of an error whose request may have reached the server.
  static constexpr std::string_view kOutcomeUnknown = "outcome unknown";
  // True for a kUnavailable / kTimeout / kOutOfRange error of a non-idempotent request
  // that may have been sent (see the class comment): the caller must not assume it failed.
  static bool is_outcome_unknown(const core::Error& error);

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
