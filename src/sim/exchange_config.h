#pragma once

// phoenix-exchange's configuration file (configs/exchange.yaml, documented in
// docs/exchange.md): listen address, server rules, fees, rate limits, assets, symbols
// with their filters and synthetic-market parameters, demo accounts with their API keys
// and balances, faults active at start. Loaded into the structs the exchange is built
// from. Strict: unknown keys, wrong types and bad values are all reported at once, each
// as "<file>:<line>:<col>: <key.path>: <problem>". Nothing here throws.
//
// Decimal values (prices, sizes, balances) are written as strings ("0.01") and converted
// exactly to integer units: prices at the quote asset's scale, quantities at the base
// asset's scale, balances at the asset's own scale.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sim/exchange_spec.h"
#include "sim/market_streams.h"
#include "sim/server.h"

namespace phoenix::sim {

struct ExchangeConfig {
  ServerOptions server;
  ExchangeSpec exchange;
  MarketSimSpec market;
  bool market_enabled = true;  // the synthetic market (off: books hold only clients' orders)
};

// Parses YAML text. `source` names it in messages (a file path). Relative key file paths
// (hmac_secret_file, public_key_file) are resolved against `base_dir`.
core::Result<ExchangeConfig> parse_exchange_config(std::string_view yaml_text, std::string_view source,
                                                   std::string_view base_dir);
// Reads and parses a file; key files are resolved relative to the file's directory.
core::Result<ExchangeConfig> load_exchange_config(const std::string& path);

// "HOST:PORT" -> (host, port); port 0 allowed. A specific error otherwise.
core::Status parse_listen_address(std::string_view text, std::string* host, uint16_t* port);

}  // namespace phoenix::sim
