#include "net/ws_url.h"

#include <charconv>

#include <arpa/inet.h>

namespace phoenix::net {
namespace {

core::Error bad_url(std::string_view url, std::string_view why) {
  return core::Error(core::ErrorCode::kInvalidArgument,
                     "bad WebSocket URL \"" + std::string(url) + "\": " + std::string(why));
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

}  // namespace

bool WsUrl::host_is_ip() const {
  unsigned char buf[16];
  const std::string h = host;
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::string WsUrl::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + host + "]" : host;
  const uint16_t default_port = secure ? 443 : 80;
  if (port != default_port) h += ":" + std::to_string(port);
  return h;
}

std::string WsUrl::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(secure ? "wss://" : "ws://") + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + target;
}

core::Result<WsUrl> parse_ws_url(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return bad_url(url, "contains whitespace or a control character");
  }
  WsUrl out;
  std::string_view rest;
  if (starts_with_ci(url, "wss://")) {
    out.secure = true;
    rest = url.substr(6);
  } else if (starts_with_ci(url, "ws://")) {
    rest = url.substr(5);
  } else {
    return bad_url(url, "scheme must be ws:// or wss://");
  }
  if (rest.find('#') != std::string_view::npos) return bad_url(url, "fragments are not allowed");
  const size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view target = path_at == std::string_view::npos ? std::string_view() : rest.substr(path_at);
  if (authority.find('@') != std::string_view::npos) return bad_url(url, "user info is not allowed");

  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(url, "unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(url, "junk after IPv6 literal");
      port_text = after.substr(1);
      if (port_text.empty()) return bad_url(url, "empty port");
    }
    unsigned char buf[16];
    if (inet_pton(AF_INET6, std::string(host).c_str(), buf) != 1) return bad_url(url, "bad IPv6 literal");
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad_url(url, "empty port");
    }
  }
  if (host.empty()) return bad_url(url, "empty host");
  out.host.reserve(host.size());
  for (char c : host) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!is_host_char(c) && c != ':') return bad_url(url, "bad character in host");
    out.host.push_back(c);
  }
  if (port_text.empty()) {
    out.port = out.secure ? 443 : 80;
  } else {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return bad_url(url, "port must be 1..65535");
    }
    out.port = static_cast<uint16_t>(value);
  }
  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  return out;
}

}  // namespace phoenix::net
