#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/reconnect_policy.h"
#include "telemetry/metrics.h"

namespace phoenix::net {

// Bytes that crossed one transport in each direction, counted by CountingStream at the
// layer under the WebSocket framing (TCP, or TLS plaintext for wss): frame headers plus
// payloads as they travel (compressed when deflate is on), including the HTTP upgrade.
// `read_counter`/`write_counter` (optional) get the same increments. Owned by one WsClient
// session; touched only on its io_context thread.
struct ByteTally {
  uint64_t read_bytes = 0;
  uint64_t written_bytes = 0;
  telemetry::Counter* read_counter = nullptr;
  telemetry::Counter* write_counter = nullptr;

  void add_read(uint64_t n) {
    read_bytes += n;
    if (read_counter != nullptr) read_counter->inc(n);
  }
  void add_written(uint64_t n) {
    written_bytes += n;
    if (write_counter != nullptr) write_counter->inc(n);
  }
};

// The metric series of one named connection ("market", "user", ...), registered once and
// shared by every WsClient that connection ever opens (reconnects, rotations), so counters
// keep growing across reconnects. All metrics are in base units.
//
//   phoenix_ws_bandwidth_bytes_total{conn,direction="in|out",layer="wire|inflated"}
//       wire: bytes under the WebSocket layer (headers + payload as sent, i.e. compressed,
//       plus the HTTP upgrade); inflated: message payload bytes after inflate (in) or before
//       any compression (out). The compression ratio is inflated/wire.
//   phoenix_ws_messages_total{conn}            messages received
//   phoenix_ws_messages_sent_total{conn}       messages sent
//   phoenix_ws_frames_received_total{conn}     messages plus control frames received
//   phoenix_ws_pings_received_total{conn}      pings received (each answered by a pong)
//   phoenix_ws_connected{conn}                 open connections (0 or 1; 2 during a rotation)
//   phoenix_ws_compression_negotiated{conn}    1 when the last opened connection inflates
//   phoenix_ws_backoff_seconds{conn}           delay before the next reconnect attempt
//   phoenix_ws_reconnects_total{conn,reason}   replacements by DownReason
//   phoenix_ws_connect_seconds{conn}           resolve-to-open time of successful connects
//
// Constructing registers every series (start-up only: takes the registry mutex, may throw
// std::invalid_argument on a registry clash). Owned by a ManagedWs (or a test); it must
// outlive the WsClients that use it. Updates are relaxed atomics from the io_context thread.
class WsMeters {
 public:
  WsMeters(telemetry::Registry& registry, std::string_view conn);

  const std::string& conn() const { return conn_; }
  telemetry::Counter& reconnects(DownReason reason) { return *reconnects_[static_cast<size_t>(reason)]; }

  telemetry::Counter& wire_in_bytes;
  telemetry::Counter& wire_out_bytes;
  telemetry::Counter& inflated_in_bytes;
  telemetry::Counter& inflated_out_bytes;
  telemetry::Counter& messages_in;
  telemetry::Counter& messages_out;
  telemetry::Counter& frames_in;
  telemetry::Counter& pings_in;
  telemetry::Gauge& connected;
  telemetry::Gauge& compression_negotiated;
  telemetry::Gauge& backoff_seconds;
  telemetry::Histogram& connect_seconds;

 private:
  std::string conn_;
  std::array<telemetry::Counter*, kDownReasonCount> reconnects_{};
};

}  // namespace phoenix::net
