#pragma once

// Binance market-stream payloads as JSON text, built by appending to one string (no
// intermediate DOM). Prices and quantities are written as quoted decimals with exactly
// the symbol's scale ("2000.01000000" at scale 8), as Binance prints them; a removed
// depth level has quantity zero ("0.00000000"). Symbol and stream names are written as
// given: callers pass only validated names (letters, digits, '@').
//
// Pure functions; any thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sim/exchange.h"

namespace phoenix::sim {

struct PayloadScales {
  int price_scale = 8;
  int qty_scale = 8;
};

// Appends `units` of 10^-scale as a quoted decimal: "\"-12.34000000\"". Any int64 works.
void append_quoted_units(std::string* out, int64_t units, int scale);

// {"u":..,"s":"ETHUSDC","b":"..","B":"..","a":"..","A":".."}; an empty side is all zeros.
std::string book_ticker_json(std::string_view symbol, uint64_t update_id, const BookLevel& bid,
                             const BookLevel& ask, PayloadScales scales);

// {"e":"trade","E":..,"s":..,"t":..,"p":..,"q":..,"T":..,"m":..,"M":true}
std::string trade_json(std::string_view symbol, int64_t event_ms, const TradePrint& trade,
                       PayloadScales scales);

// One aggregated trade: consecutive fills of one taker order at one price.
struct AggTrade {
  int64_t agg_id = 0;
  int64_t price_units = 0;
  int64_t qty_units = 0;
  int64_t first_trade_id = 0;
  int64_t last_trade_id = 0;
  int64_t time_ms = 0;
  bool buyer_is_maker = false;
};
// {"e":"aggTrade","E":..,"s":..,"a":..,"p":..,"q":..,"f":..,"l":..,"T":..,"m":..,"M":true}
std::string agg_trade_json(std::string_view symbol, int64_t event_ms, const AggTrade& agg,
                           PayloadScales scales);

// {"lastUpdateId":..,"bids":[["p","q"],...],"asks":[...]}
std::string partial_depth_json(uint64_t last_update_id, std::span<const BookLevel> bids,
                               std::span<const BookLevel> asks, PayloadScales scales);

// {"e":"depthUpdate","E":..,"s":..,"U":..,"u":..,"b":[["p","q"],...],"a":[...]}
std::string depth_update_json(std::string_view symbol, int64_t event_ms, uint64_t first_update_id,
                              uint64_t final_update_id, std::span<const BookLevel> bids,
                              std::span<const BookLevel> asks, PayloadScales scales);

// {"stream":"<stream>","data":<raw>}
std::string combined_json(std::string_view stream, std::string_view raw);

}  // namespace phoenix::sim
