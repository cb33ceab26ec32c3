#include "md/min_change_filter.h"

#include <utility>

#include "telemetry/metrics.h"

namespace phoenix::md {
namespace {

// With bps at scale <= 9 the multiplier stays below 2^44 and every product below 2^127.
constexpr int kMaxBpsScale = 9;

__extension__ using Int128 = __int128;

}  // namespace

MinChangeFilter::MinChangeFilter(core::Decimal min_price_change_bps, telemetry::Registry* registry)
    : registry_(registry) {
  int64_t units = min_price_change_bps.units();
  int scale = min_price_change_bps.scale();
  while (scale > 0 && units % 10 == 0) {  // 1.000 bp -> 1 at scale 0
    units /= 10;
    --scale;
  }
  if (scale > kMaxBpsScale) {
    // Finer than 10^-9 bp means nothing for prices; round up so the filter never loosens.
    units = core::Decimal(units, scale).to_units(kMaxBpsScale, core::Rounding::kUp).value_or(0);
    scale = kMaxBpsScale;
  }
  bps_units_ = units;
  bps_scale_ = scale;
  multiplier_ = 10000 * core::pow10(scale);
}

core::SymbolId MinChangeFilter::add_symbol(std::string name) {
  State s;
  s.name = std::move(name);
  if (registry_ != nullptr) {
    const telemetry::Labels labels{{"symbol", s.name}};
    s.forwarded_counter = &registry_->counter("phoenix_md_updates_forwarded_total",
                                              "Book updates forwarded to the strategy", labels);
    s.filtered_counter = &registry_->counter(
        "phoenix_md_updates_filtered_total",
        "Book updates not forwarded to the strategy (price moved less than min_price_change_bps)", labels);
  }
  symbols_.push_back(std::move(s));
  return static_cast<core::SymbolId>(symbols_.size() - 1);
}

bool MinChangeFilter::moved_enough(int64_t old_price, int64_t new_price) const {
  const bool had = old_price > 0;
  const bool has = new_price > 0;
  if (had != has) return true;  // a side appeared or disappeared
  if (!has) return false;       // absent before and after
  const Int128 diff = Int128{new_price} - Int128{old_price};
  const Int128 abs_diff = diff < 0 ? -diff : diff;
  return abs_diff * multiplier_ >= Int128{old_price} * bps_units_;
}

bool MinChangeFilter::on_update(core::SymbolId symbol, core::Price bid, core::Price ask) {
  State& s = symbols_[symbol];
  const int64_t b = bid.units();
  const int64_t a = ask.units();
  const bool forward =
      !s.has_reference || bps_units_ <= 0 || moved_enough(s.bid, b) || moved_enough(s.ask, a);
  if (!forward) {
    ++s.filtered;
    if (s.filtered_counter != nullptr) s.filtered_counter->inc();
    return false;
  }
  s.bid = b;
  s.ask = a;
  s.has_reference = true;
  ++s.forwarded;
  if (s.forwarded_counter != nullptr) s.forwarded_counter->inc();
  return true;
}

}  // namespace phoenix::md
