#include "config/validation.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace phoenix::config::internal {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_alnum(char c) { return is_digit(c) || is_upper(c) || is_lower(c); }
char to_lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = to_lower(c);
  return out;
}

bool is_ipv4_literal(std::string_view host) {
  if (host.empty() || host.size() > 15) return false;
  std::string copy(host);
  in_addr addr{};
  return inet_pton(AF_INET, copy.c_str(), &addr) == 1;
}

bool is_ipv6_literal(std::string_view host) {
  if (host.empty() || host.size() > 45) return false;
  std::string copy(host);
  in6_addr addr{};
  return inet_pton(AF_INET6, copy.c_str(), &addr) == 1;
}

// A DNS name: labels of [A-Za-z0-9-] separated by dots, no empty label, no label
// starting or ending with '-', at most 253 characters.
bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label_start = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      const std::string_view label = host.substr(label_start, i - label_start);
      if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
      label_start = i + 1;
      continue;
    }
    if (!is_alnum(host[i]) && host[i] != '-') return false;
  }
  return true;
}

// Parses 1..5 decimal digits into a port no greater than 65535.
std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), is_digit)) return std::nullopt;
  unsigned value = 0;
  for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

struct HostAndPort {
  std::string host;  // lower case, IPv6 without brackets
  std::optional<uint16_t> port;
};

// Splits an authority "host", "host:port", "[v6]" or "[v6]:port". nullopt when the
// host is not a DNS name or IP literal, or the port is malformed.
std::optional<HostAndPort> split_authority(std::string_view authority) {
  HostAndPort out;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view host = authority.substr(1, close - 1);
    if (!is_ipv6_literal(host)) return std::nullopt;
    out.host = lower(host);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = authority.rfind(':');
    std::string_view host = authority;
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets
    if (!is_ipv4_literal(host) && !is_dns_name(host)) return std::nullopt;
    out.host = lower(host);
  }
  if (has_port) {
    out.port = parse_port(port_text);
    if (!out.port) return std::nullopt;
  }
  return out;
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment over three rolling rows.
  const size_t n = a.size();
  const size_t m = b.size();
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::string_view suggest(std::string_view key, std::span<const std::string_view> candidates) {
  constexpr size_t kMaxDistance = 2;
  std::string_view best;
  size_t best_distance = kMaxDistance + 1;
  const std::string key_lower = lower(key);
  for (std::string_view candidate : candidates) {
    const size_t d = edit_distance(key_lower, candidate);
    // A distance as large as the key itself means "nothing in common" ("ab" vs "cd").
    if (d < best_distance && d < key.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

bool is_secret_key_name(std::string_view key) {
  static constexpr std::array<std::string_view, 8> kSecretNames = {
      "apikey", "apisecret", "apisecretkey", "secret", "secretkey", "privatekey", "password", "passphrase"};
  std::string normalized;
  normalized.reserve(key.size());
  for (char c : key) {
    if (c == '_' || c == '-' || c == '.' || c == ' ') continue;
    normalized += to_lower(c);
  }
  return std::find(kSecretNames.begin(), kSecretNames.end(), normalized) != kSecretNames.end();
}

bool is_valid_instance_id(std::string_view text) {
  return !text.empty() && text.size() <= 8 && std::all_of(text.begin(), text.end(), is_alnum);
}

bool is_valid_client_id_prefix(std::string_view text) {
  return !text.empty() && text.size() <= kMaxClientIdPrefixSize &&
         std::all_of(text.begin(), text.end(), [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

bool is_valid_asset(std::string_view text) {
  return !text.empty() && text.size() <= 16 &&
         std::all_of(text.begin(), text.end(), [](char c) { return is_upper(c) || is_digit(c); });
}

bool is_valid_symbol(std::string_view text) {
  return text.size() >= 2 && text.size() <= 20 &&
         std::all_of(text.begin(), text.end(), [](char c) { return is_upper(c) || is_digit(c); });
}

bool is_valid_env_name(std::string_view text) {
  if (text.empty() || text.size() > 128 || is_digit(text.front())) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return is_alnum(c) || c == '_'; });
}

bool is_loopback_host(std::string_view host) {
  if (lower(host) == "localhost") return true;
  if (is_ipv4_literal(host)) {
    std::string copy(host);
    in_addr addr{};
    inet_pton(AF_INET, copy.c_str(), &addr);
    return (ntohl(addr.s_addr) >> 24) == 127;
  }
  if (is_ipv6_literal(host)) {
    std::string copy(host);
    in6_addr addr{};
    inet_pton(AF_INET6, copy.c_str(), &addr);
    return IN6_IS_ADDR_LOOPBACK(&addr);
  }
  return false;
}

std::optional<Url> parse_url(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
  }
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  Url url;
  url.text = std::string(text);
  url.scheme = lower(text.substr(0, sep));
  if (url.scheme == "https" || url.scheme == "wss") {
    url.tls = true;
  } else if (url.scheme != "http" && url.scheme != "ws") {
    return std::nullopt;
  }
  const std::string_view rest = text.substr(sep + 3);
  const size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  auto host_port = split_authority(authority);
  if (!host_port) return std::nullopt;
  if (host_port->port && *host_port->port == 0) return std::nullopt;
  url.host = std::move(host_port->host);
  url.port = host_port->port.value_or(url.tls ? uint16_t{443} : uint16_t{80});
  if (authority_end != std::string_view::npos) {
    const std::string_view target = rest.substr(authority_end);
    if (target.find('#') != std::string_view::npos) return std::nullopt;
    url.target = target.front() == '?' ? "/" + std::string(target) : std::string(target);
  } else {
    url.target = "/";
  }
  url.loopback = is_loopback_host(url.host);
  return url;
}

std::optional<HostPort> parse_host_port(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
  }
  auto host_port = split_authority(text);
  if (!host_port || !host_port->port) return std::nullopt;
  return HostPort{std::move(host_port->host), *host_port->port};
}

std::optional<int64_t> parse_int(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const size_t digits_start = text.front() == '-' ? 1 : 0;
  if (digits_start == text.size()) return std::nullopt;
  if (!std::all_of(text.begin() + static_cast<std::ptrdiff_t>(digits_start), text.end(), is_digit)) {
    return std::nullopt;
  }
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace phoenix::config::internal
