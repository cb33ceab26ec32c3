#pragma once

// Loopback clients of phoenix_exchange_bench, each driven synchronously on its own
// thread (Beast websocket over a blocking TCP socket): a WebSocket-API order client that
// pipelines order.place / order.cancel pairs with a bounded window, and a market-stream
// subscriber that reads bookTicker messages as fast as it can. Neither uses Phoenix's
// bot modules (net/binance/md): the exchange is measured with a client of its own.
// A blocked read is ended from another thread with abort() (shutdown(2) on the socket).

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace phoenix::bench::exchange_e2e {

int64_t mono_ns();
int64_t wall_ms();

struct ApiClientOptions {
  uint16_t port = 0;
  int index = 0;                // connection number (client order ids "b<index>x<n>")
  int64_t pairs = 0;            // place + cancel pairs to send
  int window = 64;              // requests in flight at most
  bool user_data = true;        // userDataStream.subscribe after logon (executionReports flow)
  std::string api_key;          // Ed25519 API key
  std::string private_pem;      // its private key
  int64_t price_units_top = 0;  // the highest bid price to use, in price units
  int64_t tick_units = 1;
  int64_t qty_units = 1;
  int price_scale = 2;
  int qty_scale = 4;
};

struct ApiClientResult {
  bool ready = false;               // connected, logged on (and subscribed)
  int64_t responses = 0;            // measured requests answered
  int64_t ok = 0;                   // ... with status 200
  int64_t errors = 0;               // ... otherwise, plus transport failures
  int64_t events = 0;               // user data events received during the measurement
  std::string first_error;          // for the report
  std::vector<int64_t> latency_ns;  // send -> response, per measured request
  int64_t end_ns = 0;               // when the last response arrived
};

class ApiClient {
 public:
  explicit ApiClient(ApiClientOptions options);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Connects, logs on and subscribes. Returns false (with result().first_error) on failure.
  bool prepare();
  // Sends the pipelined stream; returns when every request is answered or on an error.
  void run();
  // Closes the connection (normal close).
  void close();
  // From another thread: unblocks a read or write in progress (the run then fails).
  void abort();
  const ApiClientResult& result() const { return result_; }

 private:
  struct Impl;
  ApiClientOptions opt_;
  ApiClientResult result_;
  Impl* impl_ = nullptr;
};

struct SubscriberOptions {
  uint16_t port = 0;
  std::string target = "/ws/ethusdc@bookTicker";
  bool deflate = false;  // offer permessage-deflate (the server keeps its context)
  int64_t expected = 0;  // stop after this many messages
};

struct SubscriberResult {
  bool connected = false;
  int64_t messages = 0;
  int64_t bytes = 0;         // payload bytes after inflate
  int64_t out_of_order = 0;  // "u" not increasing
  int64_t last_ns = 0;       // arrival of the last message
  bool closed_by_server = false;
  int close_code = 0;
  std::string close_reason;
  std::string error;  // transport error other than a server close
};

class Subscriber {
 public:
  explicit Subscriber(SubscriberOptions options);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  bool connect();
  // Reads until `expected` messages, a close or abort(); then closes.
  void run();
  void abort();
  const SubscriberResult& result() const { return result_; }
  // Messages received so far, from any thread; INT64_MAX once the subscriber has ended
  // (a pacer must not wait for it).
  int64_t progress() const { return progress_.load(std::memory_order_relaxed); }

 private:
  struct Impl;
  SubscriberOptions opt_;
  SubscriberResult result_;
  std::atomic<int64_t> progress_{0};
  Impl* impl_ = nullptr;
};

// GET http://127.0.0.1:<port><target>; the body, or "" on any failure.
std::string http_get(uint16_t port, const std::string& target);

}  // namespace phoenix::bench::exchange_e2e
