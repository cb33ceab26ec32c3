#pragma once

// ServerMetrics: the counters and gauges of phoenix-exchange's network server
// (sim/server.h), rendered in Prometheus text format as phoenix_exchange_server_* and
// phoenix_exchange_faults_injected_total. Plain integers: owned by the server, read and
// written on its event-loop thread only.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace phoenix::sim {

// What a connection is, for labels.
enum class ConnKind : uint8_t { kHttp, kMarket, kApi };
inline constexpr size_t kConnKinds = 3;
const char* conn_kind_label(ConnKind kind);

struct ServerMetrics {
  std::array<int64_t, kConnKinds> connections{};  // open now (gauge)
  uint64_t tcp_accepts_total = 0;
  uint64_t ws_attempts_total = 0;                     // WebSocket upgrade requests
  std::map<std::string, uint64_t> rejections;         // reason -> count (handshakes, HTTP errors)
  std::array<uint64_t, kConnKinds> messages_in{};     // WS data messages; HTTP requests
  std::array<uint64_t, kConnKinds> messages_out{};    // WS data messages; HTTP responses
  std::array<uint64_t, kConnKinds> bytes_in{};        // payload bytes (inflated for WS)
  std::array<uint64_t, kConnKinds> bytes_out{};       // payload bytes (before deflate for WS)
  std::array<uint64_t, kConnKinds> wire_bytes_in{};   // WS: bytes read from the socket
  std::array<uint64_t, kConnKinds> wire_bytes_out{};  // WS: bytes written (after deflate, with framing)
  uint64_t pings_sent_total = 0;
  uint64_t pongs_received_total = 0;     // echoing an outstanding ping
  uint64_t pongs_unsolicited_total = 0;  // any other pong
  uint64_t pings_received_total = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> closes;  // (code, reason) -> count
  std::map<std::string, uint64_t> control_requests;                // SUBSCRIBE, ..., "invalid"
  std::map<int, uint64_t> control_errors;                          // Binance's code 0..3 -> count
  uint64_t slow_consumer_total = 0;
  uint64_t queue_dropped_messages_total = 0;       // discarded from a closing connection's queue
  std::map<std::string, uint64_t> faults;          // kind -> count
  std::map<std::string, uint64_t> http_responses;  // status class "2xx".."5xx"
  uint64_t deflate_connections_total = 0;          // connections that negotiated permessage-deflate

  void count_rejection(const std::string& reason) { ++rejections[reason]; }
  void count_close(int code, const std::string& reason);  // code 0 = no close frame ("none")
  // Appends every family (HELP, TYPE, samples).
  void append(std::string* out) const;
};

}  // namespace phoenix::sim
