#pragma once

// The quoter: one symbol's desired maker ladder, as a pure function of
//   (exchange filters, top of book, balances, parameters) -> (bids, asks, dropped levels).
//
// No I/O, no clock, no locks, no exceptions; every amount is an integer. The only memory
// it touches is the caller's Ladder, whose vectors keep their capacity between calls
// (Ladder::reserve once at start-up, then compute_ladder() never allocates).
//
// Units
//   - Prices are core::Price units of 10^-price_scale quote per base; quantities are
//     core::Qty units of 10^-qty_scale base (the scales of SymbolFilters).
//   - Quote amounts (notional, quote balance, size in quote) are int64 `_quote_units` of
//     10^-quote_scale quote.
//   - Relative amounts are integers too: `_cbps` are centi-basis-points (1 cbps = 0.01 bp
//     = 10^-6 of a price; kCbpsPerOne = 1'000'000 is 100 %), `_ppm` are parts per million
//     (1'000'000 is 1.0).
//
// The arithmetic, exactly (all intermediate products in __int128, bounded by validation,
// so nothing can overflow; quote amounts rescaled by 10^k saturate at 2^126, above any
// int64 price * qty; an ask price that does not fit int64 drops the level as kOverflow):
//   fair  F = b + (a - b) * W / 2^32, kept as the exact rational N / 2^32, where
//         W = 2^31 for the mid and W = floor(2^32 * bid_qty / (bid_qty + ask_qty)) for the
//         micro-price (so the micro-price is rounded toward the bid by < 2^-32 of the spread).
//   half  h = max(half_spread, ceil(min_spread / 2))
//   skew  sigma = clamp((base_ratio - target) * 10^6 / range, -10^6, 10^6)   [ppm, toward 0]
//         s = sigma * max_price_skew / 10^6                                    [cbps, toward 0]
//   bid i = floor_to_tick( floor( F * (10^6 - (h + i*step + s)) / 10^6 ) )   rounded DOWN
//   ask i = ceil_to_tick(  ceil(  F * (10^6 + (h + i*step - s)) / 10^6 ) )   rounded UP
//   With sigma > 0 (more base than the target) both sides move down: bids buy less eagerly,
//   asks sell more eagerly; and the bid sizes shrink by sigma * max_size_skew (the asks'
//   when sigma < 0). Rounding a price away from the fair price only ever widens the spread,
//   so the ladder's own spread is >= 2h of F >= min_spread.
//   size i = size * g_i / 10^6 with g_0 = 10^6, g_i = floor(g_{i-1} * growth / 10^6);
//         with quote sizing, divided by the level's final price; cut to LOT_SIZE max and
//         NOTIONAL max; DOWN to step; times the side's skew factor, DOWN to step; cut to
//         the balance left, DOWN to step. Every division rounds DOWN.
//
// Then each level, innermost first, is moved only AWAY from the market (never toward it):
//   bids: <= best ask - 1 unit (a LIMIT_MAKER must not take), <= ref * bidMultiplierUp,
//         <= PRICE_FILTER max, <= previous kept bid - tick (strictly decreasing, no
//         duplicate prices);
//   asks: >= best bid + 1 unit, >= our own best bid + 1 unit (no self-cross),
//         >= ref * askMultiplierDown, >= PRICE_FILTER min, >= previous kept ask + tick;
// and is DROPPED (with a DropReason) when it still fails a bound that only a move toward
// the market would satisfy:
//   bids: price <= 0 or < PRICE_FILTER min (kPriceFilter), < ref * bidMultiplierDown
//         (kPercentPrice), > price_ceiling (kPriceBand);
//   asks: > int64 (kOverflow), > PRICE_FILTER max (kPriceFilter), > ref * askMultiplierUp
//         (kPercentPrice), < price_floor (kPriceBand);
//   sizes: below LOT_SIZE min (or 0) or minNotional after rounding (kMinQty, kMinNotional),
//         or only because of the skew's cut (kInventorySkew) or the balance cap (kBalance).
// Sizes above LOT_SIZE max or NOTIONAL max are cut to the max. With limit_to_balance, the
// ladder never sells more base or spends more quote than Balances holds (inner levels get
// the balance first). Levels are dropped individually: a deeper level may still quote.
//
// Thread safety: compute_ladder() is reentrant (reads its inputs, writes only `out`).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/decimal.h"
#include "core/market_data.h"
#include "core/result.h"
#include "core/symbol_filters.h"

