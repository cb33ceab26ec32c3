#include "sim/server_metrics.h"

#include <string_view>

namespace phoenix::sim {
namespace {

void family(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// Label values here are our own fixed words, codes or status classes; escape anyway.
std::string escape_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void sample(std::string* out, std::string_view name, std::string_view labels, uint64_t value) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(std::to_string(value)).append("\n");
}

void sample_signed(std::string* out, std::string_view name, std::string_view labels, int64_t value) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->append(" ").append(std::to_string(value)).append("\n");
}

std::string label(std::string_view key, std::string_view value) {
  return std::string(key) + "=\"" + escape_label(value) + "\"";
}

constexpr std::array<ConnKind, kConnKinds> kAllKinds = {ConnKind::kHttp, ConnKind::kMarket, ConnKind::kApi};

}  // namespace

const char* conn_kind_label(ConnKind kind) {
  switch (kind) {
    case ConnKind::kHttp: return "http";
    case ConnKind::kMarket: return "market";
    case ConnKind::kApi: return "api";
  }
  return "unknown";
}

void ServerMetrics::count_close(int code, const std::string& reason) {
  ++closes[{code == 0 ? std::string("none") : std::to_string(code), reason}];
}

void ServerMetrics::append(std::string* out) const {
  family(out, "phoenix_exchange_server_connections", "gauge", "Open connections by kind.");
  for (ConnKind k : kAllKinds) {
    sample_signed(out, "phoenix_exchange_server_connections", label("kind", conn_kind_label(k)),
                  connections[static_cast<size_t>(k)]);
  }
  family(out, "phoenix_exchange_server_tcp_accepts_total", "counter", "TCP connections accepted.");
  sample(out, "phoenix_exchange_server_tcp_accepts_total", "", tcp_accepts_total);
  family(out, "phoenix_exchange_server_ws_connection_attempts_total", "counter",
         "WebSocket upgrade requests (connection attempts).");
  sample(out, "phoenix_exchange_server_ws_connection_attempts_total", "", ws_attempts_total);
  family(out, "phoenix_exchange_server_rejections_total", "counter",
         "Handshakes and HTTP requests refused, by reason.");
  for (const auto& [reason, n] : rejections) {
    sample(out, "phoenix_exchange_server_rejections_total", label("reason", reason), n);
  }
  family(out, "phoenix_exchange_server_messages_total", "counter",
         "WebSocket data messages and HTTP requests/responses, by connection kind and direction.");
  for (ConnKind k : kAllKinds) {
    auto i = static_cast<size_t>(k);
    std::string kind = label("kind", conn_kind_label(k));
    sample(out, "phoenix_exchange_server_messages_total", kind + ",direction=\"in\"", messages_in[i]);
    sample(out, "phoenix_exchange_server_messages_total", kind + ",direction=\"out\"", messages_out[i]);
  }
  family(out, "phoenix_exchange_server_payload_bytes_total", "counter",
         "Payload bytes (uncompressed) by connection kind and direction.");
  for (ConnKind k : kAllKinds) {
    auto i = static_cast<size_t>(k);
    std::string kind = label("kind", conn_kind_label(k));
    sample(out, "phoenix_exchange_server_payload_bytes_total", kind + ",direction=\"in\"", bytes_in[i]);
    sample(out, "phoenix_exchange_server_payload_bytes_total", kind + ",direction=\"out\"", bytes_out[i]);
  }
  family(
      out, "phoenix_exchange_server_ws_wire_bytes_total", "counter",
      "WebSocket bytes on the wire after the handshake (compressed, with framing), by kind and direction.");
  for (ConnKind k : {ConnKind::kMarket, ConnKind::kApi}) {
    auto i = static_cast<size_t>(k);
    std::string kind = label("kind", conn_kind_label(k));
    sample(out, "phoenix_exchange_server_ws_wire_bytes_total", kind + ",direction=\"in\"", wire_bytes_in[i]);
    sample(out, "phoenix_exchange_server_ws_wire_bytes_total", kind + ",direction=\"out\"",
           wire_bytes_out[i]);
  }
  family(out, "phoenix_exchange_server_pings_sent_total", "counter", "Ping frames sent by the server.");
  sample(out, "phoenix_exchange_server_pings_sent_total", "", pings_sent_total);
  family(out, "phoenix_exchange_server_pings_received_total", "counter",
         "Ping frames received from clients.");
  sample(out, "phoenix_exchange_server_pings_received_total", "", pings_received_total);
  family(out, "phoenix_exchange_server_pongs_received_total", "counter",
         "Pong frames received, by whether they echoed an outstanding server ping.");
  sample(out, "phoenix_exchange_server_pongs_received_total", "match=\"true\"", pongs_received_total);
  sample(out, "phoenix_exchange_server_pongs_received_total", "match=\"false\"", pongs_unsolicited_total);
  family(out, "phoenix_exchange_server_ws_closes_total", "counter",
         "WebSocket connections ended, by close code (none = no close frame) and reason.");
  for (const auto& [key, n] : closes) {
    sample(out, "phoenix_exchange_server_ws_closes_total",
           label("code", key.first) + "," + label("reason", key.second), n);
  }
  family(out, "phoenix_exchange_server_control_requests_total", "counter",
         "Market-stream control messages by method (invalid = not understood).");
  for (const auto& [method, n] : control_requests) {
    sample(out, "phoenix_exchange_server_control_requests_total", label("method", method), n);
  }
  family(out, "phoenix_exchange_server_control_errors_total", "counter",
         "Market-stream control message errors by Binance's code (0..3).");
  for (const auto& [code, n] : control_errors) {
    sample(out, "phoenix_exchange_server_control_errors_total", label("code", std::to_string(code)), n);
  }
  family(out, "phoenix_exchange_server_slow_consumer_closes_total", "counter",
         "Connections closed because their outgoing queue overflowed.");
  sample(out, "phoenix_exchange_server_slow_consumer_closes_total", "", slow_consumer_total);
  family(out, "phoenix_exchange_server_queue_dropped_messages_total", "counter",
         "Queued outgoing messages discarded when a connection was closed.");
  sample(out, "phoenix_exchange_server_queue_dropped_messages_total", "", queue_dropped_messages_total);
  family(out, "phoenix_exchange_server_http_responses_total", "counter", "HTTP responses by status class.");
  for (const auto& [cls, n] : http_responses) {
    sample(out, "phoenix_exchange_server_http_responses_total", label("status", cls), n);
  }
  family(out, "phoenix_exchange_server_deflate_connections_total", "counter",
         "WebSocket connections that negotiated permessage-deflate.");
  sample(out, "phoenix_exchange_server_deflate_connections_total", "", deflate_connections_total);
  family(out, "phoenix_exchange_faults_injected_total", "counter",
         "Faults injected through the admin API or the config, by kind.");
  for (const auto& [kind, n] : faults) {
    sample(out, "phoenix_exchange_faults_injected_total", label("kind", kind), n);
  }
}

}  // namespace phoenix::sim
