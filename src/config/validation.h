#pragma once

// Pure checks on config values (names, URLs, listen addresses) and the "did you mean"
// suggestion. No YAML here: the loader calls these on scalar text. Internal to the
// config module; exposed in a header so the tests can reach them.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/config.h"

namespace phoenix::config::internal {

// Edit distance with adjacent transpositions (optimal string alignment), so
// "levles" → "levels" is 1.
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within edit distance 2 of `key` (ties: the first listed), or
// an empty view when none is that close.
std::string_view suggest(std::string_view key, std::span<const std::string_view> candidates);

// True for key names that look like they hold a secret: api_key, api_secret, secret,
// secret_key, private_key, password, passphrase (case-insensitive; '_', '-', '.' and
// spaces ignored, so "apiKey" and "API-SECRET" match too).
bool is_secret_key_name(std::string_view key);

// 1..8 characters of [A-Za-z0-9].
bool is_valid_instance_id(std::string_view text);
// The longest orders.client_id_prefix: Binance client ids are at most 36 characters and
// the OMS needs the rest for its own part.
inline constexpr size_t kMaxClientIdPrefixSize = 12;
// [A-Za-z0-9_-]{1,12}.
bool is_valid_client_id_prefix(std::string_view text);
// [A-Z0-9]{1,16}, e.g. "USDC" (fits core::AssetBalance::asset).
bool is_valid_asset(std::string_view text);
// [A-Z0-9]{2,20}, e.g. "ETHUSDC".
bool is_valid_symbol(std::string_view text);
// [A-Za-z_][A-Za-z0-9_]{0,127}.
bool is_valid_env_name(std::string_view text);

// "localhost" (any case), an IPv4 literal in 127.0.0.0/8, or the IPv6 literal ::1
// (without brackets).
bool is_loopback_host(std::string_view host);

// Parses "scheme://host[:port][/target]" where scheme is http, https, ws or wss (any
// case) and host is a DNS name, an IPv4 literal or a bracketed IPv6 literal. No user
// info, no fragment, no whitespace. nullopt when malformed. Does not judge whether the
// scheme suits the host (the loader does).
std::optional<Url> parse_url(std::string_view text);

// Parses "HOST:PORT" (port 0..65535, required) with an IPv6 host in brackets.
std::optional<HostPort> parse_host_port(std::string_view text);

// Parses -?[0-9]+ into int64 (no '+', spaces, exponents or fractions); nullopt when
// malformed or out of int64 range.
std::optional<int64_t> parse_int(std::string_view text);

}  // namespace phoenix::config::internal