namespace phoenix::strategy {

inline constexpr int64_t kCbpsPerOne = 1'000'000;  // 100 % in cbps
inline constexpr int64_t kPpmPerOne = 1'000'000;   // 1.0 in ppm
inline constexpr int kMaxLevels = 50;              // per side

// The symbol's exchange filters (core/symbol_filters.h; src/binance decodes them).
using PercentPriceBySide = core::PercentPriceBySide;
using SymbolFilters = core::SymbolFilters;

// The best bid and ask with their quantities; a missing side is nullopt.
struct TopOfBook {
  std::optional<core::Level> bid;
  std::optional<core::Level> ask;
};

// What the ladder may use: the base inventory and the quote balance available to this
// symbol's orders (free plus what this symbol's own open orders lock, since the ladder
// replaces them). Both also drive the inventory skew. Must be >= 0.
struct Balances {
  core::Qty base;
  int64_t quote_units = 0;
};

enum class FairPriceMode : uint8_t {
  kMid,    // (bid + ask) / 2
  kMicro,  // (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty); mid when both qty are 0
};

enum class SizeUnit : uint8_t {
  kBase,   // size_base per level
  kQuote,  // size_quote_units per level, divided by each level's price
};

// Inventory skew toward a target share of base value in the total value
// (base * fair + quote). The deviation from the target, divided by `range_ppm` and
// clamped to [-1, 1], is sigma; see the formulas at the top of this file.
struct InventorySkew {
  bool enabled = false;
  int64_t target_base_ppm = 500'000;      // target base value / total value, [0, 10^6]
  int64_t range_ppm = 500'000;            // deviation giving full skew, (0, 10^6]
  int64_t max_price_skew_cbps = 0;        // price shift at full skew, [0, 10^6]
  int64_t max_size_skew_ppm = 1'000'000;  // size cut of the side that adds to the deviation
                                          // at full skew, [0, 10^6] (10^6: to zero)
};

// Quoting parameters of one symbol. Value type; any thread.
struct QuoteParams {
  FairPriceMode fair_price = FairPriceMode::kMid;
  int levels = 7;                    // per side, [0, kMaxLevels]
  int64_t half_spread_cbps = 1'000;  // first level's distance from fair, [0, 10^6]
  int64_t level_step_cbps = 500;     // added per level outward, [0, 10^6]
  int64_t min_spread_cbps = 0;       // floor on (first ask - first bid) / fair, [0, 2*10^6]
  SizeUnit size_unit = SizeUnit::kBase;
  core::Qty size_base;                   // with kBase, > 0
  int64_t size_quote_units = 0;          // with kQuote, > 0
  int64_t size_growth_ppm = kPpmPerOne;  // size multiplier per level outward, (0, 10^7]
  InventorySkew skew;
  std::optional<core::Price> price_ceiling;  // never bid above it
  std::optional<core::Price> price_floor;    // never offer below it
  bool limit_to_balance = true;              // cap the ladder to Balances (inner levels first)
};

enum class QuoteSide : uint8_t { kBid, kAsk };

// Why a level was not quoted. Exchange filter failures are the ones is_filter_reason()
// names; they drive phoenix_quote_state{reason="filters"}.
enum class DropReason : uint8_t {
  kPriceFilter,    // price <= 0, or outside PRICE_FILTER min/max
  kPercentPrice,   // outside PERCENT_PRICE_BY_SIDE on the side it can't be moved to
  kMinQty,         // size < LOT_SIZE minQty (or 0) after rounding
  kMinNotional,    // price * size < minNotional after rounding
  kPriceBand,      // a bid above price_ceiling, an ask below price_floor
  kBalance,        // the balance left for this level is below the minimums
  kInventorySkew,  // the skew's size cut took it below the minimums
  kOverflow,       // the price or size does not fit int64
};

struct DroppedLevel {
  QuoteSide side = QuoteSide::kBid;
  int level = 0;  // the ladder level, 0 = innermost
  DropReason reason = DropReason::kPriceFilter;
};

// Why a side has no quotes (kQuoting when it has at least one).
enum class SideState : uint8_t {
  kQuoting,
  kDisabled,       // levels == 0
  kInvalidInput,   // filters, params or balances failed validation
  kNoBook,         // a best bid or ask is missing (no fair price)
  kCrossedBook,    // best bid >= best ask, or a non-positive price
  kFilters,        // every level failed an exchange filter
  kPriceBand,      // every level was outside the price ceiling/floor
  kBalance,        // no balance for even one level
  kInventorySkew,  // the skew cut every level below the minimums
  kOverflow,       // every level overflowed
};

// One desired order. `level` is the ladder level it was computed for (0 = innermost);
// a dropped inner level leaves a gap, so the level identifies the order slot.
struct QuoteLevel {
  core::Price price;
  core::Qty qty;
  int level = 0;
};

// The quoter's output; owned and reused by the caller (one per symbol).
struct Ladder {
  std::vector<QuoteLevel> bids;  // best first: prices strictly decreasing
  std::vector<QuoteLevel> asks;  // best first: prices strictly increasing
  std::vector<DroppedLevel> dropped;
  SideState bid_state = SideState::kInvalidInput;
  SideState ask_state = SideState::kInvalidInput;
  // Diagnostics (0 when there is no fair price).
  int64_t fair_price_units = 0;  // floor(F)
  int64_t base_ratio_ppm = 0;    // base value / total value, rounded down
  int64_t skew_ppm = 0;          // sigma

  // Capacity for `levels` per side, so compute_ladder() never allocates afterwards.
  void reserve(int levels);
  // Empties the ladder, keeping capacity.
  void clear();
};

// Fills `out` (cleared first) with the desired ladder. Never fails: invalid input or a
// book that gives no fair price leaves both sides empty with the state saying why.
void compute_ladder(const SymbolFilters& filters, const QuoteParams& params, const TopOfBook& book,
                    const Balances& balances, Ladder& out);

// The same, returning a new Ladder (allocates; for tests and tools).
Ladder compute_ladder(const SymbolFilters& filters, const QuoteParams& params, const TopOfBook& book,
                      const Balances& balances);

// Checks filters and params once at start-up; the error names the first bad field.
// compute_ladder() does the same checks without the message.
core::Status validate(const SymbolFilters& filters, const QuoteParams& params);

bool is_filter_reason(DropReason reason);
std::string_view to_string(QuoteSide side);     // "bid", "ask"
std::string_view to_string(DropReason reason);  // "price_filter", "min_notional", ...
std::string_view to_string(SideState state);    // "quoting", "filters", "no_book", ...

}  // namespace phoenix::strategy
