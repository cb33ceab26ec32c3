#include "net/byte_meter.h"

namespace phoenix::net {
namespace {

constexpr std::string_view kBandwidthName = "phoenix_ws_bandwidth_bytes_total";
constexpr std::string_view kBandwidthHelp =
    "WebSocket bytes by direction; layer=wire is under the WebSocket framing (compressed), "
    "layer=inflated is message payload after inflate";

telemetry::Counter& bandwidth(telemetry::Registry& r, std::string_view conn, std::string_view direction,
                              std::string_view layer) {
  return r.counter(kBandwidthName, kBandwidthHelp,
                   {{"conn", conn}, {"direction", direction}, {"layer", layer}});
}

}  // namespace

WsMeters::WsMeters(telemetry::Registry& r, std::string_view conn)
    : wire_in_bytes(bandwidth(r, conn, "in", "wire")),
      wire_out_bytes(bandwidth(r, conn, "out", "wire")),
      inflated_in_bytes(bandwidth(r, conn, "in", "inflated")),
      inflated_out_bytes(bandwidth(r, conn, "out", "inflated")),
      messages_in(r.counter("phoenix_ws_messages_total", "WebSocket messages received", {{"conn", conn}})),
      messages_out(r.counter("phoenix_ws_messages_sent_total", "WebSocket messages sent", {{"conn", conn}})),
      frames_in(r.counter("phoenix_ws_frames_received_total",
                          "WebSocket messages plus control frames received", {{"conn", conn}})),
      pings_in(r.counter("phoenix_ws_pings_received_total", "WebSocket pings received from the server",
                         {{"conn", conn}})),
      connected(r.gauge("phoenix_ws_connected", "Open WebSocket connections (2 briefly during a rotation)",
                        {{"conn", conn}})),
      compression_negotiated(r.gauge("phoenix_ws_compression_negotiated",
                                     "1 when the server agreed to permessage-deflate on the last connection",
                                     {{"conn", conn}})),
      backoff_seconds(r.gauge("phoenix_ws_backoff_seconds",
                              "Delay before the next WebSocket reconnect attempt", {{"conn", conn}})),
      connect_seconds(r.histogram("phoenix_ws_connect_seconds",
                                  "Time from resolve start to an open WebSocket (successful connects)",
                                  telemetry::exponential_buckets(0.001, 2, 15), {{"conn", conn}})),
      conn_(conn) {
  for (size_t i = 0; i < kDownReasonCount; ++i) {
    const auto reason = static_cast<DownReason>(i);
    if (reason == DownReason::kStopped) continue;
    reconnects_[i] = &r.counter("phoenix_ws_reconnects_total", "WebSocket connection replacements by reason",
                                {{"conn", conn}, {"reason", to_string(reason)}});
  }
  // kStopped is never a reconnect; point it at a private counter so reconnects() is total.
  static telemetry::Counter unused;
  reconnects_[static_cast<size_t>(DownReason::kStopped)] = &unused;
}

}  // namespace phoenix::net
