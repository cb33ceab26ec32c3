#pragma once

// Gates top-of-book notifications to the strategy: only price moves of at least
// market_data.min_price_change_bps get through.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/decimal.h"
#include "core/market_data.h"

namespace phoenix::telemetry {
class Counter;
class Registry;
}  // namespace phoenix::telemetry

namespace phoenix::md {

// Per symbol, decides whether a book update is worth forwarding to the strategy: yes when
// the best bid or the best ask moved by at least `min_price_change_bps` (1 = 0.01%)
// relative to the prices of the last FORWARDED update, when a side appeared or
// disappeared, for the first update, and for the first update after reset() (the owner
// calls reset() when the symbol goes stale, so the first update after a silence always
// gets through). A price of zero (or below) means the side is absent. The book itself is
// never touched: the filter only gates notifications.
//
// Integer math only: a side moved enough when
//   |new - old| * 10000 * 10^bps_scale >= old * bps_units
// with the bps value as units at its own scale (e.g. 1.5 bp = 15 at scale 1), in 128 bits.
// 0 bps (or less) forwards everything.
//
// Counts per symbol: forwarded() and filtered(); with a registry, also
// phoenix_md_updates_filtered_total{symbol} and phoenix_md_updates_forwarded_total{symbol}.
//
// Owned by the md feed; used only on the event-loop thread; no locks; on_update() does not
// allocate. The registry must outlive it.
class MinChangeFilter {
 public:
  explicit MinChangeFilter(core::Decimal min_price_change_bps, telemetry::Registry* registry = nullptr);
  MinChangeFilter(const MinChangeFilter&) = delete;
  MinChangeFilter& operator=(const MinChangeFilter&) = delete;

  // Adds a symbol (start-up; registers its metrics). Symbols are numbered in the order
  // added: the first is SymbolId 0, matching the config's symbol list.
  core::SymbolId add_symbol(std::string name);

  // The symbol's best prices after an update; true when it should be forwarded (and then
  // these become the reference prices).
  bool on_update(core::SymbolId symbol, core::Price bid, core::Price ask);

  // Forgets the symbol's reference prices: its next update is forwarded.
  void reset(core::SymbolId symbol) { symbols_[symbol].has_reference = false; }

  uint64_t forwarded(core::SymbolId symbol) const { return symbols_[symbol].forwarded; }
  uint64_t filtered(core::SymbolId symbol) const { return symbols_[symbol].filtered; }
  size_t size() const { return symbols_.size(); }
  // The threshold as used: units at bps_scale() (after dropping trailing zeros).
  int64_t bps_units() const { return bps_units_; }
  int bps_scale() const { return bps_scale_; }

 private:
  struct State {
    std::string name;
    int64_t bid = 0;  // reference (last forwarded) prices; <= 0: side absent
    int64_t ask = 0;
    bool has_reference = false;
    uint64_t forwarded = 0;
    uint64_t filtered = 0;
    telemetry::Counter* forwarded_counter = nullptr;
    telemetry::Counter* filtered_counter = nullptr;
  };

  bool moved_enough(int64_t old_price, int64_t new_price) const;

  telemetry::Registry* registry_;
  int64_t bps_units_ = 0;
  int bps_scale_ = 0;
  int64_t multiplier_ = 10000;  // 10000 * 10^bps_scale
  std::vector<State> symbols_;
};

}  // namespace phoenix::md
