// MarketSimulator implementation.
//
// Per symbol, each step (step_ms of the tick clock):
//   1. the mid (kept in 1/1000 price units) moves by mid * volatility_bps/1e4 * z, z an
//      approximately standard normal (Irwin-Hall: sum of 12 uniforms - 6), plus, with
//      probability jump_probability_ppm, a jump of +-jump_bps; it is clamped into
//      [max(min price, 20 ticks), min(max price, 1000 x start)] so it stays positive;
//   2. background liquidity is re-quoted: the best level of each side sits at
//      mid -+ half_spread_ticks (rounded outward to the tick), deeper levels on a grid of
//      level_spacing_ticks below/above it; resting orders at prices no longer wanted are
//      cancelled and missing levels placed (LIMIT GTC, so at most `levels` orders per side
//      and one change per grid line crossed). Fully filled levels are re-placed;
//   3. Poisson(taker_rate_per_s x step_ms / 1000) MARKET orders of random size (uniform
//      in [0.25, 1.75] x the mean, one in ten x3) arrive from a separate taker account and
//      sweep the book, whoever rests there.
// Every size honours the symbol's step, min/max qty and min notional (x1.1 margin at the
// mid); every price its tick and PRICE_FILTER. Randomness: one xoshiro256** per symbol,
// seeded by splitmix64 from (seed, symbol index), so runs are reproducible for the same
// tick times. Funding: each account gets funding_multiple x one level's size (base) and
// notional (quote); an order refused for insufficient balance makes the simulator open a
// fresh, equally funded account for that role (maker or taker) and use it from then on;
// the old account's resting orders are still tracked and cancelled normally.

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

#include "core/decimal.h"
#include "sim/market_streams.h"

