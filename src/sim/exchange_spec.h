#pragma once

// What an Exchange is made of: assets, symbols with their filters, accounts with their
// API keys and starting balances, fees and rate limits. Filled by the exchange's config
// loader (sim/exchange_config.h) or by tests; validated by Exchange::create.
//
// Units as in matching_engine.h: prices in units of 10^-price_scale, quantities in units
// of 10^-qty_scale, balances in the asset's units (10^-AssetSpec::scale).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/accounts.h"
#include "sim/matching_engine.h"

namespace phoenix::sim {

// A symbol as exchangeInfo shows it: the engine's SymbolSpec plus the filters the
// exchange checks before an order reaches the engine.
struct ExchangeSymbolSpec {
  SymbolSpec engine;               // name, assets, scales, tick, step, min/max qty, min notional
  int64_t min_price_units = 0;     // PRICE_FILTER minPrice (0 = off)
  int64_t max_price_units = 0;     // PRICE_FILTER maxPrice (0 = off)
  int64_t max_notional_units = 0;  // NOTIONAL maxNotional, quote units (0 = off)
  // PERCENT_PRICE_BY_SIDE multipliers in basis points (50000 = 5, 2000 = 0.2), applied to
  // the reference price (last trade, else the mid, else no check).
  int64_t bid_multiplier_up_bps = 50000;
  int64_t bid_multiplier_down_bps = 2000;
  int64_t ask_multiplier_up_bps = 50000;
  int64_t ask_multiplier_down_bps = 2000;
  int avg_price_mins = 5;
  int max_num_orders = 200;  // MAX_NUM_ORDERS: open orders per account on this symbol
  StpMode default_stp = StpMode::kExpireMaker;
};

enum class KeyType : uint8_t { kHmac, kEd25519 };

struct ApiKeySpec {
  std::string api_key;  // the X-MBX-APIKEY value
  KeyType type = KeyType::kHmac;
  std::string hmac_secret;     // kHmac: the shared secret
  std::string ed25519_public;  // kEd25519: the public key, PEM ("-----BEGIN PUBLIC KEY-----...")
};

struct AccountSpec {
  AccountId id = 0;  // > 0; 0 is reserved for "no account"
  std::string name;  // for logs and /admin/orders
  std::vector<ApiKeySpec> keys;
  std::vector<std::pair<std::string, int64_t>> balances;  // asset name, units of that asset
};

struct RateLimitSpec {
  int64_t request_weight_per_minute = 6000;  // REQUEST_WEIGHT, per client IP
  int64_t orders_per_10s = 100;              // ORDERS (unfilled order count), per account
  int64_t orders_per_day = 200000;           // ORDERS per DAY, per account
  // 429 answers within one minute after which the IP is banned (418) for ban_ms.
  int64_t ban_after_429s = 5;
  int64_t ban_ms = 120000;
  int64_t max_recv_window_ms = 60000;
  int64_t default_recv_window_ms = 5000;
};

struct ExchangeSpec {
  std::vector<AssetSpec> assets;
  std::vector<ExchangeSymbolSpec> symbols;
  std::vector<AccountSpec> accounts;
  FeeSchedule fees{10, 10};  // maker/taker bps, as Binance's default 0.1%
  RateLimitSpec limits;
};

}  // namespace phoenix::sim
