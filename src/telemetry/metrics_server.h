#pragma once

// The /metrics HTTP endpoint: a small HTTP/1.1 server on its own thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"
#include "telemetry/metrics.h"

namespace phoenix::telemetry {

// Limits of a MetricsServer. The defaults suit production; tests shorten them.
struct MetricsServerOptions {
  // Time a connection has to deliver a whole request (also the keep-alive idle timeout):
  // idle and slowloris clients are dropped after it.
  std::chrono::milliseconds read_timeout{10'000};
  // Time to write a response.
  std::chrono::milliseconds write_timeout{10'000};
  // Concurrent connections; connections beyond it are closed as soon as accepted.
  size_t max_connections = 64;
  // Request header and request body limits, each; larger requests get 431/413 and are closed.
  uint32_t max_header_bytes = 8 * 1024;
  uint64_t max_body_bytes = uint64_t{8} * 1024;
};

// Serves, on one listening socket, with HTTP/1.1 keep-alive:
//   GET /metrics  200, the Prometheus text exposition of the registry (collectors run here)
//   GET /healthz  200 "ok\n"
//   GET <added>   200, whatever add_handler() registered for that path
//   other paths   404; other methods 405 (with `Allow: GET`)
// The query string is ignored when matching paths.
//
// Owned by main (or the engine), which calls the constructor, add_handler(), start(),
// stop() and the destructor from one thread (never from the server thread itself). The
// server runs its own io_context on its own thread; handlers and collectors run there.
// port() may be called from any thread. The registry must outlive the server. A stopped
// server cannot be started again.
//
// It counts its own work in the registry: phoenix_metrics_scrapes_total,
// phoenix_metrics_http_requests_total and phoenix_metrics_connections_rejected_total.
class MetricsServer {
 public:
  // Returns (content type, body) for a 200 response. Runs on the server thread; an
  // exception becomes a 500.
  using Handler = std::function<std::pair<std::string, std::string>()>;

  explicit MetricsServer(Registry& registry, MetricsServerOptions options = {});
  ~MetricsServer();  // stop()
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Serves `path` (starting with '/'; not /metrics or /healthz; not yet added) with
  // `handler`. Before start() only; throws std::invalid_argument or std::logic_error on
  // misuse (a start-up programming error).
  void add_handler(std::string path, Handler handler);

  // Binds `listen` ("HOST:PORT" or "[IPv6]:PORT"; HOST an IP address or a resolvable name;
  // PORT 0 picks a free port) and starts the server thread. Errors, without throwing:
  // kInvalidArgument for a malformed address or a second start(), kUnavailable for an
  // address in use or not available, kIo for other socket errors, each with the OS message.
  core::Status start(std::string_view listen);

  // The bound port after a successful start(), else 0. Any thread.
  uint16_t port() const;

  // Closes the listener and every connection and joins the thread. Idempotent; a no-op
  // before start().
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace phoenix::telemetry
