#pragma once

// config::SymbolConfig -> strategy::QuoteParams.
//
// Header-only on purpose: phoenix_strategy does not depend on phoenix_config (quoter.h
// and quoter.cc never include config), and this file uses only the plain structs of
// config/config.h plus core::Decimal. Include it from the wiring that already has both
// (the engine), at start-up: it allocates on error.
//
// Conversions are exact: a value with more decimals than its integer unit allows is an
// error, never silently rounded (bps -> cbps keeps 2 decimals; ratios and the growth
// factor -> ppm keep 6; sizes and prices keep the symbol's scales from `filters`).
// The skew is enabled iff inventory.max_skew_bps > 0; its range is chosen so that the
// skew is full exactly when the inventory is all base or all quote
// (range = max(target, 1 - target)); its size cut is full (a side shrinks to zero at the
// extreme). The config has no key for these two yet.

#include <algorithm>
#include <optional>
#include <string>

#include "config/config.h"
#include "core/decimal.h"
#include "core/result.h"
#include "strategy/quoter.h"

namespace phoenix::strategy {

namespace detail {
inline core::Result<int64_t> exact_units(const config::SymbolConfig& sc, const core::Decimal& value,
                                         int scale, const char* key) {
  auto units = value.to_units_exact(scale);
  if (!units) {
    return core::Error{core::ErrorCode::kInvalidArgument,
                       "symbols[" + sc.symbol + "]." + key + ": " + units.error().message};
  }
  return *units;
}
}  // namespace detail

// `filters` supplies the symbol's price, qty and quote scales.
inline core::Result<QuoteParams> params_from_config(const config::SymbolConfig& sc,
                                                    const SymbolFilters& filters) {
  QuoteParams p;
  p.levels = sc.levels;
  p.fair_price = sc.fair_price == config::FairPrice::kMicro ? FairPriceMode::kMicro : FairPriceMode::kMid;

  auto half = detail::exact_units(sc, sc.half_spread_bps, 2, "half_spread_bps");
  if (!half) return std::move(half).error();
  p.half_spread_cbps = *half;
  auto step = detail::exact_units(sc, sc.level_step_bps, 2, "level_step_bps");
  if (!step) return std::move(step).error();
  p.level_step_cbps = *step;
  auto min_spread = detail::exact_units(sc, sc.min_spread_bps, 2, "min_spread_bps");
  if (!min_spread) return std::move(min_spread).error();
  p.min_spread_cbps = *min_spread;

  if (sc.size_base) {
    auto size = detail::exact_units(sc, *sc.size_base, filters.qty_scale, "size_base");
    if (!size) return std::move(size).error();
    p.size_unit = SizeUnit::kBase;
    p.size_base = core::Qty(*size);
  } else if (sc.size_quote) {
    auto size = detail::exact_units(sc, *sc.size_quote, filters.quote_scale, "size_quote");
    if (!size) return std::move(size).error();
    p.size_unit = SizeUnit::kQuote;
    p.size_quote_units = *size;
  }
  auto growth = detail::exact_units(sc, sc.size_growth, 6, "size_growth");
  if (!growth) return std::move(growth).error();
  p.size_growth_ppm = *growth;

  auto target = detail::exact_units(sc, sc.inventory.target_base_ratio, 6, "inventory.target_base_ratio");
  if (!target) return std::move(target).error();
  auto max_skew = detail::exact_units(sc, sc.inventory.max_skew_bps, 2, "inventory.max_skew_bps");
  if (!max_skew) return std::move(max_skew).error();
  p.skew.enabled = *max_skew > 0;
  p.skew.target_base_ppm = *target;
  p.skew.range_ppm = std::max<int64_t>(1, std::max(*target, kPpmPerOne - *target));
  p.skew.max_price_skew_cbps = *max_skew;
  p.skew.max_size_skew_ppm = kPpmPerOne;

  if (sc.price_ceiling) {
    auto ceiling = detail::exact_units(sc, *sc.price_ceiling, filters.price_scale, "price_ceiling");
    if (!ceiling) return std::move(ceiling).error();
    p.price_ceiling = core::Price(*ceiling);
  }
  if (sc.price_floor) {
    auto floor = detail::exact_units(sc, *sc.price_floor, filters.price_scale, "price_floor");
    if (!floor) return std::move(floor).error();
    p.price_floor = core::Price(*floor);
  }
  if (auto ok = validate(filters, p); !ok) {
    return core::Error{ok.error().code, "symbols[" + sc.symbol + "]: " + ok.error().message};
  }
  return p;
}

}  // namespace phoenix::strategy
