#include "risk/portfolio.h"

#include <limits>
#include <stdexcept>

namespace phoenix::risk {
namespace {

Int128 pow10_128(int scale) {
  Int128 p = 1;
  for (int i = 0; i < scale; ++i) p *= 10;
  return p;
}

// a / b rounded to the nearest, ties away from zero; b > 0.
Int128 divide_nearest(Int128 a, Int128 b) {
  const Int128 q = a / b;
  const Int128 r = a % b;
  const Int128 twice = (r < 0 ? -r : r) * 2;
  if (twice >= b) return a < 0 ? q - 1 : q + 1;
  return q;
}

int64_t saturate(Int128 v) {
  constexpr auto kMax = std::numeric_limits<int64_t>::max();
  constexpr auto kMin = std::numeric_limits<int64_t>::min();
  if (v > kMax) return kMax;
  if (v < kMin) return kMin;
  return static_cast<int64_t>(v);
}

double to_double(int64_t units, int scale) {
  return static_cast<double>(units) / static_cast<double>(core::pow10(scale));
}

}  // namespace

int64_t divide_pow10(Int128 value, int scale) { return saturate(divide_nearest(value, pow10_128(scale))); }

int64_t qty_to_base_units(core::Qty qty, int qty_scale) {
  return saturate(Int128{qty.units()} * pow10_128(kBaseScale - qty_scale));
}

int64_t notional_quote_units(core::Price price, int64_t base_units, int price_scale) {
  // price units x base units are 10^-(price_scale + 8) quote; quote units are 10^-8.
  return divide_pow10(Int128{price.units()} * base_units, price_scale);
}

Portfolio::Portfolio(std::span<const SymbolSpec> symbols, telemetry::Registry& registry)
    : fee_cells_(std::make_shared<FeeCells>()) {
  states_.resize(symbols.size());
  fee_cells_->units = std::make_unique<std::atomic<int64_t>[]>(symbols.size());
  for (const SymbolSpec& spec : symbols) fee_cells_->symbols.push_back(spec.name);
  for (size_t i = 0; i < symbols.size(); ++i) {
    const SymbolSpec& spec = symbols[i];
    if (spec.price_scale < 0 || spec.price_scale > core::kMaxScale || spec.qty_scale < 0 ||
        spec.qty_scale > kBaseScale) {
      throw std::invalid_argument("Portfolio: symbol " + spec.name +
                                  ": price_scale must be in 0..18 and qty_scale in 0..8");
    }
    State& s = states_[i];
    s.spec = spec;
    const std::string_view name = spec.name;
    s.position_gauge =
        &registry.gauge("phoenix_position_base", "Base position from our own fills since start (base asset)",
                        {{"symbol", name}});
    s.realized_gauge = &registry.gauge("phoenix_pnl_quote", "Profit and loss before fees (quote asset)",
                                       {{"symbol", name}, {"kind", "realized"}});
    s.unrealized_gauge = &registry.gauge("phoenix_pnl_quote", "Profit and loss before fees (quote asset)",
                                         {{"symbol", name}, {"kind", "unrealized"}});
    s.last_fill_gauge = &registry.gauge("phoenix_last_fill_timestamp_seconds",
                                        "Exchange time of the last fill (Unix seconds)", {{"symbol", name}});
    s.buys =
        &registry.counter("phoenix_fills_total", "Fills of our orders", {{"symbol", name}, {"side", "buy"}});
    s.sells =
        &registry.counter("phoenix_fills_total", "Fills of our orders", {{"symbol", name}, {"side", "sell"}});
  }
  register_fee_collector(registry);
}

void Portfolio::set_start(core::SymbolId symbol, int64_t base_units) {
  if (symbol < states_.size()) states_[symbol].start = base_units;
}

void Portfolio::apply_trade(State& s, int64_t delta, int64_t price_units) {
  if (delta == 0) return;
  const Int128 price = price_units;
  if (s.position == 0 || (s.position > 0) == (delta > 0)) {
    s.position += delta;
    s.cost += Int128{delta} * price;
    return;
  }
  // Reducing: close min(|delta|, |position|), then open the rest on the other side.
  const int64_t abs_pos = s.position > 0 ? s.position : -s.position;
  const int64_t abs_delta = delta > 0 ? delta : -delta;
  const int64_t closed = abs_delta < abs_pos ? abs_delta : abs_pos;
  const Int128 removed_cost = closed == abs_pos ? s.cost : divide_nearest(s.cost * closed, abs_pos);
  const Int128 closed_value = Int128{closed} * price;
  // Long: sold `closed` at price, bought at cost. Short: the reverse.
  s.realized += s.position > 0 ? closed_value - removed_cost : -removed_cost - closed_value;
  s.cost -= removed_cost;
  s.position += delta > 0 ? closed : -closed;
  const int64_t rest = abs_delta - closed;
  if (rest > 0) {
    const int64_t opened = delta > 0 ? rest : -rest;
    s.position = opened;
    s.cost = Int128{opened} * price;
  }
}

bool Portfolio::on_fill(const Fill& fill) {
  if (fill.symbol >= states_.size() || fill.price.units() <= 0 || fill.qty.units() <= 0 ||
      fill.commission_units < 0) {
    return false;
  }
  State& s = states_[fill.symbol];
  if (fill.trade_id != 0) {
    for (int64_t id : s.trade_ids) {
      if (id == fill.trade_id) return false;
    }
    s.trade_ids[s.next_trade_id] = fill.trade_id;
    s.next_trade_id = (s.next_trade_id + 1) % kTradeIdMemory;
  }
  const int64_t qty = qty_to_base_units(fill.qty, s.spec.qty_scale);
  const int64_t price = fill.price.units();
  apply_trade(s, fill.side == core::Side::kBuy ? qty : -qty, price);
  switch (fill.fee_asset) {
    case core::FeeAsset::kNone: break;
    case core::FeeAsset::kQuote: s.fees_quote += fill.commission_units; break;
    case core::FeeAsset::kBase:
      // The account holds that much less base: out of the position at the fill price.
      apply_trade(s, -fill.commission_units, price);
      s.fees_quote += notional_quote_units(fill.price, fill.commission_units, s.spec.price_scale);
      break;
    case core::FeeAsset::kOther: s.fees_other += fill.commission_units; break;
  }
  if (!s.marked) s.mark = fill.price;
  ++s.fills;
  (fill.side == core::Side::kBuy ? s.buys : s.sells)->inc();
  if (fill.time_ms > 0) s.last_fill_gauge->set(static_cast<double>(fill.time_ms) / 1000.0);
  s.position_gauge->set(to_double(s.position, kBaseScale));
  s.realized_gauge->set(to_double(realized_quote_units(fill.symbol), kQuoteScale));
  fee_cells_->units[fill.symbol].store(s.fees_quote, std::memory_order_relaxed);
  refresh(s);
  return true;
}

bool Portfolio::on_fill(const core::OrderUpdate& update) {
  if (update.exec_type != core::ExecType::kTrade) return false;
  Fill fill;
  fill.symbol = update.symbol;
  fill.side = update.side;
  fill.price = update.last_price;
  fill.qty = update.last_qty;
  fill.commission_units = update.commission_units;
  fill.fee_asset = update.fee_asset;
  fill.time_ms = update.transact_time_ms != 0 ? update.transact_time_ms : update.event_time_ms;
  fill.trade_id = update.trade_id;
  return on_fill(fill);
}

void Portfolio::mark(core::SymbolId symbol, core::Price price) {
  if (symbol >= states_.size() || price.units() <= 0) return;
  State& s = states_[symbol];
  s.mark = price;
  s.marked = true;
  refresh(s);
}

void Portfolio::refresh(State& s) {
  const int64_t abs_pos = s.position < 0 ? -s.position : s.position;
  const int64_t exposure = notional_quote_units(s.mark, abs_pos, s.spec.price_scale);
  total_exposure_ += exposure - s.exposure;
  s.exposure = exposure;
  const Int128 unrealized = Int128{s.position} * s.mark.units() - s.cost;
  s.unrealized_gauge->set(to_double(divide_pow10(unrealized, s.spec.price_scale), kQuoteScale));
}

core::Price Portfolio::average_cost(core::SymbolId symbol) const {
  const State& s = states_[symbol];
  if (s.position == 0) return core::Price(0);
  const Int128 abs_cost = s.cost < 0 ? -s.cost : s.cost;
  return core::Price(saturate(divide_nearest(abs_cost, s.position < 0 ? -s.position : s.position)));
}

int64_t Portfolio::realized_quote_units(core::SymbolId symbol) const {
  const State& s = states_[symbol];
  return divide_pow10(s.realized, s.spec.price_scale);
}

int64_t Portfolio::unrealized_quote_units(core::SymbolId symbol) const {
  const State& s = states_[symbol];
  if (s.position == 0) return 0;
  return divide_pow10(Int128{s.position} * s.mark.units() - s.cost, s.spec.price_scale);
}

int64_t Portfolio::net_pnl_quote_units(core::SymbolId symbol) const {
  return realized_quote_units(symbol) + unrealized_quote_units(symbol) - fees_quote_units(symbol);
}

void Portfolio::register_fee_collector(telemetry::Registry& registry) {
  registry.add_collector([cells = fee_cells_](telemetry::SampleSink& sink) {
    for (size_t i = 0; i < cells->symbols.size(); ++i) {
      sink.counter("phoenix_fees_quote_total",
                   "Fees paid in the quote or base asset, valued in the quote asset",
                   to_double(cells->units[i].load(std::memory_order_relaxed), kQuoteScale),
                   {{"symbol", cells->symbols[i]}});
    }
  });
}

int64_t Portfolio::total_net_pnl_quote_units() const {
  int64_t total = 0;
  for (size_t i = 0; i < states_.size(); ++i) total += net_pnl_quote_units(static_cast<core::SymbolId>(i));
  return total;
}

}  // namespace phoenix::risk
