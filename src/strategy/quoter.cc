#include "strategy/quoter.h"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

namespace phoenix::strategy {
namespace {

__extension__ using Int128 = __int128;

constexpr Int128 kInt64Max = std::numeric_limits<int64_t>::max();
// Saturation value for rescaled quote amounts: at least any int64 price * int64 qty
// (< 2^126), so a saturated minimum still fails every level and a saturated maximum or
// balance still limits none; and a sum of two stays below 2^127.
constexpr Int128 kSaturated = Int128{1} << 126;
// The fair price is the rational N / 2^32 (see quoter.h).
constexpr int kFairShift = 32;
constexpr Int128 kFairOne = Int128{1} << kFairShift;
// Growth factors are capped here, so size * g stays below 2^125.
constexpr Int128 kGrowthCap = Int128{1} << 62;

constexpr std::array<Int128, 39> kPow10 = [] {
  std::array<Int128, 39> p{};
  p[0] = 1;
  for (size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
  return p;
}();

// a / b for a >= 0 and b > 0. A 64-bit divide when both fit (the common case): libgcc's
// 128-bit division is several times slower, and GCC does not turn a 128-bit division by
// a constant into a multiplication.
[[gnu::always_inline]] inline Int128 div_nonneg(Int128 a, Int128 b) {
  constexpr Int128 kU64Max = std::numeric_limits<uint64_t>::max();
  if (a <= kU64Max && b <= kU64Max) return static_cast<uint64_t>(a) / static_cast<uint64_t>(b);
  return a / b;
}

// Floor and ceiling of a / b for b > 0 (|a| < 2^127).
[[gnu::always_inline]] inline Int128 floor_div(Int128 a, Int128 b) {
  if (a >= 0) return div_nonneg(a, b);
  const Int128 q = -div_nonneg(-a, b);  // toward zero
  return q * b == a ? q : q - 1;
}
[[gnu::always_inline]] inline Int128 ceil_div(Int128 a, Int128 b) {
  if (a <= 0) return -div_nonneg(-a, b);  // toward zero
  const Int128 q = div_nonneg(a, b);
  return q * b == a ? q : q + 1;
}
Int128 floor_to(Int128 v, Int128 step) { return floor_div(v, step) * step; }
Int128 ceil_to(Int128 v, Int128 step) { return ceil_div(v, step) * step; }

// a * b for a, b >= 0, saturated at kSaturated.
Int128 sat_mul(Int128 a, Int128 b) {
  Int128 r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > kSaturated) return kSaturated;
  return r;
}

// A quote amount (10^-quote_scale) in notional units (price units * qty units, i.e.
// 10^-(price_scale + qty_scale)), rounded as asked when digits are lost; saturated.
Int128 quote_to_notional(int64_t quote_units, int decimals_up, bool round_up) {
  if (decimals_up >= 0) return sat_mul(quote_units, kPow10[static_cast<size_t>(decimals_up)]);
  const Int128 div = kPow10[static_cast<size_t>(-decimals_up)];
  return round_up ? ceil_div(quote_units, div) : floor_div(quote_units, div);
}

// ref * multiplier, rounded as asked (multiplier = units * 10^-scale, both checked >= 0).
Int128 scale_by(int64_t ref, const core::Decimal& m, bool round_up) {
  const Int128 prod = Int128{ref} * m.units();  // < 2^126
  const Int128 div = kPow10[static_cast<size_t>(m.scale())];
  return round_up ? ceil_div(prod, div) : floor_div(prod, div);
}

bool scale_ok(int s) { return s >= 0 && s <= core::kMaxScale; }
bool multiplier_ok(const core::Decimal& d) { return d.units() > 0 && scale_ok(d.scale()); }

// The first problem with the inputs, or nullptr. Allocation-free.
const char* find_problem(const SymbolFilters& f, const QuoteParams& p) {
  if (!scale_ok(f.price_scale) || !scale_ok(f.qty_scale) || !scale_ok(f.quote_scale)) {
    return "filters: a scale is outside [0, 18]";
  }
  if (f.tick_size.units() <= 0) return "filters.tick_size must be > 0";
  if (f.step_size.units() <= 0) return "filters.step_size must be > 0";
  if (f.min_price.units() < 0 || f.max_price.units() < 0) return "filters: min/max price must be >= 0";
  if (f.min_price.units() > 0 && f.max_price.units() > 0 && f.min_price > f.max_price) {
    return "filters.min_price > filters.max_price";
  }
  if (f.min_qty.units() < 0 || f.max_qty.units() < 0) return "filters: min/max qty must be >= 0";
  if (f.min_qty.units() > 0 && f.max_qty.units() > 0 && f.min_qty > f.max_qty) {
    return "filters.min_qty > filters.max_qty";
  }
  if (f.min_notional_quote_units < 0 || f.max_notional_quote_units < 0) {
    return "filters: min/max notional must be >= 0";
  }
  if (f.min_notional_quote_units > 0 && f.max_notional_quote_units > 0 &&
      f.min_notional_quote_units > f.max_notional_quote_units) {
    return "filters.min_notional > filters.max_notional";
  }
  if (f.percent_price) {
    const PercentPriceBySide& pp = *f.percent_price;
    if (!multiplier_ok(pp.bid_up) || !multiplier_ok(pp.bid_down) || !multiplier_ok(pp.ask_up) ||
        !multiplier_ok(pp.ask_down)) {
      return "filters.percent_price: multipliers must be > 0 with at most 18 decimals";
    }
    if (pp.bid_down > pp.bid_up || pp.ask_down > pp.ask_up) {
      return "filters.percent_price: a down multiplier is above its up multiplier";
    }
    if (pp.reference_price.units() <= 0) return "filters.percent_price.reference_price must be > 0";
  }
  if (p.levels < 0 || p.levels > kMaxLevels) return "params.levels must be in [0, 50]";
  if (p.half_spread_cbps < 0 || p.half_spread_cbps > kCbpsPerOne) {
    return "params.half_spread_cbps must be in [0, 10^6]";
  }
  if (p.level_step_cbps < 0 || p.level_step_cbps > kCbpsPerOne) {
    return "params.level_step_cbps must be in [0, 10^6]";
  }
  if (p.min_spread_cbps < 0 || p.min_spread_cbps > 2 * kCbpsPerOne) {
    return "params.min_spread_cbps must be in [0, 2*10^6]";
  }
  if (p.size_unit == SizeUnit::kBase && p.size_base.units() <= 0) return "params.size_base must be > 0";
  if (p.size_unit == SizeUnit::kQuote && p.size_quote_units <= 0) {
    return "params.size_quote_units must be > 0";
  }
  if (p.size_growth_ppm <= 0 || p.size_growth_ppm > 10 * kPpmPerOne) {
    return "params.size_growth_ppm must be in (0, 10^7]";
  }
  const InventorySkew& s = p.skew;
  if (s.target_base_ppm < 0 || s.target_base_ppm > kPpmPerOne) {
    return "params.skew.target_base_ppm must be in [0, 10^6]";
  }
  if (s.range_ppm <= 0 || s.range_ppm > kPpmPerOne) return "params.skew.range_ppm must be in (0, 10^6]";
  if (s.max_price_skew_cbps < 0 || s.max_price_skew_cbps > kCbpsPerOne) {
    return "params.skew.max_price_skew_cbps must be in [0, 10^6]";
  }
  if (s.max_size_skew_ppm < 0 || s.max_size_skew_ppm > kPpmPerOne) {
    return "params.skew.max_size_skew_ppm must be in [0, 10^6]";
  }
  if (p.price_ceiling && p.price_ceiling->units() <= 0) return "params.price_ceiling must be > 0";
  if (p.price_floor && p.price_floor->units() <= 0) return "params.price_floor must be > 0";
  return nullptr;
}

SideState state_for(DropReason reason) {
  switch (reason) {
    case DropReason::kPriceFilter:
    case DropReason::kPercentPrice:
    case DropReason::kMinQty:
    case DropReason::kMinNotional: return SideState::kFilters;
    case DropReason::kPriceBand: return SideState::kPriceBand;
    case DropReason::kBalance: return SideState::kBalance;
    case DropReason::kInventorySkew: return SideState::kInventorySkew;
    case DropReason::kOverflow: return SideState::kOverflow;
  }
  return SideState::kFilters;
}

// Everything the two side loops share, computed once per call.
struct Context {
  Int128 fair_num = 0;  // N: the fair price is N / 2^32 price units
  Int128 tick = 0;
  Int128 step = 0;
  Int128 min_qty = 0;                 // 0 = none
  Int128 max_qty = -1;                // on the step grid (may be 0); -1 = none
  Int128 min_notional = 0;            // notional units, rounded up; 0 = none
  Int128 max_notional = -1;           // notional units, rounded down; -1 = none
  Int128 size_quote_notional = 0;     // size_quote_units in notional units (kQuote)
  int64_t half_cbps = 0;              // h
  int64_t shift_cbps = 0;             // s
  int64_t bid_size_ppm = kPpmPerOne;  // the skew's size factor per side
  int64_t ask_size_ppm = kPpmPerOne;
};

enum class QtyOutcome : uint8_t { kOk, kFailsFilters, kFailsSkew, kFailsBalance };

// The size for one level at price `price` with growth factor `growth` (ppm, capped), and
// the balance cap `cap_qty` (or -1 for none). See the pipeline in quoter.h.
struct SizedLevel {
  Int128 qty = 0;
  QtyOutcome outcome = QtyOutcome::kOk;
  DropReason filter_reason = DropReason::kMinQty;
};

// Passes LOT_SIZE min and minNotional? Sets the reason when not.
bool passes_minimums(const Context& c, Int128 price, Int128 qty, DropReason& reason) {
  if (qty <= 0 || qty < c.min_qty) {
    reason = DropReason::kMinQty;
    return false;
  }
  if (price * qty < c.min_notional) {
    reason = DropReason::kMinNotional;
    return false;
  }
  return true;
}

SizedLevel size_level(const Context& c, const QuoteParams& p, Int128 price, Int128 growth, int64_t skew_ppm,
                      Int128 cap_qty) {
  SizedLevel out;
  Int128 qty = 0;
  if (p.size_unit == SizeUnit::kBase) {
    qty = div_nonneg(Int128{p.size_base.units()} * growth, kPpmPerOne);
  } else {
    const Int128 notional = div_nonneg(sat_mul(c.size_quote_notional, growth), kPpmPerOne);
    qty = div_nonneg(notional, price);
  }
  qty = std::min(qty, kInt64Max);
  if (c.max_qty >= 0) qty = std::min(qty, c.max_qty);
  if (c.max_notional >= 0) qty = std::min(qty, div_nonneg(c.max_notional, price));
  qty = floor_to(qty, c.step);
  if (!passes_minimums(c, price, qty, out.filter_reason)) {
    out.outcome = QtyOutcome::kFailsFilters;
    return out;
  }
  if (skew_ppm < kPpmPerOne) {
    qty = floor_to(div_nonneg(qty * skew_ppm, kPpmPerOne), c.step);
    DropReason ignored{};
    if (!passes_minimums(c, price, qty, ignored)) {
      out.outcome = QtyOutcome::kFailsSkew;
      return out;
    }
  }
  if (cap_qty >= 0 && qty > cap_qty) {
    qty = floor_to(cap_qty, c.step);
    DropReason ignored{};
    if (!passes_minimums(c, price, qty, ignored)) {
      out.outcome = QtyOutcome::kFailsBalance;
      return out;
    }
  }
  out.qty = qty;
  return out;
}

void drop(Ladder& out, QuoteSide side, int level, DropReason reason) {
  out.dropped.push_back(DroppedLevel{side, level, reason});
}

DropReason reason_of(const SizedLevel& s) {
  switch (s.outcome) {
    case QtyOutcome::kFailsSkew: return DropReason::kInventorySkew;
    case QtyOutcome::kFailsBalance: return DropReason::kBalance;
    case QtyOutcome::kOk:
    case QtyOutcome::kFailsFilters: break;
  }
  return s.filter_reason;
}

void set_empty(Ladder& out, SideState state) {
  out.bid_state = state;
  out.ask_state = state;
}

}  // namespace

void Ladder::reserve(int levels) {
  const auto n = static_cast<size_t>(std::clamp(levels, 0, kMaxLevels));
  bids.reserve(n);
  asks.reserve(n);
  dropped.reserve(2 * n);
}

void Ladder::clear() {
  bids.clear();
  asks.clear();
  dropped.clear();
  bid_state = SideState::kInvalidInput;
  ask_state = SideState::kInvalidInput;
  fair_price_units = 0;
  base_ratio_ppm = 0;
  skew_ppm = 0;
}

void compute_ladder(const SymbolFilters& f, const QuoteParams& p, const TopOfBook& book, const Balances& bal,
                    Ladder& out) {
  out.clear();
  if (find_problem(f, p) != nullptr || bal.base.units() < 0 || bal.quote_units < 0) {
    set_empty(out, SideState::kInvalidInput);
    return;
  }
  if (p.levels == 0) {
    set_empty(out, SideState::kDisabled);
    return;
  }
  if (!book.bid || !book.ask) {
    set_empty(out, SideState::kNoBook);
    return;
  }
  const int64_t best_bid = book.bid->price.units();
  const int64_t best_ask = book.ask->price.units();
  const int64_t bid_qty = book.bid->qty.units();
  const int64_t ask_qty = book.ask->qty.units();
  if (best_bid <= 0 || best_ask <= 0 || bid_qty < 0 || ask_qty < 0 || best_bid >= best_ask) {
    set_empty(out, SideState::kCrossedBook);
    return;
  }

  Context c;
  // Fair price: N = b * 2^32 + (a - b) * W  (< 2^96).
  Int128 weight = kFairOne / 2;
  if (p.fair_price == FairPriceMode::kMicro && Int128{bid_qty} + ask_qty > 0) {
    weight = div_nonneg(Int128{bid_qty} << kFairShift, Int128{bid_qty} + ask_qty);
  }
  c.fair_num = (Int128{best_bid} << kFairShift) + (Int128{best_ask} - best_bid) * weight;
  const Int128 fair_units = c.fair_num >> kFairShift;  // >= best_bid > 0
  out.fair_price_units = static_cast<int64_t>(fair_units);

  const int notional_decimals = f.price_scale + f.qty_scale - f.quote_scale;

  // Inventory: base value share in ppm, rounded down. Both values in notional units.
  {
    const Int128 base_value = Int128{bal.base.units()} * fair_units;  // < 2^126
    const Int128 quote_value = quote_to_notional(bal.quote_units, notional_decimals, false);
    Int128 base_n = base_value;
    Int128 total = base_value + quote_value;  // < 2^127
    while (total >= (Int128{1} << 100)) {
      base_n >>= 1;
      total >>= 1;
    }
    if (total > 0) {
      out.base_ratio_ppm = static_cast<int64_t>(div_nonneg(base_n * kPpmPerOne, total));
      if (p.skew.enabled) {
        const int64_t deviation = out.base_ratio_ppm - p.skew.target_base_ppm;  // [-10^6, 10^6]
        out.skew_ppm = std::clamp(deviation * kPpmPerOne / p.skew.range_ppm, -kPpmPerOne, kPpmPerOne);
      }
    }
  }
  const int64_t sigma = out.skew_ppm;
  c.shift_cbps = sigma * p.skew.max_price_skew_cbps / kPpmPerOne;
  const int64_t cut_ppm = (sigma < 0 ? -sigma : sigma) * p.skew.max_size_skew_ppm / kPpmPerOne;
  if (sigma > 0) c.bid_size_ppm = kPpmPerOne - cut_ppm;
  if (sigma < 0) c.ask_size_ppm = kPpmPerOne - cut_ppm;
  c.half_cbps = std::max(p.half_spread_cbps, (p.min_spread_cbps + 1) / 2);

  c.tick = f.tick_size.units();
  c.step = f.step_size.units();
  c.min_qty = f.min_qty.units();
  if (f.max_qty.units() > 0) c.max_qty = floor_to(f.max_qty.units(), c.step);
  if (f.min_notional_quote_units > 0) {
    c.min_notional = quote_to_notional(f.min_notional_quote_units, notional_decimals, true);
  }
  if (f.max_notional_quote_units > 0) {
    c.max_notional = quote_to_notional(f.max_notional_quote_units, notional_decimals, false);
  }
  if (p.size_unit == SizeUnit::kQuote) {
    c.size_quote_notional = quote_to_notional(p.size_quote_units, notional_decimals, false);
  }

  const PercentPriceBySide* pp = f.percent_price ? &*f.percent_price : nullptr;

  // ---- Bids, innermost first. Upper bounds clamp (away from the market); lower bounds drop.
  Int128 bid_cap = floor_to(Int128{best_ask} - 1, c.tick);
  if (pp)
    bid_cap = std::min(bid_cap, floor_to(scale_by(pp->reference_price.units(), pp->bid_up, false), c.tick));
  if (f.max_price.units() > 0) bid_cap = std::min(bid_cap, floor_to(f.max_price.units(), c.tick));
  const Int128 bid_pp_min = pp ? scale_by(pp->reference_price.units(), pp->bid_down, true) : 0;

  Int128 remaining_quote = -1;  // notional units; -1 = unlimited
  Int128 remaining_base = -1;   // qty units; -1 = unlimited
  if (p.limit_to_balance) {
    remaining_quote = quote_to_notional(bal.quote_units, notional_decimals, false);
    remaining_base = bal.base.units();
  }

  Int128 growth = kPpmPerOne;
  Int128 prev = -1;
  for (int i = 0; i < p.levels; ++i) {
    const Int128 level_growth = growth;
    growth = std::min(kGrowthCap, div_nonneg(growth * p.size_growth_ppm, kPpmPerOne));

    const int64_t delta = c.half_cbps + i * p.level_step_cbps + c.shift_cbps;
    const int64_t factor = kCbpsPerOne - delta;  // (-inf, 2*10^6]
    if (factor <= 0) {
      drop(out, QuoteSide::kBid, i, DropReason::kPriceFilter);
      continue;
    }
    // floor(N * factor / (2^32 * 10^6)) as floor(floor(N * factor / 2^32) / 10^6).
    Int128 price = floor_to(div_nonneg((c.fair_num * factor) >> kFairShift, kCbpsPerOne), c.tick);
    price = std::min(price, bid_cap);
    if (prev >= 0) price = std::min(price, prev - c.tick);
    if (price <= 0 || price < f.min_price.units()) {
      drop(out, QuoteSide::kBid, i, DropReason::kPriceFilter);
      continue;
    }
    if (pp && price < bid_pp_min) {
      drop(out, QuoteSide::kBid, i, DropReason::kPercentPrice);
      continue;
    }
    if (p.price_ceiling && price > p.price_ceiling->units()) {
      drop(out, QuoteSide::kBid, i, DropReason::kPriceBand);
      continue;
    }
    const Int128 cap_qty = remaining_quote >= 0 ? div_nonneg(remaining_quote, price) : -1;
    const SizedLevel sized = size_level(c, p, price, level_growth, c.bid_size_ppm, cap_qty);
    if (sized.outcome != QtyOutcome::kOk) {
      drop(out, QuoteSide::kBid, i, reason_of(sized));
      continue;
    }
    if (remaining_quote >= 0) remaining_quote -= price * sized.qty;
    out.bids.push_back(
        QuoteLevel{core::Price(static_cast<int64_t>(price)), core::Qty(static_cast<int64_t>(sized.qty)), i});
    prev = price;
  }

  // ---- Asks, innermost first. Lower bounds clamp (away from the market); upper bounds drop.
  Int128 ask_floor = ceil_to(Int128{best_bid} + 1, c.tick);
  if (!out.bids.empty())
    ask_floor = std::max(ask_floor, ceil_to(Int128{out.bids.front().price.units()} + 1, c.tick));
  if (pp)
    ask_floor =
        std::max(ask_floor, ceil_to(scale_by(pp->reference_price.units(), pp->ask_down, true), c.tick));
  if (f.min_price.units() > 0) ask_floor = std::max(ask_floor, ceil_to(f.min_price.units(), c.tick));
  const Int128 ask_pp_max = pp ? scale_by(pp->reference_price.units(), pp->ask_up, false) : 0;

  growth = kPpmPerOne;
  prev = -1;
  for (int i = 0; i < p.levels; ++i) {
    const Int128 level_growth = growth;
    growth = std::min(kGrowthCap, div_nonneg(growth * p.size_growth_ppm, kPpmPerOne));

    const int64_t delta = c.half_cbps + i * p.level_step_cbps - c.shift_cbps;
    const int64_t factor = kCbpsPerOne + delta;  // [0, ~5.2*10^7]
    // ceil(N * factor / (2^32 * 10^6)) as ceil(ceil(N * factor / 2^32) / 10^6).
    Int128 price =
        ceil_to(ceil_div((c.fair_num * factor + (kFairOne - 1)) >> kFairShift, kCbpsPerOne), c.tick);
    price = std::max(price, ask_floor);
    if (prev >= 0) price = std::max(price, prev + c.tick);
    if (price > kInt64Max) {
      drop(out, QuoteSide::kAsk, i, DropReason::kOverflow);
      continue;
    }
    if (f.max_price.units() > 0 && price > f.max_price.units()) {
      drop(out, QuoteSide::kAsk, i, DropReason::kPriceFilter);
      continue;
    }
    if (pp && price > ask_pp_max) {
      drop(out, QuoteSide::kAsk, i, DropReason::kPercentPrice);
      continue;
    }
    if (p.price_floor && price < p.price_floor->units()) {
      drop(out, QuoteSide::kAsk, i, DropReason::kPriceBand);
      continue;
    }
    const SizedLevel sized = size_level(c, p, price, level_growth, c.ask_size_ppm, remaining_base);
    if (sized.outcome != QtyOutcome::kOk) {
      drop(out, QuoteSide::kAsk, i, reason_of(sized));
      continue;
    }
    if (remaining_base >= 0) remaining_base -= sized.qty;
    out.asks.push_back(
        QuoteLevel{core::Price(static_cast<int64_t>(price)), core::Qty(static_cast<int64_t>(sized.qty)), i});
    prev = price;
  }

  // A side with no quotes reports why its innermost level was dropped.
  out.bid_state = SideState::kQuoting;
  out.ask_state = SideState::kQuoting;
  if (out.bids.empty()) {
    for (const DroppedLevel& d : out.dropped) {
      if (d.side == QuoteSide::kBid) {
        out.bid_state = state_for(d.reason);
        break;
      }
    }
  }
  if (out.asks.empty()) {
    for (const DroppedLevel& d : out.dropped) {
      if (d.side == QuoteSide::kAsk) {
        out.ask_state = state_for(d.reason);
        break;
      }
    }
  }
}

Ladder compute_ladder(const SymbolFilters& filters, const QuoteParams& params, const TopOfBook& book,
                      const Balances& balances) {
  Ladder out;
  out.reserve(params.levels);
  compute_ladder(filters, params, book, balances, out);
  return out;
}

core::Status validate(const SymbolFilters& filters, const QuoteParams& params) {
  if (const char* problem = find_problem(filters, params)) {
    return core::Error{core::ErrorCode::kInvalidArgument, std::string("quoter: ") + problem};
  }
  return {};
}

bool is_filter_reason(DropReason reason) { return state_for(reason) == SideState::kFilters; }

std::string_view to_string(QuoteSide side) { return side == QuoteSide::kBid ? "bid" : "ask"; }

std::string_view to_string(DropReason reason) {
  switch (reason) {
    case DropReason::kPriceFilter: return "price_filter";
    case DropReason::kPercentPrice: return "percent_price";
    case DropReason::kMinQty: return "min_qty";
    case DropReason::kMinNotional: return "min_notional";
    case DropReason::kPriceBand: return "price_band";
    case DropReason::kBalance: return "balance";
    case DropReason::kInventorySkew: return "inventory_skew";
    case DropReason::kOverflow: return "overflow";
  }
  return "unknown";
}

std::string_view to_string(SideState state) {
  switch (state) {
    case SideState::kQuoting: return "quoting";
    case SideState::kDisabled: return "disabled";
    case SideState::kInvalidInput: return "invalid_input";
    case SideState::kNoBook: return "no_book";
    case SideState::kCrossedBook: return "crossed_book";
    case SideState::kFilters: return "filters";
    case SideState::kPriceBand: return "price_band";
    case SideState::kBalance: return "balance";
    case SideState::kInventorySkew: return "inventory_skew";
    case SideState::kOverflow: return "overflow";
  }
  return "unknown";
}

}  // namespace phoenix::strategy
