#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace phoenix::net {

// A parsed ws:// or wss:// URL: what a WebSocket client needs to resolve, connect, send
// SNI and build the upgrade request. A value type; any thread.
struct WsUrl {
  bool secure = false;  // wss://
  std::string host;     // lower-cased name or IP literal, without IPv6 brackets
  uint16_t port = 0;    // explicit port, else 80 (ws) or 443 (wss)
  std::string target;   // path and query, at least "/"

  // True when host is an IPv4 or IPv6 literal (no SNI is sent for those).
  bool host_is_ip() const;
  // The Host header value: "host" for the scheme's default port, else "host:port"
  // (IPv6 literals in brackets).
  std::string host_header() const;
  // "wss://host:port/target", the form logs show.
  std::string to_string() const;
};

// Parses "ws://host[:port][/path][?query]" or "wss://...", scheme case-insensitive, IPv6
// literals in brackets. Rejects other schemes, user info, fragments, empty hosts, bad ports
// and whitespace or control characters anywhere, with a message naming the problem.
core::Result<WsUrl> parse_ws_url(std::string_view url);

}  // namespace phoenix::net
