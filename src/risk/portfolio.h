#pragma once

// Position and PnL per symbol, from our own fills, in integers.
//
// Units (fixed, the same for every symbol):
//   - base amounts (positions, start balances): `_base_units` of 10^-8 base asset
//     (kBaseScale, Binance's asset precision; commissions and balances use it too);
//   - quote amounts (PnL, fees, exposure): `_quote_units` of 10^-8 quote asset
//     (kQuoteScale). Totals over symbols add quote amounts as if every symbol had the
//     same quote asset (the shipped configs quote everything in USDC).
// Fill prices and quantities arrive as core::Price / core::Qty at each symbol's scales
// (SymbolSpec); quantity scales above 8 are refused at construction.
//
// Method: average cost. The open position carries its cost (sum of signed qty x price,
// kept exactly in __int128 at 10^-(price_scale + 8) quote). A fill that adds to the position
// adds its cost; one that reduces it realizes (fill price - average cost) x closed qty
// and removes the closed share of the cost (rounded to the nearest internal unit; the
// rounding only moves value between partial closes: a fully closed position has realized
// exactly sum(sells) - sum(buys)). A fill larger than the position closes it and opens the
// rest on the other side at the fill price.
//
// Fees: a quote-asset commission adds to fees; a base-asset commission is taken out of
// the position as if sold at the fill price (the account really holds that much less base)
// and its value at the fill price adds to fees; a commission in another asset (BNB) is
// counted apart, in that asset's units, and is not in the quote totals.
//
// PnL: realized and unrealized are gross (before fees); net = realized + unrealized - fees.
// Unrealized is position x mark - cost, at the last mark() price (the mid), or at the last
// fill price until the first mark. Only what Phoenix traded counts: a starting balance
// (set_start) is part of holdings but neither of the position nor of PnL.
//
// Metrics (registered at construction, per symbol): phoenix_position_base{symbol} (base
// asset, the position relative to the start), phoenix_pnl_quote{symbol,kind=realized|
// unrealized}, phoenix_fees_quote_total{symbol} (a counter with a decimal value, emitted by
// a collector at scrape time from an atomic the event loop updates),
// phoenix_fills_total{symbol,side}, phoenix_last_fill_timestamp_seconds{symbol}.
//
// Owned by the engine; event-loop thread only (metrics are read from any thread).

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/decimal.h"
#include "core/market_data.h"
#include "core/orders.h"
#include "telemetry/metrics.h"

namespace phoenix::risk {

// A 128-bit signed integer for intermediate products (price x quantity); __extension__
// keeps -Wpedantic quiet about the GCC/Clang builtin type.
__extension__ typedef __int128 Int128;

inline constexpr int kBaseScale = 8;
inline constexpr int kQuoteScale = 8;

// One traded symbol: its metric label and the scales of its prices and quantities
// (core::SymbolFilters::price_scale / qty_scale). Indexed by core::SymbolId.
struct SymbolSpec {
  std::string name;     // "ETHUSDC"
  int price_scale = 8;  // 0..18
  int qty_scale = 8;    // 0..8
};

// One fill of one of our orders.
struct Fill {
  core::SymbolId symbol = core::kNoSymbol;
  core::Side side = core::Side::kBuy;
  core::Price price;             // > 0, at the symbol's price scale
  core::Qty qty;                 // > 0, at the symbol's qty scale
  int64_t commission_units = 0;  // 10^-8 of the fee asset
  core::FeeAsset fee_asset = core::FeeAsset::kNone;
  int64_t time_ms = 0;   // exchange time; 0 = unknown (the last-fill metric keeps its value)
  int64_t trade_id = 0;  // the exchange's trade id; 0 = unknown (no duplicate check)
};

// Amount conversions at a symbol's scales, exact where the result is representable,
// else rounded to the nearest (ties away from zero). Free functions; any thread.
// Qty units → base units (10^-8): exact (qty_scale <= 8).
int64_t qty_to_base_units(core::Qty qty, int qty_scale);
// price x base units → quote units (10^-8).
int64_t notional_quote_units(core::Price price, int64_t base_units, int price_scale);
// value / 10^scale, rounded to the nearest (ties away from zero), saturated to int64.
int64_t divide_pow10(Int128 value, int scale);

class Portfolio {
 public:
  // `symbols` indexed by SymbolId. Throws std::invalid_argument on a scale out of range
  // (start-up only). Registers the metrics in `registry`, which must outlive this.
  Portfolio(std::span<const SymbolSpec> symbols, telemetry::Registry& registry);
  Portfolio(const Portfolio&) = delete;
  Portfolio& operator=(const Portfolio&) = delete;

