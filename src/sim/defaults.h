#pragma once

// Default markets of phoenix-exchange: the five symbols Phoenix quotes out of the box
// (ETHUSDC, DOGEUSDC, SOLUSDC, BNBUSDC, XRPUSDC) with Binance's tick and step sizes, and
// the synthetic market's parameters for each (start prices near late-2025 levels). The
// exchange's config loader starts from these; tests use them directly.
//
// Every asset has 8 decimals, and every symbol prints prices and quantities with 8
// decimals (price_scale = qty_scale = 8), as Binance does ("2000.01000000"). So one
// price unit is 1e-8 USDC and one quantity unit is 1e-8 of the base asset.
//
// Pure functions; any thread.

#include <vector>

#include "sim/accounts.h"
#include "sim/exchange_spec.h"
#include "sim/market_streams.h"

namespace phoenix::sim {

// The scale of every default asset and of every default symbol's prices and quantities.
inline constexpr int kDefaultScale = 8;

// USDC, ETH, DOGE, SOL, BNB, XRP (8 decimals each).
std::vector<AssetSpec> default_assets();
// ETHUSDC, DOGEUSDC, SOLUSDC, BNBUSDC, XRPUSDC with Binance-like PRICE_FILTER, LOT_SIZE and
// NOTIONAL (min 5 USDC) filters.
std::vector<ExchangeSymbolSpec> default_symbols();
// One MarketSimSpec::Symbol per default symbol (seed 1, 100 ms steps).
MarketSimSpec default_market_sim_spec();

}  // namespace phoenix::sim
