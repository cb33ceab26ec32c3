#include "sim/defaults.h"

#include <cstdint>
#include <string>

namespace phoenix::sim {
namespace {

constexpr int64_t kOne = 100'000'000;  // 1.0 at scale 8

struct DefaultSymbol {
  const char* name;
  const char* base;
  int64_t tick_units;
  int64_t step_units;
  int64_t max_qty_units;
  int64_t max_price_units;
  int64_t start_price_units;
  int64_t volatility_bps;
  int64_t level_spacing_ticks;
  int64_t taker_rate_per_s;
};

// Binance Spot's filters for these pairs (PRICE_FILTER tickSize/maxPrice, LOT_SIZE
// stepSize/maxQty) at scale 8.
constexpr DefaultSymbol kSymbols[] = {
    {"ETHUSDC", "ETH", kOne / 100, kOne / 10'000, 9'000 * kOne, 1'000'000 * kOne, 3'000 * kOne, 1, 10, 4},
    {"DOGEUSDC", "DOGE", kOne / 100'000, kOne, 9'000'000 * kOne, 1'000 * kOne, 15 * kOne / 100, 1, 1, 2},
    {"SOLUSDC", "SOL", kOne / 100, kOne / 1'000, 90'000 * kOne, 1'000'000 * kOne, 150 * kOne, 1, 1, 3},
    {"BNBUSDC", "BNB", kOne / 100, kOne / 1'000, 90'000 * kOne, 1'000'000 * kOne, 600 * kOne, 1, 3, 2},
    {"XRPUSDC", "XRP", kOne / 10'000, kOne / 10, 9'000'000 * kOne, 10'000 * kOne, 6 * kOne / 10, 1, 1, 2},
};

}  // namespace

std::vector<AssetSpec> default_assets() {
  std::vector<AssetSpec> assets;
  assets.push_back({"USDC", kDefaultScale});
  for (const DefaultSymbol& s : kSymbols) assets.push_back({s.base, kDefaultScale});
  return assets;
}

std::vector<ExchangeSymbolSpec> default_symbols() {
  std::vector<ExchangeSymbolSpec> symbols;
  for (const DefaultSymbol& s : kSymbols) {
    ExchangeSymbolSpec spec;
    spec.engine.name = s.name;
    spec.engine.base_asset = s.base;
    spec.engine.quote_asset = "USDC";
    spec.engine.price_scale = kDefaultScale;
    spec.engine.qty_scale = kDefaultScale;
    spec.engine.tick_units = s.tick_units;
    spec.engine.step_units = s.step_units;
    spec.engine.min_qty_units = s.step_units;
    spec.engine.max_qty_units = s.max_qty_units;
    spec.engine.min_notional_units = 5 * kOne;  // 5 USDC
    spec.min_price_units = s.tick_units;
    spec.max_price_units = s.max_price_units;
    symbols.push_back(std::move(spec));
  }
  return symbols;
}

MarketSimSpec default_market_sim_spec() {
  MarketSimSpec spec;
  spec.seed = 1;
  spec.step_ms = 100;
  for (const DefaultSymbol& s : kSymbols) {
    MarketSimSpec::Symbol sym;
    sym.name = s.name;
    sym.start_price_units = s.start_price_units;
    sym.volatility_bps = s.volatility_bps;
    sym.level_spacing_ticks = s.level_spacing_ticks;
    sym.taker_rate_per_s = s.taker_rate_per_s;
    spec.symbols.push_back(std::move(sym));
  }
  return spec;
}

}  // namespace phoenix::sim