namespace phoenix::sim {
namespace {

__extension__ using Int128 = __int128;
constexpr int64_t kMidScale = 1000;                       // mid kept in 1/1000 price units
constexpr int64_t kMaxDeposit = 100'000'000'000'000'000;  // 1e17 units per asset per account

uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman & Vigna), written from its published description.
class Rng {
 public:
  explicit Rng(uint64_t seed = 1) {
    uint64_t sm = seed;
    for (uint64_t& w : s_) w = splitmix64(&sm);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Approximately standard normal (Irwin-Hall with 12 terms).
  double normal() {
    double sum = 0;
    for (int i = 0; i < 12; ++i) sum += uniform();
    return sum - 6.0;
  }
  // Poisson(lambda) by Knuth's product method (lambda is small here); capped.
  int poisson(double lambda, int cap) {
    if (lambda <= 0) return 0;
    const double limit = std::exp(-lambda);
    int k = 0;
    double p = uniform();
    while (p > limit && k < cap) {
      ++k;
      p *= uniform();
    }
    return k;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
};

int64_t saturate(Int128 v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

Int128 pow10_128(int n) {
  Int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

Int128 ceil_div(Int128 a, Int128 b) { return a >= 0 ? (a + b - 1) / b : a / b; }
Int128 floor_div(Int128 a, Int128 b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

struct Resting {
  OrderId id = 0;
  AccountId account = 0;
};

struct SymbolSim {
  MarketSimSpec::Symbol spec;
  ExchangeSymbolSpec ex;
  int quote_scale = 8;
  int base_scale = 8;
  Rng rng;
  int64_t mid_milli = 0;
  int64_t min_mid_milli = 0;
  int64_t max_mid_milli = 0;
  int64_t spacing_ticks = 1;
  int64_t level_qty_units = 0;
  int64_t taker_qty_units = 0;
  AccountId maker = 0;
  AccountId taker = 0;
  std::map<int64_t, Resting> bids;
  std::map<int64_t, Resting> asks;
  int64_t placed = 0;
  int64_t canceled = 0;
  int64_t taker_orders = 0;
  int64_t rejects = 0;
  int64_t accounts_opened = 0;
};

class MarketSimulatorImpl final : public MarketSimulator {
 public:
  MarketSimulatorImpl(MarketSimSpec spec, Exchange& exchange) : spec_(std::move(spec)), exchange_(exchange) {}

  core::Status init() {
    if (spec_.step_ms <= 0 || spec_.step_ms > 60'000) return invalid("step_ms must be in [1, 60000]");
    if (spec_.funding_multiple < 1) return invalid("funding_multiple must be >= 1");
    if (spec_.max_catch_up_steps < 1) return invalid("max_catch_up_steps must be >= 1");
    for (size_t i = 0; i < spec_.symbols.size(); ++i) {
      const MarketSimSpec::Symbol& s = spec_.symbols[i];
      const ExchangeSymbolSpec* ex = exchange_.symbol(s.name);
      if (ex == nullptr) return invalid("unknown symbol '" + s.name + "'");
      for (size_t j = 0; j < i; ++j)
        if (spec_.symbols[j].name == s.name) return invalid("symbol '" + s.name + "' listed twice");
      if (s.start_price_units <= 0) return invalid(s.name + ": start_price_units must be > 0");
      if (s.volatility_bps < 0 || s.volatility_bps > 1000)
        return invalid(s.name + ": volatility_bps not in [0, 1000]");
      if (s.jump_probability_ppm < 0 || s.jump_probability_ppm > 1'000'000)
        return invalid(s.name + ": jump_probability_ppm not in [0, 1000000]");
      if (s.jump_bps < 0 || s.jump_bps > 5000) return invalid(s.name + ": jump_bps not in [0, 5000]");
      if (s.levels < 1 || s.levels > 100 || 2 * s.levels > ex->max_num_orders)
        return invalid(s.name + ": levels must be in [1, 100] and 2 x levels <= MAX_NUM_ORDERS");
      if (s.half_spread_ticks < 1 || s.half_spread_ticks > 1'000'000)
        return invalid(s.name + ": half_spread_ticks not in [1, 1000000]");
      if (s.taker_rate_per_s < 0 || s.taker_rate_per_s > 1000)
        return invalid(s.name + ": taker_rate_per_s not in [0, 1000]");
      if (s.level_qty_units < 0 || s.taker_qty_units < 0 || s.level_spacing_ticks < 0)
        return invalid(s.name + ": sizes and spacing must be >= 0");
      const SymbolSpec& e = ex->engine;
      if (e.tick_units <= 0 || e.step_units <= 0) return invalid(s.name + ": bad tick or step");

      auto sim = std::make_unique<SymbolSim>();
      sim->spec = s;
      sim->ex = *ex;
      const auto& accounts = exchange_.engine().accounts();
      if (auto q = accounts.find_asset(e.quote_asset)) sim->quote_scale = accounts.asset(*q).scale;
      if (auto b = accounts.find_asset(e.base_asset)) sim->base_scale = accounts.asset(*b).scale;
      uint64_t seed_state = spec_.seed ^ (0xA0761D6478BD642FULL * (i + 1));
      sim->rng = Rng(splitmix64(&seed_state));

      const int64_t tick = e.tick_units;
      const int64_t start = saturate(floor_div(s.start_price_units, tick) * tick);
      if (start <= 0) return invalid(s.name + ": start price below one tick");
      int64_t lo = std::max<int64_t>(20 * tick, ex->min_price_units);
      int64_t hi = saturate(static_cast<Int128>(start) * 1000);
      if (ex->max_price_units > 0) hi = std::min(hi, ex->max_price_units);
      if (lo >= hi || start < lo || start > hi)
        return invalid(s.name + ": start price outside the price filter");
      sim->min_mid_milli = saturate(static_cast<Int128>(lo) * kMidScale);
      sim->max_mid_milli = saturate(static_cast<Int128>(hi) * kMidScale);
      sim->mid_milli = saturate(static_cast<Int128>(start) * kMidScale);
      // Spacing: ~0.5 bp of the start price, at least one tick.
      sim->spacing_ticks = s.level_spacing_ticks > 0
                               ? s.level_spacing_ticks
                               : std::max<int64_t>(1, saturate(static_cast<Int128>(start) / 20'000 / tick));
      // Level size: 50 x min notional (or 100 steps without a min notional).
      int64_t level = s.level_qty_units;
      if (level == 0) {
        level = e.min_notional_units > 0 ? qty_for_notional(*sim, e.min_notional_units * 50, start)
                                         : saturate(static_cast<Int128>(e.step_units) * 100);
      }
      sim->level_qty_units = round_qty(*sim, level, start);
      sim->taker_qty_units = s.taker_qty_units > 0
                                 ? s.taker_qty_units
                                 : saturate(static_cast<Int128>(sim->level_qty_units) * 3 / 2);
      if (sim->level_qty_units <= 0) return invalid(s.name + ": no valid level size");
      symbols_.push_back(std::move(sim));
      auto maker = open_account(*symbols_.back(), "maker");
      if (!maker) return maker.error();
      symbols_.back()->maker = *maker;
      auto taker = open_account(*symbols_.back(), "taker");
      if (!taker) return taker.error();
      symbols_.back()->taker = *taker;
    }
    return {};
  }

  void tick(int64_t now_ms) override {
    if (!started_) {
      started_ = true;
      last_step_ms_ = now_ms;
      for (auto& s : symbols_) requote(*s);
      return;
    }
    int64_t steps = 0;
    while (now_ms - last_step_ms_ >= spec_.step_ms) {
      if (steps == spec_.max_catch_up_steps) {
        last_step_ms_ = now_ms;  // too far behind: skip the rest
        break;
      }
      last_step_ms_ += spec_.step_ms;
      ++steps;
      for (auto& s : symbols_) step(*s);
    }
  }

  void append_metrics(std::string* out) const override {
    auto family = [&](const char* name, const char* type, const char* help, auto value) {
      out->append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name);
      out->append(" ").append(type).append("\n");
      for (const auto& s : symbols_) {
        out->append(name).append("{symbol=\"").append(s->spec.name).append("\"} ").append(value(*s));
        out->push_back('\n');
      }
    };
    auto count = [](int64_t SymbolSim::*field) {
      return [field](const SymbolSim& s) { return std::to_string(s.*field); };
    };
    family("phoenix_exchange_sim_orders_placed_total", "counter",
           "Background orders placed by the synthetic market.", count(&SymbolSim::placed));
    family("phoenix_exchange_sim_orders_canceled_total", "counter",
           "Background orders cancelled by the synthetic market (re-quotes).", count(&SymbolSim::canceled));
    family("phoenix_exchange_sim_taker_orders_total", "counter",
           "Taker (MARKET) orders sent by the synthetic market.", count(&SymbolSim::taker_orders));
    family("phoenix_exchange_sim_rejects_total", "counter", "Synthetic-market orders the exchange rejected.",
           count(&SymbolSim::rejects));
    family("phoenix_exchange_sim_accounts_opened_total", "counter",
           "Market accounts opened, the first two per symbol included (more means a balance ran low).",
           count(&SymbolSim::accounts_opened));
    family("phoenix_exchange_sim_mid_price", "gauge", "The synthetic market's mid price.",
           [](const SymbolSim& s) {
             return core::format_units(s.mid_milli / kMidScale, s.ex.engine.price_scale);
           });
  }

  int64_t mid_price_units(std::string_view symbol) const override {
    for (const auto& s : symbols_)
      if (s->spec.name == symbol) return s->mid_milli / kMidScale;
    return 0;
  }

  size_t resting_orders() const override {
    size_t n = 0;
    for (const auto& s : symbols_) n += s->bids.size() + s->asks.size();
    return n;
  }

  std::vector<AccountId> accounts() const override { return accounts_; }

 private:
  static core::Status invalid(std::string message) {
    return core::Error{core::ErrorCode::kInvalidArgument, "market sim: " + message};
  }

  // Quote asset units of price x qty (rounded up when asked).
  static Int128 notional(const SymbolSim& s, int64_t price_units, int64_t qty_units, bool round_up) {
    const int shift = s.ex.engine.price_scale + s.ex.engine.qty_scale - s.quote_scale;
    const Int128 raw = static_cast<Int128>(price_units) * qty_units;
    if (shift <= 0) return raw * pow10_128(-shift);
    return round_up ? ceil_div(raw, pow10_128(shift)) : raw / pow10_128(shift);
  }

  // The smallest qty (rounded up to the step) whose notional at `price_units` >= quote_units.
  static int64_t qty_for_notional(const SymbolSim& s, int64_t quote_units, int64_t price_units) {
    const int shift = s.ex.engine.price_scale + s.ex.engine.qty_scale - s.quote_scale;
    Int128 qty = 0;
    if (shift >= 0) {
      qty = ceil_div(static_cast<Int128>(quote_units) * pow10_128(shift), price_units);
    } else {
      qty = ceil_div(quote_units, static_cast<Int128>(price_units) * pow10_128(-shift));
    }
    const int64_t step = s.ex.engine.step_units;
    return saturate(ceil_div(qty, step) * step);
  }

  // `qty` rounded down to the step and clamped into what the filters accept at `price`.
  static int64_t round_qty(const SymbolSim& s, int64_t qty, int64_t price_units) {
    const SymbolSpec& e = s.ex.engine;
    int64_t q = qty / e.step_units * e.step_units;
    int64_t min_q = std::max(e.min_qty_units, e.step_units);
    min_q = (min_q + e.step_units - 1) / e.step_units * e.step_units;
    if (e.min_notional_units > 0) {
      min_q =
          std::max(min_q, qty_for_notional(s, saturate(static_cast<Int128>(e.min_notional_units) * 11 / 10),
                                           std::max<int64_t>(price_units, 1)));
    }
    q = std::max(q, min_q);
    if (q > e.max_qty_units) q = e.max_qty_units / e.step_units * e.step_units;
    if (s.ex.max_notional_units > 0 && notional(s, price_units, q, true) > s.ex.max_notional_units) {
      q = saturate(static_cast<Int128>(q) / 2 / e.step_units * e.step_units);
    }
    return q;
  }

  core::Result<AccountId> open_account(SymbolSim& s, const char* role) {
    const int64_t mid = s.mid_milli / kMidScale;
    const Int128 m = spec_.funding_multiple;
    const Int128 base_per_qty = pow10_128(std::max(0, s.base_scale - s.ex.engine.qty_scale));
    const int64_t base = saturate(std::min<Int128>(kMaxDeposit, m * s.level_qty_units * base_per_qty * 4));
    const int64_t quote =
        saturate(std::min<Int128>(kMaxDeposit, m * notional(s, mid, s.level_qty_units, true) * 4));
    std::string name = "market-" + s.spec.name + "-" + role + "-" + std::to_string(++s.accounts_opened);
    for (char& c : name)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    auto id = exchange_.add_market_account(
        std::move(name), {{s.ex.engine.base_asset, base}, {s.ex.engine.quote_asset, quote}});
    if (id) accounts_.push_back(*id);
    return id;
  }

  void walk(SymbolSim& s) {
    const double move = static_cast<double>(s.mid_milli) * static_cast<double>(s.spec.volatility_bps) /
                        10'000.0 * s.rng.normal();
    Int128 mid = static_cast<Int128>(s.mid_milli) + static_cast<int64_t>(std::llround(move));
    if (s.spec.jump_probability_ppm > 0 &&
        s.rng.next() % 1'000'000 < static_cast<uint64_t>(s.spec.jump_probability_ppm)) {
      const Int128 jump = static_cast<Int128>(s.mid_milli) * s.spec.jump_bps / 10'000;
      mid += (s.rng.next() & 1) != 0 ? jump : -jump;
    }
    mid = std::clamp<Int128>(mid, s.min_mid_milli, s.max_mid_milli);
    s.mid_milli = static_cast<int64_t>(mid);
  }

  // The prices the background liquidity should rest at, best first.
  std::vector<int64_t> ladder(const SymbolSim& s, Side side) const {
    const int64_t tick = s.ex.engine.tick_units;
    const Int128 tick_milli = static_cast<Int128>(tick) * kMidScale;
    const Int128 offset = tick_milli * s.spec.half_spread_ticks;
    const Int128 spacing = static_cast<Int128>(tick) * s.spacing_ticks;
    std::vector<int64_t> prices;
    if (side == Side::kBuy) {
      const Int128 best = floor_div(s.mid_milli - offset, tick_milli) * tick;
      if (best <= 0 || best < s.ex.min_price_units) return prices;
      prices.push_back(static_cast<int64_t>(best));
      Int128 p = floor_div(best - 1, spacing) * spacing;  // grid strictly below the best
      while (static_cast<int>(prices.size()) < s.spec.levels && p > 0 && p >= s.ex.min_price_units) {
        prices.push_back(static_cast<int64_t>(p));
        p -= spacing;
      }
    } else {
      const Int128 best = ceil_div(s.mid_milli + offset, tick_milli) * tick;
      const Int128 max =
          s.ex.max_price_units > 0 ? s.ex.max_price_units : std::numeric_limits<int64_t>::max();
      if (best > max) return prices;
      prices.push_back(static_cast<int64_t>(best));
      Int128 p = (floor_div(best, spacing) + 1) * spacing;  // grid strictly above the best
      while (static_cast<int>(prices.size()) < s.spec.levels && p <= max) {
        prices.push_back(static_cast<int64_t>(p));
        p += spacing;
      }
    }
    return prices;
  }

  // Moves the background ladder to the wanted prices make-before-break, so that neither
  // side of the book is ever empty in between (every intermediate state is published on
  // bookTicker): 1. place the wanted levels that cross nothing resting; 2. cancel the
  // unwanted orders that stand in the way of the remaining wanted levels (after a move up,
  // old asks at or below a new bid; the new asks from step 1 keep the ask side filled);
  // 3. place the remaining wanted levels; 4. cancel every other unwanted order.
  void requote(SymbolSim& s) {
    const OrderBook* book = exchange_.engine().book(s.spec.name);
    const std::array<std::vector<int64_t>, 2> wanted = {ladder(s, Side::kBuy), ladder(s, Side::kSell)};
    // Forget orders that are no longer open (filled).
    for (int side = 0; side < 2; ++side) {
      auto& resting = side == 0 ? s.bids : s.asks;
      for (auto it = resting.begin(); it != resting.end();) {
        it = (book != nullptr && book->find(it->second.id) != nullptr) ? std::next(it) : resting.erase(it);
      }
    }
    const auto is_wanted = [&](int side, int64_t price) {
      const auto& want = wanted[static_cast<size_t>(side)];
      return std::find(want.begin(), want.end(), price) != want.end();
    };
    // A wanted price on `side` that would cross what rests on the other side now.
    const auto would_cross = [&](int side, int64_t price) {
      if (book == nullptr) return false;
      const auto best = book->best_price(side == 0 ? Side::kSell : Side::kBuy);
      return best && (side == 0 ? price >= *best : price <= *best);
    };
    const auto place_missing = [&](bool only_uncrossing) {
      const size_t n = std::max(wanted[0].size(), wanted[1].size());
      for (size_t i = 0; i < n; ++i) {
        for (int side = 0; side < 2; ++side) {
          const auto& want = wanted[static_cast<size_t>(side)];
          if (i >= want.size()) continue;
          auto& resting = side == 0 ? s.bids : s.asks;
          if (resting.contains(want[i])) continue;
          if (only_uncrossing && would_cross(side, want[i])) continue;
          place_level(s, side, want[i], book);
        }
      }
    };
    const auto cancel_unwanted = [&](bool only_blocking) {
      for (int side = 0; side < 2; ++side) {
        auto& resting = side == 0 ? s.bids : s.asks;
        const auto& other_want = wanted[static_cast<size_t>(1 - side)];
        for (auto it = resting.begin(); it != resting.end();) {
          if (is_wanted(side, it->first)) {
            ++it;
            continue;
          }
          if (only_blocking) {
            // Blocks a wanted level of the other side that is not placed yet.
            const auto& other_resting = side == 0 ? s.asks : s.bids;
            const bool blocks = std::any_of(other_want.begin(), other_want.end(), [&](int64_t p) {
              return !other_resting.contains(p) && (side == 0 ? it->first >= p : it->first <= p);
            });
            if (!blocks) {
              ++it;
              continue;
            }
          }
          if (exchange_.cancel_internal(s.spec.name, it->second.account, it->second.id)) ++s.canceled;
          it = resting.erase(it);
        }
      }
    };
    place_missing(/*only_uncrossing=*/true);
    cancel_unwanted(/*only_blocking=*/true);
    place_missing(/*only_uncrossing=*/false);
    cancel_unwanted(/*only_blocking=*/false);
  }

  void place_level(SymbolSim& s, int side, int64_t price, const OrderBook* book) {
    auto& resting = side == 0 ? s.bids : s.asks;
    const int64_t jitter_pct = 50 + static_cast<int64_t>(s.rng.next() % 101);  // 50..150 %
    NewOrder o;
    o.symbol = s.spec.name;
    o.side = side == 0 ? Side::kBuy : Side::kSell;
    o.type = OrderType::kLimit;
    o.tif = TimeInForce::kGtc;
    o.price_units = price;
    o.qty_units = round_qty(s, saturate(static_cast<Int128>(s.level_qty_units) * jitter_pct / 100), price);
    o.stp = StpMode::kExpireTaker;
    auto placed = place(s, o, /*taker=*/false);
    if (placed.order_id != 0 && book != nullptr && book->find(placed.order_id) != nullptr) {
      resting[price] = Resting{placed.order_id, o.account};
    }
  }

  // Places with the role's account; on insufficient balance opens a new account once.
  PlaceResult place(SymbolSim& s, NewOrder& o, bool taker) {
    o.account = taker ? s.taker : s.maker;
    PlaceResult r = exchange_.place_internal(o);
    if (r.reject == RejectReason::kInsufficientBalance) {
      auto fresh = open_account(s, taker ? "taker" : "maker");
      if (fresh) {
        (taker ? s.taker : s.maker) = *fresh;
        o.account = *fresh;
        r = exchange_.place_internal(o);
      }
    }
    if (r.reject != RejectReason::kNone) {
      ++s.rejects;
    } else {
      ++(taker ? s.taker_orders : s.placed);
    }
    return r;
  }

  void takers(SymbolSim& s) {
    const double lambda =
        static_cast<double>(s.spec.taker_rate_per_s) * static_cast<double>(spec_.step_ms) / 1000.0;
    const int arrivals = s.rng.poisson(lambda, 100);
    for (int i = 0; i < arrivals; ++i) {
      const bool buy = (s.rng.next() & 1) != 0;
      int64_t pct = 25 + static_cast<int64_t>(s.rng.next() % 151);  // 25..175 %
      if (s.rng.next() % 10 == 0) pct *= 3;
      const int64_t mid = s.mid_milli / kMidScale;
      NewOrder o;
      o.symbol = s.spec.name;
      o.side = buy ? Side::kBuy : Side::kSell;
      o.type = OrderType::kMarket;
      o.qty_units = round_qty(s, saturate(static_cast<Int128>(s.taker_qty_units) * pct / 100), mid);
      o.stp = StpMode::kExpireTaker;
      place(s, o, /*taker=*/true);
    }
  }

  void step(SymbolSim& s) {
    walk(s);
    requote(s);
    takers(s);
  }

  MarketSimSpec spec_;
  Exchange& exchange_;
  std::vector<std::unique_ptr<SymbolSim>> symbols_;
  std::vector<AccountId> accounts_;
  bool started_ = false;
  int64_t last_step_ms_ = 0;
};

}  // namespace

core::Result<std::unique_ptr<MarketSimulator>> MarketSimulator::create(MarketSimSpec spec,
                                                                       Exchange& exchange) {
  auto sim = std::make_unique<MarketSimulatorImpl>(std::move(spec), exchange);
  core::Status s = sim->init();
  if (!s) return s.error();
  return std::unique_ptr<MarketSimulator>(std::move(sim));
}

}  // namespace phoenix::sim
