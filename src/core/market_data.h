#pragma once

// Normalised market-data events: what src/binance/ decodes Binance's streams into and
// what src/md/ consumes. No Binance field names here.
//
// Prices and quantities are integer units at the symbol's scale (core::Price/Qty).
// Level arrays are spans into buffers owned by the decoder that produced the event;
// they are valid only during the call that delivers the event (no copies, no
// allocation per message).

#include <cstdint>
#include <span>
#include <string_view>

#include "core/decimal.h"

namespace phoenix::core {

// Index of a symbol in the instance's configured symbol list (0..N-1).
using SymbolId = uint16_t;
inline constexpr SymbolId kNoSymbol = 0xffff;

// Decimal places of a symbol's prices and quantities. Binance writes market data with
// 8 decimals; a symbol's tick and step sizes never need more.
struct SymbolScale {
  int price_scale = 8;
  int qty_scale = 8;
};

// One price level.
struct Level {
  Price price;
  Qty qty;  // 0 in a diff means "remove this level"
};

// Best bid and offer (Binance bookTicker).
struct BookTicker {
  SymbolId symbol = kNoSymbol;
  uint64_t update_id = 0;
  Price bid_price;
  Qty bid_qty;
  Price ask_price;
  Qty ask_qty;
};

// A partial-depth snapshot: the top N levels, best first (Binance depth5/10/20).
struct DepthSnapshot {
  SymbolId symbol = kNoSymbol;
  uint64_t last_update_id = 0;
  std::span<const Level> bids;
  std::span<const Level> asks;
};

// A diff-depth event: absolute quantities for the listed levels, covering updates
// first_update_id..final_update_id (Binance depthUpdate U..u).
struct DepthDiff {
  SymbolId symbol = kNoSymbol;
  uint64_t first_update_id = 0;
  uint64_t final_update_id = 0;
  int64_t event_time_ms = 0;
  std::span<const Level> bids;
  std::span<const Level> asks;
};

// A public trade (Binance trade, or aggTrade when `aggregated`).
struct Trade {
  SymbolId symbol = kNoSymbol;
  uint64_t trade_id = 0;  // trade id, or aggregate id
  Price price;
  Qty qty;
  int64_t trade_time_ms = 0;
  bool buyer_is_maker = false;  // true: the taker sold
  bool aggregated = false;
};

}  // namespace phoenix::core
