#pragma once

// exchangeInfo (REST GET /api/v3/exchangeInfo, or the WS-API `exchangeInfo` result) →
// per-symbol core::SymbolFilters, asset names and trading status, plus the published
// rate limits.
//
// Every amount is read at scale 8 (Binance writes 8 decimals); a value with a non-zero
// digit beyond the 8th is an error. A max bound that does not fit int64 at scale 8 (the
// exchange writes "no limit" as a huge number) becomes 0 = none. PERCENT_PRICE_BY_SIDE's
// reference price is left 0 for the caller. Pure function; any thread.

#include <string>
#include <string_view>
#include <vector>

#include "core/orders.h"
#include "core/result.h"
#include "core/symbol_filters.h"

namespace phoenix::binance {

struct ExchangeSymbolInfo {
  std::string symbol;       // "ETHUSDC"
  std::string status;       // "TRADING", "HALT", "BREAK", "END_OF_DAY", "CANCEL_ONLY"
  bool trading = false;     // status == TRADING
  std::string base_asset;   // "ETH"
  std::string quote_asset;  // "USDC"
  bool cancel_replace_allowed = false;
  bool amend_allowed = false;
  core::SymbolFilters filters;  // all scales 8
};

struct ExchangeInfo {
  int64_t server_time_ms = 0;
  core::RateLimitUsage limits;  // only the *_limit fields are set
  std::vector<ExchangeSymbolInfo> symbols;
};

// Decodes the REST body, or a WS-API response frame (its "result"). Errors name the
// symbol and field; a symbol without PRICE_FILTER or LOT_SIZE (or with a zero tick or
// step) is an error.
core::Result<ExchangeInfo> decode_exchange_info(std::string_view payload);

}  // namespace phoenix::binance