  size_t symbol_count() const { return states_.size(); }
  const SymbolSpec& spec(core::SymbolId symbol) const { return states_[symbol].spec; }

  // The base balance the account held at start-up (10^-8 base). Call before trading.
  void set_start(core::SymbolId symbol, int64_t base_units);

  // Applies one fill. Returns false (and changes nothing) for an unknown symbol, a
  // non-positive price or quantity, a negative commission, or a trade id already applied
  // on this symbol (the last kTradeIdMemory ids per symbol are remembered).
  bool on_fill(const Fill& fill);
  // The same from an order update; false unless exec_type is kTrade (time: transact
  // time, else event time).
  bool on_fill(const core::OrderUpdate& update);

  // Sets the mark price (the mid) used for unrealized PnL and exposure. Ignored unless
  // > 0 and the symbol is known.
  void mark(core::SymbolId symbol, core::Price price);

  // Per symbol (a valid SymbolId).
  int64_t position_base_units(core::SymbolId symbol) const { return states_[symbol].position; }
  int64_t start_base_units(core::SymbolId symbol) const { return states_[symbol].start; }
  int64_t holdings_base_units(core::SymbolId symbol) const {
    return states_[symbol].start + states_[symbol].position;
  }
  // Average cost of the open position (price units, rounded to nearest); 0 when flat.
  core::Price average_cost(core::SymbolId symbol) const;
  core::Price mark_price(core::SymbolId symbol) const { return states_[symbol].mark; }
  int64_t realized_quote_units(core::SymbolId symbol) const;
  int64_t unrealized_quote_units(core::SymbolId symbol) const;
  int64_t fees_quote_units(core::SymbolId symbol) const { return states_[symbol].fees_quote; }
  int64_t fees_other_units(core::SymbolId symbol) const { return states_[symbol].fees_other; }
  // realized + unrealized - fees.
  int64_t net_pnl_quote_units(core::SymbolId symbol) const;
  // |position| x mark.
  int64_t exposure_quote_units(core::SymbolId symbol) const { return states_[symbol].exposure; }
  uint64_t fill_count(core::SymbolId symbol) const { return states_[symbol].fills; }

  // Over all symbols.
  int64_t total_net_pnl_quote_units() const;
  int64_t total_exposure_quote_units() const { return total_exposure_; }

  static constexpr size_t kTradeIdMemory = 64;

 private:
  struct State {
    SymbolSpec spec;
    int64_t start = 0;
    int64_t position = 0;  // base units, signed
    Int128 cost = 0;       // signed, price units x base units
    Int128 realized = 0;   // price units x base units
    int64_t fees_quote = 0;
    int64_t fees_other = 0;
    core::Price mark;
    bool marked = false;  // mark() was called (fills no longer move the mark)
    int64_t exposure = 0;
    uint64_t fills = 0;
    std::array<int64_t, kTradeIdMemory> trade_ids{};
    size_t next_trade_id = 0;
    // Metrics.
    telemetry::Gauge* position_gauge = nullptr;
    telemetry::Gauge* realized_gauge = nullptr;
    telemetry::Gauge* unrealized_gauge = nullptr;
    telemetry::Gauge* last_fill_gauge = nullptr;
    telemetry::Counter* buys = nullptr;
    telemetry::Counter* sells = nullptr;
  };

  // Adds `delta` base units (signed) at `price` units to the position.
  static void apply_trade(State& s, int64_t delta, int64_t price_units);
  void refresh(State& s);  // exposure, total, gauges
  void register_fee_collector(telemetry::Registry& registry);

  // Quote fees per symbol, shared with the scrape-time collector (which may outlive this).
  struct FeeCells {
    std::vector<std::string> symbols;
    std::unique_ptr<std::atomic<int64_t>[]> units;
  };

  std::vector<State> states_;
  std::shared_ptr<FeeCells> fee_cells_;
  int64_t total_exposure_ = 0;
};

}  // namespace phoenix::risk
