#pragma once

// One symbol's exchange trading rules (Binance exchangeInfo filters) in integer units.
// src/binance decodes them; the quoter rounds to them; the OMS and risk checks read them.
// No Binance field names beyond the filter names in comments.

#include <optional>

#include "core/decimal.h"

namespace phoenix::core {

// PERCENT_PRICE_BY_SIDE: a BUY must satisfy ref * bid_down <= price <= ref * bid_up, a
// SELL ref * ask_down <= price <= ref * ask_up. `reference_price` is the base the exchange
// uses (its reference price when published, else its average price); the caller supplies it.
// Multipliers are exact decimals as Binance writes them ("5", "0.2").
struct PercentPriceBySide {
  Decimal bid_up;
  Decimal bid_down;
  Decimal ask_up;
  Decimal ask_down;
  Price reference_price;
};

// One symbol's exchange filters, already converted to integer units. A zero min/max
// means "no such bound", as on Binance. Value type; any thread.
struct SymbolFilters {
  int price_scale = 8;  // Price units are 10^-price_scale quote per base
  int qty_scale = 8;    // Qty units are 10^-qty_scale base
  int quote_scale = 8;  // `_quote_units` are 10^-quote_scale quote

  Price tick_size;                       // PRICE_FILTER tickSize; must be > 0
  Price min_price;                       // PRICE_FILTER minPrice; 0 = none
  Price max_price;                       // PRICE_FILTER maxPrice; 0 = none
  Qty step_size;                         // LOT_SIZE stepSize; must be > 0
  Qty min_qty;                           // LOT_SIZE minQty; 0 = none
  Qty max_qty;                           // LOT_SIZE maxQty; 0 = none
  int64_t min_notional_quote_units = 0;  // MIN_NOTIONAL / NOTIONAL minNotional; 0 = none
  int64_t max_notional_quote_units = 0;  // NOTIONAL maxNotional; 0 = none
  std::optional<PercentPriceBySide> percent_price;
  int max_num_orders = 0;  // MAX_NUM_ORDERS (open orders on the symbol); 0 = none
};

}  // namespace phoenix::core
